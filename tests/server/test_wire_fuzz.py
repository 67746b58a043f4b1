"""Hostile clients: malformed wire input against the real server, over loopback.

Requests are raw bytes sent with grpcio generic calls, or raw HTTP/2 frames
written with the h2 library. For every input the server answers with a
standard status (see `wire_cases` for the oracle that says which), never a
decision for an invalid traveler, and keeps serving: after each batch a valid
Screen call still succeeds.

Observed answers (grpcio 1.85, aio server):

- undecodable protobuf (random bytes, truncation, invalid UTF-8 in a string
  field, an over-long varint): INVALID_ARGUMENT on `(request)`, logged and
  counted (the interceptor decodes requests itself; grpcio alone answered
  UNKNOWN before any interceptor ran);
- decodable but invalid (unknown enum numbers, hostile text, 100,000
  companions): INVALID_ARGUMENT with a BadRequest;
- a manifest of 1,001 travelers: RESOURCE_EXHAUSTED with a BadRequest;
- above the 16 MiB receive limit: RESOURCE_EXHAUSTED (from grpcio);
- unknown method or service: UNIMPLEMENTED;
- an undecodable item inside ScreenStream: that item gets its own
  INVALID_ARGUMENT result and the stream goes on (it used to end the whole
  call INTERNAL);
- any content-type, application/json included, is treated as gRPC by grpc
  core: a JSON body is read as a gRPC frame (INVALID_ARGUMENT here);
- a unary call whose request message never completes (no DATA, a truncated
  frame) is not answered until the call's deadline (DEADLINE_EXCEEDED), or
  ever, without one; other callers are not held up.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import grpc
import h2.config
import h2.connection
import h2.events
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening_service.proto import pb, pb_grpc
from tests.conftest import RunningServer
from tests.factories import manifest, ordinary_adult
from tests.server.wire_cases import (
    ENUM_FIELDS,
    SCREEN,
    SCREEN_MANIFEST,
    SCREEN_STREAM,
    TEXT_FIELDS,
    UNDECODABLE_CODE,
    Op,
    Outcome,
    RawUnary,
    base_requests,
    call,
    expect_screen,
    invalid_utf8_cases,
    manifest_verdict,
    mutate,
    raw_field,
    raw_unary,
    rich_traveler,
    screen_request_bytes,
    screen_verdict,
    varint,
    with_field,
)

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MAX_RECEIVE = 16 * 1024 * 1024
BASES = base_requests()


@pytest.fixture(scope="module")
def wire(server: RunningServer) -> Iterator[grpc.Channel]:
    # The client may send more than the server accepts; it must not stop us first.
    with grpc.insecure_channel(
        server.address, options=[("grpc.max_send_message_length", -1)]
    ) as channel:
        yield channel


def assert_still_serving(channel: grpc.Channel) -> None:
    decision = (
        pb_grpc.ScreeningServiceStub(channel)
        .Screen(pb.ScreenRequest(traveler=ordinary_adult("T-ALIVE")), timeout=30)
        .decision
    )
    assert decision.traveler_id == "T-ALIVE"
    assert decision.referral == pb.REFERRAL_NONE


def bad_request(
    method: RawUnary,
    payload: bytes,
    code: grpc.StatusCode = grpc.StatusCode.INVALID_ARGUMENT,
) -> dict[str, str]:
    """The field violations of the `code` (INVALID_ARGUMENT) answer to `payload`."""
    with pytest.raises(grpc.RpcError) as caught:
        method(payload, timeout=30)
    assert caught.value.code() == code
    status = rpc_status.from_call(caught.value)  # type: ignore[arg-type]
    assert status is not None
    found: dict[str, str] = {}
    for detail in status.details:
        request = error_details_pb2.BadRequest()
        assert detail.Unpack(request)
        found.update({v.field: v.description for v in request.field_violations})
    return found


# --- fuzzing ------------------------------------------------------------------------


def test_random_bytes(wire: grpc.Channel) -> None:
    screen = raw_unary(wire, SCREEN)

    @settings(FUZZ, max_examples=1500)
    @given(payload=st.binary(max_size=2048))
    def case(payload: bytes) -> None:
        assert screen_verdict(payload, call(screen, payload)) is None

    case()
    assert_still_serving(wire)


def test_random_bytes_as_a_manifest(wire: grpc.Channel) -> None:
    screen_manifest = raw_unary(wire, SCREEN_MANIFEST)

    @settings(FUZZ, max_examples=300)
    @given(payload=st.binary(max_size=2048))
    def case(payload: bytes) -> None:
        assert manifest_verdict(payload, call(screen_manifest, payload)) is None

    case()
    assert_still_serving(wire)


mutations = st.lists(
    st.tuples(st.sampled_from(Op), st.integers(0, 4095), st.binary(max_size=8)),
    min_size=1,
    max_size=4,
)


def test_mutated_valid_requests(wire: grpc.Channel) -> None:
    screen = raw_unary(wire, SCREEN)

    @settings(FUZZ, max_examples=1500)
    @given(base=st.sampled_from(BASES), changes=mutations)
    def case(base: bytes, changes: list[tuple[Op, int, bytes]]) -> None:
        payload = mutate(base, changes)
        assert screen_verdict(payload, call(screen, payload)) is None

    case()
    assert_still_serving(wire)


def test_one_field_set_to_any_enum_number_or_any_text(wire: grpc.Channel) -> None:
    screen = raw_unary(wire, SCREEN)
    enums = st.tuples(st.sampled_from(ENUM_FIELDS), st.integers(-(2**31), 2**31 - 1))
    texts = st.tuples(st.sampled_from(TEXT_FIELDS), st.text(max_size=300))

    @settings(FUZZ, max_examples=500)
    @given(change=st.one_of(enums, texts))
    def case(change: tuple[str, int] | tuple[str, str]) -> None:
        payload = with_field(rich_traveler(), *change)
        outcome, _ = expect_screen(payload)
        assert outcome is not Outcome.UNDECODABLE
        assert screen_verdict(payload, call(screen, payload)) is None

    case()
    assert_still_serving(wire)


# --- malformed messages, class by class ---------------------------------------------


def test_every_truncation_of_a_valid_request(wire: grpc.Channel) -> None:
    screen = raw_unary(wire, SCREEN)
    for base in BASES:
        for length in range(len(base)):
            payload = base[:length]
            answer = call(screen, payload)
            # Only the empty prefix parses (as an empty request); the rest cut
            # the traveler's length-delimited field short.
            expected = grpc.StatusCode.INVALID_ARGUMENT if length == 0 else UNDECODABLE_CODE
            assert answer.code == expected, length
        # The traveler cut short inside a correct outer frame: fields end early.
        traveler = pb.ScreenRequest.FromString(base).traveler.SerializeToString()
        for length in range(len(traveler)):
            payload = screen_request_bytes(traveler[:length])
            assert screen_verdict(payload, call(screen, payload)) is None, length
    assert_still_serving(wire)


@pytest.mark.parametrize("path", ENUM_FIELDS)
def test_unknown_enum_numbers_are_invalid_argument(wire: grpc.Channel, path: str) -> None:
    screen = raw_unary(wire, SCREEN)
    reported = path.replace("companions.", "companions[0].").replace(
        "observations.", "observations[0]."
    )
    for number in (99, -1, 2**31 - 1):
        found = bad_request(screen, with_field(rich_traveler(), path, number))
        assert found == {f"traveler.{reported}": f"has unknown enum number {number}"}
    assert_still_serving(wire)


def test_enum_numbers_written_as_raw_varints(wire: grpc.Channel) -> None:
    """`sex` (field 5) appended as a raw varint: the last value on the wire wins."""
    screen = raw_unary(wire, SCREEN)
    traveler = rich_traveler().SerializeToString()
    # An enum is an int32 on the wire: a wider varint is cut to its low 32 bits.
    for raw, number in ((7, 7), (2**31, -(2**31)), (2**32 + 99, 99), (-5, -5)):
        payload = screen_request_bytes(traveler + raw_field(5, 0, varint(raw)))
        assert pb.ScreenRequest.FromString(payload).traveler.sex == number
        found = bad_request(screen, payload)
        assert found == {"traveler.sex": f"has unknown enum number {number}"}, raw
    # Known numbers through the same path are screened as usual; 2**63 is cut to 0.
    for raw in (pb.SEX_F, 2**32 + pb.SEX_M, 2**63):
        payload = screen_request_bytes(traveler + raw_field(5, 0, varint(raw)))
        assert call(screen, payload).code == grpc.StatusCode.OK, raw
    # A varint longer than 10 bytes is not a varint.
    overlong = screen_request_bytes(traveler + raw_field(5, 0, b"\xff" * 10 + b"\x01"))
    assert call(screen, overlong).code == UNDECODABLE_CODE
    assert_still_serving(wire)


@pytest.mark.parametrize(("name", "payload"), invalid_utf8_cases(), ids=lambda v: str(v)[:40])
def test_invalid_utf8_in_a_string_field_does_not_parse(
    wire: grpc.Channel, name: str, payload: bytes
) -> None:
    del name
    assert expect_screen(payload)[0] is Outcome.UNDECODABLE
    answer = call(raw_unary(wire, SCREEN), payload)
    assert answer.code == UNDECODABLE_CODE
    assert "DecodeError" in answer.details
    assert_still_serving(wire)


def test_huge_repeated_fields_are_refused(wire: grpc.Channel) -> None:
    screen = raw_unary(wire, SCREEN)
    crowded = ordinary_adult("T-CROWD")
    crowded.companions.extend(
        pb.Companion(traveler_id=f"C-{i}", relationship=pb.RELATIONSHIP_SIBLING)
        for i in range(100_000)
    )
    payload = pb.ScreenRequest(traveler=crowded).SerializeToString()
    assert bad_request(screen, payload) == {"traveler.companions": "has more than 100 entries"}

    observed = ordinary_adult("T-OBSERVED")
    observed.observations.extend(
        pb.Observation(code=pb.OBSERVATION_CODE_OTHER) for _ in range(100_000)
    )
    payload = pb.ScreenRequest(traveler=observed).SerializeToString()
    assert bad_request(screen, payload) == {"traveler.observations": "has more than 50 entries"}

    far = ordinary_adult("T-FAR")
    far.itinerary.segments.extend([far.itinerary.segments[0]] * 10_000)
    payload = pb.ScreenRequest(traveler=far).SerializeToString()
    found = bad_request(screen, payload)
    assert found["traveler.itinerary.segments"] == "has more than 16 segments"

    flight = manifest([ordinary_adult(f"T-{i:04d}") for i in range(1001)])
    payload = pb.ScreenManifestRequest(manifest=flight).SerializeToString()
    exhausted = grpc.StatusCode.RESOURCE_EXHAUSTED
    found = bad_request(raw_unary(wire, SCREEN_MANIFEST), payload, exhausted)
    assert found == {"manifest.travelers": "has more than 1000 travelers; split the flight"}
    assert_still_serving(wire)


def test_deeply_nested_unknown_fields(wire: grpc.Channel) -> None:
    """Unknown groups are parsed to be skipped; nesting beyond the parser's limit fails."""
    screen = raw_unary(wire, SCREEN)
    start, end = varint(15 << 3 | 3), varint(15 << 3 | 4)  # field 15, start/end group
    observed: dict[int, grpc.StatusCode] = {}
    for depth in (1, 10, 50, 99, 100, 101, 1_000, 100_000):
        payload = start * depth + end * depth
        answer = call(screen, payload)
        assert screen_verdict(payload, answer) is None, depth
        observed[depth] = answer.code
    assert observed[1] == grpc.StatusCode.INVALID_ARGUMENT  # parsed: "traveler is required"
    assert observed[100_000] == UNDECODABLE_CODE
    # Unknown length-delimited fields nested 1,000 deep are opaque bytes.
    blob = b""
    for _ in range(1_000):
        blob = raw_field(15, 2, blob)
    payload = screen_request_bytes(rich_traveler().SerializeToString() + raw_field(99, 2, blob))
    assert call(screen, payload).code == grpc.StatusCode.OK
    assert_still_serving(wire)


