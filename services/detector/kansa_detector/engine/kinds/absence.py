"""`absence`: a trigger with no earlier expected event for the same key (or only a cancelled one)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kansa_detector.engine.fields import Matcher, duration_us, from_us, to_us
from kansa_detector.engine.kinds.base import Context, Finding, RuleEvaluator
from kansa_schemas.events import Event
from kansa_schemas.rule import AbsenceParams, AbsenceRule, ResolvedRule

_HISTORY = 10  # decisions kept per key: enough to find the one in force at a (slightly late) trigger


class AbsenceEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, AbsenceRule)
        assert isinstance(rule.params, AbsenceParams)
        match = rule.spec.match
        self._trigger = Matcher(match.trigger)
        self._expected = Matcher(match.expected)
        self._cancel = Matcher(match.cancel) if match.cancel is not None else None
        self._lookback = duration_us(rule.params.lookback)

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        if self._expected(event):
            self._remember(event, "expected", ctx)
            return []
        if self._cancel is not None and self._cancel(event):
            self._remember(event, "cancel", ctx)
            return []
        if self._trigger(event):
            return self._check(event, ctx)
        return []

    def _remember(self, event: Event, state: str, ctx: Context) -> None:
        key, missing = self.key_of(event, ctx)
        if missing:
            return
        store_key = self.state_key(event.tenant, key)
        stored = ctx.store.get(store_key) or {"decisions": []}
        at = to_us(event.occurred_at)
        decisions: list[dict[str, Any]] = [*stored["decisions"], {"at": at, "state": state, "event_id": event.event_id}]
        decisions.sort(key=lambda d: (d["at"], d["event_id"]))
        ctx.store.put(store_key, {"decisions": decisions[-_HISTORY:]})
        # Kept for a second lookback so a too-late trigger is reported as "expired", not "no_expected".
        ctx.schedule(self.rule_id, store_key, from_us(at + 2 * self._lookback))

    def _check(self, event: Event, ctx: Context) -> list[Finding]:
        key, missing = self.key_of(event, ctx)
        if missing:
            return [self.finding(event, ctx, details={"reason": "missing_key", "missing": ",".join(missing)})]
        stored = ctx.store.get(self.state_key(event.tenant, key))
        at = to_us(event.occurred_at)
        prior = [d for d in (stored["decisions"] if stored else ()) if d["at"] <= at]
        if not prior:
            return [self.finding(event, ctx, details={"reason": "no_expected"})]
        last = prior[-1]
        ids = (last["event_id"], event.event_id)
        if last["state"] == "cancel":
            return [self.finding(event, ctx, event_ids=ids, details={"reason": "cancelled"})]
        if at - last["at"] > self._lookback:
            return [self.finding(event, ctx, event_ids=ids, details={"reason": "expired"})]
        return []

    def on_timer(self, state_key: str, due: dt.datetime, ctx: Context) -> list[Finding]:
        stored = ctx.store.get(state_key)
        if stored is None:
            return []
        cutoff = to_us(due) - 2 * self._lookback
        decisions = [d for d in stored["decisions"] if d["at"] > cutoff]
        if decisions:
            ctx.store.put(state_key, {"decisions": decisions})
        else:
            ctx.store.delete(state_key)
        return []
