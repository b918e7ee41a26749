"""What the command line says around the actions: its help chrome and its usage errors, in French
(English when the register or ``LANG`` is English: ``begin``), isolated here so that every command, new ones included, says
them the same way.

typer's bundled click writes fixed English strings (« Show this message and exit. », « Missing
argument », « No such option »…). ``install`` gives the help option its words and the help
panels their titles; ``usage_error`` turns a usage error into one line in the user's language
with the command to type for help. New commands adopt them by being on ``addin.cli.app`` and
by using ``BOOK_HELP``, ``TODAY_HELP`` (and ``say``) for their own arguments.
"""

from __future__ import annotations

import os
import re
from typing import Mapping

FR, EN = "fr", "en"


def language(environ: Mapping[str, str] | None = None) -> str:
    """``en`` when the locale (LC_ALL, LC_MESSAGES, LANG, in that order) is English, else ``fr``;
    without ``environ``, ``en`` also when this run's register is English (``begin``)."""
    if environ is None:
        if _register == EN:
            return EN
        environ = os.environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = (environ.get(name) or "").strip()
        if value:
            return EN if value.lower().startswith("en") else FR
    return FR


TEXTS: dict[str, dict[str, str]] = {
    "help_option": {FR: "Affiche cette aide et quitte.", EN: "Show this help and exit."},
    "arguments": {FR: "Arguments", EN: "Arguments"},
    "options": {FR: "Options", EN: "Options"},
    "commands": {FR: "Commandes", EN: "Commands"},
    "error": {FR: "Erreur", EN: "Error"},
    "default": {FR: "[défaut : {}]", EN: "[default: {}]"},
    "required": {FR: "[obligatoire]", EN: "[required]"},
    "aborted": {FR: "Interrompu.", EN: "Aborted."},
    "usage": {FR: "Utilisation : ", EN: "Usage: "},
    "error_line": {FR: "Erreur : {message} — aide : {command} --help", EN: "Error: {message} — help: {command} --help"},
    "book": {FR: "Le classeur du registre (.xlsx ou .xlsm), tel qu'Excel l'enregistre.",
             EN: "The register workbook (.xlsx or .xlsm), as Excel saves it."},
    "today": {FR: "Date de calcul AAAA-MM-JJ (défaut : aujourd'hui). La même date donne les mêmes résultats partout.",
              EN: "Computation date YYYY-MM-DD (default: today). The same date gives the same results anywhere."},
    "written": {FR: "Fichiers écrits dans : {path}", EN: "Files written to: {path}"},
    "saved": {FR: "Classeur enregistré : {path}", EN: "Workbook saved: {path}"},
}

# Usage errors of typer's click, as (pattern, French, English): {0}, {1} are the pattern's groups.
_USAGE = (
    (r"Missing argument '(.+?)'\.?", "argument manquant : {0}", "missing argument: {0}"),
    (r"Missing option '(.+?)'\.?", "option manquante : {0}", "missing option: {0}"),
    (r"No such option: (\S+)(?: Did you mean (\S+)\?)?", "option inconnue : {0}", "no such option: {0}"),
    (r"No such command '(.+?)'\.?", "commande inconnue : {0}", "no such command: {0}"),
    (r"Option '(.+?)' requires an argument\.?", "l'option {0} attend une valeur", "option {0} needs a value"),
    (r"Got unexpected extra arguments? \((.+)\)", "argument en trop : {0}", "unexpected argument: {0}"),
    (r"Invalid value for '?(.+?)'?: (.+)", "valeur invalide pour {0} : {1}", "invalid value for {0}: {1}"),
)
_FRENCH_DETAILS = (
    (r"File '(.+?)' does not exist\.", "le fichier « {0} » n'existe pas"),
    (r"Path '(.+?)' does not exist\.", "le chemin « {0} » n'existe pas"),
    (r"File '(.+?)' is a directory\.", "« {0} » est un dossier, pas un classeur"),
    (r"'(.+?)' is not a valid integer(?: range)?\.?", "« {0} » n'est pas un nombre entier"),
)


def say(key: str, lang: str | None = None, **values: object) -> str:
    """The text ``key`` in ``lang`` (the locale's by default), filled with ``values``."""
    text = TEXTS[key][lang or language()]
    return text.format(**values) if values else text


