"""The Front Door and CDN edge data plane (issue 15): pure cores (exchange, cache, rules) and an asyncio shell."""
