"""§4.2 items 4-6, 8, 9, 11, 12 (and the checks of 7): per area of the assessment, what came in and what each of
its rules found, so a section with no finding still shows what was checked (該当なし with the count)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from kansa_reporter.es_queries import ActionCount, MonthlyData
from kansa_reporter.report.sections import SectionView
from kansa_reporter.report.sections.s13_alerts import Alerts, CheckResult
from kansa_schemas.alert import LocalisedText

# (area, §4.2 item, title, the event families that feed it, the assessment items it evidences)
AREAS: tuple[tuple[str, int, LocalisedText, tuple[str, ...], tuple[str, ...]], ...] = (
    ("lifecycle", 4, LocalisedText(ja="アカウント管理（異動・退職・権限）", en="Account lifecycle"),
     ("hr", "identity"), ("III-3 リスク2", "requirements §4.2-4")),
    ("impersonation", 5, LocalisedText(ja="認証・なりすまし防止", en="Authentication and impersonation"),
     ("authentication",), ("III-3 リスク2", "requirements §4.2-5")),
    ("mynumber_use", 6, LocalisedText(ja="個人番号の利用", en="Use of My Number"),
     ("data_use", "cases"), ("III-3 リスク1", "III-3 その他", "requirements §4.2-6")),
    ("export_media", 7, LocalisedText(ja="外部記録媒体への書き出し（点検結果）", en="Export and media (checks)"),
     ("export_media",), ("III-3 その他", "requirements §4.2-7")),
    ("mail_transfer", 8, LocalisedText(ja="メール送信・データ移転", en="Mail and transfers"),
     ("mail_transfer",), ("III-5", "requirements §4.2-8")),
    ("infonet", 9, LocalisedText(ja="情報提供ネットワークシステム・中間サーバー", en="Information provision network"),
     ("infonet",), ("III-6", "requirements §4.2-9")),
    ("contractors", 11, LocalisedText(ja="委託先・再委託先", en="Contractors and subcontractors"),
     ("contractors",), ("III-4", "requirements §4.2-11")),
    ("retention_logs", 12, LocalisedText(ja="保存・消去・ログの完全性", en="Retention, deletion and log integrity"),
     ("retention",), ("III-7", "requirements §4.2-2", "requirements §4.2-12")),
)


class AreaSection(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    area: str
    number: int
    title: LocalisedText
    assessment_items: tuple[str, ...]
    actions: tuple[tuple[str, ActionCount], ...]  # (family, action count), every action received in the month
    checks: tuple[CheckResult, ...]


class Areas(SectionView):
    sections: tuple[AreaSection, ...]

    def numbered(self, lowest: int, highest: int) -> tuple[AreaSection, ...]:
        return tuple(s for s in self.sections if lowest <= s.number <= highest)


def build(data: MonthlyData, alerts: Alerts) -> Areas:
    sections = []
    for area, number, title, families, items in AREAS:
        actions = tuple((f.family, a) for f in data.events.families if f.family in families for a in f.actions)
        checks = tuple(k for k in alerts.checks if k.area == area)
        sections.append(AreaSection(area=area, number=number, title=title, assessment_items=items, actions=actions,
                                    checks=checks))
    return Areas(assessment_items=("requirements §4.2",), sections=tuple(sections))
