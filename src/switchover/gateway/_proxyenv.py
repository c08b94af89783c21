"""The outbound proxy for an upstream URL, read from the environment the way httpx reads it.

``HTTPS_PROXY`` / ``HTTP_PROXY`` by the upstream's scheme, else ``ALL_PROXY`` (lower-case
names win, as in :func:`urllib.request.getproxies`); ``NO_PROXY`` is a comma-separated list
of ``*`` (no proxy at all), host names (``example.com`` also covers its subdomains,
``.example.com`` only the subdomains), IP addresses or CIDR ranges, each optionally with
``:port`` (then only that port is bypassed).

A :class:`ProxyURL` never shows its credentials: its repr and :attr:`ProxyURL.display` are
``host:port``; the ``Proxy-Authorization`` value is kept apart and registered with
:func:`switchover.errors.register_secret`.
"""

from __future__ import annotations

import base64
import ipaddress
import urllib.request
from urllib.parse import unquote, urlsplit

from switchover.errors import register_secret

__all__ = ["ProxyURL", "bypasses", "proxy_for"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


class ProxyURL:
    """A proxy: scheme, host, port and the ``Proxy-Authorization`` header value (or None)."""

    __slots__ = ("auth", "host", "port", "scheme")

    def __init__(self, scheme: str, host: str, port: int, auth: bytes | None) -> None:
        self.scheme = scheme
        self.host = host
        self.port = port
        self.auth = auth

    @classmethod
    def parse(cls, url: str) -> ProxyURL:
        """``http://user:pass@host:port`` (a bare ``host:port`` means ``http://``)."""
        u = urlsplit(url if "://" in url else f"http://{url}")
        scheme = u.scheme.lower()
        try:
            port = u.port or _DEFAULT_PORTS.get(scheme, 1080)
        except ValueError:
            port = 0  # an unusable port: the connection fails with the proxy's name
        auth = None
        if u.username is not None:
            user, password = unquote(u.username), unquote(u.password or "")
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            register_secret(password)
            register_secret(token)
            auth = f"Basic {token}".encode("ascii")
        return cls(scheme, u.hostname or "", port, auth)

    @property
    def display(self) -> str:
        """``host:port``, for logs and error messages (never the credentials)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def supported(self) -> bool:
        """Only plain ``http://`` proxies (absolute-form requests and CONNECT)."""
        return self.scheme == "http"

    def __repr__(self) -> str:
        return f"ProxyURL({self.scheme}://{self.display}{', auth' if self.auth else ''})"


def proxy_for(url: str, proxies: dict[str, str] | None = None) -> ProxyURL | None:
    """The proxy to reach ``url`` through, or None for a direct connection. ``proxies`` is
    :func:`urllib.request.getproxies` (read now when not given)."""
    if proxies is None:
        proxies = urllib.request.getproxies()
    u = urlsplit(url)
    scheme = u.scheme.lower()
    chosen = proxies.get(scheme) or proxies.get("all")
    if not chosen:
        return None
    host = (u.hostname or "").lower()
    try:
        port = u.port or _DEFAULT_PORTS.get(scheme, 80)
    except ValueError:
        port = _DEFAULT_PORTS.get(scheme, 80)
    if bypasses(scheme, host, port, proxies.get("no", "")):
        return None
    return ProxyURL.parse(chosen)


def bypasses(scheme: str, host: str, port: int, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` (``no_proxy``) sends ``scheme://host:port`` direct."""
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        if "://" in entry:
            entry_scheme, _, entry = entry.partition("://")
            if entry_scheme not in (scheme, "all"):
                continue
        name, entry_port = _split_port(entry.rstrip("/"))
        if entry_port is not None and entry_port != port:
            continue
        if _host_matches(host, name):
            return True
    return False


def _split_port(entry: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]:port``, ``v6`` (bare, no port) or a CIDR range."""
    if entry.startswith("["):
        name, _, rest = entry[1:].partition("]")
        return name, int(rest[1:]) if rest[1:].isdigit() else None
    if entry.count(":") == 1:
        name, _, p = entry.partition(":")
        return name, int(p) if p.isdigit() else None
    return entry, None


def _host_matches(host: str, name: str) -> bool:
    if not name:
        return False
    try:
        network = ipaddress.ip_network(name, strict=False)
    except ValueError:
        network = None
    if network is not None:
        try:
            return ipaddress.ip_address(host) in network
        except ValueError:
            return False
    if name.startswith("*"):
        name = name[1:]  # "*.example.com" is ".example.com"
    if name.startswith("."):
        return host.endswith(name)  # subdomains only, as in httpx
    return host == name or host.endswith("." + name)
