"""The organisation, residents and business calendar a simulated month runs on.

Everything here is fixed for the month: the roster as of the month's first day, terminals, registered media,
the export-applicant list, the contract and the calendar. Changes inside the month (transfers, retirements) are
planned in `generate.Timeline` and reach the detector only as events.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from kansa_schemas.mynumber import make_valid
from kansa_schemas.reference import (
    BusinessCalendar,
    Contract,
    DeclaredBands,
    OrgUnit,
    ReferenceBundle,
    RegisteredMedium,
    StaffRecord,
    Terminal,
)
from kansa_schemas.reference.models import (
    Destination,
    OvertimeEntry,
    RoleDefinition,
    SubcontractorApproval,
    TransferChannel,
    TransferSpec,
)

JST = dt.timezone(dt.timedelta(hours=9))
SUPPORTED_YEARS = range(2022, 2100)  # the holiday rules below hold from 2022 (after the Olympic moves)
MIN_EVENTS = 20_000  # below this the five scenarios and their look-alikes crowd out the benign month
MAX_EVENTS = 2_000_000

_TENANT = re.compile(r"^\d{6}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def validate_tenant(code: str) -> str:
    """A 全国地方公共団体コード: five digits and a check digit (weights 6..2, mod 11)."""
    if not _TENANT.match(code):
        raise ValueError(f"tenant {code!r} is not a 6-digit municipality code (全国地方公共団体コード), e.g. 141003")
    remainder = sum(int(d) * w for d, w in zip(code[:5], (6, 5, 4, 3, 2), strict=True)) % 11
    expected = (11 - remainder) % 10
    if int(code[5]) != expected:
        raise ValueError(f"tenant {code!r} has a wrong check digit: {code[:5]}{expected} would be valid")
    return code


def parse_month(text: str) -> tuple[int, int]:
    match = _MONTH.match(text)
    if not match:
        raise ValueError(f"month {text!r} is not YYYY-MM, e.g. 2026-10")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"month {text!r}: {month} is not a month")
    if year not in SUPPORTED_YEARS:
        raise ValueError(f"month {text!r}: years {SUPPORTED_YEARS.start}-{SUPPORTED_YEARS.stop - 1} are supported")
    return year, month


# --- Calendar ---------------------------------------------------------------------------------------------------

def _nth_monday(year: int, month: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def national_holidays(year: int) -> dict[dt.date, str]:
    """国民の祝日 with 振替休日 and 国民の休日 (祝日法), equinoxes by the usual approximation for 1980-2099."""
    shift = year - 1980
    spring = int(20.8431 + 0.242194 * shift - shift // 4)
    autumn = int(23.2488 + 0.242194 * shift - shift // 4)
    base = {
        dt.date(year, 1, 1): "元日",
        _nth_monday(year, 1, 2): "成人の日",
        dt.date(year, 2, 11): "建国記念の日",
        dt.date(year, 2, 23): "天皇誕生日",
        dt.date(year, 3, spring): "春分の日",
        dt.date(year, 4, 29): "昭和の日",
        dt.date(year, 5, 3): "憲法記念日",
        dt.date(year, 5, 4): "みどりの日",
        dt.date(year, 5, 5): "こどもの日",
        _nth_monday(year, 7, 3): "海の日",
        dt.date(year, 8, 11): "山の日",
        _nth_monday(year, 9, 3): "敬老の日",
        dt.date(year, 9, autumn): "秋分の日",
        _nth_monday(year, 10, 2): "スポーツの日",
        dt.date(year, 11, 3): "文化の日",
        dt.date(year, 11, 23): "勤労感謝の日",
    }
    holidays = dict(base)
    one = dt.timedelta(days=1)
    for day in base:
        squeezed = day + one
        if squeezed not in base and squeezed + one in base and squeezed.weekday() != 6:
            holidays[squeezed] = "国民の休日"
    for day in sorted(base):
        if day.weekday() == 6:
            substitute = day + one
            while substitute in holidays:
                substitute += one
            holidays[substitute] = "振替休日"
    return dict(sorted(holidays.items()))


def office_holidays(year: int, month: int) -> dict[dt.date, str]:
    """Days the office is closed in the month: national holidays and 年末年始 (行政機関の休日に関する法律)."""
    closed = {d: n for d, n in national_holidays(year).items() if d.month == month}
    if month == 12:
        closed |= {dt.date(year, 12, d): "年末年始" for d in (29, 30, 31)}
    if month == 1:
        closed |= {dt.date(year, 1, d): "年末年始" for d in (2, 3) if dt.date(year, 1, d) not in closed}
    return dict(sorted(closed.items()))


# --- Organisation -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Business:
    code: str
    name: str
    system: str  # the source_system of its business application
    record_type: str


BUSINESSES: dict[str, Business] = {
    b.code: b
    for b in (
        Business("KODOMO_IRYO", "子ども医療費助成", "kodomo-iryo-system", "受給者台帳"),
        Business("HITORIOYA_IRYO", "ひとり親家庭等医療費助成", "fukushi-iryo-system", "受給者台帳"),
        Business("KOKUHO", "国民健康保険", "kokuho-system", "被保険者台帳"),
        Business("JUMIN", "住民記録", "jumin-kiroku-system", "住民票"),
    )
}


@dataclass(frozen=True)
class UnitSpec:
    org_unit: str
    short: str  # used in terminal and device ids
    name: str
    site: str
    business_codes: tuple[str, ...]
    share: float  # share of the business staff

    @property
    def system(self) -> str:
        """The application its staff log in to first."""
        return BUSINESSES[self.business_codes[0]].system if self.business_codes else "common-platform"


BUSINESS_UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("iryo-nenkin", "IRYO", "健康福祉局 医療年金課", "honcho", ("KODOMO_IRYO", "HITORIOYA_IRYO"), 3.0),
    UnitSpec("kokuho", "KOKUHO", "健康福祉局 国民健康保険課", "honcho", ("KOKUHO",), 3.0),
    UnitSpec("shimin", "SHIMIN", "市民局 市民課", "honcho", ("JUMIN",), 2.0),
    UnitSpec("kita-hoken", "KITA", "北区役所 保険年金課", "kita-ward", ("KODOMO_IRYO", "KOKUHO"), 1.5),
    UnitSpec("minami-hoken", "MINAMI", "南区役所 保険年金課", "minami-ward", ("KODOMO_IRYO", "KOKUHO"), 1.5),
)
IT_UNIT = UnitSpec("joho-seisaku", "JOHO", "総務局 情報政策課", "honcho", (), 0.0)
# Businesses a section also runs that may not use My Number (not in 番号法 別表 nor the city's 条例): in the
# reference data only, with no background work; DR-21's scenario looks a resident up by number in one.
SEAL_REGISTRATION = Business("INKAN", "印鑑登録", "jumin-kiroku-system", "印鑑登録原票")
NON_MYNUMBER_BUSINESSES: dict[str, tuple[Business, ...]] = {"shimin": (SEAL_REGISTRATION,)}


def business_info(code: str) -> Business:
    """A business of the simulated city, whether it may use My Number or not."""
    found = BUSINESSES.get(code) or next(
        (b for units in NON_MYNUMBER_BUSINESSES.values() for b in units if b.code == code), None)
    if found is None:
        raise KeyError(f"no business {code!r} in the simulated city")
    return found

# 移転 of the child medical-expense file (000 II-5 移転先1-5): system links within the common platform, and
# 庁内メール to 子ども育成課, a department outside the simulated sections. Specs per 000 L360 (agreed, automatic).
TRANSFER_SPECS: tuple[TransferSpec, ...] = (
    TransferSpec(spec_id="SPEC-KODOMO-KOKUHO", items=("受給者番号", "宛名番号", "資格取得日", "資格喪失日", "給付額")),
    TransferSpec(spec_id="SPEC-KODOMO-JUSHO", items=("受給者番号", "宛名番号", "資格取得日", "資格喪失日"),
                 initiation=("automatic", "manual")),
    TransferSpec(spec_id="SPEC-KODOMO-HITORIOYA", items=("受給者番号", "宛名番号", "資格取得日", "資格喪失日")),
)
MAIL_DESTINATION_UNIT = "kodomo-ikusei"  # 子ども育成課
DESTINATIONS: tuple[Destination, ...] = (
    Destination(destination_id="DST-KOKUHO", name="国民健康保険課及び各区保険年金課（国民健康保険）",
                legal_basis="マイナンバー条例別表第2の44、45の項", spec_ids=("SPEC-KODOMO-KOKUHO",), org_unit="kokuho",
                channels=(TransferChannel.SYSTEM_LINK,), business_codes=("KODOMO_IRYO",)),
    Destination(destination_id="DST-IKUSEI-BOSHI", name="子ども育成課（母子保健法による費用の徴収）",
                legal_basis="マイナンバー条例別表第2の57の項", org_unit=MAIL_DESTINATION_UNIT,
                channels=(TransferChannel.MAIL,), business_codes=("KODOMO_IRYO",)),
    Destination(destination_id="DST-IKUSEI-JIFUKU", name="子ども育成課（児童福祉法による負担能力の認定又は費用の徴収）",
                legal_basis="マイナンバー条例別表第2の32の項", org_unit=MAIL_DESTINATION_UNIT,
                channels=(TransferChannel.MAIL,), business_codes=("KODOMO_IRYO",)),
    Destination(destination_id="DST-JUSHO", name="医療年金課及び各区保険年金課（重度障害者医療費助成）",
                legal_basis="マイナンバー条例別表第2の3の項", spec_ids=("SPEC-KODOMO-JUSHO",), org_unit="iryo-nenkin",
                channels=(TransferChannel.SYSTEM_LINK,), business_codes=("KODOMO_IRYO",)),
    Destination(destination_id="DST-HITORIOYA", name="医療年金課及び各区保険年金課（ひとり親家庭医療費助成）",
                legal_basis="マイナンバー条例別表第2の4の項", spec_ids=("SPEC-KODOMO-HITORIOYA",),
                org_unit="iryo-nenkin", channels=(TransferChannel.SYSTEM_LINK,), business_codes=("KODOMO_IRYO",)),
)
MIN_UNIT_STAFF = 8
SPARE_TERMINALS_PER_UNIT = 6  # transfers in and visiting sessions each claim one


class Rank(StrEnum):
    SECTION_HEAD = "section_head"  # 所属長 (課長)
    SUPERVISOR = "supervisor"  # 上長 (係長)
    CLERK = "clerk"  # 担当
    SYSTEM_ADMIN = "system_admin"  # 権限者 in 情報政策課


class TerminalKind(StrEnum):
    OWN = "own"
    COUNTER = "counter"  # 窓口端末, shared by whoever is on counter duty
    SPARE = "spare"
    MAINTENANCE = "maintenance"  # used by the contractor


@dataclass(frozen=True)
class TerminalSpec:
    terminal_id: str
    org_unit: str
    site: str
    kind: TerminalKind


@dataclass(frozen=True)
class StaffMember:
    staff_id: str
    org_unit: str
    rank: Rank
    supervisor_id: str | None
    section_head_id: str | None
    may_use_mynumber: bool
    terminal_id: str
    export_applicant: bool = False


@dataclass(frozen=True)
class ContractSpec:
    contract_id: str
    contractor_org: str
    workers: tuple[str, ...]
    systems: tuple[str, ...]
    term_start: dt.date
    term_end: dt.date


@dataclass(frozen=True)
class SubcontractorSpec:
    """A re-subcontractor (再委託先) of the main contract whose workers the prime names on its worker roster.
    approved_on None: the city never approved it (the Wako incident, 001 L361)."""

    contractor_org: str
    workers: tuple[str, ...]
    approved_on: dt.date | None


@dataclass(frozen=True, eq=False)
class World:
    tenant: str
    year: int
    month: int
    seed: int
    units: tuple[UnitSpec, ...]
    staff: tuple[StaffMember, ...]
    terminals: tuple[TerminalSpec, ...]
    media: tuple[RegisteredMedium, ...]
    contract: ContractSpec
    residents: dict[str, tuple[str, ...]]  # business code -> subject refs (raw numbers or source tokens)
    holidays: dict[dt.date, str]

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @cached_property
    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(holidays=tuple(self.holidays))

    @cached_property
    def days(self) -> tuple[dt.date, ...]:
        count = calendar.monthrange(self.year, self.month)[1]
        return tuple(dt.date(self.year, self.month, d) for d in range(1, count + 1))

    @cached_property
    def working_days(self) -> tuple[dt.date, ...]:
        return tuple(d for d in self.days if self.calendar.is_working_day(d))

    @property
    def month_start(self) -> dt.datetime:
        return dt.datetime(self.year, self.month, 1, tzinfo=JST)

    @property
    def next_month_start(self) -> dt.datetime:
        last = self.days[-1]
        return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), JST)

    @property
    def mail_domain(self) -> str:
        """The municipality's internal mail domain; ward offices use subdomains of it."""
        return f"city-{self.tenant}.lg.jp"

    @cached_property
    def staff_by_id(self) -> dict[str, StaffMember]:
        return {s.staff_id: s for s in self.staff}

    @cached_property
    def unit_by_id(self) -> dict[str, UnitSpec]:
        return {u.org_unit: u for u in self.units}

    @cached_property
    def applicants(self) -> tuple[StaffMember, ...]:
        return tuple(s for s in self.staff if s.export_applicant)

    def members(self, org_unit: str, rank: Rank) -> tuple[StaffMember, ...]:
        return tuple(s for s in self.staff if s.org_unit == org_unit and s.rank == rank)

    def terminals_of(self, org_unit: str, kind: TerminalKind) -> tuple[TerminalSpec, ...]:
        return tuple(t for t in self.terminals if t.org_unit == org_unit and t.kind == kind)

    def medium_of(self, org_unit: str) -> str:
        return next(m.device_id for m in self.media if m.org_unit == org_unit)

    @cached_property
    def subcontractors(self) -> tuple[SubcontractorSpec, ...]:
        """The main contract's re-subcontractors: one approved from the start of the term, one approved on the 20th
        of the month, and one the city never approved. None works in a benign month (DR-62's scenario uses them)."""
        return (
            SubcontractorSpec("kinki-system-support", ("ctr-kss-01",), self.contract.term_start),
            SubcontractorSpec("naniwa-data-entry", ("ctr-nde-01",), dt.date(self.year, self.month, 20)),
            SubcontractorSpec("hokusetsu-soft", ("ctr-hks-01", "ctr-hks-02"), None),
        )

    @cached_property
    def other_contracts(self) -> tuple[ContractSpec, ...]:
        """A data-migration contract that ended on the 9th and a build contract that starts on the 22nd of the
        month, each with one named worker (DR-63's scenario; nobody works under them in a benign month)."""
        fiscal_year = self.contract.term_start.year
        return (
            ContractSpec(f"CT-{fiscal_year}-007", "setouchi-migration", ("ctr-smg-01",), ("kokuho-system",),
                         dt.date(fiscal_year, 4, 1), dt.date(self.year, self.month, 9)),
            ContractSpec(f"CT-{fiscal_year}-012", "kansai-cloud-build", ("ctr-kcb-01",), ("common-platform",),
                         dt.date(self.year, self.month, 22), dt.date(fiscal_year + 1, 3, 31)),
        )

    @cached_property
    def shared_accounts(self) -> tuple[tuple[str, str], ...]:
        """(account id, org unit) of each business section's generic 窓口共用 ID: on the roster, flagged shared,
        kept for the counter system's set-up, and never used to log in in a benign month (002 L253 共用ID原則禁止)."""
        return tuple((f"KYOYO-{u.short}", u.org_unit) for u in self.units if u in BUSINESS_UNITS)

    def reference_bundle(self, overtime: tuple[OvertimeEntry, ...] = ()) -> ReferenceBundle:
        """Reference data as the detector sees it on the month's first day (HR changes come later, as events).
        `overtime`: the month's overtime and holiday-work orders, planned with the shifts (MonthBuilder)."""
        users = sum(1 for s in self.staff if s.may_use_mynumber)
        subjects = sum(len(r) for r in self.residents.values())
        staff_band = _band(users, _PEOPLE_BANDS)
        subject_band = _band(subjects, _SUBJECT_BANDS)
        contractor_band = _band(len(self.contract.workers), _PEOPLE_BANDS)
        return ReferenceBundle(
            tenant=self.tenant,
            valid_from=self.month_start,
            staff=(*(_staff_record(s) for s in self.staff),
                   *(StaffRecord(staff_id=a, org_unit=o, shared_account=True) for a, o in self.shared_accounts)),
            org_units=tuple(OrgUnit(org_unit=u.org_unit, name=u.name, business_codes=_reference_businesses(u))
                            for u in self.units),
            terminals=tuple(
                Terminal(terminal_id=t.terminal_id, org_unit=t.org_unit, site=t.site,
                         designated_for=_reference_businesses(self.unit_by_id[t.org_unit]))
                for t in self.terminals
            ),
            registered_media=self.media,
            export_applicants=tuple(s.staff_id for s in self.applicants),
            mynumber_businesses=tuple(BUSINESSES),
            contracts=(
                Contract(
                    contract_id=self.contract.contract_id, contractor_org=self.contract.contractor_org,
                    scope_systems=self.contract.systems, term_start=self.contract.term_start,
                    term_end=self.contract.term_end,
                    named_workers=(*self.contract.workers, *(w for sub in self.subcontractors for w in sub.workers)),
                    subcontractor_approvals=tuple(
                        SubcontractorApproval(contractor_org=sub.contractor_org, approved_on=sub.approved_on)
                        for sub in self.subcontractors if sub.approved_on is not None
                    ),
                ),
                *(Contract(contract_id=c.contract_id, contractor_org=c.contractor_org, scope_systems=c.systems,
                           term_start=c.term_start, term_end=c.term_end, named_workers=c.workers)
                  for c in self.other_contracts),
            ),
            destinations=DESTINATIONS,
            transfer_specs=TRANSFER_SPECS,
            internal_mail_domains=(self.mail_domain,),
            calendar=self.calendar,
            overtime=overtime,
            # The role → business matrix: each section's clerk role opens that section's businesses (DR-04).
            roles=tuple(RoleDefinition(role_id=f"{u.org_unit}:clerk", org_unit=u.org_unit,
                                       business_codes=u.business_codes, mynumber=bool(u.business_codes))
                        for u in self.units),
            declared_bands=DeclaredBands(
                subjects_min=subject_band[0], subjects_max=subject_band[1],
                staff_users_min=staff_band[0], staff_users_max=staff_band[1],
                contractor_handlers_min=contractor_band[0], contractor_handlers_max=contractor_band[1],
            ),
        )


