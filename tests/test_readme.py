"""The README's Python client example runs against the real server."""

from __future__ import annotations

import contextlib
import io
import re

from tests.conftest import ROOT, RunningServer


def test_python_client_example_runs(server: RunningServer) -> None:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Call it from Python\n\n```python\n(.*?)```", readme, re.S)
    assert block is not None
    code = block.group(1).replace("127.0.0.1:50051", server.address)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue() == "REFERRAL_NONE []\n"


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert readme.index("make run") < readme.index("make test") < readme.index("grpcurl")
