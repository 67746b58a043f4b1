"""The shipped Grafana dashboard and alert rules, on a real Prometheus scraping a real server.

Needs the `prometheus` and `promtool` binaries (Debian's `prometheus` package,
installed by deploy/prometheus/install.sh); skipped when they are missing.
One module-scoped stack: `screening serve` on free loopback ports, traffic
in two rounds (so every rate has a before and an after), and Prometheus
scraping it every second with alerts.yml loaded. Then every panel query of
screening.json and every alert expression of alerts.yml goes through
Prometheus's HTTP API.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

import grpc
import pytest
import yaml

from screening_service.proto import pb, pb_grpc
from tests.factories import (
    DEPARTURE,
    lone_minor_cash_last_minute,
    manifest,
    ordinary_adult,
    traveler,
    ts,
)
from tests.server.test_serve_command import free_port, wait_serving

PROMETHEUS: Final = shutil.which("prometheus")
PROMTOOL: Final = shutil.which("promtool")

pytestmark = pytest.mark.skipif(
    PROMETHEUS is None or PROMTOOL is None,
    reason=(
        "prometheus/promtool not on PATH: install Debian's prometheus package "
        "with deploy/prometheus/install.sh to run the dashboard and alert tests"
    ),
)

ROOT: Final = Path(__file__).resolve().parents[2]
DASHBOARD: Final = ROOT / "deploy" / "grafana" / "screening.json"
PROMETHEUS_DIR: Final = ROOT / "deploy" / "prometheus"
ALERTS: Final = PROMETHEUS_DIR / "alerts.yml"
ALERT_TESTS: Final = PROMETHEUS_DIR / "alerts_test.yml"
EXAMPLE_CONFIG: Final = PROMETHEUS_DIR / "prometheus.yml"
JOB: Final = "screening"  # the job name alerts.yml selects
WAIT_SECONDS: Final = 20.0

# What Grafana would put in place of the dashboard's variables.
DASHBOARD_VARIABLES: Final = {
    "__rate_interval": "1m",
    "__interval": "30s",
    "__range": "1m",
    "job": JOB,
    "instance": ".*",
}
VARIABLE: Final = re.compile(r"\$\{(\w+)\}|\$(\w+)")
SHADOW_RULE: Final = "outbound-minor-long-layover-alone"
# Alerts whose condition must be false for this traffic: the server is up,
# busy, on one pack, and its only errors are the caller's INVALID_ARGUMENT.
QUIET_ALERTS: Final = frozenset(
    {
        "ScreeningTargetDown",
        "ScreeningTargetMissing",
        "ScreeningNoTraffic",
        "ScreeningHighErrorRate",
        "ScreeningRulePackReloadFailed",
        "ScreeningRulePackMismatch",
        "ScreeningEngineRestarts",
    }
)
# ...and one whose condition must be true: round two is mostly referrals.
ACTIVE_ALERTS: Final = frozenset({"ScreeningReferralRateHigh"})

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


def substitute(expr: str) -> str:
    """The dashboard expression as Grafana would send it, with fixed windows."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        assert name in DASHBOARD_VARIABLES, f"unknown dashboard variable ${name} in {expr!r}"
        return DASHBOARD_VARIABLES[name]

    return VARIABLE.sub(value, expr)


def dashboard_panels() -> list[Json]:
    """Every panel of screening.json, including those nested in collapsed rows."""
    model: Json = json.loads(DASHBOARD.read_text())
    panels: list[Json] = []
    for panel in model["panels"]:
        panels.extend([panel, *panel.get("panels", [])])
    return [panel for panel in panels if panel["type"] != "row"]


def panel_queries() -> list[tuple[str, str]]:
    return [
        (f"{panel['title']} [{target['refId']}]", substitute(target["expr"]))
        for panel in dashboard_panels()
        for target in panel["targets"]
    ]


def alert_rules() -> list[Json]:
    document: Json = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


# ---------------------------------------------------------------- traffic


