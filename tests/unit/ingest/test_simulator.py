"""The simulator: deterministic, valid, volume as asked, and its ground truth is exactly what the rules would see.

The checkers below re-derive the rules' findings straight from the events and the reference bundle, with the
detector's product defaults; they are deliberately simple and independent of the simulator's internals.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import math
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from typer import Typer
from typer.testing import CliRunner

from kansa_ingest.simulator import SimulationResult, simulate, write
from kansa_ingest.simulator.cli import simulate_command
from kansa_ingest.simulator.scenarios import RULE_IDS
from kansa_ingest.simulator.world import national_holidays, office_holidays
from kansa_schemas.events import parse_event
from kansa_schemas.mynumber import contains_personal_number, is_valid
from kansa_schemas.reference import ReferenceBundle, StaffStatus

TENANT, MONTH = "141003", "2026-10"
# Rules with an independent checker below (the first wave's first fourteen). Every rule's truth is also checked
# against the detector itself in tests/unit/detector/test_simulated_month.py.
CHECKED = (
    "DR-01", "DR-03", "DR-07", "DR-08", "DR-09", "DR-11", "DR-24",
    "DR-31", "DR-32", "DR-33", "DR-34", "DR-35", "DR-36", "DR-37",
)
Event = dict[str, Any]


@pytest.fixture(scope="module")
def month() -> SimulationResult:
    return simulate(TENANT, MONTH, 7, events=40_000)


@pytest.fixture(scope="module")
def clean() -> SimulationResult:
    return simulate(TENANT, MONTH, 7, events=40_000, violations=False)


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _time(event: Event) -> dt.datetime:
    return dt.datetime.fromisoformat(event["occurred_at"])


# --- determinism, validity, volume ------------------------------------------------------------------------------

def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    write(simulate(TENANT, MONTH, 3, events=20_000), tmp_path / "a")
    write(simulate(TENANT, MONTH, 3, events=20_000), tmp_path / "b")
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert sorted(first) == ["events.ndjson", "reference/141003.json", "summary.json", "truth.ndjson"]
    assert first == second


def test_another_seed_gives_another_month(tmp_path: Path) -> None:
    write(simulate(TENANT, MONTH, 3, events=20_000), tmp_path / "a")
    write(simulate(TENANT, MONTH, 4, events=20_000), tmp_path / "b")
    assert (tmp_path / "a/events.ndjson").read_bytes() != (tmp_path / "b/events.ndjson").read_bytes()
    assert (tmp_path / "a/truth.ndjson").read_bytes() != (tmp_path / "b/truth.ndjson").read_bytes()


def test_every_line_validates_and_is_ordered(month: SimulationResult, tmp_path: Path) -> None:
    paths = write(month, tmp_path)
    lines = paths["events"].read_text(encoding="utf-8").splitlines()
    events = [parse_event(json.loads(line)) for line in lines]
    assert len(events) == len(month.events)
    assert len({e.event_id for e in events}) == len(events)
    assert all(e.occurred_at.utcoffset() == dt.timedelta(hours=9) for e in events)
    assert all(a.occurred_at <= b.occurred_at for a, b in itertools.pairwise(events))
    assert all(e.tenant == TENANT for e in events)


def test_volume_close_to_request_and_fast() -> None:
    started = time.perf_counter()
    result = simulate(TENANT, MONTH, 1, events=100_000)
    elapsed = time.perf_counter() - started
    assert abs(len(result.events) - 100_000) / 100_000 < 0.03
    assert elapsed < 20, f"100k events took {elapsed:.1f}s"


def test_reference_bundle_is_the_month_start(month: SimulationResult, clean: SimulationResult, tmp_path: Path) -> None:
    paths = write(month, tmp_path)
    bundle = ReferenceBundle.model_validate_json(paths["reference"].read_text(encoding="utf-8"))
    assert bundle.tenant == TENANT
    assert bundle.valid_from == dt.datetime(2026, 10, 1, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    # HR changes inside the month reach the detector only as events.
    assert all(s.status is StaffStatus.ACTIVE for s in bundle.staff)
    changed = {e["staff_id"] for e in month.events if e["action"] == "hr.changed"}
    assert changed <= {s.staff_id for s in bundle.staff}
    assert bundle.calendar.holidays == (dt.date(2026, 10, 12),)
    assert set(bundle.export_applicants) <= {s.staff_id for s in bundle.staff}
    media = {m.device_id for m in bundle.registered_media}
    # Only DR-31's injected exports write to a device on no register.
    unregistered = {e["device_id"] for e in month.events if e["action"] == "export.executed"} - media
    dr31 = {e["device_id"] for t in month.truth if t.rule_id == "DR-31" for e in month.events
            if e["event_id"] in t.event_ids and "device_id" in e}
    assert unregistered <= dr31
    clean_exports = {e["device_id"] for e in clean.events if e["action"] in ("export.executed", "media.connected")}
    assert clean_exports <= media
    assert bundle.declared_bands is not None
    users = sum(1 for s in bundle.staff if s.may_use_mynumber)
    assert bundle.declared_bands.staff_users_min <= users <= (bundle.declared_bands.staff_users_max or users)


def test_raw_personal_numbers_only_in_subject_ref(month: SimulationResult) -> None:
    data_use = [e for e in month.events if e["action"] in ("mynumber.search", "record.view", "record.update")]
    raw = sum(1 for e in data_use if is_valid(e["subject_ref"]))
    assert 0.2 < raw / len(data_use) < 0.4
    for event in month.events[::7]:
        rest = {k: v for k, v in event.items() if k != "subject_ref"}
        assert not contains_personal_number(json.dumps(rest, ensure_ascii=False)), event["event_id"]


def test_summary_counts(month: SimulationResult) -> None:
    assert month.summary["events"] == len(month.events)
    assert month.summary["actions"] == dict(sorted(Counter(e["action"] for e in month.events).items()))
    for rule in RULE_IDS:
        assert month.summary["rules"][rule]["violations"] == sum(1 for t in month.truth if t.rule_id == rule)
        assert month.summary["rules"][rule]["lookalikes"]


# --- ground truth ------------------------------------------------------------------------------------------------

def test_truth_has_every_rule_and_cites_real_events(month: SimulationResult) -> None:
    by_id = {e["event_id"]: e for e in month.events}
    assert {t.rule_id for t in month.truth} == set(RULE_IDS)
    for record in month.truth:
        assert record.tenant == TENANT
        assert all(i in by_id for i in record.event_ids)
        completing = by_id[record.event_ids[0]]
        assert _time(completing) == record.occurred_at
        assert completing["actor"]["id"] == record.actor_id


def test_truth_lines_format(month: SimulationResult, tmp_path: Path) -> None:
    lines = write(month, tmp_path)["truth"].read_text(encoding="utf-8").splitlines()
    # at least four per rule: some violations are by definition also another rule's (DR-33's self-approved export
    # executed by its approver is a DR-34 too; CX-01's bulk lookup is a DR-24)
    assert len(lines) == len(month.truth)
    per_rule = Counter(t.rule_id for t in month.truth)
    assert min(per_rule[rule] for rule in RULE_IDS) >= 4
    first = json.loads(lines[0])
    assert set(first) == {"rule_id", "tenant", "actor_id", "event_ids", "occurred_at", "variant"}
    assert first["occurred_at"].endswith("+09:00")


def test_clean_month_has_no_truth(clean: SimulationResult) -> None:
    assert clean.truth == []
    assert all(rule["violations"] == 0 for rule in clean.summary["rules"].values())


@pytest.mark.parametrize("rule", CHECKED)
def test_checkers_find_exactly_the_truth(month: SimulationResult, rule: str) -> None:
    found = CHECKERS[rule](month.events, month.reference)
    expected = {_truth_key(rule, t.event_ids[0], t.actor_id, t.occurred_at) for t in month.truth if t.rule_id == rule}
    assert found == expected


@pytest.mark.parametrize("rule", CHECKED)
def test_clean_month_breaks_no_rule(clean: SimulationResult, rule: str) -> None:
    assert CHECKERS[rule](clean.events, clean.reference) == set()


def test_clean_month_lookups_stay_far_from_the_limits(clean: SimulationResult) -> None:
    daily, hourly = _search_load(clean.events)
    assert max(daily.values()) < 100
    assert max(hourly.values()) <= 30


def test_clean_month_still_has_the_lookalikes(clean: SimulationResult) -> None:
    actions = Counter(e["action"] for e in clean.events)
    assert actions["export.rejected"] >= 2
    assert actions["hr.changed"] >= 5
    assert any(e["action"] == "auth.failure" and e["outcome"] == "denied" for e in clean.events)
    daily, _ = _search_load(clean.events)
    assert sum(1 for n in daily.values() if n >= 80) >= 2  # the busy days below the floor


# --- arguments and the command ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("tenant", "month_text", "message"), [
    ("141004", MONTH, "check digit"),
    ("14100", MONTH, "6-digit"),
    (TENANT, "2026-13", "not a month"),
    (TENANT, "2026/10", "YYYY-MM"),
    (TENANT, "2019-10", "supported"),
])
def test_bad_arguments_are_refused(tenant: str, month_text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        simulate(tenant, month_text, 1, events=20_000)


def test_command_writes_a_month_and_refuses_a_bad_tenant(tmp_path: Path) -> None:
    app = Typer()
    app.command()(simulate_command)
    runner = CliRunner()
    bad = runner.invoke(app, ["--tenant", "141004", "--out", str(tmp_path)])
    assert bad.exit_code == 2
    assert "check digit" in bad.output
    good = runner.invoke(app, ["--tenant", "271403", "--month", "2026-11", "--events", "20000", "--clean",
                               "--out", str(tmp_path)])
    assert good.exit_code == 0, good.output
    assert (tmp_path / "reference/271403.json").is_file()
    assert (tmp_path / "truth.ndjson").read_text(encoding="utf-8") == ""


def test_holidays_2026() -> None:
    expected = {
        (1, 1), (1, 12), (2, 11), (2, 23), (3, 20), (4, 29), (5, 3), (5, 4), (5, 5), (5, 6), (7, 20), (8, 11),
        (9, 21), (9, 22), (9, 23), (10, 12), (11, 3), (11, 23),
    }
    assert {(d.month, d.day) for d in national_holidays(2026)} == expected
    assert set(office_holidays(2026, 12)) == {dt.date(2026, 12, d) for d in (29, 30, 31)}


# --- independent rule checkers (product defaults) -------------------------------------------------------------------

def _truth_key(rule: str, event_id: str, actor_id: str, occurred_at: dt.datetime) -> tuple[str, ...]:
    """DR-24 is matched on (actor, day): which search tips it over is a detail of the window arithmetic."""
    return (actor_id, occurred_at.date().isoformat()) if rule == "DR-24" else (event_id,)


def _dr01(events: list[Event], bundle: ReferenceBundle) -> set[tuple[str, ...]]:
    """First success at or after effective_at by a leaver, or by a transferee in a business of the old section."""
    codes = {u.org_unit: set(u.business_codes) for u in bundle.org_units}
    changes = {e["staff_id"]: e for e in events if e["action"] == "hr.changed"}
    found: dict[str, str] = {}
    for event in events:
        actor = event["actor"]["id"]
        change = changes.get(actor)
        if change is None or actor in found or event["outcome"] != "success":
            continue
        if _time(event) < dt.datetime.fromisoformat(change["effective_at"]):
            continue
        if change["change_type"] in ("retirement", "secondment", "dismissal") or (
            change["change_type"] == "transfer" and event.get("business_code") in codes[change["from_org"]]
        ):
            found[actor] = event["event_id"]
    return {(i,) for i in found.values()}


def _dr03(events: list[Event], bundle: ReferenceBundle) -> set[tuple[str, ...]]:
    """An account disabled or deleted without a request from the target's 所属長 (000 L323)."""
    roster = {s.staff_id: s for s in bundle.staff}
    found: set[tuple[str, ...]] = set()
    for e in events:
        if e["action"] not in ("iam.user_disabled", "iam.user_deleted"):
            continue
        record, requester = roster.get(e["target_user_id"]), e.get("requested_by")
        if requester is None or record is None or requester != record.section_head_id:
            found.add((e["event_id"],))
    return found


