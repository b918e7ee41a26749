"""One measure in its own process, so that each peak memory is its own.

``python3 -m benchmarks.steps STEP --rows N [--file F] [--repeat R] [--today D]`` prints one
JSON line: ``{"step", "rows", "seconds": [...], "peak_bytes", "base_bytes", "info"}``.
``seconds`` holds one wall-clock figure per repetition of the timed part only (data
generation, file copies and interpreter start-up are outside it, except for
``refresh_cli`` which times the whole command as a user waits for it). ``peak_bytes``
is the process's maximum resident set (``ru_maxrss``), everything included;
``base_bytes`` the resident set just before the first timed repetition.

Steps:
- ``engine`` / ``engine_reference``: ``addin.core.fast.compute`` / ``addin.core.ledger.compute``
  (due dates, allocation, interest with its breakdown, indemnity), then the reminder
  queue (``dunning.queue``) and the aged balance and DSO (``aging``), on the register in
  memory;
- ``load_openpyxl``: ``openpyxl.load_workbook`` as ``FileBook`` does (all sheets, formulas);
- ``load_calamine``: every sheet's values with python-calamine;
- ``load_register``: ``FileBook.open`` + ``register.load`` (what refresh reads);
- ``write_back``: refresh's phase 3 (``refresh.write_all`` of everything
  ``refresh.compute_writes`` produced, then the part-by-part save), on a fresh copy of
  the file each time;
- ``refresh_cli``: ``relance refresh FILE`` in a subprocess, as a user waits for it;
- ``review_cli``: ``relance review`` of the previous month on a register of ``--rows`` clients
  with two invoices each (``registers.review_file``, written once into ``--work``);
- ``peer_polars`` / ``peer_pandas``: the peers of ``benchmarks.peers`` on FILE (refused, with
  what to install, when the library is missing).

``cpu`` holds the CPU seconds (user + system, every thread) of each repetition: this
process's, or the ``relance`` child's for the CLI steps.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks import registers


CPU: list[float] = []  # CPU seconds of each repetition (this process's, or the child's for a CLI step)


def cpu_seconds(who=resource.RUSAGE_SELF) -> float:
    """User + system CPU seconds (all threads) of this process, or of its finished children."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_bytes(who=resource.RUSAGE_SELF) -> int:
    return resource.getrusage(who).ru_maxrss * 1024  # KiB on Linux


def _register(rows: int, today: date):
    """The register as the loader hands it to the engine: its records built in row order,
    one object per distinct amount.

    The generator builds them in another order (invoices shuffled by date, then sorted),
    which scatters them in memory; a pickle round trip rebuilds them one after the other,
    as ``register.load`` does reading the sheet top to bottom (measured: the engine is
    about 30 % faster on records in row order, at every size). The loader also keeps one
    ``Decimal`` per distinct amount (and one string per distinct text, as the generator
    does): equal amounts are made one object here too.
    """
    import pickle
    from dataclasses import replace

    from addin.core.model import Register

    d = registers.data(rows, today)
    seen: dict[str, object] = {}

    def one(amount):  # keyed by the text: 5.00 and 5.0 are equal, not the same Decimal
        return amount if amount is None else seen.setdefault(str(amount), amount)

    invoices = [replace(i, amount_ttc=one(i.amount_ttc), amount_ht=one(i.amount_ht)) for i in d.invoices]
    payments = [replace(p, amount=one(p.amount)) for p in d.payments]
    return pickle.loads(pickle.dumps(Register(d.settings, d.clients, tuple(invoices), tuple(payments), d.plan_steps),
                                     protocol=pickle.HIGHEST_PROTOCOL))


def engine(rows: int, today: date, repeat: int, use_fast: bool) -> tuple[list[float], dict, int]:
    from addin.core import aging, dunning, fast, ledger
    from addin.core.rates import RateTable

    register = _register(rows, today)
    rates = RateTable.shipped()
    compute = fast.compute if use_fast else ledger.compute
    info = {"invoices": len(register.invoices), "payments": len(register.payments), "clients": len(register.clients)}
    parts: dict[str, list[float]] = {"ledger": [], "queue": [], "aging": []}
    base = rss_bytes()
    seconds = []
    for _ in range(repeat):
        gc.collect()
        c0 = cpu_seconds()
        t0 = time.perf_counter()
        result, _problems = compute(register, today, rates)
        t1 = time.perf_counter()
        actions, _next = dunning.queue(result.states, register.clients, {}, dunning.History(), register.settings,
                                       today, result.credits)
        t2 = time.perf_counter()
        aging.aged_balance(result.states, register.clients, today, result.credits)
        aging.dso(result.states, today)
        t3 = time.perf_counter()
        seconds.append(t3 - t0)
        CPU.append(cpu_seconds() - c0)
        parts["ledger"].append(t1 - t0)
        parts["queue"].append(t2 - t1)
        parts["aging"].append(t3 - t2)
        info["actions"] = len(actions)
        del result, actions
    info["parts"] = parts
    return seconds, info, base


def load(step: str, path: Path, repeat: int) -> tuple[list[float], dict, int]:
    base = rss_bytes()
    seconds = []
    info: dict = {}
    for _ in range(repeat):
        gc.collect()
        c0 = cpu_seconds()
        t0 = time.perf_counter()
        if step == "load_openpyxl":
            from addin.books.file import _load

            workbook = _load(path)
            info["cells"] = sum(len(ws._cells) for ws in workbook.worksheets)
            del workbook
        elif step == "load_calamine":
            import python_calamine

            book = python_calamine.CalamineWorkbook.from_path(str(path))
            info["cells"] = sum(sum(len(r) for r in book.get_sheet_by_name(n).to_python()) for n in book.sheet_names)
            del book
        else:
            from addin.books.file import FileBook
            from addin.register.load import load as load_register

            book = FileBook.open(path, backups=0)
            register, problems = load_register(book)
            info.update(invoices=len(register.invoices), payments=len(register.payments), problems=len(problems))
            del book, register, problems
        seconds.append(time.perf_counter() - t0)
        CPU.append(cpu_seconds() - c0)
    return seconds, info, base


