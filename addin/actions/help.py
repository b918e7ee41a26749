"""Aide : what each button does, where the guide is, and the version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

def guide_path():
    """The step-by-step guide installed with Relance (``macros/README.md``, shipped in the package)."""
    from addin.addin_build import MACROS_DIR

    return MACROS_DIR / "README.md"


BUTTONS = (
    ("Actualiser", "Calcule échéances, paiements, soldes, statuts, retards, intérêts et indemnités ; "
                   "liste les anomalies et les relances du jour."),
    ("Aperçu", "Prépare chaque message de la file (objet, texte, pièces jointes) pour relecture."),
    ("Envoyer", "Envoie chaque relance une seule fois et l'inscrit au Journal."),
    ("Revue mensuelle", "Balance âgée, DSO, profils payeurs, clients à bloquer, prévision d'encaissements."),
    ("Exporter pour le comptable", "Copie en valeurs seules, sans macros ni paramètres d'envoi."),
    ("Échéancier", "Étale la facture de la ligne active en plusieurs paiements."),
    ("Importer", "Lit vos relevés bancaires (CAMT, OFX, CFONB, CSV) : les paiements sûrs vont dans Paiements, "
                 "les autres dans la feuille Rapprochement à confirmer."),
)


@dataclass(frozen=True)
class HelpResult:
    summary: str


def run(book=None, *, today: date | None = None, **_options) -> HelpResult:
    """The help text shown by the ribbon's Aide button (it reads and writes nothing)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        current = version("relance")
    except PackageNotFoundError:  # running from a checkout that was not installed
        current = "développement"
    lines = [f"Relance {current}", ""]
    lines += [f"• {name} : {text}" for name, text in BUTTONS]
    lines += ["", f"Guide pas à pas, installé avec Relance : {guide_path()}",
              "Fonctions de cellule : =due_date(), =late_interest(), =penalty_rate(), =installments()…"]
    return HelpResult("\n".join(lines))
