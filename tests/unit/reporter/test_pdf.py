"""The PDF report: rendered by WeasyPrint with the Japanese font, read back with poppler (pdftotext, pdftoppm)."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
from pathlib import Path

import pytest

from kansa_reporter.report.render import write_monthly
from kansa_schemas.indices import JST
from tests.unit.reporter.test_render import DR32, _data, _row

EXPORTS = 60  # enough rows for the ledger to run over a page


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = tuple(
        _row(f"ev-{n:03d}", executed_at=dt.datetime(2025, 4, 1 + n % 28, 9, n % 60, tzinfo=JST),
             approvers=() if n == 7 else (f"boss-{n % 3}",), request_id=None if n == 7 else f"REQ-{n}")
        for n in range(EXPORTS)
    )
    html_path, pdf_path = write_monthly(_data(rows=rows, groups=(DR32,)), tmp_path_factory.mktemp("pdf"),
                                        formats=("html", "pdf"))
    assert html_path.suffix == ".html" and pdf_path.suffix == ".pdf"
    return pdf_path


def _text(pdf: Path, *pages: int, layout: bool = False) -> str:
    """Reading order by default (each cell whole); `layout` keeps a table row on one line."""
    args = (["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []) + (["-layout"] if layout else [])
    return subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _flat(text: str) -> str:
    """Without whitespace: table cells wrap inside their column in the PDF's text."""
    return "".join(text.split())


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_japanese_headings_and_results(pdf: Path) -> None:
    text = _text(pdf)
    for heading in ("特定個人情報の取扱いに関する月次自己点検報告書", "1. 報告概要",
                    "7. 外部記録媒体への書き出し（持出し台帳）", "13. アラート（ルール別・重要度別）"):
        assert heading in text
    assert _flat("該当なし（検査対象 7 件、期間 2025-04-01〜2025-04-30）") in _flat(text)  # DR-07 found nothing
    assert "日別書き出し件数" in text and "重要度別アラート件数" in text  # chart titles, drawn as SVG text


def test_one_ledger_row_per_export_with_its_approver(pdf: Path) -> None:
    rows = [line for line in _text(pdf, layout=True).splitlines() if "USB-01" in line]
    assert len(rows) == EXPORTS
    text = _text(pdf)
    html = pdf.with_suffix(".html").read_text(encoding="utf-8")
    assert _flat(text).count("boss-") == html.count(">boss-") == EXPORTS - 1  # the approver of each approved one
    assert _flat(text).count("承認なし") == html.count("承認なし") >= 2  # the unapproved row, and the summary


def test_the_ledger_header_repeats_on_the_next_page(pdf: Path) -> None:
    pages = _pages(pdf)
    assert pages >= 3
    continued = [p for p in range(2, pages + 1) if "USB-01" in _text(pdf, p)]
    assert continued, "the ledger should run over a page"
    assert all("承認者" in _text(pdf, p) for p in continued)


def test_it_renders_to_images(pdf: Path, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    [image] = tmp_path.glob("page*.png")
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.stat().st_size > 5_000


def test_fonts_are_embedded(pdf: Path) -> None:
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "IPAexGothic" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:] if line.strip())  # emb column


def test_same_data_same_pdf_bytes(tmp_path: Path) -> None:
    first = write_monthly(_data(rows=(_row("ev-a"),)), tmp_path / "a", formats=("pdf",))[0]
    second = write_monthly(_data(rows=(_row("ev-a"),)), tmp_path / "b", formats=("pdf",))[0]
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
