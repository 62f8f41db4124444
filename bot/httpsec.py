"""Headers every response of the server carries, error pages included (a 404 from the router, a 413 from
the body limit, a 500 from a bug): no version banner, HSTS behind HTTPS, and for pages the strict set."""

from __future__ import annotations

from aiohttp import web, web_response

from bot.config import Settings

# No script at all on our pages: they work with forms and links, so nothing injected could run either.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def page_headers(response: web.StreamResponse) -> None:
    """The dashboard's set, also given to every error page (an error page is a page like any other)."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Pages carry names, addresses and phone numbers: never keep them in a shared browser's cache.
    response.headers.setdefault("Cache-Control", "no-store")


def install(app: web.Application, settings: Settings) -> None:
    https = settings.https
    # A request aiohttp cannot even parse is answered before any application code (no hook below runs): its
    # 400 would still say "Python/3.x aiohttp/3.x". The default is a module global read at each response.
    web_response.SERVER_SOFTWARE = "sasaeai"  # type: ignore[attr-defined]

    async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
        # aiohttp writes "Server: Python/3.x aiohttp/3.x" just before this hook: a free hint at which
        # published vulnerabilities to try.
        response.headers.popall("Server", None)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if https:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if response.status >= 400:
            page_headers(response)

    app.on_response_prepare.append(on_prepare)
