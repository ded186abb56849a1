"""Tenant profile in the header; manual attestations shown with who attested; sign-off by the listed reviewers."""

from __future__ import annotations

from pathlib import Path

import pytest

from kansa_reporter.profile import EXPECTED_ATTESTATIONS, InputError, load_attestations, load_profile
from kansa_reporter.report.render import render_monthly
from tests.unit.reporter.test_render import TENANT, _data

PROFILE = """municipality: 横浜市
business: 子ども医療費助成に関する事務
assessment: {number: No.44, published: 2025-12-26}
systems: [KODOMO_IRYO, common-platform]
bands:
  subjects: {text: 30万人以上, min: 300000}
  staff_users: {text: "500人以上1,000人未満", min: 500, max: 1000}
  contractor_handlers: {text: 50人未満, max: 50}
reviewers:
  - {role: 情報セキュリティ管理者, name: 佐藤 一郎}
  - {role: 所属長（個人情報保護管理者）, name: 山田 花子}
"""
ATTESTATIONS = """month: 2025-04
items:
  - {item: training, done: true, attested_by: 佐藤 一郎, attested_on: 2025-04-25, note: e-learning 全員受講}
  - {item: media_register, done: false, attested_by: 佐藤 一郎, attested_on: 2025-04-28}
"""


@pytest.fixture
def tenants(tmp_path: Path) -> Path:
    (tmp_path / TENANT).mkdir()
    (tmp_path / TENANT / "profile.yaml").write_text(PROFILE, encoding="utf-8")
    return tmp_path


def test_profile_attestations_and_sign_off_are_in_the_report(tenants: Path, tmp_path: Path) -> None:
    profile = load_profile(tenants, TENANT)
    (tmp_path / "att.yaml").write_text(ATTESTATIONS, encoding="utf-8")
    attestations = load_attestations(tmp_path / "att.yaml", "2025-04")
    html = render_monthly(_data(), profile=profile, attestations=attestations)
    header = html.split('<section id="s01-header">', 1)[1].split("</section>", 1)[0]
    assert "横浜市" in header and "No.44（公表日 2025-12-26）" in header
    population = html.split('<table id="population">', 1)[1].split("</table>", 1)[0]
    assert "500人以上1,000人未満" in population and "下限未満" in population  # no activity data in this month
    rows = html.split('<table id="attestations">', 1)[1].split("</table>", 1)[0]
    training = rows.split('data-item="training"', 1)[1].split("</tr>", 1)[0]
    assert "確認済" in training and "佐藤 一郎" in training and "2025-04-25" in training
    assert "未実施" in rows.split('data-item="media_register"', 1)[1].split("</tr>", 1)[0]
    assert "未入力" in rows.split('data-item="locked_storage"', 1)[1].split("</tr>", 1)[0]  # expected, not given
    sign_off = html.split('<section id="s16-sign-off">', 1)[1].split("</section>", 1)[0]
    assert "所属長（個人情報保護管理者）" in sign_off and "山田 花子" in sign_off


def test_without_a_profile_the_header_says_so_and_every_attestation_is_missing(tmp_path: Path) -> None:
    assert load_profile(tmp_path, TENANT) is None
    html = render_monthly(_data())
    assert "未登録（deploy/tenants/271403/profile.yaml）" in html
    rows = html.split('<table id="attestations">', 1)[1].split("</table>", 1)[0]
    assert rows.count("未入力") == len(EXPECTED_ATTESTATIONS) == 13


def test_bad_inputs_name_the_file_and_the_problem(tenants: Path, tmp_path: Path) -> None:
    (tenants / TENANT / "profile.yaml").write_text("municipality: 横浜市\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"(?s)profile.yaml.*business\n  Field required"):
        load_profile(tenants, TENANT)
    (tmp_path / "att.yaml").write_text(ATTESTATIONS, encoding="utf-8")
    with pytest.raises(InputError, match="attestations are for 2025-04, the report is for 2025-05"):
        load_attestations(tmp_path / "att.yaml", "2025-05")


def test_the_documented_examples_load(tmp_path: Path) -> None:
    compose = Path(__file__).resolve().parents[3] / "deploy" / "compose"
    (tmp_path / "141003").mkdir()
    (tmp_path / "141003" / "profile.yaml").write_bytes((compose / "profile.example.yaml").read_bytes())
    profile = load_profile(tmp_path, "141003")
    assert profile is not None and len(profile.reviewers) == 2
    assert load_attestations(compose / "attestations.example.yaml", "2026-10").items[3].done is False


def test_a_month_above_a_declared_band_is_flagged(tenants: Path) -> None:
    from kansa_reporter.es_queries import Activity

    profile = load_profile(tenants, TENANT)
    data = _data().model_copy(update={"activity": Activity(subjects_touched=310_000, staff_users=1_000,
                                                           contractor_handlers=3)})
    population = render_monthly(data, profile=profile).split('<table id="population">', 1)[1].split("</table>")[0]
    rows = population.split("<tr>")[2:]
    assert "範囲内" in rows[0] and "310,000" in rows[0]  # 30万人以上: open upper bound
    assert "上限超過" in rows[1]  # 1,000 staff against 500人以上1,000人未満
    assert "範囲内" in rows[2]
