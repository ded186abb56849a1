"""`silence`: a watchdog per key (DR-69: a monitored log source). Each beat re-arms a timer at
last beat + max(max_gap, gap_factor × the key's usual interval); when it fires, the key has been silent too long.

The usual interval is the median of the last `cadence_samples` intervals, so one gap does not teach the watchdog to
tolerate the next, and a source is judged by its own cadence (a collector beating every minute and a batch feed
beating every few hours both work). Until a key has beaten twice its cadence is unknown and nothing is armed.
`alarm` events (e.g. the collector's own gap report) alert at once, graded by `severity_by`.
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from kansa_detector.engine.fields import Matcher, duration_us, from_us, render_key, to_us
from kansa_detector.engine.kinds.base import Context, Detail, Finding, Grades, RuleEvaluator
from kansa_schemas.events import Event
from kansa_schemas.rule import ResolvedRule, SilenceParams, SilenceRule

_US_PER_S = 1_000_000


class SilenceEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, SilenceRule)
        assert isinstance(rule.params, SilenceParams)
        self.params = rule.params
        match = rule.spec.match
        self._beat = Matcher(match.beat)
        self._alarm = Matcher(match.alarm) if match.alarm is not None else None
        self._grades = Grades(match.severity_by)
        self._floor = duration_us(rule.params.max_gap)

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        if self._alarm is not None and self._alarm(event):
            severity = self._grades(event)
            return [self.finding(event, ctx, details={"reason": "alarm", "alarm": event.action},
                                 severity=severity)]
        if self._beat(event):
            self._beat_seen(event, ctx)
        return []

    def allowed_gap(self, intervals: list[int]) -> int:
        return max(self._floor, int(self.params.gap_factor * statistics.median(intervals)))

    def _beat_seen(self, event: Event, ctx: Context) -> None:
        key, missing = self.key_of(event, ctx)
        if missing:
            return
        store_key = self.state_key(event.tenant, key)
        state: dict[str, Any] = ctx.store.get(store_key) or {"intervals": []}
        at = to_us(event.occurred_at)
        last = state.get("last_at")
        if last is not None and at <= last:
            return  # a duplicate or a late beat: the latest one already set the watch
        if last is not None:
            state["intervals"] = [*state["intervals"], at - last][-self.params.cadence_samples:]
        suppress_key, _ = render_key(self.rule.spec.suppress.key, event, ctx.view.timezone)
        state.update({"last_at": at, "last_id": event.event_id, "actor": event.actor.id, "key": key,
                      "suppress_key": suppress_key, "due": None})
        if state["intervals"]:
            state["due"] = at + self.allowed_gap(state["intervals"])
            ctx.schedule(self.rule_id, store_key, from_us(state["due"]))
        ctx.store.put(store_key, state)

    def on_timer(self, state_key: str, due: dt.datetime, ctx: Context) -> list[Finding]:
        state = ctx.store.get(state_key)
        if state is None or state.get("due") != to_us(due):
            return []  # a later beat re-armed the watch: this timer is stale
        state["due"] = None  # one alert per silence; the next beat re-arms
        ctx.store.put(state_key, state)
        tz = ctx.view.timezone
        usual = int(statistics.median(state["intervals"]))
        details: dict[str, Detail] = {
            "reason": "silent",
            "last_beat_at": from_us(state["last_at"]).astimezone(tz).isoformat(),
            "allowed_gap_s": self.allowed_gap(state["intervals"]) // _US_PER_S,
            "usual_interval_s": usual // _US_PER_S,
        }
        return [Finding(
            tenant=state_key.split("|", 1)[0], key=state["key"], suppress_key=state["suppress_key"],
            anchor=state["last_id"], actor_id=state["actor"], occurred_at=due, event_ids=(state["last_id"],),
            details=details,
        )]