# The assessments' bands (e.g. 「50人以上100人未満」), as inclusive bounds.
_PEOPLE_BANDS = ((0, 9), (10, 49), (50, 99), (100, 499), (500, 999), (1000, None))
_SUBJECT_BANDS = ((0, 999), (1000, 9999), (10_000, 99_999), (100_000, 999_999), (1_000_000, 9_999_999),
                  (10_000_000, None))


def _band(value: int, bands: tuple[tuple[int, int | None], ...]) -> tuple[int, int | None]:
    return next(b for b in bands if b[1] is None or b[0] <= value <= b[1])


def _reference_businesses(unit: UnitSpec) -> tuple[str, ...]:
    return (*unit.business_codes, *(b.code for b in NON_MYNUMBER_BUSINESSES.get(unit.org_unit, ())))


def _staff_record(member: StaffMember) -> StaffRecord:
    roles = [member.rank.value]
    if member.may_use_mynumber:
        roles.append("mynumber_user")
    if member.export_applicant:
        roles.append("export_applicant")
    return StaffRecord(
        staff_id=member.staff_id, org_unit=member.org_unit, roles=tuple(roles),
        supervisor_id=member.supervisor_id, section_head_id=member.section_head_id,
        may_use_mynumber=member.may_use_mynumber,
    )


