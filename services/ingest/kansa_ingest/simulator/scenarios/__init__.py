"""One module per rule: each injects violations with their ground truth, and benign look-alikes."""

from __future__ import annotations

from kansa_ingest.simulator.scenarios.base import Scenario
from kansa_ingest.simulator.scenarios.dr01_access_after_departure import AccessAfterDeparture
from kansa_ingest.simulator.scenarios.dr03_deletion_without_section_head_request import (
    DeletionWithoutSectionHeadRequest,
)
from kansa_ingest.simulator.scenarios.dr07_concurrent_sessions import ConcurrentSessions
from kansa_ingest.simulator.scenarios.dr08_shared_or_generic_id import SharedOrGenericId
from kansa_ingest.simulator.scenarios.dr09_login_without_second_factor import LoginWithoutSecondFactor
from kansa_ingest.simulator.scenarios.dr11_authentication_failure_burst import AuthenticationFailureBurst
from kansa_ingest.simulator.scenarios.dr24_bulk_lookup import BulkLookup
from kansa_ingest.simulator.scenarios.dr31_unregistered_media import UnregisteredMedia
from kansa_ingest.simulator.scenarios.dr32_export_without_approval import ExportWithoutApproval
from kansa_ingest.simulator.scenarios.dr33_self_approval import SelfApproval
from kansa_ingest.simulator.scenarios.dr34_executor_not_applicant import ExecutorNotApplicant
from kansa_ingest.simulator.scenarios.dr35_non_designated_applicant import NonDesignatedApplicant
from kansa_ingest.simulator.scenarios.dr36_export_deviates_from_approval import ExportDeviatesFromApproval
from kansa_ingest.simulator.scenarios.dr37_unencrypted_export import UnencryptedExport

RULE_IDS = (
    "DR-01", "DR-03", "DR-07", "DR-08", "DR-09", "DR-11", "DR-24",
    "DR-31", "DR-32", "DR-33", "DR-34", "DR-35", "DR-36", "DR-37",
)


def all_scenarios() -> list[Scenario]:
    """Fresh instances in a fixed order (the order is part of what makes a seed reproducible)."""
    return [
        AccessAfterDeparture(), ConcurrentSessions(), BulkLookup(), ExportWithoutApproval(), SelfApproval(),
        UnregisteredMedia(), ExecutorNotApplicant(), NonDesignatedApplicant(), ExportDeviatesFromApproval(),
        UnencryptedExport(), LoginWithoutSecondFactor(), AuthenticationFailureBurst(),
        SharedOrGenericId(), DeletionWithoutSectionHeadRequest(),
    ]


__all__ = ["RULE_IDS", "Scenario", "all_scenarios"]
