"""``python3 -m benchmarks.run``: Relance's performance figures, targets and the spreadsheet comparison.

    python3 -m benchmarks.run [--sizes 1000,10000,100000,1048575] [--repeat 3] [--repeat-large 1]
                              [--out benchmarks/results/results.csv] [--files-up-to 1048575]
                              [--no-libreoffice]

For each size (rows of the ``Factures`` sheet), every measure runs in its own process
(``benchmarks.steps``) so that peak memories do not mix; times are the median of
``--repeat`` runs. File-based measures (load, write-back, refresh) run up to
``--files-up-to`` rows, every size by default; openpyxl's full load (which Relance no
longer does) only up to 100,000 rows, the reason printed. Prints a table with the
machine, PASS/FAIL lines for the targets, and writes the table to CSV.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import registers

ROOT = Path(__file__).resolve().parent.parent
GIB = 1024 ** 3

# (step, label, needs the file)
MEASURES = (
    ("engine", "moteur (fast)", False),
    ("engine_reference", "moteur (référence)", False),
    ("load_openpyxl", "lecture openpyxl", True),
    ("load_calamine", "lecture calamine", True),
    ("load_register", "lecture registre", True),
    ("write_back", "écriture + save", True),
    ("refresh_cli", "relance refresh", True),
    ("peer_polars", "pair polars", True),
    ("peer_pandas", "pair pandas", True),
)
PEERS_UP_TO = 100_000  # the peers (benchmarks.peers) are measured on the files up to here
REFERENCE_UP_TO = 100_000  # the reference engine at 1M rows takes minutes: measured up to here
# openpyxl's full load is what Relance no longer does (it reads with calamine and edits the file
# part by part); measured for comparison up to here: at a million rows it needs tens of GiB.
OPENPYXL_UP_TO = 100_000
DOUBLING = 2.3  # issue 7: doubling the register at most doubles the time, +15 %
LARGE = 100_000  # above, --repeat-large applies (a measure at a million rows takes minutes)


def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(ram / GIB, 1),
            "python": platform.python_version(), "platform": platform.platform()}


def measure(step: str, rows: int, repeat: int, file: Path | None, work: Path | None = None) -> dict:
    command = [sys.executable, "-m", "benchmarks.steps", step, "--rows", str(rows), "--repeat", str(repeat)]
    if file is not None:
        command += ["--file", str(file)]
    if work is not None:
        command += ["--work", str(work)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"code {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def run(sizes: list[int], repeat: int, out: Path, files_up_to: int, libreoffice: bool, work: Path,
        repeat_large: int | None = None, review_clients: tuple[int, ...] = ()) -> list[dict]:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=150)
    info = machine()
    console.print(f"[bold]Machine[/bold] : {info['cpu']}, {info['cores']} cœurs, {info['ram_gib']} Gio, "
                  f"Python {info['python']} ({info['platform']})")
    results: list[dict] = []
    work.mkdir(parents=True, exist_ok=True)
    for rows in sizes:
        file = None
        if rows <= files_up_to:
            file = work / f"registre-{rows}.xlsx"
            if not file.exists():
                t0 = time.perf_counter()
                registers.write_xlsx(registers.data(rows), file)
                console.print(f"  {file.name} écrit en {time.perf_counter() - t0:.1f} s "
                              f"({file.stat().st_size / 1e6:.1f} Mo)")
        else:
            console.print(f"  {rows} lignes : mesures sur fichier sautées (--files-up-to {files_up_to}) ; "
                          "moteur mesuré en mémoire seulement.")
        for step, label, needs_file in MEASURES:
            if needs_file and file is None:
                continue
            if step == "engine_reference" and rows > REFERENCE_UP_TO:
                continue
            if step.startswith("peer_"):
                from benchmarks.peers import missing

                absent = missing(step.removeprefix("peer_"))
                if absent:
                    console.print(f"  {rows:>9} {label} : NON INSTALLÉ ({', '.join(absent)}) — "
                                  "pip install -e \".[bench]\" pour mesurer ce pair")
                    results.append({"rows": rows, "step": step, "label": label,
                                    "error": "non installé : " + ", ".join(absent)})
                    continue
                if rows > PEERS_UP_TO:
                    continue
            if step == "load_openpyxl" and rows > OPENPYXL_UP_TO:
                console.print(f"  {rows:>9} {label} : sautée (au-delà de {OPENPYXL_UP_TO} lignes, le chargement "
                              "complet par openpyxl, que Relance ne fait plus, demande des dizaines de Gio)")
                continue
            console.print(f"  {rows:>9} {label}…", end=" ")
            times = repeat_large if repeat_large is not None and rows > LARGE else repeat
            found = measure(step, rows, times, file if needs_file else None)
            if "error" in found:
                console.print(f"[red]échec[/red] {found['error']}")
                results.append({"rows": rows, "step": step, "label": label, "error": found["error"]})
                continue
            row = {"rows": rows, "step": step, "label": label, "median_s": median(found["seconds"]),
                   "min_s": min(found["seconds"]), "runs": len(found["seconds"]),
                   "cpu_s": median(found.get("cpu", [])), "peak_mib": found["peak_bytes"] / 2 ** 20}
            extra = found.get("info", {})
            for part, values in extra.get("parts", {}).items():
                row[f"{part}_s"] = median(values)
            for key in ("invoices", "payments", "clients"):
                if key in extra:
                    row[key] = extra[key]
            results.append(row)
            console.print(f"{row['cpu_s']:.2f} s CPU, {row['median_s']:.2f} s, {row['peak_mib']:.0f} Mio")
    for clients in review_clients:
        console.print(f"  {clients:>9} clients : relance review…", end=" ")
        found = measure("review_cli", clients, repeat if clients <= LARGE else (repeat_large or repeat), None, work)
        label = f"relance review ({clients} clients)"
        if "error" in found:
            console.print(f"[red]échec[/red] {found['error']}")
            results.append({"rows": clients, "step": "review_cli", "label": label, "error": found["error"]})
            continue
        row = {"rows": clients, "step": "review_cli", "label": label, "median_s": median(found["seconds"]),
               "min_s": min(found["seconds"]), "runs": len(found["seconds"]), "cpu_s": median(found["cpu"]),
               "peak_mib": found["peak_bytes"] / 2 ** 20, "clients": clients}
        results.append(row)
        console.print(f"{row['cpu_s']:.2f} s CPU, {row['median_s']:.2f} s, {row['peak_mib']:.0f} Mio")

    table = Table(title=f"Relance — médianes ; {info['cpu']}, {info['cores']} cœurs, "
                        f"{info['ram_gib']} Gio, Python {info['python']}")
    table.add_column("lignes", justify="right")
    table.add_column("exéc.", justify="right")
    table.add_column("mesure")
    table.add_column("CPU (s)", justify="right")
    table.add_column("horloge (s)", justify="right")
    table.add_column("pic mémoire (Mio)", justify="right")
    table.add_column("détail")
    for r in results:
        if "error" in r:
            table.add_row(str(r["rows"]), "", r["label"], "échec", "", "", r["error"][:60])
            continue
        detail = ""
        if "ledger_s" in r:
            detail = (f"ledger {r['ledger_s']:.2f} + file {r['queue_s']:.2f} + âge {r['aging_s']:.2f} ; "
                      f"{r.get('invoices', '?')} factures, {r.get('payments', '?')} paiements")
        table.add_row(f"{r['rows']:,}".replace(",", " "), str(r["runs"]), r["label"], f"{r['cpu_s']:.2f}",
                      f"{r['median_s']:.2f}", f"{r['peak_mib']:.0f}", detail)
    console.print(table)

    comparison = None
    if libreoffice and 100_000 in sizes:
        comparison = spreadsheet_comparison(console, repeat=1)

    for line in verdicts(results, comparison):
        console.print(line)

    out.parent.mkdir(parents=True, exist_ok=True)
    keys = ["rows", "step", "label", "cpu_s", "median_s", "min_s", "runs", "peak_mib", "ledger_s", "queue_s", "aging_s",
            "invoices", "payments", "clients", "error"]
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=keys + ["cpu", "cores", "ram_gib", "python"])
        writer.writeheader()
        for r in results:
            writer.writerow({**{k: r.get(k, "") for k in keys}, **{k: info[k] for k in
                                                                  ("cpu", "cores", "ram_gib", "python")}})
        if comparison and "formulas" in comparison:
            writer.writerow({"rows": comparison["rows"], "step": "libreoffice_recalc",
                             "label": "LibreOffice : formules − valeurs", "median_s": comparison["recalc"],
                             **{k: info[k] for k in ("cpu", "cores", "ram_gib", "python")}})
    console.print(f"Résultats écrits dans {out}")
    return results


def spreadsheet_comparison(console, repeat: int = 1) -> dict:
    """The same 100,000-row register recalculated by LibreOffice with native formulas."""
    from addin.core import fast
    from addin.core.model import Register
    from addin.core.rates import RateTable
    from benchmarks.spreadsheet import compare

    d = registers.data(100_000)
    register = Register(d.settings, d.clients, d.invoices, d.payments, d.plan_steps)
    rates = RateTable.shipped()
    t0 = time.perf_counter()
    ledger, _ = fast.compute(register, registers.TODAY, rates)
    engine = time.perf_counter() - t0
    rate = rates.row_for(registers.TODAY).default_penalty
    console.print("  LibreOffice headless recalcule le même registre en formules natives…")
    found = compare(register, ledger, registers.TODAY, rate, repeat=repeat)
    if "skipped" in found:
        console.print(f"  comparaison sautée : {found['skipped']}")
        return found
    formulas, values = median(found["formulas"]), median(found["values"])
    found.update(engine=engine, recalc=formulas - values)
    console.print(
        f"  {found['rows']} factures : LibreOffice ouvre+recalcule+enregistre en {formulas:.1f} s, "
        f"{values:.1f} s pour la même feuille en valeurs → recalcul ≈ {formulas - values:.1f} s "
        f"(échéance, jours de retard, intérêt simple à un seul taux {rate * 100:.2f} %). "
        f"Relance (fast.compute : échéances, imputation, soldes, statuts, intérêts par semestre avec détail, "
        f"indemnités) : {engine:.2f} s. Rapport recalcul LibreOffice / Relance = "
        f"{(formulas - values) / engine:.1f} ; fichier complet / Relance = {formulas / engine:.1f}. "
        f"Échéances identiques : {found['due_dates_equal']}/{found['due_dates_checked']}.")
    return found


def verdicts(results: list[dict], comparison: dict | None) -> list[str]:
    """PASS/FAIL lines for the targets of issue 7, then those of issue 17: on CPU seconds when
    measured (a shared machine's wall time says more about its neighbours), else wall seconds."""
    by = {(r["rows"], r["step"]): r for r in results if "error" not in r}
    lines = []
    wall = by
    by = {key: {**r, "median_s": r["cpu_s"]} if r.get("cpu_s") else r for key, r in wall.items()}

    def line(ok: bool | None, text: str) -> None:
        mark = "[green]PASS[/green]" if ok else "[yellow]N/A [/yellow]" if ok is None else "[red]FAIL[/red]"
        lines.append(f"{mark} {text}")

    e100 = by.get((100_000, "engine"))
    line(None if e100 is None else e100["median_s"] < 2,
         "moteur, 100 000 factures + ~150 000 paiements < 2 s"
         + (f" : {e100['median_s']:.2f} s{_cpu(e100)} ({e100.get('payments', '?')} paiements)" if e100
            else " : non mesuré"))
    big = by.get((1_048_575, "engine"))
    line(None if big is None else big["median_s"] < 20 and big["peak_mib"] < 4096,
         "moteur, 1 048 575 factures < 20 s et < 4 Gio de pic"
         + (f" : {big['median_s']:.1f} s{_cpu(big)}, {big['peak_mib'] / 1024:.2f} Gio (registre en mémoire compris)"
            if big else " : non mesuré"))
    e2e = by.get((100_000, "refresh_cli"))
    line(None if e2e is None else e2e["median_s"] < 30,
         "« relance refresh » d'un fichier de 100 000 factures < 30 s"
         + (f" : {e2e['median_s']:.1f} s{_cpu(e2e)}" if e2e else " : non mesuré"))
    # "Doubling the register at most doubles the time (+15 %)": between two sizes N1 < N2, the
    # time may grow by at most 2 × 1.15 per doubling, i.e. (t2 / t1) ** (1 / log2(N2 / N1)) <= 2.3.
    for step in ("engine", "engine_reference", "load_calamine", "load_register", "write_back", "refresh_cli"):
        sizes = sorted(rows for rows, s in by if s == step)
        for small, large in zip(sizes, sizes[1:]):
            t1, t2 = by[(small, step)]["median_s"], by[(large, step)]["median_s"]
            per_doubling = (t2 / t1) ** (1 / math.log2(large / small))
            line(per_doubling <= DOUBLING,
                 f"croissance ({step}) {small} → {large} lignes : temps × {t2 / t1:.1f} pour taille × "
                 f"{large / small:.1f}, soit × {per_doubling:.2f} par doublement (au plus × {DOUBLING})")
    lines += columns_verdicts(wall)
    if comparison and "recalc" in comparison:
        lines.append(f"INFO LibreOffice / Relance (même registre de {comparison['rows']} factures) : "
                     f"recalcul × {comparison['recalc'] / comparison['engine']:.1f}, fichier complet "
                     f"× {median(comparison['formulas']) / comparison['engine']:.1f}")
    return lines


def _cpu(row: dict) -> str:
    return " CPU" if row.get("cpu_s") else ""


GROWTH = 2.1  # issue 17: CPU per doubling of the register


def columns_verdicts(by: dict) -> list[str]:
    """PASS/FAIL lines for the targets of issue 17, on CPU seconds."""
    lines = []

    def line(ok: bool | None, text: str) -> None:
        mark = "[green]PASS[/green]" if ok else "[yellow]N/A [/yellow]" if ok is None else "[red]FAIL[/red]"
        lines.append(f"{mark} {text}")

    def cpu(rows: int, step: str) -> float | None:
        found = by.get((rows, step))
        return found.get("cpu_s") if found else None

    r100 = cpu(100_000, "refresh_cli")
    line(None if r100 is None else r100 <= 5, "« relance refresh », 100 000 factures ≤ 5 s CPU"
         + (f" : {r100:.1f} s CPU" if r100 is not None else " : non mesuré"))
    big = by.get((1_048_575, "refresh_cli"))
    line(None if big is None else big["cpu_s"] <= 45 and big["peak_mib"] <= 2048,
         "« relance refresh », 1 048 575 factures ≤ 45 s CPU et ≤ 2 Gio de pic"
         + (f" : {big['cpu_s']:.1f} s CPU, {big['peak_mib'] / 1024:.2f} Gio" if big else " : non mesuré"))
    sizes = sorted(rows for rows, step in by if step == "refresh_cli" and by[(rows, step)].get("cpu_s"))
    for small, large in zip(sizes, sizes[1:]):
        t1, t2 = by[(small, "refresh_cli")]["cpu_s"], by[(large, "refresh_cli")]["cpu_s"]
        per_doubling = (t2 / t1) ** (1 / math.log2(large / small))
        line(per_doubling <= GROWTH, f"croissance CPU (relance refresh) {small} → {large} lignes : × {t2 / t1:.1f}, "
             f"soit × {per_doubling:.2f} par doublement (au plus × {GROWTH})")
    for name in ("polars", "pandas"):
        theirs = cpu(100_000, f"peer_{name}")
        ratio = None if theirs is None or not r100 else theirs / r100
        text = (f"« relance refresh » face au pair {name} (lecture + 3 colonnes + écriture xlsx), 100 000 factures"
                + (f" : {theirs:.1f} s CPU contre {r100:.1f} s, × {ratio:.2f}" if ratio is not None else
                   " : non mesuré (pair non installé ?)"))
        if name == "polars":
            line(None if ratio is None else ratio >= 2.5, text + " (au moins × 2,5)")
        else:
            lines.append(f"INFO {text}")
    review = cpu(100_000, "review_cli")
    line(None if review is None else review <= 10, "« relance review », 100 000 clients ≤ 10 s CPU"
         + (f" : {review:.1f} s CPU" if review is not None else " : non mesuré"))
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python3 -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1048575",
                        help="nombres de lignes de la feuille Factures, séparés par des virgules")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--repeat-large", type=int, default=None,
                        help="exécutions par mesure au-delà de 100 000 lignes (défaut : --repeat)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "results.csv")
    parser.add_argument("--files-up-to", type=int, default=1_048_575,
                        help="mesures sur fichier (lecture, écriture, refresh) jusqu'à ce nombre de lignes")
    parser.add_argument("--no-libreoffice", action="store_true", help="sans la comparaison LibreOffice")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "results" / "files",
                        help="où écrire les classeurs de test (gardés d'une exécution à l'autre)")
    parser.add_argument("--review-clients", default="10000,100000",
                        help="« relance review » sur des registres de ces nombres de clients (2 factures chacun) ; "
                             "vide : sans")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    review = tuple(int(s.replace("_", "")) for s in args.review_clients.split(",") if s.strip())
    run(sizes, args.repeat, args.out, args.files_up_to, not args.no_libreoffice, args.work, args.repeat_large,
        review)


if __name__ == "__main__":
    main()
