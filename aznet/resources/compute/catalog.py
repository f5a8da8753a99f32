"""The small built-in catalogue compute requests are answered from: platform
images (the Azure CLI's image aliases, two versions each), VM sizes and
resource SKUs. Data only, plus lookups."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

# (publisher, offer, sku, os, hyperVGeneration, architecture)
IMAGES: list[tuple[str, str, str, str, str, str]] = [
    ("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "Linux", "V2", "x64"),
    ("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts", "Linux", "V1", "x64"),
    ("Canonical", "ubuntu-24_04-lts", "server", "Linux", "V2", "x64"),
    ("Canonical", "0001-com-ubuntu-server-focal", "20_04-lts-gen2", "Linux", "V2", "x64"),
    ("Debian", "debian-11", "11-backports-gen2", "Linux", "V2", "x64"),
    ("Debian", "debian-12", "12-gen2", "Linux", "V2", "x64"),
    ("microsoftazurelinux", "azurelinux-4", "4", "Linux", "V2", "x64"),
    ("microsoftazurelinux", "azurelinux-4", "4-arm64", "Linux", "V2", "Arm64"),
    ("microsoftazurelinux", "azurelinux-4", "4-gen1", "Linux", "V1", "x64"),
    ("OpenLogic", "CentOS", "8_5-gen2", "Linux", "V2", "x64"),
    ("kinvolk", "flatcar-container-linux-free", "stable-gen2", "Linux", "V2", "x64"),
    ("SUSE", "openSUSE-leap-15-4", "gen2", "Linux", "V2", "x64"),
    ("SUSE", "sles-15-sp3", "gen2", "Linux", "V2", "x64"),
    ("RedHat", "RHEL", "8-lvm-gen2", "Linux", "V2", "x64"),
    ("MicrosoftWindowsServer", "WindowsServer", "2022-datacenter-g2", "Windows", "V2", "x64"),
    ("MicrosoftWindowsServer", "WindowsServer", "2022-datacenter-azure-edition-core", "Windows", "V2", "x64"),
    ("MicrosoftWindowsServer", "WindowsServer", "2019-datacenter-gensecond", "Windows", "V2", "x64"),
    ("MicrosoftWindowsServer", "WindowsServer", "2016-datacenter-gensecond", "Windows", "V2", "x64"),
    ("MicrosoftWindowsServer", "WindowsServer", "2012-R2-Datacenter", "Windows", "V1", "x64"),
    ("MicrosoftWindowsServer", "WindowsServer", "2012-Datacenter", "Windows", "V1", "x64"),
]
VERSIONS = ("2024.11.01", "2025.06.01")

# The image aliases `az vm create --image` accepts (os, alias, publisher, offer, sku): the names of the Azure CLI's
# alias document (its bundled copy of the document Azure publishes at the cloud's vmImageAliasDoc endpoint).
ALIASES: list[tuple[str, str, str, str, str]] = [
    ("Linux", "AzureLinux4", "microsoftazurelinux", "azurelinux-4", "4"),
    ("Linux", "AzureLinux4Arm64", "microsoftazurelinux", "azurelinux-4", "4-arm64"),
    ("Linux", "AzureLinux4Gen1", "microsoftazurelinux", "azurelinux-4", "4-gen1"),
    ("Linux", "CentOS85Gen2", "OpenLogic", "CentOS", "8_5-gen2"),
    ("Linux", "Debian11", "Debian", "debian-11", "11-backports-gen2"),
    ("Linux", "FlatcarLinuxFreeGen2", "kinvolk", "flatcar-container-linux-free", "stable-gen2"),
    ("Linux", "OpenSuseLeap154Gen2", "SUSE", "openSUSE-leap-15-4", "gen2"),
    ("Linux", "RHELRaw8LVMGen2", "RedHat", "RHEL", "8-lvm-gen2"),
    ("Linux", "SuseSles15SP3", "SUSE", "sles-15-sp3", "gen2"),
    ("Linux", "Ubuntu2204", "Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2"),
    ("Windows", "Win2022Datacenter", "MicrosoftWindowsServer", "WindowsServer", "2022-datacenter-g2"),
    ("Windows", "Win2022AzureEditionCore", "MicrosoftWindowsServer", "WindowsServer",
     "2022-datacenter-azure-edition-core"),
    ("Windows", "Win2019Datacenter", "MicrosoftWindowsServer", "WindowsServer", "2019-datacenter-gensecond"),
    ("Windows", "Win2016Datacenter", "MicrosoftWindowsServer", "WindowsServer", "2016-datacenter-gensecond"),
    ("Windows", "Win2012R2Datacenter", "MicrosoftWindowsServer", "WindowsServer", "2012-R2-Datacenter"),
    ("Windows", "Win2012Datacenter", "MicrosoftWindowsServer", "WindowsServer", "2012-Datacenter"),
]


def alias_document() -> dict[str, Any]:
    """The vmImageAliasDoc document: a template whose ``aliases`` output maps OS -> alias -> image."""
    aliases: dict[str, dict[str, Any]] = {}
    for os_type, alias, pub, offer, sku in ALIASES:
        img = image(pub, offer, sku)
        arch = img[5] if img else "x64"
        aliases.setdefault(os_type, {})[alias] = {"publisher": pub, "offer": offer, "sku": sku, "version": "latest",
                                                  "architecture": arch}
    return {"$schema": "http://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json",
            "contentVersion": "1.0.0.0", "parameters": {}, "variables": {}, "resources": [],
            "outputs": {"aliases": {"type": "object", "value": aliases}}}

# name, cores, memory MB, max data disks, resource disk MB, max NICs, accelerated networking: from
# data/vm_sizes.json (Microsoft's size-series pages; see its "source" and "note").
_SIZE_DOC: dict[str, Any] = json.loads(files(__package__).joinpath("data", "vm_sizes.json").read_text())
SIZES: list[tuple[str, int, int, int, int, int, bool]] = [
    (r["name"], r["vCPUs"], int(r["memoryGiB"] * 1024), r["maxDataDisks"], int(r["tempDiskGiB"] * 1024), r["maxNics"],
     r["acceleratedNetworking"]) for r in _SIZE_DOC["sizes"]]
_EXTRA = {r["name"].lower(): r for r in _SIZE_DOC["sizes"]}
# quota family names (resource SKUs' "family") by series
FAMILIES = {"Av2": "standardAv2Family", "Bv1": "standardBSFamily", "Bsv2": "standardBsv2Family",
            "Dsv2": "standardDSv2Family", "Dv3": "standardDv3Family", "Dsv3": "standardDSv3Family",
            "Dsv5": "standardDSv5Family", "Ddsv5": "standardDDSv5Family", "Dasv5": "standardDASv5Family",
            "Basv2": "standardBasv2Family", "Fsv2": "standardFSv2Family", "DCsv2": "standardDCSv2Family"}
SIZE_NAMES = {s[0].lower(): s[0] for s in SIZES}


def size(name: str) -> tuple[str, int, int, int, int, int, bool] | None:
    for s in SIZES:
        if s[0].lower() == name.lower():
            return s
    return None


def size_list() -> list[dict[str, Any]]:
    return [{"name": n, "numberOfCores": c, "osDiskSizeInMB": 1047552, "resourceDiskSizeInMB": disk,
             "memoryInMB": mem, "maxDataDiskCount": dd} for n, c, mem, dd, disk, _nics, _an in SIZES]


def image(publisher: str, offer: str, sku: str) -> tuple[str, str, str, str, str, str] | None:
    for img in IMAGES:
        if (img[0].lower(), img[1].lower(), img[2].lower()) == (publisher.lower(), offer.lower(), sku.lower()):
            return img
    return None


def resource_skus(location: str) -> list[dict[str, Any]]:
    from ...arm.regions import ZONAL_REGIONS

    zones = ["1", "2", "3"] if location in ZONAL_REGIONS else []
    out = []
    for n, cores, mem, dd, _disk, nics, an in SIZES:
        extra = _EXTRA[n.lower()]
        family = FAMILIES.get(extra["series"], "standard" + extra["series"] + "Family")
        caps = [("vCPUs", str(cores)), ("MemoryGB", f"{mem / 1024:g}"),
                ("MaxDataDiskCount", str(dd)), ("MaxResourceVolumeMB", str(_disk)), ("MaxNetworkInterfaces", str(nics)),
                ("AcceleratedNetworkingEnabled", str(an)), ("HyperVGenerations", extra["hyperVGenerations"]),
                ("CpuArchitectureType", "x64"), ("PremiumIO", str(extra["premiumIO"])), ("LowPriorityCapable", "True"),
                ("EncryptionAtHostSupported", "True"), ("TrustedLaunchDisabled", "False")]
        out.append({"resourceType": "virtualMachines", "name": n, "tier": "Standard", "size": n.split("_", 1)[1],
                    "family": family, "locations": [location],
                    "locationInfo": [{"location": location, "zones": zones, "zoneDetails": []}],
                    "capabilities": [{"name": k, "value": v} for k, v in caps], "restrictions": []})
    return out
