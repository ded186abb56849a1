"""`kansa reporter run`: on the configured day and JST time, the previous month's report for every tenant with a
profile, written to the report directory and mailed (PDF attached) to the profile's recipients, retrying until
the mail server takes it. A `.delivered` marker beside the files makes a restart neither lose nor repeat a month.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import smtplib
import threading
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from elasticsearch import Elasticsearch

from kansa_reporter.archive import record_report
from kansa_reporter.es_queries import monthly_data
from kansa_reporter.period import Month
from kansa_reporter.profile import PROFILE_FILE, TenantProfile, load_profile
from kansa_reporter.report.render import write_monthly
from kansa_reporter.report.rules import reported_rules
from kansa_reporter.settings import Settings
from kansa_schemas.indices import JST
from kansa_schemas.mynumber import contains_personal_number
from kansa_schemas.rule import load_catalogue, load_tenant_overrides

log = logging.getLogger(__name__)


def due_month(now: dt.datetime, day: int, at: dt.time) -> tuple[Month, dt.datetime]:
    """The month whose report is due by `now` (the previous month once this month's day and time have passed),
    and when the next report falls due."""
    local = now.astimezone(JST)
    this_run = dt.datetime.combine(local.date().replace(day=day), at, JST)
    last_of_previous = local.date().replace(day=1) - dt.timedelta(days=1)
    if local >= this_run:
        return Month(year=last_of_previous.year, month=last_of_previous.month), _next_month(this_run)
    # This month's run is still ahead: the latest report due is the one of the month before.
    before = last_of_previous.replace(day=1) - dt.timedelta(days=1)
    return Month(year=before.year, month=before.month), this_run


def _next_month(at: dt.datetime) -> dt.datetime:
    year, month = (at.year + 1, 1) if at.month == 12 else (at.year, at.month + 1)
    return at.replace(year=year, month=month)


def report_message(profile: TenantProfile, tenant: str, month: Month, pdf: Path, sha256: str,
                   sender: str) -> EmailMessage:
    subject = f"[kansa] 月次自己点検報告書 {profile.municipality}（{tenant}）{month.label}"
    body = "\n".join([
        f"{profile.municipality} {profile.business} の {month.label} 分の月次自己点検報告書を送付します。",
        "",
        f"添付ファイル: {pdf.name}",
        f"SHA-256: {sha256}",
        "（同じ値が kansa の報告書記録に保存されています。署名前に照合してください。）",
        "",
        "このメールは kansa から自動送信されています。個人番号は記載していません。",
    ])
    if contains_personal_number(subject) or contains_personal_number(body):
        raise RuntimeError("report mail would contain a personal number; refusing to send it")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(profile.report_recipients)
    message.set_content(body, charset="utf-8")
    message.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf", filename=pdf.name)
    return message


def deliver_month(settings: Settings, es: Elasticsearch, tenant: str, month: Month,
                  wait: Callable[[float], bool]) -> bool:
    """Write and mail one tenant's month unless its marker says it is done. `wait(seconds)` sleeps between
    attempts and returns True when the run is being stopped. Returns whether the month is delivered."""
    folder = settings.report_dir / tenant
    marker = folder / f"kansa-monthly-{tenant}-{month.label}.delivered"
    if marker.exists():
        return True
    profile = load_profile(settings.tenants_dir, tenant)
    if profile is None:
        log.error("%s: no %s; skipped", tenant, PROFILE_FILE)
        return False
    catalogue = load_catalogue(settings.rules_dir, load_tenant_overrides(settings.tenants_dir))
    # The report shows the triage reached by now; the generation time is recorded with its SHA-256, so
    # `kansa report monthly --generated-at` regenerates the same bytes.
    generated_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    paths = write_monthly(monthly_data(es, tenant, month, as_of=generated_at), folder,
                          rules=reported_rules(catalogue, tenant), generated_at=generated_at,
                          formats=("html", "pdf"), profile=profile)
    digests = {p.suffix.lstrip("."): record_report(es, tenant, month, "ja", p, generated_at) for p in paths}
    pdf = next(p for p in paths if p.suffix == ".pdf")
    delay = settings.retry_first_s
    while profile.report_recipients:
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s) as smtp:
                smtp.send_message(report_message(profile, tenant, month, pdf, digests["pdf"], settings.smtp_sender))
            break
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("%s %s: mail not delivered (%s); next attempt in %.0f s", tenant, month.label, exc, delay)
            if wait(delay):
                return False
            delay = min(delay * 2, settings.retry_cap_s)
    marker.write_text(json.dumps({"sha256": digests, "recipients": list(profile.report_recipients),
                                  "delivered_at": dt.datetime.now(dt.UTC).isoformat()}), encoding="utf-8")
    log.info("%s %s: report delivered to %s", tenant, month.label,
             ", ".join(profile.report_recipients) or "the directory only")
    return True


def tenants_with_profiles(settings: Settings) -> list[str]:
    if not settings.tenants_dir.is_dir():
        return []
    return sorted(p.parent.name for p in settings.tenants_dir.glob(f"*/{PROFILE_FILE}"))


def run(settings: Settings, stop: threading.Event, *, once: bool = False,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
    """Catch up the month due now (a restart after the due time still sends it), then wait for the next one."""
    while not stop.is_set():
        month, next_run = due_month(clock(), settings.report_day, settings.report_time)
        with Elasticsearch(settings.elasticsearch.url, request_timeout=settings.elasticsearch.request_timeout) as es:
            for tenant in tenants_with_profiles(settings):
                deliver_month(settings, es, tenant, month, stop.wait)
        if once:
            return
        stop.wait(max(1.0, (next_run - clock()).total_seconds()))
