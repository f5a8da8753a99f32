"""The DNS Private Resolver data plane: inbound endpoint listeners and forwarding rules."""
