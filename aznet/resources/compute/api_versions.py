"""api-versions for Microsoft.Compute types (``aznet.arm.versions.supported("compute")``: the listed ones and
those the installed azure-mgmt-compute sends, read from the schema cache)."""

from __future__ import annotations

from ...arm.versions import COMPUTE

API_VERSIONS: tuple[str, ...] = COMPUTE
