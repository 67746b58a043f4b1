"""Synthetic travelers for tests, benchmarks and `screening replay`.

Obviously fictional, seeded populations of ordinary travel (families,
couples, business travelers, tour groups, students, the elderly, solo
leisure) with planted human-trafficking scenarios and their labels::

    flights = generate_population(100_000, seed=7, scenario_rate=0.002)
    write_jsonl("flights.jsonl", flights, as_manifests=True)

Modules: ``names`` (fictional names in several scripts), ``routes`` (airports,
carriers, flight times), ``travelers`` (the builder of one flight's records),
``parties`` (the clean population), ``scenarios`` (the planted ones),
``population`` (flights and populations), ``export`` (JSON lines and the
other formats), ``parallel`` (a population drawn on several processes),
``layout`` (where files go), ``output`` (chunked, ordered writing), ``arrow``
(the Parquet schema).
"""

from screening_service.synthetic.export import (
    Labels,
    labels_path,
    read_jsonl,
    read_labels,
    write_jsonl,
    write_records,
)
from screening_service.synthetic.output import Written
from screening_service.synthetic.parallel import write_population
from screening_service.synthetic.population import (
    DEFAULT_FLIGHT_SIZE,
    DEFAULT_SCENARIO_RATE,
    DEFAULT_START,
    GeneratedFlight,
    generate_flight,
    generate_population,
)
from screening_service.synthetic.scenarios import SCENARIO_NAMES

__all__ = [
    "DEFAULT_FLIGHT_SIZE",
    "DEFAULT_SCENARIO_RATE",
    "DEFAULT_START",
    "SCENARIO_NAMES",
    "GeneratedFlight",
    "Labels",
    "Written",
    "generate_flight",
    "generate_population",
    "labels_path",
    "read_jsonl",
    "read_labels",
    "write_jsonl",
    "write_population",
    "write_records",
]
