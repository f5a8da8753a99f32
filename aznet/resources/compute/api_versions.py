"""api-versions for Microsoft.Compute types: the platform's list plus the ones
the installed azure-mgmt-compute and the Azure CLI send (until
aznet.arm.versions.COMPUTE carries them)."""

from __future__ import annotations

from ...arm.versions import COMPUTE

_EXTRA = ("2019-04-01", "2024-03-03", "2025-03-03", "2025-11-01", "2025-12-03", "2026-03-01", "2026-03-02",
          "2026-03-03", "2026-04-01")
API_VERSIONS: tuple[str, ...] = (*COMPUTE, *(v for v in _EXTRA if v not in COMPUTE))
