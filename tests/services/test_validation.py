"""The checks every service applies to widget values (issue 13, items 17 and 18)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.kernel.errors import NotFound, ValidationError
from services.kernel.validation import MAX_ID, require_id, require_int, require_text


@given(st.integers(min_value=1, max_value=MAX_ID))
def test_ids_in_the_columns_range_pass(value: int) -> None:
    assert require_id(value, "student") == value


@given(st.integers(max_value=0) | st.integers(min_value=MAX_ID + 1))
def test_ids_no_row_can_have_answer_like_a_missing_record(value: int) -> None:
    with pytest.raises(NotFound, match="That student was not found"):
        require_id(value, "student")


@given(st.booleans() | st.floats() | st.text() | st.none() | st.lists(st.integers()))
def test_ids_that_are_not_ints_are_refused(value: object) -> None:
    with pytest.raises(ValidationError, match="That student is not valid"):
        require_id(value, "student")


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00")))
def test_storable_text_passes_unchanged(value: str) -> None:
    assert require_text(value, "note") == value


@given(
    st.text(),
    st.sampled_from(["\ud800", "\udfff", "\x00"]),
    st.text(),
)
def test_text_with_a_lone_surrogate_or_nul_is_refused(before: str, bad: str, after: str) -> None:
    with pytest.raises(ValidationError, match="The note contains characters that cannot be saved"):
        require_text(before + bad + after, "note")


@pytest.mark.parametrize("value", [None, 5, b"bytes", ["a"], 1.5])
def test_text_that_is_not_a_str_is_refused(value: object) -> None:
    with pytest.raises(ValidationError, match="The note must be text"):
        require_text(value, "note")


def test_text_longer_than_the_limit_is_refused() -> None:
    assert require_text("a" * 10, "note", max_length=10) == "a" * 10
    with pytest.raises(ValidationError, match="at most 10 characters"):
        require_text("a" * 11, "note", max_length=10)


@given(st.integers())
def test_any_int_is_an_int_for_ids_only_compared_in_python(value: int) -> None:
    assert require_int(value, "location") == value


@pytest.mark.parametrize("value", [True, "1", 1.0, None])
def test_require_int_refuses_what_is_not_an_int(value: object) -> None:
    with pytest.raises(ValidationError, match="That location is not valid"):
        require_int(value, "location")
