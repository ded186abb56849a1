"""One module per report section (numbered as in requirements §4.2), each naming the assessment items it evidences."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SectionView(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    assessment_items: tuple[str, ...]
