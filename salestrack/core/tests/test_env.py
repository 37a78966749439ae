import pytest
from django.core.exceptions import ImproperlyConfigured

from salestrack.core.env import (
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    persistent_secret_key,
)

NAME = "SALESTRACK_TEST_SETTING"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in (NAME, f"{NAME}_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "Yes", "on", " true "])
def test_it_reads_true(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    assert env_bool(NAME) is True


@pytest.mark.parametrize("raw", ["0", "false", "False", "no", "OFF"])
def test_it_reads_false(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    assert env_bool(NAME, default=True) is False


def test_it_reads_an_empty_bool_as_false(monkeypatch):
    monkeypatch.setenv(NAME, "")
    assert env_bool(NAME, default=True) is False


def test_it_uses_the_bool_default_when_unset():
    assert env_bool(NAME) is False
    assert env_bool(NAME, default=True) is True


@pytest.mark.parametrize("raw", ["2", "enabled", "y", "是"])
def test_it_refuses_a_bad_bool(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfigured) as exc:
        env_bool(NAME)
    assert NAME in str(exc.value)


@pytest.mark.parametrize("raw, value", [("42", 42), ("-3", -3), (" 7 ", 7), ("0", 0)])
def test_it_reads_an_int(monkeypatch, raw, value):
    monkeypatch.setenv(NAME, raw)
    assert env_int(NAME, 1) == value


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_it_uses_the_int_default_when_unset_or_blank(monkeypatch, raw):
    if raw is not None:
        monkeypatch.setenv(NAME, raw)
    assert env_int(NAME, 20) == 20


@pytest.mark.parametrize("raw", ["twenty", "1.5", "10k", "0x10"])
def test_it_refuses_a_bad_int(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfigured) as exc:
        env_int(NAME, 20)
    assert NAME in str(exc.value)
    assert repr(raw) in str(exc.value)


def test_it_reads_a_list(monkeypatch):
    monkeypatch.setenv(NAME, " crm.example.cn, ,localhost,")
    assert env_list(NAME, ["x"]) == ["crm.example.cn", "localhost"]


def test_it_uses_the_list_default_when_unset():
    assert env_list(NAME, ["localhost"]) == ["localhost"]


def test_it_reads_a_string(monkeypatch):
    assert env_str(NAME, "fallback") == "fallback"
    monkeypatch.setenv(NAME, "值")
    assert env_str(NAME, "fallback") == "值"


def test_it_reads_a_secret_from_the_environment(monkeypatch):
    monkeypatch.setenv(NAME, "s3cret")
    assert env_secret(NAME) == "s3cret"


def test_it_uses_the_secret_default_when_unset():
    assert env_secret(NAME, "dev-only") == "dev-only"


def test_it_reads_a_secret_from_the_file_named_by_file(monkeypatch, tmp_path):
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("from-file\n")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret_file))
    assert env_secret(NAME) == "from-file"


def test_it_prefers_the_file_over_the_variable(monkeypatch, tmp_path):
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("from-file")
    monkeypatch.setenv(NAME, "from-env")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret_file))
    assert env_secret(NAME) == "from-file"


def test_it_refuses_an_unreadable_secret_file(monkeypatch, tmp_path):
    missing = tmp_path / "missing.txt"
    monkeypatch.setenv(f"{NAME}_FILE", str(missing))
    with pytest.raises(ImproperlyConfigured) as exc:
        env_secret(NAME)
    assert f"{NAME}_FILE" in str(exc.value)


def test_it_generates_a_secret_key_once_and_keeps_it(tmp_path):
    path = tmp_path / "data" / "secret_key"
    first = persistent_secret_key(path)
    assert len(first) >= 50
    assert path.stat().st_mode & 0o777 == 0o600
    assert persistent_secret_key(path) == first
