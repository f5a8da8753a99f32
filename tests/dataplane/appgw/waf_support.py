"""Helpers for the WAF-on-Application-Gateway tests: policies and WAF_v2 gateways through the SDK, the firewall
log through `aznet logs`."""

from __future__ import annotations

import io
import json
import uuid
from contextlib import redirect_stdout
from typing import Any

from aznet.cli.main import main as aznet_main
from tests.network.nic_support import LOC, make_storage_account

WAF_SKU = {"name": "WAF_v2", "tier": "WAF_v2", "capacity": 1}
SQLI = "/products?id=1%27%20or%20%271%27%3D%271"
XSS = "/search?q=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E"


def policy(network_client: Any, rg: str, name: str, mode: str = "Prevention", custom: list[dict[str, Any]] | None = None,
           managed: dict[str, Any] | None = None, **settings: Any) -> Any:
    body = {"location": LOC, "properties": {
        "policySettings": {"state": "Enabled", "mode": mode, **settings}, "customRules": custom or [],
        "managedRules": managed or {"managedRuleSets": [{"ruleSetType": "OWASP", "ruleSetVersion": "3.2"}]}}}
    return network_client.web_application_firewall_policies.create_or_update(rg, name, body)


def ip_condition(cidr: str, negate: bool = False) -> dict[str, Any]:
    return {"matchVariables": [{"variableName": "RemoteAddr"}], "operator": "IPMatch", "negationConditon": negate,
            "matchValues": [cidr]}


def header_condition(header: str, operator: str, *values: str, transforms: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"matchVariables": [{"variableName": "RequestHeaders", "selector": header}], "operator": operator,
            "matchValues": list(values), "transforms": list(transforms)}


def firewall_logs(aznet: Any, network_client: Any, rg: str, gw_id: str) -> None:
    """A diagnostic setting sending the gateway's firewall log to a storage account."""
    from azure.mgmt.resource.resources import ResourceManagementClient
    st = make_storage_account(aznet, rg, "st" + uuid.uuid4().hex[:12])
    aznet.client(ResourceManagementClient).resources.begin_create_or_update_by_id(
        f"{gw_id}/providers/Microsoft.Insights/diagnosticSettings/waf-logs", api_version="2021-05-01-preview", parameters=
        {"properties": {"storageAccountId": st,
                        "logs": [{"category": "ApplicationGatewayFirewallLog", "enabled": True},
                                 {"category": "ApplicationGatewayAccessLog", "enabled": True}]}}).result()


def logged(aznet: Any, gw_id: str, category: str = "ApplicationGatewayFirewallLog") -> list[dict[str, Any]]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = aznet_main(["logs", "--resource", gw_id, "--category", category, "--data-dir", str(aznet.data_dir)])
    assert code == 0, out.getvalue()
    return [json.loads(x) for x in out.getvalue().splitlines() if x.strip()]
