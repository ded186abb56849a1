"""`kansa replay FILE.ndjson`: historical events through the live rules, alerts as NDJSON.

The catalogue, tenant overrides, reference provider and lateness come from the same settings as
`kansa detector run`, so the alert ids match the live path's.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, TextIO

import typer
import yaml
from pydantic import ValidationError

from kansa_detector.engine import ReferenceProvider, StaticReference
from kansa_detector.reference_files import FileReferenceProvider
from kansa_detector.replay import ReplayError, replay
from kansa_detector.settings import DetectorSettings
from kansa_schemas.reference.models import ReferenceBundle
from kansa_schemas.rule import CatalogueError, input_families, load_catalogue, load_tenant_overrides


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _tenant_lines(handle: TextIO, tenant: str | None) -> Iterator[str]:
    """Other tenants' lines become blank (skipped), so error line numbers stay those of the file."""
    for line in handle:
        if tenant is not None and line.strip():
            try:
                doc = json.loads(line)
            except ValueError:
                yield line  # replay reports it with its line number
                continue
            if isinstance(doc, dict) and doc.get("tenant") != tenant:
                yield ""
                continue
        yield line


def _static_reference(path: Path, tenant: str | None) -> StaticReference:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))  # JSON is YAML
        bundle = ReferenceBundle.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise _fail(f"{path}: invalid reference bundle: {exc}") from exc
    if tenant is not None and bundle.tenant != tenant:
        raise _fail(f"{path}: bundle is for tenant {bundle.tenant}, not {tenant}")
    return StaticReference([bundle])


def replay_command(
    path: Annotated[Path, typer.Argument(help="NDJSON events, one per line.", exists=True, dir_okay=False)],
    tenant: Annotated[str | None, typer.Option("--tenant", help="Only this tenant's events.")] = None,
    reference_dir: Annotated[
        Path | None, typer.Option("--reference-dir", help="<tenant>.json bundles (default: KANSA_REFERENCE_DIR).")
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option("--reference", help="One bundle file (JSON/YAML) instead of --reference-dir.", exists=True,
                     dir_okay=False),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Alerts NDJSON (default: stdout).")] = None,
    rules_dir: Annotated[Path | None, typer.Option("--rules-dir", help="Default: KANSA_RULES_DIR.")] = None,
    tenants_dir: Annotated[
        Path | None, typer.Option("--tenants-dir", help="Per-tenant overrides (default: KANSA_TENANTS_DIR).")
    ] = None,
    lateness: Annotated[
        float | None, typer.Option("--lateness", min=0, help="Seconds (default: KANSA_LATENESS_S).")
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Skip invalid lines instead of failing.")
    ] = False,
) -> None:
    """Run the rules over historical events; write the alerts (latest version of each id) and a summary."""
    settings = DetectorSettings()
    if reference is not None and reference_dir is not None:
        raise _fail("give --reference or --reference-dir, not both")
    try:
        catalogue = load_catalogue(rules_dir or settings.rules_dir,
                                   load_tenant_overrides(tenants_dir or settings.tenants_dir))
    except CatalogueError as exc:
        raise _fail(str(exc)) from exc
    provider: ReferenceProvider
    if reference is not None:
        provider = _static_reference(reference, tenant)
    else:
        # Files do not change during a replay: read each tenant's once.
        provider = FileReferenceProvider(reference_dir or settings.reference_dir, check_interval=float("inf"))
    late = dt.timedelta(seconds=settings.lateness_s if lateness is None else lateness)

    inputs: Counter[tuple[str, str]] = Counter()
    with path.open(encoding="utf-8") as handle:
        try:
            alerts = replay(_tenant_lines(handle, tenant), catalogue, provider, late, strict=not skip_invalid,
                            inputs=inputs)
        except ReplayError as exc:
            raise _fail(f"{path}: {exc}") from exc

    text = "".join(alert.model_dump_json() + "\n" for alert in alerts)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
    counts = Counter(alert.rule_id for alert in alerts)
    for rule_id in sorted(counts):
        typer.echo(f"{rule_id}  {counts[rule_id]}", err=True)
    for seen in sorted({t for t, _ in inputs} or ({tenant} if tenant else set())):
        for rule in catalogue.rules_for(seen):
            if rule.enabled and not inputs[(seen, rule.spec.id)]:
                typer.echo(f"{seen} {rule.spec.id}  not evaluable: source missing "
                           f"(no {', '.join(input_families(rule.spec))} events)", err=True)
    typer.echo(f"{len(alerts)} alert(s) from {path}" + (f" to {out}" if out else ""), err=True)
