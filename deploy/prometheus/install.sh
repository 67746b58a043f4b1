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

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install.sh: need root (or sudo) to install the prometheus package" >&2
        exit 1
    fi
fi

# Keep the package's postinst from starting prometheus.service: write a
# policy-rc.d that denies starts, unless one is already there.
POLICY=/usr/sbin/policy-rc.d
CREATED_POLICY=""
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
    $SUDO chmod 0755 "$POLICY"
    CREATED_POLICY=1
fi
cleanup() {
    if [ -n "$CREATED_POLICY" ]; then
        $SUDO rm -f "$POLICY"
    fi
}
trap cleanup EXIT

$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends prometheus

# Belt and braces on systemd hosts: make sure the packaged service is not
# running (it would listen on :9090); ignore hosts without systemd.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl stop prometheus.service >/dev/null 2>&1 || true
fi

command -v prometheus >/dev/null 2>&1 || { echo "install.sh: prometheus not on PATH after install" >&2; exit 1; }
command -v promtool >/dev/null 2>&1 || { echo "install.sh: promtool not on PATH after install" >&2; exit 1; }
echo "installed: $(prometheus --version 2>&1 | head -n 1)"
