"""Who is on the other end: the client's address (X-Forwarded-For only from proxies we trust) and
whether a URL or a client is this machine (loopback)."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from bot.config import ConfigError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@functools.lru_cache(maxsize=8)
def parse_networks(value: str) -> tuple[Network, ...]:
    """TRUSTED_PROXIES: addresses or networks, comma- or space-separated ("172.30.0.0/24, ::1")."""
    nets = []
    for part in value.replace(",", " ").split():
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigError(f"TRUSTED_PROXIES: {part!r} is not an IP address or network") from None
    return tuple(nets)


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        a = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(a, ipaddress.IPv6Address) and a.ipv4_mapped is not None:
        return a.ipv4_mapped
    return a


def _trusted(a: Address, nets: Iterable[Network]) -> bool:
    return any(a in n for n in nets)


def client_address(peer: str | None, forwarded_for: list[str], trusted: tuple[Network, ...]) -> str:
    """The peer's address, or, when the peer is a trusted proxy, the nearest address in X-Forwarded-For that
    is not one of our proxies (read right to left: entries further left were written by the client itself,
    who can put anything there)."""
    current = _address(peer or "")
    if current is None:
        return "?"
    hops = [h for header in forwarded_for for h in header.split(",") if h.strip()]
    while _trusted(current, trusted) and hops:
        nxt = _address(hops.pop())
        if nxt is None:  # garbage where an address should be: stop at the last hop we could trust
            break
        current = nxt
    return str(current)


def throttle_bucket(address: str) -> str:
    """The unit the sign-in throttle counts per: an IPv4 address, or an IPv6 address's /64 (one household or
    office is given a whole /64, and could otherwise pick a fresh address for every guess)."""
    a = _address(address)
    if isinstance(a, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{a}/64", strict=False))
    return address


def is_loopback_address(text: str | None) -> bool:
    a = _address(text or "")
    return a is not None and a.is_loopback


def is_loopback_url(url: str) -> bool:
    """True only for http(s) URLs whose host is this machine, however the URL is spelt: the host is compared
    after parsing (case, a trailing dot, user-info tricks like http://127.0.0.1@api.line.me do not pass)."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
        parts.port  # noqa: B018 — raises ValueError on a malformed port
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
