"""DR-10 and the `mismatch` kind: what a broken chain reports, what is not evaluable, how checks are linted."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from kansa_detector.engine import Engine, InMemoryStore, StaticReference
from kansa_detector.replay import replay
from kansa_ingest.simulator import simulate
from kansa_schemas.rule import RULE_ADAPTER, Catalogue, semantic_errors
from tests.unit.detector.conftest import TENANT, ev

LATENESS = dt.timedelta(0)
TENANT_SIM = "141003"


def _engine(catalogue: Catalogue) -> Engine:
    return Engine(catalogue.only("DR-10"), StaticReference(), InMemoryStore(), lateness=LATENESS)


def test_the_alert_names_the_face_and_the_account(catalogue: Catalogue) -> None:
    engine = _engine(catalogue)
    login = ev("auth.login", "10-05 14:00", actor="s002", terminal_id="T1", session_id="S1", layer="os",
               factors=["face", "password"], matched_user_id="s001")
    alerts = engine.process(login) + engine.flush()
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.event_ids == (login.event_id,)
    assert alert.actor_id == "s002"
    assert alert.details["reason"] == "face_mismatch"
    assert alert.details["matched_user_id"] == "s001"
    assert alert.details["actor_id"] == "s002"  # no dotted keys in an alert's details


def test_unreported_identities_are_not_evaluable_rather_than_fine(catalogue: Catalogue) -> None:
    engine = _engine(catalogue)
    chain = [
        ev("auth.login", "10-05 08:40", actor="s001", session_id="S1", layer="biometric", factors=["face"],
           matched_user_id="s001"),
        ev("auth.login", "10-05 08:41", actor="s001", session_id="S1", layer="os", factors=["face", "password"]),
        ev("auth.login", "10-05 08:42", actor="s001", session_id="S1", layer="app", factors=["password"]),
    ]
    alerts = [a for e in chain for a in engine.process(e)] + engine.flush()
    assert alerts == []
    # The face was checked on its own stage; Windows did not say whose face it used, the application not its user.
    assert engine.rule_not_evaluable[(TENANT, "DR-10")] == 2


def test_a_login_without_the_face_is_not_asked_for_one(catalogue: Catalogue) -> None:
    engine = _engine(catalogue)
    card = ev("auth.login", "10-05 08:41", actor="s001", session_id="S1", layer="os", factors=["ic_card", "password"])
    assert engine.process(card) + engine.flush() == []
    assert engine.rule_not_evaluable[(TENANT, "DR-10")] == 0


def _rule(**match: Any) -> dict[str, Any]:
    return {
        "id": "DR-90", "version": 1, "title": {"ja": "試験", "en": "Test"}, "area": "impersonation",
        "severity": "high", "status": "experimental", "partition": "actor",
        "refs": {"assessments": ["000 L334"], "requirements": ["A:DR-10"]}, "kind": "mismatch",
        "match": {"event": {"action": "auth.login"}, **match}, "key": ["tenant", "actor.id"],
        "suppress": {"key": ["tenant", "actor.id"], "window": "PT1H"},
        "action": {"ja": "確認", "en": "Check"}, "falsepositives": ["None"],
    }


def test_lint_rejects_a_check_on_an_unknown_field() -> None:
    spec = RULE_ADAPTER.validate_python(_rule(checks=[{"name": "x", "field": "matched_user", "other": "actor.id"}]))
    assert ("match.checks.0.field", "unknown event field 'matched_user'") in semantic_errors(spec)


def test_lint_reads_a_check_condition_against_the_rule_event() -> None:
    spec = RULE_ADAPTER.validate_python(_rule(checks=[
        {"name": "x", "when": {"record_count": 5}, "field": "os_user_id", "other": "actor.id"},
    ]))
    errors = dict(semantic_errors(spec))
    assert "auth.login" in errors["match.checks.0.when.record_count"]


def test_the_simulated_handover_reports_every_stage_and_stays_quiet(catalogue: Catalogue) -> None:
    """The look-alike must exercise the checks (identities reported, two people on one terminal), not skip them."""
    result = simulate(TENANT_SIM, "2026-10", 7, events=20_000, violations=False)
    reported = [e for e in result.events if e["action"] == "auth.login" and e.get("layer") == "os"
                and e.get("matched_user_id") and e.get("outcome", "success") == "success"]
    by_terminal_day: dict[tuple[str, str], set[str]] = {}
    for e in reported:
        assert e["matched_user_id"] == e["actor"]["id"]
        by_terminal_day.setdefault((e["terminal_id"], e["occurred_at"][:10]), set()).add(e["actor"]["id"])
    assert any(len(people) >= 2 for people in by_terminal_day.values())
    refused = [e for e in result.events if e["action"] == "auth.login" and e.get("outcome") == "denied"
               and e.get("matched_user_id") not in (None, e["actor"]["id"])]
    assert refused
    lines = [json.dumps(e, ensure_ascii=False) for e in result.events]
    assert replay(lines, catalogue.only("DR-10"), StaticReference([result.reference]), LATENESS) == []
