"""The ribbon's door: what a click on a Relance button runs.

Every button of the Relance tab calls the VBA dispatcher
``RelanceRibbon.OnRelanceButton``, which runs
``RunPython "import addin.ribbon; addin.ribbon.run('<tag>')"``. ``run`` opens the
workbook that was active when the button was clicked and hands it to the
action registered for the tag in ``addin.actions.ACTIONS``.

A Python error must never reach Marie as an English traceback: ``dispatch``
catches it, writes the traceback to a log file and shows a French message
naming that file.
"""

from __future__ import annotations

import importlib
import os
import tempfile
import traceback
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Sequence

from addin.actions import ACTIONS

TITLE = "Relance"
Alert = Callable[[str, str], None]  # (message, title)


def log_path() -> Path:
    """Where tracebacks go: ~/.relance/relance.log (the temp folder if home cannot be written)."""
    override = os.environ.get("RELANCE_LOG")
    if override:
        return Path(override)
    return Path.home() / ".relance" / "relance.log"


def write_log(text: str, path: Path | None = None) -> Path:
    """Append ``text`` to the log with a timestamp; returns the file actually written."""
    entry = f"--- {datetime.now().isoformat(timespec='seconds')}\n{text}\n"
    for candidate in (path or log_path(), Path(tempfile.gettempdir()) / "relance.log"):
        try:
            candidate.parent.mkdir(parents=True, exist_ok=True)
            with candidate.open("a", encoding="utf-8") as log:
                log.write(entry)
            return candidate
        except OSError:
            continue
    return path or log_path()


def summary_of(result: object) -> str | None:
    """The text to show after an action: the result itself if text, else its ``box`` (a
    summary written for a message box) when it has one, else its ``summary``."""
    if isinstance(result, str):
        return result
    box = getattr(result, "box", None)
    if isinstance(box, str) and box:
        return box
    summary = getattr(result, "summary", None)
    return summary if isinstance(summary, str) else None


def end_progress(book: object) -> None:
    """Give Excel's status bar back (``LiveBook.end_progress``); a file book has none.

    An action leaves its last progress text on the bar ("… (100 %)"), and only xlwings'
    macOS clean-up resets it: the dispatcher clears it after every action, success or
    failure. Never raises: clearing the bar must not hide the action's own outcome.
    """
    end = getattr(book, "end_progress", None)
    if callable(end):
        try:
            end()
        except Exception:  # noqa: BLE001 — Excel gone or busy: nothing left to clear
            pass


def _user_message(error: BaseException) -> str:
    # BookError and the engine's ValueErrors carry a French message meant for the user.
    text = str(error).strip()
    return text or type(error).__name__


def dispatch(
    tag: str,
    book: object,
    *,
    today: date,
    alert: Alert,
    log: Path | None = None,
    load: Callable[[str], object] = importlib.import_module,
    paths: Sequence[str] | None = None,
) -> object | None:
    """Run the action of ``tag`` on ``book`` and tell the user how it went.

    Args:
        tag: a ribbon button's tag, a key of ``ACTIONS``.
        book: the workbook (``addin.books.base.Book``).
        today: the date the action treats as today.
        alert: shows a message box, ``alert(message, title)``.
        log: the log file for tracebacks (default ``log_path()``).
        load: imports a module by name (injected by tests).
        paths: the files chosen in Excel's file dialog (button « Importer »), passed on
            to the action as ``paths=``; None for the buttons that ask for none.

    Returns:
        The action's result, or None when it failed (the user was told why).
    """
    module_name = ACTIONS.get(tag)
    if module_name is None:
        known = ", ".join(sorted(ACTIONS))
        alert(f"Bouton inconnu : « {tag} ». Boutons prévus : {known}. "
              "Le complément Relance et sa version Python ne correspondent pas : "
              "reconstruisez-le (relance build-addin) et réinstallez-le.", TITLE)
        return None
    refusal = not_a_register(tag, book)
    if refusal:  # before the lock: nothing is written beside a file that is not a register
        alert(refusal, TITLE)
        return None
    from addin.cli_messages import for_book  # an English register reads its summary in English

    in_its_language = for_book(book)  # asked before the action: Excel's status bar is given back last
    try:
        try:
            action = load(module_name)
            options = {"today": today} if paths is None else {"today": today, "paths": list(paths)}
            from addin.actions.lock import command_lock  # one lock per workbook, as for the CLI

            with command_lock(book, tag=tag):
                result = action.run(book, **options)
        finally:
            end_progress(book)  # before any box: Excel's status bar is given back whatever happened
    except Exception as error:  # every failure becomes a readable box, never a traceback
        written = write_log(f"action {tag} ({module_name})\n{traceback.format_exc()}", log)
        alert(f"L'action « {tag} » n'a pas abouti.\n\n{_user_message(error)}\n\n"
              f"Le détail technique est enregistré dans le fichier :\n{written}", TITLE)
        return None
    summary = summary_of(result)
    if summary:
        alert(in_its_language(summary), TITLE)
    return result


def not_a_register(tag: str, book: object) -> str | None:
    """The command line's refusal (``addin.register.recognize``) of a workbook that is not a
    register, for every button but Aide: the same French line, or None for a register. A book
    that cannot say its sheets is left to the action, which reports why."""
    from addin.actions.lock import READS_NOTHING
    from addin.books.base import BookError
    from addin.register.recognize import check_register

    names = getattr(book, "sheet_names", None)
    if tag in READS_NOTHING or not callable(names):
        return None
    path = getattr(book, "path", None)
    try:
        check_register(names(), Path(str(path)).name if path else "Ce classeur")
    except BookError as error:
        return str(error)
    except Exception:  # noqa: BLE001 — Excel busy or gone: the action meets it and says so
        return None
    return None


def _excel_alert(book) -> Alert:
    def alert(message: str, title: str) -> None:
        app = getattr(getattr(book, "app", None), "alert", None)
        if app is None:
            import xlwings as xw

            app = xw.apps.active.alert
        app(message, title=title)

    return alert


def whole_text(text: str) -> str:
    """A text as VBA sent it: ``RelanceRibbon.PythonText`` writes every character outside
    ASCII as ``\\uXXXX`` UTF-16 code units, so a character beyond U+FFFF arrives as two
    surrogates, joined back here."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def run(tag: str, paths: Sequence[str] | None = None) -> None:
    """RunPython entry point: run the action of ``tag`` on the calling workbook.

    ``paths``: the files chosen in Excel's file dialog (button « Importer »).
    """
    import xlwings as xw

    from addin.books.base import BookError

    caller = None
    try:
        caller = xw.Book.caller()
        from addin.books.live import LiveBook  # imported here: Excel opens faster

        book = LiveBook(caller)
    except BookError as error:  # e.g. a synced workbook whose local copy cannot be found
        written = write_log(f"ouverture du classeur pour {tag}\n{traceback.format_exc()}")
        _excel_alert(caller)(f"{error}\n\nDétail : {written}", TITLE)
        return
    except Exception:
        written = write_log(f"ouverture du classeur pour {tag}\n{traceback.format_exc()}")
        _excel_alert(caller)("Relance n'a pas pu lire le classeur actif. Ouvrez votre registre de factures, "
              f"cliquez dans une de ses feuilles puis réessayez.\n\nDétail : {written}", TITLE)
        return
    chosen = None if paths is None else [whole_text(p) for p in paths]
    dispatch(tag, book, today=date.today(), alert=_excel_alert(caller), paths=chosen)
