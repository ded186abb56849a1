"""A reporting month in JST: the one place that turns "YYYY-MM" into bounds and labels."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from pydantic import BaseModel, ConfigDict

from kansa_schemas.indices import JST

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class Month(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        found = _MONTH.match(text)
        if found is None:
            raise ValueError(f"month must be YYYY-MM, got {text!r}")
        return cls(year=int(found.group(1)), month=int(found.group(2)))

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> dt.datetime:
        """First instant of the month in JST (inclusive)."""
        return dt.datetime(self.year, self.month, 1, tzinfo=JST)

    @property
    def end(self) -> dt.datetime:
        """First instant of the next month in JST (exclusive)."""
        year, month = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return dt.datetime(year, month, 1, tzinfo=JST)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def days(self) -> list[dt.date]:
        return [self.first_day + dt.timedelta(days=n) for n in range(self.last_day.day)]
