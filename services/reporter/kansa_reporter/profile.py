"""Inputs a report needs that no log holds: the municipality's profile (deploy/tenants/<code>/profile.yaml) and
the month's manual attestations and findings (a YAML file per month, passed with --attestations)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Literal, NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

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


class ExpectedAttestation(NamedTuple):
    ja: str
    en: str
    refs: tuple[str, ...]  # requirements §4.2 item and the assessment lines it evidences


# The attestations expected every month: §4.2-14, and the §4.2 items no event feed covers (a register, a
# reconciliation or a report kept outside the logged systems). One not in the file is printed as 未入力, never
# omitted; an item that does not apply to the municipality is entered with `not_applicable: true` (対象外).
EXPECTED_ATTESTATIONS: dict[str, ExpectedAttestation] = {
    "training": ExpectedAttestation("研修の実施・受講", "Training delivered or completed",
                                    ("requirements §4.2-14", "III-9")),
    "media_register": ExpectedAttestation("媒体管理簿の確認", "Media register checked",
                                          ("requirements §4.2-14", "001 L307")),
    "locked_storage": ExpectedAttestation("施錠保管の確認", "Locked storage checked", ("requirements §4.2-14",)),
    "contractor_reports": ExpectedAttestation("委託先からの報告書の受領", "Contractor compliance reports received",
                                              ("requirements §4.2-14", "III-4", "001 L329")),
    "reception_book": ExpectedAttestation("受付簿の記録", "Reception book kept",
                                          ("requirements §4.2-14", "002 L246", "002 L308")),
    "pmh_subcontractor_report": ExpectedAttestation(
        "デジタル庁からのPMH再委託先点検報告の受領（年1回）",
        "Digital Agency's annual PMH re-subcontractor report received",
        ("requirements §4.2-14", "000 L351")),
    "shared_id_register": ExpectedAttestation("共用IDの例外登録簿の確認", "Shared-ID exception register checked",
                                              ("requirements §4.2-4", "III-3 リスク2", "002 L253")),
    "ic_card_reconciliation": ExpectedAttestation(
        "ICカード・職員証の棚卸し（貸与記録との照合）", "IC-card and staff-card inventory reconciled",
        ("requirements §4.2-4", "001 L311")),
    "media_wipe": ExpectedAttestation("媒体の消去（ワイプ）実施の確認", "Media wipe compliance checked",
                                      ("requirements §4.2-7", "002 L310")),
    "replica_reconciliation": ExpectedAttestation(
        "中間サーバー副本の突合結果の確認", "Intermediate-server replica reconciliation checked",
        ("requirements §4.2-9", "III-6", "001-III6R2-m3")),
    "log_backups": ExpectedAttestation("操作履歴のバックアップの確認", "Operation-history backups checked",
                                       ("requirements §4.2-2", "002 L258")),
    "pmh_review": ExpectedAttestation(
        "PMHの利用状況の確認（ネットワーク別ログイン、登録・連携・削除、IDSアラート）",
        "PMH use reviewed (logins by network, registrations, linkages, deletions, IDS alerts)",
        ("requirements §4.2-10", "000 L238")),
    "contract_end_certificates": ExpectedAttestation(
        "契約終了時の削除・返却証明書の受領", "Deletion or return certificates received for ended contracts",
        ("requirements §4.2-11", "III-4")),
}


class Attestation(_Model):
    item: str = Field(pattern=r"^[a-z_]+$")
    done: bool
    not_applicable: bool = Field(default=False, description="The item does not apply to this municipality (対象外).")
    attested_by: str
    attested_on: dt.date
    note: str = ""

    @model_validator(mode="after")
    def _not_both(self) -> Attestation:
        if self.done and self.not_applicable:
            raise ValueError(f"{self.item}: an item is either done or not applicable, not both")
        return self


FindingStatus = Literal["open", "in_progress", "done"]


class Finding(_Model):
    """A finding of the self-inspection and what is done about it (§4.2-15: owners and due dates)."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$", description="e.g. F-2026-10-01")
    title: str = Field(min_length=1)
    related: tuple[str, ...] = Field(default=(), description="Rule ids (DR-32) or assessment items (III-3 リスク2).")
    description: str = Field(min_length=1)
    corrective_action: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    due: dt.date
    status: FindingStatus


class Attestations(_Model):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    items: tuple[Attestation, ...] = ()
    findings: tuple[Finding, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> Attestations:
        for what, keys in (("item", [a.item for a in self.items]), ("finding id", [f.id for f in self.findings])):
            twice = sorted(k for k, n in Counter(keys).items() if n > 1)
            if twice:
                raise ValueError(f"each {what} may appear once; repeated: {', '.join(twice)}")
        return self


class InputError(ValueError):
    """A profile or attestation file that does not load; the message names the file and the field."""


def _load(path: Path, model: type[_Model]) -> _Model:
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise InputError(f"{path}: {exc}") from exc
    except ValueError as exc:  # YAML itself builds dates: `due: 2026-11-31` fails before validation
        raise InputError(f"{path}: {exc} (a date must exist, YYYY-MM-DD)") from exc


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
