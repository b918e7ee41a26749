"""The ``relance`` command: a thin door over ``addin.actions``.

Every command opens the workbook as a ``FileBook``, runs the same action the
ribbon button runs, and prints its summary. No business logic lives here.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from typer.core import TyperGroup
from typer.exceptions import TyperException

from addin import cli_messages

cli_messages.install()  # the help option's words and the panels' titles, in the user's language
# soft_wrap: a summary's long line (a command to copy, a path) is never broken at the terminal's width
console = cli_messages.console(soft_wrap=True)  # in the register's language (English: translated)


class _OneLineErrors(TyperGroup):
    """Every command, those added later included: any exception is one French line, exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):  # exits, and usage errors typer says itself
            raise
        except Exception as error:  # noqa: BLE001 - MemoryError, OSError, anything: never a traceback
            _fail(error)

    def main(self, *args, **kwargs):
        cli_messages.begin(self, args[0] if args else kwargs.get("args"))  # the register's language, else LANG
        try:
            return super().main(*args, **kwargs)
        except OSError:  # only the output fails out here: help or usage text to a closed pipe (Windows)
            _output_gone()
            sys.exit(1)


app = typer.Typer(add_completion=False, no_args_is_help=True, cls=_OneLineErrors,
                  help="Relance : vos factures, vos relances, dans votre classeur Excel.")

TODAY_HELP = cli_messages.say("today")
BOOK_HELP = cli_messages.say("book")


def _today(value: Optional[str]) -> date:
    if not value:
        return date.today()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"date attendue au format AAAA-MM-JJ, reçu « {value} »") from None
    if not 1900 <= day.year <= 2199:  # 9999-12-31 overflows the first date computed after it
        raise typer.BadParameter(f"date hors limites « {value} » : une année de 1900 à 2199 est attendue")
    return day


def _open(path: Path, today: date):
    """The workbook as a ``FileBook`` keeping as many backups as its Paramètres say."""
    from addin.books.file import FileBook
    from addin.register.load import load_settings

    checked, _CHECKED[:] = _CHECKED[:], []
    if checked and checked[0][0] == path and checked[0][1] == _stamp(path):  # opened (and checked) once
        book = checked[0][2]
        book.today = today
    else:
        book = FileBook.open(path, today=today)
    from addin.register.recognize import check_register

    check_register(book.sheet_names(), path.name)  # never write into a workbook that is not a register
    # « Sauvegardes conservées »: read before the action, since the book is opened before it.
    book.backups = load_settings(book)[0].backups
    return book


def _fail(error: Exception) -> None:
    from rich.text import Text

    from addin.failures import describe

    # One line whatever the terminal's width, and the message's own brackets are not markup.
    try:
        console.print(Text.assemble(("Erreur : ", "bold red"), describe(error)), soft_wrap=True)
    except OSError:  # the output itself is gone (the error may be that very write): nothing to tell
        _output_gone()
    raise typer.Exit(code=1)


def _output_gone() -> None:
    """The reader of the output left (``relance … | head``, a closed window): exit 1, no traceback.

    A closed pipe is ``BrokenPipeError`` on Linux and macOS, ``OSError`` EINVAL on Windows. The
    output is pointed at the null device so that what is still buffered is not written again at
    exit (Python would report that failure too); the caller then exits with code 1."""
    import os

    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # no file descriptor (a test's stream): nothing buffered
        pass
    console.begin_capture()  # rich keeps the text of a write that failed and would write it with the next
    try:  # print: what the reader never got is dropped here (the capture ends by an empty write)
        console.end_capture()
    except OSError:
        pass