def usage_error(message: str, command: str, lang: str | None = None) -> str:
    """One line for a usage error of the command line: what is wrong and where the help is."""
    lang = lang or language()
    text = message.strip().splitlines()[-1] if message.strip() else message
    for pattern, fr, en in _USAGE:
        m = re.fullmatch(pattern, text)
        if m:
            groups = [g or "" for g in m.groups()]
            if lang == FR:
                groups = [_french_detail(g) for g in groups]
            text = (fr if lang == FR else en).format(*groups)
            break
    text = text.rstrip(". ")
    return say("error_line", lang, message=text, command=command)


def _french_detail(text: str) -> str:
    for pattern, fr in _FRENCH_DETAILS:
        m = re.fullmatch(pattern, text.strip(), re.IGNORECASE)
        if m:
            return fr.format(*m.groups())
    return text


def install(lang: str | None = None) -> None:
    """Give typer's help its words in ``lang``: the help option's text, the panels' titles."""
    lang = lang or language()
    from typer import rich_utils
    from typer._click import decorators

    rich_utils.ARGUMENTS_PANEL_TITLE = say("arguments", lang)
    rich_utils.OPTIONS_PANEL_TITLE = say("options", lang)
    rich_utils.COMMANDS_PANEL_TITLE = say("commands", lang)
    rich_utils.ERRORS_PANEL_TITLE = say("error", lang)
    rich_utils.DEFAULT_STRING = say("default", lang)
    rich_utils.REQUIRED_LONG_STRING = say("required", lang)
    rich_utils.ABORTED_TEXT = say("aborted", lang)
    original = getattr(decorators.help_option, "__wrapped__", decorators.help_option)

    def help_option(*param_decls, **kwargs):
        decorate = original(*param_decls, **kwargs)

        def apply(f):
            result = decorate(f)
            params = getattr(result, "params", None) or getattr(result, "__click_params__", None)
            if params:
                params[-1].help = say("help_option", lang)
                params[-1].metavar = ""  # a flag: no « <bool> »
            return result
        return apply

    help_option.__wrapped__ = original
    decorators.help_option = help_option

    from typer._click import formatting
    from typer.core import TyperArgument

    write_usage = getattr(formatting.HelpFormatter.write_usage, "__wrapped__", formatting.HelpFormatter.write_usage)

    def usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, say("usage", lang) if prefix is None else prefix)

    usage.__wrapped__ = write_usage
    formatting.HelpFormatter.write_usage = usage
    display = getattr(TyperArgument.display_type_rich, "__wrapped__", TyperArgument.display_type_rich)

    def display_type(self, ctx):  # an argument with its own name (CLASSEUR) needs no « <file> »
        return None if self.metavar else display(self, ctx)

    display_type.__wrapped__ = display
    TyperArgument.display_type_rich = display_type


# --- the register's language -----------------------------------------------------------------
#
# What the user reads is in the register's language (issue 15, points 7 and 12): a register whose
# sheets carry their English names (Settings, Invoices, Payments, Plans, Scenarios: the names
# ``addin.register.schema`` knows, as the loader reads them) gets an English command line — help,
# errors and the summaries — whatever ``LANG`` says; a French one gets French unless ``LANG`` is
# English. The *Langue* setting is not the register's language: it is the clients' default language
# (what the client reads), and a French register may well write to English-speaking clients.

_register: str | None = None  # the register's language for this run, set by ``begin``


def register_language(path: "os.PathLike | str") -> str | None:
    """``en`` or ``fr`` from the workbook's sheet names (the workbook part only: no cell is read),
    ``None`` when it is no readable workbook or its names tell neither."""
    import zipfile
    from xml.etree import ElementTree

    try:
        with zipfile.ZipFile(path) as archive:
            part = next((n for n in archive.namelist() if n.lower().endswith("workbook.xml")), None)
            if part is None:
                return None
            root = ElementTree.fromstring(archive.read(part))
    except (OSError, zipfile.BadZipFile, ElementTree.ParseError, KeyError, ValueError):
        return None
    return names_language([el.get("name", "") for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "sheet"])


