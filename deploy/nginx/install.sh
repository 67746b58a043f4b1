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

"$(dirname "$0")/../install-package.sh" nginx

NGINX=$(find_nginx)
[ -n "$NGINX" ] || { echo "install.sh: nginx not found after install" >&2; exit 1; }
has_grpc "$NGINX" || { echo "install.sh: $NGINX was built without the gRPC module" >&2; exit 1; }
echo "installed: $("$NGINX" -v 2>&1)"
