"""The record of every report written: its SHA-256 and what it covers, kept in Elasticsearch so an auditor can
check that the file a 所属長 signed is the one kansa produced."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from elasticsearch import Elasticsearch

from kansa_reporter.period import Month
from kansa_schemas.indices import REPORT_MAPPINGS, reports_index


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def record_report(
    es: Elasticsearch, tenant: str, month: Month, lang: str, path: Path, generated_at: dt.datetime | None,
) -> str:
    """Index the report's metadata; the document id includes the hash, so writing the same bytes again records
    nothing new and a changed report is a second record, never an overwrite. Returns the SHA-256."""
    digest = sha256_of(path)
    index = reports_index(tenant)
    if not es.indices.exists(index=index):
        # The indexer installs the template on a running system; a report may be the first writer.
        es.options(ignore_status=400).indices.create(index=index, mappings=REPORT_MAPPINGS)
    fmt = path.suffix.lstrip(".")
    es.index(index=index, id=f"monthly-{month.label}-{lang}-{fmt}-{digest}", refresh="wait_for", document={
        "tenant": tenant, "kind": "monthly", "period": month.label, "lang": lang, "format": fmt, "file": path.name,
        "sha256": digest, "bytes": path.stat().st_size, "period_start": month.start.isoformat(),
        "period_end": month.end.isoformat(), "generated_at": generated_at.isoformat() if generated_at else None,
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(),
    })
    return digest
