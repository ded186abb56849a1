"""`composite`: an alert of one rule, then (same actor, within a window) another rule's alert or a given event.

The engine hands every newly raised alert of its partition to `on_alert`; the first rule's alert opens (or
renews) the actor's escalation window, and what follows inside it raises the composite rule's alert, which names
both parts. Alerts and events reach the engine in event-time order, so live and replay agree.
"""

from __future__ import annotations

import datetime as dt

from kansa_detector.engine.fields import Matcher, duration_us, from_us, to_us
from kansa_detector.engine.kinds.base import Context, Finding, RuleEvaluator
from kansa_schemas.alert import Alert
from kansa_schemas.events import Event
from kansa_schemas.rule import CompositeParams, CompositeRule, ResolvedRule

MAX_FIRST_EVENTS = 20  # the composite alert cites the first alert and a sample of its events


class CompositeEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, CompositeRule)
        assert isinstance(rule.params, CompositeParams)
        self.first_rule = rule.spec.match.first_rule
        self.then_rule = rule.spec.match.then_rule
        then = rule.spec.match.then
        self._then = Matcher(then) if then is not None else None
        self._within = duration_us(rule.params.within)

    def watches(self, rule_id: str) -> bool:
        return rule_id in (self.first_rule, self.then_rule)

    def _store_key(self, tenant: str, actor_id: str) -> str:
        return self.state_key(tenant, f"{tenant}|{actor_id}")

    def on_alert(self, alert: Alert, ctx: Context) -> list[Finding]:
        if alert.rule_id == self.then_rule:
            found = self._escalate(alert.tenant, alert.actor_id, alert.occurred_at, alert.event_ids, ctx,
                                   anchor=alert.alert_id, then_alert=alert.alert_id)
            if found is not None or alert.rule_id != self.first_rule:
                return [found] if found is not None else []
        if alert.rule_id == self.first_rule:
            at = to_us(alert.occurred_at)
            key = self._store_key(alert.tenant, alert.actor_id)
            ctx.store.put(key, {"at": at, "alert_id": alert.alert_id,
                                "event_ids": list(alert.event_ids[:MAX_FIRST_EVENTS])})
            ctx.schedule(self.rule_id, key, from_us(at + self._within))
        return []

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        if self._then is None or not self._then(event):
            return []
        found = self._escalate(event.tenant, event.actor.id, event.occurred_at, (event.event_id,), ctx,
                               anchor=event.event_id, then_alert=None)
        return [found] if found is not None else []

    def _escalate(
        self, tenant: str, actor_id: str, occurred_at: dt.datetime, event_ids: tuple[str, ...], ctx: Context, *,
        anchor: str, then_alert: str | None,
    ) -> Finding | None:
        stored = ctx.store.get(self._store_key(tenant, actor_id))
        if stored is None:
            return None
        at = to_us(occurred_at)
        if not 0 <= at - stored["at"] <= self._within:
            return None
        key = f"{tenant}|{actor_id}"
        details = {
            "reason": "escalated", "first_rule": self.first_rule, "first_alert_id": stored["alert_id"],
            "first_at": from_us(stored["at"]).isoformat(), "then_rule": self.then_rule, "then_alert_id": then_alert,
        }
        return Finding(
            tenant=tenant, key=key, suppress_key=key, anchor=anchor, actor_id=actor_id, occurred_at=occurred_at,
            event_ids=tuple(dict.fromkeys((*event_ids, *stored["event_ids"]))), details=details,
        )

    def on_timer(self, state_key: str, due: dt.datetime, ctx: Context) -> list[Finding]:
        stored = ctx.store.get(state_key)
        if stored is not None and to_us(due) - stored["at"] >= self._within:
            ctx.store.delete(state_key)
        return []
