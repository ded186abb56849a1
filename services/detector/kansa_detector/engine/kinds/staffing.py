"""Where a staff member stands when an event happens, for the use kinds (off_hours, entitlement, unmatched, purpose):
their section after the transfers in force, and whether the event is one DR-01 reports.

The roster in the bundle is the state at its `valid_from`; hr.changed events seen on the stream overlay it
(ReferenceView.status_changes), so a transferee's new section counts from the transfer's effective time.
"""

from __future__ import annotations

import datetime as dt

from kansa_detector.engine.reference import ReferenceView
from kansa_schemas.events import Event
from kansa_schemas.events.hr import HrChangeType

DEPARTURES = frozenset({HrChangeType.RETIREMENT.value, HrChangeType.SECONDMENT.value, HrChangeType.DISMISSAL.value})
_TRANSFER = HrChangeType.TRANSFER.value


def section_at(view: ReferenceView, staff_id: str, at: dt.datetime) -> str | None:
    """The person's org unit at `at`: the roster's, unless a transfer in force by then moved them."""
    record = view.staff(staff_id)
    org = record.org_unit if record is not None else None
    for change in view.status_changes(staff_id):  # oldest first: the latest transfer in force wins
        if change.change_type == _TRANSFER and change.to_org and change.effective_at <= at:
            org = change.to_org
    return org


def reported_by_departure(view: ReferenceView, event: Event) -> bool:
    """Whether DR-01 (access after departure, with its default joins) owns this event: the actor's latest HR change in
    force is a retirement, secondment or dismissal, or a transfer whose former section runs the event's business and
    whose new one does not. Rules that judge staff in service leave these to it, so one fact raises one alert."""
    in_force = [c for c in view.status_changes(event.actor.id) if c.effective_at <= event.occurred_at]
    if not in_force:
        return False
    latest = in_force[-1]
    if latest.change_type in DEPARTURES:
        return True
    code = event.business_code
    if latest.change_type != _TRANSFER or not latest.from_org or code is None:
        return False
    former = view.org_unit(latest.from_org)
    if former is None or code not in former.business_codes:
        return False
    record = view.staff(event.actor.id)
    current_org = latest.to_org or (record.org_unit if record is not None else None)
    current = view.org_unit(current_org) if current_org is not None else None
    return current is None or code not in current.business_codes
