"""What happens around every Messaging API call: latency, spec validation, token check, faults, logging."""

from __future__ import annotations

import asyncio
import hmac
import json
import random
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.emulator import ids, limits
from bot.emulator.api import REQUEST_ID, STATE
from bot.emulator.faults import FaultRule
from bot.emulator.openapi import SpecError, validate_request
from bot.emulator.state import EmulatorState, PlatformError

CONTROL_PREFIX = "/_emulator/"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _Refused(Exception):
    """The connection was dropped on purpose; nothing is to be written."""


def _error(status: int, message: str, headers: dict[str, str] | None = None, **extra: object) -> web.Response:
    return web.json_response({"message": message, **extra}, status=status, headers=headers)


def _refuse(request: web.Request) -> None:
    # Abort (RST) rather than close: the client sees the connection die with no answer at all, which is what
    # a crashed load balancer looks like from the bot.
    if request.transport is not None:
        request.transport.abort()
    raise _Refused


def _check(state: EmulatorState, request: web.Request, body: bytes) -> SpecError | None:
    """The first reason LINE would reject this request's form, or None."""
    auth = request.headers.get("Authorization", "")
    if state.validate:
        err = validate_request(request.method, request.path, request.headers, body, request.content_type)
        if err is not None:
            return err
        if body and request.path in limits.MESSAGE_PATHS:
            details = limits.check_body(request.path, json.loads(body))
            if details:
                return SpecError(400, f"The request body has {len(details)} error(s)", details)
    # The token is checked even with validation off: a wrong token is a configuration bug, never noise.
    if not hmac.compare_digest(auth.encode(), f"Bearer {state.access_token}".encode()):
        return SpecError(
            401,
            "Authentication failed. Confirm that the access token in the authorization header is valid.",
            [],
        )
    return None


async def _fault_answer(request: web.Request, fault: FaultRule) -> web.Response | None:
    """The fault's answer, or None when the rule only delays."""
    if fault.refuse:
        _refuse(request)
    if fault.status is None:
        return None
    return _error(fault.status, fault.body()["message"], fault.headers())


@web.middleware
async def line_platform(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(CONTROL_PREFIX):
        return await handler(request)
    state = request.app[STATE]
    request_id = ids.request_id()
    request[REQUEST_ID] = request_id
    status = 0
    try:
        response = await _line_call(state, request, handler)
        status = response.status
        response.headers["x-line-request-id"] = request_id
        return response
    except _Refused:
        # aiohttp must not try to write to the aborted transport; a bare Response is discarded there.
        return web.Response(status=499)
    finally:
        state.record_call(request.method, request.path, status, request_id)


async def _line_call(state: EmulatorState, request: web.Request, handler: Handler) -> web.StreamResponse:
    if state.faults.latency is not None:
        await asyncio.sleep(random.uniform(*state.faults.latency))
    body = await request.read()
    problem = _check(state, request, body)
    if problem is not None:
        state.record_violation(request.method, request.path, problem.status, problem.message, problem.details, body)
        return web.json_response(problem.body(), status=problem.status)

    fault = state.faults.take(request.method, request.path)
    if fault is not None and fault.mode == "before":
        # Slow before doing anything: a client that gives up may retry while nothing was delivered yet.
        await asyncio.sleep(fault.delay)
        answer = await _fault_answer(request, fault)
        if answer is not None:
            return answer

    try:
        response = await handler(request)
    except PlatformError as e:
        response = _error(e.status, e.message, e.headers, **e.extra)
    except web.HTTPNotFound:
        # The spec knows the path (validation passed) but the emulator does not serve it yet.
        state.record_violation(request.method, request.path, 501, "Not implemented by the emulator", [], body)
        response = _error(501, "Not implemented by the emulator")
    except web.HTTPMethodNotAllowed:
        state.record_violation(request.method, request.path, 501, "Not implemented by the emulator", [], body)
        response = _error(501, "Not implemented by the emulator")

    if fault is not None and fault.mode == "after" and response.status < 300:
        # Done, then slow or failing: the client times out or errors although LINE delivered.
        await asyncio.sleep(fault.delay)
        answer = await _fault_answer(request, fault)
        if answer is not None:
            return answer
    return response
