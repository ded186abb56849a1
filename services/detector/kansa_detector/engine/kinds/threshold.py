"""`threshold`: at least min_count matching events (or distinct values of a field) for one key within a window.

The hits of the trailing window are kept per key; when they reach min_count the rule fires with all of them and
starts counting afresh, so a long burst yields one finding per min_count events (suppression then merges them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kansa_detector.engine.fields import Matcher, duration_us, from_us, resolve, to_us
from kansa_detector.engine.kinds.base import Context, Detail, Finding, RuleEvaluator
from kansa_schemas.events import Event
from kansa_schemas.rule import ResolvedRule, ThresholdParams, ThresholdRule


class ThresholdEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, ThresholdRule)
        assert isinstance(rule.params, ThresholdParams)
        self._event = Matcher(rule.spec.match.event)
        self._distinct = rule.spec.match.distinct
        self._min = rule.params.min_count
        self._window = duration_us(rule.params.window)

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        if not self._event(event):
            return []
        key, missing = self.key_of(event, ctx)
        if missing:
            return []
        value = None
        if self._distinct is not None:
            raw = resolve(event, self._distinct)
            if raw is None:
                return []
            value = str(raw)
        store_key = self.state_key(event.tenant, key)
        at = to_us(event.occurred_at)
        stored = ctx.store.get(store_key) or {"hits": []}
        hits: list[dict[str, Any]] = [h for h in stored["hits"] if at - h["at"] < self._window]
        hits.append({"at": at, "event_id": event.event_id, "value": value})
        reached = len({h["value"] for h in hits}) if self._distinct is not None else len(hits)
        if reached < self._min:
            ctx.store.put(store_key, {"hits": hits})
            ctx.schedule(self.rule_id, store_key, from_us(at + self._window))
            return []
        ctx.store.delete(store_key)
        first = hits[0]
        ids = (event.event_id, *(h["event_id"] for h in hits[:-1]))
        details: dict[str, Detail] = {"reason": "burst", "count": reached, "first_at": from_us(first["at"]).isoformat(),
                   "window_s": self._window // 1_000_000}
        return [self.finding(event, ctx, anchor=first["event_id"], event_ids=ids, details=details)]

    def on_timer(self, state_key: str, due: dt.datetime, ctx: Context) -> list[Finding]:
        stored = ctx.store.get(state_key)
        if stored is None:
            return []
        now = to_us(due)
        hits = [h for h in stored["hits"] if now - h["at"] < self._window]
        if hits:
            ctx.store.put(state_key, {"hits": hits})
        else:
            ctx.store.delete(state_key)
        return []