def _dr07(events: list[Event], bundle: ReferenceBundle) -> set[tuple[str, ...]]:
    """A session opening on one terminal while the same ID's session on another is open (ends at its last event)."""
    sessions: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.get("session_id") is None or event.get("terminal_id") is None:
            continue
        session = sessions.setdefault(event["session_id"], {
            "actor": event["actor"]["id"], "terminal": event["terminal_id"], "start": _time(event),
            "first": event["event_id"],
        })
        session["end"] = min(_time(event), session["start"] + dt.timedelta(hours=12))
    by_actor: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for session in sessions.values():
        by_actor[session["actor"]].append(session)
    found: set[tuple[str, ...]] = set()
    for own in by_actor.values():
        for b in own:
            if any(a is not b and a["terminal"] != b["terminal"] and a["start"] <= b["start"] <= a["end"] for a in own):
                found.add((b["first"],))
    return found


def _dr08(events: list[Event], bundle: ReferenceBundle) -> set[tuple[str, ...]]:
    """The first successful Windows/application login of a session by a shared ID, or by an ID on neither the
    roster nor a contract."""
    roster = {s.staff_id: s for s in bundle.staff}
    workers = {w for c in bundle.contracts for w in c.named_workers}
    found: set[tuple[str, ...]] = set()
    sessions: set[str] = set()
    for e in events:
        if e["action"] != "auth.login" or e.get("layer") not in ("os", "app") or e["outcome"] != "success":
            continue
        actor = e["actor"]["id"]
        record = roster.get(actor)
        if (record is not None and record.shared_account) or (record is None and actor not in workers):
            if e.get("session_id") not in sessions:
                found.add((e["event_id"],))
            sessions.add(e.get("session_id"))
    return found


