"""Wire-fuzzing soak: 100,000+ malformed requests against a real `screening serve`.

Run with ``.venv/bin/python -m benchmarks.fuzz_soak --cases 100000`` (``--seconds``
bounds the run in time, ``--seed`` makes it repeatable). The server is the
real command in its own process (`benchmarks.servers.screening`), on a free
loopback port. Requests are raw bytes sent with grpcio generic calls; the
oracle in `tests.server.wire_cases` says which status each one must get
(INVALID_ARGUMENT for an undecodable or invalid message,
RESOURCE_EXHAUSTED for a manifest over 1,000 travelers, OK with a decision for
the right traveler for a valid one). Every ``--check-every`` cases a valid
Screen call must still succeed and the process must still be running.

The report gives, per case class, how many cases ran and which statuses they
got, the failures (first few in full), the server's resident memory at the
start and the end, and the duration. Exit code 0 when nothing failed.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import grpc

from benchmarks.servers import ServerProcess, screening
from screening_service.proto import pb, pb_grpc
from tests.factories import manifest, ordinary_adult
from tests.server.wire_cases import (
    ENUM_FIELDS,
    SCREEN,
    SCREEN_MANIFEST,
    SCREEN_STREAM,
    Answer,
    Outcome,
    RawUnary,
    base_requests,
    call,
    expect_screen,
    invalid_utf8_cases,
    manifest_verdict,
    mutate,
    random_field_case,
    random_mutations,
    raw_field,
    raw_unary,
    rich_traveler,
    screen_request_bytes,
    screen_verdict,
    varint,
    with_field,
)

SHOWN_FAILURES = 10
MAX_RECEIVE = 16 * 1024 * 1024
UNIMPLEMENTED = grpc.StatusCode.UNIMPLEMENTED
EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED


@dataclass
class Tally:
    cases: collections.Counter[str] = field(default_factory=collections.Counter)
    statuses: dict[str, collections.Counter[str]] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter)
    )
    failures: list[dict[str, str]] = field(default_factory=list)
    failure_count: int = 0

    def record(self, kind: str, status: str, failure: str | None, payload: bytes) -> None:
        self.cases[kind] += 1
        self.statuses[kind][status] += 1
        if failure is not None:
            self.failure_count += 1
            if len(self.failures) < SHOWN_FAILURES:
                self.failures.append(
                    {"class": kind, "failure": failure, "payload": payload[:256].hex()}
                )


class Cases:
    """Generators of malformed requests, one per class, from one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.bases = base_requests()
        self.rich = rich_traveler()
        self.rich_bytes = self.rich.SerializeToString()
        self.utf8 = [payload for _, payload in invalid_utf8_cases()]
        flight = manifest([ordinary_adult("T-1"), rich_traveler("T-2"), ordinary_adult("T-3")])
        self.manifest = pb.ScreenManifestRequest(manifest=flight).SerializeToString()
        crowd = manifest([ordinary_adult(f"T-{i:04d}") for i in range(1001)])
        self.crowded_flight = pb.ScreenManifestRequest(manifest=crowd).SerializeToString()

    def random_bytes(self) -> bytes:
        size = self.rng.choice([16, 256, 4096])
        return self.rng.randbytes(self.rng.randrange(size))

    def mutated(self) -> bytes:
        return mutate(self.rng.choice(self.bases), random_mutations(self.rng))

    def one_field(self) -> bytes:
        return random_field_case(self.rng, self.rich)

    def truncated(self) -> bytes:
        base = self.rng.choice(self.bases)
        if self.rng.random() < 0.5:
            return base[: self.rng.randrange(len(base))]
        traveler = pb.ScreenRequest.FromString(base).traveler.SerializeToString()
        return screen_request_bytes(traveler[: self.rng.randrange(len(traveler))])

    def invalid_utf8(self) -> bytes:
        return self.rng.choice(self.utf8)

    def raw_varint(self) -> bytes:
        number = self.rng.choice([5, 10])  # sex, direction
        value = self.rng.getrandbits(self.rng.choice([3, 31, 32, 64]))
        data = varint(value)
        if self.rng.random() < 0.05:
            data = b"\xff" * 10 + b"\x01"  # longer than any varint
        return screen_request_bytes(self.rich_bytes + raw_field(number, 0, data))

    def nested_groups(self) -> bytes:
        depth = self.rng.choice([1, 50, 99, 100, 101, 200, 5_000])
        return b"\x7b" * depth + b"\x7c" * depth  # field 15 start/end group

    def manifest_mutated(self) -> bytes:
        return mutate(self.manifest, random_mutations(self.rng))

    def huge_repeated(self) -> bytes:
        """100,000 companions or observations, or 10,000 segments."""
        choice = self.rng.randrange(3)
        crowded = pb.Traveler()
        crowded.CopyFrom(self.rich)
        if choice == 0:
            crowded.companions.extend([crowded.companions[0]] * 100_000)
        elif choice == 1:
            crowded.observations.extend([crowded.observations[0]] * 100_000)
        else:
            crowded.itinerary.segments.extend([crowded.itinerary.segments[0]] * 10_000)
        return pb.ScreenRequest(traveler=crowded).SerializeToString()

    def oversized(self) -> bytes:
        """Just above the server's 16 MiB receive limit."""
        big = pb.Traveler()
        big.CopyFrom(self.rich)
        big.observations[0].note = "x" * (MAX_RECEIVE + self.rng.randrange(1, 1024))
        return pb.ScreenRequest(traveler=big).SerializeToString()

    def unknown_method(self) -> tuple[str, bytes]:
        name = self.rng.choice(
            ["Nope", "screen", "Screen2", "", "ReloadRulesets", "GetRuleSet", "\u00e9"]
        )
        service = self.rng.choice(
            ["screening.v1.ScreeningService", "screening.v2.ScreeningService", "x.Y"]
        )
        return f"/{service}/{name}", self.rng.choice(self.bases)