def test_message_above_the_receive_limit_is_resource_exhausted(wire: grpc.Channel) -> None:
    screen = raw_unary(wire, SCREEN)
    big = rich_traveler()
    overhead = len(pb.ScreenRequest(traveler=big).SerializeToString()) + 16
    big.observations[0].note = "x" * (MAX_RECEIVE - overhead)
    below = pb.ScreenRequest(traveler=big).SerializeToString()
    assert len(below) <= MAX_RECEIVE
    found = bad_request(screen, below)
    assert found == {"traveler.observations[0].note": "is longer than 500 characters"}

    big.observations[0].note = "x" * (MAX_RECEIVE + 1)
    answer = call(screen, pb.ScreenRequest(traveler=big).SerializeToString())
    assert answer.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert answer.body is None
    assert_still_serving(wire)


@pytest.mark.parametrize(
    "method",
    [
        "/screening.v1.ScreeningService/Nope",
        "/screening.v1.ScreeningService/screen",
        "/screening.v1.ScreeningService/",
        "/screening.v2.ScreeningService/Screen",
        "/grpc.health.v1.Health/Nope",
        "/no.Such/Thing",
    ],
)
def test_unknown_method_is_unimplemented(wire: grpc.Channel, method: str) -> None:
    answer = call(raw_unary(wire, method), BASES[0])
    assert answer.code == grpc.StatusCode.UNIMPLEMENTED
    assert_still_serving(wire)


