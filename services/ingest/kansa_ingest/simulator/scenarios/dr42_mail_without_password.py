"""DR-42 specific personal information mailed without password protection (000 L360 「パスワードによる保護を
行っている」, L363), and the month's mail traffic, which the benign generator does not produce.

Mail traffic (the gateway's mail.sent, from the sender's own terminal inside their session, 09:00-17:00):
- ordinary mail: notices, documents, personal data without numbers (password-protected), and mail without personal
  data to outside partners;
- registered transfers (000 II-5 移転先2/3): specific personal information to 子ども育成課, password-protected, under
  a 決裁 approved by the sender's 所属長 earlier that day;
- specific personal information shared among the sections running the business (use, not 移転), protected, no 決裁.
Violations (the mail completes it, otherwise in order):
- unprotected_transfer_mail: a registered transfer sent without a password;
- unprotected_mail_within_business: a file with personal numbers to a colleague, without a password.
Look-alikes: the protected traffic above; an S/MIME-encrypted file without a password.
The helpers here are shared by the other mail scenarios (DR-43, DR-44, DR-45).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from kansa_ingest.simulator.generate import MonthBuilder, Session, at, secs
from kansa_ingest.simulator.scenarios.base import InjectLater, within_session
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESS_UNITS, MAIL_DESTINATION_UNIT, Rank, StaffMember

RULE_ID = "DR-42"
VARIANTS = ("unprotected_transfer_mail", "unprotected_mail_within_business")
MAIL_SYSTEM = "mail-gateway"
TRANSFER_BUSINESS = "KODOMO_IRYO"  # the file with registered mail 移転先 (world.DESTINATIONS)
ORDINARY_MAIL_SHARE = 0.35  # chance a free clerk or 上長 sends one ordinary mail on a given day
TRANSFERS_PER_WEEK = 2
SHARES_PER_WEEK = 2
PARTNER_DOMAINS = ("nishinihon-it.co.jp", "kokuhoren-example.or.jp", "insatsu-example.co.jp")
_ATTEMPTS = 400

Content = Literal["none", "document", "personal", "specific"]
Protection = Literal["none", "password", "encrypted"]


@dataclass(frozen=True)
class Slot:
    """A moment when a person is logged in on their own terminal, on a day no scenario has planned."""

    member: StaffMember
    day: dt.date
    moment: dt.datetime
    session: Session


@dataclass(frozen=True)
class Approval:
    """The 決裁 a mail cites, as ingest resolves it from the 電子決裁 record."""

    approval_id: str
    approver_id: str | None
    approved_at: dt.datetime | None


def senders(builder: MonthBuilder, business: str | None = None) -> list[StaffMember]:
    """Clerks and 上長 of the business sections whose month nobody owns (optionally: running `business`)."""
    units = {u.org_unit for u in BUSINESS_UNITS if business is None or business in u.business_codes}
    return [
        s for s in builder.world.staff
        if s.rank in (Rank.CLERK, Rank.SUPERVISOR) and s.org_unit in units
        and s.staff_id not in builder.timeline.reserved
    ]


def slot_on(builder: MonthBuilder, member: StaffMember, day: dt.date) -> Slot | None:
    if (member.staff_id, day) in builder.timeline.plans:
        return None  # a scenario's or the counter's day: leave it as planned
    shift = builder.shifts.get((member.staff_id, day))
    if shift is None:
        return None
    own = builder.timeline.terminal_on(member.staff_id, day)
    for _ in range(4):
        moment = builder.pick_time(shift, at(day, 9), at(day, 16, 50))
        if moment is None:
            return None
        if within_session(shift, moment - secs(60), moment + secs(60)):
            session = shift.session_at(moment)
            if session.terminal_id == own:
                return Slot(member, day, moment, session)
    return None


def some_slot(builder: MonthBuilder, rng: random.Random, people: Sequence[StaffMember], *, what: str) -> Slot:
    for _ in range(_ATTEMPTS):
        slot = slot_on(builder, rng.choice(people), rng.choice(builder.world.working_days))
        if slot is not None:
            return slot
    raise RuntimeError(f"no free sender for {what} in {builder.world.label}")


def head_approval(builder: MonthBuilder, rng: random.Random, slot: Slot, *, approver: str | None = None,
                  after_send: bool = False) -> Approval:
    """A 決裁 approved by the sender's 所属長 (or `approver`) before the send that day, or the day before."""
    approver_id = approver or slot.member.section_head_id
    assert approver_id is not None
    approval_id = builder.next_id("KESSAI")
    if after_send:
        return Approval(approval_id, approver_id, slot.moment + dt.timedelta(minutes=rng.randint(45, 180)))
    shift = builder.shifts.get((approver_id, slot.day))
    approved = None
    if shift is not None:
        approved = builder.pick_time(shift, at(slot.day, 8, 40), slot.moment - dt.timedelta(minutes=10))
    if approved is None:  # sent early in the morning: approved the afternoon before
        approved = slot.moment - dt.timedelta(hours=18) + secs(rng.randint(0, 3600))
    return Approval(approval_id, approver_id, approved)


def domain_of(builder: MonthBuilder, org_unit: str) -> str:
    """Ward offices have their own subdomain; every other department is on the municipality's domain."""
    unit = builder.world.unit_by_id.get(org_unit)
    if unit is not None and unit.site != "honcho":
        return f"{unit.site.split('-')[0]}.{builder.world.mail_domain}"
    return builder.world.mail_domain


