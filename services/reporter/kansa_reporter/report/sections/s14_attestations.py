"""§4.2 items 14-15: manual attestations (who attested what, and when), including the §4.2 items no event feed
covers, and the sign-off by the 所属長."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

from kansa_reporter.es_queries import MonthlyData
from kansa_reporter.profile import EXPECTED_ATTESTATIONS, Attestation, Attestations, Reviewer, TenantProfile
from kansa_reporter.report.sections import SectionView
from kansa_schemas.alert import LocalisedText

ASSESSMENT_ITEMS = ("III-8", "III-9", "requirements §4.2-14", "requirements §4.2-15")


class AttestationLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    item: str
    label: LocalisedText
    refs: tuple[str, ...] = ()
    status: Literal["attested", "not_done", "not_applicable", "missing"]
    attested_by: str | None = None
    attested_on: dt.date | None = None
    note: str = ""


class SignOff(SectionView):
    attestations: tuple[AttestationLine, ...]
    alerts: int  # alerts raised this month: each needs a disposition before sign-off
    unresolved: int  # of those, not resolved at the end of the month
    reviewers: tuple[Reviewer, ...]


def build(data: MonthlyData, attestations: Attestations | None, profile: TenantProfile | None,
          unresolved: int = 0) -> SignOff:
    given = {a.item: a for a in attestations.items} if attestations else {}
    lines = []
    for item, expected in EXPECTED_ATTESTATIONS.items():
        label = LocalisedText(ja=expected.ja, en=expected.en)
        found = given.pop(item, None)
        lines.append(AttestationLine(item=item, label=label, refs=expected.refs, status="missing")
                     if found is None else _line(found, label, expected.refs))
    for extra in given.values():  # a municipality's own items, after the expected ones
        lines.append(_line(extra, LocalisedText(ja=extra.item, en=extra.item), ()))
    return SignOff(assessment_items=ASSESSMENT_ITEMS, attestations=tuple(lines), alerts=data.alerts.total,
                   unresolved=unresolved, reviewers=profile.reviewers if profile else ())


def _line(given: Attestation, label: LocalisedText, refs: tuple[str, ...]) -> AttestationLine:
    status: Literal["attested", "not_done", "not_applicable"] = (
        "not_applicable" if given.not_applicable else "attested" if given.done else "not_done")
    return AttestationLine(item=given.item, label=label, refs=refs, status=status, attested_by=given.attested_by,
                           attested_on=given.attested_on, note=given.note)
