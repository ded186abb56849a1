"""`kansa rules lint | list | test | lock` (style.md §3.3): the rule catalogue as data, checked from the shell."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError

from kansa_detector.engine.cases import run_case
from kansa_detector.settings import DetectorSettings
from kansa_schemas.rule import (
    Catalogue,
    CatalogueError,
    LintError,
    RuleCases,
    RuleSpec,
    cases_path,
    lint,
    load_cases,
    load_catalogue,
    load_tenant_overrides,
    rule_files,
)

app = typer.Typer(help="Lint, list, test and lock the rule catalogue.", no_args_is_help=True)

LOCK_NAME = "rules.lock.json"

RulesDir = Annotated[
    Path | None,
    typer.Option("--rules-dir", help="Rule directory (default: KANSA_RULES_DIR or services/detector/rules)."),
]


def _rules_dir(value: Path | None) -> Path:
    return value if value is not None else DetectorSettings().rules_dir


def _load(rules_dir: Path) -> Catalogue:
    try:
        return load_catalogue(rules_dir)
    except CatalogueError as exc:
        for error in exc.errors:
            typer.echo(str(error), err=True)
        typer.echo(f"{len(exc.errors)} problem(s); run `kansa rules lint`", err=True)
        raise typer.Exit(1) from exc


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(rows: Sequence[Sequence[str]]) -> None:
    """Left-aligned columns; wide (Japanese) characters count double."""
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)).rstrip())


# --------------------------------------------------------------------------- lint


def case_errors(rules_dir: Path) -> list[LintError]:
    """Each rule's `.cases.yaml` must exist and parse (the engine is not run here)."""
    errors: list[LintError] = []
    for path in rule_files(rules_dir):
        cases = cases_path(path)
        rel = cases.relative_to(rules_dir).as_posix()
        if not cases.is_file():
            errors.append(LintError(rel, "", "missing: every rule needs positive and negative cases"))
            continue
        try:
            parsed = load_cases(cases)
        except yaml.YAMLError as exc:
            errors.append(LintError(rel, "", f"malformed YAML: {exc}"))
            continue
        except ValidationError as exc:
            for err in exc.errors():
                errors.append(LintError(rel, ".".join(str(p) for p in err["loc"]), err["msg"]))
            continue
        expects = {c.expect for c in parsed.cases}
        for expect in ("alert", "none"):
            if expect not in expects:
                errors.append(LintError(rel, "cases", f"no case with expect: {expect}"))
    return errors


@app.command("lint")
def lint_command(
    rules_dir: RulesDir = None,
    tenants_dir: Annotated[
        Path | None, typer.Option("--tenants-dir", help="Also check deploy/tenants/<code>/overrides.yaml here.")
    ] = None,
) -> None:
    """Validate every rule file (and its cases); print `file: field: reason` per problem, exit 1 if any."""
    directory = _rules_dir(rules_dir)
    errors = lint(directory)
    if directory.is_dir():
        errors += case_errors(directory)
    if not errors and tenants_dir is not None:
        try:
            load_catalogue(directory, load_tenant_overrides(tenants_dir))
        except CatalogueError as exc:
            errors = exc.errors
    for error in errors:
        typer.echo(str(error))
    if errors:
        typer.echo(f"{len(errors)} problem(s) in {directory}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{len(rule_files(directory))} rule(s) OK in {directory}")


# --------------------------------------------------------------------------- list


def _param_text(spec: RuleSpec) -> list[str]:
    lines = []
    for name, param in spec.params.items():
        default = param.default if not isinstance(param.default, list | tuple) else ",".join(map(str, param.default))
        source = param.source.value + (f" {param.ref}" if param.ref else "")
        lines.append(f"{name}={default} [{source}]")
    return lines


@app.command("list")
def list_command(
    rules_dir: RulesDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per rule instead of a table.")] = False,
) -> None:
    """Print id, severity, status, kind, assessment references and parameters (default and source)."""
    catalogue = _load(_rules_dir(rules_dir))
    if as_json:
        for entry in catalogue:
            spec = entry.spec
            typer.echo(json.dumps({
                "id": spec.id, "version": spec.version, "severity": spec.severity.value,
                "status": spec.status.value, "kind": spec.kind, "area": spec.area.value,
                "assessments": list(spec.refs.assessments), "requirements": list(spec.refs.requirements),
                "params": {n: p.model_dump(mode="json") for n, p in spec.params.items()}, "path": entry.path,
            }, ensure_ascii=False))
        return
    rows = [("ID", "SEVERITY", "STATUS", "KIND", "ASSESSMENTS", "PARAMS")]
    for entry in catalogue:
        spec = entry.spec
        params = _param_text(spec) or ["-"]
        rows.append((spec.id, spec.severity.value, spec.status.value, spec.kind,
                     "; ".join(spec.refs.assessments), params[0]))
        rows.extend(("", "", "", "", "", extra) for extra in params[1:])
    _table(rows)


# --------------------------------------------------------------------------- test


@dataclass
class RuleScore:
    rule_id: str
    cases: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    failures: list[str] = field(default_factory=list)
    """`case name: reason` for every case whose check failed, including a wrong count or severity."""

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def ok(self) -> bool:
        return not self.failures and self.precision == 1.0 and self.recall == 1.0


