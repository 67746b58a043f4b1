#!/bin/sh
# Install Prometheus and promtool from Debian's `prometheus` package when they
# are missing. Idempotent: exits 0 at once when both are already on PATH.
# The package's system service is NOT started (tests run their own instance on
# loopback ports); policy-rc.d blocks service starts during the install.
set -eu

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    echo "prometheus and promtool already installed: $(command -v prometheus), $(command -v promtool)"
    exit 0
fi

"$(dirname "$0")/../install-package.sh" prometheus

command -v prometheus >/dev/null 2>&1 || { echo "install.sh: prometheus not on PATH after install" >&2; exit 1; }
command -v promtool >/dev/null 2>&1 || { echo "install.sh: promtool not on PATH after install" >&2; exit 1; }
echo "installed: $(prometheus --version 2>&1 | head -n 1)"
