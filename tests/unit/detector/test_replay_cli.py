"""`kansa replay`: same alerts (same ids) as the engine path, reference from a dir or a file, tenant filter."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from kansa_detector.engine import StaticReference
from kansa_detector.engine.cases import build_event
from kansa_detector.replay import replay
from kansa_detector.replay_cli import replay_command
from kansa_schemas.reference.models import ReferenceBundle
from kansa_schemas.rule import load_catalogue
from tests.unit.detector.conftest import RULES_DIR, at, ev

runner = CliRunner()
app = typer.Typer()
app.command()(replay_command)
OTHER = "011002"
ROSTER = {"tenant": "271403", "valid_from": "2026-04-01T00:00:00+09:00",
          "staff": [{"staff_id": "s002", "org_unit": "ORG-A", "status": "retired",
                     "status_effective_at": "2026-09-30T17:15:00+09:00"}],
          "org_units": [{"org_unit": "ORG-A", "name": "A", "business_codes": ["KOKUHO"]}]}


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """DR-01 and DR-32 only, so rules added later cannot change the counts here."""
    copy = tmp_path / "rules"
    for stem in ("lifecycle/dr01_access_after_departure", "export_media/dr32_export_without_approval"):
        (copy / stem).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(RULES_DIR / f"{stem}.yaml", copy / f"{stem}.yaml")
    return copy


@pytest.fixture
def events(tmp_path: Path) -> Path:
    lines = [
        ev("export.executed", "10-05 10:00", request_id="R1").model_dump_json(),
        "",
        ev("export.executed", "10-05 10:30", request_id="R1").model_dump_json(),
        ev("export.executed", "10-05 10:40", request_id="R2").model_dump_json(),
        ev("auth.login", "10-06 08:45", actor="s002", terminal_id="T1").model_dump_json(),
        build_event({"action": "export.executed", "at": at("10-05 11:00"), "request_id": "R9", "id": "o1"},
                    n=0, tenant=OTHER).model_dump_json(),
    ]
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--rules-dir", str(tmp_path / "rules"), "--tenants-dir", str(tmp_path / "none"),
                                 "--lateness", "3600"])
    return result.exit_code, result.stdout, result.stderr


def _ids(ndjson: str) -> list[str]:
    return [json.loads(line)["alert_id"] for line in ndjson.splitlines() if line]


def test_same_alert_ids_as_the_engine(tmp_path: Path, rules: Path, events: Path) -> None:
    ref_dir = tmp_path / "ref"
    ref_dir.mkdir()
    (ref_dir / "271403.json").write_text(json.dumps(ROSTER), encoding="utf-8")
    code, out, err = _run(tmp_path, str(events), "--reference-dir", str(ref_dir))
    assert code == 0, err
    expected = replay(events.read_text().splitlines(), load_catalogue(rules),
                      StaticReference([ReferenceBundle.model_validate(ROSTER)]), dt.timedelta(hours=1))
    assert _ids(out) == [a.alert_id for a in expected]
    rule_ids = [json.loads(line)["rule_id"] for line in out.splitlines()]
    assert rule_ids.count("DR-32") == 3 and "DR-01" in rule_ids  # R1, R2, the other tenant's R9; the retiree
    assert "DR-01  1" in err and "DR-32  3" in err and f"{len(expected)} alert(s)" in err


def test_reference_file_tenant_filter_and_out(tmp_path: Path, rules: Path, events: Path) -> None:
    ref = tmp_path / "roster.json"
    ref.write_text(json.dumps(ROSTER), encoding="utf-8")
    out_file = tmp_path / "alerts.ndjson"
    code, out, err = _run(tmp_path, str(events), "--reference", str(ref), "--tenant", "271403",
                          "--out", str(out_file))
    assert code == 0, err
    assert out == ""
    alerts = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert {a["tenant"] for a in alerts} == {"271403"}
    assert sorted(a["rule_id"] for a in alerts) == ["DR-01", "DR-32", "DR-32"]
    assert "3 alert(s)" in err and str(out_file) in err


def test_without_reference_the_retiree_is_not_known(tmp_path: Path, rules: Path, events: Path) -> None:
    code, out, _ = _run(tmp_path, str(events), "--reference-dir", str(tmp_path))
    assert code == 0
    assert "DR-01" not in {json.loads(line)["rule_id"] for line in out.splitlines()}


def test_reference_for_another_tenant_is_refused(tmp_path: Path, rules: Path, events: Path) -> None:
    ref = tmp_path / "roster.json"
    ref.write_text(json.dumps(ROSTER), encoding="utf-8")
    code, _, err = _run(tmp_path, str(events), "--reference", str(ref), "--tenant", OTHER)
    assert code == 1
    assert "not 011002" in err


def test_an_invalid_line_fails_with_its_number(tmp_path: Path, rules: Path, events: Path) -> None:
    events.write_text(events.read_text() + '{"action": "export.executed"}\n', encoding="utf-8")
    code, out, err = _run(tmp_path, str(events), "--reference-dir", str(tmp_path))
    assert code == 1
    assert "line 7" in err and out == ""
    code, out, _ = _run(tmp_path, str(events), "--reference-dir", str(tmp_path), "--skip-invalid")
    assert code == 0 and len(_ids(out)) == 3


def test_a_rule_with_no_input_events_is_reported_not_evaluable(tmp_path: Path, rules: Path) -> None:
    only_logins = tmp_path / "logins.ndjson"
    only_logins.write_text(ev("auth.login", "10-06 08:45", actor="s001", terminal_id="T1").model_dump_json() + "\n",
                           encoding="utf-8")
    code, _, err = _run(tmp_path, str(only_logins), "--reference-dir", str(tmp_path))
    assert code == 0, err
    assert "DR-32  not evaluable: source missing (no export_media events)" in err
    assert "DR-01  not evaluable" not in err  # DR-01 examines every event, and there was one
