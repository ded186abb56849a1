"""Per-tenant tuning: parameters and enabling, validated like the rule files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kansa_detector.engine import Engine, InMemoryStore, StaticReference
from kansa_schemas.alert import Alert
from kansa_schemas.events import Event
from kansa_schemas.rule import (
    BaselineParams,
    Catalogue,
    CatalogueError,
    apply_overrides,
    load_catalogue,
    load_tenant_overrides,
)
from tests.unit.detector.conftest import RULES_DIR, ev

OTHER = "141003"


def searches(count: int, tenant: str) -> list[Event]:
    base = dt.datetime(2026, 10, 5, 8, 30)
    return [
        ev("mynumber.search", (base + i * dt.timedelta(minutes=4)).strftime("%m-%d %H:%M"), tenant=tenant)
        for i in range(count)
    ]


def run(catalogue: Catalogue, events: list[Event]) -> list[Alert]:
    engine = Engine(catalogue, StaticReference(), InMemoryStore(), lateness=dt.timedelta(0))
    return [a for e in events for a in engine.process(e)] + engine.flush()


def test_param_override_applies_to_that_tenant_only(catalogue: Catalogue) -> None:
    tuned = apply_overrides(catalogue.only("DR-24"), {"271403": {"rules": {"DR-24": {"params": {"floor": 150}}}}})
    params = {r.spec.id: r.params for r in tuned.rules_for("271403")}["DR-24"]
    assert isinstance(params, BaselineParams) and params.floor == 150 and params.k == 3
    assert run(tuned, searches(120, "271403")) == []
    assert {a.tenant for a in run(tuned, searches(120, OTHER))} == {OTHER}


def test_a_tenant_can_disable_a_rule(catalogue: Catalogue) -> None:
    tuned = apply_overrides(catalogue.only("DR-24"), {OTHER: {"rules": {"DR-24": {"enabled": False}}}})
    assert run(tuned, searches(120, OTHER)) == []
    assert len(run(tuned, searches(120, "271403"))) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"rules": {"DR-99": {"enabled": True}}}, "rules.DR-99", "no such rule"),
        ({"rules": {"DR-24": {"params": {"flor": 150}}}}, "rules.DR-24.params", "unknown parameter(s) flor"),
        ({"rules": {"DR-24": {"params": {"floor": "many"}}}}, "rules.DR-24.params.floor", "valid integer"),
        ({"rules": {"DR-24": {"enabled": "perhaps"}}}, "rules.DR-24.enabled", "valid boolean"),
        ({"rule": {}}, "rule", "Extra inputs"),
    ],
)
def test_bad_overrides_are_refused(catalogue: Catalogue, overrides: dict[str, object], field: str,
                                   reason: str) -> None:
    with pytest.raises(CatalogueError) as raised:
        apply_overrides(catalogue, {OTHER: overrides})
    (error,) = raised.value.errors
    assert error.file == f"deploy/tenants/{OTHER}/overrides.yaml"
    assert error.field == field
    assert reason in error.reason


def test_overrides_from_the_tenant_folders(tmp_path: Path) -> None:
    (tmp_path / OTHER).mkdir()
    (tmp_path / OTHER / "overrides.yaml").write_text(
        "rules:\n  DR-24: {enabled: true, params: {floor: 150}}\n  DR-07: {enabled: false}\n", encoding="utf-8")
    (tmp_path / "271403").mkdir()  # a tenant without overrides
    overrides = load_tenant_overrides(tmp_path)
    assert set(overrides) == {OTHER}
    catalogue = load_catalogue(RULES_DIR, overrides)
    rules = {r.spec.id: r for r in catalogue.rules_for(OTHER)}
    assert rules["DR-07"].enabled is False
    assert isinstance(rules["DR-24"].params, BaselineParams) and rules["DR-24"].params.floor == 150
    defaults = {r.spec.id: r for r in catalogue.rules_for("271403")}
    assert defaults["DR-07"].enabled is True


def test_broken_overrides_file_names_itself(tmp_path: Path) -> None:
    (tmp_path / OTHER).mkdir()
    path = tmp_path / OTHER / "overrides.yaml"
    path.write_text("rules: {DR-24: {params: {floor: [}}", encoding="utf-8")
    with pytest.raises(CatalogueError) as raised:
        load_tenant_overrides(tmp_path)
    assert raised.value.errors[0].file == str(path)
    assert "malformed YAML" in raised.value.errors[0].reason
