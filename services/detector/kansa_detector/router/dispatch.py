"""The routing decisions, free of Kafka: which routes get an alert, now or later, alone or in a digest.

Everything that must survive a crash goes through `Journal`: a queued item (retry, digest, rate-limited), the
marker that a route has an alert queued or delivered, and the dead letter. The service writes those to Kafka and
commits its input only after they are acknowledged, so nothing is lost; the markers make a redelivered alert or
queued item a no-op, so nothing is sent twice.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from kansa_detector.metrics import (
    ROUTER_DEAD,
    ROUTER_DELIVERIES,
    ROUTER_FAILURES,
    ROUTER_LATENCY,
    ROUTER_QUEUE_DEPTH,
    ROUTER_RETRIES,
)
from kansa_detector.router.config import Route, TenantRoutes
from kansa_detector.router.message import Notification, digest, single
from kansa_detector.router.senders import DeliveryFailed
from kansa_schemas.alert import Alert, Severity

log = logging.getLogger(__name__)


class Why(StrEnum):
    RETRY = "retry"  # a delivery failed and will be tried again
    DIGEST = "digest"  # waits for the route's digest window to close
    RATE = "rate"  # waits for a free slot of the route's rate limit


class Queued(BaseModel):
    """One alert waiting for one route: the record of the router's outbox topic."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant: str
    route: str
    alert: Alert
    why: Why
    not_before: dt.datetime
    attempt: int = Field(default=0, ge=0, description="Deliveries tried so far.")
    last_error: str | None = None

    @property
    def key(self) -> str:
        return marker_key(self.tenant, self.route, self.alert.alert_id)


class Mark(StrEnum):
    QUEUED = "queued"
    DELIVERED = "delivered"
    DEAD = "dead"


def marker_key(tenant: str, route: str, alert_id: str) -> str:
    return f"{tenant}|{route}|{alert_id}"


class Journal(Protocol):
    def queue(self, item: Queued) -> None: ...
    def mark(self, key: str, mark: Mark) -> None: ...
    def dead(self, item: Queued, error: str) -> None: ...


@dataclass(frozen=True)
class Backoff:
    first: dt.timedelta
    cap: dt.timedelta
    max_attempts: int

    def delay(self, attempt: int) -> dt.timedelta:
        """After the n-th failed attempt: first, 2×first, 4×first … capped."""
        delay: dt.timedelta = self.first * (2 ** (attempt - 1))
        return min(self.cap, delay)


@dataclass
class _RateWindow:
    """Send slots reserved in the trailing `per`: reserve() returns the first time a slot is free."""

    max: int
    per: dt.timedelta
    slots: list[dt.datetime] = field(default_factory=list)

    def reserve(self, now: dt.datetime) -> dt.datetime:
        self.slots = [t for t in self.slots if t > now - self.per]
        at = now
        while True:
            start = bisect.bisect_right(self.slots, at - self.per)
            end = bisect.bisect_right(self.slots, at)
            if end - start < self.max:
                break
            at = self.slots[start] + self.per  # the oldest slot in the window frees up then
        bisect.insort(self.slots, at)
        return at


@dataclass(order=True)
class _Pending:
    due: dt.datetime
    seq: int
    item: Queued = field(compare=False)
    token: Token | None = field(compare=False, default=None)


Token = tuple[Any, int]
"""The service's handle on an outbox record (partition, offset), given back once the record is settled."""