Check = Callable[[bytes, Answer], "str | None"]


def expect_code(code: grpc.StatusCode) -> Check:
    def check(payload: bytes, answer: Answer) -> str | None:
        del payload
        return None if answer.code == code else f"answered {answer.code.name}, not {code.name}"

    return check


def on(method: str, make: Callable[[], bytes]) -> Callable[[], tuple[str, bytes]]:
    return lambda: (method, make())


@dataclass(frozen=True)
class Kind:
    name: str
    weight: int  # 0: not drawn, run on a schedule instead
    make: Callable[[], tuple[str, bytes]]
    check: Check


def kinds(cases: Cases) -> dict[str, Kind]:
    screen, flight = screen_verdict, manifest_verdict
    return {
        k.name: k
        for k in [
            Kind("random-bytes", 25, on(SCREEN, cases.random_bytes), screen),
            Kind("mutated", 30, on(SCREEN, cases.mutated), screen),
            Kind("enum-or-text", 15, on(SCREEN, cases.one_field), screen),
            Kind("truncated", 10, on(SCREEN, cases.truncated), screen),
            Kind("invalid-utf8", 4, on(SCREEN, cases.invalid_utf8), screen),
            Kind("raw-varint-enum", 5, on(SCREEN, cases.raw_varint), screen),
            Kind("nested-groups", 3, on(SCREEN, cases.nested_groups), screen),
            Kind("manifest-mutated", 8, on(SCREEN_MANIFEST, cases.manifest_mutated), flight),
            Kind("unknown-method", 1, cases.unknown_method, expect_code(UNIMPLEMENTED)),
            Kind("huge-repeated", 0, on(SCREEN, cases.huge_repeated), screen),
            Kind("1001-travelers", 0, on(SCREEN_MANIFEST, lambda: cases.crowded_flight), flight),
            Kind("oversized", 0, on(SCREEN, cases.oversized), expect_code(EXHAUSTED)),
        ]
    }


def stream_round(channel: grpc.Channel, rng: random.Random, tally: Tally) -> None:
    """Five decodable items, valid or not, on one ScreenStream: one result each, in order."""
    rich = rich_traveler()
    items = []
    for i in range(5):
        if rng.random() < 0.5:
            payload = pb.ScreenRequest(traveler=rich_traveler(f"T-S{i}")).SerializeToString()
        else:
            changed = pb.Traveler()
            changed.CopyFrom(rich)
            changed.traveler_id = f"T-S{i}"
            payload = with_field(changed, rng.choice(ENUM_FIELDS), rng.randint(8, 2**31 - 1))
        items.append(payload)
    stream = channel.stream_stream(
        SCREEN_STREAM, request_serializer=None, response_deserializer=None
    )
    failure: str | None = None
    try:
        results = [pb.ScreenStreamResponse.FromString(b) for b in stream(iter(items), timeout=30)]
        status = "OK"
    except grpc.RpcError as error:
        results, status = [], error.code().name
        failure = f"stream ended {status}"
    if failure is None and len(results) != len(items):
        failure = f"{len(results)} results for {len(items)} items"
    for payload, result in zip(items, results, strict=False):
        outcome, request = expect_screen(payload)
        kind = "decision" if outcome is Outcome.VALID else "error"
        if (
            result.traveler_id != request.traveler.traveler_id
            or result.WhichOneof("result") != kind
        ):
            failure = f"item {request.traveler.traveler_id}: expected {kind}"
    tally.record("stream-mixed", status, failure, b"".join(items))