def _guard(func):
    """The workbook's lock (and no cyclic GC) around a command; its errors become one line in
    ``_OneLineErrors``, like every command's."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from addin.actions.lock import command_lock  # one lock for every command that writes a workbook
        from addin.core.fast import gc_paused

        if func.__name__ != "new":
            _refuse_before_lock(kwargs.get("book"))
        try:
            with gc_paused(), (command_lock(kwargs["book"]) if isinstance(kwargs.get("book"), Path) else _no_lock()):
                # the whole command without the cyclic GC: its records make no cycles (README « Performance »)
                return func(*args, **kwargs)
        finally:
            _CHECKED.clear()  # a command that did not open it lets it go

    return wrapper


def _refuse_before_lock(book: object) -> None:
    """A workbook Relance never worked on (no lock file yet) is checked to be a register before its
    lock is taken: a file that is not one gets no ``.relance`` folder beside it. Once per workbook."""
    if not isinstance(book, Path) or not book.is_file():
        return
    from addin.mail.journal import lock_path

    if lock_path(book).exists():
        return
    from addin.books.file import FileBook
    from addin.register.recognize import check_register

    opened = FileBook.open(book)
    check_register(opened.sheet_names(), book.name)
    _CHECKED[:] = [(book, _stamp(book), opened)]  # ``_open`` takes it if the file has not changed since


_CHECKED: list = []  # (path, stamp, FileBook) of the workbook checked before its lock, at most one


def _stamp(path: Path) -> tuple:
    """What says a file is the one read: its size, its modified time and its inode."""
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


def _no_lock():
    import contextlib

    return contextlib.nullcontext()


@app.command()
@_guard
def demo(
    directory: Path = typer.Argument(Path("."), help="Dossier où écrire le classeur de démonstration."),
    today: Optional[str] = typer.Option(None, "--today", help=TODAY_HELP, metavar="AAAA-MM-JJ"),
) -> None:
    """Écrit un classeur de démonstration (40 clients, 300+ factures), l'actualise et résume."""
    from addin.demo import run_demo

    result = run_demo(directory, today=_today(today))
    console.print(result.summary)


@app.command()
@_guard
def refresh(
    book: Path = typer.Argument(..., exists=True, dir_okay=False, help=BOOK_HELP, metavar="CLASSEUR"),
    today: Optional[str] = typer.Option(None, "--today", help=TODAY_HELP, metavar="AAAA-MM-JJ"),
) -> None:
    """Actualiser : échéances, paiements, soldes, retards, intérêts, indemnités, relances, anomalies."""
    from addin.actions import refresh as action

    day = _today(today)
    result = action.run(_open(book, day), today=day)
    console.print(result.summary)


@app.command()
@_guard
def preview(
    book: Path = typer.Argument(..., exists=True, dir_okay=False, help=BOOK_HELP, metavar="CLASSEUR"),
    today: Optional[str] = typer.Option(None, "--today", help=TODAY_HELP, metavar="AAAA-MM-JJ"),
    out: Optional[Path] = typer.Option(None, "--out", metavar="DOSSIER",
                                       help="Dossier des aperçus (défaut : « Aperçu relances/<date>/ » à côté du classeur)."),
) -> None:
    """Aperçu : chaque message de la file rendu en fichiers à ouvrir, et un tableau récapitulatif."""
    from addin.actions import preview as action

    day = _today(today)
    result = action.run(_open(book, day), today=day, book_path=book, out_dir=out)
    console.print(result.summary)  # it ends with the folder the files went to


SEND_HELP = (
    "Envoyer : envoie chaque relance une seule fois et l'inscrit au Journal.\n\n"
    "Serveur d'envoi : Paramètres (Serveur SMTP, Port SMTP, Utilisateur SMTP, Sécurité SMTP) ou les variables "
    "d'environnement RELANCE_SMTP_HOST, RELANCE_SMTP_PORT, RELANCE_SMTP_USER, RELANCE_SMTP_PASSWORD (le mot de "
    "passe, jamais dans le classeur ; sinon le trousseau du système) et RELANCE_SMTP_SECURITY (starttls, ssl ou "
    "none). Sans serveur : des brouillons .eml dans « Boîte d'envoi/<date>/ », à envoyer depuis votre messagerie.")


