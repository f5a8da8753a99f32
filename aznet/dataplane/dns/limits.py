"""Azure DNS's per-zone limits (learn.microsoft.com: Azure subscription and service limits — Azure DNS
and Private DNS), read by the control plane (validation, zone properties) and the zone metrics."""

PUBLIC_MAX_RECORD_SETS = 10000
PRIVATE_MAX_RECORD_SETS = 25000
PRIVATE_MAX_LINKS = 1000
PRIVATE_MAX_REGISTRATION_LINKS = 100
