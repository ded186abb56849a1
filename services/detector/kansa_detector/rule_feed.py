"""Which rules are evaluable: per tenant and rule, how many events it examined and when it last saw one.

A rule whose input feed is absent must say "not evaluable: source missing", never look like a clean result.
The engines count per partition; this module drains those counts into Prometheus and keeps, per tenant and
rule, the wall-clock time of the last input, so `kansa_detector_rule_source_missing` turns 1 once a feed has
been silent for `missing_after_s`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from kansa_detector.engine import Engine
from kansa_detector.metrics import RULE_INPUT_EVENTS, RULE_LAST_INPUT, RULE_NOT_EVALUABLE, RULE_SOURCE_MISSING
from kansa_schemas.rule import Catalogue


class RuleFeedMonitor:
    def __init__(
        self,
        catalogue: Catalogue,
        tenants: Iterable[str],
        *,
        missing_after_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._catalogue = catalogue
        self._missing_after_s = missing_after_s
        self._clock = clock
        self._started = clock()
        self._last_arrival: dict[tuple[str, str], float] = {}
        self._newest_event: dict[tuple[str, str], float] = {}
        self._tenants: set[str] = set()
        for tenant in tenants:
            self._watch(tenant)

    def _watch(self, tenant: str) -> None:
        """Every enabled rule of a tenant gets its series at once, so a rule that never sees input shows 0."""
        if tenant in self._tenants:
            return
        self._tenants.add(tenant)
        for rule in self._catalogue.rules_for(tenant):
            if rule.enabled:
                RULE_INPUT_EVENTS.labels(tenant, rule.spec.id)
                RULE_NOT_EVALUABLE.labels(tenant, rule.spec.id)

    def drain(self, engine: Engine) -> None:
        """Move an engine's per-rule counts into the metrics and reset them."""
        now = self._clock()
        for (tenant, rule_id), count in engine.rule_inputs.items():
            self._watch(tenant)
            RULE_INPUT_EVENTS.labels(tenant, rule_id).inc(count)
            self._last_arrival[(tenant, rule_id)] = now
        for key, at in engine.rule_last_input.items():
            newest = self._newest_event[key] = max(self._newest_event.get(key, 0.0), at.timestamp())
            RULE_LAST_INPUT.labels(*key).set(newest)
        for (tenant, rule_id), count in engine.rule_not_evaluable.items():
            RULE_NOT_EVALUABLE.labels(tenant, rule_id).inc(count)
        engine.rule_inputs.clear()
        engine.rule_last_input.clear()
        engine.rule_not_evaluable.clear()

    def missing(self) -> list[tuple[str, str]]:
        """(tenant, rule id) of every enabled rule with no input for `missing_after_s`; also sets the gauge."""
        now = self._clock()
        silent = []
        for tenant in sorted(self._tenants):
            for rule in self._catalogue.rules_for(tenant):
                if not rule.enabled:
                    continue
                key = (tenant, rule.spec.id)
                since = self._last_arrival.get(key, self._started)
                is_missing = now - since >= self._missing_after_s
                RULE_SOURCE_MISSING.labels(*key).set(1 if is_missing else 0)
                if is_missing:
                    silent.append(key)
        return silent