def still_serving(stub: pb_grpc.ScreeningServiceStub, server: ServerProcess) -> str | None:
    if server.process.poll() is not None:
        return f"server exited with code {server.process.returncode}"
    try:
        decision = stub.Screen(
            pb.ScreenRequest(traveler=ordinary_adult("T-ALIVE")), timeout=30
        ).decision
    except grpc.RpcError as error:
        return f"valid call failed: {error.code().name} {error.details()}"
    if decision.referral != pb.REFERRAL_NONE:
        return "valid call got an unexpected referral"
    return None


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class Report:
    cases: int
    seconds: float
    seed: int
    by_class: dict[str, dict[str, int]]
    failures: int
    first_failures: list[dict[str, str]]
    liveness_failures: list[str]
    server_rss_kib: tuple[int | None, int | None]
    server_exit_code: int | None

    @property
    def statuses(self) -> collections.Counter[str]:
        total: collections.Counter[str] = collections.Counter()
        for statuses in self.by_class.values():
            total.update(statuses)
        return total

    @property
    def failed(self) -> bool:
        return bool(self.failures or self.liveness_failures or self.server_exit_code)

    def text(self) -> str:
        rate = self.cases / self.seconds if self.seconds else 0.0
        lines = [f"{self.cases} cases in {self.seconds:.1f} s ({rate:.0f}/s), seed {self.seed}"]
        lines += [
            f"  {kind:<18} {sum(statuses.values()):>7}  {statuses}"
            for kind, statuses in self.by_class.items()
        ]
        lines.append(f"statuses: {dict(self.statuses.most_common())}")
        lines.append(f"failures: {self.failures}; liveness: {self.liveness_failures or 'ok'}")
        lines += [f"  {failure}" for failure in self.first_failures]
        start, end = self.server_rss_kib
        lines.append(f"server RSS: {start} KiB at start, {end} KiB at end")
        lines.append(f"server exit code after SIGTERM: {self.server_exit_code}")
        return "\n".join(lines)


def soak(cases_wanted: int, seconds: float, seed: int, check_every: int) -> Report:
    rng = random.Random(seed)
    generators = kinds(Cases(rng))
    drawn = [k for k in generators.values() if k.weight]
    weights = [k.weight for k in drawn]
    tally = Tally()
    liveness: list[str] = []
    with (
        screening() as server,
        grpc.insecure_channel(
            server.address, options=[("grpc.max_send_message_length", -1)]
        ) as channel,
    ):
        methods: dict[str, RawUnary] = {}
        stub = pb_grpc.ScreeningServiceStub(channel)
        rss_start = rss_kib(server.pid)
        started = time.monotonic()
        done = 0
        while done < cases_wanted and time.monotonic() - started < seconds:
            if done % 50 == 49:
                stream_round(channel, rng, tally)
            else:
                if done % 5_000 == 2_500:
                    kind = generators["oversized"]
                elif done % 5_000 == 1_500:
                    kind = generators["1001-travelers"]
                elif done % 1_000 == 500:
                    kind = generators["huge-repeated"]
                else:
                    kind = rng.choices(drawn, weights)[0]
                method, payload = kind.make()
                if method not in methods:
                    methods[method] = raw_unary(channel, method)
                answer = call(methods[method], payload)
                tally.record(kind.name, answer.code.name, kind.check(payload, answer), payload)
            done += 1
            if done % check_every == 0 and (problem := still_serving(stub, server)):
                liveness.append(f"after {done} cases: {problem}")
                if server.process.poll() is not None:
                    break
        duration = time.monotonic() - started
        if problem := still_serving(stub, server):
            liveness.append(f"at the end: {problem}")
        rss_end = rss_kib(server.pid)
        exit_code = server.stop()
    return Report(
        cases=done,
        seconds=duration,
        seed=seed,
        by_class={
            kind: dict(tally.statuses[kind].most_common()) for kind, _ in tally.cases.most_common()
        },
        failures=tally.failure_count,
        first_failures=tally.failures,
        liveness_failures=liveness,
        server_rss_kib=(rss_start, rss_end),
        server_exit_code=exit_code,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Wire-fuzzing soak against `screening serve`.")
    parser.add_argument("--cases", type=int, default=100_000, help="how many cases at most")
    parser.add_argument("--seconds", type=float, default=900.0, help="stop after this long")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--check-every", type=int, default=1_000, help="liveness check period")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = soak(args.cases, args.seconds, args.seed, args.check_every)
    if args.json:
        print(json.dumps({**asdict(report), "statuses": dict(report.statuses)}, indent=2))
    else:
        print(report.text())
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
