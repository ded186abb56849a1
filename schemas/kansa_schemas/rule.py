"""The rule file format (style.md §3.3): one YAML file per rule, linted, loaded into a `Catalogue`.

A rule is data: `kind` picks one of a closed set of semantics implemented by the detector engine, and
`match`, `key`, `params` and `suppress` configure it. Nothing here evaluates events.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from kansa_schemas.alert import LocalisedText, Severity
from kansa_schemas.envelope import Actor, Model
from kansa_schemas.events import ACTION_FAMILIES, EVENT_MODELS
from kansa_schemas.events.authentication import Factor
from kansa_schemas.events.hr import HrChangeType

# --------------------------------------------------------------------------- vocabulary

# DR-nn: detection rules of requirements/; CX-nn: composite escalations built from them.
RuleId = Annotated[str, StringConstraints(pattern=r"^(DR|CX)-\d{2,3}$")]
ParamName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
# A dotted event field, optionally with a key modifier: `actor.id`, `request_id`, `occurred_at|day`.
FieldRef = Annotated[str, StringConstraints(pattern=r"^[a-z_]+(\.[a-z_]+)?(\|[a-z]+)?$")]
# "000 L341" or "000 L468 イ": document number and cat -n line of shared/assessments.
AssessmentRef = Annotated[str, StringConstraints(pattern=r"^\d{3} L\d+(\s\S.*)?$")]
# "A:DR-32", "A:000-III3O-m2": analysis A or B of shared/requirements.
RequirementRef = Annotated[str, StringConstraints(pattern=r"^[AB]:[A-Za-z0-9][\w.-]*$")]

Scalar = str | int | float | bool | None
SelectionValue = Scalar | tuple[Scalar, ...]
Selection = dict[str, SelectionValue]
"""`field[|modifier]: value | [values]`, all keys ANDed, a list means any of. Modifiers: `not`, `exists`."""

SELECTION_MODIFIERS = frozenset({"not", "exists"})
KEY_MODIFIERS = frozenset({"day", "hour"})  # local date / hour of occurred_at in the tenant's calendar timezone


class Area(StrEnum):
    """The rule's folder under services/detector/rules/ (domain.md "first wave" areas)."""

    LIFECYCLE = "lifecycle"
    IMPERSONATION = "impersonation"
    MYNUMBER_USE = "mynumber_use"
    EXPORT_MEDIA = "export_media"
    MAIL_TRANSFER = "mail_transfer"
    INFONET = "infonet"
    CONTRACTORS = "contractors"
    RETENTION_LOGS = "retention_logs"
    COMPOSITE = "composite"


class RuleStatus(StrEnum):
    EXPERIMENTAL = "experimental"
    TEST = "test"
    STABLE = "stable"
    DEPRECATED = "deprecated"


class Partition(StrEnum):
    """The key family whose stream a rule runs on; its state must be keyed by that family's field."""

    ACTOR = "actor"
    REQUEST = "request"


PARTITION_FIELDS: dict[Partition, str] = {Partition.ACTOR: "actor.id", Partition.REQUEST: "request_id"}
# Whom an event is about (envelope.partition_subject: the staff member of an HR change, the account of an IAM
# change, else the actor): an actor-partition rule may key on it instead of actor.id.
SUBJECT_FIELD = "partition_subject"


class ParamSource(StrEnum):
    ASSESSMENT = "assessment"
    PRODUCT_DEFAULT = "product-default"


class Param(Model):
    default: Any
    source: ParamSource
    ref: str | None = None

    @model_validator(mode="after")
    def _assessment_needs_ref(self) -> Param:
        if self.source is ParamSource.ASSESSMENT and not self.ref:
            raise ValueError("a parameter taken from the assessment must name its `ref`")
        return self


class Refs(Model):
    assessments: tuple[AssessmentRef, ...] = Field(min_length=1)
    requirements: tuple[RequirementRef, ...] = Field(min_length=1)


class Suppress(Model):
    key: tuple[FieldRef, ...] = Field(min_length=1)
    window: dt.timedelta

    @field_validator("window")
    @classmethod
    def _positive(cls, value: dt.timedelta) -> dt.timedelta:
        if value <= dt.timedelta(0):
            raise ValueError("window must be positive")
        return value


FilterName = Annotated[str, StringConstraints(pattern=r"^filter_(main|optional)_[a-z0-9_]+$")]


class MatchBase(Model):
    """Named `filter_main_*` / `filter_optional_*` selections exclude an event from the whole rule."""

    filters: dict[FilterName, Selection] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect_filters(cls, data: Any) -> Any:
        if isinstance(data, dict) and "filters" not in data:
            filters = {k: v for k, v in data.items() if isinstance(k, str) and k.startswith("filter_")}
            return {**{k: v for k, v in data.items() if k not in filters}, "filters": filters}
        return data

    def selections(self) -> Iterator[tuple[str, Selection]]:
        """Every positive selection with its field path inside `match` (filters excluded)."""
        return iter(())


# --------------------------------------------------------------------------- parameters per kind


class Params(BaseModel):
    """Typed parameter values of one rule, after defaults and per-tenant overrides."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(Params):
    pass


class DepartedActorParams(Params):
    grace: dt.timedelta = Field(ge=dt.timedelta(0))


ApproverRole = Literal["supervisor", "section_head"]


class ApproverRelationParams(Params):
    approver_roles: tuple[ApproverRole, ...] = Field(min_length=1)


class RequiredFactorsParams(Params):
    """Every factor in `required_factors` must be among the login's factors (DR-09: 000 L334, 002 L255)."""

    required_factors: tuple[Factor, ...] = Field(min_length=1)


class AbsenceParams(Params):
    lookback: dt.timedelta = Field(gt=dt.timedelta(0))


class SequenceParams(Params):
    """`lookback` bounds how long earlier events are remembered; extras are named relations (`equal|different`)
    that a check's `expect` may refer to, so a tenant can flip a relation (DR-34, 000 L341 vs L448)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    lookback: dt.timedelta = Field(gt=dt.timedelta(0))

    @model_validator(mode="after")
    def _extras_are_relations(self) -> SequenceParams:
        for name, value in (self.model_extra or {}).items():
            if value not in PARAM_RELATIONS:
                raise ValueError(f"relation {name!r} must be one of {', '.join(PARAM_RELATIONS)}, not {value!r}")
        return self

    def relation(self, name: str) -> str:
        value = (self.model_extra or {})[name]
        assert isinstance(value, str)
        return value


class ThresholdParams(Params):
    """At least `min_count` matching events (or distinct values) for one key within `window`."""

    min_count: int = Field(ge=2)
    window: dt.timedelta = Field(gt=dt.timedelta(0))


class CompositeParams(Params):
    """How long an alert of the first rule keeps the actor under escalation."""

    within: dt.timedelta = Field(gt=dt.timedelta(0))


class ConcurrentParams(Params):
    max_session: dt.timedelta = Field(gt=dt.timedelta(0))
    min_distinct: int = Field(ge=2)


class BaselineParams(Params):
    """k × P(percentile) of the trailing working days, never below floor; extra ints are absolute limits."""

    model_config = ConfigDict(extra="allow", frozen=True)

    k: float = Field(gt=0)
    floor: int = Field(ge=0)
    trailing_days: int = Field(ge=1)
    percentile: float = Field(gt=0, le=100)

    @model_validator(mode="after")
    def _extras_are_limits(self) -> BaselineParams:
        for name, value in (self.model_extra or {}).items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"absolute limit {name!r} must be a non-negative integer")
        return self

    def limit(self, name: str) -> int:
        value = (self.model_extra or {})[name]
        assert isinstance(value, int)
        return value


# --------------------------------------------------------------------------- kinds


class DepartedActorJoin(Model):
    """The actor's HR status (roster in the bundle + hr.changed events seen) at event time."""

    type: Literal["departed_actor"]
    change_types: tuple[HrChangeType, ...] = (
        HrChangeType.RETIREMENT, HrChangeType.SECONDMENT, HrChangeType.DISMISSAL,
    )
    transfer_severity: Severity | None = Field(
        default=Severity.HIGH, description="Use of a business of the former org unit after a transfer; null = off."
    )


class ApproverRelationJoin(Model):
    """`approver` must be a roster relation (param approver_roles) of `person`, and never `person` itself."""

    type: Literal["approver_relation"]
    person: FieldRef
    approver: FieldRef
    require_approver: bool = Field(
        default=False, description="Alert (reason no_approver) when the event names no approver at all."
    )


ReferenceList = Literal["registered_media", "export_applicants"]


class ReferenceListJoin(Model):
    """Alert when `field` is not in the tenant's reference `list` (registered media, export applicants)."""

    type: Literal["reference_list"]
    field: FieldRef
    list: ReferenceList


class RequiredFactorsJoin(Model):
    """Alert when the event's `field` (a factor list) lacks any of param required_factors."""

    type: Literal["required_factors"]
    field: FieldRef = "factors"


class SharedAccountJoin(Model):
    """Alert when the actor's roster record is flagged `shared_account`, or when the actor has no roster record and
    is no named worker of any contract (a generic ID nobody owns)."""

    type: Literal["shared_account"]
    unknown_severity: Severity | None = Field(
        default=None, description="Severity of an account on no roster (null = the rule's); reason unknown_account."
    )


Join = Annotated[
    DepartedActorJoin | ApproverRelationJoin | ReferenceListJoin | RequiredFactorsJoin | SharedAccountJoin,
    Field(discriminator="type"),
]


class SeverityWhen(Model):
    """The first grade whose selection the event matches sets the finding's severity (else the rule's)."""

    when: Selection
    severity: Severity


class ConditionMatch(MatchBase):
    event: Selection
    join: Join | None = None
    severity_by: tuple[SeverityWhen, ...] = ()

    def selections(self) -> Iterator[tuple[str, Selection]]:
        yield "match.event", self.event
        for i, grade in enumerate(self.severity_by):
            yield f"match.severity_by.{i}.when", grade.when


class AbsenceMatch(MatchBase):
    trigger: Selection
    expected: Selection
    cancel: Selection | None = Field(default=None, description="Withdraws an earlier expected event (rejection).")

    def selections(self) -> Iterator[tuple[str, Selection]]:
        yield "match.trigger", self.trigger
        yield "match.expected", self.expected
        if self.cancel is not None:
            yield "match.cancel", self.cancel


class ThresholdMatch(MatchBase):
    event: Selection
    distinct: FieldRef | None = Field(default=None, description="Count distinct values of this field instead.")

    def selections(self) -> Iterator[tuple[str, Selection]]:
        yield "match.event", self.event


class CompositeMatch(MatchBase):
    """An alert of `first_rule`, then for the same actor within `within` either an alert of `then_rule` or an
    event matching `then` (exactly one of the two)."""

    first_rule: RuleId
    then_rule: RuleId | None = None
    then: Selection | None = None

    @model_validator(mode="after")
    def _one_then(self) -> CompositeMatch:
        if (self.then_rule is None) == (self.then is None):
            raise ValueError("give exactly one of then_rule (a rule's alert) and then (an event selection)")
        return self

    def selections(self) -> Iterator[tuple[str, Selection]]:
        if self.then is not None:
            yield "match.then", self.then


class ConcurrentMatch(MatchBase):
    start: Selection
    end: Selection
    pair: FieldRef = Field(description="Field pairing start and end, e.g. session_id.")
    distinct: FieldRef = Field(description="Alert when open intervals carry this many distinct values.")

    def selections(self) -> Iterator[tuple[str, Selection]]:
        yield "match.start", self.start
        yield "match.end", self.end


FIXED_RELATIONS = ("equal", "different", "at_most", "absent")
PARAM_RELATIONS = ("equal", "different")


class SequenceCheck(Model):
    """How the trigger must relate to the latest earlier event `of` (skipped when there is none in the lookback).

    `equal` / `different`: trigger `field` vs the earlier event's `other`; `at_most`: trigger ≤ earlier (numbers);
    `absent`: there must be no earlier event `of` at all (e.g. an approval used twice). `expect` may also name a
    parameter whose value is `equal` or `different`.
    """

    name: ParamName = Field(description="Reported as details.reason when the check fails.")
    of: ParamName
    field: FieldRef | None = None
    other: FieldRef | None = None
    expect: ParamName
    given: tuple[ParamName, ...] = Field(default=(), description="Only when these earlier events exist too.")

    @model_validator(mode="after")
    def _fields_unless_absent(self) -> SequenceCheck:
        if self.expect != "absent" and (self.field is None or self.other is None):
            raise ValueError(f"check {self.name!r}: expect {self.expect!r} compares `field` with `other`")
        return self


class SequenceMatch(MatchBase):
    earlier: dict[ParamName, Selection] = Field(min_length=1, description="Named events remembered per key.")
    trigger: Selection
    checks: tuple[SequenceCheck, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_earlier(self) -> SequenceMatch:
        for check in self.checks:
            for name in (check.of, *check.given):
                if name not in self.earlier:
                    raise ValueError(f"check {check.name!r}: no earlier event named {name!r}")
        return self

    def selections(self) -> Iterator[tuple[str, Selection]]:
        for name, selection in self.earlier.items():
            yield f"match.earlier.{name}", selection
        yield "match.trigger", self.trigger


class Measure(Model):
    name: ParamName
    select: Selection
    distinct: FieldRef | None = Field(default=None, description="Count distinct values instead of events.")
    per: Literal["day", "hour"] = "day"
    limit: ParamName = Field(description="`baseline`, or the name of an integer parameter (absolute limit).")

    @model_validator(mode="after")
    def _baseline_is_daily(self) -> Measure:
        if self.limit == "baseline" and self.per != "day":
            raise ValueError("a baseline limit is built from daily history: use per: day")
        return self


class BaselineMatch(MatchBase):
    measures: tuple[Measure, ...] = Field(min_length=1)

    def selections(self) -> Iterator[tuple[str, Selection]]:
        for i, measure in enumerate(self.measures):
            yield f"match.measures.{i}.select", measure.select


class MismatchCheck(Model):
    """Two fields of one event that must name the same value; the check fails when both are present and differ."""

    name: ParamName = Field(description="Reported as details.reason when the check fails.")
    when: Selection = Field(default_factory=dict, description="Only for events that also match this.")
    field: FieldRef
    other: FieldRef


class MismatchMatch(MatchBase):
    event: Selection
    checks: tuple[MismatchCheck, ...] = Field(min_length=1)

    def selections(self) -> Iterator[tuple[str, Selection]]:
        yield "match.event", self.event
        for i, check in enumerate(self.checks):  # a check sees only what `event` matched: lint it that way
            yield f"match.checks.{i}.when", {**self.event, **check.when}


class RuleBase(Model):
    """Fields common to every kind, in the order style.md §3.3 fixes for the files."""

    id: RuleId
    version: int = Field(ge=1)
    title: LocalisedText
    area: Area
    severity: Severity
    status: RuleStatus
    partition: Partition
    refs: Refs
    key: tuple[FieldRef, ...] = Field(min_length=1)
    params: dict[ParamName, Param] = Field(default_factory=dict)
    suppress: Suppress
    action: LocalisedText
    falsepositives: tuple[str, ...] = Field(min_length=1)

    params_model: ClassVar[type[Params]] = NoParams

    def params_type(self) -> type[Params]:
        return self.params_model

    def resolve_params(self, overrides: Mapping[str, Any] | None = None) -> Params:
        """Defaults with `overrides` on top, validated against the kind's typed parameters."""
        values = {name: p.default for name, p in self.params.items()}
        unknown = sorted(set(overrides or {}) - set(values))
        if unknown:
            raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; the rule declares {sorted(values)}")
        values.update(overrides or {})
        return self.params_type().model_validate(values)

    def field_refs(self) -> Iterator[tuple[str, str]]:
        """Every field reference outside selections, with its path in the file."""
        for i, ref in enumerate(self.key):
            yield f"key.{i}", ref
        for i, ref in enumerate(self.suppress.key):
            yield f"suppress.key.{i}", ref


class ConditionRule(RuleBase):
    """A single event, optionally joined to reference data."""

    kind: Literal["condition"]
    match: ConditionMatch

    def params_type(self) -> type[Params]:
        join = self.match.join
        if isinstance(join, DepartedActorJoin):
            return DepartedActorParams
        if isinstance(join, ApproverRelationJoin):
            return ApproverRelationParams
        if isinstance(join, RequiredFactorsJoin):
            return RequiredFactorsParams
        return NoParams

    def field_refs(self) -> Iterator[tuple[str, str]]:
        yield from super().field_refs()
        if isinstance(self.match.join, ApproverRelationJoin):
            yield "match.join.person", self.match.join.person
            yield "match.join.approver", self.match.join.approver
        if isinstance(self.match.join, ReferenceListJoin | RequiredFactorsJoin):
            yield "match.join.field", self.match.join.field


class SequenceRule(RuleBase):
    """A trigger checked against the latest earlier events of the same key (e.g. an execution vs its request)."""

    kind: Literal["sequence"]
    match: SequenceMatch
    params_model: ClassVar[type[Params]] = SequenceParams

    def field_refs(self) -> Iterator[tuple[str, str]]:
        yield from super().field_refs()
        for i, check in enumerate(self.match.checks):
            if check.field is not None:
                yield f"match.checks.{i}.field", check.field
            if check.other is not None:
                yield f"match.checks.{i}.other", check.other


class AbsenceRule(RuleBase):
    """`trigger` without an earlier `expected` (not withdrawn by `cancel`) for the same key within lookback."""

    kind: Literal["absence"]
    match: AbsenceMatch
    params_model: ClassVar[type[Params]] = AbsenceParams


class ThresholdRule(RuleBase):
    """A burst: min_count matching events (or distinct values) for the same key within window."""

    kind: Literal["threshold"]
    match: ThresholdMatch
    params_model: ClassVar[type[Params]] = ThresholdParams

    def field_refs(self) -> Iterator[tuple[str, str]]:
        yield from super().field_refs()
        if self.match.distinct is not None:
            yield "match.distinct", self.match.distinct


class ConcurrentRule(RuleBase):
    """Intervals opened by `start` and closed by `end` (or max_session) overlapping on distinct values."""

    kind: Literal["concurrent"]
    match: ConcurrentMatch
    params_model: ClassVar[type[Params]] = ConcurrentParams

    def field_refs(self) -> Iterator[tuple[str, str]]:
        yield from super().field_refs()
        yield "match.pair", self.match.pair
        yield "match.distinct", self.match.distinct


class CompositeRule(RuleBase):
    """Escalation: weak signals that together mean more (bulk lookup, then an export within 24 h: Critical)."""

    kind: Literal["composite"]
    match: CompositeMatch
    params_model: ClassVar[type[Params]] = CompositeParams

    def rule_refs(self) -> tuple[str, ...]:
        return tuple(r for r in (self.match.first_rule, self.match.then_rule) if r is not None)


class BaselineRule(RuleBase):
    """Per-key counts per day/hour against the key's own trailing baseline or an absolute limit."""

    kind: Literal["baseline"]
    match: BaselineMatch
    params_model: ClassVar[type[Params]] = BaselineParams

    def field_refs(self) -> Iterator[tuple[str, str]]:
        yield from super().field_refs()
        for i, measure in enumerate(self.match.measures):
            if measure.distinct is not None:
                yield f"match.measures.{i}.distinct", measure.distinct


class MismatchRule(RuleBase):
    """One event whose fields name different people (DR-10: the face or Windows user vs the account logging in)."""

    kind: Literal["mismatch"]
    match: MismatchMatch

    def field_refs(self) -> Iterator[tuple[str, str]]:
        yield from super().field_refs()
        for i, check in enumerate(self.match.checks):
            yield f"match.checks.{i}.field", check.field
            yield f"match.checks.{i}.other", check.other


# --------------------------------------------------------------------------- checklist (mail and transfer registries)

Registry = Literal[
    "internal_mail_domains", "business_org_units", "mail_destinations", "transfer_destinations",
    "destination_specs", "spec_items", "spec_initiations",
]
"""Reference sets a checklist compares event values with; engine/kinds/checklist.py says how each is built."""


class ChecklistCheck(Model):
    """One requirement on the event, named in details.reason when it fails. Either `when` (fails when the event
    matches it) or `field` with one test: `within` (a value is not in the registry), `not_after` (the field is later
    than that field) or `approver_of` (the field is not a roster relation, param approver_roles, of that person, or
    is that person). A check whose field the event lacks is skipped: pair it with a `when` on its absence."""

    name: ParamName
    when: Selection | None = None
    field: FieldRef | None = None
    within: Registry | None = None
    not_after: FieldRef | None = None
    approver_of: FieldRef | None = None

    @model_validator(mode="after")
    def _one_test(self) -> ChecklistCheck:
        tests = [t for t in (self.within, self.not_after, self.approver_of) if t is not None]
        if self.when is not None and (tests or self.field is not None):
            raise ValueError(f"check {self.name!r}: `when` stands alone")
        if self.when is None and (len(tests) != 1 or self.field is None):
            raise ValueError(f"check {self.name!r}: give `when`, or `field` with one of within, not_after, approver_of")
        return self


class ChecklistScope(Model):
    """The rule applies only when some value of `field` lies outside `outside` (e.g. a recipient beyond the
    sender's business: a 移転 rather than use)."""

    field: FieldRef
    outside: Registry


class ChecklistMatch(MatchBase):
    event: Selection
    scope: ChecklistScope | None = None
    checks: tuple[ChecklistCheck, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> ChecklistMatch:
        names = [c.name for c in self.checks]
        if len(set(names)) != len(names):
            raise ValueError("check names must be unique: they are the alert's reason")
        return self

    def selections(self) -> Iterator[tuple[str, Selection]]:
        yield "match.event", self.event
        for i, check in enumerate(self.checks):
            if check.when is not None:
                yield f"match.checks.{i}.when", check.when


class ChecklistRule(RuleBase):
    """One event against named requirements and reference registries; one finding names every failed check."""

    kind: Literal["checklist"]
    match: ChecklistMatch

    def params_type(self) -> type[Params]:
        if any(c.approver_of is not None for c in self.match.checks):
            return ApproverRelationParams
        return NoParams

    def field_refs(self) -> Iterator[tuple[str, str]]:
        yield from super().field_refs()
        if self.match.scope is not None:
            yield "match.scope.field", self.match.scope.field
        for i, check in enumerate(self.match.checks):
            for name in ("field", "not_after", "approver_of"):
                ref = getattr(check, name)
                if ref is not None:
                    yield f"match.checks.{i}.{name}", ref


# --------------------------------------------------------------------------- contractors and purpose binding

ContractCheck = Literal["organisation", "term", "scope", "work_order", "copy_permission"]
WORK_ORDER_ACTIONS: tuple[str, ...] = ("contract.work_order_issued", "contract.work_order_closed")


class ContractParams(Params):
    """Systems every session signs in through (face recognition, Windows): no contract or work order names them, so
    `scope` and the system part of `work_order` skip them."""

    infrastructure_systems: tuple[str, ...] = ()


class ContractMatch(MatchBase):
    """A contractor's event checked against the contract registry and the work orders in force; the finding names
    every failed check (engine/kinds/contract.py says what each one requires)."""

    event: Selection
    checks: tuple[ContractCheck, ...] = Field(min_length=1)

    @field_validator("checks")
    @classmethod
    def _unique_checks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("each check once: the failed ones are the alert's reason")
        return value

    @property
    def needs_work_orders(self) -> bool:
        return bool({"work_order", "copy_permission"} & set(self.checks))

    def selections(self) -> Iterator[tuple[str, Selection]]:
        yield "match.event", self.event
        if self.needs_work_orders:  # the orders are input too (issued by the city's IT admin)
            yield "match.work_orders", {"action": WORK_ORDER_ACTIONS}


class ContractRule(RuleBase):
    """Contractor access against the contract's organisations, term and scope and the work orders (DR-60..DR-64)."""

    kind: Literal["contract"]
    match: ContractMatch
    params_model: ClassVar[type[Params]] = ContractParams


class PurposeParams(Params):
    """A case of the same key from `case_before` before the trigger until `case_after` after it backs the trigger."""

    case_before: dt.timedelta = Field(gt=dt.timedelta(0))
    case_after: dt.timedelta = Field(ge=dt.timedelta(0))


class PurposeMatch(MatchBase):
    """`trigger` must serve a business of the actor's section (`business`) and be backed by a `case` event of the
    same key within the parameters' window (DR-54: an information-network query)."""

    trigger: Selection
    case: Selection | None = None
    business: bool = Field(default=True, description="The trigger's business_code must be one of the actor's section.")
    no_case_severity: Severity | None = Field(
        default=None, description="Severity of a missing case (null = the rule's)."
    )

    @model_validator(mode="after")
    def _something_to_check(self) -> PurposeMatch:
        if not self.business and self.case is None:
            raise ValueError("check the business, a case, or both")
        return self

    def selections(self) -> Iterator[tuple[str, Selection]]:
        yield "match.trigger", self.trigger
        if self.case is not None:
            yield "match.case", self.case


class PurposeRule(RuleBase):
    """Purpose binding: the trigger's business belongs to the actor's section and a case for it exists."""

    kind: Literal["purpose"]
    match: PurposeMatch
    params_model: ClassVar[type[Params]] = PurposeParams


# --------------------------------------------------------------------------- deadline, silence, assignment


class DeadlineParams(Params):
    """`within`: from the start's anchor to the close (or to the progress event, when the obligation has one);
    `then_within`: from the progress event to the close (default `within`). With `working_days` both count whole
    days of the tenant's calendar (a clock starting on a closed day starts on the next working day). A close up to
    `lookback` before the anchor still meets the obligation (the HR feed may report after IT acted)."""

    within: dt.timedelta = Field(ge=dt.timedelta(0))
    then_within: dt.timedelta | None = Field(default=None, ge=dt.timedelta(0))
    working_days: bool = False
    lookback: dt.timedelta = Field(default=dt.timedelta(days=30), ge=dt.timedelta(0))

    @model_validator(mode="after")
    def _whole_days(self) -> DeadlineParams:
        spans = [s for s in (self.within, self.then_within) if s is not None]
        if self.working_days and any(s % dt.timedelta(days=1) for s in spans):
            raise ValueError("with working_days, within and then_within must be whole days")
        return self


class SilenceParams(Params):
    """A key is silent once no beat came for max(max_gap, gap_factor × its usual interval), the usual interval
    being the median of its last `cadence_samples` intervals: a source is judged by its own cadence."""

    max_gap: dt.timedelta = Field(gt=dt.timedelta(0))
    gap_factor: float = Field(default=3.0, ge=1)
    cadence_samples: int = Field(default=8, ge=1)


class AssignmentParams(Params):
    """Roles of an announced transfer's new section may be granted from `advance` before it takes effect."""

    advance: dt.timedelta = Field(default=dt.timedelta(0), ge=dt.timedelta(0))


class DeadlineObligation(Model):
    """Opened by `start` for the key, met by `close`. `progress` (optional) is the step in between: once seen, the
    clock restarts with then_within. `reopen` withdraws a remembered earlier close (an account re-enabled)."""

    start: Selection
    close: Selection
    progress: Selection | None = None
    reopen: Selection | None = None
    severity: Severity | None = None


class DeadlineMatch(MatchBase):
    obligations: dict[ParamName, DeadlineObligation] = Field(min_length=1)
    anchor: FieldRef = Field(default="occurred_at", description="Time field of the start event the clock runs from.")

    def selections(self) -> Iterator[tuple[str, Selection]]:
        for name, obligation in self.obligations.items():
            yield f"match.obligations.{name}.start", obligation.start
            yield f"match.obligations.{name}.close", obligation.close
            if obligation.progress is not None:
                yield f"match.obligations.{name}.progress", obligation.progress
            if obligation.reopen is not None:
                yield f"match.obligations.{name}.reopen", obligation.reopen


class SilenceMatch(MatchBase):
    beat: Selection = Field(description="Each matching event shows its key alive and re-arms the watchdog.")
    alarm: Selection | None = Field(default=None, description="Events that report a breach themselves: alert at once.")
    severity_by: tuple[SeverityWhen, ...] = ()

    def selections(self) -> Iterator[tuple[str, Selection]]:
        yield "match.beat", self.beat
        if self.alarm is not None:
            yield "match.alarm", self.alarm
        for i, grade in enumerate(self.severity_by):
            yield f"match.severity_by.{i}.when", grade.when


class AssignmentMatch(MatchBase):
    event: Selection = Field(description="The rights change, e.g. iam.role_granted.")
    person: FieldRef = "target_user_id"
    role: FieldRef = "role_id"

    def selections(self) -> Iterator[tuple[str, Selection]]:
        yield "match.event", self.event


class DeadlineRule(RuleBase):
    """Obligations a start event opens (an HR change: disable the account) that must be met by a deadline; the
    alert comes from a timer when the deadline passes without the close."""

    kind: Literal["deadline"]
    match: DeadlineMatch
    params_model: ClassVar[type[Params]] = DeadlineParams

    def field_refs(self) -> Iterator[tuple[str, str]]:
        yield from super().field_refs()
        yield "match.anchor", self.match.anchor


class SilenceRule(RuleBase):
    """A watchdog per key: alert when its beats stop for longer than its own cadence allows; plus events that
    report a breach themselves (a collector's gap report, deleted audit records)."""

    kind: Literal["silence"]
    match: SilenceMatch
    params_model: ClassVar[type[Params]] = SilenceParams


class AssignmentRule(RuleBase):
    """A rights change checked against the person's current assignment (org unit after the HR changes in force,
    roster's My Number permission) through the reference role → business matrix."""

    kind: Literal["assignment"]
    match: AssignmentMatch
    params_model: ClassVar[type[Params]] = AssignmentParams

    def field_refs(self) -> Iterator[tuple[str, str]]:
        yield from super().field_refs()
        yield "match.person", self.match.person
        yield "match.role", self.match.role


# --------------------------------------------------------------------------- My Number use: hours, entitlements, cases


class OffHoursParams(Params):
    """`grace` widens the calendar's working hours at both ends: arriving early or wrapping up is not overtime."""

    grace: dt.timedelta = Field(ge=dt.timedelta(0))


class UnmatchedParams(Params):
    """An expected event of the trigger's key must lie within [trigger − before, trigger + after]."""

    before: dt.timedelta = Field(ge=dt.timedelta(0))
    after: dt.timedelta = Field(ge=dt.timedelta(0))


EntitlementCheck = Literal["mynumber_business", "mynumber_user", "own_business"]
"""mynumber_business: the business is one the tenant permits to use My Number; mynumber_user: the roster permits the
actor to use My Number; own_business: the business is run by the actor's section after the transfers in force."""


class InServiceMatch(MatchBase):
    """Rules judging staff in service. With `defer_to_departure`, the events DR-01 reports (any use by staff who have
    retired, been seconded or dismissed, and a transferee's use of the former section's business) are left to it."""

    defer_to_departure: bool = True


class OffHoursMatch(InServiceMatch):
    event: Selection
    severity_by: tuple[SeverityWhen, ...] = ()

    def selections(self) -> Iterator[tuple[str, Selection]]:
        yield "match.event", self.event
        for i, grade in enumerate(self.severity_by):
            yield f"match.severity_by.{i}.when", grade.when


class EntitlementMatch(InServiceMatch):
    event: Selection
    checks: tuple[EntitlementCheck, ...] = Field(min_length=1)
    severity_by: tuple[SeverityWhen, ...] = ()

    @field_validator("checks")
    @classmethod
    def _unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("each check once: the failed ones are the alert's reason")
        return value

    def selections(self) -> Iterator[tuple[str, Selection]]:
        yield "match.event", self.event
        for i, grade in enumerate(self.severity_by):
            yield f"match.severity_by.{i}.when", grade.when


class UnmatchedMatch(InServiceMatch):
    trigger: Selection
    expected: Selection
    reason: ParamName = Field(default="no_match", description="details.reason of a finding, e.g. no_case.")

    def selections(self) -> Iterator[tuple[str, Selection]]:
        yield "match.trigger", self.trigger
        yield "match.expected", self.expected


class OffHoursRule(RuleBase):
    """An event outside the tenant's working calendar that no overtime or holiday-work order of the actor covers."""

    kind: Literal["off_hours"]
    match: OffHoursMatch
    params_model: ClassVar[type[Params]] = OffHoursParams


class EntitlementRule(RuleBase):
    """One event checked against what its actor is entitled to; one finding names every failed check."""

    kind: Literal["entitlement"]
    match: EntitlementMatch


class UnmatchedRule(RuleBase):
    """A trigger with no expected event of the same key within [−before, +after]; decided once `after` has passed."""

    kind: Literal["unmatched"]
    match: UnmatchedMatch
    params_model: ClassVar[type[Params]] = UnmatchedParams


RuleSpec = Annotated[
    ConditionRule | AbsenceRule | ConcurrentRule | BaselineRule | SequenceRule | ThresholdRule | CompositeRule
    | MismatchRule | ChecklistRule | ContractRule | PurposeRule
    | DeadlineRule | SilenceRule | AssignmentRule
    | OffHoursRule | EntitlementRule | UnmatchedRule,
    Field(discriminator="kind"),
]
RULE_ADAPTER: TypeAdapter[RuleSpec] = TypeAdapter(RuleSpec)
KINDS: tuple[str, ...] = ("condition", "absence", "concurrent", "baseline", "sequence", "threshold", "composite",
                          "mismatch", "checklist", "contract", "purpose",
                          "deadline", "silence", "assignment",
                          "off_hours", "entitlement", "unmatched")


# --------------------------------------------------------------------------- per-tenant overrides


class RuleOverride(Model):
    enabled: bool | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class TenantOverrides(Model):
    """deploy/tenants/<code>/overrides.yaml: `{rules: {DR-24: {enabled: true, params: {floor: 150}}}}`."""

    rules: dict[RuleId, RuleOverride] = Field(default_factory=dict)


# --------------------------------------------------------------------------- lint


@dataclass(frozen=True)
class LintError:
    file: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field or '<file>'}: {self.reason}"


class CatalogueError(ValueError):
    """Raised instead of loading a catalogue with any lint error: the worker must refuse to start."""

    def __init__(self, errors: list[LintError]) -> None:
        self.errors = errors
        super().__init__("rule catalogue is invalid:\n" + "\n".join(f"  {e}" for e in errors))


class _StrictLoader(yaml.SafeLoader):
    """PyYAML silently keeps the last of two equal keys; a rule file must not."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return dict(loader.construct_mapping(node))


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> Any:
    """Strict YAML (duplicate keys are errors). Raises yaml.YAMLError with the position."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)


def _actions_of(model: type[BaseModel]) -> tuple[str, ...]:
    return get_args(model.model_fields["action"].annotation)


def _field_index() -> dict[str, frozenset[str]]:
    """Event field path -> the actions whose events carry it."""
    index: dict[str, set[str]] = defaultdict(set)
    for model in EVENT_MODELS:
        actions = _actions_of(model)
        for name in model.model_fields:
            if name == "actor":
                for sub in Actor.model_fields:
                    index[f"actor.{sub}"].update(actions)
            else:
                index[name].update(actions)
    index[SUBJECT_FIELD].update(a for m in EVENT_MODELS for a in _actions_of(m))  # a property of every event
    return {k: frozenset(v) for k, v in index.items()}


FIELD_INDEX: dict[str, frozenset[str]] = _field_index()
ALL_ACTIONS: frozenset[str] = FIELD_INDEX["action"]
REQUEST_ACTIONS: frozenset[str] = FIELD_INDEX["request_id"]


def _selection_actions(selection: Selection) -> frozenset[str] | None:
    """The actions a selection is limited to, or None if it does not constrain `action`."""
    value = selection.get("action")
    if value is None:
        return None
    return frozenset(str(v) for v in (value if isinstance(value, tuple) else (value,)))


def input_actions(spec: RuleSpec) -> frozenset[str]:
    """The actions a rule examines (its input feed); every action when one of its selections names none."""
    actions: set[str] = set()
    for where, selection in spec.match.selections():
        if ".severity_by." in where:  # grades what already matched; selects nothing new
            continue
        named = _selection_actions(selection)
        if named is None:
            return ALL_ACTIONS
        actions |= named
    return frozenset(actions) or ALL_ACTIONS


def input_families(spec: RuleSpec) -> tuple[str, ...]:
    """The event families (sources) a rule needs, e.g. ("export_media",); what "source missing" names."""
    return tuple(sorted({ACTION_FAMILIES[a] for a in input_actions(spec)}))


def _check_selection(where: str, selection: Selection) -> Iterator[tuple[str, str]]:
    actions = _selection_actions(selection)
    if actions is not None:
        for action in sorted(actions - ALL_ACTIONS):
            yield f"{where}.action", f"unknown action {action!r}"
    for raw_key, value in selection.items():
        path, _, modifier = raw_key.partition("|")
        if modifier and modifier not in SELECTION_MODIFIERS:
            names = ", ".join(sorted(SELECTION_MODIFIERS))
            yield f"{where}.{raw_key}", f"unknown modifier {modifier!r} (known: {names})"
        if modifier == "exists" and not isinstance(value, bool):
            yield f"{where}.{raw_key}", "`exists` takes true or false"
        carriers = FIELD_INDEX.get(path)
        known = actions & ALL_ACTIONS if actions is not None else None
        if carriers is None:
            yield f"{where}.{raw_key}", f"unknown event field {path!r}"
        elif known and not (carriers & known):  # unknown actions are reported once, above
            yield f"{where}.{raw_key}", f"no event with action {sorted(known)} has field {path!r}"


def _check_field_ref(where: str, ref: str) -> Iterator[tuple[str, str]]:
    path, _, modifier = ref.partition("|")
    if modifier:
        if path != "occurred_at" or modifier not in KEY_MODIFIERS:
            yield where, f"{ref!r}: only occurred_at|day and occurred_at|hour are derived key fields"
    elif path not in FIELD_INDEX:
        yield where, f"unknown event field {path!r}"


def semantic_errors(spec: RuleSpec) -> list[tuple[str, str]]:
    """Checks beyond the pydantic schema: field paths, partition keys, typed parameters."""
    errors: list[tuple[str, str]] = []
    for where, selection in spec.match.selections():
        errors.extend(_check_selection(where, selection))
    for name, selection in spec.match.filters.items():
        errors.extend(_check_selection(f"match.{name}", selection))
    for where, ref in spec.field_refs():
        errors.extend(_check_field_ref(where, ref))

    # Live runs one engine per key family; state and suppression must stay inside one family's key.
    family_field = PARTITION_FIELDS[spec.partition]
    family = spec.partition.value
    accepted = {family_field, SUBJECT_FIELD} if spec.partition is Partition.ACTOR else {family_field}
    if not accepted & set(spec.key):
        errors.append(("key", f"a rule on the {family} partition must key on {family_field}"))
    if not accepted & set(spec.suppress.key):
        errors.append(("suppress.key", f"a rule on the {family} partition must suppress on {family_field}"))
    if spec.partition is Partition.REQUEST:
        for where, selection in spec.match.selections():
            if ".severity_by." in where:  # grades only refine events the rule already matched
                continue
            actions = _selection_actions(selection)
            if actions is None or not (actions & ALL_ACTIONS) <= REQUEST_ACTIONS:
                errors.append((f"{where}.action", "rules on the request partition only see events with a request_id;"
                               f" limit action to {sorted(REQUEST_ACTIONS)}"))

    if isinstance(spec, BaselineRule):
        for i, measure in enumerate(spec.match.measures):
            if measure.limit != "baseline" and measure.limit not in spec.params:
                errors.append((f"match.measures.{i}.limit", f"no parameter named {measure.limit!r}"))
        declared_limits = {m.limit for m in spec.match.measures}
        for name in sorted(set(spec.params) - set(BaselineParams.model_fields) - declared_limits):
            errors.append((f"params.{name}", "not used by any measure"))

    if isinstance(spec, CompositeRule):
        if tuple(spec.key) != ("tenant", "actor.id"):
            errors.append(("key", "a composite rule follows one actor: key must be [tenant, actor.id]"))
        if tuple(spec.suppress.key) != tuple(spec.key):
            errors.append(("suppress.key", "a composite rule suppresses on its key, [tenant, actor.id]"))

    if isinstance(spec, SequenceRule):
        named = {c.expect for c in spec.match.checks if c.expect not in FIXED_RELATIONS}
        for i, check in enumerate(spec.match.checks):
            if check.expect not in FIXED_RELATIONS and check.expect not in spec.params:
                errors.append((f"match.checks.{i}.expect",
                               f"neither a relation ({', '.join(FIXED_RELATIONS)}) nor a parameter"))
        for name in sorted(set(spec.params) - set(SequenceParams.model_fields) - named):
            errors.append((f"params.{name}", "not used by any check"))

    try:
        spec.resolve_params()
    except ValidationError as exc:
        errors.extend(_param_errors("params", spec.kind, exc))
    return errors


def _param_errors(prefix: str, kind: str, exc: ValidationError) -> list[tuple[str, str]]:
    errors = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        reason = {
            "extra_forbidden": f"unknown parameter for kind {kind}",
            "missing": f"kind {kind} needs this parameter",
        }.get(err["type"], err["msg"])
        errors.append((f"{prefix}.{loc}" if loc else prefix, reason))
    return errors


def _file_errors(rel: str, exc: ValidationError) -> list[LintError]:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"] if p != "[key]"]  # pydantic's marker for a bad mapping key
        if loc and loc[0] in KINDS:  # drop the discriminator tag pydantic puts first
            loc = loc[1:]
        if err["type"] in ("union_tag_invalid", "union_tag_not_found") and not loc:
            reason = f"unknown or missing kind; known kinds: {', '.join(KINDS)}"
            errors.append(LintError(rel, "kind", reason))
            continue
        reason = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        errors.append(LintError(rel, ".".join(loc), reason))
    return errors


def _expected_stem(rule_id: str) -> str:
    return rule_id.lower().replace("-", "") + "_"


def rule_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.yaml") if not p.name.endswith(".cases.yaml"))


def _lint_file(path: Path, rel: str) -> tuple[list[LintError], RuleSpec | None, Any]:
    try:
        doc = read_yaml(path)
    except yaml.YAMLError as exc:
        return [LintError(rel, "", f"malformed YAML: {exc}")], None, None
    if not isinstance(doc, dict):
        return [LintError(rel, "", "a rule file must be a mapping")], None, None
    try:
        spec = RULE_ADAPTER.validate_python(doc)
    except ValidationError as exc:
        return _file_errors(rel, exc), None, doc
    errors = [LintError(rel, f, r) for f, r in semantic_errors(spec)]
    if not re.fullmatch(re.escape(_expected_stem(spec.id)) + r"[a-z0-9_]+", path.stem):
        errors.append(LintError(rel, "id", f"{spec.id} must live in {_expected_stem(spec.id)}<slug>.yaml"))
    if path.parent.name != spec.area.value:
        errors.append(LintError(rel, "area", f"area {spec.area.value!r} but the file is in {path.parent.name!r}/"))
    return errors, spec, doc


def _lint(directory: Path) -> tuple[list[LintError], list[CatalogueEntry]]:
    errors: list[LintError] = []
    entries: list[CatalogueEntry] = []
    if not directory.is_dir():
        return [LintError(str(directory), "", "rule directory does not exist")], []
    files = rule_files(directory)
    if not files:
        errors.append(LintError(str(directory), "", "no rule files found"))
    seen: dict[str, str] = {}
    for path in files:
        rel = path.relative_to(directory).as_posix()
        file_errors, spec, doc = _lint_file(path, rel)
        errors.extend(file_errors)
        if spec is None:
            continue
        if spec.id in seen:
            errors.append(LintError(rel, "id", f"{spec.id} is also defined in {seen[spec.id]}"))
        seen[spec.id] = rel
        entries.append(CatalogueEntry(spec, rel, canonical_sha256(doc)))
    errors.extend(_composite_errors(entries))
    return errors, entries


def _composite_errors(entries: list[CatalogueEntry]) -> Iterator[LintError]:
    """A composite sees only the alerts raised in its own engine: its rules must exist on its partition."""
    by_id = {e.spec.id: e.spec for e in entries}
    for entry in entries:
        spec = entry.spec
        if not isinstance(spec, CompositeRule):
            continue
        for field, rule_id in (("match.first_rule", spec.match.first_rule), ("match.then_rule", spec.match.then_rule)):
            if rule_id is None:
                continue
            target = by_id.get(rule_id)
            if target is None:
                yield LintError(entry.path, field, f"{rule_id} is not in the catalogue")
            elif target.partition is not spec.partition:
                yield LintError(entry.path, field, f"{rule_id} runs on the {target.partition.value} partition, "
                                                   f"this rule on {spec.partition.value}: it would never see it")
            elif isinstance(target, CompositeRule):
                yield LintError(entry.path, field, f"{rule_id} is itself composite; build on detection rules")


def lint(directory: Path | str) -> list[LintError]:
    """Every problem in a rule directory; empty means it loads."""
    return _lint(Path(directory))[0]


def canonical_sha256(doc: Any) -> str:
    """Hash of the rule's canonical JSON, for the lock file (style.md §3.3 "versions come from content")."""
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class CatalogueEntry:
    spec: RuleSpec
    path: str
    sha256: str


@dataclass(frozen=True)
class ResolvedRule:
    """One rule as it runs for one tenant: typed parameters after that tenant's overrides."""

    spec: RuleSpec
    params: Params
    enabled: bool
    sha256: str


class Catalogue:
    """Rules plus per-tenant overrides. Immutable; `apply_overrides` returns a new one."""

    def __init__(self, entries: Iterable[CatalogueEntry], overrides: Mapping[str, TenantOverrides] | None = None):
        self._entries = {e.spec.id: e for e in sorted(entries, key=lambda e: e.spec.id)}
        self._overrides = dict(overrides or {})
        errors = self._check_overrides()
        if errors:
            raise CatalogueError(errors)
        self._default = self._resolve(TenantOverrides())
        self._tenants = {t: self._resolve(o) for t, o in self._overrides.items()}

    def _check_overrides(self) -> list[LintError]:
        errors = []
        for tenant, overrides in sorted(self._overrides.items()):
            where = f"deploy/tenants/{tenant}/overrides.yaml"
            for rule_id, override in overrides.rules.items():
                entry = self._entries.get(rule_id)
                if entry is None:
                    errors.append(LintError(where, f"rules.{rule_id}", "no such rule in the catalogue"))
                    continue
                try:
                    entry.spec.resolve_params(override.params)
                except ValidationError as exc:
                    prefix = f"rules.{rule_id}.params"
                    errors.extend(LintError(where, f, r) for f, r in _param_errors(prefix, entry.spec.kind, exc))
                except ValueError as exc:
                    errors.append(LintError(where, f"rules.{rule_id}.params", str(exc)))
        return errors

    def _resolve(self, overrides: TenantOverrides) -> tuple[ResolvedRule, ...]:
        resolved = []
        for rule_id, entry in self._entries.items():
            override = overrides.rules.get(rule_id, RuleOverride())
            enabled = override.enabled
            if enabled is None:
                enabled = entry.spec.status is not RuleStatus.DEPRECATED
            resolved.append(ResolvedRule(entry.spec, entry.spec.resolve_params(override.params), enabled, entry.sha256))
        return tuple(resolved)

    def __iter__(self) -> Iterator[CatalogueEntry]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._entries

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._entries)

    @property
    def overrides(self) -> Mapping[str, TenantOverrides]:
        return dict(self._overrides)

    def entry(self, rule_id: str) -> CatalogueEntry:
        return self._entries[rule_id]

    def for_partition(self, partition: Partition | str) -> tuple[CatalogueEntry, ...]:
        """The rules a key family's engine runs (before per-tenant enabling)."""
        family = Partition(partition)
        return tuple(e for e in self._entries.values() if e.spec.partition is family)

    def rules_for(self, tenant: str) -> tuple[ResolvedRule, ...]:
        """Every rule (enabled or not) with this tenant's parameters."""
        return self._tenants.get(tenant, self._default)

    def only(self, *rule_ids: str) -> Catalogue:
        missing = sorted(set(rule_ids) - set(self._entries))
        if missing:
            raise KeyError(f"not in the catalogue: {', '.join(missing)}")
        keep = set(rule_ids)
        overrides = {
            tenant: TenantOverrides(rules={r: o for r, o in ov.rules.items() if r in keep})
            for tenant, ov in self._overrides.items()
        }
        return Catalogue([self._entries[r] for r in rule_ids], overrides)


