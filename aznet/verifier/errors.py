"""Errors for bad questions, carrying the ARM error code and HTTP status the
ARM layer should answer with (``{"error": {"code", "message"}}``).

Azure documents few Network Watcher error codes; where its specs and docs are
silent these are the codes ARM/NRP use for the same kind of fault:
- a target VM / NIC / resource that does not exist -> 404 ``ResourceNotFound``
  (ARM's message shape "The Resource 'type/name' under resource group 'rg' was not found.");
- a missing or malformed field (IP, port, direction, protocol) -> 400 ``InvalidRequestFormat``;
- a well-formed reference to the wrong kind of thing, or a NIC that is not the VM's -> 400
  ``InvalidResourceReference``;
- an IP address that is not one of the target's -> 400 ``InvalidIPAddress``;
- a VM with several NICs and IP forwarding on one of them without targetNicResourceId -> 400
  ``TargetNicResourceIdRequired``.
The lead can remap them in one place (``CODES``)."""

from __future__ import annotations

from typing import Any

CODES = {
    "not_found": ("ResourceNotFound", 404),
    "bad_format": ("InvalidRequestFormat", 400),
    "bad_reference": ("InvalidResourceReference", 400),
    "bad_ip": ("InvalidIPAddress", 400),
    "nic_required": ("TargetNicResourceIdRequired", 400),
}


class VerifierError(Exception):
    def __init__(self, code: str, message: str, status: int = 400, target: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.target = target

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            err["target"] = self.target
        return {"error": err}


def error(kind: str, message: str, target: str | None = None) -> VerifierError:
    code, status = CODES[kind]
    return VerifierError(code, message, status, target)


def not_found(rid: str) -> VerifierError:
    parts = rid.strip("/").split("/")
    low = [p.lower() for p in parts]
    rg = parts[low.index("resourcegroups") + 1] if "resourcegroups" in low[:-1] else "?"
    if "providers" in low:
        i = len(low) - 1 - low[::-1].index("providers")
        rest = parts[i + 1:]
        what = "/".join([rest[0]] + [f"{t}/{n}" for t, n in zip(rest[1::2], rest[2::2], strict=False)]) if rest else rid
    else:
        what = rid
    return error("not_found", f"The Resource '{what}' under resource group '{rg}' was not found.", rid)
