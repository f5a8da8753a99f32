"""Real BGP for the gateways that speak it in Azure (VPN gateways, Route Server): asyncio speakers on
loopback addresses, ExaBGP's message codec, learned routes fed to the network model."""
