"""The spreadsheet's own way: the same register with native formulas, recalculated by LibreOffice.

One sheet, one row per invoice of the register (credit notes left out), the formulas
a person would type: the due date by the terms' kind (``=A+N``, ``=EOMONTH(A+N;0)``,
``=EOMONTH(A;0)+N``, the « le J » form with ``DATE``/``MIN``, ``=IF(D="";A;D)+30``), the
days late (``=MAX(0;IF(G="";today;G)-due)``, with the date the invoice was settled
typed as a value, as Relance's allocation found it) and the late interest as SIMPLE
interest on the whole TTC amount at ONE rate (``=E*rate*days/365``, the rate of the
half-year of ``today``): no half-year split, no reduced base after a partial payment,
no public or consumer rules. Relance does all of that and more (allocation, status,
indemnity, breakdown) in the time it is compared with.

openpyxl writes formulas without cached values, so LibreOffice computes every formula
on load (``soffice --headless --convert-to xlsx`` with a private profile). The same
sheet written with values instead of formulas is converted too: the difference is
the recalculation, load and save excluded.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import openpyxl

from addin.core.due_dates import parse_terms

_EPOCH = date(1899, 12, 30)  # Excel's (and LibreOffice's) day 0 in the 1900 system


def _due_formula(kind: str, n: int, j: int | None, r: int) -> str:
    a = f"A{r}"
    return {
        "receipt": f"={a}",
        "days": f"={a}+{n}",
        "days_eom": f"=EOMONTH({a}+{n},0)",
        "eom_days": f"=EOMONTH({a},0)+{n}",
        "days_eom_on": (f"=DATE(YEAR(EOMONTH({a}+{n},0)+1),MONTH(EOMONTH({a}+{n},0)+1),"
                        f"MIN({j},DAY(EOMONTH(EOMONTH({a}+{n},0)+1,0))))"),
        "delivery_days": f"=D{r}+{n}",
        "legal_default": f'=IF(D{r}="",{a},D{r})+30',
    }[kind]


def write(register, ledger, today: date, rate, path: Path, formulas: bool = True) -> int:
    """The comparison sheet (formulas, or their values as Relance computed them); returns its rows."""
    clients = {c.code: c for c in register.clients}
    out = openpyxl.Workbook(write_only=True)
    ws = out.create_sheet("Factures")
    ws.append(["Date facture", "Conditions", "N° facture", "Date livraison", "Montant TTC", "Taux", "Soldée le",
               "Échéance", "Jours de retard", "Intérêts (simple)", "Aujourd'hui", today])
    rows = 0
    for state in ledger.states:
        inv = state.invoice
        if inv.amount_ttc <= 0 or state.due is None:
            continue
        text = inv.terms or clients[inv.client].terms or register.settings.default_terms
        terms = parse_terms(text)
        r = rows + 2
        paid_on = state.paid_on
        if formulas:
            due = _due_formula(terms.kind, terms.days, terms.day_of_month, r)
            late = f'=MAX(0,IF(G{r}="",$L$1,G{r})-H{r})'
            interest = f"=ROUND(E{r}*F{r}*I{r}/365,2)"
        else:
            due = state.due
            late = max(0, ((paid_on or today) - state.due).days)
            interest = round(float(inv.amount_ttc) * float(rate) * late / 365, 2)
        ws.append([inv.issued, text, inv.number, inv.delivered, float(inv.amount_ttc), float(rate), paid_on,
                   due, late, interest])
        rows += 1
    out.save(path)
    return rows


def convert(path: Path, out_dir: Path, profile: Path) -> float:
    """Seconds LibreOffice headless takes to open ``path`` (recalculating it) and save it as xlsx."""
    t0 = time.perf_counter()
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--calc",
                    "--convert-to", "xlsx", "--outdir", str(out_dir), str(path)],
                   check=True, capture_output=True, timeout=3600)
    return time.perf_counter() - t0


def compare(register, ledger, today: date, rate, repeat: int = 1) -> dict:
    """Convert the formula sheet and its values-only twin; check LibreOffice's due dates."""
    if shutil.which("soffice") is None:
        return {"skipped": "soffice introuvable"}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        profile = folder / "profile"
        formulas, values = folder / "formulas.xlsx", folder / "values.xlsx"
        rows = write(register, ledger, today, rate, formulas, formulas=True)
        write(register, ledger, today, rate, values, formulas=False)
        convert(values, folder / "warm", profile)  # first start creates the profile: not timed
        with_formulas, with_values = [], []
        for _ in range(repeat):
            with_values.append(convert(values, folder / "v", profile))
            with_formulas.append(convert(formulas, folder / "f", profile))
        checked = _check(folder / "f" / "formulas.xlsx", ledger)
    return {"rows": rows, "formulas": with_formulas, "values": with_values, **checked}


def _check(path: Path, ledger) -> dict:
    """Due dates LibreOffice computed that equal Relance's (proof that it did recalculate)."""
    import python_calamine

    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Factures").to_python()
    dues = {s.invoice.number: s.due for s in ledger.states}
    same = total = 0
    for row in sheet[1:]:
        value = row[7]
        total += 1
        if isinstance(value, (int, float)):  # a date serial: the formula cells carry no date format
            value = _EPOCH + timedelta(days=int(value))
        elif hasattr(value, "date"):
            value = value.date()
        same += dues.get(row[2]) == value
    return {"due_dates_equal": same, "due_dates_checked": total}
