"""Random bytes, truncations and shuffled segments never crash: a clear error or warnings."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from screening_service.messages import Conversion, MessageError, convert
from screening_service.proto import pb
from tests.factories import violations_of
from tests.messages.samples import KEY, PAXLST_D02B_CREW, PAXLST_D05B, PNRGOV

SAMPLES = [s.encode() for s in (PAXLST_D05B, PAXLST_D02B_CREW, PNRGOV)]


def survives(data: bytes) -> None:
    failure: MessageError | None
    try:
        conversion = convert(data, home_country="USA", key=KEY)
    except MessageError as error:
        failure = error
    else:
        failure = None
    if failure is not None:
        assert failure.code.isupper()
        assert failure.segment >= 0
        return
    assert isinstance(conversion, Conversion)
    for flight in conversion.flights:
        assert [] == violations_of(pb.ScreenManifestRequest(manifest=flight.manifest))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    survives(data)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SAMPLES), st.binary(max_size=300))
def test_random_bytes_after_a_real_header(sample: bytes, tail: bytes) -> None:
    survives(sample[:120] + tail)


def test_every_truncation() -> None:
    for sample in SAMPLES:
        for cut in range(len(sample)):
            survives(sample[:cut])


def test_segment_shuffles() -> None:
    rng = random.Random(17)
    for sample in SAMPLES:
        lines = sample.decode().splitlines()
        for _ in range(150):
            shuffled = lines[:]
            rng.shuffle(shuffled)
            survives("\n".join(shuffled).encode())
            survives("\n".join(rng.sample(lines, rng.randrange(1, len(lines)))).encode())


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SAMPLES), st.integers(0, 2000), st.binary(min_size=1, max_size=4))
def test_byte_flips(sample: bytes, position: int, junk: bytes) -> None:
    at = position % len(sample)
    survives(sample[:at] + junk + sample[at + len(junk) :])
