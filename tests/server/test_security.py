"""TLS, mutual TLS and bearer tokens with roles, on a real server process."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc

from screening_service.proto import pb, pb_grpc
from tests.conftest import BUNDLED_RULES
from tests.factories import ordinary_adult
from tests.server.certificates import CertificateAuthority, Pem
from tests.serving import ServeProcess, free_port

SCREEN_TOKEN = "screen-token-for-tests-only"
ADMIN_TOKEN = "admin-token-for-tests-only"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> CertificateAuthority:
    return CertificateAuthority(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def auth_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("auth") / "auth.yaml"
    document = {
        "tokens": [
            {"name": "poe-system", "sha256": digest(SCREEN_TOKEN), "roles": ["screen"]},
            {"name": "rule-admin", "sha256": digest(ADMIN_TOKEN), "roles": ["screen", "admin"]},
        ],
        "clients": [{"common_name": "poe-gateway", "roles": ["screen"]}],
    }
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.fixture(scope="module")
def mtls_server(pki: CertificateAuthority, auth_file: Path) -> Iterator[ServeProcess]:
    server = pki.issue("localhost", server=True)
    tls = [
        "--tls-cert", str(server.cert), "--tls-key", str(server.key),
        "--tls-client-ca", str(pki.pem.cert), "--require-client-cert",
    ]  # fmt: skip
    probe = credentials(pki.pem, pki.issue("health-probe"))
    process = ServeProcess(
        BUNDLED_RULES, *tls, "--auth", str(auth_file), "--no-watch", credentials=probe
    )
    yield process
    process.kill()


def credentials(ca: Pem, client: Pem | None) -> grpc.ChannelCredentials:
    key, cert = client.pair() if client else (None, None)
    return grpc.ssl_channel_credentials(ca.cert.read_bytes(), key, cert)


def channel(process: ServeProcess, ca: Pem, client: Pem | None) -> grpc.Channel:
    return grpc.secure_channel(process.address, credentials(ca, client))


def screen(ch: grpc.Channel, token: str | None = None) -> pb.Decision:
    metadata = (("authorization", f"Bearer {token}"),) if token else None
    stub = pb_grpc.ScreeningServiceStub(ch)
    return stub.Screen(
        pb.ScreenRequest(traveler=ordinary_adult()), metadata=metadata, timeout=10
    ).decision


def reload(ch: grpc.Channel, token: str | None = None) -> pb.ReloadRulesetResponse:
    metadata = (("authorization", f"Bearer {token}"),) if token else None
    stub = pb_grpc.ScreeningServiceStub(ch)
    return stub.ReloadRuleset(pb.ReloadRulesetRequest(), metadata=metadata, timeout=30)


def code_of(call: object) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as caught:
        call()  # type: ignore[operator]
    return caught.value.code()


def test_client_certificate_with_the_screen_role_may_screen_not_reload(
    mtls_server: ServeProcess, pki: CertificateAuthority
) -> None:
    with channel(mtls_server, pki.pem, pki.issue("poe-gateway")) as ch:
        assert screen(ch).referral == pb.REFERRAL_NONE
        assert code_of(lambda: reload(ch)) == grpc.StatusCode.PERMISSION_DENIED


def test_unknown_client_certificate_needs_a_token(
    mtls_server: ServeProcess, pki: CertificateAuthority
) -> None:
    with channel(mtls_server, pki.pem, pki.issue("stranger")) as ch:
        assert code_of(lambda: screen(ch)) == grpc.StatusCode.UNAUTHENTICATED
        assert code_of(lambda: screen(ch, "wrong-token")) == grpc.StatusCode.UNAUTHENTICATED
        assert screen(ch, SCREEN_TOKEN).referral == pb.REFERRAL_NONE
        assert code_of(lambda: reload(ch, SCREEN_TOKEN)) == grpc.StatusCode.PERMISSION_DENIED
        assert reload(ch, ADMIN_TOKEN).ruleset.version == "2026.12.1"


def test_health_needs_no_credentials_but_a_client_certificate(
    mtls_server: ServeProcess, pki: CertificateAuthority
) -> None:
    with channel(mtls_server, pki.pem, pki.issue("any-probe")) as ch:
        status = (
            health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=10).status
        )
        assert status == health_pb2.HealthCheckResponse.SERVING


def test_mutual_tls_refuses_a_client_without_a_certificate(
    mtls_server: ServeProcess, pki: CertificateAuthority
) -> None:
    with channel(mtls_server, pki.pem, None) as ch:
        assert code_of(lambda: screen(ch, SCREEN_TOKEN)) == grpc.StatusCode.UNAVAILABLE


def test_plaintext_client_cannot_talk_to_a_tls_server(mtls_server: ServeProcess) -> None:
    with grpc.insecure_channel(mtls_server.address) as ch:
        assert code_of(lambda: screen(ch, SCREEN_TOKEN)) == grpc.StatusCode.UNAVAILABLE


def test_server_only_tls_with_tokens(pki: CertificateAuthority, auth_file: Path) -> None:
    server = pki.issue("localhost", server=True)
    tls = ["--tls-cert", str(server.cert), "--tls-key", str(server.key)]
    process = ServeProcess(
        BUNDLED_RULES,
        *tls,
        "--auth",
        str(auth_file),
        "--no-watch",
        credentials=credentials(pki.pem, None),
    )
    try:
        with channel(process, pki.pem, None) as ch:
            assert code_of(lambda: screen(ch)) == grpc.StatusCode.UNAUTHENTICATED
            assert screen(ch, SCREEN_TOKEN).referral == pb.REFERRAL_NONE
    finally:
        process.kill()


def test_public_bind_without_tls_is_refused() -> None:
    command = [sys.executable, "-m", "screening_service", "serve"]
    ports = ["--address", f"0.0.0.0:{free_port()}", "--metrics-address", f"127.0.0.1:{free_port()}"]
    result = subprocess.run(
        [*command, *ports],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "refusing to serve 0.0.0.0" in result.stdout
