"""A real `screening serve` scraped by a real Prometheus, for the deploy/ tests.

`running_stack` starts the service on free loopback ports with a copy of
the bundled rule pack, starts Prometheus (scraping it every second, alerts.yml
loaded) with its own TSDB under a temporary directory, drives two rounds of
traffic so every rate has a before and an after, breaks the pack in between
(the reload is rejected and the running pack stays), and stops both processes
on the way out. Every wait is bounded.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

import grpc
import pytest
import yaml

from screening_service.proto import pb, pb_grpc
from tests.factories import (
    DEPARTURE,
    interview_adult,
    lone_minor_cash_last_minute,
    manifest,
    ordinary_adult,
    traveler,
    ts,
)
from tests.server.test_serve_command import free_port, wait_serving

PROMETHEUS: Final = shutil.which("prometheus")
PROMTOOL: Final = shutil.which("promtool")
ROOT: Final = Path(__file__).resolve().parents[2]
ALERTS: Final = ROOT / "deploy" / "prometheus" / "alerts.yml"
BUNDLED_RULES: Final = ROOT / "rules"
JOB: Final = "screening"  # the job name alerts.yml selects
WAIT_SECONDS: Final = 20.0
SHADOW_RULE: Final = "outbound-minor-long-layover-alone"

T = TypeVar("T")
Json = dict[str, Any]


# ---------------------------------------------------------------- helpers


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = WAIT_SECONDS) -> T:
    """Poll `probe` until it returns something other than None, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.25)


def http_get(url: str, timeout: float = 5) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        body: bytes = response.read()
        return body.decode()


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def promtool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=ROOT,
    )


# ---------------------------------------------------------------- traffic


def minor_with_long_layover(traveler_id: str) -> pb.Traveler:
    """A departing minor alone with a 9 h layover: hits the bundled shadow rule."""
    record = traveler(traveler_id, age=14)
    record.direction = pb.DIRECTION_OUTBOUND
    del record.itinerary.segments[:]
    record.itinerary.segments.extend(
        [
            pb.Segment(
                carrier="AC",
                flight_number="750",
                origin="YYZ",
                destination="JFK",
                departure_time=ts(DEPARTURE),
                arrival_time=ts(DEPARTURE + dt.timedelta(hours=2)),
            ),
            pb.Segment(
                carrier="AC",
                flight_number="900",
                origin="JFK",
                destination="LHR",
                departure_time=ts(DEPARTURE + dt.timedelta(hours=11)),
                arrival_time=ts(DEPARTURE + dt.timedelta(hours=18)),
            ),
        ]
    )
    return record


def expect_invalid_argument(call: Callable[[], object]) -> None:
    with pytest.raises(grpc.RpcError) as error:
        call()
    assert grpc.StatusCode.INVALID_ARGUMENT == error.value.code()


def drive_round(address: str, name: str, screens: int, manifest_size: int) -> int:
    """Screen calls of every referral level, a manifest and two bad calls; returns decisions."""
    decisions = 0
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        builders = (ordinary_adult, interview_adult, lone_minor_cash_last_minute)
        for index in range(screens):
            build = builders[index % len(builders)]
            stub.Screen(pb.ScreenRequest(traveler=build(f"{name}-S{index}")), timeout=10)
            decisions += 1
        shadow = stub.Screen(
            pb.ScreenRequest(traveler=minor_with_long_layover(f"{name}-SHADOW")), timeout=10
        ).decision
        assert [SHADOW_RULE] == [indicator.rule_id for indicator in shadow.shadow_indicators]
        decisions += 1
        flight = [lone_minor_cash_last_minute(f"{name}-M{index}") for index in range(manifest_size)]
        flight.append(ordinary_adult(f"{name}-M-ADULT"))
        answer = stub.ScreenManifest(
            pb.ScreenManifestRequest(manifest=manifest(flight)), timeout=30
        )
        assert len(flight) == len(answer.decisions)
        decisions += len(flight)
        stub.GetRuleset(pb.GetRulesetRequest(), timeout=10)
        expect_invalid_argument(
            lambda: stub.Screen(pb.ScreenRequest(traveler=pb.Traveler()), timeout=10)
        )
        bad_flight = manifest([ordinary_adult(f"{name}-BAD-1"), pb.Traveler(traveler_id="BAD-2")])
        expect_invalid_argument(
            lambda: stub.ScreenManifest(pb.ScreenManifestRequest(manifest=bad_flight), timeout=10)
        )
    return decisions


# ---------------------------------------------------------------- the stack


