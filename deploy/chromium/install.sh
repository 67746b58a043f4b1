#!/bin/sh
# Install headless Chromium from Debian's `chromium` package when it is
# missing, with one font family so a screenshot has legible text. Idempotent:
# exits 0 at once when /usr/bin/chromium already runs.
# Used by tests/evaluation/test_html_chromium.py (which starts Chromium
# itself, headless, with a throwaway profile, and kills its process group)
# and called from .ci/run. Chromium has no system service to keep stopped.
set -eu

CHROMIUM=/usr/bin/chromium
HERE="$(dirname "$0")"

if [ -x "$CHROMIUM" ] && "$CHROMIUM" --version >/dev/null 2>&1; then
    echo "chromium already installed: $("$CHROMIUM" --version)"
    exit 0
fi

"$HERE/../install-package.sh" chromium chromium.service
"$HERE/../install-package.sh" fonts-liberation fonts-liberation.service

[ -x "$CHROMIUM" ] || { echo "install.sh: $CHROMIUM not found after install" >&2; exit 1; }
echo "installed: $("$CHROMIUM" --version)"
