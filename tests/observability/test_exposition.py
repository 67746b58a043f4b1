"""The metrics endpoint: address parsing, and binding port 0 reports the port bound."""

from __future__ import annotations

import urllib.request

import pytest
from prometheus_client import CollectorRegistry, Counter
from structlog.testing import capture_logs

from screening_service.addresses import split_address
from screening_service.observability.exposition import serve_metrics


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1:9464", ("127.0.0.1", 9464)),
        ("0.0.0.0:80", ("0.0.0.0", 80)),
        (":9464", ("127.0.0.1", 9464)),
        ("[::1]:9464", ("::1", 9464)),
        ("[2001:db8::7]:1", ("2001:db8::7", 1)),
        ("localhost:0", ("localhost", 0)),
    ],
)
def test_split_address(address: str, expected: tuple[str, int]) -> None:
    assert expected == split_address(address)


def test_a_port_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        split_address("127.0.0.1:metrics")


def test_port_0_is_bound_and_logged() -> None:
    registry = CollectorRegistry()
    Counter("exposition_test_calls", "a counter only this test exports", registry=registry).inc(3)
    with capture_logs() as logs:
        bound = serve_metrics("127.0.0.1:0", registry)
    assert bound.is_set()
    [line] = [entry for entry in logs if entry["event"] == "metrics port bound"]
    assert "127.0.0.1:0" == line["address"]
    assert 0 < line["port"] < 65536
    with urllib.request.urlopen(f"http://127.0.0.1:{line['port']}/metrics", timeout=10) as reply:
        assert "exposition_test_calls_total 3.0" in reply.read().decode()
