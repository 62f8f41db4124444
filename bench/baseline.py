"""The ceiling a plain line-bot-sdk bot would have: verify and parse with `WebhookParser`, answer 200, nothing else.

Run as its own process: `python bench/baseline.py --port 8090 --secret S`.
"""

from __future__ import annotations

import argparse

from aiohttp import web
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError


def build(secret: str) -> web.Application:
    parser = WebhookParser(secret)

    async def callback(request: web.Request) -> web.Response:
        body = await request.text()
        try:
            events = parser.parse(body, request.headers.get("X-Line-Signature", ""))
        except InvalidSignatureError:
            return web.json_response({"message": "invalid signature"}, status=400)
        request.app["events"] += len(events)
        return web.json_response({})

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app["events"] = 0
    app.router.add_post("/callback", callback)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--secret", required=True)
    args = ap.parse_args()
    web.run_app(build(args.secret), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
