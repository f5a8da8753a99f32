"""Microsoft.Sql/servers with firewallRules and virtualNetworkRules: enough for
the private endpoint and service endpoint tutorials (no database engine).

- Server name: 1-63 lower-case letters, digits and hyphens, not starting or
  ending with a hyphen; global (it becomes ``<name>.database.windows.net``).
- ``administratorLogin`` and ``administratorLoginPassword`` are required on
  create (unless Entra-only authentication); the password is never returned and
  must be 8-128 characters from three of: upper case, lower case, digits, symbols.
- Firewall rules: IPv4 start <= end. VNet rules: the subnet needs the
  Microsoft.Sql service endpoint unless ignoreMissingVnetServiceEndpoint.
- Private link group id ``sqlServer`` (privatelink.database.windows.net).

Codes are best readings of Azure's naming (PasswordNotComplex and
ServerNameAlreadyExists appear in Azure's SQL error list)."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from ...arm.errors import ArmError
from ...arm.registry import REGISTRY, Hooks, NameRule, ResourceType
from ...arm.versions import supported
from .. import private_link_targets as plt

if TYPE_CHECKING:
    from ...arm.context import Ctx

TYPE = "Microsoft.Sql/servers"
API_VERSIONS = supported("sql")
NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
GROUPS = [plt.GroupId("sqlServer", ("sqlServer",), "privatelink.database.windows.net")]


def bad(code: str, message: str, status: int = 400) -> ArmError:
    return ArmError(status, code, message)


def complex_enough(pw: str) -> bool:
    classes = [any(c.isupper() for c in pw), any(c.islower() for c in pw), any(c.isdigit() for c in pw),
               any(not c.isalnum() for c in pw)]
    return 8 <= len(pw) <= 128 and sum(classes) >= 3


class ServerHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        name = new["name"]
        if not NAME_RE.match(name):
            raise bad("InvalidServerName", f"Server name '{name}' is invalid: use 1-63 lower-case letters, digits and "
                      "hyphens, not starting or ending with a hyphen.")
        if old is None and plt.name_taken(ctx, TYPE, name, new["id"]):
            raise bad("ServerNameAlreadyExists", f"The name '{name}.database.windows.net' already exists. Choose a "
                      "different name.", 409)
        props = new["properties"]
        private = new.setdefault("_aznet", {})
        entra_only = bool(((props.get("administrators") or {}) if isinstance(props.get("administrators"), dict)
                           else {}).get("azureADOnlyAuthentication"))
        login, pw = props.get("administratorLogin"), props.pop("administratorLoginPassword", None)
        if old is None and not entra_only:
            if not isinstance(login, str) or not login:
                raise bad("InvalidParameterValue", "administratorLogin is required when creating a server.")
            if not isinstance(pw, str):
                raise bad("InvalidParameterValue", "administratorLoginPassword is required when creating a server.")
        if isinstance(login, str) and login.lower() in ("admin", "administrator", "sa", "root", "dbmanager",
                                                        "loginmanager", "dbo", "guest", "public"):
            raise bad("InvalidLoginName", f"Login '{login}' is a reserved name: choose another administrator login.")
        if old is not None and login is not None and login != (old.get("properties") or {}).get("administratorLogin"):
            raise bad("InvalidParameterValue", "The administrator login of a server cannot be changed.")
        if pw is not None:
            if not isinstance(pw, str) or not complex_enough(pw):
                raise bad("PasswordNotComplex", "Password validation failed. The password does not meet policy "
                          "requirements because it is not complex enough.")
            private["password_set"] = True
        props["version"] = props.get("version") or "12.0"
        if props["version"] != "12.0":
            raise bad("InvalidParameterValue", f"Server version '{props['version']}' is not supported: use 12.0.")
        for key, allowed in (("publicNetworkAccess", ("Enabled", "Disabled", "SecuredByPerimeter")),
                             ("minimalTlsVersion", ("None", "1.0", "1.1", "1.2", "1.3"))):
            if props.get(key) is not None and props[key] not in allowed:
                raise bad("InvalidParameterValue", f"properties.{key} must be one of {', '.join(allowed)}.")
        props.setdefault("publicNetworkAccess", "Enabled")

    def prepare(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        props["fullyQualifiedDomainName"] = f"{new['name']}.database.windows.net"
        props["state"] = "Ready"
        props.pop("privateEndpointConnections", None)
        new.setdefault("kind", "v12.0")

    def render(self, ctx: Ctx, body: dict[str, Any]) -> None:
        plt.render_connections(ctx, body)


def _ipv4(value: Any, what: str) -> ipaddress.IPv4Address:
    try:
        return ipaddress.IPv4Address(str(value))
    except ValueError:
        raise bad("FirewallRuleInvalidIpAddress", f"{what} '{value}' is not an IPv4 address.") from None


class FirewallRuleHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        start = _ipv4(props.get("startIpAddress"), "startIpAddress")
        end = _ipv4(props.get("endIpAddress"), "endIpAddress")
        if start > end:
            raise bad("FirewallRuleStartIpAddressGreaterThanEndIpAddress",
                      f"Firewall rule {new['name']}: the start IP address {start} is greater than the end IP "
                      f"address {end}.")
        props.pop("provisioningState", None)


class VirtualNetworkRuleHooks(Hooks):
    def validate(self, ctx: Ctx, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        props = new["properties"]
        ignore = props.get("ignoreMissingVnetServiceEndpoint", False)
        if not isinstance(ignore, bool):
            raise bad("InvalidParameterValue", "ignoreMissingVnetServiceEndpoint must be true or false.")
        props["virtualNetworkSubnetId"] = plt.check_subnet_rule(
            ctx, props.get("virtualNetworkSubnetId"), new["id"], "Microsoft.Sql",
            "properties.virtualNetworkSubnetId", ignore, code="VirtualNetworkRuleBadRequest")
        props["ignoreMissingVnetServiceEndpoint"] = ignore
        props["state"] = "Ready"
        props.pop("provisioningState", None)


plt.declare(ResourceType(TYPE, API_VERSIONS, model="Server", schema_package="sql", hooks=ServerHooks(),
                         names=NameRule(1, 80, r"^.+$", "")), GROUPS)
REGISTRY.add(ResourceType(f"{TYPE}/firewallRules", API_VERSIONS, model="FirewallRule", schema_package="sql",
                          location="none", long_running=False, provisioning_state=False, hooks=FirewallRuleHooks(),
                          names=NameRule(1, 128, r"^[^<>*%&:;\\/?]+$", "The name cannot contain <>*%&:;\\/?.")))
REGISTRY.add(ResourceType(f"{TYPE}/virtualNetworkRules", API_VERSIONS, model="VirtualNetworkRule",
                          schema_package="sql", location="none", provisioning_state=False,
                          hooks=VirtualNetworkRuleHooks(), names=NameRule(1, 128)))