def test_an_undecodable_stream_item_gets_its_own_error_and_the_stream_goes_on(
    wire: grpc.Channel,
) -> None:
    """Regression: a broken item used to end the whole stream INTERNAL."""
    stream = wire.stream_stream(SCREEN_STREAM, request_serializer=None, response_deserializer=None)
    requests = [
        pb.ScreenRequest(traveler=ordinary_adult("T-S1")).SerializeToString(),
        b"\xff\xff\xff",
        pb.ScreenRequest(traveler=ordinary_adult("T-S3")).SerializeToString(),
    ]
    results = [pb.ScreenStreamResponse.FromString(b) for b in stream(iter(requests), timeout=30)]
    assert [(r.traveler_id, r.WhichOneof("result")) for r in results] == [
        ("T-S1", "decision"),
        ("", "error"),
        ("T-S3", "decision"),
    ]
    assert results[1].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "not a valid protobuf message" in results[1].error.message
    assert_still_serving(wire)


# --- raw HTTP/2 -----------------------------------------------------------------------


@dataclass
class H2Reply:
    headers: dict[str, str] = field(default_factory=dict)
    trailers: dict[str, str] = field(default_factory=dict)
    data: bytes = b""
    reset: bool = False
    connection_closed: bool = False
    ended: bool = False

    @property
    def grpc_status(self) -> int | None:
        text = self.trailers.get("grpc-status", self.headers.get("grpc-status"))
        return None if text is None else int(text)


