"""Where the control plane and the data planes meet: small, neutral interfaces both sides import.

A data plane never imports a resource package or the ARM layer (``tests/arm/test_layers.py``). When the
control plane must ask a data plane something (a gateway's backend health, an edge's purge, a hub's BGP
routes) or a data plane must read something the control plane owns (a Key Vault secret), the interface
lives here: the data plane implements or calls it, the resource package finds the implementation among
its platform's services (``platform.services.get(Interface)``).

- ``gateway_health.BackendHealthSource``: App Gateway backend health for ``backendhealth``.
- ``edge_content.EdgeContentSink``: purge and load (prefetch) for Front Door and CDN endpoints.
- ``route_exchange``: what live BGP speakers learned and announce, for hub ``bgpConnections``.
- ``vault_secrets.resolve_secret_uri``: the bytes a Key Vault secret URI names, read from a store snapshot."""
