"""The `checklist` kind behind DR-43/44/45/48: what the rules' cases cannot pin down (stats, reference swaps, lint),
and the simulator's registries those rules read."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from kansa_detector.engine import Engine, InMemoryStore, StaticReference
from kansa_ingest.simulator.world import DESTINATIONS, MAIL_DESTINATION_UNIT, TRANSFER_SPECS, build_world
from kansa_schemas.reference.models import TransferChannel
from kansa_schemas.rule import Catalogue, lint
from tests.unit.detector.conftest import RULES_DIR, bundle, ev

DR43 = "mail_transfer/dr43_specific_pi_mailed_outside.yaml"
DR44 = "mail_transfer/dr44_transfer_mail_without_decision.yaml"
DR48 = "mail_transfer/dr48_transfer_outside_spec.yaml"
DESTINATION = {"destination_id": "DST-BOSHI", "name": "子ども育成課", "org_unit": "ORG-IKUSEI", "channels": ["mail"],
               "business_codes": ["KODOMO_IRYO"]}


def pi_mail(when: str, **fields: Any) -> Any:
    return ev("mail.sent", when, actor={"id": "s001", "org_unit": "ORG-A"}, business_code="KODOMO_IRYO",
              has_attachment=True, contains_specific_pi=True, password_protected=True, **fields)


def test_without_reference_the_registry_checks_are_not_evaluable_but_the_gateway_count_still_alerts(
    catalogue: Catalogue,
) -> None:
    engine = Engine(catalogue.only("DR-43", "DR-45"), StaticReference(), InMemoryStore(), lateness=dt.timedelta(0))
    alerts = engine.process(pi_mail("10-05 10:00", recipient_count=1, recipient_org_units=["ORG-X"],
                                    recipient_domains=["city.other.lg.jp"]))
    assert alerts == []
    assert engine.stats["not_evaluable"] == 2  # DR-43's domain list and DR-45's registry
    alerts = engine.process(pi_mail("10-05 10:05", recipient_count=1, external_recipient_count=1,
                                    recipient_domains=["gmail.com"]))
    assert [(a.rule_id, a.details["reason"]) for a in alerts] == [("DR-43", "external_recipient")]


def test_a_reference_swap_takes_effect_on_the_next_event(catalogue: Catalogue) -> None:
    """The evaluator caches the registries per bundle version, so a 移転先 removed from the registry counts at once."""
    reference = StaticReference([bundle(destinations=[DESTINATION])])
    engine = Engine(catalogue.only("DR-45"), reference, InMemoryStore(), lateness=dt.timedelta(0))
    assert engine.process(pi_mail("10-05 10:00", recipient_count=1, recipient_org_units=["ORG-IKUSEI"])) == []
    reference.set(bundle(destinations=[{**DESTINATION, "channels": ["paper"]}]))
    alerts = engine.process(pi_mail("10-05 11:00", recipient_count=1, recipient_org_units=["ORG-IKUSEI"]))
    assert [a.details["reason"] for a in alerts] == ["unregistered_recipient_department"]
    assert alerts[0].details["unregistered_recipient_department_outside"] == "ORG-IKUSEI"


def test_the_approver_check_reports_why(catalogue: Catalogue) -> None:
    reference = StaticReference([bundle(staff=[
        {"staff_id": "s001", "org_unit": "ORG-A", "supervisor_id": "s100", "section_head_id": "s200"},
    ])])
    engine = Engine(catalogue.only("DR-44"), reference, InMemoryStore(), lateness=dt.timedelta(0))
    approved = "2026-10-05T09:00:00+09:00"
    by_supervisor = engine.process(pi_mail("10-05 10:00", recipient_count=1, recipient_org_units=["ORG-IKUSEI"],
                                           approval_id="K-1", approver_id="s100", approved_at=approved))
    stranger = ev("mail.sent", "10-05 10:00", actor="s999", business_code="KODOMO_IRYO", has_attachment=True,
                  contains_specific_pi=True, recipient_count=1, recipient_org_units=["ORG-IKUSEI"],
                  approval_id="K-2", approver_id="s200", approved_at=approved)
    not_on_roster = engine.process(stranger)
    assert [a.details["approver_not_section_head_why"] for a in by_supervisor + not_on_roster] == [
        "not_authorised", "person_not_in_roster"]
    assert by_supervisor[0].details["approver_not_section_head_allowed"] == "s200"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


@pytest.mark.parametrize(
    ("rel", "old", "new", "field", "reason"),
    [
        (DR43, "{name: external_recipient, when:", "{name: external_recipient, field: recipient_domains, when:",
         "match.checks.0", "`when` stands alone"),
        (DR43, "within: internal_mail_domains}", "within: internal_domains}", "match.checks.1.within",
         "Input should be"),
        (DR43, "{name: domain_outside_network,", "{name: external_recipient,", "match", "check names must be unique"),
        (DR44, "approver_of: actor.id}", "approver_of: actor.idx}", "match.checks.4.approver_of",
         "unknown event field"),
        (DR44, "params:\n  approver_roles: {default: [section_head], source: assessment, ref: \"000 L360\"}\n", "",
         "params.approver_roles", "needs this parameter"),
        (DR48, "when: {spec_id|exists: false}", "when: {spec_ids|exists: false}", "match.checks.1.when.spec_ids|exists",
         "unknown event field"),
        (DR48, "field: items, within: spec_items}", "field: items}", "match.checks.3", "give `when`, or `field`"),
    ],
)
def test_lint_names_the_faulty_check(rules: Path, rel: str, old: str, new: str, field: str, reason: str) -> None:
    path = rules / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    errors = [e for e in lint(rules) if e.file == rel]
    assert len(errors) == 1, [str(e) for e in errors]
    assert errors[0].field == field
    assert reason in errors[0].reason


def test_the_simulated_registries_hang_together() -> None:
    """Every registered link names a spec that exists; the mail 移転先 is a department outside the simulated
    sections (so mail to it is a 移転); the bundle carries the registries and the internal domain."""
    specs = {s.spec_id for s in TRANSFER_SPECS}
    links = [d for d in DESTINATIONS if TransferChannel.SYSTEM_LINK in d.channels]
    assert links and all(d.spec_ids and set(d.spec_ids) <= specs for d in links)
    world = build_world("141003", 2026, 10, 7, 20_000)
    assert MAIL_DESTINATION_UNIT not in world.unit_by_id
    assert any(TransferChannel.MAIL in d.channels and d.org_unit == MAIL_DESTINATION_UNIT for d in DESTINATIONS)
    reference = world.reference_bundle()
    assert reference.internal_mail_domains == (world.mail_domain,)
    assert reference.destinations == DESTINATIONS and reference.transfer_specs == TRANSFER_SPECS
