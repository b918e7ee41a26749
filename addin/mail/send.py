"""Where emails go: the user's own SMTP server, or an outbox folder of ``.eml`` files.

Both transports take a ready ``EmailMessage`` (see ``compose.to_message``) and answer with a
``SendResult``; they never raise for one bad message, so one refused recipient does not stop
the others. The journal (``journal.py``) decides what a result means for "sent exactly once".

SMTP settings come from the ``Paramètres`` sheet (host, port, user, security), overridden by
the environment (``RELANCE_SMTP_HOST``, ``_PORT``, ``_USER``, ``_PASSWORD``, ``_SECURITY``).
The password never comes from the workbook: ``RELANCE_SMTP_PASSWORD`` or the system keyring
(service ``relance``, user name = the SMTP user).
"""

from __future__ import annotations

import os
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from addin.core.model import Settings
from addin.files import atomic_write

KEYRING_SERVICE = "relance"
SECURITIES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class SendResult:
    ok: bool
    permanent: bool  # a failure that retrying the same message will not fix (5xx, bad recipient)
    message_id: str
    detail: str  # server answer or reason, for the Journal and the user
    fatal: bool = False  # the transport cannot send anything (login refused, TLS failure): stop the run
    # The message data was handed to the server and no answer came (timeout, dropped
    # connection after DATA): it may have been delivered. Never retried, never re-sent:
    # the journal marks it « à vérifier » for a person.
    unknown: bool = False
    # Delivered to some recipients (a copy) but not to the client (every To address refused,
    # even after the retries): not sent, never re-sent automatically (the others have it).
    partial: bool = False
    refused: tuple[str, ...] = ()  # the addresses that did not get it
    # A draft written to the outbox folder, not a message sent: the person sends it from her
    # own mail software (« brouillon préparé », never « envoyé »).
    prepared: bool = False


class Transport(Protocol):
    def send(self, message: EmailMessage) -> SendResult: ...

    def close(self) -> None: ...


def _message_id(message: EmailMessage) -> str:
    return str(message.get("Message-ID", "") or "").strip()


# --- outbox -------------------------------------------------------------------------


def eml_filename(message_id: str) -> str:
    """A file name from a Message-ID: ``<a.b@host>`` → ``a.b@host.eml`` (unsafe characters → ``_``)."""
    core = message_id.strip().strip("<>")
    safe = re.sub(r"[^A-Za-z0-9._@+-]", "_", core).strip(".") or "message"
    return safe[:180] + ".eml"


def draft_target(folder: Path, name: str, message_id: str) -> Path:
    """Where the draft ``name`` goes in ``folder``: that name, unless a file of that name holds
    another message (an earlier day's draft in the same folder), then ``name-2.eml``, ``-3``…
    A file holding the same Message-ID is overwritten: a repeated run never doubles a draft."""
    stem = name[:-4] if name.lower().endswith(".eml") else name
    n = 1
    while True:
        target = folder / (f"{stem}.eml" if n == 1 else f"{stem}-{n}.eml")
        if not target.exists() or _holds(target, message_id):
            return target
        n += 1


def _holds(path: Path, message_id: str) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(8192)
    except OSError:
        return False
    return bool(message_id) and message_id.encode("ascii", "replace") in head


