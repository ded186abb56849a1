"""Rule semantics, one module per kind (style.md §3.5). Adding a kind = a RuleSpec model + an evaluator here."""

from __future__ import annotations

from kansa_detector.engine.kinds.absence import AbsenceEvaluator
from kansa_detector.engine.kinds.assignment import AssignmentEvaluator
from kansa_detector.engine.kinds.base import Context, Finding, RuleEvaluator
from kansa_detector.engine.kinds.baseline import BaselineEvaluator
from kansa_detector.engine.kinds.checklist import ChecklistEvaluator
from kansa_detector.engine.kinds.composite import CompositeEvaluator
from kansa_detector.engine.kinds.concurrent import ConcurrentEvaluator
from kansa_detector.engine.kinds.condition import ConditionEvaluator
from kansa_detector.engine.kinds.contract import ContractEvaluator
from kansa_detector.engine.kinds.deadline import DeadlineEvaluator
from kansa_detector.engine.kinds.entitlement import EntitlementEvaluator
from kansa_detector.engine.kinds.mismatch import MismatchEvaluator
from kansa_detector.engine.kinds.off_hours import OffHoursEvaluator
from kansa_detector.engine.kinds.purpose import PurposeEvaluator
from kansa_detector.engine.kinds.sequence import SequenceEvaluator
from kansa_detector.engine.kinds.silence import SilenceEvaluator
from kansa_detector.engine.kinds.threshold import ThresholdEvaluator
from kansa_detector.engine.kinds.unmatched import UnmatchedEvaluator
from kansa_schemas.rule import ResolvedRule

EVALUATORS: dict[str, type[RuleEvaluator]] = {
    "condition": ConditionEvaluator,
    "absence": AbsenceEvaluator,
    "concurrent": ConcurrentEvaluator,
    "baseline": BaselineEvaluator,
    "sequence": SequenceEvaluator,
    "threshold": ThresholdEvaluator,
    "deadline": DeadlineEvaluator,
    "silence": SilenceEvaluator,
    "assignment": AssignmentEvaluator,
    "composite": CompositeEvaluator,
    "mismatch": MismatchEvaluator,
    "checklist": ChecklistEvaluator,
    "contract": ContractEvaluator,
    "purpose": PurposeEvaluator,
    "off_hours": OffHoursEvaluator,
    "entitlement": EntitlementEvaluator,
    "unmatched": UnmatchedEvaluator,
}


def evaluator_for(rule: ResolvedRule) -> RuleEvaluator:
    return EVALUATORS[rule.spec.kind](rule)


__all__ = ["EVALUATORS", "Context", "Finding", "RuleEvaluator", "evaluator_for"]
