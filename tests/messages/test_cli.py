from __future__ import annotations

import io
import json
from pathlib import Path

from screening_service.messages.cli import convert_command
from tests.messages.samples import KEY, PAXLST_D05B, PNRGOV


def test_convert_command_writes_json_lines_and_reports(tmp_path: Path) -> None:
    good = tmp_path / "apis.edi"
    good.write_text(PAXLST_D05B.replace("UNT+30+1", "UNT+31+1"))
    pnr = tmp_path / "pnr.edi"
    pnr.write_text(PNRGOV)
    bad = tmp_path / "bad.edi"
    bad.write_text(
        "UNB+UNOA:4+QQ+X+200710:1200+1'UNH+1+PAXLST:D:05B:UN:IATA+R'BGM+745'NAD+FL+++TESTX"
    )
    out, err = io.StringIO(), io.StringIO()
    status = convert_command([good, bad, pnr], "auto", "USA", None, KEY, out, err)
    assert 1 == status
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert ["QQ", "QQ"] == [line["manifest"]["carrier"] for line in lines]
    assert ["TESTPERSON", "TESTCHILD"] == [t["surname"] for t in lines[0]["manifest"]["travelers"]]
    assert [
        f"{good}:segment 32: UNT_COUNT: UNT declares 31 segments, the message holds 30",
        f"{bad}:segment 4: TRUNCATED: the input ends inside a segment",
        f"{pnr}:segment 18: PLACEHOLDER_NAME: placeholder or missing name skipped",
    ] == err.getvalue().splitlines()


def test_convert_command_usage_and_out_file(tmp_path: Path) -> None:
    source = tmp_path / "apis.edi"
    source.write_text(PAXLST_D05B)
    err = io.StringIO()
    assert 2 == convert_command([source], "xml", None, None, KEY, io.StringIO(), err)
    assert 2 == convert_command([source], "auto", "XX", None, KEY, io.StringIO(), err)
    target = tmp_path / "out.jsonl"
    assert 0 == convert_command([source], "paxlst", None, target, KEY, io.StringIO(), err)
    assert 1 == len(target.read_text().splitlines())
    assert 1 == convert_command([source], "pnrgov", None, None, KEY, io.StringIO(), err)
