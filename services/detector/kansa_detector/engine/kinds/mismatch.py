"""`mismatch`: one event whose fields, which must name the same value, name different ones.

A check whose fields are not both on the event (the source does not report that identity) is skipped and counted
as not evaluable: silence there means "not checked", never "checked and fine".
"""

from __future__ import annotations

from kansa_detector.engine.fields import Matcher, resolve
from kansa_detector.engine.kinds.base import Context, Detail, Finding, RuleEvaluator
from kansa_schemas.events import Event
from kansa_schemas.rule import MismatchRule, ResolvedRule


def _detail_key(ref: str) -> str:
    return ref.replace(".", "_")  # `actor.id` would become a nested object in the alert index


class MismatchEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, MismatchRule)
        self._event = Matcher(rule.spec.match.event)
        self._checks = tuple((check, Matcher(check.when)) for check in rule.spec.match.checks)

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        if not self._event(event):
            return []
        failed: list[str] = []
        details: dict[str, Detail] = {}
        for check, applies in self._checks:
            if not applies(event):
                continue
            mine, theirs = resolve(event, check.field), resolve(event, check.other)
            if mine is None or theirs is None:
                ctx.count("not_evaluable")
                continue
            if mine == theirs:
                continue
            failed.append(check.name)
            details[_detail_key(check.field)] = str(mine)
            details[_detail_key(check.other)] = str(theirs)
        if not failed:
            return []
        return [self.finding(event, ctx, details={"reason": ",".join(failed), **details})]
