#!/bin/sh
# Install PostgreSQL server binaries from Debian's `postgresql` package when
# they are missing, for the history tests (tests/history) that run their own
# server on a loopback port. Idempotent: exits 0 at once when initdb, pg_ctl
# and postgres are already there (on PATH or under /usr/lib/postgresql/*/bin,
# where Debian puts them). The package's system service is NOT started
# (policy-rc.d blocks it during the install; on systemd it is disabled).
set -eu

find_bindir() {
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 \
        && command -v postgres >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

if BINDIR=$(find_bindir); then
    echo "postgresql already installed: $("$BINDIR/postgres" --version) in $BINDIR"
    exit 0
fi

"$(dirname "$0")/../install-package.sh" postgresql postgresql.service

BINDIR=$(find_bindir) || { echo "install.sh: initdb/pg_ctl/postgres not found after install" >&2; exit 1; }
echo "installed: $("$BINDIR/postgres" --version) in $BINDIR"
