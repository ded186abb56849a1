"""`sequence`: a trigger checked against the latest earlier events of its key (remembered within lookback).

Each named `earlier` selection keeps its latest event per key (time, id and the fields the checks read). A check
whose earlier event is missing or too old is skipped: that absence is another rule's business (e.g. DR-32).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kansa_detector.engine.fields import Matcher, duration_us, from_us, key_part, resolve, to_us
from kansa_detector.engine.kinds.base import Context, Detail, Finding, RuleEvaluator
from kansa_schemas.events import Event
from kansa_schemas.rule import ResolvedRule, SequenceCheck, SequenceParams, SequenceRule


def _value(event: Event, ref: str, tz: dt.tzinfo) -> Any:
    return key_part(event, ref, tz) if "|" in ref else resolve(event, ref)


def _plain(value: Any) -> Detail:
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


class SequenceEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, SequenceRule)
        assert isinstance(rule.params, SequenceParams)
        self.spec = rule.spec
        self.params = rule.params
        match = rule.spec.match
        self._earlier = {name: Matcher(selection) for name, selection in match.earlier.items()}
        self._trigger = Matcher(match.trigger)
        self._lookback = duration_us(rule.params.lookback)
        self._reads: dict[str, tuple[str, ...]] = {
            name: tuple(sorted({c.other for c in match.checks if c.of == name and c.other is not None}))
            for name in match.earlier
        }

    def _relation(self, check: SequenceCheck) -> str:
        if check.expect in ("equal", "different", "at_most", "absent"):
            return check.expect
        return self.params.relation(check.expect)

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        remember = [name for name, matcher in self._earlier.items() if matcher(event)]
        if not remember and not self._trigger(event):
            return []
        key, missing = self.key_of(event, ctx)
        if missing:
            return []  # e.g. an execution without a request id: nothing to compare it with
        store_key = self.state_key(event.tenant, key)
        stored: dict[str, Any] = ctx.store.get(store_key) or {}
        at = to_us(event.occurred_at)
        findings = self._check(event, ctx, stored, at) if self._trigger(event) else []
        if remember:
            tz = ctx.view.timezone
            for name in remember:
                stored[name] = {"at": at, "event_id": event.event_id,
                                "values": {ref: _value(event, ref, tz) for ref in self._reads[name]}}
            ctx.store.put(store_key, stored)
            ctx.schedule(self.rule_id, store_key, from_us(at + self._lookback))
        return findings

    def _check(self, event: Event, ctx: Context, stored: dict[str, Any], at: int) -> list[Finding]:
        tz = ctx.view.timezone
        failed: list[str] = []
        cited: list[str] = []
        details: dict[str, Detail] = {}
        def in_force(name: str) -> dict[str, Any] | None:
            earlier: dict[str, Any] | None = stored.get(name)
            if earlier is None or earlier["at"] > at or at - earlier["at"] > self._lookback:
                return None
            return earlier

        for check in self.spec.match.checks:
            earlier = in_force(check.of)
            if earlier is None or any(in_force(name) is None for name in check.given):
                continue
            relation = self._relation(check)
            if relation == "absent":
                ok = False
            else:
                assert check.field is not None and check.other is not None
                mine, theirs = _value(event, check.field, tz), earlier["values"].get(check.other)
                if mine is None or theirs is None:
                    continue
                if relation == "equal":
                    ok = mine == theirs
                elif relation == "different":
                    ok = mine != theirs
                else:  # at_most
                    ok = mine <= theirs
                details[f"{check.name}_value"] = _plain(mine)
                details[f"{check.name}_{check.of}"] = _plain(theirs)
            if not ok:
                failed.append(check.name)
                details[f"{check.name}_expect"] = relation
                if earlier["event_id"] not in cited:
                    cited.append(earlier["event_id"])
        if not failed:
            return []
        kept = {k: v for k, v in details.items() if any(k.startswith(f"{name}_") for name in failed)}
        return [self.finding(event, ctx, event_ids=(event.event_id, *cited),
                             details={"reason": ",".join(failed), **kept})]

    def on_timer(self, state_key: str, due: dt.datetime, ctx: Context) -> list[Finding]:
        stored = ctx.store.get(state_key)
        if stored is None:
            return []
        cutoff = to_us(due) - self._lookback
        kept = {name: e for name, e in stored.items() if e["at"] > cutoff}
        if kept:
            ctx.store.put(state_key, kept)
        else:
            ctx.store.delete(state_key)
        return []
