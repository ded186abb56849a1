"""DR-37 export without encryption or password (000 L468 オ 「強制的にパスワードを付与し、データを暗号化」).

Violations (the execution completes it): an export requested, approved by the applicant's 上長 or 所属長 and
executed by the applicant on the requested registered device, but written unencrypted.
Look-alikes: routine exports written encrypted.
"""

from __future__ import annotations

from kansa_ingest.simulator.generate import MonthBuilder
from kansa_ingest.simulator.scenarios.base import InjectLater, approved_export, some_export
from kansa_ingest.simulator.truth import TruthLedger

RULE_ID = "DR-37"
VARIANTS = ("not_encrypted",)


class UnencryptedExport(InjectLater):
    rule_id = RULE_ID

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng = builder.fork(RULE_ID)
        for number in range(self._violations):
            variant = VARIANTS[number % len(VARIANTS)]
            flow = some_export(
                builder, rng,
                approved_export(builder, execution={"encrypted": False}),
                what=f"a {RULE_ID} {variant} export",
            )
            assert flow.executed is not None and flow.requested is not None
            ledger.violation(RULE_ID, variant, [flow.executed, flow.requested])

        flow = some_export(builder, rng, approved_export(builder),
                           what=f"a {RULE_ID} look-alike")
        assert flow.requested is not None
        ledger.lookalike(RULE_ID, "encrypted_export", flow.requested.actor.id)
