"""Azure's public regions: name, display name, geography, latitude, longitude. A neutral module: the
ARM layer, the resource types and the data planes all read it (aznet/arm/regions.py re-exports it)."""

from __future__ import annotations

REGIONS: list[tuple[str, str, str, float, float]] = [
    ("eastus", "East US", "US", 37.3719, -79.8164), ("eastus2", "East US 2", "US", 36.6681, -78.3889),
    ("southcentralus", "South Central US", "US", 29.4167, -98.5), ("westus2", "West US 2", "US", 47.233, -119.852),
    ("westus3", "West US 3", "US", 33.448376, -112.074036), ("australiaeast", "Australia East", "Asia Pacific", -33.86, 151.2094),
    ("southeastasia", "Southeast Asia", "Asia Pacific", 1.283, 103.833), ("northeurope", "North Europe", "Europe", 53.3478, -6.2597),
    ("swedencentral", "Sweden Central", "Europe", 60.67488, 17.14127), ("uksouth", "UK South", "Europe", 50.941, -0.799),
    ("westeurope", "West Europe", "Europe", 52.3667, 4.9), ("centralus", "Central US", "US", 41.5908, -93.6208),
    ("southafricanorth", "South Africa North", "Africa", -25.73134, 28.21837), ("centralindia", "Central India", "Asia Pacific", 18.5822, 73.9197),
    ("eastasia", "East Asia", "Asia Pacific", 22.267, 114.188), ("japaneast", "Japan East", "Asia Pacific", 35.68, 139.77),
    ("koreacentral", "Korea Central", "Asia Pacific", 37.5665, 126.978), ("canadacentral", "Canada Central", "Canada", 43.653, -79.383),
    ("francecentral", "France Central", "Europe", 46.3772, 2.373), ("germanywestcentral", "Germany West Central", "Europe", 50.110924, 8.682127),
    ("italynorth", "Italy North", "Europe", 45.46888, 9.18109), ("norwayeast", "Norway East", "Europe", 59.913868, 10.752245),
    ("polandcentral", "Poland Central", "Europe", 52.23334, 21.01666), ("spaincentral", "Spain Central", "Europe", 40.4259, -3.4209),
    ("switzerlandnorth", "Switzerland North", "Europe", 47.451542, 8.564572), ("mexicocentral", "Mexico Central", "Mexico", 20.588818, -100.389888),
    ("uaenorth", "UAE North", "Middle East", 25.266666, 55.316666), ("brazilsouth", "Brazil South", "South America", -23.55, -46.633),
    ("israelcentral", "Israel Central", "Middle East", 31.2655698, 33.4506633), ("qatarcentral", "Qatar Central", "Middle East", 25.551462, 51.439327),
    ("northcentralus", "North Central US", "US", 41.8819, -87.6278), ("westus", "West US", "US", 37.783, -122.417),
    ("japanwest", "Japan West", "Asia Pacific", 34.6939, 135.5022), ("westcentralus", "West Central US", "US", 40.89, -110.234),
    ("canadaeast", "Canada East", "Canada", 46.817, -71.217), ("ukwest", "UK West", "Europe", 53.427, -3.084),
    ("koreasouth", "Korea South", "Asia Pacific", 35.1796, 129.0756), ("southindia", "South India", "Asia Pacific", 12.9822, 80.1636),
    ("westindia", "West India", "Asia Pacific", 19.088, 72.868), ("australiasoutheast", "Australia Southeast", "Asia Pacific", -37.8136, 144.9631),
    ("australiacentral", "Australia Central", "Asia Pacific", -35.3075, 149.1244), ("francesouth", "France South", "Europe", 43.8345, 2.1972),
    ("germanynorth", "Germany North", "Europe", 53.073635, 8.806422), ("norwaywest", "Norway West", "Europe", 58.969975, 5.733107),
    ("switzerlandwest", "Switzerland West", "Europe", 46.204391, 6.143158), ("uaecentral", "UAE Central", "Middle East", 24.466667, 54.366669),
    ("brazilsoutheast", "Brazil Southeast", "South America", -22.90278, -43.2075), ("southafricawest", "South Africa West", "Africa", -34.075691, 18.843266),
    ("newzealandnorth", "New Zealand North", "Asia Pacific", -36.84853, 174.76349),
]

REGION_NAMES = frozenset(r[0] for r in REGIONS)
DISPLAY = {r[0]: r[1] for r in REGIONS}


def location_list(subscription: str) -> list[dict[str, object]]:
    return [
        {"id": f"/subscriptions/{subscription}/locations/{name}", "name": name, "displayName": display,
         "regionalDisplayName": f"({geo}) {display}", "type": "Region",
         "metadata": {"regionType": "Physical", "regionCategory": "Recommended", "geographyGroup": geo,
                      "latitude": str(lat), "longitude": str(lon)}}
        for name, display, geo, lat, lon in REGIONS
    ]

# Regions with availability zones (three each), from Microsoft's "Azure regions with availability zone
# support" list; the others have none.
ZONAL_REGIONS = frozenset({
    "brazilsouth", "canadacentral", "centralus", "eastus", "eastus2", "southcentralus", "westus2", "westus3",
    "mexicocentral", "francecentral", "italynorth", "germanywestcentral", "norwayeast", "northeurope", "uksouth",
    "westeurope", "swedencentral", "switzerlandnorth", "polandcentral", "spaincentral", "qatarcentral", "uaenorth",
    "israelcentral", "southafricanorth", "australiaeast", "centralindia", "japaneast", "japanwest", "southeastasia",
    "eastasia", "koreacentral", "newzealandnorth",
})

__all__ = ["DISPLAY", "REGIONS", "REGION_NAMES", "ZONAL_REGIONS", "location_list"]
