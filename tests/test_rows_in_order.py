"""A broad filter's page is found by walking the sort order only as far as the page
(papers.browse.engine._RowsInOrder); it must equal filtering the whole order."""

import numpy as np
from django.core.paginator import Paginator
from hypothesis import given
from hypothesis import strategies as st

from papers.browse.engine import _RowsInOrder


@given(
    size=st.integers(1, 3000),
    density=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
    per_page=st.integers(1, 120),
    page=st.integers(1, 60),
)
def test_every_page_is_the_filtered_order_sliced(size, density, seed, per_page, page):
    rng = np.random.default_rng(seed)
    order = rng.permutation(size).astype(np.int32)
    mask = rng.random(size) < density
    expected = order[mask[order]]
    rows = _RowsInOrder(order, mask, int(np.count_nonzero(mask)))
    assert len(rows) == len(expected)
    got = Paginator(rows, per_page).get_page(page)
    want = Paginator(expected, per_page).get_page(page)
    assert list(got.object_list) == list(want.object_list)
    assert list(rows[:]) == list(expected)