def names_language(names: "list[str]") -> str | None:
    """``en`` when more of the register's sheets carry their English name than their French one,
    ``fr`` when the French ones win, ``None`` when no name tells."""
    from addin.register import schema

    fr = en = 0
    for sheet in (schema.PARAMETRES, schema.FACTURES, schema.PAIEMENTS, schema.ECHEANCIERS, schema.SCENARIOS):
        found = schema.find_sheet(names, sheet)
        if found is None or schema.normalize(sheet.fr) == schema.normalize(sheet.en):
            continue
        if schema.normalize(found) == schema.normalize(sheet.en):
            en += 1
        elif schema.normalize(found) == schema.normalize(sheet.fr):
            fr += 1
    return EN if en > fr else FR if fr else None


def begin(group, argv: "list[str] | None") -> str:
    """Before a command line is parsed: its language (the register named on it, else ``LANG``),
    typer's words in it, and, in English, every command's help in English. Returns the language."""
    import sys

    global _register
    _register = None
    for arg in (sys.argv[1:] if argv is None else argv):
        if isinstance(arg, str) and arg.lower().endswith((".xlsx", ".xlsm")) and os.path.isfile(arg):
            _register = register_language(arg)
            break
    lang = language()
    install(lang)
    if lang == EN:
        english_help(group)
    name_params(group, lang)
    return lang


# The placeholder of each parameter without one of its own (never click's « <file> », « <str> »,
# « <list[Path]> » nor an English argument name in French help), by parameter name.
_METAVARS = {
    "book": ("CLASSEUR", "BOOK"), "directory": ("DOSSIER", "FOLDER"), "out": ("FICHIER", "FILE"),
    "invoice": ("FACTURE", "INVOICE"), "files": ("RELEVÉS", "STATEMENTS"), "xlam": ("FICHIER_XLAM", "XLAM_FILE"),
    "sources": ("FICHIER", "FILE"), "today": ("AAAA-MM-JJ", "YYYY-MM-DD"), "first": ("AAAA-MM-JJ", "YYYY-MM-DD"),
    "month": ("AAAA-MM", "YYYY-MM"), "count": ("N", "N"), "months": ("N", "N"),
}


def name_params(group, lang: str) -> None:
    """Give every parameter without a placeholder its placeholder in ``lang`` (``_METAVARS``), and
    the group's usage its words (« COMMANDE [ARGUMENTS]... »)."""
    if lang == FR:
        group.subcommand_metavar = "COMMANDE [ARGUMENTS]..."
    for command in getattr(group, "commands", {}).values():
        for param in command.params:
            names = _METAVARS.get(param.name)
            if names and not getattr(param, "metavar", None) and not getattr(param, "is_flag", False):
                param.metavar = names[0 if lang == FR else 1]


