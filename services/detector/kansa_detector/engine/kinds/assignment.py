"""`assignment`: a rights change checked against the person's current assignment (DR-04).

The granted role is looked up in the reference role → business matrix. Findings, first that applies:
- `departed`: the person's latest HR change in force is a retirement, secondment or dismissal;
- `business_not_assigned`: the role opens a business (事務) that the person's current section does not run (the
  section after the transfers in force; an announced transfer's new section counts from `advance` before it);
- `mynumber_not_permitted`: a My Number role for someone the roster does not permit to use My Number.
A role or person missing from the reference cannot be judged: counted as not evaluable, never guessed.
"""

from __future__ import annotations

from kansa_detector.engine.fields import Matcher, resolve
from kansa_detector.engine.kinds.base import Context, Detail, Finding, RuleEvaluator
from kansa_schemas.events import Event
from kansa_schemas.events.hr import HrChangeType
from kansa_schemas.reference.models import ReferenceBundle, RoleDefinition
from kansa_schemas.rule import AssignmentParams, AssignmentRule, ResolvedRule

_DEPARTURES = frozenset({HrChangeType.RETIREMENT.value, HrChangeType.SECONDMENT.value, HrChangeType.DISMISSAL.value})
_TRANSFER = HrChangeType.TRANSFER.value


class AssignmentEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, AssignmentRule)
        assert isinstance(rule.params, AssignmentParams)
        self.params = rule.params
        self.spec = rule.spec
        self._event = Matcher(rule.spec.match.event)
        self._roles: tuple[ReferenceBundle | None, dict[str, RoleDefinition]] = (None, {})

    def _role(self, bundle: ReferenceBundle, role_id: str) -> RoleDefinition | None:
        if self._roles[0] is not bundle:  # a reload swapped the bundle: index its matrix once
            self._roles = (bundle, {r.role_id: r for r in bundle.roles})
        return self._roles[1].get(role_id)

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        if not self._event(event):
            return []
        person, role_id = resolve(event, self.spec.match.person), resolve(event, self.spec.match.role)
        if person is None or role_id is None:
            return []
        bundle = ctx.view.bundle
        role = self._role(bundle, str(role_id)) if bundle is not None else None
        record = ctx.view.staff(str(person))
        if role is None or record is None:
            ctx.count("not_evaluable")  # no matrix row or no roster record: say so rather than guess
            return []
        details: dict[str, Detail] = {"person": str(person), "role": role.role_id}
        at = event.occurred_at
        changes = ctx.view.status_changes(str(person))
        in_force = [c for c in changes if c.effective_at <= at]
        latest = in_force[-1] if in_force else None
        if latest is not None and latest.change_type in _DEPARTURES:
            details.update({"reason": "departed", "change_type": latest.change_type,
                            "effective_at": latest.effective_at.isoformat()})
            return [self.finding(event, ctx, details=details)]
        moves = [c.to_org for c in in_force if c.change_type == _TRANSFER and c.to_org]
        orgs = [moves[-1] if moves else record.org_unit]
        orgs += [c.to_org for c in changes
                 if c.change_type == _TRANSFER and c.to_org and at < c.effective_at <= at + self.params.advance]
        codes = {code for org in orgs if (unit := ctx.view.org_unit(org)) is not None for code in unit.business_codes}
        outside = [code for code in role.business_codes if code not in codes]
        if outside:
            details.update({"reason": "business_not_assigned", "org_unit": orgs[0], "businesses": ",".join(outside)})
            return [self.finding(event, ctx, details=details)]
        if role.mynumber and not record.may_use_mynumber:
            details.update({"reason": "mynumber_not_permitted", "org_unit": orgs[0]})
            return [self.finding(event, ctx, details=details)]
        return []
