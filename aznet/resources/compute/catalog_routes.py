"""Location-level compute endpoints answered from the built-in catalogue:
platform images (``.../publishers/.../artifacttypes/vmimage/...``), VM sizes
(``.../locations/{loc}/vmSizes``) and resource SKUs (``.../Microsoft.Compute/skus``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.provider_actions import provider_action
from . import catalog
from .api_versions import API_VERSIONS

if TYPE_CHECKING:
    from ...arm.context import Ctx

BASE = "subscriptions/{sub}/providers/microsoft.compute/locations/{loc}"
IMG = BASE + "/publishers/{pub}/artifacttypes/vmimage/offers/{offer}/skus/{sku}/versions"


def _loc(ctx: Ctx, params: dict[str, str]) -> str:
    loc = params["loc"].replace(" ", "").lower()
    ctx.platform.check_location(loc, "Microsoft.Compute/locations")
    return loc


def _prefix(params: dict[str, str], loc: str) -> str:
    return f"/Subscriptions/{params['sub']}/Providers/Microsoft.Compute/Locations/{loc}"


def _not_found(what: str) -> ArmError:
    return ArmError(404, "NotFound", f"Artifact: {what} was not found.")


def _names(loc: str, prefix: str, names: list[str]) -> list[dict[str, Any]]:
    return [{"location": loc, "name": n, "id": f"{prefix}/{n}"} for n in names]


@provider_action(BASE + "/publishers", "GET", api_versions=API_VERSIONS, name="locations")
def publishers(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    loc = _loc(ctx, params)
    names = sorted({i[0] for i in catalog.IMAGES}, key=str.lower)
    return 200, _names(loc, _prefix(params, loc) + "/Publishers", names)


@provider_action(BASE + "/publishers/{pub}/artifacttypes/vmimage/offers", "GET", api_versions=API_VERSIONS,
                 name="locations")
def offers(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    loc = _loc(ctx, params)
    pub = params["pub"]
    names = sorted({i[1] for i in catalog.IMAGES if i[0].lower() == pub.lower()}, key=str.lower)
    if not names:
        raise _not_found("VMImage")
    return 200, _names(loc, f"{_prefix(params, loc)}/Publishers/{pub}/ArtifactTypes/VMImage/Offers", names)


@provider_action(BASE + "/publishers/{pub}/artifacttypes/vmimage/offers/{offer}/skus", "GET",
                 api_versions=API_VERSIONS, name="locations")
def skus(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    loc = _loc(ctx, params)
    pub, offer = params["pub"], params["offer"]
    names = [i[2] for i in catalog.IMAGES if (i[0].lower(), i[1].lower()) == (pub.lower(), offer.lower())]
    if not names:
        raise _not_found("VMImage")
    return 200, _names(loc, f"{_prefix(params, loc)}/Publishers/{pub}/ArtifactTypes/VMImage/Offers/"
                            f"{offer}/Skus", names)


def _image(params: dict[str, str]) -> tuple[str, str, str, str, str, str]:
    img = catalog.image(params["pub"], params["offer"], params["sku"])
    if img is None:
        raise _not_found("VMImage")
    return img


@provider_action(IMG, "GET", api_versions=API_VERSIONS, name="locations")
def versions(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    loc = _loc(ctx, params)
    img = _image(params)
    names = list(catalog.VERSIONS)
    if "desc" in (ctx.arg("$orderby") or "").lower():
        names.reverse()
    top = ctx.arg("$top")
    if top and top.isdigit():
        names = names[:int(top)]
    return 200, _names(loc, f"{_prefix(params, loc)}/Publishers/{img[0]}/ArtifactTypes/VMImage/Offers/"
                            f"{img[1]}/Skus/{img[2]}/Versions", names)


@provider_action(IMG + "/{version}", "GET", api_versions=API_VERSIONS, name="locations")
def version(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    loc = _loc(ctx, params)
    img = _image(params)
    ver = params["version"]
    if ver.lower() == "latest":
        ver = catalog.VERSIONS[-1]
    if ver not in catalog.VERSIONS:
        raise _not_found("VMImage")
    pub, offer, sku, os_type, gen, arch = img
    features = [{"name": "IsAcceleratedNetworkSupported", "value": "True"},
                {"name": "DiskControllerTypes", "value": "SCSI, NVMe"},
                {"name": "IsHibernateSupported", "value": "True"}]
    if gen == "V2":
        features.insert(0, {"name": "SecurityType", "value": "TrustedLaunchSupported"})
    return 200, {
        "location": loc, "name": ver,
        "id": f"{_prefix(params, loc)}/Publishers/{pub}/ArtifactTypes/VMImage/Offers/{offer}/Skus/{sku}/Versions/{ver}",
        "properties": {"hyperVGeneration": gen, "architecture": arch, "replicaType": "Managed",
                       "osDiskImage": {"operatingSystem": os_type, "sizeInGb": 30 if os_type == "Linux" else 127},
                       "dataDiskImages": [], "disallowed": {"vmDiskType": "Unmanaged"},
                       "automaticOSUpgradeProperties": {"automaticOSUpgradeSupported": False},
                       "imageDeprecationStatus": {"imageState": "Active"}, "features": features}}


@provider_action(BASE + "/vmsizes", "GET", api_versions=API_VERSIONS, name="locations")
def vm_sizes(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    _loc(ctx, params)
    return 200, {"value": catalog.size_list()}


@provider_action("subscriptions/{sub}/providers/microsoft.compute/skus", "GET", api_versions=API_VERSIONS,
                 name="skus")
def resource_skus(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    flt = ctx.arg("$filter") or ""
    m = re.search(r"location\s+eq\s+'([^']+)'", flt, re.I)
    loc = m.group(1).replace(" ", "").lower() if m else ctx.settings.default_location
    return 200, {"value": catalog.resource_skus(loc)}


@provider_action("vmimagealiases", "GET", api_versions=None, name="vmimagealiases", auth=False)
def image_aliases(ctx: Ctx, payload: Any, params: dict[str, str]) -> tuple[int, Any]:
    """``GET {endpoint}/vmimagealiases``: the cloud metadata's vmImageAliasDoc, which `az vm create` reads
    (anonymously, as it reads Azure's copy on GitHub)."""
    return 200, catalog.alias_document()
