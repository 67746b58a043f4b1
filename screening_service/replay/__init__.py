"""`screening replay`: a candidate pack (and a baseline) over recorded traffic.

One module each: `inputs` (files and directories of JSON lines, gzip,
Parquet or airline messages, cut into partitions of whole records), `work`
(what a worker does with a partition), `cluster` (Dask: an existing
scheduler or a local cluster), `run` (the two passes and the merge) and
`report` (printing and JSON). Replay is also an evaluation
(`screening_service.evaluation`): decisions are tallied with the travelers'
labels in the workers, and the tallies add up exactly.
"""

from screening_service.replay.cluster import ClusterError
from screening_service.replay.inputs import InputError
from screening_service.replay.report import (
    ReplayReport,
    disparity_findings,
    print_report,
    report_json,
)
from screening_service.replay.run import replay
from screening_service.replay.work import decision_json

__all__ = [
    "ClusterError",
    "InputError",
    "ReplayReport",
    "decision_json",
    "disparity_findings",
    "print_report",
    "replay",
    "report_json",
]
