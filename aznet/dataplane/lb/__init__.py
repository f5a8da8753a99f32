"""The L4 load balancer data plane: pure cores (hashing, probe_state, snat, plan) and a thin asyncio
shell (relay, prober, service)."""
