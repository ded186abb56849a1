"""A resident's access history as CSV and as a Japanese HTML/PDF table fit to hand to the resident (本人開示)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import jinja2

from kansa_investigate.models import History
from kansa_schemas.indices import JST

ACTION_LABELS = {
    "mynumber.search": "個人番号による検索", "record.view": "記録の閲覧", "record.update": "記録の更新",
    "record.delete": "記録の削除", "record.print": "印刷", "screen.hardcopy": "画面の複写",
    "record.extract": "データの抽出", "infonet.query": "情報提供ネットワークシステムへの照会",
    "infonet.provide": "情報提供ネットワークシステムによる提供", "export.executed": "外部媒体への書出し",
    "transfer.executed": "データの送付", "mail.sent": "メール送信",
}
CSV_HEADER = ("日時", "職員", "所属", "端末", "操作", "事務", "結果", "根拠となる案件", "案件の判定")
BASIS_LABELS = {"recorded": "記録あり", "window": "期間内の案件", "none": "該当する案件なし"}
_TEMPLATES = Path(__file__).parent / "templates"


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet software opens the Japanese headers correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def history_csv(history: History) -> bytes:
    return csv_bytes(CSV_HEADER, (
        (row.at.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S"), row.actor, row.department or "", row.terminal or "",
         action_label(row.action), row.business or "", row.outcome, row.case_id or "", BASIS_LABELS[row.case_basis])
        for row in history.rows))


def history_html(history: History, generated_at: dt.datetime) -> str:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True)
    return environment.get_template("history.html.j2").render(
        h=history, generated_at=generated_at.astimezone(JST), action_label=action_label, basis=BASIS_LABELS, jst=JST)
