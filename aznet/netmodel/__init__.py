"""The vendor-neutral network model the verifier answers from (see model.py)."""

from .acl import Acl, Rule, default_rules
from .model import Change, NetworkModel, type_from_id
from .objects import Gateway, IpConfig, Nic, RouteTableDef, Subnet, Vm, VNet, key_of
from .routing import EffectiveRoute, SubnetRoutes

__all__ = ["Acl", "Change", "EffectiveRoute", "Gateway", "IpConfig", "NetworkModel", "Nic", "RouteTableDef",
           "Rule", "Subnet", "SubnetRoutes", "VNet", "Vm", "default_rules", "key_of", "type_from_id"]
