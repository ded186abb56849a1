"""Reference-data models (domain.md, "Reference data")."""

from __future__ import annotations

import datetime as dt
import hashlib
from enum import StrEnum

from pydantic import AwareDatetime, Field, model_validator

from kansa_schemas.envelope import Identifier, Model, TenantCode


class StaffStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"
    SECONDED = "seconded"
    DISMISSED = "dismissed"
    LEAVE = "leave"


class StaffRecord(Model):
    staff_id: Identifier
    org_unit: Identifier
    roles: tuple[Identifier, ...] = ()
    supervisor_id: Identifier | None = Field(default=None, description="上長")
    section_head_id: Identifier | None = Field(default=None, description="所属長")
    may_use_mynumber: bool = False
    status: StaffStatus = StaffStatus.ACTIVE
    status_effective_at: AwareDatetime | None = None
    shared_account: bool = False


class OrgUnit(Model):
    org_unit: Identifier
    name: str
    business_codes: tuple[Identifier, ...] = ()


class Terminal(Model):
    terminal_id: Identifier
    org_unit: Identifier
    site: Identifier = "main"
    designated_for: tuple[Identifier, ...] = Field(default=(), description="Business codes it is designated for.")


class RegisteredMedium(Model):
    device_id: Identifier
    org_unit: Identifier
    registered_on: dt.date


class Contract(Model):
    contract_id: Identifier
    contractor_org: Identifier
    scope_systems: tuple[Identifier, ...] = ()
    term_start: dt.date
    term_end: dt.date
    named_workers: tuple[Identifier, ...] = ()
    approved_subcontractors: tuple[Identifier, ...] = ()


class Destination(Model):
    destination_id: Identifier
    name: str
    legal_basis: str = ""
    spec_ids: tuple[Identifier, ...] = ()


class BusinessCalendar(Model):
    timezone: str = "Asia/Tokyo"
    work_start: dt.time = dt.time(8, 30)
    work_end: dt.time = dt.time(17, 15)
    holidays: tuple[dt.date, ...] = ()
    extra_working_days: tuple[dt.date, ...] = ()

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_working_days:
            return True
        return day.weekday() < 5 and day not in self.holidays


class DeclaredBands(Model):
    """The assessment's declared population bands, e.g. staff users '100人以上500人未満'."""

    subjects_min: int = Field(ge=0)
    subjects_max: int | None = None
    staff_users_min: int = Field(ge=0)
    staff_users_max: int | None = None
    contractor_handlers_min: int = Field(default=0, ge=0)
    contractor_handlers_max: int | None = None


class ReferenceBundle(Model):
    """One tenant's reference data in force from `valid_from`; the version is a content hash."""

    tenant: TenantCode
    valid_from: AwareDatetime
    staff: tuple[StaffRecord, ...] = ()
    org_units: tuple[OrgUnit, ...] = ()
    terminals: tuple[Terminal, ...] = ()
    registered_media: tuple[RegisteredMedium, ...] = ()
    export_applicants: tuple[Identifier, ...] = ()
    mynumber_businesses: tuple[Identifier, ...] = Field(
        default=(), description="Business codes (事務) permitted to use My Number."
    )
    contracts: tuple[Contract, ...] = ()
    destinations: tuple[Destination, ...] = ()
    calendar: BusinessCalendar = BusinessCalendar()
    declared_bands: DeclaredBands | None = None

    @model_validator(mode="after")
    def _unique_staff(self) -> ReferenceBundle:
        ids = [s.staff_id for s in self.staff]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"staff ids listed twice: {', '.join(duplicates)}")
        return self

    @property
    def version(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]
