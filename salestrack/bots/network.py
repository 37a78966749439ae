"""Webhook targets: only https addresses on the public internet, and a POST that cannot be
redirected elsewhere.

`check_target(url)` resolves the host (socket.getaddrinfo) and refuses it when ANY of its
addresses is not public: loopback, private (RFC 1918, fc00::/7), link-local (169.254/16 with the
cloud metadata address, fe80::/10), shared/CGNAT (100.64/10), multicast, reserved, unspecified,
documentation and the other special ranges, also when written as IPv4-mapped IPv6
(::ffff:127.0.0.1). Forms call it when a bot is saved; `post_json` calls it again before every
delivery and then connects to one of the addresses it just checked, so a DNS answer that changes
between the check and the connection (DNS rebinding) cannot point the request elsewhere. TLS is
verified against the host name (SNI and certificate), the Host header carries the name, and
redirects are never followed (a 3xx answer is an error).

settings.SALESTRACK_BOTS_ALLOW_PRIVATE (tests only) admits http:// and non-public addresses, so
the tests can post to a receiver on 127.0.0.1.
"""

import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)

MAX_ANSWER_BYTES = 64 * 1024
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 (carrier-grade NAT)
PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


class TargetRefused(Exception):
    """The webhook address is not an allowed target; the message says why (for the user)."""


class TransportFailed(Exception):
    """The request could not be completed (timeout, refused connection, TLS error)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Target:
    url: SplitResult
    host: str  # the name as written (lower case, no brackets)
    port: int
    addresses: tuple[str, ...]  # every resolved address, each one checked


def address_problem(address: str) -> str | None:
    """Why `address` is not a public internet address (a translated word), or None if it is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return _("unspecified address")
    if ip.is_loopback:
        return _("loopback address")
    if ip.is_link_local:
        return _("link-local address (cloud metadata lives there)")
    if ip in SHARED_ADDRESS_SPACE:
        return _("shared address space (carrier-grade NAT)")
    if ip.is_multicast:
        return _("multicast address")
    if ip.is_reserved:
        return _("reserved address")
    if any(ip in network for network in PRIVATE_NETWORKS if network.version == ip.version):
        return _("private network address")
    if ip.is_private or not ip.is_global:  # documentation, benchmarking, 6to4 relay, ...
        return _("special-purpose address")
    return None


def allow_private() -> bool:
    return bool(getattr(settings, "SALESTRACK_BOTS_ALLOW_PRIVATE", False))


def check_target(url: str) -> Target:
    """The parsed, resolved and checked target of `url`; TargetRefused with a clear message."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(_("This is not a valid web address.")) from exc
    schemes = ("https", "http") if allow_private() else ("https",)
    if parts.scheme not in schemes:
        raise TargetRefused(_("The webhook address must start with https://."))
    host = (parts.hostname or "").lower()
    if not host:
        raise TargetRefused(_("The webhook address has no host name."))
    if parts.username or parts.password:
        raise TargetRefused(_("The webhook address may not contain a user name or password."))
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(
            _("The host name %(host)s cannot be resolved.") % {"host": host}
        ) from exc
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = sockaddr[0]
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise TargetRefused(_("The host name %(host)s cannot be resolved.") % {"host": host})
    if not allow_private():
        for address in addresses:
            problem = address_problem(address)
            if problem and address == host:
                raise TargetRefused(
                    _(
                        "%(address)s is a %(problem)s: webhooks may only go to public internet "
                        "addresses."
                    )
                    % {"address": address, "problem": problem}
                )
            if problem:
                raise TargetRefused(
                    _(
                        "%(host)s resolves to %(address)s, a %(problem)s: webhooks may only go "
                        "to public internet addresses."
                    )
                    % {"host": host, "address": address, "problem": problem}
                )
    return Target(url=parts, host=host, port=port, addresses=tuple(addresses))


def _host_header(target: Target) -> str:
    name = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.url.scheme == "https" else 80
    return name if target.port == default else f"{name}:{target.port}"


def _pool(target: Target, address: str, timeout: urllib3.Timeout):
    if target.url.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            ssl_context=tls_context(),
            server_hostname=target.host,  # SNI
            assert_hostname=target.host,  # the certificate must be the host's, not the IP's
        )
    return urllib3.HTTPConnectionPool(
        address, target.port, timeout=timeout, retries=False, maxsize=1
    )


def tls_context() -> ssl.SSLContext:
    """The system's trusted CAs (tests substitute a context trusting their own CA)."""
    return ssl.create_default_context()


def post_json(
    url: str, body: bytes, *, headers: dict[str, str] | None = None, timeout: float | None = None
) -> Answer:
    """POST `body` (JSON) to `url` after checking the target; never follows a redirect.

    Raises TargetRefused or TransportFailed; any HTTP answer (also 3xx, 4xx, 5xx) is returned."""
    target = check_target(url)
    seconds = float(timeout if timeout is not None else settings.SALESTRACK_BOTS_TIMEOUT)
    path = target.url.path or "/"
    if target.url.query:
        path = f"{path}?{target.url.query}"
    request_headers = {
        "Host": _host_header(target),
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "salestrack-bots/1",
        **(headers or {}),
    }
    last_error: Exception | None = None
    for address in target.addresses:  # the next address only when the connection fails
        pool = _pool(target, address, urllib3.Timeout(connect=seconds, read=seconds, total=seconds))
        try:
            response = pool.urlopen(
                "POST",
                path,
                body=body,
                headers=request_headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            try:
                data = response.read(MAX_ANSWER_BYTES)
            finally:
                response.release_conn()
            return Answer(status=response.status, body=data, headers=dict(response.headers))
        except (NewConnectionError, ConnectTimeoutError) as exc:
            last_error = exc
            continue
        except ReadTimeoutError as exc:
            raise TransportFailed(
                _("No answer within %(seconds)s seconds.") % {"seconds": f"{seconds:g}"}
            ) from exc
        except SSLError as exc:
            raise TransportFailed(_("TLS error: %(error)s") % {"error": exc}) from exc
        except (HTTPError, OSError) as exc:
            raise TransportFailed(_("The connection failed: %(error)s") % {"error": exc}) from exc
        finally:
            pool.close()
    # NewConnectionError subclasses ConnectTimeoutError in urllib3 2: ask for it first.
    if isinstance(last_error, ConnectTimeoutError) and not isinstance(
        last_error, NewConnectionError
    ):
        raise TransportFailed(
            _("No connection within %(seconds)s seconds.") % {"seconds": f"{seconds:g}"}
        ) from last_error
    raise TransportFailed(
        _("The connection failed: %(error)s") % {"error": last_error}
    ) from last_error
