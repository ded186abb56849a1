"""Reference data as the engine sees it: the tenant's bundle in force, indexed, plus HR changes from the stream."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kansa_detector.engine.fields import EPOCH, from_us, to_us
from kansa_detector.engine.store import StateStore
from kansa_schemas.events.hr import HrChange
from kansa_schemas.reference.models import (
    BusinessCalendar,
    OrgUnit,
    ReferenceBundle,
    StaffRecord,
    StaffStatus,
)

DEFAULT_TZ = ZoneInfo("Asia/Tokyo")
NO_REFERENCE = "none"
_HR_HISTORY = 20  # changes kept per person; older ones are superseded anyway

# Roster status -> the HR change that produced it (same vocabulary as hr.changed).
_STATUS_CHANGE = {
    StaffStatus.RETIRED: "retirement",
    StaffStatus.SECONDED: "secondment",
    StaffStatus.DISMISSED: "dismissal",
    StaffStatus.LEAVE: "leave",
}


class ReferenceProvider(Protocol):
    def bundle(self, tenant: str) -> ReferenceBundle | None:
        """The bundle in force for the tenant now; its version is recorded on alerts."""
        ...


class StaticReference:
    """Fixed bundles (tests, replay); `set` swaps one in, as a reload would."""

    def __init__(self, bundles: Mapping[str, ReferenceBundle] | Iterable[ReferenceBundle] = ()) -> None:
        items = bundles.values() if isinstance(bundles, Mapping) else bundles
        self._bundles = {b.tenant: b for b in items}

    def bundle(self, tenant: str) -> ReferenceBundle | None:
        return self._bundles.get(tenant)

    def set(self, bundle: ReferenceBundle) -> None:
        self._bundles[bundle.tenant] = bundle


@dataclass(frozen=True)
class StatusChange:
    change_type: str
    effective_at: dt.datetime
    source: str  # "roster" | "hr_event"
    from_org: str | None = None
    to_org: str | None = None
    event_id: str | None = None

    def order(self) -> tuple[dt.datetime, str, str]:
        return self.effective_at, self.source, self.event_id or ""


class BundleIndex:
    """Lookups over one bundle, built once per bundle object (bundles are immutable)."""

    def __init__(self, bundle: ReferenceBundle) -> None:
        self.bundle = bundle
        self.version = bundle.version
        self.staff = {s.staff_id: s for s in bundle.staff}
        self.org_units = {o.org_unit: o for o in bundle.org_units}
        self.lists: dict[str, frozenset[str]] = {
            "registered_media": frozenset(m.device_id for m in bundle.registered_media),
            "export_applicants": frozenset(bundle.export_applicants),
        }
        try:
            self.timezone: dt.tzinfo = ZoneInfo(bundle.calendar.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.timezone = DEFAULT_TZ


def hr_key(tenant: str, staff_id: str) -> str:
    return f"{tenant}|~hr|{staff_id}"


def record_hr_change(store: StateStore, event: HrChange) -> None:
    """Remember an hr.changed event: it overlays the roster until the bundle catches up."""
    key = hr_key(event.tenant, event.staff_id)
    state = store.get(key) or {"changes": []}
    changes: list[dict[str, Any]] = state["changes"]
    if any(c["event_id"] == event.event_id for c in changes):
        return
    changes.append({
        "type": event.change_type.value, "at": to_us(event.effective_at), "from": event.from_org,
        "to": event.to_org, "event_id": event.event_id,
    })
    changes.sort(key=lambda c: (c["at"], c["event_id"]))
    state["changes"] = changes[-_HR_HISTORY:]
    store.put(key, state)


class ReferenceView:
    """What rules may read about a tenant at one moment: never mutated by rules."""

    def __init__(self, tenant: str, index: BundleIndex | None, store: StateStore) -> None:
        self.tenant = tenant
        self._index = index
        self._store = store

    @property
    def bundle(self) -> ReferenceBundle | None:
        return self._index.bundle if self._index else None

    @property
    def version(self) -> str:
        return self._index.version if self._index else NO_REFERENCE

    @property
    def timezone(self) -> dt.tzinfo:
        return self._index.timezone if self._index else DEFAULT_TZ

    @property
    def calendar(self) -> BusinessCalendar:
        return self._index.bundle.calendar if self._index else BusinessCalendar()

    def staff(self, staff_id: str) -> StaffRecord | None:
        return self._index.staff.get(staff_id) if self._index else None

    def org_unit(self, code: str) -> OrgUnit | None:
        return self._index.org_units.get(code) if self._index else None

    def listed(self, name: str, value: str) -> bool:
        """Whether `value` is on the bundle's reference list `name` (registered_media, export_applicants)."""
        return self._index is not None and value in self._index.lists[name]

    def status_changes(self, staff_id: str) -> list[StatusChange]:
        """Roster status and hr.changed events for one person, oldest first."""
        changes: list[StatusChange] = []
        record = self.staff(staff_id)
        if record is not None and record.status in _STATUS_CHANGE:
            # A roster status without a date has been in force for as long as we know.
            effective = record.status_effective_at or EPOCH
            changes.append(StatusChange(_STATUS_CHANGE[record.status], effective, "roster", to_org=record.org_unit))
        state = self._store.get(hr_key(self.tenant, staff_id))
        for c in state["changes"] if state else ():
            changes.append(StatusChange(c["type"], from_us(c["at"]), "hr_event", c["from"], c["to"], c["event_id"]))
        return sorted(changes, key=StatusChange.order)
