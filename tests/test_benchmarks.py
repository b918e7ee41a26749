"""The benchmark command runs end to end (on a small register) and its verdicts say what the figures say.

No timing is asserted: the figures are printed, never tested.
"""

from __future__ import annotations

import csv

from benchmarks import registers, run


def test_the_benchmark_command_measures_every_step_on_a_real_file(tmp_path, capsys):
    out = tmp_path / "results.csv"
    run.main(["--sizes", "300", "--repeat", "1", "--no-libreoffice", "--out", str(out), "--work", str(tmp_path),
              "--review-clients", "60"])

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["step"] for r in rows] == [step for step, _label, _file in run.MEASURES] + ["review_cli"]
    # A peer library not installed is said so, never measured as zero; everything else is measured.
    absent = [r for r in rows if r["error"]]
    assert all(r["step"].startswith("peer_") and r["error"].startswith("non installé") for r in absent), absent
    measured = [r for r in rows if not r["error"]]
    assert all(float(r["median_s"]) > 0 and float(r["cpu_s"]) > 0 and float(r["peak_mib"]) > 0 for r in measured)
    assert next(r for r in rows if r["step"] == "review_cli")["rows"] == "60"
    assert (tmp_path / "revue-60-clients.xlsx").exists()
    engine = next(r for r in rows if r["step"] == "engine")
    # The engine's figure is its three parts; the register is the size asked (invoices + credit notes + plans).
    parts = float(engine["ledger_s"]) + float(engine["queue_s"]) + float(engine["aging_s"])
    assert abs(parts - float(engine["median_s"])) < 1e-6
    assert int(engine["invoices"]) == 300
    assert (tmp_path / "registre-300.xlsx").exists()
    printed = capsys.readouterr().out
    assert "Machine" in printed and "N/A" in printed  # the targets at sizes not measured are not claimed
    assert "CPU" in printed
    for peer in ("polars", "pandas"):
        if any(r["step"] == f"peer_{peer}" and r["error"] for r in rows):
            assert f"pair {peer} : NON INSTALLÉ" in printed


def test_the_register_has_the_rows_asked_and_about_one_and_a_half_payments_per_invoice():
    sample = registers.data(2000)
    assert len(sample.invoices) == 2000
    ratio = len(sample.payments) / len(sample.invoices)
    assert 1.3 < ratio < 1.7, ratio


def _result(rows, step, seconds, peak=100.0):
    return {"rows": rows, "step": step, "label": step, "median_s": seconds, "peak_mib": peak}


def test_verdicts_pass_and_fail_on_the_targets_of_the_issue():
    results = [_result(100_000, "engine", 1.5), _result(1_048_575, "engine", 25.0, peak=3000.0),
               _result(100_000, "refresh_cli", 29.0), _result(10_000, "engine", 0.1)]
    lines = run.verdicts(results, None)
    assert lines[0].startswith("[green]PASS") and "1.50 s" in lines[0]
    assert lines[1].startswith("[red]FAIL") and "25.0 s" in lines[1]  # over 20 s, under 4 GiB
    assert lines[2].startswith("[green]PASS")
    # 10 000 → 100 000 rows: × 15 for × 10 in size, × 2.26 per doubling (15 ** (1 / log2 10)): within × 2.3;
    # 100 000 → 1 048 575: × 16.7 for × 10.5, × 2.29 per doubling: within too.
    growth = [line for line in lines if "croissance" in line]
    assert len(growth) == 2 and all(line.startswith("[green]PASS") for line in growth), growth
    # × 20 for × 10 is × 2.46 per doubling: more than twice + 15 %.
    lines = run.verdicts([_result(10_000, "engine", 0.1), _result(100_000, "engine", 2.0)], None)
    assert [line for line in lines if "croissance" in line][0].startswith("[red]FAIL")
    # Exactly twice the time for twice the rows passes.
    lines = run.verdicts([_result(50_000, "write_back", 1.0), _result(100_000, "write_back", 2.0)], None)
    assert [line for line in lines if "croissance" in line][0].startswith("[green]PASS")


def test_verdicts_fail_a_large_register_over_four_gib_even_when_fast():
    lines = run.verdicts([_result(1_048_575, "engine", 10.0, peak=5000.0)], None)
    assert lines[1].startswith("[red]FAIL")


def test_the_engine_measures_the_register_as_the_loader_shares_its_objects(tmp_path):
    """The loader keeps one Decimal per distinct amount and one string per distinct text; the
    register the engine step measures must do the same, or it would measure another memory."""
    from datetime import date

    from addin.books.file import FileBook
    from addin.register.load import load
    from benchmarks import steps

    def shared(register) -> tuple[bool, bool]:
        amounts = [*(i.amount_ttc for i in register.invoices), *(p.amount for p in register.payments)]
        texts = [*(i.client for i in register.invoices), *(p.client for p in register.payments),
                 *(p.invoice for p in register.payments if p.invoice)]
        first: dict = {}
        repeats = len({str(a) for a in amounts}) < len(amounts)
        return (repeats and all(first.setdefault(("amount", str(a)), a) is a for a in amounts),
                all(first.setdefault(("text", t), t) is t for t in texts))

    path = registers.write_xlsx(registers.data(300), tmp_path / "registre.xlsx")
    loaded, _ = load(FileBook.open(path, backups=0))
    assert shared(loaded) == (True, True)
    assert shared(steps._register(300, date(2025, 11, 14))) == (True, True)


def test_issue_17_verdicts_on_cpu_seconds_with_the_peers_ratio():
    def cpu(rows, step, seconds, peak=100.0):
        return {**_result(rows, step, seconds * 3, peak), "cpu_s": seconds}

    by = {(r["rows"], r["step"]): r for r in [
        cpu(10_000, "refresh_cli", 0.45), cpu(100_000, "refresh_cli", 4.5), cpu(1_048_575, "refresh_cli", 50.0, 1500),
        cpu(100_000, "peer_polars", 12.0), cpu(100_000, "peer_pandas", 20.0), cpu(100_000, "review_cli", 9.0)]}
    lines = run.columns_verdicts(by)
    assert lines[0].startswith("[green]PASS") and "4.5 s CPU" in lines[0]
    assert lines[1].startswith("[red]FAIL") and "50.0 s CPU" in lines[1]  # over 45 s, under 2 GiB
    # 10,000 → 100,000: × 10 for × 10, × 2.00 per doubling; 100,000 → 1,048,575: × 11.1 for × 10.5: × 2.02.
    growth = [line for line in lines if "croissance" in line]
    assert len(growth) == 2 and all(line.startswith("[green]PASS") for line in growth), growth
    polars = next(line for line in lines if "polars" in line)
    assert polars.startswith("[green]PASS") and "× 2.67" in polars  # 12.0 / 4.5
    assert next(line for line in lines if "pandas" in line).startswith("INFO")
    assert lines[-1].startswith("[green]PASS") and "9.0 s CPU" in lines[-1]
    assert run.columns_verdicts({})[0].startswith("[yellow]N/A")
