"""`purpose`: a trigger must serve a business of the actor's section and be backed by a case (purpose binding).

Business: the trigger's business_code must be among the business codes of the actor's org unit (the roster's, or
the destination of a transfer already in force, as seen on the HR stream). Case: a `case` event of the same key
(e.g. the same actor, business and subject) from `case_before` before the trigger until `case_after` after it.
With `case_after` zero the decision is immediate; otherwise the trigger waits that long for its case (a timer).
A business failure is reported at once and the case is then not looked for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kansa_detector.engine.fields import Matcher, duration_us, from_us, render_key, to_us
from kansa_detector.engine.kinds.base import Context, Detail, Finding, RuleEvaluator
from kansa_detector.engine.kinds.staffing import section_at
from kansa_schemas.events import Event
from kansa_schemas.rule import PurposeParams, PurposeRule, ResolvedRule

_HISTORY = 10  # case times kept per key: the latest decide, older ones only extend nothing


class PurposeEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, PurposeRule)
        assert isinstance(rule.params, PurposeParams)
        match = rule.spec.match
        self._trigger = Matcher(match.trigger)
        self._case = Matcher(match.case) if match.case is not None else None
        self._business = match.business
        self._no_case_severity = match.no_case_severity
        self._before = duration_us(rule.params.case_before)
        self._after = duration_us(rule.params.case_after)

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        if self._case is not None and self._case(event):
            self._remember_case(event, ctx)
            return []
        if not self._trigger(event):
            return []
        if self._business:
            finding = self._check_business(event, ctx)
            if finding is not None:
                return [finding]
        return self._check_case(event, ctx) if self._case is not None else []

    # ------------------------------------------------------------------ business

    def _check_business(self, event: Event, ctx: Context) -> Finding | None:
        view = ctx.view
        if view.bundle is None:
            ctx.count("not_evaluable")  # no roster: say so in stats rather than guess
            return None
        code = event.business_code
        # Someone not on the roster has no business of their own, whatever the HR feed says about them.
        org = section_at(view, event.actor.id, event.occurred_at) if view.staff(event.actor.id) else None
        unit = view.org_unit(org) if org is not None else None
        businesses = unit.business_codes if unit is not None else ()
        if org is None:
            reason = "not_on_roster"
        elif code is None:
            reason = "no_business_code"
        elif code in businesses:
            return None
        else:
            reason = "outside_business"
        details: dict[str, Detail] = {
            "reason": reason, "business_code": code, "org_unit": org, "org_businesses": ",".join(businesses) or None,
        }
        return self.finding(event, ctx, details=details)

    # ------------------------------------------------------------------ case

    def _remember_case(self, event: Event, ctx: Context) -> None:
        key, missing = self.key_of(event, ctx)
        if missing:
            return
        store_key = self.state_key(event.tenant, key)
        stored = ctx.store.get(store_key) or {"cases": [], "pending": []}
        at = to_us(event.occurred_at)
        cases = sorted({*stored["cases"], at})[-_HISTORY:]
        # Triggers waiting for a case that this one is close enough to are justified.
        pending = [p for p in stored["pending"] if not p["at"] - self._before <= at <= p["at"] + self._after]
        ctx.store.put(store_key, {"cases": cases, "pending": pending})
        ctx.schedule(self.rule_id, store_key, from_us(at + self._before))

    def _check_case(self, event: Event, ctx: Context) -> list[Finding]:
        key, missing = self.key_of(event, ctx)
        if missing:
            return [self.finding(event, ctx, details={"reason": "missing_key", "missing": ",".join(missing)})]
        store_key = self.state_key(event.tenant, key)
        stored = ctx.store.get(store_key) or {"cases": [], "pending": []}
        at = to_us(event.occurred_at)
        if any(at - self._before <= c <= at for c in stored["cases"]):
            return []
        if self._after == 0:
            return [self.finding(event, ctx, details={"reason": "no_case"}, severity=self._no_case_severity)]
        suppress_key, _ = render_key(self.rule.spec.suppress.key, event, ctx.view.timezone)
        stored["pending"].append({
            "at": at, "event_id": event.event_id, "actor": event.actor.id, "tenant": event.tenant, "key": key,
            "suppress_key": suppress_key,
        })
        ctx.store.put(store_key, stored)
        ctx.schedule(self.rule_id, store_key, from_us(at + self._after))
        return []

    def on_timer(self, state_key: str, due: dt.datetime, ctx: Context) -> list[Finding]:
        stored = ctx.store.get(state_key)
        if stored is None:
            return []
        now = to_us(due)
        findings: list[Finding] = []
        waiting: list[dict[str, Any]] = []
        for pending in stored["pending"]:
            if pending["at"] + self._after > now:
                waiting.append(pending)
                continue
            findings.append(Finding(
                tenant=pending["tenant"], key=pending["key"], suppress_key=pending["suppress_key"],
                anchor=pending["event_id"], actor_id=pending["actor"], occurred_at=from_us(pending["at"]),
                event_ids=(pending["event_id"],), details={"reason": "no_case"}, severity=self._no_case_severity,
            ))
        # A waiting trigger never needs an older case: one that old would have justified it when it came.
        cases = [c for c in stored["cases"] if c + self._before > now]
        if cases or waiting:
            ctx.store.put(state_key, {"cases": cases, "pending": waiting})
        else:
            ctx.store.delete(state_key)
        return findings
