from dataclasses import replace

import pytest

from addin.core.model import Settings
from addin.mail import send
from addin.mail.send import OutboxTransport, SmtpTransport, make_transport, smtp_config

BOOK = Settings(smtp_host="ssl0.ovh.net", smtp_port=587, smtp_user="marie@atelier.fr", smtp_security="starttls")


def no_keyring(user):
    return None


def test_no_host_means_outbox(tmp_path):
    assert smtp_config(Settings(), {}, get_password=no_keyring) is None
    t = make_transport(Settings(), outbox=tmp_path, environ={}, get_password=no_keyring)
    assert isinstance(t, OutboxTransport) and t.folder == tmp_path


def test_workbook_values_and_keyring_password():
    asked = []
    config = smtp_config(BOOK, {}, get_password=lambda u: asked.append(u) or "from-keyring")
    assert (config.host, config.port, config.user, config.security) == ("ssl0.ovh.net", 587, "marie@atelier.fr", "starttls")
    assert config.password == "from-keyring" and asked == ["marie@atelier.fr"]
    assert "from-keyring" not in repr(config)


def test_environment_overrides_the_workbook():
    env = {
        "RELANCE_SMTP_HOST": "smtp.office365.com",
        "RELANCE_SMTP_PORT": "465",
        "RELANCE_SMTP_USER": "other@x.fr",
        "RELANCE_SMTP_PASSWORD": "from-env",
        "RELANCE_SMTP_SECURITY": "SSL",
    }
    config = smtp_config(BOOK, env, get_password=lambda u: pytest.fail("keyring not needed"))
    assert (config.host, config.port, config.user, config.password, config.security) == (
        "smtp.office365.com", 465, "other@x.fr", "from-env", "ssl",
    )


def test_default_port_follows_security():
    assert smtp_config(replace(BOOK, smtp_port=None, smtp_security="ssl"), {}, get_password=no_keyring).port == 465
    assert smtp_config(replace(BOOK, smtp_port=None), {}, get_password=no_keyring).port == 587


def test_bad_values_are_readable_errors():
    with pytest.raises(ValueError, match="RELANCE_SMTP_PORT"):
        smtp_config(BOOK, {"RELANCE_SMTP_PORT": "abc"}, get_password=no_keyring)
    with pytest.raises(ValueError, match="starttls, ssl ou none"):
        smtp_config(replace(BOOK, smtp_security="tls1.3"), {}, get_password=no_keyring)


def test_a_broken_keyring_means_no_password(monkeypatch):
    import keyring

    def boom(service, user):
        raise RuntimeError("no backend")

    monkeypatch.setattr(keyring, "get_password", boom)
    assert send.keyring_password("marie@atelier.fr") is None
    monkeypatch.setattr(keyring, "get_password", lambda service, user: "pw" if service == "relance" else None)
    assert send.keyring_password("marie@atelier.fr") == "pw"
    assert smtp_config(BOOK, {}).password == "pw"


def test_smtp_transport_from_settings(tmp_path):
    t = make_transport(BOOK, outbox=tmp_path, environ={"RELANCE_SMTP_PASSWORD": "x"}, get_password=no_keyring)
    assert isinstance(t, SmtpTransport) and (t.host, t.port, t.security, t.password) == ("ssl0.ovh.net", 587, "starttls", "x")


def test_missing_password_for_a_user_is_fatal_without_connecting():
    from email.message import EmailMessage

    sleeps = []
    # port 9 (discard) on a reserved address: any connection attempt would fail as transient instead
    t = SmtpTransport("192.0.2.1", 9, "marie@atelier.fr", None, "none", timeout=1, sleep=sleeps.append)
    result = t.send(EmailMessage())
    assert result.fatal and result.permanent and "RELANCE_SMTP_PASSWORD" in result.detail
    assert sleeps == [] and t._conn is None
