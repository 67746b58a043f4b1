"""Malformed wire input for the screening service, and what the server must answer.

Shared by `tests/server/test_wire_fuzz.py` (hypothesis, a few thousand cases)
and `benchmarks/fuzz_soak.py` (100,000+ cases). Payloads are raw request
bytes, sent with grpcio generic calls (no serializer), so nothing on the
client side stops a broken message.

The oracle parses each payload the way the server does
(`ScreenRequest.FromString`) and validates it with the service's own
validator, and so knows the one answer the server may give:

- undecodable (protobuf parse fails): `INVALID_ARGUMENT` with a BadRequest
  on `(request)`: the service's interceptor decodes requests itself, so a
  bad message is logged and counted like any invalid request (grpcio alone
  would answer UNKNOWN before any interceptor ran);
- decodable but invalid: `INVALID_ARGUMENT`, never a decision;
- a manifest of more than 1,000 travelers: `RESOURCE_EXHAUSTED`;
- decodable and valid: `OK`, one decision for that traveler_id.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

import grpc
from google.protobuf.message import DecodeError, Message

from screening_service.pipeline.validate import MAX_TRAVELERS, live_today
from screening_service.proto import pb
from tests.factories import lone_minor_cash_last_minute, ordinary_adult, traveler, violations_of

SCREEN: Final = "/screening.v1.ScreeningService/Screen"
SCREEN_MANIFEST: Final = "/screening.v1.ScreeningService/ScreenManifest"
SCREEN_STREAM: Final = "/screening.v1.ScreeningService/ScreenStream"
# What the service answers for a request it cannot deserialize.
UNDECODABLE_CODE: Final = grpc.StatusCode.INVALID_ARGUMENT
CALL_TIMEOUT: Final = 30.0
# grpcio is generic only in the type stubs.
RawUnary: TypeAlias = "grpc.UnaryUnaryMultiCallable[bytes, bytes]"


class Outcome(enum.Enum):
    UNDECODABLE = "undecodable"
    INVALID = "invalid"
    TOO_LARGE = "too large"
    VALID = "valid"


EXPECTED_CODE: Final = {
    Outcome.UNDECODABLE: UNDECODABLE_CODE,
    Outcome.INVALID: grpc.StatusCode.INVALID_ARGUMENT,
    Outcome.TOO_LARGE: grpc.StatusCode.RESOURCE_EXHAUSTED,
    Outcome.VALID: grpc.StatusCode.OK,
}


@dataclass(frozen=True)
class Answer:
    """What came back for one raw call."""

    code: grpc.StatusCode
    body: bytes | None
    details: str


def raw_unary(channel: grpc.Channel, method: str) -> RawUnary:
    """A unary call that sends and returns bytes as they are."""
    return channel.unary_unary(method, request_serializer=None, response_deserializer=None)


def call(method: RawUnary, payload: bytes) -> Answer:
    try:
        body = method(payload, timeout=CALL_TIMEOUT)
    except grpc.RpcError as error:
        return Answer(error.code(), None, error.details() or "")
    assert isinstance(body, bytes)
    return Answer(grpc.StatusCode.OK, body, "")


def _parse(message: Message, payload: bytes) -> bool:
    try:
        message.ParseFromString(payload)
    except DecodeError:
        return False
    return True


def expect_screen(payload: bytes) -> tuple[Outcome, pb.ScreenRequest]:
    request = pb.ScreenRequest()
    if not _parse(request, payload):
        return Outcome.UNDECODABLE, request
    return (Outcome.INVALID if violations_of(request, live_today()) else Outcome.VALID), request


def expect_manifest(payload: bytes) -> tuple[Outcome, pb.ScreenManifestRequest]:
    request = pb.ScreenManifestRequest()
    if not _parse(request, payload):
        return Outcome.UNDECODABLE, request
    if len(request.manifest.travelers) > MAX_TRAVELERS:
        return Outcome.TOO_LARGE, request
    return (Outcome.INVALID if violations_of(request, live_today()) else Outcome.VALID), request


def screen_verdict(payload: bytes, answer: Answer) -> str | None:
    """None when the server answered `payload` as it must; else what went wrong."""
    outcome, request = expect_screen(payload)
    expected = EXPECTED_CODE[outcome]
    if answer.code != expected:
        return f"{outcome.value} request answered {answer.code.name}, expected {expected.name}"
    if outcome is not Outcome.VALID:
        return None
    assert answer.body is not None
    decision = pb.ScreenResponse.FromString(answer.body).decision
    if decision.traveler_id != request.traveler.traveler_id:
        return "decision for another traveler_id"
    if decision.referral == pb.REFERRAL_UNSPECIFIED:
        return "decision without a referral"
    return None


def manifest_verdict(payload: bytes, answer: Answer) -> str | None:
    outcome, request = expect_manifest(payload)
    expected = EXPECTED_CODE[outcome]
    if answer.code != expected:
        return f"{outcome.value} manifest answered {answer.code.name}, expected {expected.name}"
    if outcome is Outcome.VALID:
        assert answer.body is not None
        decisions = pb.ScreenManifestResponse.FromString(answer.body).decisions
        if [d.traveler_id for d in decisions] != [
            t.traveler_id for t in request.manifest.travelers
        ]:
            return "decisions do not match the manifest's travelers"
    return None


# --- valid bases --------------------------------------------------------------------


def rich_traveler(traveler_id: str = "T-RICH") -> pb.Traveler:
    """A valid traveler with every kind of field set, companions and observations too."""
    rich = traveler(
        traveler_id,
        age=15,
        purchaser_id="purchaser-hash-0002",
        contact_id="contact-hash-0002",
        companions=[pb.Companion(traveler_id="T-GUARDIAN", relationship=pb.RELATIONSHIP_PARENT)],
        observations=[
            pb.Observation(
                code=pb.OBSERVATION_CODE_SCRIPTED_ANSWERS,
                source=pb.OBSERVATION_SOURCE_CREW,
                note="synthetic note",
            )
        ],
    )
    rich.visa_category = "B2"
    rich.booking.seat = "12A"
    rich.booking.travel_agency_id = "agency-hash-0001"
    return rich


def base_requests() -> list[bytes]:
    """Valid, serialized ScreenRequests to mutate."""
    return [
        pb.ScreenRequest(traveler=t).SerializeToString()
        for t in (ordinary_adult(), lone_minor_cash_last_minute(), rich_traveler())
    ]


# --- byte-level mutations -----------------------------------------------------------


class Op(enum.IntEnum):
    FLIP_BIT = 0
    SET_BYTE = 1
    INSERT = 2
    DELETE = 3
    TRUNCATE = 4
    DUPLICATE = 5
    APPEND = 6


Mutation = tuple[Op, int, bytes]


def mutate(base: bytes, mutations: Sequence[Mutation]) -> bytes:
    """Apply byte-level mutations in order; positions wrap around the current length."""
    data = bytearray(base)
    for op, position, value in mutations:
        at = position % (len(data) + 1)
        if op is Op.FLIP_BIT and at < len(data):
            data[at] ^= 1 << ((value[0] if value else 0) % 8)
        elif op is Op.SET_BYTE and at < len(data):
            data[at] = value[0] if value else 0
        elif op is Op.INSERT:
            data[at:at] = value
        elif op is Op.DELETE:
            del data[at : at + len(value) + 1]
        elif op is Op.TRUNCATE:
            del data[at:]
        elif op is Op.DUPLICATE:
            data[at:at] = data[at : at + len(value) + 1]
        elif op is Op.APPEND:
            data += value
    return bytes(data)


def random_mutations(rng: random.Random, most: int = 4) -> list[Mutation]:
    return [
        (rng.choice(list(Op)), rng.randrange(4096), rng.randbytes(rng.randrange(9)))
        for _ in range(rng.randint(1, most))
    ]


# --- field-level fuzz: unknown enum numbers, hostile text ---------------------------

ENUM_FIELDS: Final = (
    "sex",
    "direction",
    "document.type",
    "booking.ticket_type",
    "booking.payment_form",
    "companions.relationship",
    "observations.code",
    "observations.source",
)
TEXT_FIELDS: Final = (
    "traveler_id",
    "surname",
    "given_names",
    "date_of_birth",
    "nationality",
    "visa_category",
    "document.number",
    "document.issue_date",
    "itinerary.segments.origin",
    "itinerary.segments.flight_number",
    "booking.record_locator",
    "booking.seat",
    "companions.traveler_id",
    "observations.note",
)


def _owner(message: Message, path: str) -> tuple[Message, str]:
    """The message holding the last part of `path`; repeated fields mean their first item."""
    *parents, name = path.split(".")
    for part in parents:
        child = getattr(message, part)
        message = child if isinstance(child, Message) else child[0]
    return message, name


def with_field(base: pb.Traveler, path: str, value: int | str) -> bytes:
    """A ScreenRequest for `base` with one field set to `value`, serialized."""
    changed = pb.Traveler()
    changed.CopyFrom(base)
    owner, name = _owner(changed, path)
    setattr(owner, name, value)
    return pb.ScreenRequest(traveler=changed).SerializeToString()


HOSTILE_TEXT: Final = (
    "",
    " ",
    "\x00",
    "A\x1bB",
    "\u202eRTL",
    "ZZ\u0301",
    "\U0001f600",
    "\ufeff",
    "x" * 129,
    "x" * 10_000,
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "zzz",
    "ZZZ",
)


def random_field_case(rng: random.Random, base: pb.Traveler) -> bytes:
    if rng.random() < 0.5:
        number = rng.choice(
            [rng.randint(-(2**31), 2**31 - 1), rng.randint(-3, 12), 2**31 - 1, -(2**31)]
        )
        return with_field(base, rng.choice(ENUM_FIELDS), number)
    text = rng.choice(
        [
            rng.choice(HOSTILE_TEXT),
            "".join(
                chr(rng.choice([rng.randrange(0x20, 0x7F), rng.randrange(0x80, 0xD800)]))
                for _ in range(rng.randrange(12))
            ),
        ]
    )
    return with_field(base, rng.choice(TEXT_FIELDS), text)


# --- raw protobuf pieces --------------------------------------------------------------


def varint(number: int) -> bytes:
    """Protobuf base-128 varint; negative numbers as their 64-bit two's complement."""
    number &= (1 << 64) - 1
    out = bytearray()
    while True:
        low = number & 0x7F
        number >>= 7
        if number:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def raw_field(number: int, wire_type: int, payload: bytes) -> bytes:
    """One field: tag, and for length-delimited fields (wire type 2) the length."""
    tag = varint(number << 3 | wire_type)
    if wire_type == 2:
        return tag + varint(len(payload)) + payload
    return tag + payload


