#!/usr/bin/env bash
# Relance: one command to set everything up on a fresh Linux machine.
#  - the Python package with its test tools (editable, so `relance` runs this checkout);
#  - LibreOffice headless, poppler (pdftoppm) and fonts, which the spreadsheet tests use,
#    from Debian's packages when apt is available and we may use it.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=0
for tool in soffice pdftoppm; do command -v "$tool" >/dev/null 2>&1 || need_apt=1; done
if [ "$need_apt" = 1 ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    libreoffice-calc libreoffice-core poppler-utils fonts-dejavu-core >/dev/null
fi

python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"
echo "Relance installed: try 'relance demo', then 'python3 -m pytest'."
