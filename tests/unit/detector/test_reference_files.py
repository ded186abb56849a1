"""File reference provider: reload on change (injected clock), atomic swap, broken files keep the old bundle."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from kansa_detector.engine import Engine, InMemoryStore
from kansa_detector.reference_files import FileReferenceProvider
from kansa_schemas.rule import Catalogue
from tests.unit.detector.conftest import TENANT, ev


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def roster(status: str = "active", **extra: Any) -> dict[str, Any]:
    staff = {"staff_id": "s001", "org_unit": "ORG-A", "status": status, **extra}
    return {"tenant": TENANT, "valid_from": "2026-04-01T00:00:00+09:00", "staff": [staff]}


def write(path: Path, data: Any, bump: int) -> None:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    os.utime(path, ns=(bump * 10**9, bump * 10**9))  # distinct mtimes without sleeping


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_loads_json_and_yaml(tmp_path: Path, clock: Clock) -> None:
    write(tmp_path / f"{TENANT}.json", roster(), 1)
    (tmp_path / "141003.yaml").write_text(
        "tenant: '141003'\nvalid_from: 2026-04-01T00:00:00+09:00\nstaff: [{staff_id: y1, org_unit: O}]\n",
        encoding="utf-8")
    provider = FileReferenceProvider(tmp_path, clock=clock)
    json_bundle = provider.bundle(TENANT)
    yaml_bundle = provider.bundle("141003")
    assert json_bundle is not None and json_bundle.staff[0].staff_id == "s001"
    assert yaml_bundle is not None and yaml_bundle.staff[0].staff_id == "y1"
    assert provider.bundle("999999") is None
    assert provider.bundle("../etc") is None


def test_reload_waits_for_the_check_interval(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / f"{TENANT}.json"
    write(path, roster(), 1)
    provider = FileReferenceProvider(tmp_path, check_interval=5, clock=clock)
    first = provider.bundle(TENANT)
    write(path, roster("retired"), 2)
    clock.now += 4
    assert provider.bundle(TENANT) is first  # not checked yet
    clock.now += 1
    second = provider.bundle(TENANT)
    assert second is not None and second is not first
    assert second.staff[0].status == "retired"
    assert first is not None and second.version != first.version
    clock.now += 10
    assert provider.bundle(TENANT) is second  # unchanged file: the same object, no re-parse


def test_broken_file_keeps_the_previous_bundle(tmp_path: Path, clock: Clock,
                                               caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / f"{TENANT}.json"
    write(path, roster(), 1)
    provider = FileReferenceProvider(tmp_path, check_interval=1, clock=clock)
    good = provider.bundle(TENANT)
    write(path, '{"tenant": "271403", "staff": [', 2)
    clock.now += 1
    with caplog.at_level(logging.ERROR, logger="kansa_detector.reference_files"):
        assert provider.bundle(TENANT) is good
    assert good is not None and good.version in caplog.text
    assert str(path) in caplog.text and "rejected" in caplog.text
    assert TENANT in provider.errors
    write(path, roster("retired"), 3)
    clock.now += 1
    fixed = provider.bundle(TENANT)
    assert fixed is not None and fixed.staff[0].status == "retired"
    assert provider.errors == {}


def test_file_for_the_wrong_tenant_is_rejected(tmp_path: Path, clock: Clock) -> None:
    write(tmp_path / "141003.json", roster(), 1)
    provider = FileReferenceProvider(tmp_path, clock=clock)
    assert provider.bundle("141003") is None
    assert "holds tenant 271403" in provider.errors["141003"]


def test_retirement_in_the_roster_applies_to_the_next_event(tmp_path: Path, clock: Clock,
                                                            catalogue: Catalogue) -> None:
    path = tmp_path / f"{TENANT}.json"
    write(path, roster(), 1)
    provider = FileReferenceProvider(tmp_path, check_interval=5, clock=clock)
    engine = Engine(catalogue.only("DR-01"), provider, InMemoryStore(), lateness=dt.timedelta(0))
    assert engine.process(ev("mynumber.search", "10-01 09:00")) == []
    write(path, roster("retired", status_effective_at="2026-10-01T12:00:00+09:00"), 2)
    clock.now += 5
    alerts = engine.process(ev("mynumber.search", "10-01 13:00"))
    assert [(a.rule_id, a.severity.value, a.details["status_source"]) for a in alerts] == [
        ("DR-01", "critical", "roster")]
    new = provider.bundle(TENANT)
    assert new is not None and alerts[0].reference_version == new.version
