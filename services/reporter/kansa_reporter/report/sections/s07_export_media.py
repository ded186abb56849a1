"""§4.2 item 7: the full export ledger (when / who / terminal / device / file / approver), as 000 L341 requires."""

from __future__ import annotations

from kansa_reporter.es_queries import LedgerRow, MonthlyData
from kansa_reporter.report.sections import SectionView

ASSESSMENT_ITEMS = ("requirements §4.2-7", "000 L341", "000 L468")
RULE_IDS = ("DR-31", "DR-32", "DR-33", "DR-34", "DR-35", "DR-36", "DR-37")


class ExportMedia(SectionView):
    rows: tuple[LedgerRow, ...]
    without_approval: int
    unencrypted: int
    unregistered: int
    records: int


def build(data: MonthlyData) -> ExportMedia:
    ledger = data.ledger
    return ExportMedia(
        assessment_items=ASSESSMENT_ITEMS, rows=ledger.rows, without_approval=ledger.without_approval,
        unencrypted=ledger.unencrypted, unregistered=ledger.unregistered,
        records=sum(r.record_count for r in ledger.rows),
    )