# --- Building ---------------------------------------------------------------------------------------------------

EVENTS_PER_STAFF_DAY = 53  # what a staff member's ordinary day produces on average; sizes the roster
_RESIDENT_POOLS = {"KODOMO_IRYO": 8000, "HITORIOYA_IRYO": 1500, "KOKUHO": 8000, "JUMIN": 10_000}
RAW_NUMBER_SHARE = 0.3  # residents whose source system sends the raw personal number as subject_ref
_DIGIT_RUN = re.compile(r"\d{12}")


def business_staff_for(events: int, working_days: int) -> int:
    """Enough staff that each has an ordinary day's work, not an implausible one, at the requested volume."""
    wanted = round(events * 0.88 / (max(working_days, 1) * EVENTS_PER_STAFF_DAY))
    return max(wanted, MIN_UNIT_STAFF * len(BUSINESS_UNITS))


def build_world(tenant: str, year: int, month: int, seed: int, events: int) -> World:
    rng = random.Random(f"kansa-sim:{tenant}:{year:04d}-{month:02d}:{seed}:world")
    holidays = office_holidays(year, month)
    working = [d for d in _month_days(year, month) if BusinessCalendar(holidays=tuple(holidays)).is_working_day(d)]
    sizes = _unit_sizes(business_staff_for(events, len(working)))

    staff: list[StaffMember] = []
    terminals: list[TerminalSpec] = []
    media: list[RegisteredMedium] = []
    next_no = iter(range(1, 1_000_000))
    for unit, size in [*zip(BUSINESS_UNITS, sizes, strict=True), (IT_UNIT, 4)]:
        members = _unit_staff(unit, size, next_no, rng)
        staff.extend(members)
        terminals.extend(TerminalSpec(m.terminal_id, unit.org_unit, unit.site, TerminalKind.OWN) for m in members)
        if unit.business_codes:
            terminals.extend(TerminalSpec(f"PC-{unit.short}-C{n}", unit.org_unit, unit.site, TerminalKind.COUNTER)
                             for n in (1, 2))
            media.extend(RegisteredMedium(device_id=f"USB-{unit.short}-{n:02d}", org_unit=unit.org_unit,
                                          registered_on=dt.date(year - 1, 4, 1)) for n in (1, 2))
        else:
            terminals.append(TerminalSpec(f"PC-{unit.short}-M01", unit.org_unit, unit.site, TerminalKind.MAINTENANCE))
        terminals.extend(TerminalSpec(f"PC-{unit.short}-S{n:02d}", unit.org_unit, unit.site, TerminalKind.SPARE)
                         for n in range(1, SPARE_TERMINALS_PER_UNIT + 1))

    fiscal_year = year if month >= 4 else year - 1
    contract = ContractSpec(
        contract_id=f"CT-{fiscal_year}-001", contractor_org="nishinihon-it-service",
        workers=("ctr-nis-01", "ctr-nis-02", "ctr-nis-03"),
        systems=("kodomo-iryo-system", "kokuho-system", "common-platform"),
        term_start=dt.date(fiscal_year, 4, 1), term_end=dt.date(fiscal_year + 1, 3, 31),
    )
    scale = max(1.0, events / 100_000)
    residents = {code: _residents(tenant, seed, code, int(size * scale), rng) for code, size in _RESIDENT_POOLS.items()}
    return World(
        tenant=tenant, year=year, month=month, seed=seed, units=(*BUSINESS_UNITS, IT_UNIT), staff=tuple(staff),
        terminals=tuple(terminals), media=tuple(media), contract=contract, residents=residents, holidays=holidays,
    )


