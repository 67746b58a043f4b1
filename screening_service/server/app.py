"""Assemble and run the gRPC server: servicer, health, reflection, metrics.

`create_server(address, active)` returns the server and its bound port, so
tests bind port 0. `serve` loads the pack, starts everything, and on SIGTERM
or SIGINT reports NOT_SERVING, lets in-flight calls finish within the grace
period, and returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

# The public alias grpc_health.v1.health.aio is not visible to mypy.
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection, reflection_pb2_grpc

# Public as grpc_reflection.v1alpha.reflection.aio, which mypy does not see either.
from grpc_reflection.v1alpha._async import ReflectionServicer
from watchfiles import awatch

from screening_service import geography
from screening_service.addresses import is_loopback, split_address
from screening_service.engine.spec import DEFAULT_BUDGET_SECONDS
from screening_service.history import (
    DEFAULT_RETENTION_DAYS,
    HistoryUnavailable,
    open_history,
    purge_periodically,
)
from screening_service.observability import metrics
from screening_service.observability.exposition import serve_metrics
from screening_service.observability.logging import get_logger
from screening_service.pipeline.history import HistoryOptions
from screening_service.pipeline.snapshot import Snapshot
from screening_service.pipeline.validate import DEFAULT_DEPARTURE_WINDOW_DAYS
from screening_service.proto import pb, pb_grpc
from screening_service.pseudonyms import KEY_FILE_NAME, PseudonymKey, PseudonymKeyError
from screening_service.rules.errors import W_REVIEW_OVERDUE
from screening_service.rules.files import RULE_FILE_SUFFIXES
from screening_service.runtime.decision_log import DecisionLog, DecisionLogConfig
from screening_service.runtime.lookout import ActiveLookout
from screening_service.runtime.packs import ActivePack, EngineOptions
from screening_service.runtime.reload import PackReloader
from screening_service.runtime.screening import LiveScreening
from screening_service.server.admission import DEFAULT_MAX_OPEN_RPCS, Admission
from screening_service.server.interceptors import Observability, ObservedServer
from screening_service.server.security import (
    AuthConfigError,
    Authenticator,
    TlsConfig,
)
from screening_service.server.servicer import ScreeningServicer

SERVICE_NAME: Final = pb.DESCRIPTOR.services_by_name["ScreeningService"].full_name
MAX_MESSAGE_BYTES: Final = 16 * 1024 * 1024
GRACE_SECONDS: Final = 10.0
WATCH_RETRY_SECONDS: Final = 1.0
DECISION_LOG_CHECK_SECONDS: Final = 1.0
DEFAULT_MAX_CONCURRENT_RPCS: Final = 256
# grpcio's own limit answers INTERNAL or CANCELLED in bursts; admission
# (`server.admission`) refuses first, with RESOURCE_EXHAUSTED. This is only a
# backstop far above the budgets.
BACKSTOP_FACTOR: Final = 4

log = get_logger("screening.server")


@dataclass
class Service:
    server: grpc.aio.Server
    port: int
    health: HealthServicer
    active: ActivePack
    reloader: PackReloader
    decision_log: DecisionLog | None = None


@dataclass(frozen=True, kw_only=True)
class ServeConfig:
    rules: Path
    address: str
    metrics_address: str
    decision_log: DecisionLogConfig | None = None
    watch: bool = True
    engine_budget_seconds: float = DEFAULT_BUDGET_SECONDS
    max_concurrent_rpcs: int = DEFAULT_MAX_CONCURRENT_RPCS
    max_open_rpcs: int = DEFAULT_MAX_OPEN_RPCS
    departure_window_days: int = DEFAULT_DEPARTURE_WINDOW_DAYS
    tls: TlsConfig | None = None
    auth_file: Path | None = None
    lookout: Path | None = None
    allow_insecure_public: bool = False
    allow_public_metrics: bool = False
    shutdown_delay: float = 0.0
    # Where the embedded default keeps its state (the pseudonym key, the history database).
    data_dir: Path = Path("var")
    # Key for contact-derived pseudonyms; None: the environment, else DATA_DIR/pseudonym.key.
    pseudonym_key: Path | None = None
    # Travel history: "sqlite" (in data_dir), "sqlite:PATH", "postgresql://..." or "none".
    history: str = "sqlite"
    history_retention_days: int = DEFAULT_RETENTION_DAYS
    history_degraded_unknown: bool = False
    # Set by the supervisor for each of several worker processes: the port is
    # shared (SO_REUSEPORT) and the supervisor serves the aggregated metrics.
    worker_index: int | None = None


def engine_restarted(reason: str) -> None:
    metrics.engine_restarts.inc()
    log.warning("engine worker replaced", reason=reason)


_published: list[tuple[str, str]] = []


def publish_snapshot(snapshot: Snapshot) -> None:
    """Point the ruleset info gauge at the live pack."""
    for version, content_hash in _published:
        metrics.ruleset_info.labels(version, content_hash).set(0)
        metrics.ruleset_info.remove(version, content_hash)
    _published[:] = [(snapshot.version, snapshot.content_hash)]
    metrics.ruleset_info.labels(snapshot.version, snapshot.content_hash).set(1)
    metrics.ruleset_loaded.set(snapshot.loaded_at.timestamp())
    metrics.rules_review_overdue.set(
        sum(w.code == W_REVIEW_OVERDUE for w in snapshot.compiled.warnings)
    )


async def create_server(
    address: str,
    active: ActivePack,
    reloader: PackReloader,
    decision_log: DecisionLog | None = None,
    *,
    reuse_port: bool = False,
    max_concurrent_rpcs: int = DEFAULT_MAX_CONCURRENT_RPCS,
    max_open_rpcs: int = DEFAULT_MAX_OPEN_RPCS,
    tls: TlsConfig | None = None,
    authenticator: Authenticator | None = None,
    lookout: ActiveLookout | None = None,
    pseudonym_key: PseudonymKey | None = None,
    departure_window_days: int = DEFAULT_DEPARTURE_WINDOW_DAYS,
    history: HistoryOptions | None = None,
) -> Service:
    # Bounded concurrency: calls beyond their budget get RESOURCE_EXHAUSTED at
    # once instead of queueing without bound, and anonymous calls have a
    # budget of their own.
    admission = Admission(
        max_concurrent_rpcs, max_open_rpcs, authenticating=authenticator is not None
    )
    server = grpc.aio.server(
        maximum_concurrent_rpcs=BACKSTOP_FACTOR * (max_concurrent_rpcs + max_open_rpcs) + 64,
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.so_reuseport", 1 if reuse_port else 0),
        ],
    )
    screening = LiveScreening(
        active,
        lookout,
        reloader.engine_options,
        departure_window_days=departure_window_days,
        history=history,
    )
    # Every service registers through `observed`: its handlers come wrapped
    # with request ids, admission, auth, logging, metrics and error mapping.
    observed: Any = ObservedServer(server, Observability(authenticator, admission))
    servicer = ScreeningServicer(screening, reloader, decision_log, pseudonym_key)
    pb_grpc.add_ScreeningServiceServicer_to_server(servicer, observed)
    health_servicer = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, observed)
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(
        ReflectionServicer(
            (
                SERVICE_NAME,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                reflection.SERVICE_NAME,
            )
        ),
        observed,
    )
    try:
        if tls is not None:
            port = server.add_secure_port(address, tls.credentials())
        else:
            port = server.add_insecure_port(address)
    except RuntimeError:
        # grpc reports a failed bind as RuntimeError (older versions return 0).
        port = 0
    if port == 0:
        raise OSError(f"cannot bind gRPC address {address} (in use or not an address of this host)")
    return Service(server, port, health_servicer, active, reloader, decision_log)


async def set_serving(service: Service, serving: bool) -> None:
    status = (
        health_pb2.HealthCheckResponse.SERVING
        if serving
        else health_pb2.HealthCheckResponse.NOT_SERVING
    )
    for name in ("", SERVICE_NAME):
        await service.health.set(name, status)


async def _watch(
    target: Path,
    stop: asyncio.Event,
    changed: Callable[[set[Path]], Awaitable[None]],
    name: str,
) -> None:
    """Call ``changed`` on each batch of changes under ``target``, until ``stop``.

    A target that is missing (or vanishes) is waited for and watched again,
    and so is one whose watcher or handler failed in any way: the failure is
    logged and counted, and watching goes on.
    """
    while not stop.is_set():
        try:
            async for changes in awatch(target, debounce=300, step=50, stop_event=stop):
                try:
                    await changed({Path(path) for _change, path in changes})
                except Exception as error:  # a handler's failure must not end the watch
                    metrics.watch_errors.labels(name).inc()
                    log.error(
                        "reload after a change failed", target=name, error=type(error).__name__
                    )
        except OSError as error:
            log.warning("cannot watch", path=str(target), error=error.strerror)
        except Exception as error:  # the watcher itself failed: start it again
            metrics.watch_errors.labels(name).inc()
            log.error("file watcher failed", target=name, error=type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), WATCH_RETRY_SECONDS)


async def watch_rules(reloader: PackReloader, stop: asyncio.Event) -> None:
    """Reload when a pack file changes; a half-written file is rejected, then retried."""

    async def changed(paths: set[Path]) -> None:
        if any(path.suffix in RULE_FILE_SUFFIXES for path in paths):
            await asyncio.to_thread(reloader.reload, "files changed")

    await _watch(reloader.directory, stop, changed, "rules")


async def watch_lookout(lookout: ActiveLookout, stop: asyncio.Event) -> None:
    """Reload the lookout list when its file (or a file of its directory) changes."""
    path = lookout.path
    assert path is not None

    async def changed(paths: set[Path]) -> None:
        if path.is_dir() or path in paths:
            await asyncio.to_thread(lookout.reload, "files changed")

    await _watch(path if path.is_dir() else path.parent, stop, changed, "lookout")


def reload_all(reloader: PackReloader, lookout: ActiveLookout, reason: str) -> None:
    """Reload both; neither reload raises, and one failing never skips the other."""
    reloader.reload(reason)
    lookout.reload(reason)


def pseudonym_key_for(config: ServeConfig) -> PseudonymKey:
    """The configured key, or the embedded default's own key file (created on first start)."""
    configured = PseudonymKey.from_environment(config.pseudonym_key)
    if configured is not None:
        return configured
    try:
        return PseudonymKey.ensure_file(config.data_dir / KEY_FILE_NAME)
    except OSError as error:
        raise PseudonymKeyError(
            f"cannot create the pseudonym key in {config.data_dir}: {error.strerror}"
        ) from None


