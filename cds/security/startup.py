"""Configurations the service refuses to start with: it fails closed.

- bound beyond loopback with no trusted issuer, unless `CDS_ALLOW_UNAUTHENTICATED=true`;
- trusted issuers without `CDS_PUBLIC_BASE_URL`: the JWT audience is never taken from the
  request (its Host header is the client's to choose).
"""

from urllib.parse import urlsplit

from cds.security.allowlist import is_loopback_host
from cds.security.jwt import parse_trusted_issuers
from cds.settings import Settings


class UnsafeConfiguration(ValueError):
    """The settings would expose the service; the message names the variable to set."""


def check_startup(settings: Settings, *, host: str | None = None) -> None:
    """Raises `UnsafeConfiguration` for settings the service must not start with; `host` is the
    address it binds to, when known."""
    if settings.open_mode:
        if host is not None and not is_loopback_host(host) and not settings.allow_unauthenticated:
            raise UnsafeConfiguration(
                f"refusing to serve on {host} without authentication: set CDS_TRUSTED_ISSUERS "
                "(and CDS_PUBLIC_BASE_URL), or CDS_ALLOW_UNAUTHENTICATED=true to let anyone call"
            )
        return
    if not parse_trusted_issuers(settings.trusted_issuers):
        return  # `{}`: every token is refused before its audience matters
    base = settings.public_base_url
    if not base:
        raise UnsafeConfiguration(
            "CDS_PUBLIC_BASE_URL is required with CDS_TRUSTED_ISSUERS: the URL clients call, "
            "which their JWT names as its audience (aud)"
        )
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise UnsafeConfiguration(f"CDS_PUBLIC_BASE_URL {base!r} is not an http(s) base URL")
