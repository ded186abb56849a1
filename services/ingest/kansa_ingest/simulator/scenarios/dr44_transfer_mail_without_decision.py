"""DR-44 transfer mail without the 所属長's decision (000 L360 「移転する内容について、所属長の決裁を得た上で提供」).

Violations: a password-protected transfer of specific personal information to the registered 移転先 (子ども育成課),
completed by the mail, whose 決裁 is
- no_approval: not cited at all;
- approval_pending: cited but not yet approved when the mail left;
- approved_after_send: approved by the 所属長 only after the send (事後決裁);
- approved_by_supervisor: approved, beforehand, by the sender's 上長 instead of the 所属長.
Look-alikes: registered transfers approved by the 所属長 beforehand (DR-42's traffic, and one here); a file shared with
a ward section running the same business, which is use rather than 移転 and needs no 決裁.
"""

from __future__ import annotations

from kansa_ingest.simulator.generate import MonthBuilder
from kansa_ingest.simulator.scenarios.base import InjectLater
from kansa_ingest.simulator.scenarios.dr42_mail_without_password import (
    TRANSFER_BUSINESS,
    Approval,
    head_approval,
    send_mail,
    senders,
    some_slot,
    transfer_mail,
)
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESS_UNITS, MAIL_DESTINATION_UNIT

RULE_ID = "DR-44"
VARIANTS = ("no_approval", "approval_pending", "approved_after_send", "approved_by_supervisor")


class TransferMailWithoutDecision(InjectLater):
    rule_id = RULE_ID

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng = builder.fork(RULE_ID)
        # Clerks, so that every sender has a 上長 below the 所属長.
        clerks = [s for s in senders(builder, TRANSFER_BUSINESS) if s.supervisor_id != s.section_head_id]
        for number in range(self._violations):
            variant = VARIANTS[number % len(VARIANTS)]
            slot = some_slot(builder, rng, clerks, what=f"a {RULE_ID} {variant}")
            approval: Approval | None = None
            if variant == "approval_pending":
                approval = Approval(builder.next_id("KESSAI"), None, None)
            elif variant == "approved_after_send":
                approval = head_approval(builder, rng, slot, after_send=True)
            elif variant == "approved_by_supervisor":
                approval = head_approval(builder, rng, slot, approver=slot.member.supervisor_id)
            mail = send_mail(builder, slot, to_units=(MAIL_DESTINATION_UNIT,), content="specific",
                             protection="password", business=TRANSFER_BUSINESS, approval=approval)
            ledger.violation(RULE_ID, variant, [mail])

        slot = some_slot(builder, rng, clerks, what=f"a {RULE_ID} look-alike")
        transfer_mail(builder, rng, slot)
        ledger.lookalike(RULE_ID, "approved_by_section_head_before_send", slot.member.staff_id)
        slot = some_slot(builder, rng, clerks, what=f"a {RULE_ID} look-alike")
        ward = rng.choice([u.org_unit for u in BUSINESS_UNITS
                           if TRANSFER_BUSINESS in u.business_codes and u.org_unit != slot.member.org_unit])
        send_mail(builder, slot, to_units=(slot.member.org_unit, ward), content="specific", protection="password",
                  business=TRANSFER_BUSINESS)
        ledger.lookalike(RULE_ID, "same_business_section_without_decision", slot.member.staff_id)
