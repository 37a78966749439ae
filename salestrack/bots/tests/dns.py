"""A fake resolver for the tests: chosen names resolve to chosen addresses, nothing reaches a
real DNS server (other names fail as unknown, IP literals resolve to themselves)."""

import ipaddress
import socket

_real_getaddrinfo = socket.getaddrinfo


def fake_dns(monkeypatch, table: dict[str, list[str]]) -> list[str]:
    """Patch socket.getaddrinfo; returns the list of names looked up (in order)."""
    asked: list[str] = []

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else str(host)
        asked.append(name)
        try:
            ipaddress.ip_address(name.split("%", 1)[0])
        except ValueError:
            if name not in table:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            addresses = table[name]
        else:
            return _real_getaddrinfo(host, port, family, type, proto, flags)
        out = []
        for address in addresses:
            if ":" in address:
                out.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                out.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return out

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked
