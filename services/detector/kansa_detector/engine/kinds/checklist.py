"""`checklist`: one event against named requirements and the tenant's registries (mail and transfer rules).

Registries, built per event from the reference bundle in force:
- internal_mail_domains: the bundle's internal mail domains, subdomains included (unset: not evaluable);
- business_org_units: the sender's own section and every section whose business codes include the event's
  business (mail among them is use of the file, not a 移転);
- mail_destinations: business_org_units plus the departments of 移転先 registered for mail for that business;
- transfer_destinations: 移転先 registered for a system link or dedicated line for that business;
- destination_specs: the link specs registered for the event's destination_id (unknown destination: skipped);
- spec_items / spec_initiations: the items and initiation modes of the event's spec_id (unknown spec: skipped).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from kansa_detector.engine.fields import Matcher, resolve
from kansa_detector.engine.kinds.base import Context, Detail, Finding, RuleEvaluator
from kansa_schemas.events import Event
from kansa_schemas.reference.models import Destination, ReferenceBundle, TransferChannel, TransferSpec
from kansa_schemas.rule import ApproverRelationParams, ChecklistCheck, ChecklistRule, Registry, ResolvedRule

Member = Callable[[str], bool]
_LINKS = frozenset({TransferChannel.SYSTEM_LINK, TransferChannel.DEDICATED_LINE})
_ROSTER_FIELD = {"supervisor": "supervisor_id", "section_head": "section_head_id"}
_NOT_EVALUABLE = "not_evaluable"


@dataclass(frozen=True)
class _Index:
    """The bundle's registries, indexed once per bundle version."""

    domains: tuple[str, ...]
    orgs_by_business: dict[str, frozenset[str]]
    destinations: tuple[Destination, ...]
    destination_by_id: dict[str, Destination]
    spec_by_id: dict[str, TransferSpec]

    @classmethod
    def of(cls, bundle: ReferenceBundle) -> _Index:
        orgs: dict[str, set[str]] = {}
        for unit in bundle.org_units:
            for code in unit.business_codes:
                orgs.setdefault(code, set()).add(unit.org_unit)
        return cls(
            domains=tuple(d.lower().strip(".") for d in bundle.internal_mail_domains),
            orgs_by_business={code: frozenset(units) for code, units in orgs.items()},
            destinations=bundle.destinations,
            destination_by_id={d.destination_id: d for d in bundle.destinations},
            spec_by_id={s.spec_id: s for s in bundle.transfer_specs},
        )


def _values(event: Event, path: str) -> list[str]:
    value = resolve(event, path)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, tuple) else [str(value)]


def _serves(destination: Destination, business: str | None) -> bool:
    return not destination.business_codes or (business is not None and business in destination.business_codes)


class ChecklistEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, ChecklistRule)
        self.spec = rule.spec
        self._event = Matcher(rule.spec.match.event)
        self._when = {c.name: Matcher(c.when) for c in rule.spec.match.checks if c.when is not None}
        self._cached: tuple[str, _Index] | None = None  # one evaluator serves one tenant: one bundle at a time

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        if not self._event(event):
            return []
        unknown: list[str] = []  # registries that could not be evaluated for this event
        scope = self.spec.match.scope
        if scope is not None:
            member = self._membership(scope.outside, event, ctx, unknown)
            if member is None or all(member(v) for v in _values(event, scope.field)):
                if unknown:
                    ctx.count(_NOT_EVALUABLE)
                return []
        failed: list[str] = []
        details: dict[str, Detail] = {}
        for check in self.spec.match.checks:
            found = self._check(check, event, ctx, unknown)
            if found is not None:
                failed.append(check.name)
                details.update(found)
        if unknown:
            ctx.count(_NOT_EVALUABLE)  # say so in stats rather than guess
        if not failed:
            return []
        return [self.finding(event, ctx, details={"reason": ",".join(failed), **details})]

    # ------------------------------------------------------------------ checks

    def _check(
        self, check: ChecklistCheck, event: Event, ctx: Context, unknown: list[str]
    ) -> dict[str, Detail] | None:
        """The details of a failed check, or None when it holds (or cannot be evaluated)."""
        if check.when is not None:
            return {} if self._when[check.name](event) else None
        assert check.field is not None
        name = check.name
        if check.within is not None:
            values = _values(event, check.field)
            member = self._membership(check.within, event, ctx, unknown) if values else None
            outside = [v for v in values if member is not None and not member(v)]
            return {f"{name}_outside": ",".join(outside)} if outside else None
        if check.not_after is not None:
            value, limit = resolve(event, check.field), resolve(event, check.not_after)
            if not isinstance(value, dt.datetime) or not isinstance(limit, dt.datetime) or value <= limit:
                return None
            return {f"{name}_value": value.isoformat(), f"{name}_limit": limit.isoformat()}
        assert check.approver_of is not None
        return self._approver(name, resolve(event, check.approver_of), resolve(event, check.field), ctx, unknown)

    def _approver(
        self, name: str, person: object, approver: object, ctx: Context, unknown: list[str]
    ) -> dict[str, Detail] | None:
        if person is None or approver is None:
            return None
        details: dict[str, Detail] = {f"{name}_person": str(person), f"{name}_approver": str(approver)}
        if approver == person:
            return {**details, f"{name}_why": "self_approval"}
        if ctx.view.bundle is None:
            unknown.append("roster")
            return None
        record = ctx.view.staff(str(person))
        if record is None:
            return {**details, f"{name}_why": "person_not_in_roster"}
        params = self.rule.params
        assert isinstance(params, ApproverRelationParams)
        allowed = sorted({v for r in params.approver_roles if (v := getattr(record, _ROSTER_FIELD[r])) is not None})
        if approver in allowed:
            return None
        return {**details, f"{name}_why": "not_authorised", f"{name}_allowed": ",".join(allowed) or None}

    # ------------------------------------------------------------------ registries

    def _index(self, ctx: Context) -> _Index | None:
        bundle = ctx.view.bundle
        if bundle is None:
            return None
        if self._cached is None or self._cached[0] != ctx.view.version:
            self._cached = (ctx.view.version, _Index.of(bundle))
        return self._cached[1]

    def _membership(self, registry: Registry, event: Event, ctx: Context, unknown: list[str]) -> Member | None:
        """How to test a value against `registry` for this event; None when it cannot be evaluated here."""
        index = self._index(ctx)
        if index is None:
            unknown.append(registry)
            return None
        business = event.business_code
        if registry == "internal_mail_domains":
            if not index.domains:
                unknown.append(registry)  # a tenant without internal domains has not configured the rule
                return None
            domains = index.domains
            return lambda v: any(v.lower() == d or v.lower().endswith("." + d) for d in domains)
        if registry in ("business_org_units", "mail_destinations"):
            allowed = set(index.orgs_by_business.get(business or "", frozenset()))
            own = event.actor.org_unit or (record.org_unit if (record := ctx.view.staff(event.actor.id)) else None)
            if own is not None:
                allowed.add(own)
            if registry == "mail_destinations":
                allowed.update(d.org_unit for d in index.destinations
                               if d.org_unit and TransferChannel.MAIL in d.channels and _serves(d, business))
            return allowed.__contains__
        if registry == "transfer_destinations":
            ids = {d.destination_id for d in index.destinations if _LINKS & set(d.channels) and _serves(d, business)}
            return ids.__contains__
        if registry == "destination_specs":
            destination = index.destination_by_id.get(str(resolve(event, "destination_id")))
            return set(destination.spec_ids).__contains__ if destination is not None else None
        spec = index.spec_by_id.get(str(resolve(event, "spec_id")))
        if spec is None:
            return None
        return set(spec.items).__contains__ if registry == "spec_items" else set(spec.initiation).__contains__
