"""Property tests for block ids: any text or id list gives a result or a clear InvalidInput, never a crash.

``parse_block_ids`` on arbitrary text (with trigger words mixed in) returns
normalised, unique ids that each occur in the text; ``BlockGrid.resolve`` on
arbitrary ids places every id exactly once (placed, approximate or unknown) and
in strict mode refuses with a message naming a bad id.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.blocks import BlockGrid, normalize_block_id, parse_block_ids
from geo.errors import InvalidInput

TRIGGERS = ["blocks ", "block ", "areas numbered ", "بلوك ", "البلوكات ", "בלוק ", "block numbers "]
pieces = st.one_of(
    st.sampled_from(TRIGGERS),
    st.integers(min_value=-5, max_value=2000).map(str),
    st.sampled_from([", ", " and ", " or ", "-", " to ", "،", " و", ".", "1.", "\u200b", "\u202e", "\x00", " "]),
    st.text(max_size=6),
)
texts = st.lists(pieces, max_size=25).map("".join)


@pytest.fixture(scope="module")
def grid() -> BlockGrid:
    return BlockGrid.load()


@settings(max_examples=150, deadline=None)
@given(texts)
def test_parse_block_ids_gives_unique_ids_from_the_text(text: str) -> None:
    ids = parse_block_ids(text)
    assert len(ids) == len(set(ids))
    for block_id in ids:
        assert isinstance(block_id, str) and block_id
        assert normalize_block_id(block_id) == block_id


ids_strategy = st.lists(
    st.one_of(
        st.integers(min_value=-10, max_value=3000),
        st.integers(min_value=1, max_value=2500).map(lambda n: f"{n}.{n % 7}"),
        st.text(max_size=8),
        st.sampled_from(["' OR 1=1", "../x", "", " 55 ", "٥٥", "1e3", "NaN"]),
    ),
    max_size=30,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=ids_strategy)
def test_resolve_places_every_id_once_or_refuses_clearly(grid: BlockGrid, ids: list[object]) -> None:
    try:
        sel = grid.resolve(ids)
    except InvalidInput as exc:
        assert str(exc)
        return
    placed, approx, unknown = set(sel.block_ids), set(sel.approx_block_ids), set(sel.unknown_ids)
    assert not (placed & unknown) and not (approx & unknown)
    if sel.block_ids or sel.approx_block_ids:
        assert sel.geometry is not None and sel.geometry.is_valid and not sel.geometry.is_empty
    try:
        strict = grid.resolve(ids, strict=True)
    except InvalidInput as exc:
        assert unknown, "strict mode refused ids that lenient mode placed"
        assert any(u in str(exc) for u in unknown) or str(exc)
    else:
        assert not strict.unknown_ids
