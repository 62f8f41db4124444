"""What every dashboard page shares: rendering with the common context, flash-and-redirect, form fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot import messages as M
from bot.clock import JST
from bot.dashboard.security import CSRF_FIELD, WHO, services
from bot.dashboard.websession import web_session

PREFIX = "/dashboard"


def now(request: web.Request) -> datetime:
    return services(request).clock.now()


def local(when: datetime | None) -> str:
    return M.dash_time(when.astimezone(JST)) if when else ""


def age(when: datetime | None, at: datetime) -> str:
    return M.age_text(at - when) if when else ""


def follow_label(followed: bool | None) -> str:
    return M.DASH_FOLLOW_LABELS[followed]


async def render(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    session = web_session(request)
    flash = session.pop_flash()
    base = {
        "csrf": session.csrf_token(),
        "csrf_field": CSRF_FIELD,
        "who": request.get(WHO),
        "flash": flash,
        "M": M,
        "local": local,
        "age": lambda when: age(when, now(request)),
        "categories": M.CATEGORY_NAMES,
        "kind_labels": M.DASH_KIND_LABELS,
        "follow_label": follow_label,
        "path": request.path,
        "nav": "",
    }
    response = aiohttp_jinja2.render_template(template, request, {**base, **context}, status=status)
    return response


async def flash_redirect(request: web.Request, location: str, message: str, error: bool = False) -> web.Response:
    web_session(request).set_flash(message, error=error)
    raise web.HTTPSeeOther(location)


def form_str(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""
