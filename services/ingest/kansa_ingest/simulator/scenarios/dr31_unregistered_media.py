"""DR-31 unregistered external media (000 L341 「許可のない外部記録媒体が使用できないように制限」, L468 ア, 001 L363).

Violations, by designated applicants on ordinary working days (the device id is on no register):
- connected_not_blocked: a private USB stick connected, not blocked, and written to (Critical);
- blocked_attempt: the endpoint blocked the connection (Medium);
- import_from_unregistered: an SD card connected and data read from it (持ち込み, Critical);
- export_to_unregistered: an approved export, requested for and written to a private stick (Critical).
The export variant is otherwise in order (approved by the 上長, executed by the applicant, encrypted, the device
as requested), so no other export rule applies.
Look-alikes: another section's registered device connected; the section's own registered device checked and wiped.
"""

from __future__ import annotations

import datetime as dt
import random
from functools import partial

from kansa_ingest.simulator.generate import ExportFlow, MonthBuilder, at
from kansa_ingest.simulator.scenarios.base import InjectLater, some_export, within_session
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import StaffMember

RULE_ID = "DR-31"
VARIANTS = ("connected_not_blocked", "blocked_attempt", "import_from_unregistered", "export_to_unregistered")
_ATTEMPTS = 300


class UnregisteredMedia(InjectLater):
    rule_id = RULE_ID

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng = builder.fork(RULE_ID)
        for number in range(self._violations):
            variant = VARIANTS[number % len(VARIANTS)]
            prefix = "SD-HOME" if variant == "import_from_unregistered" else "USB-PRIV"
            device = f"{prefix}-{number + 1:02d}"
            if variant == "export_to_unregistered":
                flow = some_export(builder, rng, partial(_private_export, builder, device=device),
                                   what=f"a {RULE_ID} {variant} export")
                assert flow.executed is not None and flow.requested is not None
                connected = _connected_before(builder, flow.executed)
                ledger.violation(RULE_ID, variant, [connected, flow.executed, flow.requested])
                continue
            events = _media_use(builder, rng, variant, device)
            ledger.violation(RULE_ID, variant, events)

        for variant in ("other_section_registered_device", "own_registered_device_checked"):
            member, events = _lookalike(builder, rng, variant)
            ledger.lookalike(RULE_ID, variant, member.staff_id)


def _private_export(builder: MonthBuilder, member: StaffMember, day: dt.date, *, device: str) -> ExportFlow | None:
    return builder.export_flow(member, day, approver=builder.approver_for(member, day), device=device,
                               execution={"device_registered": False})


def _connected_before(builder: MonthBuilder, executed: EventDraft) -> EventDraft:
    """The media.connected export_flow emits just before an execution."""
    return next(e for e in builder.stream if e.action == "media.connected" and e.actor == executed.actor
                and e.fields["device_id"] == executed.fields["device_id"]
                and executed.occurred_at - dt.timedelta(minutes=2) <= e.occurred_at <= executed.occurred_at)


def _slot(builder: MonthBuilder, rng: random.Random) -> tuple[StaffMember, dt.date, dt.datetime]:
    for _ in range(_ATTEMPTS):
        member, day = rng.choice(builder.world.applicants), rng.choice(builder.world.working_days)
        shift = builder.shifts.get((member.staff_id, day))
        if shift is None:
            continue
        moment = builder.pick_time(shift, at(day, 9), at(day, 17))
        if moment is not None and within_session(shift, moment, moment + dt.timedelta(minutes=3)):
            return member, day, moment
    raise RuntimeError(f"{RULE_ID}: no free moment in {builder.world.label}")


def _media_use(builder: MonthBuilder, rng: random.Random, variant: str, device: str) -> list[EventDraft]:
    member, day, moment = _slot(builder, rng)
    shift = builder.shifts[(member.staff_id, day)]
    session = shift.session_at(moment)
    actor = builder.actor(member.staff_id, day)
    business = builder.world.unit_by_id[member.org_unit].business_codes[0]
    envelope = {"terminal_id": session.terminal_id, "session_id": session.session_id, "business_code": business}
    emit = builder.stream.emit
    if variant == "blocked_attempt":
        return [emit(moment, "media.connected", actor, "common-platform", outcome="denied", device_id=device,
                     registered=False, blocked=True, **envelope)]
    device_class = "sd_card" if variant == "import_from_unregistered" else "usb_storage"
    connected = emit(moment, "media.connected", actor, "common-platform", device_id=device, device_class=device_class,
                     registered=False, blocked=False, **envelope)
    then = "media.import" if variant == "import_from_unregistered" else "media.write"
    used = emit(moment + dt.timedelta(seconds=rng.randint(20, 90)), then, actor, "common-platform", device_id=device,
                device_class=device_class, registered=False, blocked=False, **envelope)
    return [connected, used]


def _lookalike(builder: MonthBuilder, rng: random.Random, variant: str) -> tuple[StaffMember, list[EventDraft]]:
    member, day, moment = _slot(builder, rng)
    session = builder.shifts[(member.staff_id, day)].session_at(moment)
    world = builder.world
    if variant == "other_section_registered_device":
        device = next(m.device_id for m in world.media if m.org_unit != member.org_unit)
    else:
        device = world.medium_of(member.org_unit)
    actor = builder.actor(member.staff_id, day)
    business = world.unit_by_id[member.org_unit].business_codes[0]
    envelope = {"terminal_id": session.terminal_id, "session_id": session.session_id, "business_code": business}
    emit = builder.stream.emit
    connected = emit(moment, "media.connected", actor, "common-platform", device_id=device, registered=True,
                     **envelope)
    wiped = emit(moment + dt.timedelta(minutes=2), "media.wiped", actor, "common-platform", device_id=device,
                 registered=True, **envelope)
    return member, [connected, wiped]