async def watch_decision_log(service: Service, stop: asyncio.Event) -> None:
    """Report NOT_SERVING while the decision log cannot be written (a directory there, ...).

    Every call would fail UNAVAILABLE meanwhile; health says so, so a load
    balancer sends traffic elsewhere. A log deleted under the service is
    reopened at its path by the check.
    """
    decision_log = service.decision_log
    assert decision_log is not None
    serving = True
    while not stop.is_set():
        problem = decision_log.check()
        if (problem is None) != serving:
            serving = problem is None
            if serving:
                log.info("decision log writable again; serving")
            else:
                log.error("decision log cannot be written; not serving", error=problem)
            if not stop.is_set():
                await set_serving(service, serving)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), DECISION_LOG_CHECK_SECONDS)


def check_exposure(config: ServeConfig) -> str | None:
    """Why the server must not start as configured, or None."""
    metrics_host, _port = split_address(config.metrics_address)
    if not is_loopback(metrics_host) and not config.allow_public_metrics:
        return (
            f"refusing to serve metrics on {config.metrics_address}, which is not loopback: "
            "give --allow-public-metrics to expose them"
        )
    host, _port = split_address(config.address)
    if config.tls is None and not is_loopback(host):
        if not config.allow_insecure_public:
            return (
                f"refusing to serve {config.address} without TLS: give --tls-cert/--tls-key, "
                "or --allow-insecure-public-bind behind a trusted proxy"
            )
        log.warning("serving a public address without TLS", address=config.address)
    return None


