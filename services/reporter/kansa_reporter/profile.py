"""Inputs a report needs that no log holds: the municipality's profile (deploy/tenants/<code>/profile.yaml) and
the month's manual attestations (a YAML file per month, passed with --attestations)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

PROFILE_FILE = "profile.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Assessment(_Model):
    number: str = Field(description="評価書番号, e.g. No.44")
    published: dt.date = Field(description="公表日")


class Band(_Model):
    """One declared band: its wording in the assessment and its bounds (max exclusive; none = open)."""

    text: str
    min: int = Field(default=0, ge=0)
    max: int | None = Field(default=None, ge=1)


class Bands(_Model):
    """The assessment's declared bands (対象人数, 使用者数, 委託先取扱者数)."""

    subjects: Band | None = None
    staff_users: Band | None = None
    contractor_handlers: Band | None = None


class Reviewer(_Model):
    role: str = Field(description="e.g. 所属長（個人情報保護管理者）, 情報セキュリティ管理者")
    name: str


class TenantProfile(_Model):
    municipality: str
    business: str = Field(description="事務の名称")
    assessment: Assessment
    systems: tuple[str, ...] = ()
    bands: Bands = Bands()
    reviewers: tuple[Reviewer, ...] = ()
    report_recipients: tuple[str, ...] = Field(default=(), description="Who receives the monthly PDF by e-mail.")


# The attestations §4.2-14 expects every month; one that is not in the file is printed as 未入力, never omitted.
EXPECTED_ATTESTATIONS: dict[str, tuple[str, str]] = {
    "training": ("研修の実施・受講", "Training delivered or completed"),
    "media_register": ("媒体管理簿の確認", "Media register checked"),
    "locked_storage": ("施錠保管の確認", "Locked storage checked"),
    "contractor_reports": ("委託先からの報告書の受領", "Contractor compliance reports received"),
    "reception_book": ("受付簿の記録", "Reception book kept"),
}


class Attestation(_Model):
    item: str = Field(pattern=r"^[a-z_]+$")
    done: bool
    attested_by: str
    attested_on: dt.date
    note: str = ""


class Attestations(_Model):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    items: tuple[Attestation, ...] = ()


class InputError(ValueError):
    """A profile or attestation file that does not load; the message names the file and the field."""


def _load(path: Path, model: type[_Model]) -> _Model:
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise InputError(f"{path}: {exc}") from exc


def load_profile(tenants_dir: Path, tenant: str) -> TenantProfile | None:
    path = tenants_dir / tenant / PROFILE_FILE
    if not path.is_file():
        return None
    profile = _load(path, TenantProfile)
    assert isinstance(profile, TenantProfile)
    return profile


def load_attestations(path: Path, month: str) -> Attestations:
    attestations = _load(path, Attestations)
    assert isinstance(attestations, Attestations)
    if attestations.month != month:
        raise InputError(f"{path}: attestations are for {attestations.month}, the report is for {month}")
    return attestations
