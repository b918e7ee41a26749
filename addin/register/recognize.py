"""Whether a workbook is a register at all: Relance never writes into one that is not.

A register holds at least one of the sheets a person types in (*Paramètres*, *Clients*,
*Factures*, *Paiements*, *Échéanciers*, *Scénarios*, *Journal*, French or English). A
workbook with none of them is some other file the command was pointed at by mistake:
it is refused before anything is read from it or written into it.
"""

from __future__ import annotations

from addin.books.base import BookError
from addin.register import schema


def register_sheets(names: list[str]) -> list[str]:
    """The register's own (typed) sheets among ``names``."""
    return [found for sheet in schema.SHEETS if sheet.kind != "generated"
            if (found := schema.find_sheet(names, sheet)) is not None]


def check_register(names: list[str], file_name: str) -> None:
    """Raise ``BookError`` when a workbook with sheets ``names`` holds none of the register's sheets."""
    if register_sheets(names):
        return
    shown = ", ".join(f"« {n} »" for n in names[:5]) + (" …" if len(names) > 5 else "")
    raise BookError(f"« {file_name} » n'est pas un registre Relance (aucune des feuilles Factures, Clients, "
                    f"Paiements, Paramètres… ; feuilles : {shown or 'aucune'}) : Relance ne l'a pas modifié.",
                    "Pour commencer un registre, copiez workbook_template.xlsx (fourni avec Relance, ou "
                    "« relance demo » pour un exemple rempli) et saisissez-y vos factures.")
