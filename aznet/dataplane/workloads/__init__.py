"""Where VMs run on this machine: the local address table, port mappings and demo workloads."""

from .table import IpConfig, VmState, WorkloadTable, parse_serve

__all__ = ["IpConfig", "VmState", "WorkloadTable", "parse_serve"]
