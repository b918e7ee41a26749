"""The `relance` command: a thin door over `addin.actions`."""

from __future__ import annotations

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Relance: accounts receivable in your Excel workbook.")


@app.command()
def version() -> None:
    """Print Relance's version."""
    from importlib.metadata import version as v

    typer.echo(v("relance"))
