"""Traffic Manager data plane: routing decisions (pure), endpoint health monitor
(pure state machine + asyncio probes), and the DNS answers for
``<relativeName>.trafficmanager.net`` that the DNS engine serves."""

from .monitor import EndpointHealth, HealthMonitor
from .names import TrafficManager
from .profile import Profile, parse_profile

__all__ = ["EndpointHealth", "HealthMonitor", "Profile", "TrafficManager", "parse_profile"]
