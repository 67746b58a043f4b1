"""Two replicas behind nginx: a graceful stop of one under load fails no call.

Starts two `screening serve` processes on free loopback ports, and nginx
(Debian's package, installed by deploy/nginx/install.sh when missing) as the
current user with deploy/nginx/screening.conf under a temporary directory:
HTTP/2 on a loopback port, `grpc_pass` to both replicas, failover to the next
replica. A grpcio client with a retry policy (UNAVAILABLE, 5 attempts) sends a
bounded run of Screen calls from several threads; part-way through, one
replica gets SIGTERM. Every call must succeed, both replicas must have served
before the stop, and the stopped one must exit 0.

What was measured (calls, attempts per replica, nginx failovers, client-visible
retries, the stop's timing) is printed as one JSON line (`pytest -s`).
"""

from __future__ import annotations

import json
import os
import pwd
import grp
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from screening_service.proto import pb, pb_grpc
from tests.factories import lone_minor_cash_last_minute, ordinary_adult, traveler
from tests.serving import ServeProcess, free_port

ROOT: Final = Path(__file__).resolve().parents[2]
BUNDLED_RULES: Final = ROOT / "rules"
TEMPLATE: Final = ROOT / "deploy" / "nginx" / "screening.conf"
INSTALL: Final = ROOT / "deploy" / "nginx" / "install.sh"
SERVICE: Final = "screening.v1.ScreeningService"

MAX_CALLS: Final = 1500  # the run stops at whichever bound comes first
MAX_SECONDS: Final = 20.0
STOP_AFTER: Final = 500  # completed calls before the SIGTERM
THREADS: Final = 8
CALL_TIMEOUT: Final = 10.0
WAIT_SECONDS: Final = 20.0

RETRY_SERVICE_CONFIG: Final = {
    "methodConfig": [
        {
            "name": [{"service": SERVICE}],
            "retryPolicy": {
                "maxAttempts": 5,
                "initialBackoff": "0.05s",
                "maxBackoff": "0.5s",
                "backoffMultiplier": 2,
                "retryableStatusCodes": ["UNAVAILABLE"],
            },
        }
    ]
}
CHANNEL_OPTIONS: Final = [
    ("grpc.enable_retries", 1),
    ("grpc.service_config", json.dumps(RETRY_SERVICE_CONFIG)),
]
SCREENED: Final = re.compile(r"^screening_travelers_screened_total(?:\{\})? (\S+)$", re.MULTILINE)
LISTEN_SLOT: Final = re.compile(r"^(\s*listen )@LISTEN@ ", re.MULTILINE)
UPSTREAMS_SLOT: Final = re.compile(r"^@UPSTREAMS@$", re.MULTILINE)
ACCESS_LINE: Final = re.compile(
    r"status=(?P<status>\d+) grpc_status=(?P<grpc>\S*) upstream=\[(?P<upstream>[^\]]*)\] "
    r"upstream_status=\[(?P<upstream_status>[^\]]*)\].* request_id=(?P<request_id>\S*)$"
)


# ---------------------------------------------------------------- nginx


def find_nginx() -> str | None:
    found = shutil.which("nginx")
    if found is None and os.access("/usr/sbin/nginx", os.X_OK):
        found = "/usr/sbin/nginx"
    return found


