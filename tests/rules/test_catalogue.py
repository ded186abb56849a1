"""The catalogue gate (style.md §3.3): every rule file, its cases, and the pure engine, one test per rule/case."""

from __future__ import annotations

from pathlib import Path

import pytest

from kansa_detector.engine.cases import run_case
from kansa_schemas.rule import (
    RULE_ADAPTER,
    Catalogue,
    RuleCases,
    cases_path,
    lint,
    load_cases,
    load_catalogue,
    read_yaml,
    rule_files,
)

RULES_DIR = Path(__file__).resolve().parents[2] / "services" / "detector" / "rules"
RULE_PATHS = {path.stem.split("_", 1)[0]: path for path in rule_files(RULES_DIR)}


def _case_params() -> list[object]:
    params: list[object] = []
    for stem, path in RULE_PATHS.items():
        cases = load_cases(cases_path(path))
        params.extend(pytest.param(path, case.name, id=f"{stem}:{case.name}") for case in cases.cases)
    return params


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(RULES_DIR)


def test_the_first_wave_rules_are_all_there() -> None:
    assert set(RULE_PATHS) >= {"dr01", "dr07", "dr24", "dr32", "dr33"}


def test_the_whole_directory_lints_clean() -> None:
    assert [str(e) for e in lint(RULES_DIR)] == []


@pytest.mark.parametrize("path", RULE_PATHS.values(), ids=RULE_PATHS.keys())
def test_rule_schema_and_file_name(path: Path) -> None:
    errors = [e for e in lint(RULES_DIR) if e.file == path.relative_to(RULES_DIR).as_posix()]
    assert errors == []
    spec = RULE_ADAPTER.validate_python(read_yaml(path))
    assert path.name.startswith(spec.id.lower().replace("-", "") + "_")
    assert path.parent.name == spec.area.value
    assert spec.refs.assessments and spec.refs.requirements
    for name, param in spec.params.items():
        assert param.source.value in ("assessment", "product-default"), name


@pytest.mark.parametrize("path", RULE_PATHS.values(), ids=RULE_PATHS.keys())
def test_rule_has_positive_and_negative_cases(path: Path) -> None:
    spec = RULE_ADAPTER.validate_python(read_yaml(path))
    cases: RuleCases = load_cases(cases_path(path))
    assert cases.rule == spec.id
    expectations = [c.expect for c in cases.cases]
    assert "alert" in expectations
    assert "none" in expectations
    assert len({c.name for c in cases.cases}) == len(cases.cases), "case names must be unique"


@pytest.mark.parametrize(("path", "name"), _case_params())
def test_case_through_the_engine(catalogue: Catalogue, path: Path, name: str) -> None:
    cases = load_cases(cases_path(path))
    case = next(c for c in cases.cases if c.name == name)
    result = run_case(catalogue, cases, case)
    assert result.failures == []
    assert all(a.rule_id == cases.rule for a in result.alerts)
