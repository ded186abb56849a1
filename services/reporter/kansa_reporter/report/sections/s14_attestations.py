"""§4.2 items 14-15: manual attestations (who attested what, and when), and the sign-off by the 所属長."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from kansa_reporter.es_queries import MonthlyData
from kansa_reporter.profile import EXPECTED_ATTESTATIONS, Attestations, Reviewer, TenantProfile
from kansa_reporter.report.sections import SectionView
from kansa_schemas.alert import LocalisedText

ASSESSMENT_ITEMS = ("III-8", "III-9", "requirements §4.2-14", "requirements §4.2-15")


class AttestationLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    item: str
    label: LocalisedText
    status: str  # attested | not_done | missing
    attested_by: str | None = None
    attested_on: dt.date | None = None
    note: str = ""


class SignOff(SectionView):
    attestations: tuple[AttestationLine, ...]
    open_findings: int  # alerts raised this month: each needs a disposition before sign-off
    reviewers: tuple[Reviewer, ...]


def build(data: MonthlyData, attestations: Attestations | None, profile: TenantProfile | None) -> SignOff:
    given = {a.item: a for a in attestations.items} if attestations else {}
    lines = []
    for item, (ja, en) in EXPECTED_ATTESTATIONS.items():
        found = given.pop(item, None)
        lines.append(AttestationLine(item=item, label=LocalisedText(ja=ja, en=en), status="missing")
                     if found is None else
                     AttestationLine(item=item, label=LocalisedText(ja=ja, en=en),
                                     status="attested" if found.done else "not_done", attested_by=found.attested_by,
                                     attested_on=found.attested_on, note=found.note))
    for extra in given.values():  # a municipality's own items, after the expected ones
        lines.append(AttestationLine(item=extra.item, label=LocalisedText(ja=extra.item, en=extra.item),
                                     status="attested" if extra.done else "not_done", attested_by=extra.attested_by,
                                     attested_on=extra.attested_on, note=extra.note))
    return SignOff(assessment_items=ASSESSMENT_ITEMS, attestations=tuple(lines), open_findings=data.alerts.total,
                   reviewers=profile.reviewers if profile else ())
