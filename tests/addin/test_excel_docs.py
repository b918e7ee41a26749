"""The Excel documentation says what the tests cannot (issue 16: the release checklist, point 9)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_release_checklist_is_one_line_per_thing_only_excel_can_prove():
    """Issue 16: the checklist lists, for a person with Excel, what the tests cannot prove, one line each."""
    text = (ROOT / "macros" / "README.md").read_text(encoding="utf-8")
    section = text.split("## Release checklist — what only a person with Excel can prove", 1)[1]
    lines = [line for line in section.strip().splitlines()]
    items = [line for line in lines if line.startswith("- [ ] ")]
    assert len(items) >= 20
    body = lines[lines.index(items[0]):]
    assert body == items  # nothing wrapped onto a second line, nothing between the items
    joined = "\n".join(items)
    for label in ("Actualiser", "Aperçu", "Envoyer", "Revue mensuelle", "Exporter", "Échéancier", "Importer"):
        assert f"**{label}" in joined, label
    for what in ("Compile", "Protected View", "OneDrive", "Interpreter_Win", "Decimal", "spills", "Edit Links",
                 "second click"):
        assert what in joined, what


def test_the_readme_says_what_the_worksheet_functions_need():
    """Issue 16, point 9: Windows only, « Import Functions », spilling on 365/2021, the stored path."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Worksheet functions", 1)[1].split("\n## ", 1)[0]
    assert "Windows only" in section and "« Import Functions »" in section
    assert "Excel 365 and Excel 2021" in section and "Ctrl+Shift+Enter" in section
    assert "remembers where the add-in was" in section and "Edit Links" in section
    assert "Change Source" in section
