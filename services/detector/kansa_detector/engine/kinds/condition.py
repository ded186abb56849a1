"""`condition`: one event, optionally joined to reference data (a closed set of joins)."""

from __future__ import annotations

from dataclasses import replace

from kansa_detector.engine.fields import Matcher, resolve
from kansa_detector.engine.kinds.base import Context, Detail, Finding, Grades, RuleEvaluator
from kansa_schemas.events import Event
from kansa_schemas.rule import (
    ApproverRelationJoin,
    ApproverRelationParams,
    ConditionRule,
    DepartedActorJoin,
    DepartedActorParams,
    ReferenceListJoin,
    RequiredFactorsJoin,
    RequiredFactorsParams,
    ResolvedRule,
    SharedAccountJoin,
)

_ROSTER_FIELD = {"supervisor": "supervisor_id", "section_head": "section_head_id"}


class ConditionEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, ConditionRule)
        self.spec = rule.spec
        self._event = Matcher(rule.spec.match.event)
        self._grades = Grades(rule.spec.match.severity_by)

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        if not self._event(event):
            return []
        join = self.spec.match.join
        if isinstance(join, DepartedActorJoin):
            findings = self._departed_actor(join, event, ctx)
        elif isinstance(join, ApproverRelationJoin):
            findings = self._approver_relation(join, event, ctx)
        elif isinstance(join, ReferenceListJoin):
            findings = self._reference_list(join, event, ctx)
        elif isinstance(join, RequiredFactorsJoin):
            findings = self._required_factors(join, event, ctx)
        elif isinstance(join, SharedAccountJoin):
            findings = self._shared_account(join, event, ctx)
        else:
            findings = [self.finding(event, ctx)]
        severity = self._grades(event)
        if severity is None:
            return findings
        return [f if f.severity is not None else replace(f, severity=severity) for f in findings]

    def _required_factors(self, join: RequiredFactorsJoin, event: Event, ctx: Context) -> list[Finding]:
        params = self.rule.params
        assert isinstance(params, RequiredFactorsParams)
        value = resolve(event, join.field)
        present = set(value) if isinstance(value, tuple) else ({value} if value is not None else set())
        missing = [f.value for f in params.required_factors if f.value not in present]
        if not missing:
            return []
        details: dict[str, Detail] = {
            "reason": "missing_factor", "missing": ",".join(missing), "factors": ",".join(sorted(map(str, present))),
        }
        return [self.finding(event, ctx, details=details)]

    def _shared_account(self, join: SharedAccountJoin, event: Event, ctx: Context) -> list[Finding]:
        bundle = ctx.view.bundle
        if bundle is None:
            ctx.count("not_evaluable")  # no roster: say so in stats rather than guess
            return []
        record = ctx.view.staff(event.actor.id)
        if record is not None:
            if not record.shared_account:
                return []
            return [self.finding(event, ctx, details={"reason": "shared_account", "org_unit": record.org_unit})]
        if any(event.actor.id in c.named_workers for c in bundle.contracts):
            return []  # a named contractor worker: the contract register is their roster
        details: dict[str, Detail] = {"reason": "unknown_account", "actor_type": str(resolve(event, "actor.type"))}
        return [self.finding(event, ctx, details=details, severity=join.unknown_severity)]

    def _reference_list(self, join: ReferenceListJoin, event: Event, ctx: Context) -> list[Finding]:
        value = resolve(event, join.field)
        if value is None:
            return []
        if ctx.view.bundle is None:
            ctx.count("not_evaluable")  # no reference list: say so in stats rather than guess
            return []
        if ctx.view.listed(join.list, str(value)):
            return []
        return [self.finding(event, ctx, details={"reason": "not_listed", "list": join.list, "value": str(value)})]

    def _departed_actor(self, join: DepartedActorJoin, event: Event, ctx: Context) -> list[Finding]:
        params = self.rule.params
        assert isinstance(params, DepartedActorParams)
        cutoff = event.occurred_at - params.grace
        in_force = [c for c in ctx.view.status_changes(event.actor.id) if c.effective_at <= cutoff]
        if not in_force:
            return []
        latest = in_force[-1]  # a later change (e.g. return from secondment) supersedes an earlier one
        details: dict[str, Detail] = {
            "change_type": latest.change_type,
            "effective_at": latest.effective_at.isoformat(),
            "status_source": latest.source,
        }
        if latest.change_type in join.change_types:
            return [self.finding(event, ctx, details={"reason": "departed", **details})]
        if latest.change_type != "transfer" or join.transfer_severity is None or not latest.from_org:
            return []
        code = event.business_code
        former = ctx.view.org_unit(latest.from_org)
        if code is None or former is None or code not in former.business_codes:
            return []
        record = ctx.view.staff(event.actor.id)
        current_org = latest.to_org or (record.org_unit if record else None)
        current = ctx.view.org_unit(current_org) if current_org else None
        if current is not None and code in current.business_codes:
            return []  # the new section runs the same business: legitimate use
        details.update({"reason": "former_business", "from_org": latest.from_org, "business_code": code})
        return [self.finding(event, ctx, details=details, severity=join.transfer_severity)]

    def _approver_relation(self, join: ApproverRelationJoin, event: Event, ctx: Context) -> list[Finding]:
        params = self.rule.params
        assert isinstance(params, ApproverRelationParams)
        person, approver = resolve(event, join.person), resolve(event, join.approver)
        if person is not None and approver is None and join.require_approver:
            return [self.finding(event, ctx, details={"reason": "no_approver", "person": str(person)})]
        if person is None or approver is None:
            return []
        details: dict[str, Detail] = {"person": str(person), "approver": str(approver)}
        if approver == person:
            return [self.finding(event, ctx, details={"reason": "self_approval", **details})]
        if ctx.view.bundle is None:
            ctx.count("not_evaluable")  # no roster: say so in stats rather than guess
            return []
        record = ctx.view.staff(str(person))
        if record is None:
            return [self.finding(event, ctx, details={"reason": "person_not_in_roster", **details})]
        allowed = sorted({v for r in params.approver_roles if (v := getattr(record, _ROSTER_FIELD[r])) is not None})
        if approver in allowed:
            return []
        details.update({"reason": "approver_not_authorised", "allowed": ",".join(allowed) or None,
                        "roles": ",".join(params.approver_roles)})
        return [self.finding(event, ctx, details=details)]
