"""The ASGI adapter between uvicorn and the ARM pipeline."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from .errors import ArmError
from .http import Request, Response
from .platform import Platform


class ArmAsgiApp:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit = self.platform.settings.max_body
        resp: Response | None = None
        try:
            declared = int(headers.get("content-length", "0") or 0)
        except ValueError:
            declared = 0
        chunks: list[bytes] = []
        size = 0
        if declared > limit:
            resp = _too_large(limit)
        more = True
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            body = msg.get("body", b"")
            size += len(body)
            if resp is None:
                if size > limit:
                    resp = _too_large(limit)
                    chunks = []
                else:
                    chunks.append(body)
            more = msg.get("more_body", False)
        if resp is None:
            path = scope["path"]
            while path.startswith("//"):
                path = path[1:]
            host = headers.get("host") or f"{scope['server'][0]}:{scope['server'][1]}"
            req = Request(
                method=scope["method"], path=path.rstrip("/") or "/",
                query=dict(parse_qsl(qs.decode("latin-1"), keep_blank_values=True)) if (qs := scope.get("query_string")) else {},
                headers=headers, body=b"".join(chunks), base_url=f"{scope.get('scheme', 'https')}://{host}",
            )
            resp = self.platform.handle(req)
        payload = resp.encode()
        out_headers = [(b"content-type", b"application/json; charset=utf-8")] if resp.body is not None else []
        out_headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in resp.headers.items()]
        out_headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": resp.status, "headers": out_headers})
        await send({"type": "http.response.body", "body": payload})


def _too_large(limit: int) -> Response:
    err = ArmError(413, "RequestEntityTooLarge",
                   f"The request content size exceeds the maximum allowed size of {limit} bytes.")
    return Response(err.status, err.body())
