"""Deploying an ARM template (JSON text, comments allowed) through azure-mgmt-resource's DeploymentsMgmtClient."""

from __future__ import annotations

from typing import Any

from aznet.deployments.engine import parse_template_text


def deploy(deployments: Any, rg: str, name: str, text: str, **params: Any) -> Any:
    """Deployment ``name`` of the template ``text`` in ``rg`` (incremental), ``params`` as its parameter values:
    the finished deployment."""
    return deployments.deployments.begin_create_or_update(rg, name, {"properties": {
        "mode": "Incremental", "template": parse_template_text(text),
        "parameters": {k: {"value": v} for k, v in params.items()}}}).result()