def screen_request_bytes(traveler_bytes: bytes) -> bytes:
    """ScreenRequest{traveler = <raw Traveler bytes>}."""
    return raw_field(1, 2, traveler_bytes)


def invalid_utf8_cases() -> list[tuple[str, bytes]]:
    """Requests with an invalid UTF-8 sequence inside one string field, by field."""
    sequences = {
        "lone continuation byte": b"\x80",
        "0xff": b"\xff",
        "truncated 2-byte sequence": b"\xc3",
        "overlong slash": b"\xc0\xaf",
        "UTF-16 surrogate": b"\xed\xa0\x80",
        "above U+10FFFF": b"\xf4\x90\x80\x80",
    }
    # A same-length marker in the field is swapped for the bad bytes, so the
    # lengths of the enclosing messages stay right.
    cases: list[tuple[str, bytes]] = []
    paths = (
        "traveler_id",
        "surname",
        "document.number",
        "itinerary.segments.origin",
        "companions.traveler_id",
        "observations.note",
    )
    for path in paths:
        for name, bad in sequences.items():
            marker = "Q" * len(bad) + "Z"
            payload = with_field(rich_traveler(), path, marker)
            assert payload.count(marker.encode()) == 1
            cases.append((f"{path}: {name}", payload.replace(marker.encode(), bad + b"Z")))
    return cases
