#!/bin/sh
# Install nginx from Debian's packages when it is missing. Idempotent: exits 0
# at once when an nginx with the gRPC proxy module is already on PATH.
# Used by tests/deploy/test_nginx_replicas.py (which runs its own nginx as the
# current user, on loopback ports, with a config under a temporary directory)
# and called from .ci/run.
#
# The package's system service is NOT started: its default site listens on
# port 80 on every interface. A policy-rc.d that denies service starts is in
# place during the install, and on systemd hosts the unit is stopped and
# disabled afterwards.
set -eu

find_nginx() {
    command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true
}

has_grpc() {
    # ngx_http_grpc_module is built in unless configure said otherwise.
    ! "$1" -V 2>&1 | grep -q -- '--without-http_grpc_module'
}

NGINX=$(find_nginx)
if [ -n "$NGINX" ] && has_grpc "$NGINX"; then
    echo "nginx already installed: $NGINX ($("$NGINX" -v 2>&1))"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install.sh: need root (or sudo) to install the nginx package" >&2
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
# `nginx` pulls in the binary package (nginx-core on bookworm, which has the
# gRPC and HTTP/2 modules).
$SUDO env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends nginx

if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl stop nginx.service >/dev/null 2>&1 || true
    $SUDO systemctl disable nginx.service >/dev/null 2>&1 || true
fi

NGINX=$(find_nginx)
[ -n "$NGINX" ] || { echo "install.sh: nginx not found after install" >&2; exit 1; }
has_grpc "$NGINX" || { echo "install.sh: $NGINX was built without the gRPC module" >&2; exit 1; }
echo "installed: $("$NGINX" -v 2>&1)"