@app.command(help=SEND_HELP)
@_guard
def send(
    book: Path = typer.Argument(..., exists=True, dir_okay=False, help=BOOK_HELP, metavar="CLASSEUR"),
    today: Optional[str] = typer.Option(None, "--today", help=TODAY_HELP, metavar="AAAA-MM-JJ"),
    outbox: Optional[Path] = typer.Option(None, "--outbox", metavar="DOSSIER",
                                          help="Dossier des brouillons .eml quand aucun serveur SMTP n'est configuré."),
    new_history: bool = typer.Option(False, "--new-history", metavar="",
                                     help="Journal d'envoi introuvable (classeur copié d'un autre ordinateur) : "
                                          "repartir d'un historique neuf, décidé par vous (voir docs/sending.md)."),
) -> None:
    """Envoyer : envoie chaque relance une seule fois et l'inscrit au Journal."""
    from rich.progress import Progress

    from addin.actions import send as action

    day = _today(today)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("Envoi des relances", total=None)

        def progress(done: int, total: int, label: str = "") -> None:
            bar.update(task, completed=done, total=total, description=label or "Envoi des relances")

        result = action.run(_open(book, day), today=day, book_path=book, outbox=outbox, progress=progress,
                            new_history=new_history)
    console.print(result.summary)
    if getattr(result, "failed_run", False):  # stopped by the transport, or the save failed
        raise typer.Exit(code=1)


@app.command()
@_guard
def review(
    book: Path = typer.Argument(..., exists=True, dir_okay=False, help=BOOK_HELP, metavar="CLASSEUR"),
    month: Optional[str] = typer.Option(None, "--month", help="Mois revu, AAAA-MM (défaut : le mois écoulé)."),
    today: Optional[str] = typer.Option(None, "--today", help=TODAY_HELP, metavar="AAAA-MM-JJ"),
) -> None:
    """Revue mensuelle : balance âgée, DSO, profils payeurs, encours à bloquer, prévision d'encaissements."""
    from addin.actions import review as action

    day = _today(today)
    parsed = None
    if month:
        try:
            year, mon = (int(part) for part in month.split("-"))
            parsed = (year, mon)
            date(year, mon, 1)
        except ValueError:
            raise typer.BadParameter(f"mois attendu au format AAAA-MM, reçu « {month} »") from None
    result = action.run(_open(book, day), month=parsed, today=day)
    console.print(result.summary)
    console.print(cli_messages.say("saved", path=book.resolve()))  # where the file went


@app.command()
@_guard
def export(
    book: Path = typer.Argument(..., exists=True, dir_okay=False, help=BOOK_HELP, metavar="CLASSEUR"),
    out: Path = typer.Argument(..., dir_okay=False, help="Le fichier .xlsx à écrire pour le comptable."),
    today: Optional[str] = typer.Option(None, "--today", help=TODAY_HELP, metavar="AAAA-MM-JJ"),
) -> None:
    """Exporter pour le comptable : une copie en valeurs seules, sans macros ni paramètres SMTP."""
    from addin.actions import export as action

    result = action.run(book, out, today=_today(today))
    console.print(getattr(result, "summary", f"Copie écrite : {out}"))


@app.command()
@_guard
def plan(
    book: Path = typer.Argument(..., exists=True, dir_okay=False, help=BOOK_HELP, metavar="CLASSEUR"),
    invoice: str = typer.Argument(..., help="N° de la facture à étaler."),
    count: int = typer.Option(3, "--count", help="Nombre d'échéances."),
    first: Optional[str] = typer.Option(None, "--first", help="Première échéance AAAA-MM-JJ (défaut : dans un mois)."),
    months: int = typer.Option(1, "--months", help="Mois entre deux échéances."),
    today: Optional[str] = typer.Option(None, "--today", help=TODAY_HELP, metavar="AAAA-MM-JJ"),
) -> None:
    """Échéancier : ajoute un plan de paiement en N fois pour une facture dans la feuille Échéanciers."""
    from addin.actions import plan as action

    day = _today(today)
    first_due = _today(first) if first else None
    result = action.run(_open(book, day), today=day, invoice=invoice, count=count, first_due=first_due,
                        months_between=months)
    console.print(result.summary)
    console.print(cli_messages.say("saved", path=book.resolve()))  # where the file went