class OutboxTransport:
    """Writes each message as a draft ``.eml`` in ``folder``, atomically (temp file + rename).

    The file carries ``X-Unsent: 1`` so that Outlook opens it as a draft ready to send. Its name
    is the one Aperçu gives the same message when the caller passes it (``01-C002-J+7.eml``),
    else ``<message-id>.eml``; a run repeated after a crash overwrites the same draft, never
    doubles it. The result is ``prepared``: a draft, not a sent message.
    """

    drafts = True  # the send action names the files and says « brouillon préparé »

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)

    def send(self, message: EmailMessage, name: str | None = None) -> SendResult:
        mid = _message_id(message)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = draft_target(self.folder, name, mid) if name else self.folder / eml_filename(mid)
            draft = _copy(message)
            if draft.get("X-Unsent") is None:
                draft["X-Unsent"] = "1"
            # CRLF line ends, as RFC 5322 files; the message's own policy (compose.MIME_POLICY keeps
            # the subject's spaces when it folds it)
            data = draft.as_bytes(policy=draft.policy.clone(linesep="\r\n"))
            atomic_write(target, data)
        except OSError as exc:
            return SendResult(False, False, mid, f"écriture impossible dans la boîte d'envoi {self.folder} : {exc}")
        return SendResult(True, False, mid, f"brouillon enregistré dans {target}", prepared=True)

    def close(self) -> None:
        pass

    def check(self) -> None:
        """The outbox folder can be written: raises ``TransportError`` before any message is marked."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TransportError(f"boîte d'envoi {self.folder} impossible à créer ({exc}) ; rien n'a été envoyé. "
                                 "Choisissez un autre dossier (--outbox).", "--outbox") from exc
        if not os.access(self.folder, os.W_OK):
            raise TransportError(f"boîte d'envoi {self.folder} en lecture seule ; rien n'a été envoyé. "
                                 "Choisissez un autre dossier (--outbox).", "--outbox")

    def __enter__(self) -> "OutboxTransport":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _copy(message: EmailMessage) -> EmailMessage:
    import copy

    return copy.deepcopy(message)


# --- SMTP ---------------------------------------------------------------------------


class _Fatal(Exception):
    """The server or the configuration refuses us as a whole (not this message)."""

    def __init__(self, message: str, setting: str = ""):
        super().__init__(message)
        self.setting = setting


class TransportError(RuntimeError):
    """The transport cannot send anything (configuration or connection): the run stops before any
    message is marked. ``setting``: the setting or environment variable to fix."""

    def __init__(self, message: str, setting: str = ""):
        super().__init__(message)
        self.setting = setting


_FIX = {
    "password": "RELANCE_SMTP_PASSWORD (ou le trousseau du système, service « relance »)",
    "login": "RELANCE_SMTP_USER / RELANCE_SMTP_PASSWORD (ou « Utilisateur SMTP » dans Paramètres)",
    "security": "RELANCE_SMTP_SECURITY (starttls, ssl ou none ; ou « Sécurité SMTP » dans Paramètres)",
    "server": "RELANCE_SMTP_HOST / RELANCE_SMTP_PORT (ou « Serveur SMTP » / « Port SMTP » dans Paramètres)",
}


class _Tracking:
    """Remembers whether the DATA command of the current message has begun.

    From that moment the server may have the message: an error without a definite
    SMTP answer (a timeout, a dropped connection) leaves its fate unknown.
    """

    data_started = False

    def data(self, msg):  # noqa: ANN001, ANN201 - smtplib's signature
        self.data_started = True
        return super().data(msg)  # type: ignore[misc]


class _SMTP(_Tracking, smtplib.SMTP):
    pass


class _SMTP_SSL(_Tracking, smtplib.SMTP_SSL):
    pass


class SmtpTransport:
    """One SMTP connection reused for several messages, reopened when the server drops it.

    Transient failures before the message data is handed over (connection, EHLO, TLS
    setup, 4xx answers to MAIL FROM / RCPT TO, a 4xx answer to DATA or to the data itself:
    a definite refusal) are retried ``retries`` times after ``backoff`` seconds (the last
    value repeats); permanent ones (5xx, refused recipients) are reported for that message
    and the next message is sent normally. When some recipients took the message and a 4xx
    refused others (greylisting), only those are retried, in a transaction of their own with
    the same Message-ID; if no main recipient (To) has it in the end, the result is
    ``partial`` (« envoyé partiellement »), not sent. Once the DATA command has begun, an error with no
    definite answer (a timeout, a dropped or reset connection) means the server may have
    accepted the message: it is reported ``unknown`` and never retried, since a retry could
    deliver it twice. A refused login or a TLS failure is fatal: reported for this and every
    later message without reconnecting, so a wrong password does not lock the account.
    """

    def __init__(
        self,
        host: str,
        port: int | None = None,
        user: str = "",
        password: str | None = None,
        security: str = "starttls",
        timeout: float = 30,
        retries: int = 3,
        backoff: Sequence[float] = (1, 4, 10),
        sleep: Callable[[float], None] = time.sleep,
        ssl_context: ssl.SSLContext | None = None,
    ):
        security = (security or "starttls").strip().lower()
        if security not in SECURITIES:
            raise ValueError(f"sécurité SMTP inconnue « {security} » : attendu starttls, ssl ou none")
        self.host = host
        self.port = int(port or DEFAULT_PORTS[security])
        self.user = user
        self.password = password
        self.security = security
        self.timeout = timeout
        self.retries = max(int(retries), 0)
        self.backoff = tuple(backoff) or (0,)
        self.sleep = sleep
        self.ssl_context = ssl_context
        self._conn: smtplib.SMTP | None = None
        self._fatal: str | None = None

    # connection ------------------------------------------------------------------

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def _open(self) -> smtplib.SMTP:
        conn: smtplib.SMTP | None = None
        try:
            if self.security == "ssl":
                conn = _SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._context())
            else:
                conn = _SMTP(self.host, self.port, timeout=self.timeout)
            conn.ehlo()
            if self.security == "starttls":
                conn.starttls(context=self._context())
                conn.ehlo()
            if self.user:
                conn.login(self.user, self.password)
            return conn
        except BaseException:
            if conn is not None:
                conn.close()  # a half-open connection (failed TLS or login) must not leak its socket
            raise

    def _connect(self) -> smtplib.SMTP:
        try:
            return self._open()
        except smtplib.SMTPAuthenticationError as exc:
            raise _Fatal(
                f"authentification SMTP refusée pour {self.user} sur {self.host}:{self.port} "
                f"({exc.smtp_code} {_text(exc.smtp_error)}) : vérifiez l'utilisateur et le mot de passe",
                _FIX["login"]) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise _Fatal(
                f"le serveur {self.host}:{self.port} ne propose pas ce que demande la configuration "
                f"(sécurité « {self.security} », authentification) : {exc}", _FIX["security"]
            ) from exc
        except ssl.SSLError as exc:  # includes certificate verification failures
            raise _Fatal(f"échec TLS avec {self.host}:{self.port} : {exc}", _FIX["security"]) from exc

    def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                try:
                    conn.close()
                except OSError:
                    pass

    def close(self) -> None:
        self._disconnect()

    def check(self) -> None:
        """Connect and log in now, before any message is marked: raises ``TransportError``
        naming the setting to fix (no password, login refused, no STARTTLS, a TLS failure, no
        server answering). The connection is kept for the first message."""
        if self.user and not self.password:
            raise TransportError(f"aucun mot de passe SMTP pour {self.user} : rien n'a été envoyé. "
                                 f"Définissez {_FIX['password']}.", "RELANCE_SMTP_PASSWORD")
        if self._conn is not None:
            return
        try:
            self._conn = self._connect()
        except _Fatal as exc:
            raise TransportError(f"{exc} ; rien n'a été envoyé. Corrigez {exc.setting}.", exc.setting) from exc
        except (OSError, smtplib.SMTPException) as exc:
            why = "délai dépassé" if isinstance(exc, socket.timeout) else f"{type(exc).__name__}: {exc}"
            raise TransportError(f"serveur SMTP {self.host}:{self.port} injoignable ({why}) ; rien n'a été envoyé. "
                                 f"Vérifiez {_FIX['server']} et la connexion.", "RELANCE_SMTP_HOST") from exc

    def __enter__(self) -> "SmtpTransport":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # sending -----------------------------------------------------------------------

    def send(self, message: EmailMessage) -> SendResult:
        mid = _message_id(message)
        if self.user and not self.password and not self._fatal:
            self._fatal = (
                f"aucun mot de passe SMTP pour {self.user} : définissez RELANCE_SMTP_PASSWORD "
                "ou enregistrez-le dans le trousseau du système (service « relance »)"
            )
        if self._fatal:
            return SendResult(False, True, mid, self._fatal, fatal=True)
        attempt = 0
        detail = ""
        # Once some recipients took the message, only the ones a 4xx refused are retried, in a
        # transaction of their own (same Message-ID): the others never get it twice.
        pending: dict[str, str] | None = None  # address -> the last refusal; None: nobody has it yet
        delivered: set[str] = set()
        refused: dict[str, str] = {}  # refused for good (5xx)
        while True:
            reused = self._conn is not None
            conn = None
            try:
                try:
                    if self._conn is None:
                        self._conn = self._connect()
                    conn = self._conn
                    conn.data_started = False  # type: ignore[attr-defined]
                    targets = None if pending is None else list(pending)
                    answer = conn.send_message(message, to_addrs=targets)
                except (OSError, smtplib.SMTPException) as exc:
                    # An SMTP answer (SMTPResponseException) is definite: handled below. Anything
                    # else once DATA began (timeout, reset, disconnect) leaves the message's fate open.
                    if not isinstance(exc, smtplib.SMTPResponseException) and getattr(conn, "data_started", False):
                        self._disconnect()
                        why = "délai dépassé" if isinstance(exc, socket.timeout) else f"{type(exc).__name__}: {exc}"
                        already = f" ; déjà remis à {', '.join(sorted(delivered))}" if delivered else ""
                        return SendResult(
                            False, False, mid,
                            f"sort inconnu : le message a été transmis au serveur mais sa réponse n'est pas "
                            f"arrivée ({why}) ; vérifiez dans la messagerie s'il est parti{already}", unknown=True)
                    raise
            except _Fatal as exc:
                self._disconnect()
                self._fatal = str(exc)
                if pending is not None:  # delivered to some already: say to whom it did not go
                    return self._finish(message, mid, delivered, refused, pending, self._fatal)
                return SendResult(False, True, mid, self._fatal, fatal=True)
            except smtplib.SMTPRecipientsRefused as exc:
                answers = {addr: (code, f"{code} {_text(msg)}") for addr, (code, msg) in exc.recipients.items()}
                detail = "destinataires refusés : " + "; ".join(f"{a} ({d})" for a, (_, d) in answers.items())
                if pending is not None:
                    pending = {a: d for a, (code, d) in answers.items() if not 500 <= code < 600}
                    refused.update({a: d for a, (code, d) in answers.items() if 500 <= code < 600})
                    if not pending:
                        return self._finish(message, mid, delivered, refused, pending)
                elif all(500 <= code < 600 for code, _ in answers.values()):
                    return SendResult(False, True, mid, detail)
            except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError, smtplib.SMTPResponseException) as exc:
                detail = f"{exc.smtp_code} {_text(exc.smtp_error)}"
                if 500 <= exc.smtp_code < 600:
                    if pending is not None:
                        refused.update({a: detail for a in pending})
                        return self._finish(message, mid, delivered, refused, {})
                    return SendResult(False, True, mid, detail)
                if exc.smtp_code == 421:  # the server is closing the connection
                    self._disconnect()
            except smtplib.SMTPServerDisconnected as exc:
                self._disconnect()
                detail = f"connexion fermée par le serveur : {exc}"
                if reused:
                    continue  # an idle connection the server dropped: reopen at once, not a retry
            except (OSError, smtplib.SMTPException) as exc:  # refused, reset, timeout, DNS
                self._disconnect()
                detail = f"{type(exc).__name__}: {exc}" if not isinstance(exc, socket.timeout) else "délai dépassé"
            else:
                sent_to = set(targets) if targets is not None else set(_recipients(message))
                delivered |= {a for a in sent_to if a not in answer}
                refused.update({a: f"{code} {_text(msg)}" for a, (code, msg) in answer.items() if 500 <= code < 600})
                pending = {a: f"{code} {_text(msg)}" for a, (code, msg) in answer.items() if not 500 <= code < 600}
                if not pending:
                    return self._finish(message, mid, delivered, refused, pending)
                detail = "; ".join(f"{a} ({d})" for a, d in pending.items())
            if attempt >= self.retries:
                if pending is not None:
                    return self._finish(message, mid, delivered, refused, pending)
                return SendResult(False, False, mid, f"échec après {attempt + 1} tentatives : {detail}")
            self.sleep(self.backoff[min(attempt, len(self.backoff) - 1)])
            attempt += 1

    @staticmethod
    def _finish(message: EmailMessage, mid: str, delivered: set[str], refused: Mapping[str, str],
                pending: Mapping[str, str], why: str = "") -> SendResult:
        """The result once some recipients took the message: sent when a main recipient (To) has
        it, whatever a copy's fate; otherwise « envoyé partiellement » — the client did not get it,
        and it is never re-sent on its own (the others would get it twice)."""
        left = {**refused, **pending}
        if not left:
            return SendResult(True, False, mid, "envoyé")
        said = "; ".join(f"{a} ({d})" for a, d in left.items()) + (f" ; {why}" if why else "")
        main = {a.lower() for a in _recipients(message, ("To",))}
        if any(a.lower() in main for a in delivered):
            return SendResult(True, False, mid, f"envoyé ; refusé pour : {said}")
        return SendResult(False, False, mid, f"envoyé partiellement : refusé pour {said}", partial=True,
                          refused=tuple(left))


def _recipients(message: EmailMessage, fields: Sequence[str] = ("To", "Cc", "Bcc")) -> list[str]:
    """The addresses of the message's recipient headers, as smtplib.send_message reads them."""
    from email.utils import getaddresses

    return [addr for _, addr in getaddresses([str(v) for f in fields for v in message.get_all(f, [])]) if addr]


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