def _dr09(events: list[Event], bundle: ReferenceBundle) -> set[tuple[str, ...]]:
    """A successful Windows login without both face and password (Sakai's 二要素, 000 L334)."""
    return {
        (e["event_id"],) for e in events
        if e["action"] == "auth.login" and e.get("layer") == "os" and e["outcome"] == "success"
        and not {"face", "password"} <= set(e.get("factors", ()))
    }


def _dr11(events: list[Event], bundle: ReferenceBundle) -> set[tuple[str, ...]]:
    """The 5th auth.failure of one account within 15 minutes; counting starts afresh after each burst."""
    window = dt.timedelta(minutes=15)
    hits: dict[str, list[dt.datetime]] = defaultdict(list)
    found: set[tuple[str, ...]] = set()
    for event in sorted((e for e in events if e["action"] == "auth.failure"), key=_time):
        moment, actor = _time(event), event["actor"]["id"]
        hits[actor] = [*(t for t in hits[actor] if moment - t < window), moment]
        if len(hits[actor]) >= 5:
            found.add((event["event_id"],))
            hits[actor] = []
    return found


def _search_load(events: list[Event]) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """Searches per (actor, day), and the most within any 60 minutes of that day."""
    times: dict[tuple[str, str], list[dt.datetime]] = defaultdict(list)
    for event in events:
        if event["action"] == "mynumber.search":
            moment = _time(event)
            times[(event["actor"]["id"], moment.date().isoformat())].append(moment)
    hourly = {}
    for key, moments in times.items():
        hour_ago = [bisect.bisect_right(moments, m - dt.timedelta(hours=1)) for m in moments]
        hourly[key] = max(i + 1 - before for i, before in enumerate(hour_ago))
    return {k: len(v) for k, v in times.items()}, hourly


