"""Helpers for detector unit tests: the real rule catalogue, minimal events, a roster."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from kansa_detector.engine.cases import CASE_TENANT, build_event
from kansa_schemas.events import Event
from kansa_schemas.reference.models import ReferenceBundle
from kansa_schemas.rule import Catalogue, load_catalogue

RULES_DIR = Path(__file__).resolve().parents[3] / "services" / "detector" / "rules"
TENANT = CASE_TENANT
JST = dt.timezone(dt.timedelta(hours=9))
_counter = iter(range(1_000_000))


def at(text: str) -> str:
    """'10-05 10:00' -> an ISO time in JST, 2026."""
    day, clock = text.split()
    return f"2026-{day}T{clock}:00+09:00"


def ev(action: str, when: str, **fields: Any) -> Event:
    fields.setdefault("id", f"u{next(_counter):06d}")
    return build_event({"action": action, "at": at(when), **fields}, n=0)


def bundle(**fields: Any) -> ReferenceBundle:
    return ReferenceBundle.model_validate({"tenant": TENANT, "valid_from": "2026-04-01T00:00:00+09:00", **fields})


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(RULES_DIR)
