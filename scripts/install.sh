#!/usr/bin/env bash
# Relance: one command to set everything up on a fresh Linux machine.
#  - a virtual environment in .venv (Debian's Python refuses system-wide pip installs), with
#    Relance and its test tools installed editable, so `.venv/bin/relance` runs this checkout;
#  - LibreOffice headless, poppler (pdftoppm) and fonts, which the spreadsheet tests use, and
#    python3-venv when Python cannot make an environment, from Debian's packages when apt is
#    available and we may use it.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need=()
for tool in soffice pdftoppm; do command -v "$tool" >/dev/null 2>&1 || need=(libreoffice-calc libreoffice-core poppler-utils fonts-dejavu-core); done
if [ "${#need[@]}" -gt 0 ]; then
  apt_install "${need[@]}" || echo "Could not install ${need[*]} with apt-get: the LibreOffice tests will be skipped." >&2
fi

# Debian's python3 makes a venv only once python3-venv (ensurepip) is installed.
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv 2>/dev/null || { rm -rf .venv; apt_install python3-venv; "$PYTHON" -m venv .venv; }
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
echo "Relance installed in .venv: try '.venv/bin/relance demo', then '.venv/bin/python -m pytest'."