def _names(headers: Sequence[tuple[bytes | str, bytes | str]]) -> dict[str, str]:
    def text(value: bytes | str) -> str:
        return value.decode() if isinstance(value, bytes) else value

    return {text(k): text(v) for k, v in headers}


class H2Client:
    """A bare HTTP/2 client on one loopback connection, for frames grpcio would not send."""

    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        self.conn.initiate_connection()
        self.sock.sendall(self.conn.data_to_send())
        self.authority = f"127.0.0.1:{port}"
        self.replies: dict[int, H2Reply] = {}
        self.closed = False

    def post(
        self,
        path: str,
        content_type: str,
        body: bytes | None,
        extra: Sequence[tuple[str, str]] = (),
    ) -> int:
        """Send one request, half-closed; `body=None` sends headers only."""
        stream_id = self.conn.get_next_available_stream_id()
        headers = [
            (":method", "POST"),
            (":scheme", "http"),
            (":authority", self.authority),
            (":path", path),
            ("content-type", content_type),
            ("te", "trailers"),
            *extra,
        ]
        self.conn.send_headers(stream_id, headers, end_stream=body is None)
        if body is not None:
            self.conn.send_data(stream_id, body, end_stream=True)
        self.sock.sendall(self.conn.data_to_send())
        self.replies[stream_id] = H2Reply()
        return stream_id

    def wait(self, stream_id: int, seconds: float) -> H2Reply:
        """Read until the stream ends, is reset, the connection closes, or time is up."""
        reply = self.replies[stream_id]
        deadline = time.monotonic() + seconds
        while not (reply.ended or reply.reset or self.closed):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                break
            if not data:
                self.closed = True
                break
            self._handle(self.conn.receive_data(data))
            self.sock.sendall(self.conn.data_to_send())
        reply.connection_closed = self.closed
        return reply

    def _handle(self, events: Sequence[h2.events.Event]) -> None:
        for event in events:
            if isinstance(event, h2.events.ResponseReceived) and event.stream_id is not None:
                self.replies[event.stream_id].headers = _names(event.headers or [])
            elif isinstance(event, h2.events.TrailersReceived) and event.stream_id is not None:
                self.replies[event.stream_id].trailers = _names(event.headers or [])
            elif isinstance(event, h2.events.DataReceived) and event.stream_id is not None:
                self.replies[event.stream_id].data += event.data or b""
                self.conn.acknowledge_received_data(
                    event.flow_controlled_length or 0, event.stream_id
                )
            elif isinstance(event, h2.events.StreamEnded) and event.stream_id is not None:
                self.replies[event.stream_id].ended = True
            elif isinstance(event, h2.events.StreamReset) and event.stream_id is not None:
                self.replies[event.stream_id].reset = True
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.closed = True

    def close(self) -> None:
        self.sock.close()


