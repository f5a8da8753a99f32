"""Edge zones: ``extendedLocation`` on VNets, public IPs, NICs, load balancers and VMs, and the
Microsoft.EdgeZones ``extendedZones`` catalogue (list, get, register, unregister).

Rules (Azure Extended Zones / Public MEC docs; codes are this module's, see docs/hybrid.md):
- ``extendedLocation`` is ``{"name": <zone>, "type": "EdgeZone"}``; the zone must be one of the region's
  edge zones (its ``homeLocation`` is the resource's location), and the subscription must have registered
  for it (``extendedZones/{zone}/register``, as Azure Extended Zones require). It cannot change.
- Resources that refer to each other share the edge zone (or are all in the region): a NIC with its
  subnet's VNet, its public IPs and the load balancers of its backend pools; a load balancer with its
  frontend public IPs and subnets; a VM with its NICs.
- Public IPs and load balancers in an edge zone are Standard SKU."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import typenames
from ...arm.errors import ArmError
from ...arm.errors import bad_request as bad
from ...arm.ids import normalize
from ...arm.provider_actions import provider_action
from ...arm.versions import supported

if TYPE_CHECKING:
    from ...arm.context import Ctx

ZONE_TYPE = "Microsoft.EdgeZones/extendedZones"
API_VERSIONS = supported("edgezones")
# name, home location, display name, geography, latitude, longitude
ZONES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("losangeles", "westus", "Los Angeles", "usa", "33.972", "-118.42"),
    ("perth", "australiaeast", "Perth", "australia", "-31.9522", "115.8614"),
    ("microsoftlosangeles1", "westus", "Microsoft Los Angeles 1", "usa", "34.0522", "-118.2437"),
    ("attatlanta1", "eastus2", "AT&T Atlanta 1", "usa", "33.749", "-84.388"),
    ("attdallas1", "southcentralus", "AT&T Dallas 1", "usa", "32.7767", "-96.797"),
)


def zone(name: Any) -> tuple[str, str, str, str, str, str] | None:
    return next((z for z in ZONES if isinstance(name, str) and z[0] == name.lower()), None)


def _zone_id(sub: str, name: str) -> str:
    return f"/subscriptions/{sub}/providers/{ZONE_TYPE}/{name}"


def _registered(ctx: Ctx, sub: str, name: str) -> bool:
    rec = ctx.record(_zone_id(sub, name))
    return rec is not None and (rec.body.get("properties") or {}).get("registrationState") == "Registered"


def _zone_body(ctx: Ctx, sub: str, z: tuple[str, str, str, str, str, str]) -> dict[str, Any]:
    name, home, display, geo, lat, lon = z
    state = "Registered" if _registered(ctx, sub, name) else "NotRegistered"
    return {"id": _zone_id(sub, name), "name": name, "type": ZONE_TYPE, "properties": {
        "provisioningState": "Succeeded", "registrationState": state, "displayName": display,
        "regionalDisplayName": f"({geo.upper()}) {display}", "regionType": "Physical", "regionCategory": "Other",
        "geography": geo, "geographyGroup": "US" if geo == "usa" else "Asia Pacific", "longitude": lon,
        "latitude": lat, "homeLocation": home}}


def _get_zone(params: dict[str, str]) -> tuple[str, str, str, str, str, str]:
    z = zone(params["name"])
    if z is None:
        raise ArmError(404, "ResourceNotFound", f"Extended zone {params['name']} was not found.")
    return z


@provider_action("subscriptions/{sub}/providers/microsoft.edgezones/extendedzones", "GET",
                 api_versions=API_VERSIONS, name="extendedZones", paged=True)
def list_zones(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    return 200, [_zone_body(ctx, params["sub"], z) for z in ZONES]


@provider_action("subscriptions/{sub}/providers/microsoft.edgezones/extendedzones/{name}", "GET",
                 api_versions=API_VERSIONS, name="extendedZones")
def get_zone(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    return 200, _zone_body(ctx, params["sub"], _get_zone(params))


def _set(ctx: Ctx, params: dict[str, str], state: str) -> tuple[int, Any]:
    z = _get_zone(params)
    sub = params["sub"]
    rid = _zone_id(sub, z[0])
    if state == "NotRegistered":
        users = [r.id for r in ctx.txn.in_scope(normalize(f"/subscriptions/{sub}")) if of(r.body) == z[0]]
        if users:
            raise ArmError(409, "ExtendedZoneInUse",
                           f"Extended zone {z[0]} cannot be unregistered while {users[0]} is in it.")
        if ctx.record(rid) is not None:
            ctx.txn.delete(normalize(rid))
    else:
        # a registration is the subscription's state, not one of its resources: its record lives outside the
        # subscription's scope, so resource listings (az resource list) do not show it
        ctx.txn.put(rid, ZONE_TYPE, None, normalize(f"/_aznet/extendedzones/{sub}"),
                    {"id": rid, "name": z[0], "type": ZONE_TYPE, "properties": {"registrationState": state}})
    return 200, _zone_body(ctx, sub, z)


@provider_action("subscriptions/{sub}/providers/microsoft.edgezones/extendedzones/{name}/register", "POST",
                 api_versions=API_VERSIONS, name="extendedZones/register", writes=True)
def register(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    return _set(ctx, params, "Registered")


@provider_action("subscriptions/{sub}/providers/microsoft.edgezones/extendedzones/{name}/unregister", "POST",
                 api_versions=API_VERSIONS, name="extendedZones/unregister", writes=True)
def unregister(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    return _set(ctx, params, "NotRegistered")


# -- the rules on resources ---------------------------------------------------------------------------------

def of(body: dict[str, Any] | None) -> str | None:
    """The edge zone a resource is in (lower case), or None for the region itself."""
    ext = (body or {}).get("extendedLocation")
    name = ext.get("name") if isinstance(ext, dict) else None
    return name.lower() if isinstance(name, str) and name else None


def check_own(ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> str | None:
    """Validate and normalise ``new["extendedLocation"]``; returns the zone (or None)."""
    ext = new.get("extendedLocation")
    rid = new["id"]
    if ext is None:
        name = None
    else:
        if not isinstance(ext, dict):
            raise bad("InvalidExtendedLocation", f"extendedLocation of {rid} must be {{\"name\", \"type\"}}.")
        kind = ext.get("type")
        if not isinstance(kind, str) or kind.lower() != "edgezone":
            raise bad("InvalidExtendedLocation",
                      f"extendedLocation.type {kind!r} of {rid} is not supported; use EdgeZone.")
        z = zone(ext.get("name"))
        if z is None or z[1] != str(new.get("location", "")).lower():
            raise bad("InvalidExtendedLocation",
                      f"Edge zone {ext.get('name')!r} is not an edge zone of location {new.get('location')} "
                      f"(its edge zones: {', '.join(x[0] for x in ZONES if x[1] == new.get('location')) or 'none'}).")
        sub = rid.split("/")[2]
        if not _registered(ctx, sub, z[0]):
            raise bad("SubscriptionNotRegisteredForExtendedZone",
                      f"Subscription {sub} is not registered for edge zone {z[0]}: register it with "
                      f"extendedZones/{z[0]}/register first.")
        new["extendedLocation"] = {"name": z[0], "type": "EdgeZone"}
        name = z[0]
    if old is not None and of(old) != name:
        raise bad("ExtendedLocationCannotBeChanged",
                  f"The extendedLocation of {rid} cannot be changed from {of(old) or 'the region'} to "
                  f"{name or 'the region'}.")
    return name


def _where(z: str | None) -> str:
    return f"edge zone {z}" if z else "the region (no edge zone)"


def same_zone(ctx: Ctx, owner: dict[str, Any], zone_name: str | None, ref: str | None, what: str) -> None:
    if not ref:
        return
    target = ctx.body(_top(ref))
    if target is None:
        return                          # the owner's own reference checks report a missing resource
    theirs = of(target)
    if theirs != zone_name:
        raise bad("ExtendedLocationMismatch",
                  f"{owner['id']} is in {_where(zone_name)} but its {what} {target['id']} is in {_where(theirs)}: "
                  "resources that refer to each other must be in the same edge zone.")


def _top(ref: str) -> str:
    """The top-level resource of a child id (a subnet -> its VNet, a pool -> its load balancer)."""
    parts = ref.split("/")
    low = [p.lower() for p in parts]
    if "providers" not in low:
        return ref
    i = len(low) - 1 - low[::-1].index("providers")
    return "/".join(parts[: i + 4])


def _ref(node: Any) -> str | None:
    return node.get("id") if isinstance(node, dict) and isinstance(node.get("id"), str) else None


def _standard(new: dict[str, Any], zone_name: str | None, what: str) -> None:
    sku = (new.get("sku") or {}).get("name") if isinstance(new.get("sku"), dict) else None
    if zone_name and isinstance(sku, str) and sku.lower() != "standard":     # absent: Standard, the default
        raise bad("EdgeZoneRequiresStandardSku",
                  f"{what} {new['id']} in edge zone {zone_name} must be Standard SKU, not {sku}.")


def check_vnet(ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
    check_own(ctx, new, old)


def check_public_ip(ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
    _standard(new, check_own(ctx, new, old), "Public IP address")


def check_nic(ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
    z = check_own(ctx, new, old)
    for cfg in (new.get("properties") or {}).get("ipConfigurations") or []:
        cp = cfg.get("properties") if isinstance(cfg, dict) else None
        if not isinstance(cp, dict):
            continue
        same_zone(ctx, new, z, _ref(cp.get("subnet")), "subnet's virtual network")
        same_zone(ctx, new, z, _ref(cp.get("publicIPAddress")), "public IP address")
        for pool in cp.get("loadBalancerBackendAddressPools") or []:
            same_zone(ctx, new, z, _ref(pool), "backend pool's load balancer")


def check_load_balancer(ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
    z = check_own(ctx, new, old)
    _standard(new, z, "Load balancer")
    for fe in (new.get("properties") or {}).get("frontendIPConfigurations") or []:
        fp = fe.get("properties") if isinstance(fe, dict) else None
        if isinstance(fp, dict):
            same_zone(ctx, new, z, _ref(fp.get("publicIPAddress")), "frontend public IP address")
            same_zone(ctx, new, z, _ref(fp.get("subnet")), "frontend subnet's virtual network")


def check_vm(ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
    z = check_own(ctx, new, old)
    for nic in ((new.get("properties") or {}).get("networkProfile") or {}).get("networkInterfaces") or []:
        same_zone(ctx, new, z, _ref(nic), "network interface")


CHECKS = {typenames.VNET.lower(): check_vnet, typenames.PUBLIC_IP.lower(): check_public_ip,
          typenames.NIC.lower(): check_nic, typenames.LOAD_BALANCER.lower(): check_load_balancer,
          typenames.VM.lower(): check_vm}


def check(ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
    """The edge zone rules of ``new``'s type (called first by each type's validate)."""
    fn = CHECKS.get(str(new.get("type", "")).lower())
    if fn is not None:
        fn(ctx, new, old)
