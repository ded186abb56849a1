"""Turn MonthlyData into HTML: section views -> Jinja2 template of the chosen language -> personal-number guard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import jinja2
from pydantic import BaseModel, ConfigDict

from kansa_reporter.es_queries import MonthlyData
from kansa_reporter.report.rules import ReportedRule
from kansa_reporter.report.sections import s01_header, s02_log_coverage, s07_export_media, s13_alerts
from kansa_schemas.mynumber import contains_personal_number

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = ("ja", "en")


class PersonalNumberInReport(RuntimeError):
    """The rendered report contains a valid 12-digit personal number; it must not be written anywhere."""


class MonthlyReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    header: s01_header.Header
    log_coverage: s02_log_coverage.LogCoverage
    export_media: s07_export_media.ExportMedia
    alerts: s13_alerts.Alerts


def build_report(
    data: MonthlyData, rules: Sequence[ReportedRule] | None = None, generated_at: dt.datetime | None = None,
) -> MonthlyReport:
    return MonthlyReport(
        header=s01_header.build(data, generated_at),
        log_coverage=s02_log_coverage.build(data),
        export_media=s07_export_media.build(data),
        alerts=s13_alerts.build(data, rules),
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


def render_report(report: MonthlyReport, lang: Lang = "ja") -> str:
    html = _environment().get_template(f"{lang}/monthly.html.j2").render(r=report)
    # Ingest tokenises every valid number, so this should never fire; if it does, nothing may leave the process.
    if contains_personal_number(html):
        raise PersonalNumberInReport("rendered report contains a personal number; refusing to output it")
    return html


def render_monthly(
    data: MonthlyData, lang: Lang = "ja", rules: Sequence[ReportedRule] | None = None,
    generated_at: dt.datetime | None = None,
) -> str:
    return render_report(build_report(data, rules, generated_at), lang)


def report_filename(tenant: str, month: str, lang: Lang) -> str:
    return f"kansa-monthly-{tenant}-{month}.{lang}.html"


def write_monthly(
    data: MonthlyData, out_dir: Path, lang: Lang = "ja", rules: Sequence[ReportedRule] | None = None,
    generated_at: dt.datetime | None = None,
) -> Path:
    """Render first, then write: a report that fails the personal-number guard never touches the disk."""
    html = render_monthly(data, lang, rules, generated_at)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / report_filename(data.tenant, data.month.label, lang)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path
