"""Interop: a second, independent gRPC stack (grpclib, pure Python over h2) as the client.

The grpclib stubs are generated at test time from proto/screening/v1/screening.proto
with grpclib's protoc plugin, into a temporary directory. They import
``screening.v1.screening_pb2``; that name is aliased, only while the generated
module loads, to the service's own generated messages, so both stacks share one
set of message classes.
"""

from __future__ import annotations

import asyncio
import importlib.util
import subprocess
import sys
import types
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import google.rpc
import pytest
from google.rpc import error_details_pb2
from grpclib.client import Channel, StreamStreamMethod, UnaryUnaryMethod
from grpclib.const import Status
from grpclib.encoding.proto import ProtoStatusDetailsCodec
from grpclib.exceptions import GRPCError

from screening_service.proto import pb
from tests.conftest import ROOT, RunningServer
from tests.factories import (
    assert_lone_minor_referred,
    lone_minor_cash_last_minute,
    manifest,
    ordinary_adult,
)

T = TypeVar("T")
PROTO = Path("screening/v1/screening.proto")
PLUGIN = Path(sys.executable).with_name("protoc-gen-grpclib_python")


@dataclass(frozen=True)
class Screening:
    """The generated grpclib stub's methods, typed."""

    screen: UnaryUnaryMethod[pb.ScreenRequest, pb.ScreenResponse]
    screen_manifest: UnaryUnaryMethod[pb.ScreenManifestRequest, pb.ScreenManifestResponse]
    screen_stream: StreamStreamMethod[pb.ScreenRequest, pb.ScreenStreamResponse]
    get_ruleset: UnaryUnaryMethod[pb.GetRulesetRequest, pb.GetRulesetResponse]


StubFactory = Callable[[Channel], Screening]


def generate(out: Path) -> Path:
    """Run protoc with grpclib's plugin; the path of the generated module."""
    tools = importlib.util.find_spec("grpc_tools")
    assert tools is not None
    assert tools.origin is not None
    well_known = Path(tools.origin).parent / "_proto"
    googleapis = Path(google.rpc.__path__[0]).parent.parent
    command = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{ROOT / 'proto'}",
        f"-I{well_known}",
        f"-I{googleapis}",
        f"--plugin=protoc-gen-grpclib_python={PLUGIN}",
        f"--grpclib_python_out={out}",
        str(ROOT / "proto" / PROTO),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return out / PROTO.with_name("screening_grpc.py")


