from __future__ import annotations

import datetime as dt

import pytest

from kansa_detector.engine import StaticReference
from kansa_detector.replay import ReplayError, replay
from kansa_schemas.rule import Catalogue
from tests.unit.detector.conftest import ev

HOUR = dt.timedelta(hours=1)


def lines() -> list[str | bytes]:
    return [
        ev("export.executed", "10-05 10:00", request_id="R1").model_dump_json(),
        "",
        ev("export.executed", "10-05 10:30", request_id="R1").model_dump_json().encode(),
        ev("export.executed", "10-05 10:40", request_id="R2").model_dump_json(),
    ]


def test_replay_keeps_the_latest_version_of_each_alert(catalogue: Catalogue) -> None:
    alerts = replay(lines(), catalogue, StaticReference(), HOUR)
    assert [(a.key, a.count) for a in alerts] == [("271403|R1", 2), ("271403|R2", 1)]


def test_replay_is_repeatable(catalogue: Catalogue) -> None:
    same = lines()
    first = replay(same, catalogue, StaticReference(), HOUR)
    second = replay(same, catalogue, StaticReference(), HOUR)
    assert [a.model_dump() for a in first] == [a.model_dump() for a in second]


def test_an_invalid_line_names_its_number(catalogue: Catalogue) -> None:
    bad = [*lines(), '{"action": "export.executed"}']
    with pytest.raises(ReplayError, match="line 5"):
        replay(bad, catalogue, StaticReference(), HOUR)
    assert len(replay(bad, catalogue, StaticReference(), HOUR, strict=False)) == 2