class Dispatcher:
    def __init__(
        self,
        routes: dict[str, TenantRoutes],
        send: Callable[[Notification], None],
        journal: Journal,
        backoff: Backoff,
        marks: dict[str, Mark] | None = None,
    ) -> None:
        self._routes = {t: {r.name: r for r in tr.routes} for t, tr in routes.items()}
        self._send = send
        self._journal = journal
        self._backoff = backoff
        self.marks: dict[str, Mark] = dict(marks or {})
        self._pending: list[_Pending] = []
        self._seq = itertools.count()
        self._rates: dict[str, _RateWindow] = {}
        self._settled: list[Token | None] = []

    # -- input

    def on_alert(self, alert: Alert, now: dt.datetime) -> None:
        """A record of the alerts topic (a new alert, or a suppression update of one: routed once)."""
        for route in self._routes.get(alert.tenant, {}).values():
            key = marker_key(alert.tenant, route.name, alert.alert_id)
            if key in self.marks or not route.wants(alert):
                continue
            critical = alert.severity is Severity.CRITICAL
            if route.digests(alert) and route.digest is not None:
                window = route.digest.every
                epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
                closes = epoch + ((now - epoch) // window + 1) * window
                self._queue(Queued(tenant=alert.tenant, route=route.name, alert=alert, why=Why.DIGEST,
                                   not_before=closes))
                continue
            if route.rate_limit is not None and not critical:
                rate = self._rates.setdefault(f"{alert.tenant}|{route.name}",
                                              _RateWindow(route.rate_limit.max, route.rate_limit.per))
                slot = rate.reserve(now)
                if slot > now:
                    self._queue(Queued(tenant=alert.tenant, route=route.name, alert=alert, why=Why.RATE,
                                       not_before=slot))
                    continue
            self._deliver(route, [Queued(tenant=alert.tenant, route=route.name, alert=alert, why=Why.RETRY,
                                         not_before=now)], now, path="immediate")

    def on_queued(self, item: Queued, token: Token | None = None) -> None:
        """A record of the outbox topic; `token` comes back from `done_tokens` once it is settled."""
        if self.marks.get(item.key) in (Mark.DELIVERED, Mark.DEAD):
            self._settled.append(token)
            return
        self.marks[item.key] = Mark.QUEUED
        heapq.heappush(self._pending, _Pending(item.not_before, next(self._seq), item, token))
        ROUTER_QUEUE_DEPTH.set(len(self._pending))

    # -- time

    def next_due(self) -> dt.datetime | None:
        return self._pending[0].due if self._pending else None

    def run_due(self, now: dt.datetime) -> None:
        """Deliver what is due: digests grouped per route, everything else one by one."""
        due: list[_Pending] = []
        while self._pending and self._pending[0].due <= now:
            due.append(heapq.heappop(self._pending))
        groups: dict[tuple[str, str, bool], list[_Pending]] = {}
        for pending in due:
            item = pending.item
            if self.marks.get(item.key) in (Mark.DELIVERED, Mark.DEAD):  # a copy re-read after a restart
                self._settled.append(pending.token)
                continue
            grouped = item.why is Why.DIGEST
            groups.setdefault((item.tenant, item.route, grouped), []).append(pending)
        for (tenant, name, grouped), members in groups.items():
            route = self._routes.get(tenant, {}).get(name)
            if route is None:
                for pending in members:
                    self._dead(pending.item, f"route {name} is no longer configured for tenant {tenant}")
                    self._settled.append(pending.token)
                continue
            batches = [members] if grouped else [[m] for m in members]
            for batch in batches:
                self._deliver(route, [m.item for m in batch], now, path=batch[0].item.why.value)
                self._settled.extend(m.token for m in batch)
        ROUTER_QUEUE_DEPTH.set(len(self._pending))

    def done_tokens(self) -> list[Token]:
        """Outbox records settled since the last call (delivered, re-queued as a new record, or dead)."""
        done, self._settled = self._settled, []
        return [t for t in done if t is not None]

    def pending_tokens(self) -> list[Token]:
        return [p.token for p in self._pending if p.token is not None]

    def forget(self, owned_elsewhere: Callable[[Token], bool]) -> None:
        """Drop waiting records of partitions another instance now owns (it re-reads them)."""
        self._pending = [p for p in self._pending if p.token is None or not owned_elsewhere(p.token)]
        heapq.heapify(self._pending)
        ROUTER_QUEUE_DEPTH.set(len(self._pending))

    # -- delivery

    def _deliver(self, route: Route, items: list[Queued], now: dt.datetime, *, path: str) -> None:
        alerts = [i.alert for i in items]
        note = single(route, alerts[0]) if len(items) == 1 and items[0].why is not Why.DIGEST else digest(route, alerts)
        channel = route.channel.value
        try:
            self._send(note)
        except DeliveryFailed as exc:
            ROUTER_FAILURES.labels(route.name, channel, str(exc.retry).lower()).inc()
            for item in items:
                attempt = item.attempt + 1
                if not exc.retry or attempt >= self._backoff.max_attempts:
                    self._dead(item.model_copy(update={"attempt": attempt}), str(exc))
                    continue
                ROUTER_RETRIES.labels(route.name, channel).inc()
                log.warning("route %s: %s; attempt %d, next in %s", route.name, exc, attempt,
                            self._backoff.delay(attempt))
                self._queue(item.model_copy(update={
                    "attempt": attempt, "last_error": str(exc), "not_before": now + self._backoff.delay(attempt),
                }))
            return
        ROUTER_DELIVERIES.labels(route.name, channel).inc()
        for item in items:
            self.marks[item.key] = Mark.DELIVERED
            self._journal.mark(item.key, Mark.DELIVERED)
            ROUTER_LATENCY.labels(path).observe(max(0.0, (now - item.alert.occurred_at).total_seconds()))

    def _queue(self, item: Queued) -> None:
        self.marks[item.key] = Mark.QUEUED
        self._journal.mark(item.key, Mark.QUEUED)
        self._journal.queue(item)

    def _dead(self, item: Queued, error: str) -> None:
        log.error("route %s: giving up on alert %s after %d attempt(s): %s", item.route, item.alert.alert_id,
                  item.attempt, error)
        ROUTER_DEAD.labels(item.route).inc()
        self.marks[item.key] = Mark.DEAD
        self._journal.mark(item.key, Mark.DEAD)
        self._journal.dead(item, error)
