"""REST filters, ids and selectors translate into qdrant_edge objects; bad input is a 400."""

from __future__ import annotations

import pytest
import qdrant_edge as qe

from golive.sandbox import convert
from golive.sandbox.protocol import ApiError


def test_match_value_any_and_range_become_field_conditions() -> None:
    flt = convert.to_filter(
        {
            "must": [{"key": "lang", "match": {"value": "en"}}, {"key": "price", "range": {"gte": 1, "lt": 9.5}}],
            "should": [{"key": "tenant", "match": {"any": [1, 2]}}],
            "must_not": [{"has_id": [3, "5b6c2c7e-1c2f-4b0e-9d4f-1a2b3c4d5e6f"]}],
        }
    )
    assert flt is not None
    must = flt.must or []
    assert isinstance(must[0], qe.FieldCondition)
    assert must[0].key == "lang"
    assert isinstance(must[0].match, qe.MatchValue)
    assert must[0].match.value == "en"
    assert isinstance(must[1].range, qe.RangeFloat)
    assert (must[1].range.gte, must[1].range.lt) == (1.0, 9.5)
    should = flt.should or []
    assert isinstance(should[0].match, qe.MatchAny)
    assert list(should[0].match.value) == [1, 2]
    has_id = (flt.must_not or [])[0]
    assert isinstance(has_id, qe.HasIdCondition)
    assert {str(i) for i in has_id.point_ids} == {"3", "5b6c2c7e-1c2f-4b0e-9d4f-1a2b3c4d5e6f"}


def test_nested_filter_is_a_condition() -> None:
    flt = convert.to_filter({"must": [{"should": [{"key": "a", "match": {"value": 1}}]}]})
    assert flt is not None
    assert isinstance((flt.must or [])[0], qe.Filter)


def test_no_filter_is_none() -> None:
    assert convert.to_filter(None) is None


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"must": [{"key": "a"}]},
        {"must": [{"key": "a", "match": {"value": 1.5}}]},
        {"must": [{"key": "a", "range": {"gte": "x", "lt": 1}}]},
        {"must": [{"key": "a", "match": {"any": [1, "x"]}}]},
        {"unknown": []},
        {"must": [{"has_id": [-1]}]},
    ],
)
def test_malformed_filters_are_400(bad: object) -> None:
    with pytest.raises(ApiError) as info:
        convert.to_filter(bad)
    assert info.value.status == 400


def test_point_ids_are_unsigned_ints_or_canonical_uuids() -> None:
    assert convert.point_id(7) == 7
    assert convert.point_id("5B6C2C7E1C2F4B0E9D4F1A2B3C4D5E6F") == "5b6c2c7e-1c2f-4b0e-9d4f-1a2b3c4d5e6f"
    assert convert.point_id(2**64 - 1) == 2**64 - 1
    for bad in (-1, 2**64, "abc", 1.5, True, None):
        with pytest.raises(ApiError):
            convert.point_id(bad)


def test_wrong_vector_size_uses_qdrants_wording() -> None:
    with pytest.raises(ApiError) as info:
        convert.vector([1.0, 2.0, 3.0], 128)
    assert info.value.status == 400
    assert info.value.message == "Wrong input: Vector dimension error: expected dim: 128, got 3"


def test_with_payload_forms() -> None:
    assert convert.with_payload(None, True) is True
    assert convert.with_payload(False, True) is False
    assert isinstance(convert.with_payload(["a"], False), qe.PayloadSelector)
    assert isinstance(convert.with_payload({"exclude": ["a"]}, False), qe.PayloadSelector)
    with pytest.raises(ApiError):
        convert.with_payload(3, True)


def test_search_params_carry_exact_and_hnsw_ef() -> None:
    params = convert.search_params({"exact": True, "hnsw_ef": 128})
    assert params is not None
    assert params.exact is True
    assert params.hnsw_ef == 128
    for bad in (-1, 2**40, "x"):
        with pytest.raises(ApiError):
            convert.search_params({"hnsw_ef": bad})
