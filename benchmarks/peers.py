"""The peers of the benchmark: the same register in polars and in pandas.

Each peer reads the register file (``Clients``, ``Factures``, ``Paiements``), computes
three columns per invoice — the due date (invoice date + the first number of days of the
invoice's or client's terms, 30 when none), the days late as of ``today`` and a simple
late interest at one rate (balance × rate × days late ÷ 365, the balance being the
amount less the payments naming the invoice) — and writes the invoices with their new
columns to an .xlsx file. That is less than Relance computes (no end-of-month terms, no
allocation of unnamed payments, no half-years, no breakdown, no indemnity, no queue), and
what a user who knows polars or pandas would write first. Both read with the calamine
engine (the fastest each offers) and write with xlsxwriter.

The libraries are the ``bench`` extra (``pip install -e ".[bench]"``): never needed by
Relance. ``missing(peer)`` says which one is not installed, and the benchmark prints it.
"""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

RATE = 0.1215  # one rate for the whole delay (ECB 2.15 % + 10 points)
NEEDS = {"polars": ("polars", "fastexcel", "xlsxwriter"), "pandas": ("pandas", "python_calamine", "xlsxwriter")}


def missing(peer: str) -> list[str]:
    """The modules ``peer`` needs that are not installed (empty: it can run)."""
    return [name for name in NEEDS[peer] if importlib.util.find_spec(name) is None]


def polars_peer(path: Path, out: Path, today: date) -> int:
    import polars as pl

    sheets = pl.read_excel(path, sheet_name=["Clients", "Factures", "Paiements"], engine="calamine")
    clients = sheets["Clients"].select(pl.col("Code client"), pl.col("Conditions de paiement").alias("client_terms"))
    invoices = sheets["Factures"].select(
        "N° facture", "Code client", pl.col("Date facture").cast(pl.Date), pl.col("Montant TTC").cast(pl.Float64),
        pl.col("Conditions de paiement").cast(pl.String).alias("terms"))
    paid = (sheets["Paiements"].group_by("N° facture").agg(pl.col("Montant").cast(pl.Float64).sum().alias("Payé")))
    days = pl.coalesce(pl.col("terms").str.extract(r"(\d+)").cast(pl.Int64),
                       pl.col("client_terms").cast(pl.String).str.extract(r"(\d+)").cast(pl.Int64), pl.lit(30))
    table = (invoices.join(clients, on="Code client", how="left").join(paid, on="N° facture", how="left")
             .with_columns(pl.col("Payé").fill_null(0.0))
             .with_columns((pl.col("Date facture") + pl.duration(days=days)).alias("Échéance"),
                           (pl.col("Montant TTC") - pl.col("Payé")).round(2).alias("Reste dû"))
             .with_columns((pl.lit(today) - pl.col("Échéance")).dt.total_days().clip(lower_bound=0)
                           .alias("Jours de retard"))
             .with_columns(pl.when(pl.col("Reste dû") > 0)
                           .then((pl.col("Reste dû") * RATE * pl.col("Jours de retard") / 365).round(2))
                           .otherwise(0.0).alias("Intérêts de retard"))
             .drop("client_terms"))
    table.write_excel(out)
    return table.height


def pandas_peer(path: Path, out: Path, today: date) -> int:
    import pandas as pd

    sheets = pd.read_excel(path, sheet_name=["Clients", "Factures", "Paiements"], engine="calamine")
    clients = sheets["Clients"][["Code client", "Conditions de paiement"]].rename(
        columns={"Conditions de paiement": "client_terms"})
    invoices = sheets["Factures"][["N° facture", "Code client", "Date facture", "Montant TTC",
                                   "Conditions de paiement"]].rename(columns={"Conditions de paiement": "terms"})
    paid = sheets["Paiements"].groupby("N° facture", as_index=False)["Montant"].sum().rename(
        columns={"Montant": "Payé"})
    table = invoices.merge(clients, on="Code client", how="left").merge(paid, on="N° facture", how="left")
    table["Payé"] = table["Payé"].fillna(0.0)
    days = (table["terms"].astype("string").str.extract(r"(\d+)", expand=False).astype("Float64")
            .fillna(table["client_terms"].astype("string").str.extract(r"(\d+)", expand=False).astype("Float64"))
            .fillna(30).astype("int64"))
    issued = pd.to_datetime(table["Date facture"])
    table["Échéance"] = issued + pd.to_timedelta(days, unit="D")
    table["Reste dû"] = (table["Montant TTC"] - table["Payé"]).round(2)
    table["Jours de retard"] = (pd.Timestamp(today) - table["Échéance"]).dt.days.clip(lower=0)
    interest = (table["Reste dû"] * RATE * table["Jours de retard"] / 365).round(2)
    table["Intérêts de retard"] = interest.where(table["Reste dû"] > 0, 0.0)
    table = table.drop(columns=["client_terms"])
    table.to_excel(out, index=False, engine="xlsxwriter")
    return len(table)


PEERS = {"polars": polars_peer, "pandas": pandas_peer}
