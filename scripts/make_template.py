"""Write ``workbook_template.xlsx`` (built by ``addin.register.template`` from the schema).

    python3 scripts/make_template.py [OUT]        # default: workbook_template.xlsx at the repo root

The file is deterministic: two runs write identical bytes, and a test checks the
committed file against this script's output.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# openpyxl serialises through lxml when it is installed (`<a/>`) and through the standard
# library otherwise (`<a />`): the same template, different bytes. Always the standard library,
# so the committed file does not depend on what else is installed. (Read at openpyxl's import.)
os.environ["OPENPYXL_LXML"] = "False"

from addin.register.template import template_bytes  # noqa: E402

DEFAULT_OUT = ROOT / "workbook_template.xlsx"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else DEFAULT_OUT
    out.write_bytes(template_bytes())
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