# Each command's help in English: "" is the command's own text, the others its parameters'.
HELP_EN: dict[str, dict[str, str]] = {
    "": {"": "Relance: your invoices and your reminders, in your Excel workbook."},
    "demo": {"": "Write a demonstration register (40 clients, 300+ invoices), refresh it and sum it up.",
             "directory": "Folder where the demonstration workbook is written."},
    "refresh": {"": "Refresh: due dates, payments, balances, days late, interest, recovery fees, reminders, problems."},
    "preview": {"": "Preview: every message of the queue rendered as files to open, and a summary table.",
                "out": "Folder of the previews (default: « Aperçu relances/<date>/ » beside the workbook)."},
    "send": {"": "Send: sends each reminder exactly once and records it in the Journal.\n\n"
                 "Mail server: Settings (SMTP server, SMTP port, SMTP user, SMTP security) or the environment "
                 "variables RELANCE_SMTP_HOST, RELANCE_SMTP_PORT, RELANCE_SMTP_USER, RELANCE_SMTP_PASSWORD (the "
                 "password, never in the workbook; else the system keyring) and RELANCE_SMTP_SECURITY (starttls, "
                 "ssl or none). Without a server: .eml drafts in « Boîte d'envoi/<date>/ », to send from your "
                 "mail software.",
             "outbox": "Folder of the .eml drafts when no SMTP server is configured.",
             "new_history": "Send log not found (workbook copied from another computer): start a new history, "
                            "decided by you (see docs/sending.md)."},
    "review": {"": "Monthly review: aged balance, DSO, payer profiles, accounts to block, cash-in forecast.",
               "month": "Month reviewed, YYYY-MM (default: the last month)."},
    "export": {"": "Export for the accountant: a values-only copy, without macros or SMTP settings.",
               "out": "The .xlsx file to write for the accountant."},
    "plan": {"": "Payment plan: adds a plan in N instalments for an invoice to the Plans sheet.",
             "invoice": "Number of the invoice to spread.", "count": "Number of instalments.",
             "first": "First instalment YYYY-MM-DD (default: in a month).", "months": "Months between two instalments."},
    "build-addin": {"": "Build the Excel add-in relance.xlam (« Relance » ribbon, macros, functions).",
                    "out": "The .xlam file to write."},
    "install-addin": {"": "Install the add-in in Excel (Windows, macOS).",
                      "xlam": "The .xlam (default: built on the fly)."},
    "new": {"": "New register from the template, filled from a FEC or e-invoices, then refreshed.",
            "book": "The workbook to create (.xlsx).",
            "sources": "FEC or e-invoices (Factur-X, CII, UBL) to import; may be repeated."},
    "version": {"": "Show Relance's version."},
    "import": {"": "Import bank statements: matched payments go to Payments, the rest to the Rapprochement sheet.",
               "book": "The workbook (.xlsx / .xlsm).",
               "files": "Statements: CAMT .xml, OFX / QFX, CFONB 120, the bank's CSV.",
               "no_refresh": "Do not refresh the workbook after the import (very large registers)."},
}
_METAVARS_EN = {"CLASSEUR": "BOOK", "AAAA-MM-JJ": "YYYY-MM-DD", "DOSSIER": "FOLDER"}
_COMMON_EN = {"book": TEXTS["book"][EN], "today": TEXTS["today"][EN]}


def english_help(group) -> None:
    """Put ``HELP_EN`` on the click commands of this run (built anew by typer at each run)."""
    group.help = HELP_EN[""][""]
    for name, command in getattr(group, "commands", {}).items():
        texts = HELP_EN.get(name, {})
        if "" in texts:
            command.help = texts[""]
            command.short_help = None
        for param in command.params:
            text = texts.get(param.name) or _COMMON_EN.get(param.name)
            if text and hasattr(param, "help"):
                param.help = text
            if getattr(param, "metavar", None) in _METAVARS_EN:
                param.metavar = _METAVARS_EN[param.metavar]