def load(path: Path) -> types.ModuleType:
    """Import the generated module with `screening.v1.screening_pb2` aliased to ours."""
    package = types.ModuleType("screening")
    version = types.ModuleType("screening.v1")
    package.v1 = version  # type: ignore[attr-defined]
    version.screening_pb2 = pb  # type: ignore[attr-defined]
    spec = importlib.util.spec_from_file_location("grpclib_screening_grpc", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with pytest.MonkeyPatch.context() as patch:
        for name, alias in (
            ("screening", package),
            ("screening.v1", version),
            ("screening.v1.screening_pb2", pb),
        ):
            assert name not in sys.modules, f"{name} is a real module here"
            patch.setitem(sys.modules, name, alias)
        spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def stubs(tmp_path_factory: pytest.TempPathFactory) -> StubFactory:
    module = load(generate(tmp_path_factory.mktemp("grpclib")))

    def make(channel: Channel) -> Screening:
        stub = module.ScreeningServiceStub(channel)
        assert stub.Screen.request_type is pb.ScreenRequest
        return Screening(stub.Screen, stub.ScreenManifest, stub.ScreenStream, stub.GetRuleset)

    return make


def run(
    server: RunningServer,
    stubs: StubFactory,
    scenario: Callable[[Screening], Coroutine[Any, Any, T]],
) -> T:
    """Run `scenario` on a fresh event loop with a grpclib channel to the real server."""

    async def main() -> T:
        async with Channel(
            "127.0.0.1", server.service.port, status_details_codec=ProtoStatusDetailsCodec()
        ) as channel:
            return await asyncio.wait_for(scenario(stubs(channel)), timeout=60)

    return asyncio.run(main())


def field_violations(error: GRPCError) -> dict[str, str]:
    """The google.rpc.BadRequest details, as grpclib decoded them from the trailer."""
    assert error.details, "no grpc-status-details-bin details decoded"
    found: dict[str, str] = {}
    for detail in error.details:
        assert isinstance(detail, error_details_pb2.BadRequest)
        found.update({v.field: v.description for v in detail.field_violations})
    return found


def test_screen_referral_and_none(server: RunningServer, stubs: StubFactory) -> None:
    async def scenario(s: Screening) -> tuple[pb.Decision, pb.Decision]:
        minor = await s.screen(pb.ScreenRequest(traveler=lone_minor_cash_last_minute()))
        adult = await s.screen(pb.ScreenRequest(traveler=ordinary_adult()))
        return minor.decision, adult.decision

    minor, adult = run(server, stubs, scenario)

    assert_lone_minor_referred(minor)
    assert len(minor.ruleset_hash) == 64
    assert minor.evaluated_at.seconds > 0

    assert adult.traveler_id == "T-ADULT"
    assert adult.referral == pb.REFERRAL_NONE
    assert list(adult.indicators) == []
    assert adult.score == 0.0


def test_screen_manifest(server: RunningServer, stubs: StubFactory) -> None:
    travelers = [ordinary_adult("T-1"), lone_minor_cash_last_minute("T-2"), ordinary_adult("T-3")]

    async def scenario(s: Screening) -> pb.ScreenManifestResponse:
        return await s.screen_manifest(pb.ScreenManifestRequest(manifest=manifest(travelers)))

    response = run(server, stubs, scenario)

    assert [(d.traveler_id, d.referral) for d in response.decisions] == [
        ("T-1", pb.REFERRAL_NONE),
        ("T-2", pb.REFERRAL_PRIORITY_INTERVIEW),
        ("T-3", pb.REFERRAL_NONE),
    ]


def test_screen_stream_is_bidirectional_and_survives_a_bad_item(
    server: RunningServer, stubs: StubFactory
) -> None:
    """Each answer is read before the next request is sent: the call is truly bidirectional."""
    bad = ordinary_adult("T-BAD")
    bad.surname = ""
    requests = [
        pb.ScreenRequest(traveler=lone_minor_cash_last_minute("T-1")),
        pb.ScreenRequest(traveler=bad),
        pb.ScreenRequest(traveler=ordinary_adult("T-3")),
    ]

    async def scenario(
        s: Screening,
    ) -> tuple[list[pb.ScreenStreamResponse], list[tuple[str, str]]]:
        results: list[pb.ScreenStreamResponse] = []
        async with s.screen_stream.open(metadata={"x-request-id": "grpclib-stream-1"}) as stream:
            for request in requests:
                await stream.send_message(request)
                answer = await stream.recv_message()
                assert answer is not None
                results.append(answer)
            await stream.end()
            assert await stream.recv_message() is None
        trailers = [(str(k), str(v)) for k, v in (stream.trailing_metadata or {}).items()]
        return results, trailers

    results, trailers = run(server, stubs, scenario)

    assert [(r.traveler_id, r.WhichOneof("result")) for r in results] == [
        ("T-1", "decision"),
        ("T-BAD", "error"),
        ("T-3", "decision"),
    ]
    assert results[0].decision.referral == pb.REFERRAL_PRIORITY_INTERVIEW
    assert results[2].decision.referral == pb.REFERRAL_NONE
    assert results[1].error.code == Status.INVALID_ARGUMENT.value
    detail = error_details_pb2.BadRequest()
    assert results[1].error.details[0].Unpack(detail)
    assert [(v.field, v.description) for v in detail.field_violations] == [
        ("traveler.surname", "is required")
    ]
    assert ("x-request-id", "grpclib-stream-1") in trailers


def test_get_ruleset(server: RunningServer, stubs: StubFactory) -> None:
    async def scenario(s: Screening) -> pb.Ruleset:
        return (await s.get_ruleset(pb.GetRulesetRequest())).ruleset

    ruleset = run(server, stubs, scenario)

    assert ruleset.version == "2026.12.1"
    assert len(ruleset.hash) == 64
    assert ruleset.loaded_at.seconds > 0
    by_id = {r.rule_id: r for r in ruleset.rules}
    assert by_id["cash-payment"].mode == pb.RULE_MODE_ENFORCE
    assert by_id["observation-documents-held-by-other"].refer_priority


def test_invalid_argument_with_bad_request_details(
    server: RunningServer, stubs: StubFactory
) -> None:
    bad = ordinary_adult()
    bad.traveler_id = ""
    bad.date_of_birth = "1986-02-30"
    broken = ordinary_adult("T-3")
    broken.document.expiry_date = "2019-01-01"
    flight = manifest([ordinary_adult("T-1"), ordinary_adult("T-1"), broken])

    async def scenario(s: Screening) -> tuple[GRPCError, GRPCError]:
        with pytest.raises(GRPCError) as screen:
            await s.screen(pb.ScreenRequest(traveler=bad))
        with pytest.raises(GRPCError) as whole:
            await s.screen_manifest(pb.ScreenManifestRequest(manifest=flight))
        return screen.value, whole.value

    screen, whole = run(server, stubs, scenario)

    assert screen.status is Status.INVALID_ARGUMENT
    assert screen.message is not None
    assert screen.message.startswith("2 invalid field(s)")
    assert field_violations(screen) == {
        "traveler.traveler_id": "is required",
        "traveler.date_of_birth": "must be a date written YYYY-MM-DD",
    }
    assert whole.status is Status.INVALID_ARGUMENT
    assert field_violations(whole) == {
        "manifest.travelers[1].traveler_id": "repeats travelers[0].traveler_id",
        "manifest.travelers[2].document.expiry_date": "is before issue_date",
    }


def test_health_with_grpclibs_own_stubs(server: RunningServer) -> None:
    """grpclib.health.v1 in a process of its own (see grpclib_health_probe for why)."""
    done = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-m",
            "tests.server.grpclib_health_probe",
            str(server.service.port),
            "",
            "screening.v1.ScreeningService",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["=SERVING", "screening.v1.ScreeningService=SERVING"]
