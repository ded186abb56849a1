"""`kansa demo`: the stack, the three services, one simulated month through the HTTP API, alerts, the report."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from elasticsearch import Elasticsearch, helpers

from kansa_cli import stack
from kansa_cli.pipeline import PipelineConfig, Services, post_file, wait_until_settled
from kansa_cli.walkthrough import officer_walkthrough
from kansa_ingest.simulator.run import simulate, write
from kansa_reporter.es_queries import monthly_data
from kansa_reporter.period import Month
from kansa_reporter.profile import Attestations, TenantProfile, load_attestations, load_profile
from kansa_reporter.report.render import write_monthly
from kansa_schemas import indices


@dataclass
class RuleScore:
    injected: int = 0
    detected: int = 0
    alerts: int = 0
    unmatched_alerts: int = 0

    @property
    def recall(self) -> float:
        return self.detected / self.injected if self.injected else 1.0

    @property
    def precision(self) -> float:
        return (self.alerts - self.unmatched_alerts) / self.alerts if self.alerts else 1.0


@dataclass
class Score:
    rules: dict[str, RuleScore] = field(default_factory=dict)
    missed: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)


def score(truth: Iterable[dict[str, Any]], alerts: Iterable[dict[str, Any]]) -> Score:
    """An injected violation is detected when an alert of its rule cites one of its events (suppressed
    repeats are folded into one alert's event_ids, so membership is the right test)."""
    result = Score()
    alert_list = list(alerts)
    cited: dict[str, list[set[str]]] = {}
    for alert in alert_list:
        cited.setdefault(alert["rule_id"], []).append(set(alert["event_ids"]))
        result.rules.setdefault(alert["rule_id"], RuleScore()).alerts += 1
    truth_ids: dict[str, set[str]] = {}
    for record in truth:
        rule = result.rules.setdefault(record["rule_id"], RuleScore())
        rule.injected += 1
        truth_ids.setdefault(record["rule_id"], set()).update(record["event_ids"])
        if any(set(record["event_ids"]) & ids for ids in cited.get(record["rule_id"], [])):
            rule.detected += 1
        else:
            result.missed.append(record)
    for alert in alert_list:
        if not set(alert["event_ids"]) & truth_ids.get(alert["rule_id"], set()):
            result.rules[alert["rule_id"]].unmatched_alerts += 1
            result.unmatched.append(alert)
    return result


def read_ndjson(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def indexed_alerts(es: Elasticsearch, tenant: str) -> list[dict[str, Any]]:
    pattern = indices.alerts_pattern(tenant)
    es.indices.refresh(index=pattern, ignore_unavailable=True, allow_no_indices=True)
    return [hit["_source"] for hit in helpers.scan(es, index=pattern, query={"query": {"match_all": {}}},
                                                   ignore_unavailable=True)]


def indexed_event_count(es: Elasticsearch, tenant: str) -> int:
    pattern = indices.events_pattern(tenant)
    es.indices.refresh(index=pattern, ignore_unavailable=True, allow_no_indices=True)
    return int(es.count(index=pattern, ignore_unavailable=True, allow_no_indices=True)["count"])


def delete_indices(es: Elasticsearch, pattern: str) -> None:
    """Delete by concrete names: Elasticsearch 8 refuses wildcard deletes by default (destructive_requires_name)."""
    names = list(es.indices.get(index=pattern, ignore_unavailable=True, allow_no_indices=True))
    if names:
        es.indices.delete(index=",".join(names))


def delete_tenant_indices(es: Elasticsearch, tenant: str) -> None:
    """A demo run starts from empty indices."""
    for pattern in (indices.events_pattern(tenant), indices.alerts_pattern(tenant)):
        delete_indices(es, pattern)
    es.indices.delete(index=indices.triage_index(tenant), ignore_unavailable=True)


EXAMPLES = Path(__file__).resolve().parents[3] / "deploy" / "compose"


def _example_inputs(out: Path, tenant: str, month: str) -> tuple[TenantProfile | None, Attestations | None]:
    """The documented example profile (Yokohama, 141003) and attestations (2026-10), when the demo runs on them."""
    if tenant != "141003":
        return None, None
    (out / "tenants" / tenant).mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLES / "profile.example.yaml", out / "tenants" / tenant / "profile.yaml")
    profile = load_profile(out / "tenants", tenant)
    attestations = EXAMPLES / "attestations.example.yaml"
    return profile, load_attestations(attestations, month) if month == "2026-10" else None


def demo_command(
    out: Annotated[Path, typer.Option(help="Where the simulated month, logs and report go")] = Path("out/demo"),
    tenant: Annotated[str, typer.Option(help="Municipality code")] = "141003",
    month: Annotated[str, typer.Option(help="Month to simulate, YYYY-MM")] = "2026-10",
    seed: Annotated[int, typer.Option(help="Simulator seed")] = 7,
    events: Annotated[int, typer.Option(help="Events to simulate")] = 100_000,
) -> None:
    """Run the whole pipeline on one simulated month and write the report."""
    started = time.monotonic()
    endpoints = stack.up()
    if out.exists():
        shutil.rmtree(out)
    typer.echo(f"simulating {month} for {tenant} (seed {seed}, ~{events} events)")
    paths = write(simulate(tenant, month, seed, events=events), out / "sim")
    reference_dir = out / "reference"
    reference_dir.mkdir(parents=True)
    shutil.copy(paths["reference"], reference_dir / f"{tenant}.json")

    es = Elasticsearch(endpoints.elasticsearch_url, request_timeout=60)
    delete_tenant_indices(es, tenant)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    config = PipelineConfig(namespace=f"kansa-demo-{stamp}", bootstrap=endpoints.kafka_bootstrap,
                            elasticsearch_url=endpoints.elasticsearch_url, reference_dir=reference_dir,
                            tenant=tenant, token=f"demo-token-{tenant}", api_tokens_file=out / "api" / "tokens.yaml")
    services = Services(config, out / "logs")
    try:
        for name in ("ingest", "detector", "indexer"):
            services.start(name)
        services.wait_for_ingest()
        typer.echo(f"posting {paths['events']} to {config.ingest_url}/v1/events")
        posted = post_file(config, paths["events"])
        typer.echo(f"accepted {posted.accepted}, rejected {posted.rejected}; waiting for detector and indexer")
        wait_until_settled(services)
        typer.echo("a security officer searches, opens a resident's history and triages alerts")
        services.stop("detector")  # the month is evaluated; today's audit events must not move its clock on
        walk = officer_walkthrough(services, tenant)
    finally:
        services.stop_all()

    result = score(read_ndjson(paths["truth"]), indexed_alerts(es, tenant))
    profile, attestations = _example_inputs(out, tenant, month)
    # Generated now, so the report shows the officer's triage of a moment ago.
    generated_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    reports = write_monthly(monthly_data(es, tenant, Month.parse(month), as_of=generated_at), out / "report",
                            formats=("html", "pdf"), generated_at=generated_at, profile=profile,
                            attestations=attestations)
    typer.echo("")
    typer.echo(f"events indexed: {indexed_event_count(es, tenant)} (accepted {posted.accepted})")
    typer.echo(f"{'rule':<7}{'injected':>9}{'detected':>9}{'alerts':>8}{'recall':>8}{'precision':>10}")
    for rule_id in sorted(result.rules):
        r = result.rules[rule_id]
        typer.echo(f"{rule_id:<7}{r.injected:>9}{r.detected:>9}{r.alerts:>8}{r.recall:>8.2f}{r.precision:>10.2f}")
    typer.echo(f"officer: {walk.exports_found} exports found; a resident's history has {walk.history_rows} accesses, "
               f"{walk.history_without_case} without a matching case; {walk.acknowledged} critical alerts "
               f"acknowledged, {walk.resolved} resolved; the audit trail holds {walk.audit_events} of the officer's "
               f"actions")
    for report in reports:
        typer.echo(f"report: {report.resolve()}")
    typer.echo(f"logs:   {(out / 'logs').resolve()}   (Kafka and Elasticsearch keep running: kansa stack down)")
    typer.echo(f"web page: KANSA_TOKENS_FILE={(out / 'api' / 'tokens.yaml').resolve()} kansa api serve, then open "
               f"http://127.0.0.1:8090/ui/login with the officer token {walk.officer_token}")
    typer.echo(f"done in {time.monotonic() - started:.0f} s")
    es.close()