# The summaries' words in English, phrase by phrase (longest first where they overlap). Lines the
# table does not know stay as the action wrote them: a problem's own message is French, as in the
# Problems sheet (the engine speaks French).
_SUMMARY_EN: tuple[tuple[str, str], ...] = (
    # refresh
    (r"^Actualisé au (\S+) : ", r"Refreshed as of \1: "), (r"^Actualisé au (\S+)$", r"Refreshed as of \1"),
    (r"^  Reste dû          ", "  Balance due       "),
    (r"\(avoirs non déduits : ", "(credit notes not deducted: "),
    (r"^  dont échu         ", "  of which overdue  "),
    (r"\blitiges ", "disputed "), (r"\bpromesses ", "promised "),
    (r"^  Intérêts de retard ", "  Late interest     "),
    (r"facture\(s\) dont le taux manque : voir ", "invoice(s) whose rate is missing: see "),
    (r"^  Indemnités \(40 €\) ", "  Recovery fees (40 €) "),
    (r"^  Échéance inconnue ", "  Unknown due date  "),
    (r"facture\(s\) à corriger : voir ", "invoice(s) to fix: see "),
    (r"^  Relances du jour  ", "  Reminders today   "),
    (r"^  Anomalies         ", "  Problems          "),
    (r"erreur\(s\)", "error(s)"), (r"avertissement\(s\)", "warning(s)"),
    (r"— voir la feuille (\S+)", r"— see the \1 sheet"),
    # preview
    (r"^Client\s+Étape\s+Canal\s+Destinataires\s+Total\s+Statut$", lambda m: _header_en(m.group(0))),
    (r"^Aucune relance à faire aujourd'hui\.", "No reminder due today."),
    (r"^Fichiers écrits dans : ", "Files written to: "),
    (r"\bà envoyer$", "to send"), (r"\bà appeler$", "to call"),
    # send
    (r"^Envoi : aucune relance à faire aujourd'hui\.", "Sending: no reminder due today."),
    (r"^Envoi : ", "Sending: "),
    (r"\bbrouillons préparés\b", "drafts prepared"), (r"\bbrouillon préparé\b", "draft prepared"),
    (r"\benvoyés partiellement\b", "partly sent"), (r"\benvoyé partiellement\b", "partly sent"),
    (r"\bnon envoyés?\b", "not sent"), (r"\béchecs définitifs\b", "permanent failures"),
    (r"\béchec définitif\b", "permanent failure"), (r"\béchecs\b", "failures"), (r"\béchec\b", "failure"),
    (r"\bcourriers? à envoyer\b", "letter(s) to post"), (r"\benvoyés\b", "sent"), (r"\benvoyé\b", "sent"),
    (r"\bà vérifier\b", "to check"), (r"(\d+) à appeler\b", r"\1 to call"), (r"\bignorées?\b", "skipped"),
    (r"\breportées?\b", "postponed"),
    (r"^Brouillons \(pas de serveur d'envoi\) : ", "Drafts (no mail server): "),
    (r"^  Ouvrez chacun dans votre messagerie.*",
     "  Open each one in your mail software and send it today; Relance counts it as done from today. Once "
     "sent, write « envoyé » in the Résultat column of the Journal (or « à renvoyer » to prepare it again)."),
    (r"^Lettres à imprimer et envoyer en recommandé avec AR :",
     "Letters to print and send by registered post with acknowledgement of receipt:"),
    (r"lettre à envoyer en LRAR : ", "letter to post by registered mail: "),
    (r"^Envoi arrêté : ", "Sending stopped: "),
    (r"^Journal d'envoi : ", "Send log: "),
    # review
    (r"^Revue au (\S+) écrite dans la feuille ([^\s.]+)", r"Review as of \1 written to the \2 sheet"),
    (r"(\d+) lignes? de (\S+) en erreur, comptées? nulle part : voir (\S+)", r"\1 row(s) of \2 in error, counted nowhere: see \3"),
    (r" \(mois en cours : projetée au (\S+)\)", r" (current month: projected to \1)"),
    (r"^  Non lues          ", "  Unread            "),
    (r"^  Balance âgée      (.*) \(total, avoirs déduits\)", r"  Aged balance      \1 (total, credit notes deducted)"),
    (r"^  DSO               (.*) jours$", r"  DSO               \1 days"),
    (r"^  À bloquer         (\d+) client\(s\)", r"  To block          \1 client(s)"),
    (r"\bNon échu\b", "Not due"), (r"(\d) j\b", r"\1 d"),
    # export
    (r"^Copie pour le comptable : ", "Copy for the accountant: "),
    (r"^  valeurs seules, sans macros ni formules, avec le détail des intérêts par facture",
     "  values only, no macros or formulas, with the interest detail per invoice"),
    (r"^  chiffres au (\S+) : date du dernier calcul du registre \(Actualiser, Aperçu ou Envoyer\)",
     r"  figures as of \1: date of the register's last computation (Refresh, Preview or Send)"),
    (r"^  chiffres au (\S+) : date demandée", r"  figures as of \1: date asked for"),
    (r"^  chiffres au (\S+) : aucun calcul enregistré dans le registre : date de la copie",
     r"  figures as of \1: no computation recorded in the register: date of the copy"),
    (r"^  paramètres retirés : ", "  settings removed: "),
    (r"^  feuilles non copiées : ", "  sheets not copied: "),
    (r"^  cellules vidées \(secrets\) : ", "  cells blanked (secrets): "),
    # plan
    (r"^Plan (\S+) ajouté pour la facture (\S+) \((.*)\) :$", r"Plan \1 added for invoice \2 (\3):"),
    (r"^  (.+) : (.+) le (\d\d/\d\d/\d{4})$", r"  \1: \2 on \3"),
    (r"^Les relances de cette facture suivront ces dates dès le prochain « Actualiser »\.",
     "This invoice's reminders will follow these dates from the next « Refresh »."),
    # import
    (r"^Relevés : (\d+) opération\(s\) lue\(s\)", r"Statements: \1 transaction(s) read"),
    (r", dont (\d+) déjà connue\(s\) : rien d'ajouté pour elles", r", \1 already known: nothing added for them"),
    (r"^(.+) : (\S+), (\d+) opération\(s\)$", r"\1: \2, \3 transaction(s)"),
    (r"^Soldes, statuts, relances et Anomalies ne sont pas encore à jour.*",
     "Balances, statuses, reminders and problems are not up to date yet: click « Actualiser » (relance refresh)."),
    # demo
    (r"^Classeur de démonstration : ", "Demonstration workbook: "),
    (r"^  (\d+) clients, (\d+) factures et avoirs, (\d+) paiements, (\d+) étapes d'échéanciers",
     r"  \1 clients, \2 invoices and credit notes, \3 payments, \4 plan instalments"),
    (r"^Erreurs glissées exprès dans la démo.*",
     "Errors planted on purpose in the demo, to show how Relance reports them (Anomalies sheet):"),
    (r"^Ensuite :$", "Next:"),
    (r"^    les messages du jour, en fichiers dans « Aperçu relances »", "    the day's messages, as files in « Aperçu relances »"),
    (r"^    sans serveur SMTP : des brouillons \.eml dans « Boîte d'envoi »",
     "    without an SMTP server: .eml drafts in « Boîte d'envoi »"),
    (r"^    la revue mensuelle", "    the monthly review"),
    # any command
    (r"^Erreur : ", "Error: "),
    (r"^Classeur enregistré : ", "Workbook saved: "),
    (r"^Registre créé : ", "Register created: "),
    (r"^Complément écrit : ", "Add-in written: "),
    (r"^Complément installé : ", "Add-in installed: "),
)
_COMPILED = tuple((re.compile(p), r) for p, r in _SUMMARY_EN)
_MONEY_FR = re.compile(r"(-?\d{1,3}(?:[\u202f\u00a0 ]\d{3})*),(\d{2})[\u202f\u00a0 ]€")


