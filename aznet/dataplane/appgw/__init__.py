"""The application gateway data plane: a pure routing core (model, router, rewrite, health) and an asyncio
shell on uvloop with httptools (frontend, upstream, proxy, probes, service)."""
