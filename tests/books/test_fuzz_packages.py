"""Fuzzing a real register package: whatever the mutation, a correct refresh or one line and an untouched file.

Mutations: an entry renamed (case, ``../``, a duplicate, a random name), a part's bytes
overwritten, an XML part truncated, ``[Content_Types].xml`` edited (an Override dropped or
retyped, its case changed), a relationship dropped or retargeted. ``refresh`` (about half the
time; else ``review``, ``export``, ``send`` or ``plan``) runs in-process (typer's runner) on each:
never a traceback; a failure is exit code 1 with one line and the file as it was; a refresh that
succeeds leaves a workbook that opens with its *Relances* sheet.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from addin.books.file import FileBook
from addin.cli import app
from tests import hostile_files as H
from tests.actions.test_refresh import TODAY, fill_template

runner = CliRunner()
_BASE: list[bytes] = []


def base() -> bytes:
    if not _BASE:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            _BASE.append(fill_template(Path(folder) / "Registre.xlsx").read_bytes())
    return _BASE[0]


@st.composite
def mutations(draw):
    entries = H.read_parts(base())
    names = [n for n, _ in entries]
    kind = draw(st.sampled_from(["rename", "bytes", "truncate", "content_types", "relationship", "duplicate"]))
    index = draw(st.integers(0, len(entries) - 1))
    name, data = entries[index]
    if kind == "rename":
        new = draw(st.sampled_from([name.upper(), name.swapcase(), "../" + name, name + ".bak",
                                    "xl/" + draw(st.text("abcXYZ./_", min_size=1, max_size=12))]))
        entries[index] = (new, data)
    elif kind == "duplicate":
        entries.append((name if draw(st.booleans()) else name.upper(), data))
    elif kind == "bytes":
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        junk = draw(st.binary(min_size=1, max_size=16))
        entries[index] = (name, data[:at] + junk + data[at + len(junk):])
    elif kind == "truncate":
        xml = [i for i, n in enumerate(names) if n.endswith((".xml", ".rels"))]
        index = xml[draw(st.integers(0, len(xml) - 1))]
        name, data = entries[index]
        entries[index] = (name, data[:draw(st.integers(0, len(data)))])
    elif kind == "content_types":
        at = names.index("[Content_Types].xml")
        types = entries[at][1].decode()
        overrides = re.findall(r"<Override [^>]*/>", types)
        victim = overrides[draw(st.integers(0, len(overrides) - 1))]
        how = draw(st.sampled_from(["drop", "retype", "case"]))
        changed = {"drop": "", "retype": re.sub(r'ContentType="[^"]*"', 'ContentType="application/xml"', victim),
                   "case": victim.upper().replace("OVERRIDE PARTNAME", "Override PartName")
                   .replace("CONTENTTYPE", "ContentType")}[how]
        entries[at] = ("[Content_Types].xml", types.replace(victim, changed).encode())
    else:
        rels = [i for i, n in enumerate(names) if n.endswith(".rels")]
        index = rels[draw(st.integers(0, len(rels) - 1))]
        name, data = entries[index]
        links = re.findall(rb"<Relationship [^>]*/>", data)
        victim = links[draw(st.integers(0, len(links) - 1))]
        how = draw(st.sampled_from([b"", re.sub(rb'Target="[^"]*"', b'Target="nulle/part.xml"', victim),
                                    re.sub(rb'Target="([^"]*)"', lambda m: b'Target="' + m.group(1).upper() + b'"',
                                           victim)]))
        entries[index] = (name, data.replace(victim, how))
    command = draw(st.sampled_from(["refresh"] * 5 + ["review", "export", "send", "plan"]))
    return kind, command, H.pack(entries)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(mutation=mutations())
def test_any_mutation_is_a_correct_refresh_or_one_line(tmp_path_factory, mutation):
    kind, command, data = mutation
    path = tmp_path_factory.mktemp("fuzz") / "Registre.xlsx"
    path.write_bytes(data)
    args = {"export": [str(path.with_name("compta.xlsx"))], "plan": ["F002"]}.get(command, [])
    result = runner.invoke(app, [command, str(path), *args, "--today", TODAY.isoformat()])
    output = result.output.strip()
    assert result.exception is None or isinstance(result.exception, SystemExit), (kind, repr(result.exception))
    assert "Traceback" not in output
    if result.exit_code == 0 and command == "refresh":
        assert "Actualisé au 30/06/2025" in output, output
        assert "Relances" in FileBook.open(path).sheet_names()
    elif result.exit_code == 0:
        FileBook.open(path)  # whatever the command wrote, the workbook still opens
    else:
        assert result.exit_code == 1 and len(output.splitlines()) == 1, (kind, output)
        assert output.startswith("Erreur : ")
        assert path.read_bytes() == data, kind
