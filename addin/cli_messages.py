"""What the command line says around the actions: its help chrome and its usage errors, in French
(English when ``LANG`` says so), isolated here so that every command, new ones included, says
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


def language(environ: Mapping[str, str] = os.environ) -> str:
    """``en`` when the locale (LC_ALL, LC_MESSAGES, LANG, in that order) is English, else ``fr``."""
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
