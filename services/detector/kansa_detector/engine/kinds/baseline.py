"""`baseline`: per-key counts per day or hour against the key's own trailing working-day baseline
(max(k × P(percentile), floor)) or an absolute limit. Fires once per measure and period."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from kansa_detector.engine.fields import Matcher, resolve
from kansa_detector.engine.kinds.base import Context, Finding, RuleEvaluator
from kansa_schemas.events import Event
from kansa_schemas.reference.models import BusinessCalendar
from kansa_schemas.rule import BaselineParams, BaselineRule, Measure, ResolvedRule

BASELINE = "baseline"
_MAX_DISTINCT = 10_000  # values remembered per period; beyond this every event counts (the alert fired long ago)


def nearest_rank(values: list[int], percentile: float) -> int:
    """Nearest-rank percentile: defined for any N, and always one of the observed values."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percentile / 100 * len(ordered)))
    return ordered[rank - 1]


def trailing_working_days(calendar: BusinessCalendar, day: dt.date, count: int) -> list[dt.date]:
    """The `count` working days before `day`, newest first (bounded walk for odd calendars)."""
    days: list[dt.date] = []
    current = day
    for _ in range(count * 4 + 31):
        current -= dt.timedelta(days=1)
        if calendar.is_working_day(current):
            days.append(current)
            if len(days) == count:
                break
    return days


class BaselineEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, BaselineRule)
        assert isinstance(rule.params, BaselineParams)
        self.params = rule.params
        self._measures = tuple((m, Matcher(m.select)) for m in rule.spec.match.measures)

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        matched = [m for m, matcher in self._measures if matcher(event)]
        if not matched:
            return []
        key, missing = self.key_of(event, ctx)
        if missing:
            return []
        store_key = self.state_key(event.tenant, key)
        state: dict[str, Any] = ctx.store.get(store_key) or {"m": {}, "h": {}}
        local = event.occurred_at.astimezone(ctx.view.timezone)
        findings = []
        for measure in matched:
            finding = self._count(measure, event, local, state, ctx)
            if finding is not None:
                findings.append(finding)
        ctx.store.put(store_key, state)
        return findings

    def _count(
        self, measure: Measure, event: Event, local: dt.datetime, state: dict[str, Any], ctx: Context
    ) -> Finding | None:
        period = local.date().isoformat() if measure.per == "day" else local.strftime("%Y-%m-%dT%H")
        current = state["m"].get(measure.name)
        if current is not None and current["p"] > period:
            return None  # a late event from a closed period: too late to count
        if current is None or current["p"] != period:
            if current is not None and measure.limit == BASELINE:
                state["h"].setdefault(measure.name, {})[current["p"]] = current["n"]
            current = {"p": period, "n": 0, "seen": [] if measure.distinct else None, "fired": False}
            current.update(self._limit(measure, state, local.date(), ctx))
            state["m"][measure.name] = current
        if measure.distinct is not None:
            value = resolve(event, measure.distinct)
            if value is None:
                return None
            seen = current["seen"]
            if seen is not None:
                if str(value) in seen:
                    return None
                seen.append(str(value))
                if len(seen) > _MAX_DISTINCT:
                    current["seen"] = None
        current["n"] += 1
        if current["fired"] or current["n"] <= current["limit"]:
            return None
        current["fired"] = True
        details: dict[str, Any] = {
            "reason": "above_baseline" if measure.limit == BASELINE else "above_limit",
            "measure": measure.name, "period": period, "value": current["n"], "limit": current["limit"],
        }
        details.update(current.get("baseline", {}))
        return self.finding(event, ctx, anchor=f"{measure.name}:{period}", details=details)

    def _limit(self, measure: Measure, state: dict[str, Any], day: dt.date, ctx: Context) -> dict[str, Any]:
        """The period's limit, computed once when the period opens (history does not change within it)."""
        if measure.limit != BASELINE:
            return {"limit": self.params.limit(measure.limit)}
        days = [d.isoformat() for d in trailing_working_days(ctx.view.calendar, day, self.params.trailing_days)]
        history: dict[str, int] = state["h"].get(measure.name, {})
        history = {d: history[d] for d in days if d in history}  # prune what left the window
        state["h"][measure.name] = history
        p = nearest_rank([history.get(d, 0) for d in days], self.params.percentile)
        limit = max(self.params.k * p, float(self.params.floor))
        return {"limit": limit, "baseline": {"baseline_p": p, "k": self.params.k, "floor": self.params.floor,
                                             "percentile": self.params.percentile, "baseline_days": len(days)}}
