"""`kansa report ...`: the lead mounts `app` under the top-level CLI."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, cast

import typer
from elasticsearch import ApiError, Elasticsearch, TransportError

from kansa_reporter.annual import annual_data
from kansa_reporter.archive import record_report, sha256_of
from kansa_reporter.es_queries import monthly_data
from kansa_reporter.period import Month
from kansa_reporter.profile import InputError, load_attestations, load_profile
from kansa_reporter.report.render import FORMATS, Format, write_annual, write_monthly
from kansa_reporter.report.rules import reported_rules
from kansa_reporter.settings import Settings
from kansa_schemas.indices import JST
from kansa_schemas.rule import CatalogueError, load_catalogue, load_tenant_overrides

app = typer.Typer(help="Self-inspection reports from Elasticsearch.", no_args_is_help=True)


class LangOption(StrEnum):
    JA = "ja"
    EN = "en"


@app.callback()
def _group() -> None:
    """Self-inspection reports from Elasticsearch."""


def _tenant(value: str) -> str:
    if not re.fullmatch(r"\d{6}", value):
        raise typer.BadParameter("tenant must be a 6-digit municipality code")
    return value


def _formats(value: str) -> str:
    wanted = [f.strip() for f in value.split(",") if f.strip()]
    unknown = sorted(set(wanted) - set(FORMATS))
    if not wanted or unknown:
        raise typer.BadParameter(f"formats are {', '.join(FORMATS)}, not {', '.join(unknown) or 'nothing'}")
    return ",".join(wanted)


def _month(value: str) -> str:
    try:
        return Month.parse(value).label
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error


@app.command()
def monthly(
    tenant: Annotated[str, typer.Option(help="6-digit municipality code.", callback=_tenant)],
    month: Annotated[str, typer.Option(help="Month to report, YYYY-MM (JST).", callback=_month)],
    out: Annotated[Path, typer.Option(help="Directory to write the report into.", file_okay=False)],
    lang: Annotated[LangOption, typer.Option(help="Report language.")] = LangOption.JA,
    es_url: Annotated[
        str | None,
        typer.Option(help="Elasticsearch URL; default $KANSA_ELASTICSEARCH__URL, else http://127.0.0.1:9200."),
    ] = None,
    generated_at: Annotated[
        dt.datetime | None,
        typer.Option(help="Generation time (JST if no zone): printed in the header, and alert triage is read as of "
                          "it. Default: the end of the month, so output is reproducible; a report recorded with a "
                          "time is regenerated with it.",
                     formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S"]),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="Comma-separated: html, pdf.", callback=_formats),
    ] = "html",
    attestations_file: Annotated[
        Path | None,
        typer.Option("--attestations", exists=True, dir_okay=False,
                     help="YAML of the month's manual attestations (§4.2-14) and findings (§4.2-15)."),
    ] = None,
) -> None:
    """Write DIR/kansa-monthly-<tenant>-<YYYY-MM>.<lang>.<html|pdf> and print each file's SHA-256."""
    settings = Settings()
    url = es_url or settings.elasticsearch.url
    period = Month.parse(month)
    if generated_at is not None and generated_at.tzinfo is None:
        generated_at = generated_at.replace(tzinfo=JST)
    try:
        catalogue = load_catalogue(settings.rules_dir, load_tenant_overrides(settings.tenants_dir))
    except CatalogueError as error:
        typer.echo(f"kansa report: the rule catalogue does not load, fix it first: {error}", err=True)
        raise typer.Exit(1) from error
    formats = [cast(Format, f) for f in fmt.split(",")]
    try:
        profile = load_profile(settings.tenants_dir, tenant)
        attestations = load_attestations(attestations_file, period.label) if attestations_file else None
    except InputError as error:
        typer.echo(f"kansa report: {error}", err=True)
        raise typer.Exit(1) from error
    if profile is None:
        typer.echo(f"kansa report: no {settings.tenants_dir / tenant / 'profile.yaml'}; the header says 未登録",
                   err=True)
    try:
        with Elasticsearch(url, request_timeout=settings.elasticsearch.request_timeout) as es:
            # Triage as of the generation time: a report generated later shows the disposition reached by then,
            # and regenerating it with the same --generated-at gives the same bytes.
            data = monthly_data(es, tenant, period, as_of=generated_at)
            paths = write_monthly(data, out, lang=lang.value, rules=reported_rules(catalogue, tenant),
                                  generated_at=generated_at, formats=formats, profile=profile,
                                  attestations=attestations)
            for path in paths:
                digest = record_report(es, tenant, period, lang.value, path, generated_at)
                typer.echo(f"{path}  sha256:{digest}")
    except (ApiError, TransportError) as error:
        # An operator running the monthly job needs the cause, not a traceback.
        typer.echo(f"kansa report: Elasticsearch at {url} failed: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(
        f"{tenant} {period.label}: {data.events.total} events examined, "
        f"{data.alerts.total} alerts over {len({g.rule_id for g in data.alerts.groups})} rules, "
        f"{len(data.ledger.rows)} exports ({data.ledger.without_approval} without approval)"
    )


if __name__ == "__main__":
    app()


@app.command()
def annual(
    tenant: Annotated[str, typer.Option(help="6-digit municipality code.", callback=_tenant)],
    fy: Annotated[int, typer.Option(help="Fiscal year (April to March), e.g. 2026.", min=2020, max=2100)],
    out: Annotated[Path, typer.Option(help="Directory to write the report into.", file_okay=False)],
    lang: Annotated[LangOption, typer.Option(help="Report language.")] = LangOption.JA,
    fmt: Annotated[str, typer.Option("--format", help="Comma-separated: html, pdf.", callback=_formats)] = "html",
) -> None:
    """Write DIR/kansa-annual-<tenant>-fy<YYYY>.<lang>.<html|pdf>: twelve months and the 3-year critical register."""
    settings = Settings()
    try:
        with Elasticsearch(settings.elasticsearch.url, request_timeout=settings.elasticsearch.request_timeout) as es:
            data = annual_data(es, tenant, fy)
    except (ApiError, TransportError) as error:
        typer.echo(f"kansa report: Elasticsearch at {settings.elasticsearch.url} failed: {error}", err=True)
        raise typer.Exit(1) from error
    for path in write_annual(data, out, lang=lang.value, formats=[cast(Format, f) for f in fmt.split(",")]):
        typer.echo(f"{path}  sha256:{sha256_of(path)}")


runner = typer.Typer(help="The scheduled monthly report.", no_args_is_help=True)


@runner.callback()
def _runner_group() -> None:
    """The scheduled monthly report."""


@runner.command("run")
def run_command(
    once: Annotated[bool, typer.Option("--once", help="Deliver the month due now (if not yet done) and exit.")] = False,
) -> None:
    """On KANSA_REPORT_DAY at KANSA_REPORT_TIME (JST), write the previous month's report for every tenant with a
    profile.yaml into KANSA_REPORT_DIR and mail the PDF to its report_recipients, retrying until delivered."""
    import logging
    import signal
    import threading
    from types import FrameType

    from kansa_reporter.delivery import run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    run(Settings(), stop, once=once)