def _release(snapshot: Snapshot, decision_log: DecisionLog | None) -> None:
    """What a server that will not start holds: its engine workers and its log file."""
    snapshot.engine.close()
    if decision_log is not None:
        decision_log.close()


async def _bind(
    config: ServeConfig,
    active: ActivePack,
    reloader: PackReloader,
    decision_log: DecisionLog | None,
    credentials: _Credentials,
    lookout: ActiveLookout,
) -> Service | None:
    """The server on its address, or None after one log line saying why it cannot bind."""
    try:
        return await create_server(
            config.address,
            active,
            reloader,
            decision_log,
            reuse_port=config.worker_index is not None,
            max_concurrent_rpcs=config.max_concurrent_rpcs,
            max_open_rpcs=config.max_open_rpcs,
            tls=config.tls,
            authenticator=credentials.authenticator,
            lookout=lookout,
            pseudonym_key=credentials.pseudonym_key,
            departure_window_days=config.departure_window_days,
            history=credentials.history,
        )
    except OSError as error:
        # A usage error (address taken or not ours): one line, no traceback.
        log.error("not starting", reason=str(error))
        return None


@dataclass(frozen=True)
class _Credentials:
    authenticator: Authenticator | None
    pseudonym_key: PseudonymKey
    history: HistoryOptions | None


