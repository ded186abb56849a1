"""`kansa rules lint | list | test | lock` on the project's rules and on broken temp copies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kansa_detector.rules_cli import app
from tests.unit.detector.conftest import RULES_DIR

runner = CliRunner()
DR32 = "export_media/dr32_export_without_approval"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(RULES_DIR, copy)
    return copy


def test_lint_passes_on_the_project_rules() -> None:
    result = runner.invoke(app, ["lint", "--rules-dir", str(RULES_DIR)])
    assert result.exit_code == 0, result.output
    assert "rule(s) OK" in result.stdout


def test_lint_names_file_field_and_reason(rules: Path) -> None:
    path = rules / f"{DR32}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("severity: critical", "severity: urgent"),
                    encoding="utf-8")
    result = runner.invoke(app, ["lint", "--rules-dir", str(rules)])
    assert result.exit_code == 1
    line = next(x for x in result.stdout.splitlines() if x.startswith(f"{DR32}.yaml"))
    file, field, reason = line.split(": ", 2)
    assert (file, field) == (f"{DR32}.yaml", "severity")
    assert "critical" in reason and "high" in reason
    assert "1 problem(s)" in result.stderr


def test_lint_reports_broken_yaml_and_missing_cases(rules: Path) -> None:
    (rules / f"{DR32}.yaml").write_text("id: DR-32\n  title: [", encoding="utf-8")
    (rules / "impersonation/dr07_concurrent_sessions.cases.yaml").unlink()
    result = runner.invoke(app, ["lint", "--rules-dir", str(rules)])
    assert result.exit_code == 1
    assert f"{DR32}.yaml: <file>: malformed YAML" in result.stdout
    assert "impersonation/dr07_concurrent_sessions.cases.yaml: <file>: missing" in result.stdout


def test_lint_checks_tenant_overrides(tmp_path: Path) -> None:
    (tmp_path / "271403").mkdir()
    (tmp_path / "271403" / "overrides.yaml").write_text("rules: {DR-24: {params: {florr: 3}}}\n", encoding="utf-8")
    result = runner.invoke(app, ["lint", "--rules-dir", str(RULES_DIR), "--tenants-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "rules.DR-24.params" in result.stdout and "florr" in result.stdout


def test_list_shows_rules_and_parameter_sources() -> None:
    result = runner.invoke(app, ["list", "--rules-dir", str(RULES_DIR)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "SEVERITY", "STATUS", "KIND", "ASSESSMENTS", "PARAMS"]
    dr24 = next(x for x in lines if x.startswith("DR-24"))
    assert dr24.split()[:4] == ["DR-24", "high", "experimental", "baseline"]
    assert "000 L456" in dr24
    assert any("floor=100 [product-default" in x for x in lines)
    assert any("approver_roles=supervisor,section_head [assessment 000 L341]" in x for x in lines)


def test_list_json() -> None:
    result = runner.invoke(app, ["list", "--json", "--rules-dir", str(RULES_DIR)])
    assert result.exit_code == 0
    rows = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert rows["DR-24"]["params"]["floor"] == {"default": 100, "source": "product-default", "ref": "A:DR-24"}


def test_list_refuses_a_broken_catalogue(rules: Path) -> None:
    (rules / f"{DR32}.yaml").write_text("id: DR-32\n", encoding="utf-8")
    result = runner.invoke(app, ["list", "--rules-dir", str(rules)])
    assert result.exit_code == 1
    assert "kansa rules lint" in result.stderr


def _table(stdout: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split()[1:] for line in stdout.splitlines()[1:]}


def test_test_passes_on_the_project_rules() -> None:
    result = runner.invoke(app, ["test", "--rules-dir", str(RULES_DIR)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split() == ["RULE", "CASES", "TP", "FP", "FN", "PRECISION", "RECALL"]
    table = _table(result.stdout)
    cases, tp, fp, fn, precision, recall, verdict = table["DR-32"]
    assert int(cases) > int(tp) > 0 and (fp, fn, precision, recall, verdict) == ("0", "0", "1.00", "1.00", "ok")
    assert table["TOTAL"][-2:] == ["1.00", "1.00"]


def _flip(rules: Path, old: str, new: str) -> None:
    """Flip the first case expecting `old` (and drop what only an alert can state)."""
    path = rules / f"{DR32}.cases.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    case = next(c for c in doc["cases"] if c["expect"] == old)
    for name in ("severity", "reason", "alerts", "count"):
        case.pop(name, None)
    case["expect"] = new
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def test_a_positive_case_flipped_is_a_false_positive(rules: Path) -> None:
    _flip(rules, "alert", "none")
    result = runner.invoke(app, ["test", "--rules-dir", str(rules), "--rule", "DR-32", "--rule", "DR-24"])
    assert result.exit_code == 1
    table = _table(result.stdout)
    assert table["DR-32"][2] == "1" and table["DR-32"][4] != "1.00" and table["DR-32"][-1] == "FAIL"
    assert table["DR-24"][-1] == "ok"
    assert "DR-32:" in result.stderr and "expected no alert" in result.stderr


def test_a_negative_case_flipped_is_a_false_negative(rules: Path) -> None:
    _flip(rules, "none", "alert")
    result = runner.invoke(app, ["test", "--rules-dir", str(rules), "--rule", "DR-32"])
    assert result.exit_code == 1
    table = _table(result.stdout)
    assert set(table) == {"DR-32", "TOTAL"}
    assert table["DR-32"][3] == "1" and table["DR-32"][5] != "1.00" and table["DR-32"][6] == "FAIL"
    assert "expected an alert, got none" in result.stderr


def test_test_rejects_an_unknown_rule() -> None:
    result = runner.invoke(app, ["test", "--rules-dir", str(RULES_DIR), "--rule", "DR-99"])
    assert result.exit_code == 2
    assert "DR-99" in result.stderr


def test_lock_writes_checks_and_requires_a_version_bump(rules: Path) -> None:
    lock = rules / "rules.lock.json"
    lock.unlink(missing_ok=True)
    result = runner.invoke(app, ["lock", "--rules-dir", str(rules), "--check"])
    assert result.exit_code == 1 and "DR-32: added" in result.stdout and "kansa rules lock" in result.stderr

    assert runner.invoke(app, ["lock", "--rules-dir", str(rules)]).exit_code == 0
    written = json.loads(lock.read_text())
    assert written["DR-32"]["version"] == 1 and len(written["DR-32"]["sha256"]) == 64
    assert runner.invoke(app, ["lock", "--rules-dir", str(rules), "--check"]).exit_code == 0

    rule = rules / f"{DR32}.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("lookback:", "lookback:  ", 1)
                    .replace("P30D", "P31D", 1), encoding="utf-8")
    result = runner.invoke(app, ["lock", "--rules-dir", str(rules)])
    assert result.exit_code == 1
    assert "DR-32: changed without a version bump" in result.stdout and "bump `version`" in result.stderr
    assert json.loads(lock.read_text()) == written

    rule.write_text(rule.read_text(encoding="utf-8").replace("version: 1", "version: 2", 1), encoding="utf-8")
    result = runner.invoke(app, ["lock", "--rules-dir", str(rules)])
    assert result.exit_code == 0, result.output
    assert "DR-32: changed" in result.stdout
    assert json.loads(lock.read_text())["DR-32"]["version"] == 2
