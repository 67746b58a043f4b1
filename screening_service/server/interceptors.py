"""Cross-cutting concerns of every call: request id, logging, metrics, error mapping.

Servicer methods raise domain exceptions; this interceptor turns them into
statuses (`errors.status_for`), so no method maps errors itself, and an
unexpected exception becomes INTERNAL without crashing the server. Admission
(`admission`: concurrency budgets, RESOURCE_EXHAUSTED beyond them) comes
first, before any authentication work.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

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
    return uuid.uuid4().hex


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
        metrics.rpc_in_flight.labels(self.method).inc()

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
        metrics.rpc_in_flight.labels(self.method).dec()
        metrics.rpc_duration.labels(self.method, code_name).observe(seconds)
        (log.debug if self.quiet else log.info)(
            "rpc",
            peer=self.peer,
            code=code_name,
            duration_ms=round(seconds * 1000, 3),
        )
        structlog.contextvars.clear_contextvars()


if TYPE_CHECKING:
    _Interceptor = grpc.aio.ServerInterceptor[Any, Any]
else:  # generic only in the type stubs
    _Interceptor = grpc.aio.ServerInterceptor


class ObservabilityInterceptor(_Interceptor):
    def __init__(
        self, authenticator: Authenticator | None = None, admission: Admission | None = None
    ) -> None:
        self.authenticator = authenticator
        self.admission = admission or Admission(
            DEFAULT_MAX_SCREENING, authenticating=authenticator is not None
        )

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Handler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Handler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method
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


def tolerant(deserializer: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    """A deserializer that never raises: bad bytes become `Undecodable`.

    grpcio ends a whole stream (and answers UNKNOWN, before any interceptor
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
