"""The sort-based distinct values give exactly what ``np.unique`` gives."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sharewell import arrays

ids = st.lists(st.integers(min_value=-(2**40), max_value=2**40), max_size=300)
small_ids = st.lists(st.integers(min_value=0, max_value=20), max_size=300)


@given(st.one_of(ids, small_ids))
def test_unique_is_numpys(values: list[int]) -> None:
    got = arrays.unique(np.array(values, dtype=np.int64))
    assert got.dtype == np.int64
    assert got.tolist() == np.unique(np.array(values, dtype=np.int64)).tolist()


def test_empty_and_two_dimensional_inputs() -> None:
    assert arrays.unique(np.zeros(0, dtype=np.int64)).size == 0
    assert arrays.unique([[3, 1], [3, 2]]).tolist() == [1, 2, 3]