def send_mail(
    builder: MonthBuilder,
    slot: Slot,
    *,
    to_units: Sequence[str] = (),
    external: Sequence[str] = (),
    counted_external: int | None = None,
    content: Content = "none",
    protection: Protection = "none",
    business: str | None = None,
    approval: Approval | None = None,
) -> EventDraft:
    """One mail.sent as the gateway reports it. `counted_external` overrides the gateway's external count (a
    recipient the gateway wrongly takes as internal)."""
    domains = tuple(dict.fromkeys([*(domain_of(builder, u) for u in to_units), *external]))
    return builder.stream.emit(
        slot.moment, "mail.sent", builder.actor(slot.member.staff_id, slot.day), MAIL_SYSTEM,
        terminal_id=slot.session.terminal_id, session_id=slot.session.session_id, network_zone="internal",
        business_code=business if content == "specific" else None,
        recipient_count=max(1, len(to_units) + len(external)),
        external_recipient_count=len(external) if counted_external is None else counted_external,
        recipient_domains=domains, recipient_org_units=tuple(dict.fromkeys(to_units)) or None,
        has_attachment=content != "none", contains_personal_data=content in ("personal", "specific"),
        contains_specific_pi=content == "specific", password_protected=protection == "password",
        encrypted=protection == "encrypted",
        approval_id=approval.approval_id if approval else None,
        approver_id=approval.approver_id if approval else None,
        approved_at=approval.approved_at if approval else None,
    )


def transfer_mail(builder: MonthBuilder, rng: random.Random, slot: Slot, *, protection: Protection = "password",
                  to_units: Sequence[str] = (MAIL_DESTINATION_UNIT,), business: str = TRANSFER_BUSINESS,
                  external: Sequence[str] = ()) -> EventDraft:
    """A transfer mail in order but for what the caller changes: 決裁 by the 所属長 first, password, registered."""
    return send_mail(builder, slot, to_units=to_units, external=external, content="specific", protection=protection,
                     business=business, approval=head_approval(builder, rng, slot))


def business_colleague_units(builder: MonthBuilder, rng: random.Random, member: StaffMember) -> list[str]:
    """The sender's section, sometimes with another section running the same business (a ward office)."""
    code = builder.world.unit_by_id[member.org_unit].business_codes[0]
    others = [u.org_unit for u in BUSINESS_UNITS if code in u.business_codes and u.org_unit != member.org_unit]
    units = [member.org_unit]
    if others and rng.random() < 0.5:
        units.append(rng.choice(others))
    return units


def share_within_business(builder: MonthBuilder, rng: random.Random, slot: Slot,
                          protection: Protection = "password") -> EventDraft:
    units = business_colleague_units(builder, rng, slot.member)
    business = builder.world.unit_by_id[slot.member.org_unit].business_codes[0]
    return send_mail(builder, slot, to_units=units, content="specific", protection=protection, business=business)


def _ordinary_mail(builder: MonthBuilder, rng: random.Random, slot: Slot) -> None:
    kind = rng.choices(("notice", "document", "personal", "partner"), weights=(55, 28, 12, 5))[0]
    if kind == "partner":
        send_mail(builder, slot, external=(rng.choice(PARTNER_DOMAINS),), content="document")
        return
    everyone = [u.org_unit for u in builder.world.units]
    units = [slot.member.org_unit] * rng.randint(0, 2) + rng.sample(everyone, rng.randint(0, 2))
    units = units or [slot.member.org_unit]
    if kind == "notice":
        send_mail(builder, slot, to_units=units)
    elif kind == "document":
        send_mail(builder, slot, to_units=units, content="document")
    else:
        send_mail(builder, slot, to_units=[slot.member.org_unit], content="personal", protection="password")


def routine_mail(builder: MonthBuilder, rng: random.Random) -> list[EventDraft]:
    """The month's benign mail: ordinary mail, registered transfers under a 決裁, sharing within the business.
    Returns the registered transfers."""
    world = builder.world
    people = senders(builder)
    for day in world.working_days:
        for member in people:
            if rng.random() < ORDINARY_MAIL_SHARE and (slot := slot_on(builder, member, day)) is not None:
                _ordinary_mail(builder, rng, slot)
    weeks = max(1, round(len(world.working_days) / 5))
    transferring = senders(builder, TRANSFER_BUSINESS)
    transfers = [
        transfer_mail(builder, rng, some_slot(builder, rng, transferring, what="a registered transfer mail"))
        for _ in range(TRANSFERS_PER_WEEK * weeks)
    ]
    for _ in range(SHARES_PER_WEEK * weeks):
        share_within_business(builder, rng, some_slot(builder, rng, people, what="a file shared in the business"))
    return transfers


class MailWithoutPassword(InjectLater):
    rule_id = RULE_ID

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng = builder.fork(RULE_ID)
        transfers = routine_mail(builder, rng)
        ledger.lookalike(RULE_ID, "password_protected_transfer", transfers[0].actor.id)
        transferring = senders(builder, TRANSFER_BUSINESS)
        for number in range(self._violations):
            variant = VARIANTS[number % len(VARIANTS)]
            slot = some_slot(builder, rng, transferring, what=f"a {RULE_ID} {variant}")
            if variant == "unprotected_transfer_mail":
                mail = transfer_mail(builder, rng, slot, protection="none")
            else:
                mail = share_within_business(builder, rng, slot, protection="none")
            ledger.violation(RULE_ID, variant, [mail])

        slot = some_slot(builder, rng, transferring, what=f"a {RULE_ID} look-alike")
        share_within_business(builder, rng, slot, protection="encrypted")
        ledger.lookalike(RULE_ID, "encrypted_without_password", slot.member.staff_id)