def _month_days(year: int, month: int) -> list[dt.date]:
    return [dt.date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]


def _unit_sizes(total: int) -> list[int]:
    shares = [u.share for u in BUSINESS_UNITS]
    raw = [total * s / sum(shares) for s in shares]
    sizes = [max(MIN_UNIT_STAFF, int(r)) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    for i in by_remainder[: max(0, total - sum(sizes))]:
        sizes[i] += 1
    return sizes


def _unit_staff(unit: UnitSpec, size: int, next_no: Iterator[int], rng: random.Random) -> list[StaffMember]:
    ids = [f"stf{next(next_no):05d}" for _ in range(size)]
    business = bool(unit.business_codes)
    head, rest = ids[0], ids[1:]
    supervisors = rest[: max(1, round(size / 9))] if business else rest[:1]
    others = rest[len(supervisors):]

    def terminal(i: int) -> str:
        return f"PC-{unit.short}-{i + 1:03d}"

    members = [StaffMember(head, unit.org_unit, Rank.SECTION_HEAD, None, None, False, terminal(0))]
    members += [
        StaffMember(s, unit.org_unit, Rank.SUPERVISOR, head, head, business, terminal(1 + i))
        for i, s in enumerate(supervisors)
    ]
    applicants = set(rng.sample(range(len(others)), 2)) if business else set()
    members += [
        StaffMember(
            c, unit.org_unit, Rank.CLERK if business else Rank.SYSTEM_ADMIN,
            supervisors[i % len(supervisors)], head, business, terminal(1 + len(supervisors) + i),
            export_applicant=i in applicants,
        )
        for i, c in enumerate(others)
    ]
    return members


def _residents(tenant: str, seed: int, code: str, size: int, rng: random.Random) -> tuple[str, ...]:
    refs: list[str] = []
    seen: set[str] = set()
    index = 0
    while len(refs) < size:
        index += 1
        if rng.random() < RAW_NUMBER_SHARE:
            ref = make_valid(str(rng.randrange(10**10, 10**11)))
        else:
            # A source-side resident token: short enough that it can never hold a 12-digit run ingest would mask.
            digest = hashlib.blake2b(f"{tenant}:{seed}:{code}:{index}".encode(), digest_size=5).hexdigest()
            ref = f"rsd_{digest}"
        if ref not in seen:
            seen.add(ref)
            refs.append(ref)
    return tuple(refs)


def safe_hex(rng: random.Random, length: int = 64) -> str:
    """Random lowercase hex without a 12-digit run, which ingest would mistake for a personal number and mask."""
    while True:
        value = f"{rng.getrandbits(length * 4):0{length}x}"
        if not _DIGIT_RUN.search(value):
            return value