def _dr24(events: list[Event], bundle: ReferenceBundle) -> set[tuple[str, ...]]:
    """More than max(100, 3 × trailing P95) searches a day, or more than 30 within an hour."""
    daily, hourly = _search_load(events)
    found: set[tuple[str, ...]] = set()
    for (actor, day), count in daily.items():
        prior = sorted(n for (a, d), n in daily.items() if a == actor and d < day)
        p95 = prior[max(0, math.ceil(0.95 * len(prior)) - 1)] if prior else 0
        if count > max(100, 3 * p95) or hourly[(actor, day)] > 30:
            found.add((actor, day))
    return found


def _dr32(events: list[Event], bundle: ReferenceBundle) -> set[tuple[str, ...]]:
    """export.executed with no export.approved before it for its request, or one rejected before it."""
    approved: set[str] = set()
    rejected: set[str] = set()
    found: set[tuple[str, ...]] = set()
    for event in events:
        request = event.get("request_id")
        if event["action"] == "export.approved":
            approved.add(request or "")
        elif event["action"] == "export.rejected":
            rejected.add(request or "")
        elif event["action"] == "export.executed" and (request not in approved or request in rejected):
            found.add((event["event_id"],))
    return found


def _dr33(events: list[Event], bundle: ReferenceBundle) -> set[tuple[str, ...]]:
    """export.approved by the applicant, or by someone who is neither their 上長 nor 所属長 in the roster."""
    roster = {s.staff_id: s for s in bundle.staff}
    found: set[tuple[str, ...]] = set()
    for event in events:
        if event["action"] != "export.approved":
            continue
        applicant = roster[event["applicant_id"]]
        approver = event["approver_id"]
        if approver == applicant.staff_id or approver not in (applicant.supervisor_id, applicant.section_head_id):
            found.add((event["event_id"],))
    return found


