"""Two service replicas on one PostgreSQL history: concurrent screening, exact counts.

Both replicas screen the same four flights at the same time (every manifest
twice, racing); afterwards each traveler counts once: the purchaser's count
on a fifth flight is exactly 15, not more (double counting) and not less
(lost updates).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.conftest import BUNDLED_RULES
from tests.history.postgres_server import PostgresServer
from tests.server.test_history_service import cross_flight, flight, screen
from tests.serving import ServeProcess


def test_two_replicas_share_one_history_without_lost_or_double_counts(
    postgres_server: PostgresServer,
) -> None:
    dsn = postgres_server.create_database()
    replicas = [ServeProcess(BUNDLED_RULES, "--history", dsn, "--no-watch") for _ in range(2)]
    try:
        jobs = [(replica, day) for day in range(4) for replica in replicas]
        with ThreadPoolExecutor(len(jobs)) as pool:
            answers = list(pool.map(lambda job: screen(job[0], flight(job[1])), jobs))
        assert all(len(decisions) == 3 for decisions in answers)
        fifth = screen(replicas[1], flight(4))
        assert {"15"} == {
            (cross_flight(d) or {}).get("history.purchaser_travelers_30d") for d in fifth
        }
    finally:
        for replica in replicas:
            replica.kill()
