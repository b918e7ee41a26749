"""VBA source as Excel would compile it, checked by an ANTLR VBA grammar (``antlr4-vba``, PyPI).

Excel compiles only the branches of ``#If … Then / #ElseIf / #Else / #End If`` whose
condition holds for the machine: ``Mac`` on a Mac, ``Win64`` on 64-bit Windows, ``VBA7``
since Office 2010, ``App`` from the module's own ``#Const``. ``branch`` keeps the lines
Excel would compile (the others become blank lines, so line numbers stay those of the
file); ``syntax_errors`` parses the result with the grammar's ``startRule``.

The grammar is the ``antlr4-vba`` package's (a Python target of the VBA grammar of
MS-VBAL); it has no preprocessor, hence ``branch``.
"""

from __future__ import annotations

import re
from functools import lru_cache

WINDOWS = {"Mac": False, "Win64": True, "Win32": True, "VBA7": True, "MAC_OFFICE_VERSION": 0}
MAC = {"Mac": True, "Win64": False, "Win32": False, "VBA7": True, "MAC_OFFICE_VERSION": 16}
PLATFORMS = {"Windows": WINDOWS, "Mac": MAC}

_IF = re.compile(r"^\s*#(If|ElseIf)\s+(.*?)\s+Then\b", re.I)
_CONST = re.compile(r'^\s*#Const\s+(\w+)\s*=\s*(".*?"|\S+)', re.I)


def _condition(text: str, constants: dict[str, object]) -> bool:
    """A ``#If`` condition (``Not``, ``And``, ``Or``, ``=``, ``<>``, ``>=``...) under ``constants``."""
    text = re.sub(r"'.*$", "", text)
    python = re.sub(r"\bNot\b", "not", text, flags=re.I)
    python = re.sub(r"\bAnd\b", "and", python, flags=re.I)
    python = re.sub(r"\bOr\b", "or", python, flags=re.I)
    python = python.replace("<>", "!=")
    python = re.sub(r"(?<![<>!=])=(?!=)", "==", python)
    names = set(re.findall(r"\b[A-Za-z_]\w*\b", re.sub(r'"[^"]*"', "", python))) - {"not", "and", "or"}
    constants = {"True": True, "False": False, **constants}
    unknown = names - set(constants)
    if unknown:
        raise ValueError(f"#If on an unknown constant: {', '.join(sorted(unknown))}")
    return bool(eval(python, {"__builtins__": {}}, dict(constants)))  # noqa: S307 — VBA constants only


def branch(source: str, platform: dict[str, object]) -> str:
    """The lines Excel compiles on ``platform`` (``WINDOWS`` or ``MAC``), others blanked."""
    constants = dict(platform)
    out: list[str] = []
    stack: list[list[bool]] = []  # [parent active, a branch already taken]
    active = True
    for line in source.splitlines():
        match = _IF.match(line)
        word = line.strip().lower()
        if match and match.group(1).lower() == "if":
            value = active and _condition(match.group(2), constants)
            stack.append([active, value])
            active = value
        elif match:
            parent, taken = stack[-1]
            value = parent and not taken and _condition(match.group(2), constants)
            stack[-1][1] = taken or value
            active = value
        elif word.startswith("#else"):
            parent, taken = stack[-1]
            active = parent and not taken
            stack[-1][1] = True
        elif word.startswith("#end if"):
            active = stack.pop()[0]
        elif word.startswith("#const"):
            const = _CONST.match(line)
            if active and const:
                value = const.group(2)
                constants[const.group(1)] = value.strip('"') if value.startswith('"') else _condition(value, constants)
        else:
            out.append(line if active else "")
            continue
        out.append("")
    if stack:
        raise ValueError("#If without #End If")
    return "\r\n".join(out) + "\r\n"


@lru_cache(maxsize=None)
def syntax_errors(source: str) -> tuple[str, ...]:
    """The grammar's complaints about ``source`` (already branched), as "line:column message"."""
    from antlr4 import CommonTokenStream, InputStream
    from antlr4.error.ErrorListener import ErrorListener
    from antlr4_vba.vbaLexer import vbaLexer
    from antlr4_vba.vbaParser import vbaParser

    class Collect(ErrorListener):
        def __init__(self):
            self.errors: list[str] = []

        def syntaxError(self, recognizer, symbol, line, column, message, error):  # noqa: N802 — ANTLR's name
            self.errors.append(f"{line}:{column} {message}")

    errors = Collect()
    lexer = vbaLexer(InputStream(source))
    lexer.removeErrorListeners()
    lexer.addErrorListener(errors)
    parser = vbaParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(errors)
    parser.startRule()
    return tuple(errors.errors)
