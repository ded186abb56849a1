"""`concurrent`: intervals (start .. end paired by a field, or max_session) open at once on distinct values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kansa_detector.engine.fields import Matcher, duration_us, from_us, resolve, to_us
from kansa_detector.engine.kinds.base import Context, Finding, RuleEvaluator
from kansa_schemas.events import Event
from kansa_schemas.rule import ConcurrentParams, ConcurrentRule, ResolvedRule


def _open(sessions: dict[str, Any], now: int) -> dict[str, Any]:
    return {k: s for k, s in sessions.items() if s["exp"] > now}


class ConcurrentEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, ConcurrentRule)
        assert isinstance(rule.params, ConcurrentParams)
        match = rule.spec.match
        self._start = Matcher(match.start)
        self._end = Matcher(match.end)
        self._pair = match.pair
        self._distinct = match.distinct
        self._max = duration_us(rule.params.max_session)
        self._min_distinct = rule.params.min_distinct

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        is_start, is_end = self._start(event), self._end(event)
        if not (is_start or is_end):
            return []
        key, missing = self.key_of(event, ctx)
        if missing:
            return []
        store_key = self.state_key(event.tenant, key)
        now = to_us(event.occurred_at)
        stored = ctx.store.get(store_key)
        sessions = _open(stored["sessions"] if stored else {}, now)
        pair = resolve(event, self._pair)
        findings: list[Finding] = []
        if is_start:
            # Without a pairing value the interval can only end by expiry.
            pair_key = str(pair) if pair is not None else f"~{event.event_id}"
            value = resolve(event, self._distinct)
            sessions[pair_key] = {"v": None if value is None else str(value), "at": now, "exp": now + self._max,
                                  "event_id": event.event_id}
            ctx.schedule(self.rule_id, store_key, from_us(now + self._max))
            values = sorted({s["v"] for s in sessions.values() if s["v"] is not None})
            if len(values) >= self._min_distinct:
                involved = sorted(sessions.values(), key=lambda s: (s["at"], s["event_id"]))
                findings.append(self.finding(event, ctx, event_ids=tuple(s["event_id"] for s in involved), details={
                    "reason": "overlapping_sessions", "distinct_field": self._distinct,
                    "values": ",".join(values), "open_sessions": len(sessions),
                }))
        elif pair is not None:
            sessions.pop(str(pair), None)
        if sessions:
            ctx.store.put(store_key, {"sessions": sessions})
        elif stored is not None:
            ctx.store.delete(store_key)
        return findings

    def on_timer(self, state_key: str, due: dt.datetime, ctx: Context) -> list[Finding]:
        stored = ctx.store.get(state_key)
        if stored is None:
            return []
        sessions = _open(stored["sessions"], to_us(due))
        if sessions:
            ctx.store.put(state_key, {"sessions": sessions})
        else:
            ctx.store.delete(state_key)
        return []
