"""The whole catalogue on simulated months, through the pure engine (no Kafka): the quick form of the e2e gate.

On a month with injected violations every rule finds all of its truth records (recall 1.0) and every alert cites
an event of a truth record of its own rule (the matching of `kansa_cli.demo.score`); a clean month raises nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field

import pytest

from kansa_detector.engine import StaticReference
from kansa_detector.replay import replay
from kansa_ingest.simulator import SimulationResult, simulate
from kansa_ingest.simulator.scenarios import RULE_IDS
from kansa_schemas.alert import Alert
from kansa_schemas.rule import Catalogue

TENANT, MONTH, EVENTS = "141003", "2026-10", 20_000
SEEDS = (7, 11)
LATENESS = dt.timedelta(seconds=5)  # the worker's default (settings.lateness_s)


@dataclass
class RuleScore:
    injected: int = 0
    detected: int = 0
    alerts: int = 0
    unmatched: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)


def _alerts(result: SimulationResult, catalogue: Catalogue) -> list[Alert]:
    lines = [json.dumps(e, ensure_ascii=False) for e in result.events]
    return replay(lines, catalogue, StaticReference([result.reference]), LATENESS)


def score(result: SimulationResult, alerts: list[Alert]) -> dict[str, RuleScore]:
    """As `kansa_cli.demo.score`: a record is detected when an alert of its rule cites one of its events."""
    rules: dict[str, RuleScore] = {}
    cited: dict[str, list[set[str]]] = {}
    for alert in alerts:
        cited.setdefault(alert.rule_id, []).append(set(alert.event_ids))
        rules.setdefault(alert.rule_id, RuleScore()).alerts += 1
    truth_ids: dict[str, set[str]] = {}
    for record in result.truth:
        rule = rules.setdefault(record.rule_id, RuleScore())
        rule.injected += 1
        truth_ids.setdefault(record.rule_id, set()).update(record.event_ids)
        if any(set(record.event_ids) & ids for ids in cited.get(record.rule_id, [])):
            rule.detected += 1
        else:
            rule.missed.append(f"{record.variant} {record.event_ids[0]} {record.actor_id}")
    for alert in alerts:
        if not set(alert.event_ids) & truth_ids.get(alert.rule_id, set()):
            rules[alert.rule_id].unmatched.append(
                f"{alert.details.get('reason')} {alert.event_ids[0]} {alert.actor_id} key={alert.key}"
            )
    return rules


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def violated(request: pytest.FixtureRequest, catalogue: Catalogue) -> tuple[SimulationResult, list[Alert]]:
    result = simulate(TENANT, MONTH, request.param, events=EVENTS)
    return result, _alerts(result, catalogue)


def test_the_simulator_covers_the_catalogue(catalogue: Catalogue) -> None:
    assert set(RULE_IDS) == set(catalogue.ids)


def test_every_rule_finds_all_its_truth_and_nothing_else(
    violated: tuple[SimulationResult, list[Alert]], catalogue: Catalogue
) -> None:
    result, alerts = violated
    scores = score(result, alerts)
    for rule_id in catalogue.ids:
        rule = scores.get(rule_id, RuleScore())
        assert rule.injected > 0, f"{rule_id}: the simulator injected nothing"
        assert rule.missed == [], f"{rule_id}: missed {rule.missed}"
        assert rule.detected == rule.injected
        assert rule.unmatched == [], f"{rule_id}: alerts matching no truth record: {rule.unmatched}"


@pytest.mark.parametrize("seed", SEEDS)
def test_a_clean_month_raises_nothing(seed: int, catalogue: Catalogue) -> None:
    result = simulate(TENANT, MONTH, seed, events=EVENTS, violations=False)
    assert result.truth == []
    alerts = _alerts(result, catalogue)
    by_rule = Counter(a.rule_id for a in alerts)
    assert alerts == [], f"clean month alerts: {dict(by_rule)}; first: " + "; ".join(
        f"{a.rule_id} {a.details.get('reason')} {a.event_ids[0]}" for a in alerts[:5]
    )
