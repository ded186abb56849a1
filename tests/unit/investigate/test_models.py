"""The API's request models: unknown fields, dates without a zone, ranges and personal numbers are refused with a
message naming the problem (and never echoing a number)."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from kansa_investigate.models import AlertFilters, CountsRequest, EventFilters, HistoryRequest, SearchRequest
from kansa_schemas import mynumber

NUMBER = mynumber.make_valid("12345678901")
WRONG = NUMBER[:11] + str((int(NUMBER[11]) + 1) % 10)


def _error(model: type[EventFilters] | type[HistoryRequest] | type[AlertFilters], **data: object) -> dict[str, object]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    [error] = caught.value.errors()
    return dict(error)


def test_an_unknown_field_is_an_error_naming_it() -> None:
    error = _error(SearchRequest, actr="stf-a")
    assert error["type"] == "extra_forbidden" and error["loc"] == ("actr",)


@pytest.mark.parametrize("value", ["2026-10-01T00:00:00", "2026-10-01", "yesterday", "2026-13-01T00:00:00+09:00"])
def test_a_time_needs_a_zone_and_a_real_date(value: str) -> None:
    error = _error(SearchRequest, **{"from": value})
    assert error["loc"] == ("from",) and str(error["type"]).startswith(("timezone", "datetime"))


def test_from_is_inclusive_to_exclusive_and_must_come_first() -> None:
    request = SearchRequest.model_validate({"from": "2026-10-01T00:00:00+09:00", "to": "2026-10-01T00:00:01+09:00"})
    assert request.from_ == dt.datetime(2026, 9, 30, 15, tzinfo=dt.UTC)
    same_instant = {"from": "2026-10-01T09:00:00+09:00", "to": "2026-10-01T00:00:00Z"}
    assert "'from' must be before 'to'" in str(_error(SearchRequest, **same_instant)["msg"])
    assert "'from' must be before 'to'" in str(_error(HistoryRequest, subject_ref="mnt_x", **same_instant)["msg"])


@pytest.mark.parametrize("typed", [NUMBER, f"{NUMBER[:4]}-{NUMBER[4:8]}-{NUMBER[8:]}",
                                   f"{NUMBER[:4]} {NUMBER[4:8]} {NUMBER[8:]}"])
def test_a_number_is_normalised_to_its_digits(typed: str) -> None:
    assert SearchRequest(number=typed).number == NUMBER
    assert HistoryRequest(number=typed).number == NUMBER


@pytest.mark.parametrize("typed", [WRONG, NUMBER[:11], NUMBER + "1", "１２３４５６７８９０１８", "abcdefghijkl"])
def test_an_invalid_number_is_refused_without_echoing_it(typed: str) -> None:
    for model in (SearchRequest, HistoryRequest):
        error = _error(model, number=typed)
        assert error["loc"] == ("number",) and "check digit" in str(error["msg"])
        assert typed not in str(error["msg"]) and NUMBER[:11] not in str(error["msg"])


def test_number_and_subject_ref_exclude_each_other() -> None:
    assert "not both" in str(_error(SearchRequest, number=NUMBER, subject_ref="mnt_x")["msg"])
    assert "exactly one" in str(_error(HistoryRequest)["msg"])
    assert "exactly one" in str(_error(HistoryRequest, number=NUMBER, subject_ref="mnt_x")["msg"])


def test_family_and_action_must_be_known() -> None:
    assert SearchRequest(family="data_use", action="record.view").family == "data_use"
    error = _error(SearchRequest, family="datause")
    assert error["loc"] == ("family",) and "data_use" in str(error["msg"])
    error = _error(SearchRequest, action="record.peek")
    assert error["loc"] == ("action",) and "unknown action" in str(error["msg"])


def test_size_must_be_positive_and_counts_group_by_day_or_actor() -> None:
    assert _error(SearchRequest, size=0)["loc"] == ("size",)
    assert CountsRequest().by == "day"
    assert _error(CountsRequest, by="terminal")["loc"] == ("by",)
    assert _error(CountsRequest, size=5)["type"] == "extra_forbidden"  # counts are not paged


def test_alert_filters_take_from_by_alias_and_forbid_unknown_names() -> None:
    filters = AlertFilters.model_validate({"from": "2026-10-01T00:00:00+09:00", "status": "acknowledged"})
    assert filters.from_ is not None and filters.status is not None and filters.status.value == "acknowledged"
    assert _error(AlertFilters, bogus=1)["type"] == "extra_forbidden"
    assert _error(AlertFilters, severity="apocalyptic")["loc"] == ("severity",)
