"""DR-27 on a simulated month: the look-alikes really sit above the floor or on it, and the rule stays quiet."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

from kansa_detector.engine import StaticReference
from kansa_detector.replay import replay
from kansa_ingest.simulator import simulate
from kansa_schemas.rule import Catalogue

TENANT, FLOOR = "141003", 20


def test_heavy_and_at_the_floor_printers_raise_nothing(catalogue: Catalogue) -> None:
    result = simulate(TENANT, "2026-10", 7, events=20_000, violations=False)
    per_day = Counter(
        (e["actor"]["id"], e["occurred_at"][:10]) for e in result.events
        if e["action"] in ("record.print", "screen.hardcopy") and e.get("contains_mynumber")
        and e.get("outcome", "success") == "success"
    )
    days_above = Counter(actor for (actor, _), n in per_day.items() if n > FLOOR)
    # An absolute limit of 20 would flag the heavy printer on many days; their own baseline must not.
    assert max(days_above.values(), default=0) >= 5
    assert FLOOR in per_day.values()
    # Every output of the month is inside a case (the violations are off).
    assert all(e.get("case_id") for e in result.events if e["action"] in ("record.print", "screen.hardcopy"))
    lines = [json.dumps(e, ensure_ascii=False) for e in result.events]
    alerts = replay(lines, catalogue.only("DR-27"), StaticReference([result.reference]), dt.timedelta(seconds=5))
    assert alerts == []
