"""The shipped Grafana dashboard and alert rules, on a real Prometheus scraping a real server.

Needs the `prometheus` and `promtool` binaries (Debian's `prometheus` package,
installed by deploy/prometheus/install.sh); those tests are skipped when they
are missing. One module-scoped stack (tests/deploy/stack.py): `screening
serve` with traffic, scraped every second by Prometheus with alerts.yml
loaded. Every panel query of screening.json and every alert expression of
alerts.yml goes through Prometheus's HTTP API; promtool checks the rules,
their unit tests, the example config and the service's exposition.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Final

import pytest
import yaml

from screening_service.rules.build import compile_directory
from tests.components import missing
from tests.deploy.stack import (
    ALERTS,
    JOB,
    PROMETHEUS,
    PROMTOOL,
    ROOT,
    SHADOW_RULE,
    Json,
    Stack,
    http_get,
    promtool,
    running_stack,
    wait_for,
)

DASHBOARD: Final = ROOT / "deploy" / "grafana" / "screening.json"
ALERT_TESTS: Final = ROOT / "deploy" / "prometheus" / "alerts_test.yml"
EXAMPLE_CONFIG: Final = ROOT / "deploy" / "prometheus" / "prometheus.yml"

PROMETHEUS_MISSING: Final = (
    "prometheus/promtool not on PATH: install Debian's prometheus package "
    "with deploy/prometheus/install.sh to run the dashboard and alert tests"
)


@pytest.fixture(scope="module")
def prometheus_present() -> None:
    if PROMETHEUS is None or PROMTOOL is None:
        missing(PROMETHEUS_MISSING)


needs_prometheus = pytest.mark.usefixtures("prometheus_present")

# What Grafana would put in place of the dashboard's variables.
DASHBOARD_VARIABLES: Final = {
    "__rate_interval": "1m",
    "__interval": "30s",
    "__range": "1m",
    "job": JOB,
    "instance": ".*",
}
VARIABLE: Final = re.compile(r"\$\{(\w+)\}|\$(\w+)")
# Alerts whose condition must be false for this traffic: the server is up,
# busy, on one pack, and its only errors are the caller's INVALID_ARGUMENT.
QUIET_ALERTS: Final = frozenset(
    {
        "ScreeningTargetDown",
        "ScreeningTargetMissing",
        "ScreeningNoTraffic",
        "ScreeningHighErrorRate",
        "ScreeningRulePackMismatch",
        "ScreeningEngineRestarts",
    }
)
# ...and those whose condition must be true: round two is mostly referrals,
# and the broken pack was rejected between the rounds.
ACTIVE_ALERTS: Final = frozenset({"ScreeningReferralRateHigh", "ScreeningRulePackReloadFailed"})


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


@pytest.fixture(scope="module")
def stack(prometheus_present: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("prometheus")) as running:
        yield running


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


@needs_prometheus
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


@needs_prometheus
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
    compiled = compile_directory(ROOT / "rules")
    shadow_mode = {c.rule.id for c in compiled.rules if not c.rule.enforced}
    # The shadow traveler fires SHADOW_RULE; the manifest of lone minors bought by one
    # purchaser fires the pack's shadow group rule too.
    assert SHADOW_RULE in shadow
    assert shadow <= shadow_mode
    top = panel_result(stack, "Top 10 enforced rules by hits")
    assert 0 < len(top) <= 10
    assert not shadow_mode & {series["metric"]["rule_id"] for series in top}
    loads = {
        series["metric"]["result"] for series in panel_result(stack, "Rule pack loads by result")
    }
    assert {"success", "failure"} == loads
    # The rejected pack did not replace the running one.
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


@needs_prometheus
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


@needs_prometheus
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


@needs_prometheus
def test_the_scrape_target_is_healthy(stack: Stack) -> None:
    targets = stack.api("/api/v1/targets")["data"]["activeTargets"]
    assert [(JOB, stack.metrics_address, "up")] == [
        (target["labels"]["job"], target["labels"]["instance"], target["health"])
        for target in targets
    ]


# ---------------------------------------------------------------- promtool


@needs_prometheus
def test_promtool_checks_the_alert_rules() -> None:
    result = promtool("check", "rules", str(ALERTS.relative_to(ROOT)))
    assert 0 == result.returncode, result.stdout + result.stderr


@needs_prometheus
def test_promtool_unit_tests_of_the_alert_rules() -> None:
    result = promtool("test", "rules", str(ALERT_TESTS.relative_to(ROOT)))
    assert 0 == result.returncode, result.stdout + result.stderr


@needs_prometheus
def test_promtool_checks_the_example_config() -> None:
    result = promtool("check", "config", str(EXAMPLE_CONFIG.relative_to(ROOT)))
    assert 0 == result.returncode, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout


@needs_prometheus
def test_promtool_checks_the_test_config(stack: Stack) -> None:
    result = promtool("check", "config", str(stack.config))
    assert 0 == result.returncode, result.stdout + result.stderr


@needs_prometheus
def test_promtool_checks_the_service_metrics(stack: Stack) -> None:
    exposition = http_get(f"http://{stack.metrics_address}/metrics")
    assert "screening_rpc_duration_seconds_bucket" in exposition
    result = promtool("check", "metrics", stdin=exposition)
    # Lint findings are printed; only a parse error or a naming problem fails.
    print(result.stdout + result.stderr)
    assert 0 == result.returncode, result.stdout + result.stderr
