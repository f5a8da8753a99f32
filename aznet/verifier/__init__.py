"""Network Watcher questions answered from the network model (aznet.netmodel).

Each answerer takes the model and Azure's request body (a plain dict with
Azure's wire names) and returns Azure's response body; bad questions raise
``VerifierError`` (code, message, status)."""

from .connectivity import connectivity_check
from .errors import VerifierError
from .matrix import Matrix, reachability_matrix
from .nsg_views import (
           effective_network_security_groups,
           network_configuration_diagnostic,
           security_group_view,
)
from .routes import effective_route_table, next_hop
from .security import Packet, ip_flow_verify
from .topology import topology
from .trace import Trace, trace

__all__ = ["Matrix", "Packet", "Trace", "VerifierError", "connectivity_check", "effective_network_security_groups",
           "effective_route_table", "ip_flow_verify", "network_configuration_diagnostic", "next_hop",
           "reachability_matrix", "security_group_view", "topology", "trace"]