# --- configuration --------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str
    password: str | None
    security: str

    def __repr__(self) -> str:  # never print the password
        shown = "***" if self.password else None
        return f"SmtpConfig(host={self.host!r}, port={self.port}, user={self.user!r}, password={shown}, security={self.security!r})"


def keyring_password(user: str) -> str | None:
    """The password stored in the system keyring for ``user``; None when absent or when the keyring fails."""
    if not user:
        return None
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, user) or None
    except Exception:  # no backend, locked keyring, D-Bus errors…: sending falls back to "no password"
        return None


def smtp_config(
    settings: Settings,
    environ: Mapping[str, str] = os.environ,
    *,
    get_password: Callable[[str], str | None] = keyring_password,
) -> SmtpConfig | None:
    """The SMTP configuration, or None when no host is set (emails then go to the outbox).

    Raises ValueError for an unreadable port or security value.
    """
    env = {k: v for k, v in environ.items() if k.startswith("RELANCE_SMTP_") and str(v).strip() != ""}
    host = (env.get("RELANCE_SMTP_HOST") or settings.smtp_host or "").strip()
    if not host:
        return None
    security = (env.get("RELANCE_SMTP_SECURITY") or settings.smtp_security or "starttls").strip().lower()
    if security not in SECURITIES:
        raise ValueError(f"sécurité SMTP inconnue « {security} » : attendu starttls, ssl ou none")
    raw_port = env.get("RELANCE_SMTP_PORT")
    if raw_port is not None:
        try:
            port = int(str(raw_port).strip())
        except ValueError:
            raise ValueError(f"RELANCE_SMTP_PORT illisible « {raw_port} » : attendu un nombre (587, 465…)") from None
    else:
        port = settings.smtp_port or DEFAULT_PORTS[security]
    if not 0 < port < 65536:
        raise ValueError(f"port SMTP hors limites : {port}")
    user = (env.get("RELANCE_SMTP_USER") or settings.smtp_user or "").strip()
    password = env.get("RELANCE_SMTP_PASSWORD") or (get_password(user) if user else None)
    return SmtpConfig(host=host, port=port, user=user, password=password, security=security)


def make_transport(
    settings: Settings,
    *,
    outbox: Path,
    environ: Mapping[str, str] = os.environ,
    get_password: Callable[[str], str | None] = keyring_password,
) -> Transport:
    """SMTP when a host is configured, else the outbox folder."""
    config = smtp_config(settings, environ, get_password=get_password)
    if config is None:
        return OutboxTransport(outbox)
    return SmtpTransport(config.host, config.port, config.user, config.password, config.security)
