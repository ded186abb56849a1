"""DR-43 specific personal information mailed outside the internal network (000 L360 「府外へは送付しない」;
Sakai's ex-employee took files home, 000 L465).

Violations, each otherwise in order (password-protected; an internal recipient is a registered 移転先 under the
所属長's 決裁), so no other mail rule applies:
- free_mail_address: to a free-mail address;
- other_body_on_lgwan: to another municipality's LGWAN domain that the gateway counted as internal;
- outside_cc_on_transfer: a registered transfer with an outside partner in Cc;
- own_private_address: the sender mails the file to a private address (to work on it at home).
Look-alikes: mail without personal data to outside partners (DR-42's traffic); specific personal information to a
ward office on an internal subdomain.
"""

from __future__ import annotations

from kansa_ingest.simulator.generate import MonthBuilder
from kansa_ingest.simulator.scenarios.base import InjectLater
from kansa_ingest.simulator.scenarios.dr42_mail_without_password import (
    PARTNER_DOMAINS,
    TRANSFER_BUSINESS,
    send_mail,
    senders,
    some_slot,
    transfer_mail,
)
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESS_UNITS

RULE_ID = "DR-43"
VARIANTS = ("free_mail_address", "other_body_on_lgwan", "outside_cc_on_transfer", "own_private_address")
OUTSIDE = {
    "free_mail_address": "gmail.com",
    "other_body_on_lgwan": "city.tonari.lg.jp",
    "own_private_address": "docomo.ne.jp",
}


class SpecificPiMailedOutside(InjectLater):
    rule_id = RULE_ID

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng = builder.fork(RULE_ID)
        transferring = senders(builder, TRANSFER_BUSINESS)
        for number in range(self._violations):
            variant = VARIANTS[number % len(VARIANTS)]
            slot = some_slot(builder, rng, transferring, what=f"a {RULE_ID} {variant}")
            if variant == "outside_cc_on_transfer":
                mail = transfer_mail(builder, rng, slot, external=(rng.choice(PARTNER_DOMAINS),))
            else:
                mail = send_mail(
                    builder, slot, external=(OUTSIDE[variant],), content="specific", protection="password",
                    business=TRANSFER_BUSINESS, counted_external=0 if variant == "other_body_on_lgwan" else None,
                )
            ledger.violation(RULE_ID, variant, [mail])

        wards = [u.org_unit for u in BUSINESS_UNITS if u.site != "honcho" and TRANSFER_BUSINESS in u.business_codes]
        slot = some_slot(builder, rng, transferring, what=f"a {RULE_ID} look-alike")
        ward = rng.choice([w for w in wards if w != slot.member.org_unit])
        send_mail(builder, slot, to_units=(ward,), content="specific", protection="password",
                  business=TRANSFER_BUSINESS)
        ledger.lookalike(RULE_ID, "ward_office_subdomain", slot.member.staff_id)
        slot = some_slot(builder, rng, transferring, what=f"a {RULE_ID} look-alike")
        send_mail(builder, slot, external=(rng.choice(PARTNER_DOMAINS),), content="document")
        ledger.lookalike(RULE_ID, "partner_mail_without_personal_data", slot.member.staff_id)