def write_back(path: Path, today: date, repeat: int) -> tuple[list[float], dict, int]:
    """Refresh's phase 3 alone: every computed block and generated sheet written, then the save."""
    from addin.actions import refresh
    from addin.books.file import FileBook
    from addin.register.snapshot import Snapshot

    seconds = []
    base = 0
    info: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeat):
            copy = Path(folder) / path.name
            shutil.copyfile(path, copy)
            book = FileBook.open(copy, backups=0, today=today)
            writes = refresh.compute_writes(Snapshot.read(book), today=today, book_path=copy)
            gc.collect()
            base = base or rss_bytes()
            c0 = cpu_seconds()
            t0 = time.perf_counter()
            refresh.write_all(book, writes.cells, writes.sheets)
            book.save()
            seconds.append(time.perf_counter() - t0)
            CPU.append(cpu_seconds() - c0)
            info["cells"] = sum(len(c.values) * max((len(r) for r in c.values), default=0) for c in writes.cells)
            del book, writes
    return seconds, info, base


_CLI = "import sys\nfrom addin.cli import main\nsys.argv = ['relance'] + sys.argv[1:]\nmain()\n"


def refresh_cli(path: Path, today: date, repeat: int, command: tuple[str, ...] = ("refresh",)
                ) -> tuple[list[float], dict, int]:
    """``relance COMMAND FILE --today D`` in a subprocess on a fresh copy, as a user waits for it."""
    seconds = []
    peak = 0
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeat):
            copy = Path(folder) / path.name
            shutil.copyfile(path, copy)
            for extra in Path(folder).glob(".relance*"):
                shutil.rmtree(extra, ignore_errors=True) if extra.is_dir() else extra.unlink()
            c0 = cpu_seconds(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", _CLI, command[0], str(copy), *command[1:],
                                   "--today", today.isoformat()], capture_output=True, text=True,
                                  cwd=Path(__file__).resolve().parent.parent)
            seconds.append(time.perf_counter() - t0)
            CPU.append(cpu_seconds(resource.RUSAGE_CHILDREN) - c0)
            if done.returncode != 0:
                raise SystemExit(f"relance {command[0]} a échoué ({done.returncode}) : {done.stderr[-2000:]}")
    peak = peak_bytes(resource.RUSAGE_CHILDREN)
    return seconds, {"peak_is_child": True, "peak": peak}, 0


def review_cli(clients: int, today: date, repeat: int, work: Path) -> tuple[list[float], dict, int]:
    """``relance review`` of the month before ``today`` on a register of ``clients`` clients
    (``registers.review_file``: two invoices each), in a subprocess."""
    path = registers.review_file(clients, work, today)
    month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    seconds, info, base = refresh_cli(path, today, repeat, ("review", "--month", month))
    info["clients"] = clients
    return seconds, info, base


def peer(name: str, path: Path, today: date, repeat: int) -> tuple[list[float], dict, int]:
    """A peer (``benchmarks.peers``): read the register, three columns, write an .xlsx."""
    from benchmarks import peers

    absent = peers.missing(name)
    if absent:
        raise SystemExit(f"{name} non installé ({', '.join(absent)} manquant) : pip install -e \".[bench]\"")
    seconds = []
    base = rss_bytes()
    info: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeat):
            gc.collect()
            c0 = cpu_seconds()
            t0 = time.perf_counter()
            info["invoices"] = peers.PEERS[name](path, Path(folder) / "out.xlsx", today)
            seconds.append(time.perf_counter() - t0)
            CPU.append(cpu_seconds() - c0)
    return seconds, info, base


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python3 -m benchmarks.steps")
    parser.add_argument("step", choices=("engine", "engine_reference", "load_openpyxl", "load_calamine",
                                         "load_register", "write_back", "refresh_cli", "review_cli",
                                         "peer_polars", "peer_pandas"))
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--today", type=date.fromisoformat, default=registers.TODAY)
    parser.add_argument("--work", type=Path, default=Path(__file__).resolve().parent / "results" / "files")
    args = parser.parse_args(argv)
    import logging

    logging.disable(logging.WARNING)  # the peers' readers log every column they type as text
    if args.step.startswith("engine"):
        seconds, info, base = engine(args.rows, args.today, args.repeat, args.step == "engine")
    elif args.step.startswith("load"):
        seconds, info, base = load(args.step, args.file, args.repeat)
    elif args.step == "write_back":
        seconds, info, base = write_back(args.file, args.today, args.repeat)
    elif args.step == "review_cli":
        seconds, info, base = review_cli(args.rows, args.today, args.repeat, args.work)
    elif args.step.startswith("peer_"):
        seconds, info, base = peer(args.step.removeprefix("peer_"), args.file, args.today, args.repeat)
    else:
        seconds, info, base = refresh_cli(args.file, args.today, args.repeat)
    peak = info.pop("peak", None) or peak_bytes()
    print(json.dumps({"step": args.step, "rows": args.rows, "seconds": seconds, "cpu": CPU, "peak_bytes": peak,
                      "base_bytes": base, "info": info}))


if __name__ == "__main__":
    main()
