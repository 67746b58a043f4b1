# syntax=docker/dockerfile:1
#
# Traveler screening service image: `screening serve`, gRPC on 50051 and
# Prometheus metrics on 9464, as a non-root user on a read-only-friendly
# filesystem. deploy/k8s/deployment.yaml runs it with the same command, ports
# and user (tests/deploy/test_k8s_manifests.py checks that they agree).
#
#   docker build -t screening-service:0.1.0 .
#
# The service refuses to bind a non-loopback address in plain text. Either
# give it TLS (mount the PEM files, set SCREENING_TLS_CERT/SCREENING_TLS_KEY),
# or, behind a trusted proxy or mesh only, allow plain text explicitly:
#
#   docker run --rm -p 127.0.0.1:50051:50051 -p 127.0.0.1:9464:9464 \
#     -e SCREENING_ALLOW_INSECURE_PUBLIC_BIND=1 screening-service:0.1.0
#
# Nothing is fetched at run time: the wheels are built and installed here, and
# the bundled rule pack is in /etc/screening/rules (Kubernetes mounts the
# `screening-rules` ConfigMap over it).

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------- build
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# durable-rules is published as a source distribution with a C extension.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY screening_service/ screening_service/

# The service's wheel, then a virtual environment with it and its
# dependencies at the versions constraints.txt pins (the ones CI tests).
RUN pip wheel --no-deps --wheel-dir /dist . \
    && python -m venv /opt/screening \
    && /opt/screening/bin/pip install --constraint constraints.txt /dist/*.whl \
    && /opt/screening/bin/pip uninstall --yes pip \
    && /opt/screening/bin/screening --help >/dev/null

# ---------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime

ENV PATH=/opt/screening/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SCREENING_RULES=/etc/screening/rules

# A fixed numeric id, so Kubernetes can verify runAsNonRoot (deployment.yaml
# runs as 10001:10001 too).
RUN groupadd --system --gid 10001 screening \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin screening

COPY --from=build /opt/screening /opt/screening
# The pack's top-level files, as `kubectl create configmap --from-file=rules/`
# takes them; owned by root, read-only for the service.
COPY rules/*.yaml /etc/screening/rules/

USER 10001:10001
EXPOSE 50051 9464
STOPSIGNAL SIGTERM

# For plain `docker run` (a plain-text check: with TLS on, run with
# --no-healthcheck); Kubernetes uses its native gRPC probes instead.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, grpc; from grpc_health.v1 import health_pb2 as h, health_pb2_grpc as g; s = g.HealthStub(grpc.insecure_channel('127.0.0.1:50051')).Check(h.HealthCheckRequest(), timeout=3).status; sys.exit(0 if s == h.HealthCheckResponse.SERVING else 1)"]

ENTRYPOINT ["screening"]
CMD ["serve", "--address", "0.0.0.0:50051", "--metrics-address", "0.0.0.0:9464"]