def interview_adult(traveler_id: str) -> pb.Traveler:
    """An adult on a one-way cash ticket bought 6 h ahead by someone else: an interview."""
    return traveler(
        traveler_id,
        age=30,
        hours_before=6,
        ticket=pb.TICKET_TYPE_ONE_WAY,
        payment=pb.PAYMENT_FORM_CASH,
        purchaser_is_traveler=False,
        purchaser_id="purchaser-hash-0002",
    )


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


def start_service(logs: Path) -> tuple[subprocess.Popen[str], str, str]:
    address = f"127.0.0.1:{free_port()}"
    metrics_address = f"127.0.0.1:{free_port()}"
    with (logs / "screening.log").open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "screening_service",
                "serve",
                "--address",
                address,
                "--metrics-address",
                metrics_address,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        wait_serving(address, process, timeout=WAIT_SECONDS)
    except BaseException:
        stop(process)
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


def scraped(stack: Stack, expr: str, expected: float) -> Callable[[], bool | None]:
    def probe() -> bool | None:
        return True if stack.scalar(expr) == expected else None

    return probe


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("prometheus")
    logs = directory / "logs"
    logs.mkdir()
    service, address, metrics_address = start_service(logs)
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


# ---------------------------------------------------------------- the dashboard


def test_dashboard_model_is_importable() -> None:
    model: Json = json.loads(DASHBOARD.read_text())
    assert 39 == model["schemaVersion"]
    variables = {variable["name"]: variable for variable in model["templating"]["list"]}
    assert "datasource" == variables["DS_PROMETHEUS"]["type"]
    assert "prometheus" == variables["DS_PROMETHEUS"]["query"]
    panels = dashboard_panels()
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    titles = [panel["title"] for panel in panels]
    assert len(titles) == len(set(titles)), "panel titles must be unique"
    for panel in panels:
        assert {"type": "prometheus", "uid": "${DS_PROMETHEUS}"} == panel["datasource"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert "${DS_PROMETHEUS}" == target["datasource"]["uid"]
            assert (
                "sum" in target["expr"] or "count" in target["expr"] or "max" in target["expr"]
            ), f"{panel['title']}: aggregate over instances"
            assert 'job=~"$job"' in target["expr"], f"{panel['title']}: honour the job variable"


def test_every_panel_query_runs_and_has_data(stack: Stack) -> None:
    failures = []
    for name, expr in panel_queries():
        answer = stack.query(expr)
        if "success" != answer["status"]:
            failures.append(f"{name}: {answer.get('error')}\n    {expr}")
        elif not answer["data"]["result"]:
            failures.append(f"{name}: no data\n    {expr}")
    assert not failures, "\n".join(failures) + "\n" + stack.diagnostics()


def panel_result(stack: Stack, title: str, ref: str = "A") -> list[Json]:
    queries = dict(panel_queries())
    answer = stack.query(queries[f"{title} [{ref}]"])
    assert "success" == answer["status"], answer
    result: list[Json] = answer["data"]["result"]
    return result


def test_panels_show_the_traffic_that_was_sent(stack: Stack) -> None:
    rates = {
        series["metric"]["method"]: float(series["value"][1])
        for series in panel_result(stack, "Request rate by method")
    }
    assert rates["Screen"] > 0
    assert rates["ScreenManifest"] > 0
    errors = {
        (series["metric"]["method"], series["metric"]["code"])
        for series in panel_result(stack, "Errors by method and code")
    }
    assert {("Screen", "INVALID_ARGUMENT"), ("ScreenManifest", "INVALID_ARGUMENT")} == errors
    (server_errors,) = panel_result(stack, "Server error ratio")
    assert 0 == float(server_errors["value"][1])
    (referral,) = panel_result(stack, "Referral rate")
    assert 0 < float(referral["value"][1]) < 1
    levels = {
        series["metric"]["referral"]
        for series in panel_result(stack, "Decisions by referral level")
    }
    assert {"none", "interview", "priority_interview"} == levels
    shadow = {series["metric"]["rule_id"] for series in panel_result(stack, "Shadow rule hits")}
    assert {SHADOW_RULE} == shadow
    top = panel_result(stack, "Top 10 enforced rules by hits")
    assert 0 < len(top) <= 10
    assert SHADOW_RULE not in {series["metric"]["rule_id"] for series in top}
    (version,) = panel_result(stack, "Active ruleset version")
    pack = yaml.safe_load((ROOT / "rules" / "pack.yaml").read_text())
    assert pack["pack"]["version"] == version["metric"]["version"]
    for quantile in ("A", "B", "C"):
        latencies = {
            series["metric"]["method"]: float(series["value"][1])
            for series in panel_result(stack, "RPC latency p50 / p95 / p99 by method", quantile)
        }
        assert 0 < latencies["Screen"] < 10


# ---------------------------------------------------------------- the alerts


def test_every_alert_expression_evaluates(stack: Stack) -> None:
    rules = alert_rules()
    names = {rule["alert"] for rule in rules}
    assert QUIET_ALERTS | ACTIVE_ALERTS <= names
    failures = []
    for rule in rules:
        assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert rule["annotations"]["description"], rule["alert"]
        answer = stack.query(rule["expr"])
        if "success" != answer["status"]:
            failures.append(f"{rule['alert']}: {answer.get('error')}")
            continue
        result = answer["data"]["result"]
        if rule["alert"] in QUIET_ALERTS and result:
            failures.append(f"{rule['alert']}: should be quiet, got {result}")
        if rule["alert"] in ACTIVE_ALERTS and not result:
            failures.append(f"{rule['alert']}: should hold for this traffic, got nothing")
    assert not failures, "\n".join(failures) + "\n" + stack.diagnostics()


def test_prometheus_loaded_and_evaluated_the_alert_rules(stack: Stack) -> None:
    expected = {rule["alert"] for rule in alert_rules()}

    def evaluated() -> list[Json] | None:
        groups: list[Json] = stack.api("/api/v1/rules")["data"]["groups"]
        rules = [
            rule for group in groups if group["name"] == "screening" for rule in group["rules"]
        ]
        done = all(rule["health"] != "unknown" for rule in rules)
        return rules if rules and done else None

    rules = wait_for("every alert rule to be evaluated", evaluated)
    assert expected == {rule["name"] for rule in rules}
    unhealthy = {rule["name"]: rule.get("lastError") for rule in rules if rule["health"] != "ok"}
    assert {} == unhealthy


def test_the_scrape_target_is_healthy(stack: Stack) -> None:
    targets = stack.api("/api/v1/targets")["data"]["activeTargets"]
    assert [(JOB, stack.metrics_address, "up")] == [
        (target["labels"]["job"], target["labels"]["instance"], target["health"])
        for target in targets
    ]


# ---------------------------------------------------------------- promtool


def test_promtool_checks_the_alert_rules() -> None:
    result = promtool("check", "rules", str(ALERTS.relative_to(ROOT)))
    assert 0 == result.returncode, result.stdout + result.stderr


def test_promtool_unit_tests_of_the_alert_rules() -> None:
    result = promtool("test", "rules", str(ALERT_TESTS.relative_to(ROOT)))
    assert 0 == result.returncode, result.stdout + result.stderr


def test_promtool_checks_the_example_config() -> None:
    result = promtool("check", "config", str(EXAMPLE_CONFIG.relative_to(ROOT)))
    assert 0 == result.returncode, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout


def test_promtool_checks_the_test_config(stack: Stack) -> None:
    result = promtool("check", "config", str(stack.config))
    assert 0 == result.returncode, result.stdout + result.stderr


def test_promtool_checks_the_service_metrics(stack: Stack) -> None:
    exposition = http_get(f"http://{stack.metrics_address}/metrics")
    assert "screening_rpc_duration_seconds_bucket" in exposition
    result = promtool("check", "metrics", stdin=exposition)
    # Lint findings are printed; only a parse error or a naming problem fails.
    print(result.stdout + result.stderr)
    assert 0 == result.returncode, result.stdout + result.stderr
