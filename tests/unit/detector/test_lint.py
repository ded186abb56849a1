"""Lint names the file, the field path and the reason; a catalogue with any error refuses to load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kansa_schemas.rule import CatalogueError, LintError, lint, load_catalogue
from tests.unit.detector.conftest import RULES_DIR

DR32 = "export_media/dr32_export_without_approval.yaml"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def edit(rules: Path, rel: str, old: str, new: str) -> None:
    path = rules / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def only_error(rules: Path) -> LintError:
    errors = lint(rules)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def test_copied_catalogue_is_clean(rules: Path) -> None:
    assert lint(rules) == []


@pytest.mark.parametrize(
    ("old", "new", "field", "reason"),
    [
        ("severity: critical", "severity: urgent", "severity", "Input should be"),
        ("version: 1", "version: one", "version", "valid integer"),
        ("status: experimental", "status: experimental\nowner: me", "owner", "unknown field"),
        ("kind: absence", "kind: sometimes", "kind", "unknown or missing kind"),
        ("trigger: {action: export.executed,", "trigger: {action: export.execute,", "match.trigger.action",
         "unknown action 'export.execute'"),
        ("outcome: success}\n  expected", "outcom: success}\n  expected", "match.trigger.outcom",
         "unknown event field"),
        ("expected: {action: export.approved,", "expected: {action: export.approved, device_id: X,",
         "match.expected.device_id", "no event with action"),
        ("key: [tenant, request_id]", "key: [tenant, actor.id]", "key", "must key on request_id"),
        ("default: P30D", "default: thirty days", "params.lookback", "duration"),
        ("  lookback:", "  window: {default: 3, source: product-default}\n  lookback:", "params.window",
         "unknown parameter for kind absence"),
        ("source: product-default, ref: \"A:DR-32\"", "source: assessment", "params.lookback",
         "must name its `ref`"),
        ('assessments: ["000 L341",', 'assessments: ["Sakai 341",', "refs.assessments.0", "should match pattern"),
        ("window: P1D", "window: PT0S", "suppress.window", "must be positive"),
        ("area: export_media", "area: lifecycle", "area", "the file is in 'export_media'/"),
        ("cancel: {action: export.rejected}", "cancel: {action: auth.logout}", "match.cancel.action",
         "request partition"),
        ("  trigger:", "  filter_bad: {actor.type: system}\n  trigger:", "match.filters.filter_bad",
         "should match pattern"),
    ],
)
def test_error_names_file_field_and_reason(rules: Path, old: str, new: str, field: str, reason: str) -> None:
    edit(rules, DR32, old, new)
    error = only_error(rules)
    assert error.file == DR32
    assert error.field == field
    assert reason in error.reason
    assert str(error).startswith(f"{DR32}: {field}: ")


def test_malformed_yaml(rules: Path) -> None:
    edit(rules, DR32, "severity: critical", "severity: [critical")
    error = only_error(rules)
    assert (error.file, error.field) == (DR32, "")
    assert "malformed YAML" in error.reason and "line" in error.reason


def test_duplicate_key_is_not_silently_dropped(rules: Path) -> None:
    edit(rules, DR32, "severity: critical", "severity: critical\nseverity: low")
    error = only_error(rules)
    assert "duplicate key 'severity'" in error.reason


def test_file_name_must_match_id(rules: Path) -> None:
    (rules / DR32).rename(rules / "export_media/dr31_export_without_approval.yaml")
    (rules / "export_media/dr32_export_without_approval.cases.yaml").unlink()
    error = only_error(rules)
    assert error.file == "export_media/dr31_export_without_approval.yaml"
    assert error.field == "id"
    assert "dr32_<slug>.yaml" in error.reason


def test_same_id_twice(rules: Path) -> None:
    shutil.copy(rules / DR32, rules / "export_media/dr32_copy.yaml")
    error = only_error(rules)
    assert (error.file, error.field) == ("export_media/dr32_export_without_approval.yaml", "id")
    assert "also defined in export_media/dr32_copy.yaml" in error.reason


def test_baseline_measure_needs_its_limit_parameter(rules: Path) -> None:
    rel = "mynumber_use/dr24_bulk_mynumber_lookup.yaml"
    edit(rules, rel, "limit: hourly_limit", "limit: per_hour")
    errors = {(e.field, e.reason) for e in lint(rules)}
    assert ("match.measures.2.limit", "no parameter named 'per_hour'") in errors
    assert ("params.hourly_limit", "not used by any measure") in errors


DR34 = "export_media/dr34_executor_not_applicant.yaml"
DR36 = "export_media/dr36_export_deviates_from_approval.yaml"


def test_sequence_check_relation_must_be_a_relation_or_parameter(rules: Path) -> None:
    edit(rules, DR34, "expect: executor_relation}", "expect: executor_relations}")
    errors = {(e.field, e.reason) for e in lint(rules)}
    assert ("match.checks.0.expect", "neither a relation (equal, different, at_most, absent) nor a parameter") in errors
    assert ("params.executor_relation", "not used by any check") in errors


def test_sequence_relation_parameter_takes_equal_or_different(rules: Path) -> None:
    edit(rules, DR34, "executor_relation: {default: equal,", "executor_relation: {default: sideways,")
    error = only_error(rules)
    assert (error.file, error.field) == (DR34, "params")
    assert "must be one of equal, different" in error.reason


def test_sequence_check_names_a_known_earlier_event(rules: Path) -> None:
    edit(rules, DR36, "given: [approved]", "given: [aproved]")
    error = only_error(rules)
    assert (error.file, error.field) == (DR36, "match")
    assert "no earlier event named 'aproved'" in error.reason


def test_sequence_fields_are_checked(rules: Path) -> None:
    edit(rules, DR36, "field: file_hash, other: file_hash", "field: file_hsh, other: file_hash")
    error = only_error(rules)
    assert (error.file, error.field, error.reason) == (DR36, "match.checks.0.field", "unknown event field 'file_hsh'")


def test_reference_list_join_names_a_known_list(rules: Path) -> None:
    rel = "export_media/dr35_non_designated_applicant.yaml"
    edit(rules, rel, "list: export_applicants", "list: applicants")
    error = only_error(rules)
    assert (error.file, error.field) == (rel, "match.join.reference_list.list")


def test_loading_refuses_any_error(rules: Path) -> None:
    edit(rules, DR32, "severity: critical", "severity: urgent")
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(rules)
    assert [(e.file, e.field) for e in raised.value.errors] == [(DR32, "severity")]
    assert DR32 in str(raised.value)


def test_empty_or_missing_directory(tmp_path: Path) -> None:
    assert [e.reason for e in lint(tmp_path)] == ["no rule files found"]
    assert [e.reason for e in lint(tmp_path / "nope")] == ["rule directory does not exist"]


CX01 = "composite/cx01_bulk_lookup_then_export.yaml"


def test_composite_must_build_on_a_rule_of_the_catalogue(rules: Path) -> None:
    edit(rules, CX01, "first_rule: DR-24", "first_rule: DR-99")
    error = only_error(rules)
    assert (error.file, error.field) == (CX01, "match.first_rule")
    assert "DR-99 is not in the catalogue" in error.reason


def test_composite_cannot_see_alerts_of_another_partition(rules: Path) -> None:
    edit(rules, CX01, "first_rule: DR-24", "first_rule: DR-32")
    error = only_error(rules)
    assert error.field == "match.first_rule" and "request partition" in error.reason


def test_composite_needs_exactly_one_then(rules: Path) -> None:
    edit(rules, CX01, "  then: {action: export.executed, outcome: success}", "  then_rule: DR-01\n"
         "  then: {action: export.executed, outcome: success}")
    error = only_error(rules)
    assert error.file == CX01 and "exactly one of then_rule" in error.reason
