"""Webhook targets: https only, and every resolved address public (getaddrinfo is faked: no
test reaches a DNS server or the internet)."""

import pytest

from salestrack.bots.network import TargetRefused, address_problem, check_target
from salestrack.bots.tests.dns import fake_dns

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("10.0.0.5", "private"),
    ("172.16.3.4", "private"),
    ("172.31.255.254", "private"),
    ("192.168.1.20", "private"),
    ("169.254.169.254", "link-local"),  # the cloud metadata service
    ("169.254.1.1", "link-local"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "carrier-grade NAT"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("::1", "loopback"),
    ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local"),
    ("fc00::1", "private"),
    ("fd12:3456::1", "private"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.1.2.3", "private"),
    ("::ffff:169.254.169.254", "link-local"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("198.18.0.1", "special-purpose"),  # benchmarking
    ("192.0.2.10", "special-purpose"),  # documentation
    ("2001:db8::1", "special-purpose"),  # documentation
]
PUBLIC = ["93.184.215.14", "1.1.1.1", "203.119.169.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.fixture(autouse=True)
def production(settings):
    settings.SALESTRACK_BOTS_ALLOW_PRIVATE = False


@pytest.mark.parametrize(("address", "kind"), REFUSED)
def test_it_refuses_a_name_that_resolves_to_a_non_public_address(monkeypatch, address, kind):
    fake_dns(monkeypatch, {"hook.example.com": [address]})

    with pytest.raises(TargetRefused) as caught:
        check_target("https://hook.example.com/robot/send?access_token=x")

    message = str(caught.value)
    assert f"resolves to {address}," in message
    assert kind in message
    assert "public internet addresses" in message


@pytest.mark.parametrize(("address", "kind"), REFUSED)
def test_it_names_the_problem_of_each_address(address, kind):
    assert kind in address_problem(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_it_accepts_public_addresses(monkeypatch, address):
    fake_dns(monkeypatch, {"oapi.dingtalk.com": [address]})

    target = check_target("https://oapi.dingtalk.com/robot/send?access_token=x")

    assert target.addresses == (address,)
    assert target.host == "oapi.dingtalk.com"
    assert target.port == 443
    assert address_problem(address) is None


def test_it_refuses_a_name_with_one_private_address_among_public_ones(monkeypatch):
    fake_dns(monkeypatch, {"mixed.example.com": ["93.184.215.14", "10.0.0.7", "1.1.1.1"]})

    with pytest.raises(TargetRefused, match=r"10\.0\.0\.7"):
        check_target("https://mixed.example.com/hook")


def test_it_refuses_a_private_ipv6_address_behind_a_public_ipv4_one(monkeypatch):
    fake_dns(monkeypatch, {"dual.example.com": ["93.184.215.14", "::1"]})

    with pytest.raises(TargetRefused, match="::1"):
        check_target("https://dual.example.com/hook")


@pytest.mark.parametrize(
    "url",
    ["https://127.0.0.1/hook", "https://[::1]/hook", "https://169.254.169.254/latest/meta-data/"],
)
def test_it_refuses_literal_private_addresses(url):
    with pytest.raises(TargetRefused, match="public internet addresses"):
        check_target(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://oapi.dingtalk.com/robot/send", "must start with https://"),
        ("ftp://oapi.dingtalk.com/x", "must start with https://"),
        ("oapi.dingtalk.com/robot/send", "must start with https://"),
        ("https:///nohost", "no host name"),
        ("https://user:pw@oapi.dingtalk.com/x", "user name or password"),
        ("https://oapi.dingtalk.com:99999/x", "not a valid web address"),
    ],
)
def test_it_refuses_malformed_or_plain_http_addresses(monkeypatch, url, message):
    asked = fake_dns(monkeypatch, {"oapi.dingtalk.com": ["93.184.215.14"]})

    with pytest.raises(TargetRefused, match=message):
        check_target(url)

    assert asked == []  # refused before any lookup


def test_it_says_when_a_name_does_not_resolve(monkeypatch):
    fake_dns(monkeypatch, {})

    with pytest.raises(TargetRefused, match=r"nowhere\.invalid cannot be resolved"):
        check_target("https://nowhere.invalid/hook")


def test_the_test_setting_admits_local_http(monkeypatch, settings):
    settings.SALESTRACK_BOTS_ALLOW_PRIVATE = True
    fake_dns(monkeypatch, {})

    target = check_target("http://127.0.0.1:8765/hook")

    assert target.addresses == ("127.0.0.1",)
    assert target.port == 8765
