"""Turn MonthlyData into HTML: section views -> Jinja2 template of the chosen language -> personal-number guard."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

import jinja2
from pydantic import BaseModel, ConfigDict

from kansa_reporter.annual import AnnualData, fiscal_months
from kansa_reporter.es_queries import MonthlyData
from kansa_reporter.profile import Attestations, TenantProfile
from kansa_reporter.report.rules import ReportedRule
from kansa_reporter.report.sections import (
    s01_header,
    s02_log_coverage,
    s03_charts,
    s03_population,
    s04_areas,
    s07_export_media,
    s12_auditors,
    s13_alerts,
    s14_attestations,
    s15_findings,
)
from kansa_schemas.mynumber import contains_personal_number

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = ("ja", "en")
Format = Literal["html", "pdf"]
FORMATS: tuple[Format, ...] = ("html", "pdf")


class PersonalNumberInReport(RuntimeError):
    """The rendered report contains a valid 12-digit personal number; it must not be written anywhere."""


class MonthlyReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    header: s01_header.Header
    profile: TenantProfile | None
    log_coverage: s02_log_coverage.LogCoverage
    charts: s03_charts.Charts
    population: s03_population.Population
    areas: s04_areas.Areas
    export_media: s07_export_media.ExportMedia
    auditors: s12_auditors.Auditors
    alerts: s13_alerts.Alerts
    sign_off: s14_attestations.SignOff
    findings: s15_findings.Findings


def build_report(
    data: MonthlyData, rules: Sequence[ReportedRule] | None = None, generated_at: dt.datetime | None = None,
    lang: Lang = "ja", profile: TenantProfile | None = None, attestations: Attestations | None = None,
) -> MonthlyReport:
    alerts = s13_alerts.build(data, rules)
    return MonthlyReport(
        header=s01_header.build(data, generated_at),
        profile=profile,
        log_coverage=s02_log_coverage.build(data),
        charts=s03_charts.build(data, lang),
        population=s03_population.build(data, profile),
        areas=s04_areas.build(data, alerts),
        export_media=s07_export_media.build(data),
        auditors=s12_auditors.build(data),
        alerts=alerts,
        sign_off=s14_attestations.build(data, attestations, profile, alerts.disposition_total.unresolved),
        findings=s15_findings.build(data, attestations),
    )


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("kansa_reporter.report", "templates"),
        autoescape=True,  # every value is escaped: ids come from source systems we do not control
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _guarded(html: str) -> str:
    # Ingest tokenises every valid number, so this should never fire; if it does, nothing may leave the process.
    if contains_personal_number(html):
        raise PersonalNumberInReport("rendered report contains a personal number; refusing to output it")
    return html


def render_report(report: MonthlyReport, lang: Lang = "ja") -> str:
    return _guarded(_environment().get_template(f"{lang}/monthly.html.j2").render(r=report))


def render_monthly(
    data: MonthlyData, lang: Lang = "ja", rules: Sequence[ReportedRule] | None = None,
    generated_at: dt.datetime | None = None, profile: TenantProfile | None = None,
    attestations: Attestations | None = None,
) -> str:
    return render_report(build_report(data, rules, generated_at, lang, profile, attestations), lang)


@contextlib.contextmanager
def _source_date(at: dt.datetime) -> Iterator[None]:
    """fontTools stamps embedded font subsets with the current time unless SOURCE_DATE_EPOCH is set (the
    reproducible-builds convention): pin it to the report's own date while rendering, then put it back."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(at.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def render_pdf(html: str, dated: dt.datetime) -> bytes:
    """The HTML as A4 pages (WeasyPrint, embedded Japanese font). Same HTML and date, same bytes."""
    import weasyprint  # heavy (Pango via cffi); only the PDF path needs it

    with _source_date(dated):
        pdf: bytes = weasyprint.HTML(string=html).write_pdf(
            pdf_identifier=hashlib.sha256(html.encode()).hexdigest()[:32].encode())
    return pdf


def write_monthly(
    data: MonthlyData, out_dir: Path, lang: Lang = "ja", rules: Sequence[ReportedRule] | None = None,
    generated_at: dt.datetime | None = None, formats: Sequence[Format] = ("html",),
    profile: TenantProfile | None = None, attestations: Attestations | None = None,
) -> list[Path]:
    """Render every format first, then write: a report that fails the personal-number guard never touches the
    disk. Returns the paths in the order of `formats`."""
    report = build_report(data, rules, generated_at, lang, profile, attestations)
    html = render_report(report, lang)
    return _write(html, generated_at or report.header.period_end, out_dir,
                  f"kansa-monthly-{data.tenant}-{data.month.label}.{lang}", formats)


def write_annual(
    data: AnnualData, out_dir: Path, lang: Lang = "ja", formats: Sequence[Format] = ("html",),
) -> list[Path]:
    """The fiscal-year roll-up, rendered and guarded like the monthly report."""
    html = _guarded(_environment().get_template(f"{lang}/annual.html.j2").render(d=data))
    return _write(html, fiscal_months(data.fiscal_year)[-1].end, out_dir,
                  f"kansa-annual-{data.tenant}-fy{data.fiscal_year}.{lang}", formats)


def _write(html: str, dated: dt.datetime, out_dir: Path, stem: str, formats: Sequence[Format]) -> list[Path]:
    """Render every format first, then write each atomically as <stem>.<format>: a report that fails a guard
    never touches the disk. Returns the paths in the order of `formats`."""
    outputs = [(fmt, html.encode() if fmt == "html" else render_pdf(html, dated)) for fmt in dict.fromkeys(formats)]
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt, content in outputs:
        path = out_dir / f"{stem}.{fmt}"
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
        paths.append(path)
    return paths