def score_rules(rules_dir: Path, catalogue: Catalogue, only: set[str] | None = None) -> list[RuleScore]:
    """Run every case through the pure engine (the tests/rules path) and count TP/FP/FN per rule."""
    scores: list[RuleScore] = []
    for path in rule_files(rules_dir):
        rel = path.relative_to(rules_dir).as_posix()
        rule_id = next((e.spec.id for e in catalogue if e.path == rel), rel)
        if only and rule_id not in only:
            continue
        score = RuleScore(rule_id)
        scores.append(score)
        try:
            cases: RuleCases = load_cases(cases_path(path))
        except ValidationError as exc:
            score.failures.extend(f"{cases_path(path).name}: {'.'.join(map(str, e['loc']))}: {e['msg']}"
                                  for e in exc.errors())
            continue
        except (OSError, yaml.YAMLError) as exc:
            score.failures.append(f"{cases_path(path).name}: {exc}")
            continue
        for case in cases.cases:
            score.cases += 1
            try:
                result = run_case(catalogue, cases, case)
            except Exception as exc:  # a case that crashes the engine or builder is a failed case
                score.failures.append(f"{case.name}: error: {type(exc).__name__}: {' '.join(str(exc).split())}")
                continue
            alerted = bool(result.alerts)
            if case.expect == "alert":
                score.tp += alerted
                score.fn += not alerted
            else:
                score.fp += alerted
            score.failures.extend(f"{case.name}: {failure}" for failure in result.failures)
    return sorted(scores, key=lambda s: s.rule_id)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


@app.command("test")
def test_command(
    rules_dir: RulesDir = None,
    rule: Annotated[list[str] | None, typer.Option("--rule", help="Only this rule id (repeatable).")] = None,
) -> None:
    """Run each rule's cases; print TP/FP/FN, precision and recall; exit 1 below 1.0 or on any failed case."""
    directory = _rules_dir(rules_dir)
    catalogue = _load(directory)
    unknown = sorted(set(rule or ()) - set(catalogue.ids))
    if unknown:
        typer.echo(f"not in the catalogue: {', '.join(unknown)}", err=True)
        raise typer.Exit(2)
    scores = score_rules(directory, catalogue, set(rule or ()))
    header = ("RULE", "CASES", "TP", "FP", "FN", "PRECISION", "RECALL", "")
    rows = [header]
    for s in scores:
        rows.append((s.rule_id, str(s.cases), str(s.tp), str(s.fp), str(s.fn), _ratio(s.precision),
                     _ratio(s.recall), "ok" if s.ok else "FAIL"))
    total = RuleScore("TOTAL", sum(s.cases for s in scores), sum(s.tp for s in scores),
                      sum(s.fp for s in scores), sum(s.fn for s in scores))
    rows.append((total.rule_id, str(total.cases), str(total.tp), str(total.fp), str(total.fn),
                 _ratio(total.precision), _ratio(total.recall), ""))
    _table(rows)
    failed = [s for s in scores if not s.ok]
    for s in failed:
        for failure in s.failures or ["precision or recall below 1.0"]:
            typer.echo(f"{s.rule_id}: {failure}", err=True)
    if failed:
        typer.echo(f"{len(failed)} of {len(scores)} rule(s) failed", err=True)
        raise typer.Exit(1)


# --------------------------------------------------------------------------- lock


def lock_entries(catalogue: Catalogue) -> dict[str, dict[str, Any]]:
    """id -> {version, sha256}; the hash is the one alerts and ResolvedRule carry (canonical JSON)."""
    return {e.spec.id: {"version": e.spec.version, "sha256": e.sha256} for e in catalogue}


def read_lock(path: Path) -> dict[str, dict[str, Any]]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return data


@dataclass(frozen=True)
class LockDiff:
    added: list[str]
    removed: list[str]
    bumped: list[str]
    """Content changed and version raised: fine, the lock just needs regenerating."""
    unbumped: list[str]
    """Content changed without a higher version: the rule must bump `version` first."""

    @property
    def clean(self) -> bool:
        return not (self.added or self.removed or self.bumped or self.unbumped)


def diff_lock(current: dict[str, dict[str, Any]], locked: dict[str, dict[str, Any]]) -> LockDiff:
    bumped: list[str] = []
    unbumped: list[str] = []
    for rule_id in sorted(set(current) & set(locked)):
        now, then = current[rule_id], locked[rule_id]
        if now["sha256"] == then["sha256"]:
            continue
        (bumped if now["version"] > int(then.get("version", 0)) else unbumped).append(rule_id)
    return LockDiff(sorted(set(current) - set(locked)), sorted(set(locked) - set(current)), bumped, unbumped)


def write_lock(path: Path, entries: dict[str, dict[str, Any]]) -> None:
    path.write_text(json.dumps(dict(sorted(entries.items())), indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")


@app.command("lock")
def lock_command(
    rules_dir: RulesDir = None,
    lock_file: Annotated[Path | None, typer.Option("--lock-file", help=f"Default: <rules-dir>/{LOCK_NAME}.")] = None,
    check: Annotated[bool, typer.Option("--check", help="Only compare; exit 1 if the lock is stale.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Lock changed rules even without a version bump.")] = False,
) -> None:
    """Write id -> {version, sha256} of every rule; a rule whose content changed must bump `version` first."""
    directory = _rules_dir(rules_dir)
    path = lock_file if lock_file is not None else directory / LOCK_NAME
    current = lock_entries(_load(directory))
    diff = diff_lock(current, read_lock(path))
    for label, ids in (("added", diff.added), ("removed", diff.removed), ("changed", diff.bumped),
                       ("changed without a version bump", diff.unbumped)):
        for rule_id in ids:
            typer.echo(f"{rule_id}: {label}")
    if check:
        if not diff.clean:
            typer.echo(f"{path} is stale; run `kansa rules lock`", err=True)
            raise typer.Exit(1)
        typer.echo(f"{path} is up to date ({len(current)} rule(s))")
        return
    if diff.unbumped and not force:
        typer.echo(f"bump `version` in {', '.join(diff.unbumped)} (or pass --force); {path} not written", err=True)
        raise typer.Exit(1)
    write_lock(path, current)
    typer.echo(f"wrote {path} ({len(current)} rule(s))")
