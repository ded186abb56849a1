"""`off_hours`: an event outside the tenant's working calendar that no overtime or holiday-work order covers (DR-14).

In hours: a working day of the calendar (weekday, not a holiday, or an extra working day) between work_start − grace
and work_end + grace, in the calendar's timezone. Otherwise the actor needs an order in the bundle's overtime roster
for that local date whose start..until contains the local time. Without a bundle the calendar is unknown: counted as
not evaluable, never guessed from defaults.
"""

from __future__ import annotations

import datetime as dt

from kansa_detector.engine.fields import Matcher
from kansa_detector.engine.kinds.base import Context, Detail, Finding, Grades, RuleEvaluator
from kansa_detector.engine.kinds.staffing import reported_by_departure
from kansa_schemas.events import Event
from kansa_schemas.reference.models import BusinessCalendar, OvertimeEntry, ReferenceBundle
from kansa_schemas.rule import OffHoursParams, OffHoursRule, ResolvedRule

Orders = dict[tuple[str, dt.date], list[OvertimeEntry]]


class OffHoursEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, OffHoursRule)
        assert isinstance(rule.params, OffHoursParams)
        self.spec = rule.spec
        self._grace = rule.params.grace
        self._event = Matcher(rule.spec.match.event)
        self._grades = Grades(rule.spec.match.severity_by)
        self._orders: tuple[ReferenceBundle | None, Orders] = (None, {})

    def _orders_of(self, bundle: ReferenceBundle) -> Orders:
        if self._orders[0] is not bundle:  # a reload swapped the bundle: index its roster once
            orders: Orders = {}
            for entry in bundle.overtime:
                orders.setdefault((entry.staff_id, entry.date), []).append(entry)
            self._orders = (bundle, orders)
        return self._orders[1]

    def _outside(self, calendar: BusinessCalendar, local: dt.datetime) -> str | None:
        day = local.date()
        if not calendar.is_working_day(day):
            return "non_working_day"
        if local < dt.datetime.combine(day, calendar.work_start, local.tzinfo) - self._grace:
            return "before_hours"
        if local > dt.datetime.combine(day, calendar.work_end, local.tzinfo) + self._grace:
            return "after_hours"
        return None

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        if not self._event(event):
            return []
        bundle = ctx.view.bundle
        if bundle is None:
            ctx.count("not_evaluable")  # no calendar: say so in stats rather than guess
            return []
        calendar = bundle.calendar
        local = event.occurred_at.astimezone(ctx.view.timezone)
        reason = self._outside(calendar, local)
        if reason is None:
            return []
        orders = self._orders_of(bundle).get((event.actor.id, local.date()), [])
        clock = local.time()  # naive wall-clock time in the calendar's timezone
        if any(order.start <= clock <= order.until for order in orders):
            return []
        if self.spec.match.defer_to_departure and reported_by_departure(ctx.view, event):
            return []
        details: dict[str, Detail] = {
            "reason": "outside_order" if orders else reason,
            "local_time": local.strftime("%Y-%m-%dT%H:%M:%S"),
            "hours": f"{calendar.work_start:%H:%M}-{calendar.work_end:%H:%M}",
            "working_day": calendar.is_working_day(local.date()),
        }
        if orders:
            details["ordered"] = ",".join(f"{o.start:%H:%M}-{o.until:%H:%M}" for o in orders)
        severity = self._grades(event)
        return [self.finding(event, ctx, details=details, severity=severity)]
