"""`deadline`: obligations that a start event opens and a close event must meet in time (DR-02: an HR change, then
the account disabled). The alert comes from a timer at the deadline, citing the start (and progress) events.

State per key: the open obligations (due time, the ids to cite) and the latest close of each obligation, kept for
`lookback` so that a start reported after the close (a late HR feed) finds it met.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kansa_detector.engine.fields import Matcher, duration_us, from_us, render_key, resolve, to_us
from kansa_detector.engine.kinds.base import Context, Detail, Finding, RuleEvaluator
from kansa_schemas.alert import Severity
from kansa_schemas.events import Event
from kansa_schemas.reference.models import BusinessCalendar
from kansa_schemas.rule import DeadlineParams, DeadlineRule, ResolvedRule

_MAX_DAYS = 400  # a calendar with no working day for this long is broken: stop counting rather than loop


def _next_working_day(calendar: BusinessCalendar, day: dt.date) -> dt.date:
    for _ in range(_MAX_DAYS):
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            return day
    return day


def due_at(
    start: dt.datetime, span: dt.timedelta, *, working_days: bool, calendar: BusinessCalendar, tz: dt.tzinfo
) -> dt.datetime:
    """`start` + `span`; with working_days, `span` whole days counted on the tenant's calendar at the same local time
    (a clock starting on a closed day starts at 00:00 of the next working day)."""
    if not working_days:
        return start + span
    local = start.astimezone(tz)
    day, clock = local.date(), local.time()
    if not calendar.is_working_day(day):
        day, clock = _next_working_day(calendar, day), dt.time(0)
    for _ in range(span.days):
        day = _next_working_day(calendar, day)
    return dt.datetime.combine(day, clock, tzinfo=tz)


class DeadlineEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, DeadlineRule)
        assert isinstance(rule.params, DeadlineParams)
        self.params = rule.params
        self._anchor = rule.spec.match.anchor
        self._obligations = {
            name: (
                Matcher(o.start), Matcher(o.close),
                Matcher(o.progress) if o.progress is not None else None,
                Matcher(o.reopen) if o.reopen is not None else None,
                o.severity,
            )
            for name, o in rule.spec.match.obligations.items()
        }
        self._lookback = duration_us(rule.params.lookback)

    def _due(self, start: dt.datetime, span: dt.timedelta, ctx: Context) -> int:
        view = ctx.view
        return to_us(due_at(start, span, working_days=self.params.working_days, calendar=view.calendar,
                            tz=view.timezone))

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        hits = [
            (name, close(event), start(event), progress is not None and progress(event),
             reopen is not None and reopen(event))
            for name, (start, close, progress, reopen, _) in self._obligations.items()
        ]
        hits = [h for h in hits if any(h[1:])]
        if not hits:
            return []
        key, missing = self.key_of(event, ctx)
        if missing:
            return []
        store_key = self.state_key(event.tenant, key)
        state: dict[str, Any] = ctx.store.get(store_key) or {"open": {}, "closed": {}}
        at = to_us(event.occurred_at)
        for name, closes, starts, progresses, reopens in hits:
            if closes:
                state["open"].pop(name, None)
                state["closed"][name] = max(at, state["closed"].get(name, at))
                ctx.schedule(self.rule_id, store_key, from_us(at + self._lookback))
            elif reopens:
                state["closed"].pop(name, None)
            if progresses and name in state["open"] and state["open"][name].get("progress_id") is None:
                self._progress(state["open"][name], event, ctx, store_key)
            if starts:
                self._start(state, name, event, ctx, key, store_key)
        if state["open"] or state["closed"]:
            ctx.store.put(store_key, state)
        else:
            ctx.store.delete(store_key)  # e.g. a re-enablement with nothing remembered: keep no empty state
        return []

    def _start(self, state: dict[str, Any], name: str, event: Event, ctx: Context, key: str, store_key: str) -> None:
        value = resolve(event, self._anchor)
        anchor = value if isinstance(value, dt.datetime) else event.occurred_at
        closed = state["closed"].get(name)
        if closed is not None and closed >= to_us(anchor) - self._lookback:
            return  # met before it was reported
        due = self._due(anchor, self.params.within, ctx)
        suppress_key, _ = render_key(self.rule.spec.suppress.key, event, ctx.view.timezone)
        state["open"][name] = {
            "due": due, "anchor": to_us(anchor), "start_at": to_us(event.occurred_at), "start_id": event.event_id,
            "subject": event.partition_subject, "key": key, "suppress_key": suppress_key, "progress_id": None,
        }
        ctx.schedule(self.rule_id, store_key, from_us(due))

    def _progress(self, entry: dict[str, Any], event: Event, ctx: Context, store_key: str) -> None:
        span = self.params.then_within if self.params.then_within is not None else self.params.within
        # The second step's clock never ends before the first one's: a request made early is not a reason to
        # close the account before the change takes effect.
        entry["due"] = max(entry["due"], self._due(event.occurred_at, span, ctx))
        entry["progress_id"] = event.event_id
        ctx.schedule(self.rule_id, store_key, from_us(entry["due"]))

    def on_timer(self, state_key: str, due: dt.datetime, ctx: Context) -> list[Finding]:
        state = ctx.store.get(state_key)
        if state is None:
            return []
        now = to_us(due)
        tenant = state_key.split("|", 1)[0]
        findings = []
        for name in sorted(state["open"]):
            entry = state["open"][name]
            if entry["due"] > now:
                continue
            del state["open"][name]
            findings.append(self._overdue(tenant, name, entry, ctx))
        state["closed"] = {n: t for n, t in state["closed"].items() if t + self._lookback > now}
        if state["open"] or state["closed"]:
            ctx.store.put(state_key, state)
        else:
            ctx.store.delete(state_key)
        return findings

    def _overdue(self, tenant: str, name: str, entry: dict[str, Any], ctx: Context) -> Finding:
        has_progress = self._obligations[name][2] is not None
        stage = "close" if entry["progress_id"] is not None or not has_progress else "progress"
        details: dict[str, Detail] = {
            "reason": "overdue", "obligation": name, "awaiting": stage,
            "anchor_at": from_us(entry["anchor"]).astimezone(ctx.view.timezone).isoformat(),
            "due_at": from_us(entry["due"]).astimezone(ctx.view.timezone).isoformat(),
        }
        severity: Severity | None = self._obligations[name][4]
        ids = tuple(i for i in (entry["start_id"], entry["progress_id"]) if i is not None)
        return Finding(
            tenant=tenant, key=entry["key"], suppress_key=entry["suppress_key"], anchor=entry["start_id"],
            actor_id=entry["subject"],
            # A start reported after its deadline completes the violation when it arrives.
            occurred_at=from_us(max(entry["due"], entry["start_at"])),
            event_ids=ids, details=details, severity=severity,
        )
