"""`contract`: a contractor's event checked against the contract registry and the work orders in force.

Checks (a rule lists the ones it enforces; every failed one is named in details.reason, in the rule's order):
- `organisation`: the actor's contractor_org is the prime of a contract, or a subcontractor the city approved, on or
  after the approval date when one is recorded (DR-62);
- `term`: the event's local date lies inside the term of a contract that covers the actor (DR-63);
- `scope`: the event's system is in the scope of a contract that covers the actor (DR-60);
- `work_order`: an open work order naming the worker covers the event time, and its systems the event's (DR-60);
- `copy_permission`: an open work order naming the worker carries the city's consent to copy (DR-64).

A contract covers an actor that it names as a worker, or whose organisation is its prime or one of its approved
subcontractors. Work orders (`contract.work_order_*`, issued by the city's IT admin) are remembered per tenant:
they share a partition with every contractor's events (envelope.CONTRACTOR_PARTITION), so one engine sees both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from kansa_detector.engine.fields import Matcher, from_us, to_us
from kansa_detector.engine.kinds.base import Context, Detail, Finding, RuleEvaluator
from kansa_schemas.envelope import Outcome
from kansa_schemas.events import Event
from kansa_schemas.events.contractors import ContractorWorkOrder
from kansa_schemas.reference.models import Contract, ReferenceBundle
from kansa_schemas.rule import ContractParams, ContractRule, ResolvedRule

_ORDERS = "~work_orders"
_ORDER_RETENTION = dt.timedelta(days=1)  # an order is forgotten a day after it lapses (late events still see it)


def covering(bundle: ReferenceBundle, actor_id: str, org: str | None) -> list[Contract]:
    """The contracts that name the actor as a worker or have the actor's organisation as prime or subcontractor."""
    return [
        c for c in bundle.contracts
        if actor_id in c.named_workers
        or (org is not None and (org == c.contractor_org or org in approved_subcontractors(c)))
    ]


def approved_subcontractors(contract: Contract) -> dict[str, dt.date | None]:
    """Approved subcontractor -> the date its approval took effect (None: approved, date not recorded)."""
    approved: dict[str, dt.date | None] = dict.fromkeys(contract.approved_subcontractors)
    for approval in contract.subcontractor_approvals:
        approved[approval.contractor_org] = approval.approved_on
    return approved


