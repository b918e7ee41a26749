"""The bank import benchmark runs end to end on a small register; its figures are printed, never asserted."""

from __future__ import annotations

from benchmarks import bank_import


def test_the_bank_import_benchmark_measures_each_step(tmp_path, capsys):
    figures = bank_import.main(["--invoices", "300", "--lines", "60", "--work", str(tmp_path), "--repeat", "1"])
    assert set(figures) >= {"lecture du relevé", "relance import --sans-actualiser", "relance import (et actualisation)",
                           bank_import.COMMAND}
    printed = capsys.readouterr().out
    assert "cible < 10 s CPU" in printed and "lignes de Paiements" in printed
