"""`serve --workers` forks before grpc or prometheus_client load: the parser must not load them."""

from __future__ import annotations

import subprocess
import sys


def test_building_the_command_line_loads_neither_grpc_nor_prometheus() -> None:
    code = (
        "import sys; from screening_service import cli; cli._parser(); "
        "print(sorted(m for m in ('grpc', 'prometheus_client') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "[]" == result.stdout.strip()
