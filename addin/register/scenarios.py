"""The ``Scénarios`` sheet: reminder calendars per client profile.

Each row is one ``Step``. A scenario named in the sheet replaces the shipped one
of the same name; shipped scenarios the sheet does not name stay available
(``addin.core.dunning.DEFAULT_SCENARIOS``). An empty or missing sheet means the
shipped scenarios. A bad row is left out with a ``Problem`` naming its cell.

Blank cells: ``Modèle`` defaults to ``appel`` for a call and ``mise_en_demeure``
for a formal notice (an e-mail or a letter must name its template);
``Écart minimum (jours)`` defaults to 0; ``Relances préalables minimum`` to 0,
except for a formal notice: 3, the seed practice (LAW.md §7).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Mapping, Sequence

from addin.books.base import Book, SheetData
from addin.core.dunning import DEFAULTS, TEMPLATES, by_scenario
from addin.core.model import Channel, Problem, Severity, Step
from addin.register import schema

SHEET = schema.SCENARIOS.fr

_CHANNELS = {
    "e mail": Channel.EMAIL, "email": Channel.EMAIL, "mail": Channel.EMAIL, "courriel": Channel.EMAIL,
    "appel": Channel.PHONE, "telephone": Channel.PHONE, "phone": Channel.PHONE, "call": Channel.PHONE,
    "phone call": Channel.PHONE,
    "courrier": Channel.LETTER, "lettre": Channel.LETTER, "letter": Channel.LETTER,
    "mise en demeure": Channel.FORMAL_NOTICE, "formal notice": Channel.FORMAL_NOTICE, "med": Channel.FORMAL_NOTICE,
}
_DEFAULT_TEMPLATE = {Channel.PHONE: "appel", Channel.FORMAL_NOTICE: "mise_en_demeure"}
NOTICE_MIN_PREVIOUS = 3


def parse_channel(text: object) -> Channel | None:
    return _CHANNELS.get(schema.normalize(text))


def load_scenarios(book: Book, templates: frozenset[str] = TEMPLATES) -> tuple[dict[str, tuple[Step, ...]], list[Problem]]:
    """Read the ``Scénarios`` sheet (FR or EN name) into scenario name -> steps."""
    name = schema.find_sheet(book.sheet_names(), schema.SCENARIOS)
    if name is None:
        return dict(DEFAULTS), []
    return scenarios_from_sheet(book.read_sheet(name), templates)


def scenarios_from_sheet(data: SheetData, templates: frozenset[str] = TEMPLATES) -> tuple[dict[str, tuple[Step, ...]], list[Problem]]:
    if not any(any(v not in (None, "") for v in row) for row in data.rows):
        return dict(DEFAULTS), []
    header = schema.locate_header(data, schema.SCENARIOS)
    if header.row is None:
        return dict(DEFAULTS), [Problem(
            data.name, None, None, None,
            "la feuille Scénarios n'a pas de ligne d'en-tête reconnue : les scénarios livrés sont utilisés",
            "Remettez les en-têtes Scénario, Étape, Jours après échéance, Canal, Modèle.",
            severity=Severity.WARNING, code="scenarios.no_header",
        )]
    missing = [schema.SCENARIOS.column(k).fr for k in header.missing_required]
    if missing:
        return dict(DEFAULTS), [Problem(
            data.name, header.row, None, None,
            f"colonnes manquantes : {', '.join(missing)} ; les scénarios livrés sont utilisés",
            "Ajoutez ces colonnes à la feuille Scénarios.", code="scenarios.missing_columns",
        )]
    rows = [(header.row + 1 + i, row) for i, row in enumerate(data.rows[header.row:])]
    return scenarios_from_rows(rows, header.columns, data.name, templates)


def scenarios_from_rows(
    rows: Sequence[tuple[int, Sequence[object]]], columns: Mapping[str, int], sheet: str = SHEET,
    templates: frozenset[str] = TEMPLATES,
) -> tuple[dict[str, tuple[Step, ...]], list[Problem]]:
    """Rows (1-based row number, values) with ``columns`` (key -> 1-based index) into scenarios.

    Returns the shipped scenarios updated with those of the rows, and the problems.
    """
    problems: list[Problem] = []
    steps: list[Step] = []
    seen: set[tuple[str, str]] = set()

    def cell(row: Sequence[object], key: str) -> object:
        index = columns.get(key)
        if index is None or index > len(row):
            return None
        value = row[index - 1]
        return value.strip() if isinstance(value, str) else value

    def bad(row_number: int, key: str, value: object, message: str, fix: str) -> None:
        problems.append(Problem(sheet, row_number, schema.SCENARIOS.column(key).fr, value, message, fix,
                                code=f"scenarios.{key}"))

    for row_number, row in rows:
        if all(v in (None, "") or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        scenario, name = cell(row, "scenario"), cell(row, "step")
        if not scenario:
            bad(row_number, "scenario", scenario, "nom de scénario manquant", "Indiquez le scénario, ex. « Professionnel ».")
            continue
        if name in (None, ""):
            bad(row_number, "step", name, "nom d'étape manquant", "Donnez un nom stable à l'étape, ex. « J+7 ».")
            continue
        scenario, name = str(scenario), str(name)
        offset = _int(cell(row, "offset_days"))
        if offset is None:
            bad(row_number, "offset_days", cell(row, "offset_days"), "nombre de jours illisible",
                "Écrivez un nombre entier de jours après l'échéance (négatif : avant), ex. 7 ou -10.")
            continue
        raw_channel = cell(row, "channel")
        channel = parse_channel(raw_channel)
        if channel is None:
            bad(row_number, "channel", raw_channel, f"canal inconnu « {raw_channel or ''} »",
                "Choisissez E-mail, Appel, Courrier ou Mise en demeure.")
            continue
        template = str(cell(row, "template") or "") or _DEFAULT_TEMPLATE.get(channel, "")
        if template not in templates:
            bad(row_number, "template", template or None,
                f"modèle inconnu « {template} »" if template else "modèle manquant",
                "Choisissez un modèle du dossier mail_templates : " + ", ".join(sorted(templates)) + ".")
            continue
        gap = _int(cell(row, "min_gap_days"), default=0)
        previous = _int(cell(row, "min_previous"),
                        default=NOTICE_MIN_PREVIOUS if channel == Channel.FORMAL_NOTICE else 0)
        if gap is None or gap < 0:
            bad(row_number, "min_gap_days", cell(row, "min_gap_days"), "écart minimum illisible",
                "Écrivez un nombre entier de jours positif, ou laissez vide.")
            continue
        if previous is None or previous < 0:
            bad(row_number, "min_previous", cell(row, "min_previous"), "nombre de relances illisible",
                "Écrivez un nombre entier positif, ou laissez vide.")
            continue
        if (scenario, name) in seen:
            bad(row_number, "step", name, f"étape « {name} » en double dans le scénario « {scenario} »",
                "Donnez un nom différent à chaque étape d'un scénario.")
            continue
        seen.add((scenario, name))
        steps.append(Step(scenario, name, offset, channel, template, min_gap_days=gap, min_previous=previous))

    result = dict(DEFAULTS)
    result.update(by_scenario(steps))
    return result, problems


def _int(value: object, default: int | None = None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip().replace(",", ".").replace("J", "").replace("j", ""))
    except InvalidOperation:
        return None
    if number != number.to_integral_value():
        return None
    return int(number)
