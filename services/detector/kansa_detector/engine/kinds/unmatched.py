"""`unmatched`: a trigger with no expected event of the same key within [trigger − before, trigger + after] (DR-23: a
lookup with no case for that resident).

Per key the state keeps the times of expected events (those still able to justify a future trigger) and the
triggers waiting for one. A trigger an earlier expected event already justifies is dropped at once; otherwise it
waits, and an expected event arriving within its window releases it. A timer at trigger + after decides the ones
still waiting: one finding each, with the suppress key rendered when the trigger came. A trigger whose key has an
absent field cannot be matched to anything and is not judged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kansa_detector.engine.fields import Matcher, duration_us, from_us, render_key, to_us
from kansa_detector.engine.kinds.base import Context, Detail, Finding, RuleEvaluator
from kansa_detector.engine.kinds.staffing import reported_by_departure
from kansa_schemas.events import Event
from kansa_schemas.rule import ResolvedRule, UnmatchedParams, UnmatchedRule

_MAX_SEEN = 50  # expected times kept per key: the latest ones are the ones that can still match
_MAX_PENDING = 100  # triggers waiting per key; beyond this the key has long been reported


class UnmatchedEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, UnmatchedRule)
        assert isinstance(rule.params, UnmatchedParams)
        self.spec = rule.spec
        self._trigger = Matcher(rule.spec.match.trigger)
        self._expected = Matcher(rule.spec.match.expected)
        self._before = duration_us(rule.params.before)
        self._after = duration_us(rule.params.after)

    def _matches(self, trigger_at: int, expected_at: int) -> bool:
        return trigger_at - self._before <= expected_at <= trigger_at + self._after

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        if self._expected(event):
            self._remember(event, ctx)
        elif self._trigger(event):
            self._wait(event, ctx)
        return []

    def _state(self, event: Event, ctx: Context) -> tuple[str, str, dict[str, Any]] | None:
        """The event's key, its store key and its state (new when absent); None when the key cannot be made."""
        key, missing = self.key_of(event, ctx)
        if missing:
            return None
        store_key = self.state_key(event.tenant, key)
        return key, store_key, ctx.store.get(store_key) or {"seen": [], "pending": []}

    def _remember(self, event: Event, ctx: Context) -> None:
        found = self._state(event, ctx)
        if found is None:
            return
        _, store_key, state = found
        at = to_us(event.occurred_at)
        state["seen"] = sorted({*state["seen"], at})[-_MAX_SEEN:]
        state["pending"] = [p for p in state["pending"] if not self._matches(p["at"], at)]
        ctx.store.put(store_key, state)
        # Past this nothing new can match it (a trigger later than at + before is out of its reach).
        ctx.schedule(self.rule_id, store_key, from_us(at + self._before + self._after))

    def _wait(self, event: Event, ctx: Context) -> None:
        found = self._state(event, ctx)
        if found is None:
            return
        key, store_key, state = found
        at = to_us(event.occurred_at)
        if any(self._matches(at, seen) for seen in state["seen"]):
            return
        if len(state["pending"]) >= _MAX_PENDING:
            return
        if self.spec.match.defer_to_departure and reported_by_departure(ctx.view, event):
            return
        suppress_key, _ = render_key(self.spec.suppress.key, event, ctx.view.timezone)
        state["pending"].append({"at": at, "event_id": event.event_id, "actor": event.actor.id, "key": key,
                                 "tenant": event.tenant, "suppress_key": suppress_key})
        ctx.store.put(store_key, state)
        ctx.schedule(self.rule_id, store_key, from_us(at + self._after))

    def on_timer(self, state_key: str, due: dt.datetime, ctx: Context) -> list[Finding]:
        state = ctx.store.get(state_key)
        if state is None:
            return []
        now = to_us(due)
        findings: list[Finding] = []
        waiting = []
        for pending in state["pending"]:
            if pending["at"] + self._after > now:
                waiting.append(pending)
                continue
            details: dict[str, Detail] = {
                "reason": self.spec.match.reason, "window_before_s": self._before // 1_000_000,
                "window_after_s": self._after // 1_000_000,
            }
            findings.append(Finding(
                tenant=pending["tenant"], key=pending["key"], suppress_key=pending["suppress_key"],
                anchor=pending["event_id"], actor_id=pending["actor"], occurred_at=from_us(pending["at"]),
                event_ids=(pending["event_id"],), details=details,
            ))
        seen = [s for s in state["seen"] if s + self._before + self._after > now]
        if seen or waiting:
            ctx.store.put(state_key, {"seen": seen, "pending": waiting})
        else:
            ctx.store.delete(state_key)
        return findings
