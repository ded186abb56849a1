"""Reference-data models (domain.md, "Reference data")."""

from __future__ import annotations

import datetime as dt
import hashlib
from enum import StrEnum
from typing import Literal

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


class RoleDefinition(Model):
    """One row of the role → business (事務) matrix: what holding the role lets its holder do."""

    role_id: Identifier
    org_unit: Identifier | None = Field(default=None, description="The section whose staff the role is for.")
    business_codes: tuple[Identifier, ...] = Field(default=(), description="Businesses the role gives access to.")
    mynumber: bool = Field(default=False, description="The role can use My Number (特定個人情報).")


class Terminal(Model):
    terminal_id: Identifier
    org_unit: Identifier
    site: Identifier = "main"
    designated_for: tuple[Identifier, ...] = Field(default=(), description="Business codes it is designated for.")


class RegisteredMedium(Model):
    device_id: Identifier
    org_unit: Identifier
    registered_on: dt.date


class SubcontractorApproval(Model):
    """The city's approval of a re-subcontractor (再委託先) under a contract, in force from `approved_on` (000 L351)."""

    contractor_org: Identifier
    approved_on: dt.date


class Contract(Model):
    contract_id: Identifier
    contractor_org: Identifier
    scope_systems: tuple[Identifier, ...] = ()
    term_start: dt.date
    term_end: dt.date
    named_workers: tuple[Identifier, ...] = ()
    approved_subcontractors: tuple[Identifier, ...] = ()
    subcontractor_approvals: tuple[SubcontractorApproval, ...] = Field(
        default=(), description="Dated approvals: the organisation is an approved subcontractor from that day on."
    )


class TransferChannel(StrEnum):
    """How data reach a 移転先 (the assessments' II-5 ⑥ 移転方法)."""

    SYSTEM_LINK = "system_link"  # 庁内連携システム / システム内連携
    DEDICATED_LINE = "dedicated_line"  # 専用線
    MAIL = "mail"  # 庁内メール
    MEDIA = "media"
    PAPER = "paper"


class Destination(Model):
    destination_id: Identifier
    name: str
    legal_basis: str = ""
    spec_ids: tuple[Identifier, ...] = ()
    org_unit: Identifier | None = Field(default=None, description="The receiving department, when it is internal.")
    channels: tuple[TransferChannel, ...] = Field(default=(), description="Registered 移転方法 (II-5 ⑥).")
    business_codes: tuple[Identifier, ...] = Field(
        default=(), description="事務 whose file may be transferred there (II-5 is per file); empty = any."
    )


class TransferSpec(Model):
    """A link specification agreed with the receiving department (000 L360): what is sent and how it starts."""

    spec_id: Identifier
    items: tuple[str, ...] = ()
    initiation: tuple[Literal["automatic", "manual"], ...] = ("automatic",)


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


class OvertimeEntry(Model):
    """An overtime or holiday-work order (時間外・休日勤務命令) for one person on one day: the legitimate exception to
    off-hours use (DR-14). Covers `start` to `until` on `date` in the calendar's timezone."""

    staff_id: Identifier
    date: dt.date
    start: dt.time = Field(default=dt.time(0), description="From (00:00: from the start of the day).")
    until: dt.time
    approved_by: Identifier | None = Field(default=None, description="The 所属長 who ordered it.")

    @model_validator(mode="after")
    def _ordered(self) -> OvertimeEntry:
        if self.until <= self.start:
            raise ValueError("until must be after start (split an order that runs past midnight)")
        return self


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
    transfer_specs: tuple[TransferSpec, ...] = ()
    internal_mail_domains: tuple[str, ...] = Field(
        default=(), description="Mail domains inside the municipality's network (subdomains included)."
    )
    calendar: BusinessCalendar = BusinessCalendar()
    declared_bands: DeclaredBands | None = None
    roles: tuple[RoleDefinition, ...] = Field(default=(), description="Role → business matrix (DR-04).")
    overtime: tuple[OvertimeEntry, ...] = Field(
        default=(), description="Overtime and holiday-work roster (DR-14)."
    )

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
