"""Replay NDJSON events through the same Engine the live worker runs (one engine, all partitions)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from pydantic import ValidationError

from kansa_detector.engine import Engine, InMemoryStore, ReferenceProvider
from kansa_schemas.alert import Alert
from kansa_schemas.events import parse_event_json
from kansa_schemas.rule import Catalogue


class ReplayError(ValueError):
    def __init__(self, line_no: int, reason: str) -> None:
        self.line_no = line_no
        super().__init__(f"line {line_no}: {reason}")


def replay(
    lines: Iterable[str | bytes],
    catalogue: Catalogue,
    reference: ReferenceProvider,
    lateness: dt.timedelta,
    *,
    strict: bool = True,
    inputs: Counter[tuple[str, str]] | None = None,
) -> list[Alert]:
    """Alerts from a stream of NDJSON events, the latest version of each alert id, in order of first raise.

    Blank lines are skipped; an invalid line raises ReplayError unless strict=False, which skips it.
    `inputs`, if given, receives the events each (tenant, rule id) examined: 0 means not evaluable.
    """
    engine = Engine(catalogue, reference, InMemoryStore(), lateness=lateness)
    latest: dict[str, Alert] = {}
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            event = parse_event_json(line)
        except ValidationError as exc:
            if strict:
                raise ReplayError(line_no, str(exc)) from exc
            continue
        for alert in engine.process(event):
            latest[alert.alert_id] = alert
    for alert in engine.flush():
        latest[alert.alert_id] = alert
    if inputs is not None:
        inputs.update(engine.rule_inputs)
    return list(latest.values())
