"""The `fhirServer` allowlist: which FHIR servers the service may call for a client (SSRF).

A pattern is an origin, `scheme://host[:port]`. A `*` label in the host matches one or more DNS
labels (never an IP address, the scheme or the port); `:*` matches any port, and no port means
the scheme's default port. Plain `http` is allowed only for loopback hosts.

Host names are not resolved here: the allowlist is the defence against a name that points
inside the network, and the HTTP client never follows redirects.
"""

import ipaddress
import re
import socket
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, TypeAlias
from urllib.parse import urlsplit

from cds.exceptions import Forbidden

_DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_NAME = rf"{_LABEL}(?:\.{_LABEL})*"
_DNS_NAME = re.compile(_NAME)
_PATTERN = re.compile(r"(https?)://(\[[^\]/]*\]|[^:/\[\]]+)(?::(\d{1,5}|\*))?/?")

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class _Origin:
    scheme: str
    host: str  # a lower-case DNS name, or an IP address in its canonical form
    port: int | None  # None: the scheme's default port
    ip: IPAddress | None


@dataclass(frozen=True, slots=True)
class _Pattern:
    text: str
    scheme: str
    host: str
    host_regex: re.Pattern[str]
    wildcard: bool
    port: int | Literal["*"] | None


def parse_origin_patterns(raw: str | None) -> tuple[str, ...]:
    """`CDS_ALLOWED_FHIR_SERVERS`, normalised; empty allows no FHIR server at all."""
    items = [item.strip() for item in (raw or "").split(",") if item.strip()]
    return tuple(dict.fromkeys(_parse_pattern(item).text for item in items))


def check_fhir_server(url: str, patterns: tuple[str, ...]) -> None:
    """Refuse a `fhirServer` the service must not call."""
    origin = _origin(url)
    if origin.scheme == "http" and not is_loopback_host(origin.host):
        raise Forbidden("fhirServer must use https", field="fhirServer")
    parsed = [_parse_pattern(pattern) for pattern in patterns]
    if (
        origin.ip is not None
        and _is_internal(origin.ip)
        and not any(p.host == origin.host for p in parsed)
    ):
        raise Forbidden("fhirServer is a private or link-local address", field="fhirServer")
    if not any(_matches(p, origin) for p in parsed):
        raise Forbidden("fhirServer is not an allowed FHIR server", field="fhirServer")


def is_loopback_host(host: str) -> bool:
    """`localhost` or a loopback IP address (brackets around IPv6 optional)."""
    host = host.lower().removeprefix("[").removesuffix("]")
    if host == "localhost":
        return True
    try:
        ip = _unmapped(ipaddress.ip_address(host))
    except ValueError:
        return False
    return ip.is_loopback


def _origin(url: str) -> _Origin:
    invalid = Forbidden("fhirServer is not a valid URL", field="fhirServer")
    if any(c <= " " or c >= "\x7f" or c == "\\" for c in url):
        raise invalid
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise invalid from exc
    if parts.scheme not in _DEFAULT_PORTS:
        raise Forbidden("fhirServer must be an http or https URL", field="fhirServer")
    if "@" in parts.netloc:
        raise Forbidden("fhirServer must not contain credentials", field="fhirServer")
    if "%" in parts.netloc or not parts.hostname or port == 0:
        raise invalid
    try:
        host, ip = _host(parts.hostname, bracketed=parts.netloc.startswith("["))
    except ValueError as exc:
        raise invalid from exc
    return _Origin(parts.scheme, host, _normalise_port(parts.scheme, port), ip)


def _host(host: str, *, bracketed: bool) -> tuple[str, IPAddress | None]:
    if bracketed:
        ip6 = ipaddress.IPv6Address(host)
        return str(ip6), ip6
    try:
        ip4 = ipaddress.IPv4Address(host)
    except ValueError:
        pass
    else:
        return str(ip4), ip4
    if _is_legacy_ipv4(host) or not _DNS_NAME.fullmatch(host):
        raise ValueError(host)
    return host, None


def _is_legacy_ipv4(host: str) -> bool:
    """Forms like `2130706433`, `127.1` or `0x7f.0.0.1` that resolvers read as IPv4."""
    try:
        socket.inet_aton(host)
    except OSError:
        return False
    return True


def _is_internal(ip: IPAddress) -> bool:
    ip = _unmapped(ip)
    return not ip.is_loopback and (not ip.is_global or ip.is_multicast)


def _unmapped(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _normalise_port(scheme: str, port: int | None) -> int | None:
    return None if port == _DEFAULT_PORTS[scheme] else port


@lru_cache(maxsize=256)
def _parse_pattern(pattern: str) -> _Pattern:
    match = _PATTERN.fullmatch(pattern.strip().lower())
    if match is None:
        raise ValueError(f"fhirServer pattern {pattern!r} is not scheme://host[:port]")
    scheme, host, port_text = match.groups()
    labels = host.split(".")
    wildcard = "*" in labels
    try:
        if wildcard:
            _host(host.replace("*", "x"), bracketed=False)
            regex = r"\.".join(_NAME if label == "*" else re.escape(label) for label in labels)
        else:
            host, _ = _host(host.strip("[]"), bracketed=host.startswith("["))
            regex = re.escape(host)
        port = _pattern_port(scheme, port_text)
    except ValueError as exc:
        raise ValueError(f"fhirServer pattern {pattern!r} is not a valid origin") from exc
    if scheme == "http" and (wildcard or not is_loopback_host(host)):
        raise ValueError(f"fhirServer pattern {pattern!r}: http is allowed for loopback hosts only")
    shown = f"[{host}]" if ":" in host else host
    text = f"{scheme}://{shown}" + ("" if port is None else f":{port}")
    return _Pattern(text, scheme, host, re.compile(regex), wildcard, port)


def _pattern_port(scheme: str, text: str | None) -> int | Literal["*"] | None:
    if text is None:
        return None
    if text == "*":
        return "*"
    port = int(text)
    if not 0 < port < 65536:
        raise ValueError(text)
    return _normalise_port(scheme, port)


def _matches(pattern: _Pattern, origin: _Origin) -> bool:
    if pattern.scheme != origin.scheme or pattern.port not in ("*", origin.port):
        return False
    if origin.ip is not None:
        return not pattern.wildcard and pattern.host == origin.host
    return pattern.host_regex.fullmatch(origin.host) is not None