@pytest.fixture(scope="module")
def nginx_binary() -> str:
    """nginx on this machine, installed from Debian's package when missing."""
    found = find_nginx()
    if found is None:
        result = subprocess.run(
            ["sh", str(INSTALL)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        found = find_nginx()
        if found is None:
            output = (result.stdout + result.stderr)[-2000:]
            pytest.skip(
                "nginx is not installed and deploy/nginx/install.sh could not install "
                f"Debian's nginx package (exit {result.returncode}):\n{output}"
            )
    return found


def render_config(listen: str, upstreams: list[str]) -> str:
    servers = "\n".join(
        f"        server {address} max_fails=1 fail_timeout=5s;" for address in upstreams
    )
    text, listens = LISTEN_SLOT.subn(lambda m: f"{m.group(1)}{listen} ", TEMPLATE.read_text())
    text, slots = UPSTREAMS_SLOT.subn(servers, text)
    assert (1, 1) == (listens, slots), "the template's placeholders moved"
    if os.geteuid() == 0:
        # A root master would hand the workers to `nobody`, who cannot enter
        # pytest's 0700 temporary directory: keep them as the current user.
        user = pwd.getpwuid(os.geteuid()).pw_name
        group = grp.getgrgid(os.getegid()).gr_name
        text = f"user {user} {group};\n{text}"
    return text


@dataclass
class Nginx:
    process: subprocess.Popen[str]
    address: str
    prefix: Path

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text() if path.exists() else ""

    def access_lines(self) -> list[dict[str, str]]:
        path = self.prefix / "access.log"
        lines = path.read_text().splitlines() if path.exists() else []
        return [match.groupdict() for line in lines if (match := ACCESS_LINE.search(line))]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish open requests
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode


def start_nginx(binary: str, prefix: Path, upstreams: list[str]) -> Nginx:
    prefix.mkdir()
    address = f"127.0.0.1:{free_port()}"
    (prefix / "nginx.conf").write_text(render_config(address, upstreams))
    command = [binary, "-p", str(prefix), "-c", "nginx.conf", "-e", "error.log"]
    check = subprocess.run(
        [*command, "-t"], capture_output=True, text=True, timeout=30, check=False
    )
    assert 0 == check.returncode, check.stdout + check.stderr
    process = subprocess.Popen(
        [*command, "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    nginx = Nginx(process, address, prefix)
    try:
        wait_proxy_serving(nginx)
    except BaseException as error:
        nginx.stop()
        error.add_note(nginx.error_log()[-3000:])
        raise
    return nginx


def wait_proxy_serving(nginx: Nginx) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    with grpc.insecure_channel(nginx.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            assert nginx.process.poll() is None, "nginx exited during start-up"
            try:
                answer = health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if health_pb2.HealthCheckResponse.SERVING == answer.status:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.1)
    raise AssertionError("no SERVING health answer through nginx in time")


# ---------------------------------------------------------------- replicas


def screened(replica: ServeProcess) -> float:
    """The replica's screening_travelers_screened_total, from its /metrics."""
    with urllib.request.urlopen(f"http://{replica.metrics}/metrics", timeout=5) as response:
        body: str = response.read().decode()
    match = SCREENED.search(body)
    assert match is not None, "screening_travelers_screened_total not exposed"
    return float(match.group(1))


def screen_calls(replica: ServeProcess) -> list[dict[str, object]]:
    """The replica's access log of Screen calls (one `rpc` log line per call)."""
    return [
        line
        for line in replica.logs()
        if line.get("event") == "rpc" and line.get("method") == "Screen"
    ]


@dataclass
class Replicas:
    victim: ServeProcess
    survivor: ServeProcess
    rules: Path

    def each(self) -> tuple[ServeProcess, ServeProcess]:
        return self.victim, self.survivor


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[Replicas]:
    rules = shutil.copytree(BUNDLED_RULES, tmp_path / "rules")
    victim = ServeProcess(rules)
    try:
        survivor = ServeProcess(rules)
    except BaseException:
        victim.kill()
        raise
    try:
        yield Replicas(victim, survivor, rules)
    finally:
        for replica in (victim, survivor):
            if replica.process.poll() is None:
                replica.stop()
            replica.kill()


# ---------------------------------------------------------------- the load


def interview_adult(traveler_id: str) -> pb.Traveler:
    return traveler(
        traveler_id,
        age=30,
        hours_before=6,
        ticket=pb.TICKET_TYPE_ONE_WAY,
        payment=pb.PAYMENT_FORM_CASH,
        purchaser_is_traveler=False,
        purchaser_id="purchaser-hash-0003",
    )


BUILDERS: Final[tuple[Callable[[str], pb.Traveler], ...]] = (
    ordinary_adult,
    interview_adult,
    lone_minor_cash_last_minute,
)
EXPECTED_REFERRAL: Final = (
    pb.REFERRAL_NONE,
    pb.REFERRAL_INTERVIEW,
    pb.REFERRAL_PRIORITY_INTERVIEW,
)


@dataclass
class Load:
    """A bounded run of Screen calls from THREADS threads over one channel."""

    stub: pb_grpc.ScreeningServiceStub
    started: float = field(default_factory=time.monotonic)
    issued: int = 0
    completed: int = 0
    failures: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_index(self) -> int | None:
        with self.lock:
            if self.issued >= MAX_CALLS or time.monotonic() - self.started > MAX_SECONDS:
                return None
            self.issued += 1
            return self.issued - 1

    def call(self, index: int) -> None:
        kind = index % len(BUILDERS)
        request_id = f"nginx-{index:05d}"
        request = pb.ScreenRequest(traveler=BUILDERS[kind](f"T-{index:05d}"))
        began = time.monotonic()
        failure: str | None = None
        try:
            decision = self.stub.Screen(
                request, timeout=CALL_TIMEOUT, metadata=(("x-request-id", request_id),)
            ).decision
            if EXPECTED_REFERRAL[kind] != decision.referral:
                failure = f"{request_id}: referral {pb.Referral.Name(decision.referral)}"
        except grpc.RpcError as error:
            failure = f"{request_id}: {error.code().name} {error.details()}"
        with self.lock:
            self.completed += 1
            self.latencies.append(time.monotonic() - began)
            if failure is not None:
                self.failures.append(failure)

    def worker(self) -> None:
        while (index := self.next_index()) is not None:
            self.call(index)

    def done(self) -> int:
        with self.lock:
            return self.completed


@dataclass
class StopRecord:
    """What happened to the replica that got SIGTERM."""

    before: dict[str, float] = field(default_factory=dict)
    completed_at_sigterm: int = -1
    completed_at_exit: int = -1
    seconds_to_exit: float = -1.0
    exit_code: int | None = None
    logs: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def stop_mid_run(load: Load, replicas: Replicas, record: StopRecord) -> None:
    """Wait for STOP_AFTER completed calls, note both replicas' counts, SIGTERM one."""
    try:
        while load.done() < STOP_AFTER:
            if time.monotonic() - load.started > MAX_SECONDS:
                record.error = f"only {load.done()} calls completed before the time bound"
                return
            time.sleep(0.01)
        record.before = {"victim": screened(replicas.victim), "survivor": screened(replicas.survivor)}
        record.completed_at_sigterm = load.done()
        began = time.monotonic()
        code, logs = replicas.victim.stop()
        record.seconds_to_exit = time.monotonic() - began
        record.completed_at_exit = load.done()
        record.exit_code = code
        record.logs = logs
    except BaseException as error:  # reported by the test, not lost in the thread
        record.error = repr(error)


def attempts_by_request(replicas: Replicas, logs: list[dict[str, Any]]) -> Counter[str]:
    served = [*logs, *screen_calls(replicas.survivor)]
    return Counter(
        str(line["request_id"])
        for line in served
        if line.get("event") == "rpc" and line.get("method") == "Screen"
    )


# ---------------------------------------------------------------- the test


@pytest.mark.slow
def test_graceful_stop_of_one_replica_behind_nginx_fails_no_call(
    nginx_binary: str, replicas: Replicas, tmp_path: Path
) -> None:
    nginx = start_nginx(
        nginx_binary, tmp_path / "nginx", [replica.address for replica in replicas.each()]
    )
    try:
        with grpc.insecure_channel(nginx.address, options=CHANNEL_OPTIONS) as channel:
            load = Load(pb_grpc.ScreeningServiceStub(channel))
            record = StopRecord()
            threads = [threading.Thread(target=load.worker) for _ in range(THREADS)]
            stopper = threading.Thread(target=stop_mid_run, args=(load, replicas, record))
            for thread in [*threads, stopper]:
                thread.start()
            for thread in threads:
                thread.join(timeout=MAX_SECONDS + 2 * CALL_TIMEOUT)
            stopper.join(timeout=60)
            elapsed = time.monotonic() - load.started
            assert not any(thread.is_alive() for thread in [*threads, stopper])
        survivor_total = screened(replicas.survivor)
    finally:
        nginx_code = nginx.stop()

    victim_calls = [
        line for line in record.logs if line.get("event") == "rpc" and line.get("method") == "Screen"
    ]
    victim_codes = Counter(str(line.get("code")) for line in victim_calls)
    survivor_codes = Counter(str(line.get("code")) for line in screen_calls(replicas.survivor))
    attempts = attempts_by_request(replicas, record.logs)
    access = nginx.access_lines()
    screen_access = [line for line in access if line["request_id"].startswith("nginx-")]
    events = [str(line.get("event")) for line in record.logs]
    stopping = events.index("stopping") if "stopping" in events else len(events)
    accepted_in_grace = sum(
        1
        for line in record.logs[stopping:]
        if line.get("event") == "rpc" and line.get("method") == "Screen"
    )
    summary = {
        "calls": load.completed,
        "failures": len(load.failures),
        "seconds": round(elapsed, 2),
        "p50_ms": round(1000 * sorted(load.latencies)[len(load.latencies) // 2], 2),
        "max_ms": round(1000 * max(load.latencies), 2),
        "screened_before_stop": record.before,
        "completed_at_sigterm": record.completed_at_sigterm,
        "completed_at_exit": record.completed_at_exit,
        "seconds_sigterm_to_exit": round(record.seconds_to_exit, 3),
        "victim_exit_code": record.exit_code,
        "victim_screen_codes": dict(victim_codes),
        "victim_screen_calls_logged_after_stopping": accepted_in_grace,
        "survivor_screen_codes": dict(survivor_codes),
        "survivor_screened_total": survivor_total,
        "requests_served_more_than_once": sum(1 for n in attempts.values() if n > 1),
        "nginx_requests": len(screen_access),
        "nginx_non_200": dict(Counter(line["status"] for line in screen_access if line["status"] != "200")),
        "nginx_failovers": sum(1 for line in screen_access if "," in line["upstream"]),
        "nginx_upstream_statuses": dict(Counter(line["upstream_status"] for line in screen_access)),
        "nginx_exit_code": nginx_code,
        "nginx_errors": [
            line.split("] ", 1)[-1][:160]
            for line in nginx.error_log().splitlines()
            if "[error]" in line or "[warn]" in line
        ][:10],
    }
    failed_ids = {failure.split(":", 1)[0] for failure in load.failures}
    summary["failed_calls_trace"] = {
        "client": load.failures[:10],
        "nginx": [line for line in screen_access if line["request_id"] in failed_ids][:10],
        "victim": [line for line in record.logs if line.get("request_id") in failed_ids][:10],
        "survivor": [
            line for line in replicas.survivor.logs() if line.get("request_id") in failed_ids
        ][:10],
        "victim_after_stopping": [
            {k: line.get(k) for k in ("event", "request_id", "code", "duration_ms", "level")}
            for line in record.logs[stopping:]
        ][:20],
    }
    print(json.dumps(summary, sort_keys=True))

    assert record.error is None, record.error
    assert [] == load.failures, summary
    assert MAX_CALLS == load.completed, summary
    # Both replicas served before the stop, and the stop came mid-run.
    assert record.before["victim"] > 0, summary
    assert record.before["survivor"] > 0, summary
    assert STOP_AFTER <= record.completed_at_sigterm < MAX_CALLS, summary
    assert record.completed_at_exit < MAX_CALLS, "the replica exited after the run ended"
    assert 0 == record.exit_code, summary
    assert "stopped" in events, summary
    # Every call reached a replica and came back OK from one of them.
    assert set(attempts) >= {f"nginx-{index:05d}" for index in range(MAX_CALLS)}
    assert survivor_total > record.before["survivor"], summary
    assert 0 == nginx_code, nginx.error_log()[-3000:]
