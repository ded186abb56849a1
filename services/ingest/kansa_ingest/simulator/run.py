"""`simulate` builds a month in memory; `write` puts it on disk. Same arguments, byte-identical files."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kansa_ingest.simulator.generate import MonthBuilder, Timeline, heartbeat_interval_minutes, plan_benign
from kansa_ingest.simulator.scenarios import RULE_IDS, all_scenarios
from kansa_ingest.simulator.truth import TruthLedger, TruthRecord, truth_text
from kansa_ingest.simulator.world import MAX_EVENTS, MIN_EVENTS, build_world, parse_month, validate_tenant
from kansa_schemas.mynumber import is_valid
from kansa_schemas.reference import ReferenceBundle

DEFAULT_VIOLATIONS_PER_RULE = 4
_DATA_USE = ("mynumber.search", "record.view", "record.update", "record.print", "screen.hardcopy")


@dataclass(frozen=True)
class SimulationResult:
    tenant: str
    month: str
    seed: int
    events: list[dict[str, Any]]  # sorted by occurred_at, ready for parse_event
    reference: ReferenceBundle  # as of the month's first day
    truth: list[TruthRecord]
    summary: dict[str, Any]


def simulate(
    tenant: str,
    month: str,
    seed: int,
    events: int = 100_000,
    violations: bool = True,
    *,
    violations_per_rule: int = DEFAULT_VIOLATIONS_PER_RULE,
) -> SimulationResult:
    """One municipality's month: benign work, look-alikes, and (unless `violations` is False) injected violations.

    `events` is a target; the month lands within a few per cent of it. Raises ValueError on bad arguments.
    """
    validate_tenant(tenant)
    year, month_number = parse_month(month)
    if not MIN_EVENTS <= events <= MAX_EVENTS:
        raise ValueError(f"events must be between {MIN_EVENTS:,} and {MAX_EVENTS:,}, not {events:,}")
    if not 1 <= violations_per_rule <= 10:
        raise ValueError(f"violations_per_rule must be between 1 and 10, not {violations_per_rule}")

    world = build_world(tenant, year, month_number, seed, events)
    builder = MonthBuilder(world, Timeline(world))
    ledger = TruthLedger()
    scenarios = all_scenarios()
    plan_benign(builder)
    for scenario in scenarios:
        scenario.plan(builder, violations_per_rule if violations else 0, ledger)
    builder.build_shifts()
    for scenario in scenarios:
        scenario.inject(builder, ledger)
    builder.generate_exports()
    builder.generate_hr_events()
    builder.generate_contractor_work()
    builder.generate_heartbeats(heartbeat_interval_minutes(events, len(world.days)))
    builder.fill_benign_cases(events)
    for scenario in scenarios:
        scenario.finish(builder, ledger)

    records = builder.stream.finalize(tenant, f"{tenant}-{year:04d}{month_number:02d}")
    truth = ledger.resolve(tenant)
    summary = _summary(world.label, tenant, seed, events, violations, records, truth, ledger, len(world.staff))
    reference = world.reference_bundle(builder.overtime_roster())
    return SimulationResult(tenant, world.label, seed, records, reference, truth, summary)


def _summary(
    month: str, tenant: str, seed: int, requested: int, violations: bool, records: list[dict[str, Any]],
    truth: list[TruthRecord], ledger: TruthLedger, staff: int,
) -> dict[str, Any]:
    actions = Counter(r["action"] for r in records)
    data_use = [r for r in records if r["action"] in _DATA_USE]
    raw = sum(1 for r in data_use if is_valid(r.get("subject_ref", "")))
    rules: dict[str, Any] = {}
    for rule_id in RULE_IDS:
        injected = Counter(t.variant for t in truth if t.rule_id == rule_id)
        lookalikes = Counter(a.variant for a in ledger.lookalikes if a.rule_id == rule_id)
        rules[rule_id] = {
            "violations": sum(injected.values()),
            "violation_variants": dict(sorted(injected.items())),
            "lookalikes": dict(sorted(lookalikes.items())),
        }
    return {
        "tenant": tenant,
        "month": month,
        "seed": seed,
        "violations_injected": violations,
        "requested_events": requested,
        "events": len(records),
        "staff": staff,
        "actions": dict(sorted(actions.items())),
        "rules": rules,
        "raw_personal_number_share_of_data_use": round(raw / len(data_use), 4) if data_use else 0.0,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write(result: SimulationResult, out_dir: Path) -> dict[str, Path]:
    """events.ndjson, reference/<tenant>.json, truth.ndjson and summary.json under `out_dir`."""
    paths = {
        "events": out_dir / "events.ndjson",
        "reference": out_dir / "reference" / f"{result.tenant}.json",
        "truth": out_dir / "truth.ndjson",
        "summary": out_dir / "summary.json",
    }
    paths["reference"].parent.mkdir(parents=True, exist_ok=True)
    with paths["events"].open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(_dumps(event) + "\n" for event in result.events)
    paths["reference"].write_text(result.reference.model_dump_json(indent=2) + "\n", encoding="utf-8", newline="\n")
    paths["truth"].write_text(truth_text(result.truth), encoding="utf-8", newline="\n")
    paths["summary"].write_text(json.dumps(result.summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8",
                                newline="\n")
    return paths
