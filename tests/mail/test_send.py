"""The transports against a real SMTP server (aiosmtpd on 127.0.0.1): STARTTLS, implicit TLS, plain."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl

import pytest

pytest.importorskip("aiosmtpd")
pytest.importorskip("cryptography")

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from addin.mail.compose import render, to_message  # noqa: E402
from addin.mail.send import OutboxTransport, SmtpTransport, eml_filename  # noqa: E402
from tests.mail.samples import SETTINGS, TODAY, action, plain  # noqa: E402

USER, PASSWORD = "marie@atelier-eloise.fr", "s3cret-mot-de-passe"
WHEN = dt.datetime(2025, 3, 16, 9, 30, tzinfo=dt.timezone.utc)


# --- the server ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, and the server/client TLS contexts that use it."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "relance-test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


class Handler:
    """Records what arrives; can answer 451 to DATA a few times and 550 to some recipients."""

    def __init__(self):
        self.received: list[tuple[str, list[str], bytes]] = []
        self.data_failures = 0
        self.refuse: set[str] = set()
        self.greylist: dict[str, int] = {}  # address -> how many more times to answer 451 at RCPT
        self.logins = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 <%s>: utilisateur inconnu" % address
        if self.greylist.get(address, 0) > 0:
            self.greylist[address] -= 1
            return "451 4.7.1 <%s>: greylisted, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_failures > 0:
            self.data_failures -= 1
            return "451 4.3.0 Réessayez plus tard"
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 2.0.0 Message accepted"

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        self.logins += 1
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(handler: Handler, mode: str, certificate) -> Controller:
    server_ctx, _ = certificate
    kwargs: dict = {"hostname": "127.0.0.1", "port": free_port()}
    if mode == "starttls":
        kwargs.update(tls_context=server_ctx, require_starttls=True, authenticator=handler.authenticator)
    elif mode == "ssl":
        kwargs.update(ssl_context=server_ctx, authenticator=handler.authenticator, auth_require_tls=False)
    controller = Controller(handler, **kwargs)
    controller.start()
    return controller


@pytest.fixture(params=["starttls", "ssl", "none"])
def server(request, certificate):
    handler = Handler()
    controller = start(handler, request.param, certificate)
    yield request.param, controller, handler
    controller.stop()


@pytest.fixture
def starttls_server(certificate):
    handler = Handler()
    controller = start(handler, "starttls", certificate)
    yield controller, handler
    controller.stop()


def transport(mode, controller, certificate, *, password=PASSWORD, sleeps=None, **kw) -> SmtpTransport:
    _, client_ctx = certificate
    return SmtpTransport(
        "127.0.0.1",
        controller.port,
        USER if mode != "none" else "",
        password if mode != "none" else None,
        mode,
        timeout=5,
        sleep=(sleeps.append if sleeps is not None else (lambda s: None)),
        ssl_context=client_ctx,
        **kw,
    )


def message(template="mise_en_demeure", mid="<relance.1@atelier-eloise.fr>", **client_kwargs):
    a = action(template, **client_kwargs)
    return a, to_message(render(a, SETTINGS, today=TODAY), SETTINGS, message_id=mid, date=WHEN)


# --- delivery -------------------------------------------------------------------------


def test_delivers_a_complete_message(server, certificate):
    mode, controller, handler = server
    a, msg = message(name="Société Générale d'Éclairage")
    with transport(mode, controller, certificate) as t:
        result = t.send(msg)
    assert result.ok and not result.permanent and result.message_id == "<relance.1@atelier-eloise.fr>"

    assert len(handler.received) == 1
    mail_from, rcpt, raw = handler.received[0]
    assert mail_from == "marie@atelier-eloise.fr"
    assert sorted(rcpt) == ["compta@dupont.fr", "dg@dupont.fr", "jean@dupont.fr"]
    got = email.message_from_bytes(raw, policy=email.policy.default)

    sender = got["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Marie Lefèvre - Atelier Éloïse SARL", "marie@atelier-eloise.fr")
    assert [x.display_name for x in got["To"].addresses] == ["Société Générale d'Éclairage"] * 2
    assert [x.addr_spec for x in got["To"].addresses] == ["compta@dupont.fr", "jean@dupont.fr"]
    assert got["Subject"] == "Mise en demeure de payer : factures F2025-001 F2025-014 — Atelier Éloïse SARL"
    assert got["Message-ID"] == "<relance.1@atelier-eloise.fr>"
    assert got["Date"].datetime == WHEN
    assert got["X-Relance-Key"] == a.key

    text = got.get_body(preferencelist=("plain",))
    html = got.get_body(preferencelist=("html",))
    assert text.get_content_type() == "text/plain" and "<table" not in text.get_content()
    assert "Café Dupont" not in text.get_content()  # the client here is the Société Générale d'Éclairage
    assert "1 984,88 €" in plain(text.get_content()) and "réclamé" in text.get_content()
    assert "<table" in html.get_content() and "1 984,88 €" in plain(html.get_content())
    images = [p for p in got.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"] == "<qr-virement@relance>"
    assert images[0].get_content().startswith(b"\x89PNG")
    pdfs = [p for p in got.walk() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_content_disposition() == "attachment"
    assert pdfs[0].get_filename() == "Mise en demeure - Société Générale d'Éclairage - 2025-03-16.pdf"
    assert pdfs[0].get_content().startswith(b"%PDF")


def test_one_connection_for_several_messages_and_reconnect_after_a_drop(starttls_server, certificate):
    controller, handler = starttls_server
    sleeps: list[float] = []
    with transport("starttls", controller, certificate, sleeps=sleeps) as t:
        assert t.send(message("relance_1", mid="<m1@x>")[1]).ok
        first = t._conn
        assert t.send(message("relance_2", mid="<m2@x>")[1]).ok
        assert t._conn is first  # reused, not reopened
        t._conn.close()  # the server (or the network) dropped the idle connection
        assert t.send(message("relance_3", mid="<m3@x>")[1]).ok
    assert [email.message_from_bytes(r[2])["Message-ID"] for r in handler.received] == ["<m1@x>", "<m2@x>", "<m3@x>"]
    assert handler.logins == 2  # one login per connection
    assert sleeps == []  # reopening a dropped connection is not a retry


def test_transient_451_is_retried_with_backoff_and_delivered_once(starttls_server, certificate):
    controller, handler = starttls_server
    handler.data_failures = 2
    sleeps: list[float] = []
    with transport("starttls", controller, certificate, sleeps=sleeps) as t:
        result = t.send(message("relance_1")[1])
    assert result.ok
    assert len(handler.received) == 1
    assert sleeps == [1, 4]


def test_transient_failures_exhaust_the_retries(starttls_server, certificate):
    controller, handler = starttls_server
    handler.data_failures = 10
    sleeps: list[float] = []
    with transport("starttls", controller, certificate, sleeps=sleeps, retries=3) as t:
        result = t.send(message("relance_1")[1])
    assert not result.ok and not result.permanent and "451" in result.detail
    assert sleeps == [1, 4, 10] and handler.received == []


def test_refused_recipient_is_permanent_for_that_message_only(starttls_server, certificate):
    controller, handler = starttls_server
    handler.refuse = {"nobody@dupont.fr"}
    sleeps: list[float] = []
    with transport("starttls", controller, certificate, sleeps=sleeps) as t:
        bad = t.send(message("relance_1", mid="<bad@x>", email="nobody@dupont.fr", email_cc="")[1])
        good = t.send(message("relance_1", mid="<good@x>")[1])
    assert not bad.ok and bad.permanent and not bad.fatal and "550" in bad.detail and "nobody@dupont.fr" in bad.detail
    assert good.ok
    assert [email.message_from_bytes(r[2])["Message-ID"] for r in handler.received] == ["<good@x>"]
    assert sleeps == []  # a 5xx is not retried


def test_partly_refused_recipients_count_as_sent(starttls_server, certificate):
    controller, handler = starttls_server
    handler.refuse = {"dg@dupont.fr"}
    with transport("starttls", controller, certificate) as t:
        result = t.send(message("relance_1")[1])
    assert result.ok and "dg@dupont.fr" in result.detail
    assert sorted(handler.received[0][1]) == ["compta@dupont.fr", "jean@dupont.fr"]


def test_a_main_recipient_greylisted_is_retried_alone_and_the_copy_never_gets_it_twice(starttls_server, certificate):
    controller, handler = starttls_server
    handler.greylist = {"compta@dupont.fr": 1}
    sleeps: list[float] = []
    with transport("starttls", controller, certificate, sleeps=sleeps) as t:
        result = t.send(message("relance_1", email="compta@dupont.fr", email_cc="dg@dupont.fr")[1])
    assert result.ok and not result.partial and result.detail == "envoyé"
    assert [sorted(r[1]) for r in handler.received] == [["dg@dupont.fr"], ["compta@dupont.fr"]]
    ids = {email.message_from_bytes(r[2])["Message-ID"] for r in handler.received}
    assert ids == {"<relance.1@atelier-eloise.fr>"}  # the same message, its second transaction
    assert sleeps == [1]


def test_a_main_recipient_still_refused_after_the_retries_is_not_sent(starttls_server, certificate):
    controller, handler = starttls_server
    handler.greylist = {"compta@dupont.fr": 99}
    sleeps: list[float] = []
    with transport("starttls", controller, certificate, sleeps=sleeps) as t:
        result = t.send(message("relance_1", email="compta@dupont.fr", email_cc="dg@dupont.fr")[1])
    assert not result.ok and result.partial and not result.permanent and not result.unknown
    assert result.refused == ("compta@dupont.fr",)
    assert result.detail.startswith("envoyé partiellement : refusé pour compta@dupont.fr (451")
    assert [sorted(r[1]) for r in handler.received] == [["dg@dupont.fr"]]  # the copy, once
    assert sleeps == [1, 4, 10]


def test_the_clients_address_refused_for_good_with_the_copy_delivered_is_not_sent(starttls_server, certificate):
    controller, handler = starttls_server
    handler.refuse = {"compta@dupont.fr"}  # the client's address refused (550): only the copy has it
    with transport("starttls", controller, certificate) as t:
        result = t.send(message("relance_1", email="compta@dupont.fr", email_cc="dg@dupont.fr")[1])
    assert not result.ok and result.partial and "550" in result.detail


def test_wrong_password_is_a_clear_fatal_error_and_is_not_retried(starttls_server, certificate):
    controller, handler = starttls_server
    sleeps: list[float] = []
    with transport("starttls", controller, certificate, password="wrong", sleeps=sleeps) as t:
        first = t.send(message("relance_1", mid="<a@x>")[1])
        tried = handler.logins  # smtplib tries each offered mechanism (PLAIN, then LOGIN) once
        second = t.send(message("relance_1", mid="<b@x>")[1])
    assert not first.ok and first.permanent and first.fatal
    assert "authentification SMTP refusée" in first.detail and USER in first.detail
    assert "mot de passe" in first.detail and "wrong" not in first.detail
    assert second.fatal and second.detail == first.detail
    assert tried >= 1 and handler.logins == tried  # no new login: a wrong password must not lock the account
    assert sleeps == [] and handler.received == []


def test_untrusted_certificate_is_fatal(starttls_server, certificate):
    controller, handler = starttls_server
    t = SmtpTransport("127.0.0.1", controller.port, USER, PASSWORD, "starttls", timeout=5, sleep=lambda s: None)
    result = t.send(message("relance_1")[1])  # default context: the test certificate is not trusted
    assert result.fatal and "TLS" in result.detail and handler.received == []


def test_nothing_listening_is_transient(certificate):
    sleeps: list[float] = []
    t = SmtpTransport("127.0.0.1", free_port(), "", None, "none", timeout=2, retries=2, sleep=sleeps.append)
    result = t.send(message("relance_1")[1])
    assert not result.ok and not result.permanent and not result.fatal
    assert sleeps == [1, 4]


class SlowAnswer(Handler):
    """Stores the message, then answers 250 only after ``delay`` seconds (a slow antivirus or filter)."""

    def __init__(self, delay: float):
        super().__init__()
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        await asyncio.sleep(self.delay)
        return "250 2.0.0 Message accepted"


def test_no_answer_after_the_data_is_an_unknown_fate_never_a_second_delivery(certificate):
    handler = SlowAnswer(delay=3)
    controller = start(handler, "none", certificate)
    sleeps: list[float] = []
    try:
        t = SmtpTransport("127.0.0.1", controller.port, "", None, "none", timeout=1, retries=3, sleep=sleeps.append)
        result = t.send(message("relance_1")[1])
        t.close()
        import time

        time.sleep(2.5)  # let the server finish its answer: a retry would have arrived by now
    finally:
        controller.stop()
    assert len(handler.received) == 1  # exactly one copy
    assert not result.ok and result.unknown and not result.permanent and not result.fatal
    assert "sort inconnu" in result.detail and sleeps == []  # never retried


def test_an_error_before_the_data_is_still_retried(starttls_server, certificate):
    controller, handler = starttls_server
    handler.data_failures = 1  # a definite 451 answer: the server did not take the message
    with transport("starttls", controller, certificate) as t:
        result = t.send(message("relance_1")[1])
    assert result.ok and not result.unknown and len(handler.received) == 1


# --- outbox ----------------------------------------------------------------------------


def test_outbox_writes_one_eml_per_message_id(tmp_path):
    a, msg = message("mise_en_demeure", mid="<relance.C001-J30@atelier-eloise.fr>")
    box = OutboxTransport(tmp_path / "outbox")
    first = box.send(msg)
    again = box.send(msg)  # a repeated run overwrites, it never doubles
    files = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert first.ok and again.ok and files == ["relance.C001-J30@atelier-eloise.fr.eml"]
    raw = (tmp_path / "outbox" / files[0]).read_bytes()
    assert b"\r\n" in raw
    got = email.message_from_bytes(raw, policy=email.policy.default)
    assert got["X-Unsent"] == "1" and got["X-Relance-Key"] == a.key
    assert got["From"].addresses[0].display_name == "Marie Lefèvre - Atelier Éloïse SARL"
    assert any(p.get_content_type() == "application/pdf" for p in got.walk())
    assert msg["X-Unsent"] is None  # the caller's message is left as it was


def test_eml_filename_is_safe():
    assert eml_filename("<a/../b\\c:d@x>") == "a_.._b_c_d@x.eml"
    assert eml_filename("<>") == "message.eml"


def test_outbox_reports_an_unwritable_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = OutboxTransport(blocker / "outbox").send(message("relance_1")[1])
    assert not result.ok and "boîte d'envoi" in result.detail