def grpc_frame(message: bytes) -> bytes:
    return b"\x00" + len(message).to_bytes(4, "big") + message


OK_OR_STANDARD = {code.value[0] for code in grpc.StatusCode}


@pytest.mark.parametrize(
    "body",
    [b'{"traveler": {"traveler_id": "T-JSON", "surname": "TESTPERSON"}}', b"{}", b""],
    ids=["json-object", "json-empty-object", "empty"],
)
def test_json_content_type_gets_a_clean_error(
    server: RunningServer, wire: grpc.Channel, body: bytes
) -> None:
    client = H2Client(server.service.port)
    try:
        stream_id = client.post(SCREEN, "application/json", body, [("grpc-timeout", "1S")])
        reply = client.wait(stream_id, 10)
    finally:
        client.close()
    assert reply.ended or reply.reset, "no answer within 10 s"
    assert reply.data == b"", "a response message for a JSON request"
    if reply.headers.get(":status") == "200":
        # grpc core ignores the content-type and reads the body as gRPC frames.
        assert reply.grpc_status in OK_OR_STANDARD - {grpc.StatusCode.OK.value[0]}
    else:
        assert reply.headers.get(":status", "").startswith(("4", "5"))
    assert_still_serving(wire)


def test_json_body_is_read_as_a_grpc_frame(server: RunningServer) -> None:
    """Observed, not required: '{' is read as the frame's flags byte and the body as an
    empty request, so the answer is INVALID_ARGUMENT "traveler is required"."""
    client = H2Client(server.service.port)
    try:
        stream_id = client.post(SCREEN, "application/json", b'{"traveler": {}}')
        reply = client.wait(stream_id, 10)
    finally:
        client.close()
    assert reply.headers.get(":status") == "200"
    assert reply.grpc_status == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert reply.data == b""


@pytest.mark.parametrize(
    "body",
    [None, b"", b"\x00\x00\x00", b"\x00\x00\x00\x00\x10abc"],
    ids=["headers-only", "empty-data", "partial-prefix", "short-message"],
)
def test_incomplete_request_message_ends_at_the_deadline(
    server: RunningServer, wire: grpc.Channel, body: bytes | None
) -> None:
    client = H2Client(server.service.port)
    try:
        started = time.monotonic()
        stream_id = client.post(SCREEN, "application/grpc", body, [("grpc-timeout", "500m")])
        reply = client.wait(stream_id, 10)
        elapsed = time.monotonic() - started
    finally:
        client.close()
    assert reply.grpc_status == grpc.StatusCode.DEADLINE_EXCEEDED.value[0]
    assert reply.data == b""
    assert 0.4 < elapsed < 5
    assert_still_serving(wire)


def test_calls_left_hanging_do_not_hold_up_other_callers(
    server: RunningServer, wire: grpc.Channel
) -> None:
    """A client opens 100 unary calls whose request never completes, without a deadline."""
    client = H2Client(server.service.port)
    try:
        streams = [
            client.post(SCREEN, "application/grpc", b"\x00\x00\x00\x01\x00") for _ in range(100)
        ]
        assert not client.wait(streams[-1], 0.5).ended
        assert_still_serving(wire)
        # The same connection still carries a complete call.
        good = client.post(SCREEN, "application/grpc", grpc_frame(BASES[0]))
        reply = client.wait(good, 10)
        assert reply.grpc_status == grpc.StatusCode.OK.value[0]
        assert pb.ScreenResponse.FromString(reply.data[5:]).decision.traveler_id
    finally:
        client.close()
    assert_still_serving(wire)


def test_http1_request_on_the_grpc_port_is_dropped(
    server: RunningServer, wire: grpc.Channel
) -> None:
    with socket.create_connection(("127.0.0.1", server.service.port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        received = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        else:
            pytest.fail("connection not closed within 10 s")
    assert not received.startswith(b"HTTP/1.1 2")
    assert_still_serving(wire)
