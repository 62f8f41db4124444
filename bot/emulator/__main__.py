"""`python -m bot.emulator`: run the emulator as its own process (the demo and subprocess tests drive it)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from bot.emulator.server import EmulatorServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bot.emulator", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8089)
    p.add_argument("--channel-secret", required=True)
    p.add_argument("--access-token", required=True)
    p.add_argument("--webhook-url", default=None)
    p.add_argument("--reply-token-ttl", type=float, default=60.0)
    p.add_argument("--no-validate", action="store_true", help="skip OpenAPI validation (benchmarks)")
    p.add_argument("--redelivery", action="store_true", help="keep failed webhooks for redeliver_pending")
    p.add_argument("--webhook-timeout", type=float, default=30.0)
    return p.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with EmulatorServer(
        channel_secret=args.channel_secret,
        access_token=args.access_token,
        host=args.host,
        port=args.port,
        webhook_url=args.webhook_url,
        validate=not args.no_validate,
        reply_token_ttl=args.reply_token_ttl,
        redelivery=args.redelivery,
        webhook_timeout=args.webhook_timeout,
    ) as emu:
        # One line on stdout that a parent process can wait for before it starts sending.
        print(f"LINE emulator listening on {emu.url}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
