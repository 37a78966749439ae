"""https as in production: the connection goes to the checked address, the TLS handshake names
the webhook's host (SNI) and the certificate must be that host's. A CA and a certificate for
hooks.example.test are made by the openssl command for the test; the name resolves to
127.0.0.1 through the fake resolver."""

import shutil
import ssl
import subprocess

import pytest

from salestrack.bots import network
from salestrack.bots.senders import BotDeliveryError, send
from salestrack.bots.tests.dns import fake_dns
from salestrack.bots.tests.factories import BotFactory
from salestrack.bots.tests.receiver import Receiver
from salestrack.notifications.events import Message

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command"),
]
HOST = "hooks.example.test"


def openssl(*args, cwd) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """ca.pem, and server.pem/server.key for HOST signed by it."""
    d = tmp_path_factory.mktemp("tls")
    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=bots test CA",
        "-keyout", "ca.key", "-out", "ca.pem",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=d,
    )  # fmt: skip
    openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={HOST}",
        "-keyout", "server.key", "-out", "server.csr",
        cwd=d,
    )  # fmt: skip
    (d / "ext.cnf").write_text(
        f"subjectAltName=DNS:{HOST}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
    )
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem",
        cwd=d,
    )  # fmt: skip
    return d


@pytest.fixture
def tls_receiver(certificates, settings, monkeypatch):
    settings.SALESTRACK_BOTS_ALLOW_PRIVATE = True  # 127.0.0.1 behind the name
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(certificates / "server.pem", certificates / "server.key")
    names: list[str | None] = []
    server_context.sni_callback = lambda sock, name, context: names.append(name)
    client_context = ssl.create_default_context(cafile=str(certificates / "ca.pem"))
    monkeypatch.setattr(network, "tls_context", lambda: client_context)
    receiver = Receiver(ssl_context=server_context).start()
    receiver.sni = names
    receiver.answer_as("slack")
    yield receiver
    receiver.stop()


def test_it_posts_over_https_to_the_checked_address_with_sni_and_host(tls_receiver, monkeypatch):
    asked = fake_dns(monkeypatch, {HOST: ["127.0.0.1"]})
    bot = BotFactory(kind="slack", webhook_url=f"https://{HOST}:{tls_receiver.port}/services/T")

    send(bot, Message(title="赢单", text="华信科技"), idempotency_key="k")

    assert tls_receiver.last.path == "/services/T"
    assert tls_receiver.last.headers["host"] == f"{HOST}:{tls_receiver.port}"
    assert tls_receiver.sni == [HOST]
    assert asked.count(HOST) == 1


def test_it_refuses_a_certificate_of_another_name(tls_receiver, monkeypatch):
    """Had the name been re-pointed at another server, that server could not show HOST's
    certificate: other.example.test gets HOST's certificate here, and the send fails."""
    fake_dns(monkeypatch, {"other.example.test": ["127.0.0.1"]})
    bot = BotFactory(kind="slack", webhook_url=f"https://other.example.test:{tls_receiver.port}/")

    with pytest.raises(BotDeliveryError, match="TLS error") as caught:
        send(bot, Message(title="t", text=""), idempotency_key="k")

    assert "other.example.test" in str(caught.value)  # the name the certificate lacks
    assert tls_receiver.requests == []


def test_it_refuses_a_certificate_from_an_unknown_authority(tls_receiver, monkeypatch):
    monkeypatch.setattr(network, "tls_context", ssl.create_default_context)  # system CAs only
    fake_dns(monkeypatch, {HOST: ["127.0.0.1"]})
    bot = BotFactory(kind="slack", webhook_url=f"https://{HOST}:{tls_receiver.port}/")

    with pytest.raises(BotDeliveryError, match="TLS error") as caught:
        send(bot, Message(title="t", text=""), idempotency_key="k")

    assert "certificate verify failed" in str(caught.value)
    assert tls_receiver.requests == []