def _parse_overrides(tenant: str, raw: Mapping[str, Any] | TenantOverrides) -> TenantOverrides:
    if isinstance(raw, TenantOverrides):
        return raw
    try:
        return TenantOverrides.model_validate(raw or {})
    except ValidationError as exc:
        where = f"deploy/tenants/{tenant}/overrides.yaml"
        errors = [LintError(where, ".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        raise CatalogueError(errors) from exc


def apply_overrides(catalogue: Catalogue, overrides: Mapping[str, Mapping[str, Any] | TenantOverrides]) -> Catalogue:
    """A catalogue whose tenants in `overrides` (tenant code -> overrides document) run with their tuning.

    Later calls replace a tenant's overrides as a whole. Unknown rules or parameters and wrong types raise.
    """
    merged: dict[str, TenantOverrides] = dict(catalogue.overrides)
    for tenant, raw in overrides.items():
        merged[tenant] = _parse_overrides(tenant, raw)
    return Catalogue(catalogue, merged)


def load_catalogue(
    directory: Path | str, overrides: Mapping[str, Mapping[str, Any] | TenantOverrides] | None = None
) -> Catalogue:
    """Load and lint every rule under `directory`; raise CatalogueError on any problem."""
    errors, entries = _lint(Path(directory))
    if errors:
        raise CatalogueError(errors)
    catalogue = Catalogue(entries)
    return apply_overrides(catalogue, overrides) if overrides else catalogue


def load_tenant_overrides(tenants_dir: Path | str) -> dict[str, TenantOverrides]:
    """Read deploy/tenants/<code>/overrides.yaml for every tenant folder that has one."""
    result: dict[str, TenantOverrides] = {}
    errors: list[LintError] = []
    for path in sorted(Path(tenants_dir).glob("*/overrides.yaml")):
        tenant = path.parent.name
        try:
            result[tenant] = _parse_overrides(tenant, read_yaml(path) or {})
        except yaml.YAMLError as exc:
            errors.append(LintError(str(path), "", f"malformed YAML: {exc}"))
        except CatalogueError as exc:
            errors.extend(LintError(str(path), e.field, e.reason) for e in exc.errors)
    if errors:
        raise CatalogueError(errors)
    return result


# --------------------------------------------------------------------------- cases beside each rule


class RuleCase(Model):
    """One scenario: minimal events (a builder fills the envelope) and what the rule must do."""

    name: str
    expect: Literal["alert", "none"]
    alerts: int | None = Field(default=None, ge=0, description="Exact number of distinct alerts.")
    count: int | None = Field(default=None, ge=1, description="Suppression count of the (single) alert.")
    severity: Severity | None = None
    reason: str | None = Field(default=None, description="details.reason of every alert.")
    params: dict[str, Any] = Field(default_factory=dict)
    reference: dict[str, Any] | None = Field(default=None, description="Replaces keys of the file's reference.")
    lateness: dt.timedelta = dt.timedelta(hours=1)
    events: tuple[dict[str, Any], ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> RuleCase:
        if self.expect == "none" and (self.alerts or self.count or self.severity or self.reason):
            raise ValueError("a case expecting no alert cannot state alerts/count/severity/reason")
        if self.expect == "alert" and self.alerts == 0:
            raise ValueError("expect: alert with alerts: 0")
        return self


class RuleCases(Model):
    rule: RuleId
    reference: dict[str, Any] | None = None
    cases: tuple[RuleCase, ...] = Field(min_length=1)


def cases_path(rule_path: Path) -> Path:
    return rule_path.with_name(rule_path.name.removesuffix(".yaml") + ".cases.yaml")


def load_cases(path: Path | str) -> RuleCases:
    return RuleCases.model_validate(read_yaml(Path(path)))
