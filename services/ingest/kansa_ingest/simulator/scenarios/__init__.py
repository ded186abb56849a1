"""One module per rule: each injects violations with their ground truth, and benign look-alikes."""

from __future__ import annotations

from kansa_ingest.simulator.scenarios.base import Scenario
from kansa_ingest.simulator.scenarios.dr01_access_after_departure import AccessAfterDeparture
from kansa_ingest.simulator.scenarios.dr07_concurrent_sessions import ConcurrentSessions
from kansa_ingest.simulator.scenarios.dr24_bulk_lookup import BulkLookup
from kansa_ingest.simulator.scenarios.dr32_export_without_approval import ExportWithoutApproval
from kansa_ingest.simulator.scenarios.dr33_self_approval import SelfApproval

RULE_IDS = ("DR-01", "DR-07", "DR-24", "DR-32", "DR-33")


def all_scenarios() -> list[Scenario]:
    """Fresh instances in a fixed order (the order is part of what makes a seed reproducible)."""
    return [AccessAfterDeparture(), ConcurrentSessions(), BulkLookup(), ExportWithoutApproval(), SelfApproval()]


__all__ = ["RULE_IDS", "Scenario", "all_scenarios"]