@app.command("build-addin")
@_guard
def build_addin(out: Path = typer.Argument(Path("relance.xlam"), help="Le fichier .xlam à produire.")) -> None:
    """Construit le complément Excel relance.xlam (ruban « Relance », macros, UDF)."""
    from addin.addin_build import build_addin as build

    path = build(Path(out))
    console.print(f"Complément écrit : {path}")


@app.command("install-addin")
@_guard
def install_addin(xlam: Optional[Path] = typer.Argument(None, help="Le .xlam (défaut : construit à la volée).")) -> None:
    """Installe le complément dans Excel (Windows, macOS)."""
    from addin.install_addin import install_addin as install

    path = install(xlam)  # on Linux: a RuntimeError, "Excel is not available here", said by _guard
    console.print(f"Complément installé : {path}")


@app.command("new")
@_guard
def new(
    book: Path = typer.Argument(..., dir_okay=False, help="Le classeur à créer (.xlsx)."),
    sources: list[Path] = typer.Option(..., "--from", exists=True, dir_okay=False,
                                       help="FEC ou factures électroniques (Factur-X, CII, UBL) à importer ; répétable."),
    today: Optional[str] = typer.Option(None, "--today", help=TODAY_HELP),
) -> None:
    """Nouveau registre depuis le modèle, rempli d'un FEC ou de factures électroniques, puis actualisé."""
    from addin.actions import import_invoices, refresh

    day = _today(today)
    result = import_invoices.new_register(book, today=day, paths=sources)
    console.print(f"Registre créé : {book}")
    console.print(result.summary.replace("\n" + import_invoices.REFRESH_HINT, ""))  # refreshed just below
    console.print(refresh.run(_open(book, day), today=day, book_path=book).summary)


@app.command()
def version() -> None:
    """Affiche la version de Relance."""
    from importlib.metadata import version as v

    typer.echo(v("relance"))


@app.command("import")
@_guard
def import_(
    book: Path = typer.Argument(..., exists=True, dir_okay=False, help="Le classeur (.xlsx / .xlsm)."),
    files: list[Path] = typer.Argument(..., help="Relevés : CAMT .xml, OFX / QFX, CFONB 120, CSV de la banque."),
    today: Optional[str] = typer.Option(None, "--today", help=TODAY_HELP),
    no_refresh: bool = typer.Option(False, "--sans-actualiser", metavar="",
                                    help="N'actualise pas le classeur après l'import (très grands registres)."),
) -> None:
    """Importer des relevés : paiements rapprochés dans Paiements, le reste dans la feuille Rapprochement."""
    from addin.actions import imports as action

    day = _today(today)
    result = action.run(_open(book, day), today=day, paths=files, book_path=book, refresh=not no_refresh)
    console.print(result.summary)
    if no_refresh:  # a refresh's summary names the workbook itself
        console.print(cli_messages.say("saved", path=book.resolve()))


def main() -> None:  # pragma: no cover - console entry point
    """The ``relance`` command: usage errors as one line in the user's language, never click's English."""
    from typer._click.exceptions import UsageError

    try:
        code = app(standalone_mode=False, prog_name="relance")
    except UsageError as error:
        if error.__class__.__name__ == "NoArgsIsHelpError":  # bare « relance »: the help itself
            console.print(error.format_message())
            sys.exit(0)
        command = error.ctx.command_path if error.ctx is not None else "relance"
        Console(stderr=True, soft_wrap=True).print(cli_messages.usage_error(error.format_message(), command),
                                                   markup=False, highlight=False)
        sys.exit(2)
    except typer.Abort:
        Console(stderr=True).print(cli_messages.say("aborted"))
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # python3 -m addin.cli … : the same as the relance command
    main()
