#!/bin/sh
# Install one Debian package without starting its system service, for the
# tests that run their own instance on loopback ports (deploy/*/install.sh).
#   install-package.sh PACKAGE [SERVICE]
# A policy-rc.d that denies service starts is in place during the install, and
# on systemd hosts SERVICE (default: PACKAGE.service) is stopped and disabled.
set -eu
PACKAGE="$1"
SERVICE="${2:-$PACKAGE.service}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-package.sh: need root (or sudo) to install $PACKAGE" >&2
        exit 1
    fi
fi

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
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$PACKAGE"

if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl stop "$SERVICE" >/dev/null 2>&1 || true
    $SUDO systemctl disable "$SERVICE" >/dev/null 2>&1 || true
fi