def english(text: str) -> str:
    """A French summary in English: each line's known phrases, and amounts as « €1,234.56 »."""
    out = []
    for line in text.split("\n"):
        for pattern, replacement in _COMPILED:
            line = pattern.sub(replacement, line)
        line = _MONEY_FR.sub(_money_en, line)
        out.append(line)
    return "\n".join(out)


_HEADERS_EN = {"Client": "Client", "Étape": "Step", "Canal": "Channel", "Destinataires": "Recipients",
               "Total": "Total", "Statut": "Status"}


def _header_en(line: str) -> str:
    """The preview table's header in English, each title in its column's width."""
    parts = re.findall(r"(\S+)(\s*)", line)
    return "".join(_HEADERS_EN[w] + " " * (max(2, len(w) + len(s) - len(_HEADERS_EN[w])) if s else 0)
                   for w, s in parts)


def _money_en(m: "re.Match[str]") -> str:
    digits = re.sub(r"[\u202f\u00a0 ]", "", m.group(1))
    negative = digits.startswith("-")
    text = ("-" if negative else "") + f"€{int(digits.lstrip('-')):,}.{m.group(2)}"
    # In a table (two spaces follow), the column keeps its width.
    return text.ljust(len(m.group(0))) if m.string[m.end():m.end() + 2] == "  " else text


def for_user(text: str) -> str:
    """What the command line prints: ``text`` in this run's language."""
    return english(text) if language() == EN and isinstance(text, str) else text


def console(**options):
    """A rich console that prints every text in this run's language (``for_user``)."""
    from rich.console import Console
    from rich.text import Text

    class UserConsole(Console):
        def print(self, *objects, **kwargs):
            if language() == EN:
                objects = tuple(for_user(o) if isinstance(o, str)
                                else Text(english(o.plain)) if isinstance(o, Text) and english(o.plain) != o.plain
                                else o for o in objects)
            super().print(*objects, **kwargs)

    return UserConsole(**options)


def for_book(book: object):
    """How to word a summary for a message box in Excel (the ribbon): ``english`` when the
    workbook is an English register (its sheet names), else the text as written. Excel's own
    language is not asked."""
    names = getattr(book, "sheet_names", None)
    try:
        english_book = callable(names) and names_language(list(names())) == EN
    except Exception:  # noqa: BLE001 - a book that cannot say its sheets: the text as written
        english_book = False
    return english if english_book else (lambda text: text)
