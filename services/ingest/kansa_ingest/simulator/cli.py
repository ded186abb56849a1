"""`kansa simulate` (mounted by kansa_cli.main)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kansa_ingest.simulator.run import simulate, write
from kansa_ingest.simulator.world import MAX_EVENTS, MIN_EVENTS, parse_month, validate_tenant


def simulate_command(
    tenant: Annotated[str, typer.Option(help="Municipality code (全国地方公共団体コード), e.g. 141003.")] = "141003",
    month: Annotated[str, typer.Option(help="Month to simulate, YYYY-MM.")] = "2026-10",
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 1,
    events: Annotated[int, typer.Option(help="Approximate number of events.")] = 100000,
    clean: Annotated[bool, typer.Option(help="No injected violations (look-alikes stay).")] = False,
    out: Annotated[Path, typer.Option(help="Output directory.")] = Path("out/sim"),
) -> None:
    """Simulate a month of events, reference data and ground truth for one municipality."""
    for name, check in (("--tenant", lambda: validate_tenant(tenant)), ("--month", lambda: parse_month(month))):
        try:
            check()
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint=name) from exc
    if not MIN_EVENTS <= events <= MAX_EVENTS:
        raise typer.BadParameter(f"must be between {MIN_EVENTS} and {MAX_EVENTS}", param_hint="--events")
    result = simulate(tenant, month, seed, events=events, violations=not clean)
    paths = write(result, out)
    rules = ", ".join(f"{rule} {info['violations']}" for rule, info in result.summary["rules"].items())
    typer.echo(f"{len(result.events)} events for {tenant} {result.month} (seed {seed}) in {paths['events']}")
    typer.echo(f"violations injected: {rules}" if not clean else "clean month: no violations injected")
    typer.echo(f"reference: {paths['reference']}  truth: {paths['truth']}  summary: {paths['summary']}")
