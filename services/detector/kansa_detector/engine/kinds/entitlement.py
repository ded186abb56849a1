"""`entitlement`: one event checked against what its actor is entitled to in the reference data (DR-21, DR-22).

Checks (a failed check's reason in brackets):
- mynumber_business: the event's business is on the tenant's list of businesses permitted to use My Number
  [business_not_permitted], and the event names a business at all [no_business_code];
- mynumber_user: the roster permits the actor to use My Number [user_not_permitted];
- own_business: the actor's section at the event's time (roster, then transfers in force) runs the event's business
  [outside_business].
A check whose reference data is missing (no list configured, actor not on the roster, unknown section, no business
code for own_business) cannot be judged: counted as not evaluable when nothing else failed, never guessed.
"""

from __future__ import annotations

from dataclasses import replace

from kansa_detector.engine.fields import Matcher
from kansa_detector.engine.kinds.base import Context, Detail, Finding, Grades, RuleEvaluator
from kansa_detector.engine.kinds.staffing import reported_by_departure, section_at
from kansa_detector.engine.reference import ReferenceView
from kansa_schemas.events import Event
from kansa_schemas.reference.models import ReferenceBundle
from kansa_schemas.rule import EntitlementRule, ResolvedRule

Verdict = str | None  # the failure's reason, "" when the check passed, None when it cannot be judged


class EntitlementEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, EntitlementRule)
        self.spec = rule.spec
        self._event = Matcher(rule.spec.match.event)
        self._grades = Grades(rule.spec.match.severity_by)

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        if not self._event(event):
            return []
        view = ctx.view
        bundle = view.bundle
        if bundle is None:
            ctx.count("not_evaluable")  # no reference data: say so in stats rather than guess
            return []
        details: dict[str, Detail] = {"business_code": event.business_code}
        verdicts = [self._judge(check, event, view, bundle, details) for check in self.spec.match.checks]
        failed = [v for v in verdicts if v]
        if not failed:
            if None in verdicts:
                ctx.count("not_evaluable")
            return []
        if self.spec.match.defer_to_departure and reported_by_departure(view, event):
            return []
        finding = self.finding(event, ctx, details={"reason": ",".join(failed), **details})
        severity = self._grades(event)
        return [finding if severity is None else replace(finding, severity=severity)]

    def _judge(
        self, check: str, event: Event, view: ReferenceView, bundle: ReferenceBundle, details: dict[str, Detail]
    ) -> Verdict:
        code = event.business_code
        if check == "mynumber_business":
            if not bundle.mynumber_businesses:
                return None  # the tenant has not configured its list
            if code is None:
                return "no_business_code"
            return "" if code in bundle.mynumber_businesses else "business_not_permitted"
        if check == "mynumber_user":
            record = view.staff(event.actor.id)
            if record is None:
                return None  # an account on no roster is DR-08's finding
            return "" if record.may_use_mynumber else "user_not_permitted"
        # own_business
        org = section_at(view, event.actor.id, event.occurred_at)
        unit = view.org_unit(org) if org is not None else None
        if unit is None or code is None:
            return None
        if code in unit.business_codes:
            return ""
        details.update({"org_unit": unit.org_unit, "org_businesses": ",".join(unit.business_codes) or None})
        return "outside_business"
