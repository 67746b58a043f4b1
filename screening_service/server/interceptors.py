"""Cross-cutting concerns of every call: request id, logging, metrics, error mapping.

Each method's handler is wrapped once, when it is registered (`Observability`,
`ObservedServer`), rather than by a grpc interceptor that runs per call.
Servicer methods raise domain exceptions; the wrapper turns them into
statuses (`errors.status_for`), so no method maps errors itself, and an
unexpected exception becomes INTERNAL without crashing the server. Admission
(`admission`: concurrency budgets, RESOURCE_EXHAUSTED beyond them) comes
first, before any authentication work.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import grpc
import structlog

from screening_service.observability import metrics
from screening_service.observability.logging import get_logger
from screening_service.server.admission import Admission
from screening_service.server.errors import InvalidRequest, Undecodable, status_for, to_grpc
from screening_service.server.security import Authenticator, authorize

log = get_logger("screening.rpc")
Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"
REQUEST_ID_HEADER = "x-request-id"
SCREENING_PREFIX = "/screening."
DEFAULT_MAX_SCREENING = 256


def _request_id(context: grpc.aio.ServicerContext[Any, Any]) -> str:
    for key, value in context.invocation_metadata() or ():
        if (
            key == REQUEST_ID_HEADER
            and isinstance(value, str)
            and 0 < len(value) <= 64
            and value.isprintable()
        ):
            return value
    # 128 random bits as 32 hex digits, like uuid4().hex without building a UUID.
    return os.urandom(16).hex()


class _CallScope:
    def __init__(
        self,
        method: str,
        context: grpc.aio.ServicerContext[Any, Any],
        authenticator: Authenticator | None,
    ) -> None:
        self.full_method = method
        self.authenticator = authenticator
        self.method = method.rsplit("/", 1)[-1]
        # Probes and reflection are logged at debug: a Kubernetes probe every
        # few seconds would otherwise drown the decisions.
        self.quiet = not method.startswith(SCREENING_PREFIX)
        self.context = context
        self.request_id = _request_id(context)
        # Read the peer and set trailers while the call is alive: grpcio
        # segfaults on context.peer() after a cancelled stream has ended.
        self.peer = context.peer()
        context.set_trailing_metadata(((REQUEST_ID_HEADER, self.request_id),))
        self.started = time.perf_counter()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=self.request_id, method=self.method)
        self.in_flight = metrics.child(metrics.rpc_in_flight, self.method)
        self.in_flight.inc()

    def authorize(self) -> None:
        caller = authorize(self.authenticator, self.full_method, self.context)
        if caller is not None:
            structlog.contextvars.bind_contextvars(caller=caller.name)

    async def fail(self, error: BaseException) -> None:
        if isinstance(error, grpc.aio.AbortError | asyncio.CancelledError | GeneratorExit):
            raise error
        status = status_for(error, self.request_id)
        if status.code == grpc.StatusCode.INTERNAL.value[0]:
            log.exception("unexpected error", error_type=type(error).__name__)
        # grpc-stubs predates aio's abort_with_status.
        grpc_status = to_grpc(status, (REQUEST_ID_HEADER, self.request_id))
        await self.context.abort_with_status(grpc_status)  # type: ignore[attr-defined]

    def finish(self) -> None:
        code = self.context.code() or grpc.StatusCode.OK
        code_name = code.name if isinstance(code, grpc.StatusCode) else str(code)
        seconds = time.perf_counter() - self.started
        self.in_flight.dec()
        metrics.child(metrics.rpc_duration, self.method, code_name).observe(seconds)
        (log.debug if self.quiet else log.info)(
            "rpc",
            peer=self.peer,
            code=code_name,
            duration_ms=round(seconds * 1000, 3),
        )
        structlog.contextvars.clear_contextvars()


class Observability:
    """Wraps each method's handler once, when it is registered, never per call.

    A grpc.aio server interceptor runs for every call: a coroutine that looks
    the handler up again and builds a new method handler around it before
    the call can start. The wrapping does not depend on the call, so it is
    done at registration (`ObservedServer`) and the server dispatches
    straight to the wrapped handler.
    """

    def __init__(
        self, authenticator: Authenticator | None = None, admission: Admission | None = None
    ) -> None:
        self.authenticator = authenticator
        self.admission = admission or Admission(
            DEFAULT_MAX_SCREENING, authenticating=authenticator is not None
        )

    def wrap(self, method: str, handler: Handler) -> Handler:
        """``handler`` of ``method`` (``/package.Service/Method``) with the per-call concerns."""
        deserializer = handler.request_deserializer
        if method.startswith(SCREENING_PREFIX) and deserializer is not None:
            deserializer = tolerant(deserializer)
        call = _Call(method, self.authenticator, self.admission)
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                _wrap_unary(call, handler.unary_unary),
                request_deserializer=deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_stream is not None:
            return grpc.stream_stream_rpc_method_handler(
                _wrap_stream(call, handler.stream_stream),
                request_deserializer=deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(
                _wrap_stream(call, handler.unary_stream),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler


class _ObservedGeneric(grpc.GenericRpcHandler):  # type: ignore[type-arg]  # generic only in stubs
    """A generic handler whose handlers come wrapped; each method's wrapping is kept."""

    def __init__(self, inner: grpc.GenericRpcHandler[Any, Any], observability: Observability):
        self.inner = inner
        self.observability = observability
        self._wrapped: dict[str, tuple[Handler, Handler]] = {}

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> Handler | None:
        handler = self.inner.service(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        known = self._wrapped.get(method)
        if known is not None and known[0] is handler:
            return known[1]
        wrapped = self.observability.wrap(method, handler)
        self._wrapped[method] = (handler, wrapped)
        return wrapped


class ObservedServer:
    """What the generated ``add_*Servicer_to_server`` functions are given instead of the server.

    They register a service's handlers through these two methods; every
    handler reaches the real server wrapped by `Observability`.
    """

    def __init__(self, server: grpc.aio.Server, observability: Observability) -> None:
        self.server = server
        self.observability = observability

    def add_generic_rpc_handlers(
        self, generic_rpc_handlers: Sequence[grpc.GenericRpcHandler[Any, Any]]
    ) -> None:
        self.server.add_generic_rpc_handlers(
            tuple(_ObservedGeneric(h, self.observability) for h in generic_rpc_handlers)
        )

    def add_registered_method_handlers(
        self, service_name: str, method_handlers: dict[str, Handler]
    ) -> None:
        wrap = self.observability.wrap
        self.server.add_registered_method_handlers(  # type: ignore[attr-defined]  # newer than grpc-stubs
            service_name,
            {name: wrap(f"/{service_name}/{name}", h) for name, h in method_handlers.items()},
        )


def tolerant(deserializer: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    """A deserializer that never raises: bad bytes become `Undecodable`.

    grpcio ends a whole stream (and answers UNKNOWN, before any handler
    runs) when a request fails to decode; with this, a bad unary request is a
    logged INVALID_ARGUMENT and a bad stream item gets its own error result.
    """

    def decode(raw: bytes) -> Any:
        try:
            return deserializer(raw)
        except Exception as error:  # any decode failure is the caller's
            return Undecodable(type(error).__name__)

    return decode


@dataclass(frozen=True)
class _Call:
    """What every call of one method shares: its name, authentication and admission."""

    method: str
    authenticator: Authenticator | None
    admission: Admission

    @contextlib.contextmanager
    def admitted(self, context: grpc.aio.ServicerContext[Any, Any]) -> Iterator[None]:
        """Hold a slot of the call's budget; raises `Saturated` when it is full."""
        budget = self.admission.budget_for(self.method, context)
        if budget is not None:
            budget.acquire()
        try:
            yield
        finally:
            if budget is not None:
                budget.release()


def _wrap_unary(call: _Call, behavior: Any) -> Any:
    async def wrapper(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        scope = _CallScope(call.method, context, call.authenticator)
        try:
            with call.admitted(context):
                scope.authorize()
                if isinstance(request, Undecodable):
                    raise InvalidRequest([request.violation()])
                return await behavior(request, context)
        except BaseException as error:
            await scope.fail(error)
            raise
        finally:
            scope.finish()

    return wrapper


def _wrap_stream(call: _Call, behavior: Any) -> Any:
    """Wrap a streaming handler in the same form grpcio will call it in.

    grpcio runs a streaming handler either as an async generator (responses
    are yielded) or as a coroutine that writes with ``context.write`` (the
    standard health ``Watch`` does); iterating a coroutine fails, so each
    form gets a wrapper of its own form.
    """
    if inspect.iscoroutinefunction(behavior):

        async def writer(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
            scope = _CallScope(call.method, context, call.authenticator)
            try:
                with call.admitted(context):
                    scope.authorize()
                    await behavior(request, context)
            except BaseException as error:
                await scope.fail(error)
                raise
            finally:
                scope.finish()

        return writer

    async def generator(
        request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Any]:
        scope = _CallScope(call.method, context, call.authenticator)
        try:
            with call.admitted(context):
                scope.authorize()
                async for response in behavior(request, context):
                    yield response
        except BaseException as error:
            await scope.fail(error)
            raise
        finally:
            scope.finish()

    return generator
