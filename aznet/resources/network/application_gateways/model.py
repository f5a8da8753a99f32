"""What every application gateway rule works on: the gateway's SKU generation,
its inline collections (each item a sub-resource with its own id), and the
checks of a reference from one part of the gateway to another."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ....arm.errors import ArmError
from ....arm.ids import normalize
from ..ref_checks import cannot_parse, integer, ref_id

if TYPE_CHECKING:
    from ....arm.context import Ctx

TYPE = "Microsoft.Network/applicationGateways"
WAF_POLICY_TYPE = "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies"

# Inline collections, in the order Azure's model lists them; all are sub-resources with ids.
COLLECTIONS = (
    "gatewayIPConfigurations", "authenticationCertificates", "trustedRootCertificates",
    "trustedClientCertificates", "sslCertificates", "frontendIPConfigurations", "frontendPorts", "probes",
    "backendAddressPools", "backendHttpSettingsCollection", "backendSettingsCollection", "httpListeners",
    "listeners", "sslProfiles", "urlPathMaps", "requestRoutingRules", "routingRules", "rewriteRuleSets",
    "redirectConfigurations", "privateLinkConfigurations", "loadDistributionPolicies",
)
# Azure's documented per-gateway limits (application-gateway limits table).
LIMITS = {"backendAddressPools": 100, "backendHttpSettingsCollection": 100, "httpListeners": 200,
          "frontendPorts": 100, "sslCertificates": 100, "requestRoutingRules": 400, "probes": 100,
          "urlPathMaps": 100, "redirectConfigurations": 100, "trustedRootCertificates": 100,
          "rewriteRuleSets": 400, "listeners": 100, "routingRules": 100, "backendSettingsCollection": 100,
          "trustedClientCertificates": 100, "sslProfiles": 100}
LIMIT_NAMES = {"backendAddressPools": "BackendAddressPool", "backendHttpSettingsCollection": "BackendHttpSettings",
               "httpListeners": "HttpListener", "frontendPorts": "FrontendPort", "sslCertificates": "SslCertificate",
               "requestRoutingRules": "RequestRoutingRule", "probes": "Probe", "urlPathMaps": "UrlPathMap"}

V1_NAMES = ("Standard_Small", "Standard_Medium", "Standard_Large", "WAF_Medium", "WAF_Large")
V2_NAMES = ("Standard_v2", "WAF_v2", "Basic", "Basic_v2", "Basic_WAF_v2")
SKU_TIERS = {"Standard_Small": "Standard", "Standard_Medium": "Standard", "Standard_Large": "Standard",
             "WAF_Medium": "WAF", "WAF_Large": "WAF", "Standard_v2": "Standard_v2", "WAF_v2": "WAF_v2",
             "Basic": "Basic", "Basic_v2": "Basic_v2", "Basic_WAF_v2": "Basic_WAF_v2"}
PRIORITY_API = "2021-08-01"      # rule priorities are required from this api-version on (v2)


def reference_not_found(ref: str, owner: str) -> ArmError:
    return ArmError(400, "InvalidResourceReference",
                    f"Resource {ref} referenced by resource {owner} was not found. Please make sure that the "
                    "referenced resource exists, and that both resources are in the same region.")


@dataclass
class Gateway:
    """One gateway body under validation."""

    ctx: Ctx
    id: str
    props: dict[str, Any]
    sku_name: str
    tier: str
    location: str
    names: dict[str, set[str]] = field(default_factory=dict)
    user_identity: bool = False

    @property
    def v2(self) -> bool:
        return self.sku_name in V2_NAMES

    @property
    def waf(self) -> bool:
        return self.tier in ("WAF", "WAF_v2", "Basic_WAF_v2")

    def item_id(self, kind: str, name: str) -> str:
        return f"{self.id}/{kind}/{name}"

    def items(self, kind: str) -> list[dict[str, Any]]:
        return self.props.get(kind) or []

    def own(self, node: Any, path: str, kind: str, owner: str) -> str | None:
        """A reference to another part of this gateway: None when absent, else its canonical id."""
        rid = ref_id(node, path)
        if rid is None:
            return None
        prefix = normalize(self.id) + f"/{kind.lower()}/"
        key = normalize(rid)
        if not key.startswith(prefix) or key[len(prefix):] not in self.names.get(kind, set()):
            raise reference_not_found(rid, owner)
        name = next(i["name"] for i in self.items(kind) if i["name"].lower() == key[len(prefix):])
        return self.item_id(kind, name)

    def own_list(self, nodes: Any, path: str, kind: str, owner: str) -> list[dict[str, str]]:
        if nodes is None:
            return []
        if not isinstance(nodes, list):
            raise cannot_parse(path, nodes, "SubResource[]")
        out = []
        for j, n in enumerate(nodes):
            rid = self.own(n, f"{path}[{j}]", kind, owner)
            if rid is not None:
                out.append({"id": rid})
        return out


def collection(props: dict[str, Any], kind: str, what: str = "ApplicationGateway sub-resource") -> list[dict[str, Any]]:
    """The items of an inline collection, shape-checked, with unique names."""
    items = props.get(kind)
    if items is None:
        return []
    if not isinstance(items, list):
        raise cannot_parse(f"properties.{kind}", items, f"{what}[]")
    seen: set[str] = set()
    for j, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.", target=f"properties.{kind}[{j}]",
                           details=[{"code": "MissingName", "message": f"Each item of {kind} needs a name."}])
        if item["name"].lower() in seen:
            raise ArmError(400, "DuplicateResourceName",
                           f"Application gateway has two {kind} with the same name {item['name']}.",
                           target=f"properties.{kind}")
        seen.add(item["name"].lower())
        sub = item.get("properties")
        if sub is None:
            item["properties"] = {}
        elif not isinstance(sub, dict):
            raise cannot_parse(f"properties.{kind}[{j}].properties", sub, "PropertiesFormat")
    limit = LIMITS.get(kind)
    if limit is not None and len(items) > limit:
        label = LIMIT_NAMES.get(kind, kind)
        raise ArmError(400, f"ApplicationGateway{label}LimitReached",
                       f"The number of {label}s exceeds the maximum allowed value. The number of {label}s is "
                       f"{len(items)} and the maximum allowed is {limit}.")
    return items


def bounded(value: Any, path: str, low: int, high: int, code: str, message: str, default: int | None = None) -> int:
    n = integer(value, path, default)
    if n is None or not low <= n <= high:
        raise ArmError(400, code, message.format(value=value, low=low, high=high), target=path)
    return n


def text(value: Any, path: str, max_len: int = 2048) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise cannot_parse(path, value, "System.String")
    if len(value) > max_len:
        raise ArmError(400, "InvalidRequestFormat", f"The value at {path} is longer than {max_len} characters.",
                       target=path)
    return value


def canonical_names(ctx: Ctx, rtype: Any, body: dict[str, Any]) -> dict[str, Any]:
    """The body with member names spelled as the model spells them. NRP matches member names
    case-insensitively (``az network application-gateway create`` writes ``Name``, ``Port``, ``Id``); the
    generic request path may do this for every type, in which case this finds nothing to change."""
    schema = ctx.platform.schema_for(rtype)
    if schema is None:
        return body
    return _canonical(schema, body)


def _canonical(schema: Any, node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    fields = schema.fields
    lower = {k.lower(): k for k in fields}
    out: dict[str, Any] = {}
    for key, value in node.items():
        name = key if key in fields else lower.get(key.lower(), key)
        if name in out and name != key:
            name = key                              # both spellings given: keep them apart, as sent
        spec = fields.get(name)
        out[name] = _canonical_value(schema, spec, value) if spec is not None else value
    return out


def _canonical_value(schema: Any, spec: dict[str, Any], value: Any) -> Any:
    kind = spec.get("type")
    item = spec.get("item")
    item_spec = item if isinstance(item, dict) else {"type": item}
    if kind == "array" and isinstance(value, list):
        return [_canonical_value(schema, item_spec, v) for v in value]
    if kind == "dict" and isinstance(value, dict):
        return {k: _canonical_value(schema, item_spec, v) for k, v in value.items()}
    if isinstance(value, dict) and isinstance(kind, str):
        sub = schema.model(kind)
        return _canonical(sub.for_body(value), value) if sub is not None else value
    return value