def _dr31(events: list[Event], bundle: ReferenceBundle) -> set[tuple[str, ...]]:
    """The first media or export event per (actor, device) whose device is on no register."""
    registered = {m.device_id for m in bundle.registered_media}
    first: dict[tuple[str, str], str] = {}
    for event in events:
        if event["action"] in ("media.connected", "media.write", "media.import", "export.executed") and (
            event["device_id"] not in registered
        ):
            first.setdefault((event["actor"]["id"], event["device_id"]), event["event_id"])
    return {(i,) for i in first.values()}


def _requests(events: list[Event]) -> dict[str, dict[str, Event]]:
    """Per request id, the request and the latest approval so far, updated as the events are walked."""
    return defaultdict(dict)


def _dr34(events: list[Event], bundle: ReferenceBundle) -> set[tuple[str, ...]]:
    """An execution by someone other than its request's applicant, or by its approver."""
    seen = _requests(events)
    found: set[tuple[str, ...]] = set()
    for event in events:
        request = event.get("request_id")
        if request is None:
            continue
        if event["action"] in ("export.requested", "export.approved"):
            seen[request][event["action"]] = event
        elif event["action"] == "export.executed":
            asked, approved = seen[request].get("export.requested"), seen[request].get("export.approved")
            executor = event["actor"]["id"]
            if (asked and asked["applicant_id"] != executor) or (approved and approved["approver_id"] == executor):
                found.add((event["event_id"],))
    return found


def _dr35(events: list[Event], bundle: ReferenceBundle) -> set[tuple[str, ...]]:
    """A request whose applicant is not on the export-applicant list."""
    listed = set(bundle.export_applicants)
    return {(e["event_id"],) for e in events if e["action"] == "export.requested" and e["applicant_id"] not in listed}


def _dr36(events: list[Event], bundle: ReferenceBundle) -> set[tuple[str, ...]]:
    """An execution unlike its request (file, device, more records), off its approval's day, or a second one."""
    seen = _requests(events)
    found: set[tuple[str, ...]] = set()
    for event in events:
        request = event.get("request_id")
        if request is None or event["action"] not in ("export.requested", "export.approved", "export.executed"):
            continue
        if event["action"] == "export.executed":
            asked, approved = seen[request].get("export.requested"), seen[request].get("export.approved")
            if seen[request].get("export.executed") or (asked and (
                asked["file_hash"] != event["file_hash"] or asked["device_id"] != event["device_id"]
                or event["record_count"] > asked["record_count"]
            )) or (approved and _time(approved).date() != _time(event).date()):
                found.add((event["event_id"],))
        seen[request][event["action"]] = event
    return found


def _dr37(events: list[Event], bundle: ReferenceBundle) -> set[tuple[str, ...]]:
    return {(e["event_id"],) for e in events if e["action"] == "export.executed" and not e["encrypted"]}


CHECKERS = {
    "DR-01": _dr01, "DR-03": _dr03, "DR-07": _dr07, "DR-08": _dr08, "DR-09": _dr09, "DR-11": _dr11, "DR-24": _dr24,
    "DR-31": _dr31, "DR-32": _dr32, "DR-33": _dr33, "DR-34": _dr34, "DR-35": _dr35, "DR-36": _dr36,
    "DR-37": _dr37,
}