class ContractEvaluator(RuleEvaluator):
    def __init__(self, rule: ResolvedRule) -> None:
        super().__init__(rule)
        assert isinstance(rule.spec, ContractRule)
        assert isinstance(rule.params, ContractParams)
        self._event = Matcher(rule.spec.match.event)
        self._checks = rule.spec.match.checks
        self._orders = rule.spec.match.needs_work_orders
        self._infrastructure = frozenset(rule.params.infrastructure_systems)

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        if self._orders and isinstance(event, ContractorWorkOrder):
            self._remember_order(event, ctx)
        if not self._event(event):
            return []
        bundle = ctx.view.bundle
        if bundle is None or not bundle.contracts:
            ctx.count("not_evaluable")  # no contract registry: say so in stats rather than guess
            return []
        day = event.occurred_at.astimezone(ctx.view.timezone).date()
        contracts = covering(bundle, event.actor.id, event.actor.contractor_org)
        orders = self._open_orders(event, ctx) if self._orders else []
        failed: list[str] = []
        for check in self._checks:
            if check == "organisation":
                reason = self._organisation(event, bundle, day)
            elif check == "term":
                reason = self._term(contracts, day)
            elif check == "scope":
                reason = self._scope(event, contracts)
            elif check == "work_order":
                reason = self._work_order(event, orders)
            else:  # copy_permission
                reason = None if any(o["copy"] for o in orders) else "no_copy_permission"
            if reason is not None:
                failed.append(reason)
        if not failed:
            return []
        details: dict[str, Detail] = {
            "reason": ",".join(failed),
            "contractor_org": event.actor.contractor_org,
            "system": event.source_system,
            "contracts": ",".join(c.contract_id for c in contracts) or None,
        }
        if self._orders:
            details["work_orders"] = ",".join(o["id"] for o in orders) or None
        return [self.finding(event, ctx, details=details)]

    # ------------------------------------------------------------------ checks

    def _organisation(self, event: Event, bundle: ReferenceBundle, day: dt.date) -> str | None:
        org = event.actor.contractor_org
        if org is None:
            # The register names the worker; an undeclared employer is the roster's business (DR-61).
            if any(event.actor.id in c.named_workers for c in bundle.contracts):
                return None
            return "unknown_organisation"
        if any(c.contractor_org == org for c in bundle.contracts):
            return None
        dates = [approved[org] for c in bundle.contracts if org in (approved := approved_subcontractors(c))]
        if not dates:
            return "unapproved_organisation"
        if any(d is None or d <= day for d in dates):
            return None
        return "before_approval"

    @staticmethod
    def _term(contracts: list[Contract], day: dt.date) -> str | None:
        if not contracts:
            return None  # no contract covers the actor: the organisation check's business
        if any(c.term_start <= day <= c.term_end for c in contracts):
            return None
        if all(day > c.term_end for c in contracts):
            return "after_term_end"
        if all(day < c.term_start for c in contracts):
            return "before_term_start"
        return "outside_term"

    def _scope(self, event: Event, contracts: list[Contract]) -> str | None:
        scoped = [c for c in contracts if c.scope_systems]
        if event.source_system in self._infrastructure or not scoped:
            return None  # a sign-in system, or no scope recorded to compare with
        if any(event.source_system in c.scope_systems for c in scoped):
            return None
        return "outside_contract_scope"

    def _work_order(self, event: Event, orders: list[dict[str, Any]]) -> str | None:
        if not orders:
            return "no_work_order"
        if event.source_system in self._infrastructure:
            return None
        if any(not o["systems"] or event.source_system in o["systems"] for o in orders):
            return None
        return "outside_work_order_scope"

    # ------------------------------------------------------------------ work orders

    def _remember_order(self, event: ContractorWorkOrder, ctx: Context) -> None:
        if event.outcome is not Outcome.SUCCESS:
            return
        store_key = self.state_key(event.tenant, _ORDERS)
        stored = ctx.store.get(store_key) or {"orders": []}
        orders: list[dict[str, Any]] = stored["orders"]
        at = to_us(event.occurred_at)
        if event.action == "contract.work_order_closed":
            for order in orders:
                if order["id"] == event.work_order_id and order["closed"] is None:
                    order["closed"] = at
            ctx.store.put(store_key, {"orders": orders})
            return
        orders = [o for o in orders if o["id"] != event.work_order_id]  # a re-issue replaces the order
        valid_to = to_us(event.valid_to)
        orders.append({
            "id": event.work_order_id, "issued": at, "from": to_us(event.valid_from), "to": valid_to,
            "closed": None, "org": event.contractor_org, "workers": list(event.worker_ids),
            "systems": list(event.systems), "copy": event.copy_permitted,
        })
        ctx.store.put(store_key, {"orders": orders})
        ctx.schedule(self.rule_id, store_key, from_us(max(at, valid_to)) + _ORDER_RETENTION)

    def _open_orders(self, event: Event, ctx: Context) -> list[dict[str, Any]]:
        """Orders issued before the event, naming the worker (or, naming nobody, for the whole organisation),
        whose window covers the event and that were not closed before it."""
        stored = ctx.store.get(self.state_key(event.tenant, _ORDERS))
        at = to_us(event.occurred_at)
        return [
            o for o in _orders(stored)
            if o["issued"] <= at and o["from"] <= at <= o["to"] and (o["closed"] is None or at < o["closed"])
            and (event.actor.id in o["workers"] or (not o["workers"] and o["org"] == event.actor.contractor_org))
        ]

    def on_timer(self, state_key: str, due: dt.datetime, ctx: Context) -> list[Finding]:
        stored = ctx.store.get(state_key)
        if stored is None:
            return []
        cutoff = to_us(due - _ORDER_RETENTION)
        kept = [o for o in _orders(stored) if max(o["to"], o["issued"]) > cutoff]
        if kept:
            ctx.store.put(state_key, {"orders": kept})
        else:
            ctx.store.delete(state_key)
        return []


def _orders(stored: dict[str, Any] | None) -> Iterable[dict[str, Any]]:
    return stored["orders"] if stored else ()