def _history(config: ServeConfig, key: PseudonymKey) -> HistoryOptions | None:
    """The travel history store ``--history`` names, opened and migrated; None for 'none'."""
    store = open_history(
        config.history, data_dir=config.data_dir, retention_days=config.history_retention_days
    )
    if store is None:
        return None
    return HistoryOptions(store, key, degraded_unknown=config.history_degraded_unknown)


def _credentials(config: ServeConfig) -> _Credentials | None:
    """Who may call, the pseudonym key and the history store; None (logged) when unusable."""
    problem = check_exposure(config)
    if problem:
        log.error("not starting", reason=problem)
        return None
    try:
        authenticator = Authenticator.load(config.auth_file) if config.auth_file else None
        if config.tls is not None:
            config.tls.credentials()
        key = pseudonym_key_for(config)
        return _Credentials(authenticator, key, _history(config, key))
    except (AuthConfigError, PseudonymKeyError, HistoryUnavailable, ValueError) as error:
        log.error("not starting", reason=str(error))
        return None


def _watchers(
    config: ServeConfig, service: Service, lookout: ActiveLookout, stop: asyncio.Event
) -> list[asyncio.Task[None]]:
    """The background tasks that run until ``stop``: file watches and the decision-log check."""
    loop = asyncio.get_running_loop()
    watchers = []
    if config.watch:
        watchers.append(loop.create_task(watch_rules(service.reloader, stop)))
        if config.lookout is not None:
            watchers.append(loop.create_task(watch_lookout(lookout, stop)))
    if service.decision_log is not None:
        watchers.append(loop.create_task(watch_decision_log(service, stop)))
    return watchers


def _close(credentials: _Credentials, decision_log: DecisionLog | None) -> None:
    if credentials.history is not None:
        credentials.history.store.close()
    if decision_log is not None:
        decision_log.close()


async def serve(config: ServeConfig) -> int:
    credentials = _credentials(config)
    if credentials is None:
        return 2
    authenticator = credentials.authenticator
    geography.warm()
    active = ActivePack()
    options = EngineOptions(
        isolated=True, budget_seconds=config.engine_budget_seconds, on_restart=engine_restarted
    )
    reloader = PackReloader(config.rules, active, publish_snapshot, options)
    outcome = reloader.reload("start")
    if outcome.snapshot is None:
        return 1
    snapshot = outcome.snapshot
    lookout = ActiveLookout(config.lookout)
    if config.lookout is not None and not lookout.reload("start").applied:
        return 1
    decision_log = DecisionLog(config.decision_log) if config.decision_log else None
    if config.worker_index is None:
        serve_metrics(config.metrics_address)
    service = await _bind(config, active, reloader, decision_log, credentials, lookout)
    if service is None:
        _release(snapshot, decision_log)
        return 2
    await service.server.start()
    await set_serving(service, True)
    log.info(
        "serving",
        address=config.address,
        port=service.port,
        metrics=config.metrics_address,
        ruleset_version=snapshot.version,
        ruleset_hash=snapshot.content_hash,
        rules=len(snapshot.compiled.rules),
        shards=snapshot.engine.shard_count,
        decision_log=str(config.decision_log.path) if config.decision_log else None,
        tls=config.tls is not None,
        mutual_tls=bool(config.tls and config.tls.require_client_cert),
        auth=authenticator is not None,
        lookout_entries=len(lookout.index) if lookout.index is not None else None,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    background: set[asyncio.Task[None]] = set()

    def reload_on_sighup() -> None:
        task = loop.create_task(asyncio.to_thread(reload_all, reloader, lookout, "SIGHUP"))
        background.add(task)
        task.add_done_callback(background.discard)

    loop.add_signal_handler(signal.SIGHUP, reload_on_sighup)
    watchers = _watchers(config, service, lookout, stop)
    purge = (
        loop.create_task(purge_periodically(credentials.history.store))
        if credentials.history is not None
        else None
    )
    await stop.wait()
    log.info("stopping", grace_seconds=GRACE_SECONDS, delay_seconds=config.shutdown_delay)
    await set_serving(service, False)
    # Keep answering while load balancers see NOT_SERVING and move traffic away.
    await asyncio.sleep(config.shutdown_delay)
    await service.server.stop(GRACE_SECONDS)
    for watcher in watchers:
        await watcher
    if purge is not None:
        purge.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await purge
    _close(credentials, service.decision_log)
    log.info("stopped")
    return 0
