"""``screening convert``: message files -> JSON lines, one ``{"manifest": ...}`` per flight.

Problems go to stderr as ``file:segment N: CODE: message`` (never personal
data). Exit 0 when every file converted (warnings allowed), 1 when some file
was rejected (the others are still written), 2 for usage errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Final

from google.protobuf import json_format

from screening_service import geography
from screening_service.messages.convert import MAX_INPUT_BYTES, convert
from screening_service.messages.model import MessageError, MessageKind
from screening_service.pseudonyms import PseudonymKey

FORMATS: Final = {"auto": None, "paxlst": MessageKind.PAXLST, "pnrgov": MessageKind.PNRGOV}
EXIT_OK: Final = 0
EXIT_REJECTED: Final = 1
EXIT_USAGE: Final = 2


def convert_command(
    paths: list[Path],
    fmt: str,
    home_country: str | None,
    out: Path | None,
    key: PseudonymKey | None,
    stdout: IO[str],
    stderr: IO[str],
) -> int:
    if fmt not in FORMATS:
        stderr.write(f"convert: --format must be one of {', '.join(FORMATS)}\n")
        return EXIT_USAGE
    if home_country is not None and not geography.is_country(home_country.upper()):
        stderr.write("convert: --home-country must be an ISO 3166-1 alpha-3 code\n")
        return EXIT_USAGE
    if not paths:
        stderr.write("convert: no input file\n")
        return EXIT_USAGE
    home = home_country.upper() if home_country else None
    try:
        sink = out.open("w", encoding="utf-8") if out is not None else stdout
    except OSError as error:
        stderr.write(f"convert: cannot write {out}: {error.strerror}\n")
        return EXIT_USAGE
    status = EXIT_OK
    try:
        for path in paths:
            if not _convert_file(path, FORMATS[fmt], home, key, sink, stderr):
                status = EXIT_REJECTED
    finally:
        if sink is not stdout:
            sink.close()
    return status


def _convert_file(
    path: Path,
    kind: MessageKind | None,
    home: str | None,
    key: PseudonymKey | None,
    sink: IO[str],
    stderr: IO[str],
) -> bool:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        stderr.write(f"{path}:segment 0: UNREADABLE: {error.strerror}\n")
        return False
    if len(data) > MAX_INPUT_BYTES:
        stderr.write(f"{path}:segment 0: TOO_LARGE: more than {MAX_INPUT_BYTES} bytes\n")
        return False
    try:
        conversion = convert(data, kind, home, key)
    except MessageError as error:
        stderr.write(f"{path}:segment {error.segment}: {error.code}: {error.message}\n")
        return False
    problems = list(conversion.warnings)
    for flight in conversion.flights:
        problems.extend(flight.warnings)
        record = json_format.MessageToDict(flight.manifest, preserving_proto_field_name=True)
        sink.write(json.dumps({"manifest": record}, ensure_ascii=False) + "\n")
    for warning in sorted(problems, key=lambda w: w.segment):
        stderr.write(f"{path}:segment {warning.segment}: {warning.code}: {warning.message}\n")
    return True
