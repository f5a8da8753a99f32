"""The small built-in catalogue compute requests are answered from: platform
images (the Azure CLI's image aliases, two versions each), VM sizes and
resource SKUs. Data only, plus lookups."""

from __future__ import annotations

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

# name, cores, memory MB, max data disks, resource disk MB, max NICs, accelerated networking
SIZES: list[tuple[str, int, int, int, int, int, bool]] = [
    ("Standard_B1ls", 1, 512, 2, 4096, 2, False),
    ("Standard_B1s", 1, 1024, 2, 4096, 2, False),
    ("Standard_B1ms", 1, 2048, 2, 4096, 2, False),
    ("Standard_B2s", 2, 4096, 4, 8192, 3, False),
    ("Standard_B2ms", 2, 8192, 4, 16384, 3, False),
    ("Standard_B2ats_v2", 2, 1024, 4, 0, 2, False),
    ("Standard_B2s_v2", 2, 8192, 4, 0, 2, False),
    ("Standard_DS1_v2", 1, 3584, 4, 7168, 2, True),
    ("Standard_DS2_v2", 2, 7168, 8, 14336, 2, True),
    ("Standard_D2s_v3", 2, 8192, 4, 16384, 2, True),
    ("Standard_D4s_v3", 4, 16384, 8, 32768, 2, True),
    ("Standard_D2s_v5", 2, 8192, 4, 0, 2, True),
    ("Standard_D4s_v5", 4, 16384, 8, 0, 2, True),
    ("Standard_D2as_v5", 2, 8192, 4, 0, 2, True),
    ("Standard_D2ds_v5", 2, 8192, 4, 76800, 2, True),
    ("Standard_F2s_v2", 2, 4096, 4, 16384, 2, True),
    ("Standard_A1_v2", 1, 2048, 2, 10240, 2, False),
    ("Standard_A2_v2", 2, 4096, 4, 20480, 2, False),
    ("Standard_DC1s_v2", 1, 4096, 1, 51200, 2, False),
]
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
    out = []
    for n, cores, mem, dd, _disk, nics, an in SIZES:
        family = "standard" + n.split("_")[1].rstrip("0123456789lsamtd").upper() + "Family"
        caps = [("vCPUs", str(cores)), ("MemoryGB", str(mem / 1024).rstrip("0").rstrip(".")),
                ("MaxDataDiskCount", str(dd)), ("MaxNetworkInterfaces", str(nics)),
                ("AcceleratedNetworkingEnabled", str(an)), ("HyperVGenerations", "V1,V2"),
                ("CpuArchitectureType", "x64"), ("PremiumIO", "True"), ("LowPriorityCapable", "True"),
                ("EncryptionAtHostSupported", "True"), ("TrustedLaunchDisabled", "False")]
        out.append({"resourceType": "virtualMachines", "name": n, "tier": "Standard", "size": n.split("_", 1)[1],
                    "family": family, "locations": [location],
                    "locationInfo": [{"location": location, "zones": ["1", "2", "3"], "zoneDetails": []}],
                    "capabilities": [{"name": k, "value": v} for k, v in caps], "restrictions": []})
    return out
