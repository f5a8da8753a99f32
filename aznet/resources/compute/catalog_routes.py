"""Location-level compute endpoints answered from the built-in catalogue:
platform images (``.../publishers/.../artifacttypes/vmimage/...``), VM sizes
(``.../locations/{loc}/vmSizes``) and resource SKUs (``.../Microsoft.Compute/skus``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.http import Request, Response
from ...arm.router import ROUTES
from ...arm.versions import check_api_version
from . import catalog
from .api_versions import API_VERSIONS

if TYPE_CHECKING:
    from ...arm.platform import Platform

BASE = "subscriptions/{sub}/providers/microsoft.compute/locations/{loc}"
IMG = BASE + "/publishers/{pub}/artifacttypes/vmimage/offers/{offer}/skus/{sku}/versions"


def _loc(p: Platform, req: Request) -> str:
    check_api_version(req.api_version, API_VERSIONS, "locations")
    loc = req.params["loc"].replace(" ", "").lower()
    p.check_location(loc, "Microsoft.Compute/locations")
    return loc


def _prefix(req: Request, loc: str) -> str:
    return f"/Subscriptions/{req.params['sub']}/Providers/Microsoft.Compute/Locations/{loc}"


def _not_found(what: str) -> ArmError:
    return ArmError(404, "NotFound", f"Artifact: {what} was not found.")


def _names(loc: str, prefix: str, names: list[str]) -> list[dict[str, Any]]:
    return [{"location": loc, "name": n, "id": f"{prefix}/{n}"} for n in names]


def publishers(p: Platform, req: Request) -> Response:
    loc = _loc(p, req)
    names = sorted({i[0] for i in catalog.IMAGES}, key=str.lower)
    return Response(200, _names(loc, _prefix(req, loc) + "/Publishers", names))


def offers(p: Platform, req: Request) -> Response:
    loc = _loc(p, req)
    pub = req.params["pub"]
    names = sorted({i[1] for i in catalog.IMAGES if i[0].lower() == pub.lower()}, key=str.lower)
    if not names:
        raise _not_found("VMImage")
    return Response(200, _names(loc, f"{_prefix(req, loc)}/Publishers/{pub}/ArtifactTypes/VMImage/Offers", names))


def skus(p: Platform, req: Request) -> Response:
    loc = _loc(p, req)
    pub, offer = req.params["pub"], req.params["offer"]
    names = [i[2] for i in catalog.IMAGES if (i[0].lower(), i[1].lower()) == (pub.lower(), offer.lower())]
    if not names:
        raise _not_found("VMImage")
    return Response(200, _names(loc, f"{_prefix(req, loc)}/Publishers/{pub}/ArtifactTypes/VMImage/Offers/"
                                     f"{offer}/Skus", names))


def _image(req: Request) -> tuple[str, str, str, str, str, str]:
    img = catalog.image(req.params["pub"], req.params["offer"], req.params["sku"])
    if img is None:
        raise _not_found("VMImage")
    return img


def versions(p: Platform, req: Request) -> Response:
    loc = _loc(p, req)
    img = _image(req)
    names = list(catalog.VERSIONS)
    if "desc" in (req.arg("$orderby") or "").lower():
        names.reverse()
    top = req.arg("$top")
    if top and top.isdigit():
        names = names[:int(top)]
    return Response(200, _names(loc, f"{_prefix(req, loc)}/Publishers/{img[0]}/ArtifactTypes/VMImage/Offers/"
                                     f"{img[1]}/Skus/{img[2]}/Versions", names))


def version(p: Platform, req: Request) -> Response:
    loc = _loc(p, req)
    img = _image(req)
    ver = req.params["version"]
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
    return Response(200, {
        "location": loc, "name": ver,
        "id": f"{_prefix(req, loc)}/Publishers/{pub}/ArtifactTypes/VMImage/Offers/{offer}/Skus/{sku}/Versions/{ver}",
        "properties": {"hyperVGeneration": gen, "architecture": arch, "replicaType": "Managed",
                       "osDiskImage": {"operatingSystem": os_type, "sizeInGb": 30 if os_type == "Linux" else 127},
                       "dataDiskImages": [], "disallowed": {"vmDiskType": "Unmanaged"},
                       "automaticOSUpgradeProperties": {"automaticOSUpgradeSupported": False},
                       "imageDeprecationStatus": {"imageState": "Active"}, "features": features}})


def vm_sizes(p: Platform, req: Request) -> Response:
    _loc(p, req)
    return Response(200, {"value": catalog.size_list()})


def resource_skus(p: Platform, req: Request) -> Response:
    check_api_version(req.api_version, API_VERSIONS, "skus")
    flt = req.arg("$filter") or ""
    m = re.search(r"location\s+eq\s+'([^']+)'", flt, re.I)
    loc = m.group(1).replace(" ", "").lower() if m else p.settings.default_location
    return Response(200, {"value": catalog.resource_skus(loc)})


def image_aliases(p: Platform, req: Request) -> Response:
    """``GET {endpoint}/vmimagealiases``: the cloud metadata's vmImageAliasDoc, which `az vm create` reads
    (anonymously, as it reads Azure's copy on GitHub)."""
    return Response(200, catalog.alias_document())


ROUTES.add("vmimagealiases", "GET", image_aliases, auth=False)
ROUTES.add(BASE + "/publishers", "GET", publishers)
ROUTES.add(BASE + "/publishers/{pub}/artifacttypes/vmimage/offers", "GET", offers)
ROUTES.add(BASE + "/publishers/{pub}/artifacttypes/vmimage/offers/{offer}/skus", "GET", skus)
ROUTES.add(IMG, "GET", versions)
ROUTES.add(IMG + "/{version}", "GET", version)
ROUTES.add(BASE + "/vmsizes", "GET", vm_sizes)
ROUTES.add("subscriptions/{sub}/providers/microsoft.compute/skus", "GET", resource_skus)
