"""§4.2 item 3: the people seen in the month against the bands the assessment declares. Above a band's upper
bound, the assessment no longer describes the file (a re-assessment may be due, 特定個人情報保護評価指針)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from kansa_reporter.es_queries import MonthlyData
from kansa_reporter.profile import Band, TenantProfile
from kansa_reporter.report.sections import SectionView
from kansa_schemas.alert import LocalisedText

ASSESSMENT_ITEMS = ("I-1", "II-2", "III-4", "requirements §4.2-3")


class BandLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: LocalisedText
    declared: str | None
    observed: int
    status: str  # within | above | below | undeclared


class Population(SectionView):
    lines: tuple[BandLine, ...]


def _status(band: Band | None, observed: int) -> str:
    if band is None:
        return "undeclared"
    if band.max is not None and observed >= band.max:
        return "above"
    return "below" if observed < band.min else "within"


def build(data: MonthlyData, profile: TenantProfile | None) -> Population:
    bands = profile.bands if profile else None
    seen = data.activity
    rows = (
        (LocalisedText(ja="対象人数（当月に利用された住民）", en="Subjects (residents touched this month)"),
         bands.subjects if bands else None, seen.subjects_touched),
        (LocalisedText(ja="使用者数（当月に利用した職員）", en="Staff users (active this month)"),
         bands.staff_users if bands else None, seen.staff_users),
        (LocalisedText(ja="委託先取扱者数（当月に利用した委託先作業者）", en="Contractor handlers (active this month)"),
         bands.contractor_handlers if bands else None, seen.contractor_handlers),
    )
    return Population(assessment_items=ASSESSMENT_ITEMS, lines=tuple(
        BandLine(label=label, declared=band.text if band else None, observed=observed,
                 status=_status(band, observed))
        for label, band, observed in rows
    ))
