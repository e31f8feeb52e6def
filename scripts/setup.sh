#!/usr/bin/env bash
# Install everything the hall appliance needs on a fresh Debian 12 / Ubuntu 24.04 machine:
# the system packages (apt-get update, then apt-get install), then the Python package with all its
# extras in .venv beside this checkout. Works as root (no sudo needed) and as a user with sudo.
# Safe to run again: apt and pip only add what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "setup: run as root, or install sudo: the system packages need root" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: this script needs apt-get (Debian 12 or Ubuntu 24.04)" >&2
    exit 1
fi

# What each package is for:
#   mosquitto, mosquitto-clients  the hall's MQTT broker (tests start their own)
#   stunnel4                      the county link's TLS tunnel
#   espeak-ng, alsa-utils         Mandarin voice to WAV files, aplay on the voice node
#   fonts-wqy-microhei            Chinese on every screen, ticket, page and PDF
#   fonts-dejavu-core             Latin letters and digits of the printed self-service records
#   libmtdev1, xvfb, xauth        Kivy windows without a screen
#   chromium                      the citizen page and published guides, tested in a real browser
#   cups, printer-driver-cups-pdf the kiosk's A4 printing, tested against a real cupsd
#   libcups2-dev                  the CUPS headers pycups (the A4 printer's CUPS backend) compiles against
#   poppler-utils                 pdftoppm/pdffonts/pdftotext: reading back printed and reported PDFs
#   postgresql                    the optional multi-hall store, tested against a real server
#   prometheus                    promtool, which checks the shipped alert rules
#   python3-venv, python3-dev, gcc  the virtual environment and the packages that compile (evdev)
PACKAGES=(python3-venv python3-dev gcc mosquitto mosquitto-clients stunnel4 espeak-ng alsa-utils
    fonts-wqy-microhei libmtdev1 xvfb xauth chromium cups printer-driver-cups-pdf poppler-utils
    postgresql prometheus libcups2-dev fonts-dejavu-core)
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${PACKAGES[@]}" >/dev/null

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "setup: the hall needs Python 3.11 or newer; $PYTHON is $("$PYTHON" -V 2>&1)." \
        "Use Debian 12 or Ubuntu 24.04, or set PYTHON=/path/to/python3.11" >&2
    exit 1
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/pip install -q -e '.[all,test]'
echo "setup: done (.venv ready; run the tests with scripts/test.sh)"
