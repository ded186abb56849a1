"""The pure detection engine (style.md §3.4): events in, alerts out, state in a StateStore, time from events.

Order of evaluation: events wait in one reorder buffer until the watermark (max event time seen − lateness,
or a later watermark passed to `advance`) reaches them, then run in (occurred_at, event_id) order, with
timers due at or before each event fired first. An event older than the watermark when it arrives is
evaluated at once and counted in stats["late"]; it can no longer change what was already decided.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from functools import partial

from kansa_detector.engine.fields import duration_us, from_us, to_us
from kansa_detector.engine.kinds import Context, Finding, RuleEvaluator, evaluator_for
from kansa_detector.engine.kinds.composite import CompositeEvaluator
from kansa_detector.engine.reference import BundleIndex, ReferenceProvider, ReferenceView, record_hr_change
from kansa_detector.engine.scheduler import ReorderBuffer, Timer, Timers
from kansa_detector.engine.store import StateStore
from kansa_detector.engine.suppression import evict, suppress, suppression_key
from kansa_schemas.alert import Alert
from kansa_schemas.events import Event
from kansa_schemas.events.hr import HrChange
from kansa_schemas.rule import Catalogue, Partition

_META = "~engine"
_SUPPRESSION = "~sup"  # timer "rule id" for suppression-window eviction


def _latest(alerts: list[Alert]) -> list[Alert]:
    """One entry per alert id (the latest version), in order of first appearance."""
    latest: dict[str, Alert] = {}
    for alert in alerts:
        latest[alert.alert_id] = alert
    return list(latest.values())


class Engine:
    def __init__(
        self,
        catalogue: Catalogue,
        reference: ReferenceProvider,
        store: StateStore,
        *,
        lateness: dt.timedelta,
        partition: str | None = None,
    ) -> None:
        if lateness < dt.timedelta(0):
            raise ValueError("lateness must not be negative")
        self._catalogue = catalogue
        self._reference = reference
        self._store = store
        self._lateness = duration_us(lateness)
        self._partition = Partition(partition) if partition is not None else None
        self._buffer = ReorderBuffer(store)
        self._timers = Timers(store)
        self._evaluators: dict[str, dict[str, RuleEvaluator]] = {}
        self._by_action: dict[str, dict[str, list[RuleEvaluator]]] = {}
        self._indexes: dict[str, BundleIndex] = {}
        self.stats: dict[str, int] = {
            "events": 0, "late": 0, "duplicates": 0, "alerts": 0, "timers": 0, "not_evaluable": 0,
        }
        # Per (tenant, rule id), for "not evaluable: source missing": events each rule examined, the newest one's
        # time, and events it could not judge (reference data missing). Observability only, not state: the
        # adapter drains them into metrics, and replay reports them.
        self.rule_inputs: Counter[tuple[str, str]] = Counter()
        self.rule_last_input: dict[tuple[str, str], dt.datetime] = {}
        self.rule_not_evaluable: Counter[tuple[str, str]] = Counter()
        self._judging: tuple[str, str] = ("", "")

    # ------------------------------------------------------------------ public API

    @property
    def watermark(self) -> dt.datetime | None:
        value = self._meta().get("watermark")
        return None if value is None else from_us(value)

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def process(self, event: Event) -> list[Alert]:
        """Buffer one event; return the alerts of whatever the new watermark releases."""
        meta = self._meta()
        at = to_us(event.occurred_at)
        watermark = meta.get("watermark")
        if watermark is not None and at < watermark:
            self.stats["late"] += 1
            return _latest(self._evaluate(event))
        if not self._buffer.add(event):
            self.stats["duplicates"] += 1
            return []
        max_seen = max(at, meta.get("max_seen") or at)
        self._store.put(_META, {**meta, "max_seen": max_seen})
        return self._release(max_seen - self._lateness)

    def advance(self, watermark: dt.datetime) -> list[Alert]:
        """Move the watermark forward (never back): release events and fire timers up to it."""
        return self._release(to_us(watermark))

    def flush(self) -> list[Alert]:
        """End of input: release every buffered event and fire the timers due by the last event time."""
        max_seen = self._meta().get("max_seen")
        return [] if max_seen is None else self._release(max_seen)

    # ------------------------------------------------------------------ internals

    def _meta(self) -> dict[str, int | None]:
        return dict(self._store.get(_META) or {})

    def _release(self, upto: int) -> list[Alert]:
        meta = self._meta()
        current = meta.get("watermark")
        if current is not None and upto < current:
            upto = current
        self._store.put(_META, {**meta, "watermark": upto})
        alerts: list[Alert] = []
        for event in self._buffer.pop_until(upto):
            alerts.extend(self._fire_timers(to_us(event.occurred_at)))
            alerts.extend(self._evaluate(event))
        alerts.extend(self._fire_timers(upto))
        return _latest(alerts)

    def _fire_timers(self, upto: int) -> list[Alert]:
        alerts: list[Alert] = []
        while (due := self._timers.next_due()) is not None and due <= upto:
            for timer in self._timers.pop_until(upto):
                self.stats["timers"] += 1
                if timer.rule_id == _SUPPRESSION:
                    evict(self._store, timer.key, timer.due)
                    continue
                evaluator = self._evaluators_for(timer.tenant).get(timer.rule_id)
                if evaluator is None:  # rule disabled since the timer was set: its state just stays
                    continue
                ctx = self._context(timer.tenant)
                self._judging = (timer.tenant, timer.rule_id)
                for finding in evaluator.on_timer(timer.key, from_us(timer.due), ctx):
                    alerts.extend(self._emit(evaluator, finding, ctx))
        return alerts

    def _evaluate(self, event: Event) -> list[Alert]:
        self.stats["events"] += 1
        if isinstance(event, HrChange):
            record_hr_change(self._store, event)
        ctx = self._context(event.tenant)
        alerts = []
        for evaluator in self._examining(event.tenant, event.action):
            if evaluator.excluded(event):
                continue
            judging = self._judging = (event.tenant, evaluator.rule_id)
            self.rule_inputs[judging] += 1
            last = self.rule_last_input.get(judging)
            if last is None or event.occurred_at > last:
                self.rule_last_input[judging] = event.occurred_at
            for finding in evaluator.on_event(event, ctx):
                alerts.extend(self._emit(evaluator, finding, ctx))
        return alerts

    def _emit(self, evaluator: RuleEvaluator, finding: Finding, ctx: Context) -> list[Alert]:
        """The finding's alert, then the alerts of composite rules that a newly raised alert completes."""
        alert, until = suppress(self._store, evaluator.rule, finding, ctx.view.version)
        if until is None:
            return [alert]
        self.stats["alerts"] += 1
        key = suppression_key(finding, evaluator.rule_id)
        self._timers.schedule(Timer(until, finding.tenant, _SUPPRESSION, key))
        alerts = [alert]
        for composite in self._evaluators_for(finding.tenant).values():
            if isinstance(composite, CompositeEvaluator) and composite.watches(alert.rule_id):
                self._judging = (finding.tenant, composite.rule_id)
                for found in composite.on_alert(alert, ctx):
                    alerts.extend(self._emit(composite, found, ctx))
        return alerts

    def _evaluators_for(self, tenant: str) -> dict[str, RuleEvaluator]:
        evaluators = self._evaluators.get(tenant)
        if evaluators is None:
            evaluators = {
                r.spec.id: evaluator_for(r)
                for r in self._catalogue.rules_for(tenant)
                if r.enabled and (self._partition is None or r.spec.partition is self._partition)
            }
            self._evaluators[tenant] = evaluators
        return evaluators

    def _examining(self, tenant: str, action: str) -> list[RuleEvaluator]:
        """The rules whose selections name this action: a rule never looks at another action's events, so the
        others are skipped before any matching (the engine's hot path)."""
        by_action = self._by_action.get(tenant)
        if by_action is None:
            by_action = self._by_action[tenant] = {}
        evaluators = by_action.get(action)
        if evaluators is None:
            evaluators = by_action[action] = [
                e for e in self._evaluators_for(tenant).values() if action in e.inputs
            ]
        return evaluators

    def _view(self, tenant: str) -> ReferenceView:
        bundle = self._reference.bundle(tenant)
        if bundle is None:
            return ReferenceView(tenant, None, self._store)
        index = self._indexes.get(tenant)
        if index is None or index.bundle is not bundle:  # a reload swapped the bundle: re-index once
            index = BundleIndex(bundle)
            self._indexes[tenant] = index
        return ReferenceView(tenant, index, self._store)

    def _context(self, tenant: str) -> Context:
        return Context(self._store, self._view(tenant), partial(self._schedule, tenant), self._count)

    def _schedule(self, tenant: str, rule_id: str, key: str, due: dt.datetime) -> None:
        self._timers.schedule(Timer(to_us(due), tenant, rule_id, key))

    def _count(self, stat: str) -> None:
        self.stats[stat] = self.stats.get(stat, 0) + 1
        if stat == "not_evaluable":
            self.rule_not_evaluable[self._judging] += 1