@dataclass
class Stack:
    service: subprocess.Popen[str]
    metrics_address: str
    prometheus: subprocess.Popen[str]
    prometheus_url: str
    config: Path
    logs: Path

    def query(self, expr: str) -> Json:
        """POST /api/v1/query at the current time; the whole JSON answer, errors included."""
        data = urllib.parse.urlencode({"query": expr}).encode()
        request = urllib.request.Request(f"{self.prometheus_url}/api/v1/query", data=data)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer: Json = json.loads(response.read())
        except urllib.error.HTTPError as error:  # 400/422 carry the PromQL error as JSON
            answer = json.loads(error.read())
        return answer

    def scalar(self, expr: str) -> float | None:
        result = self.query(expr)["data"]["result"]
        return float(result[0]["value"][1]) if result else None

    def api(self, path: str) -> Json:
        answer: Json = json.loads(http_get(f"{self.prometheus_url}{path}"))
        assert "success" == answer["status"], answer
        return answer

    def diagnostics(self) -> str:
        return "\n".join(
            f"--- {log.name} (last lines)\n" + "\n".join(log.read_text().splitlines()[-15:])
            for log in sorted(self.logs.glob("*.log"))
        )


def start_service(logs: Path, rules: Path) -> tuple[subprocess.Popen[str], str, str]:
    address = f"127.0.0.1:{free_port()}"
    metrics_address = f"127.0.0.1:{free_port()}"
    with (logs / "screening.log").open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "screening_service",
                "serve",
                "--rules",
                str(rules),
                "--address",
                address,
                "--metrics-address",
                metrics_address,
                "--data-dir",
                str(logs / "var"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        wait_serving(address, process, timeout=WAIT_SECONDS)
    except BaseException as error:
        stop(process)
        error.add_note((logs / "screening.log").read_text()[-3000:])
        raise
    return process, address, metrics_address


def write_config(directory: Path, metrics_address: str) -> Path:
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(ALERTS)],
        "scrape_configs": [{"job_name": JOB, "static_configs": [{"targets": [metrics_address]}]}],
    }
    path = directory / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def start_prometheus(directory: Path, config: Path) -> tuple[subprocess.Popen[str], str]:
    assert PROMETHEUS is not None
    url = f"http://127.0.0.1:{free_port()}"
    with (directory / "logs" / "prometheus.log").open("w") as log:
        process = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={directory / 'tsdb'}",
                f"--web.listen-address={url.removeprefix('http://')}",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def ready() -> bool | None:
        assert process.poll() is None, "prometheus exited during start-up"
        try:
            http_get(f"{url}/-/ready", timeout=1)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None
        return True

    try:
        wait_for("prometheus to be ready", ready)
    except BaseException:
        stop(process)
        raise
    return process, url


def break_pack(service: subprocess.Popen[str], rules: Path) -> None:
    """Add a rule file that does not parse and ask for a reload (the watcher may beat SIGHUP)."""
    (rules / "zz-broken.yaml").write_text("rules:\n  - id: broken\n    when: [unclosed\n")
    service.send_signal(signal.SIGHUP)


def scraped(stack: Stack, expr: str, expected: float) -> Callable[[], bool | None]:
    def probe() -> bool | None:
        return True if stack.scalar(expr) == expected else None

    return probe


@contextmanager
def running_stack(directory: Path) -> Iterator[Stack]:
    logs = directory / "logs"
    logs.mkdir()
    rules = shutil.copytree(BUNDLED_RULES, directory / "rules")
    service, address, metrics_address = start_service(logs, rules)
    prometheus: subprocess.Popen[str] | None = None
    try:
        config = write_config(directory, metrics_address)
        prometheus, url = start_prometheus(directory, config)
        running = Stack(service, metrics_address, prometheus, url, config, logs)
        try:
            wait_for(
                "the screening target to be up",
                lambda: True if running.scalar(f'up{{job="{JOB}"}}') == 1 else None,
            )
            travelers = f'sum(screening_travelers_screened_total{{job="{JOB}"}})'
            wait_for("a scrape before any traffic", scraped(running, travelers, 0))
            # Round one creates every labelled series; round two (mostly
            # referrals, enough volume for the referral alerts) moves them.
            total = drive_round(address, "R1", screens=12, manifest_size=4)
            wait_for("round one to be scraped", scraped(running, travelers, total))
            break_pack(service, rules)
            failures = f'sum(screening_ruleset_reloads_total{{job="{JOB}", result="failure"}})'
            wait_for(
                "the rejected reload to be scraped",
                lambda: True if (running.scalar(failures) or 0) >= 1 else None,
            )
            total += drive_round(address, "R2", screens=30, manifest_size=120)
            wait_for("round two to be scraped", scraped(running, travelers, total))
            time.sleep(2)  # two more scrapes and rule evaluations after the traffic
        except BaseException as error:
            error.add_note(running.diagnostics())
            raise
        yield running
    finally:
        if prometheus is not None:
            stop(prometheus)
        stop(service)
