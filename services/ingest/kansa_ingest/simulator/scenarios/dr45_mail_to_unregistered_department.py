"""DR-45 transfer mail to a department that is no registered 移転先 (000 II-5 L199-214: 庁内メール only to
子ども育成課).

Violations, each a password-protected mail of specific personal information under the 所属長's prior 決裁:
- unregistered_department: to 子育て支援課, on no registry;
- system_link_destination_by_mail: to 国民健康保険課, a 移転先 registered for the system link only;
- another_file_destination: a file of ひとり親家庭等医療費助成 to 子ども育成課, registered for 子ども医療費助成 only;
- registered_and_unregistered_together: 子ども育成課 and 子育て支援課 on one mail.
Look-alikes: transfers to 子ども育成課 and files shared among the sections running the business (DR-42's traffic).
"""

from __future__ import annotations

from kansa_ingest.simulator.generate import MonthBuilder
from kansa_ingest.simulator.scenarios.base import InjectLater
from kansa_ingest.simulator.scenarios.dr42_mail_without_password import (
    TRANSFER_BUSINESS,
    senders,
    some_slot,
    transfer_mail,
)
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESS_UNITS, MAIL_DESTINATION_UNIT

RULE_ID = "DR-45"
VARIANTS = ("unregistered_department", "system_link_destination_by_mail", "another_file_destination",
            "registered_and_unregistered_together")
UNREGISTERED_UNIT = "kosodate-shien"  # 子育て支援課: receives nothing from this file
OTHER_FILE = "HITORIOYA_IRYO"


class MailToUnregisteredDepartment(InjectLater):
    rule_id = RULE_ID

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng = builder.fork(RULE_ID)
        transferring = senders(builder, TRANSFER_BUSINESS)
        other_file = senders(builder, OTHER_FILE)
        kokuho = next(u.org_unit for u in BUSINESS_UNITS if u.business_codes == ("KOKUHO",))
        for number in range(self._violations):
            variant = VARIANTS[number % len(VARIANTS)]
            people = other_file if variant == "another_file_destination" else transferring
            slot = some_slot(builder, rng, people, what=f"a {RULE_ID} {variant}")
            if variant == "unregistered_department":
                mail = transfer_mail(builder, rng, slot, to_units=(UNREGISTERED_UNIT,))
            elif variant == "system_link_destination_by_mail":
                mail = transfer_mail(builder, rng, slot, to_units=(kokuho,))
            elif variant == "another_file_destination":
                mail = transfer_mail(builder, rng, slot, business=OTHER_FILE)
            else:
                mail = transfer_mail(builder, rng, slot, to_units=(MAIL_DESTINATION_UNIT, UNREGISTERED_UNIT))
            ledger.violation(RULE_ID, variant, [mail])

        slot = some_slot(builder, rng, transferring, what=f"a {RULE_ID} look-alike")
        transfer_mail(builder, rng, slot)
        ledger.lookalike(RULE_ID, "registered_department", slot.member.staff_id)
