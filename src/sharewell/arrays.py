"""Distinct values of integer arrays by sorting, for the per-query paths of the graph index,
standing and the demo generator.

``np.unique`` gives the same answers, but numpy 2.3 and later find the distinct values of an
integer array with a hash table, which measured 10–13 times slower than sorting on this
machine (numpy 2.4.6: 20,000 ids 1.49 ms against 0.11 ms, 600,000 ids 48 ms against 5 ms;
``bench/results/arrays.md``). The path search calls it on every query, on arrays of that size.
``np.unique(..., return_inverse=True)`` still sorts, so it is used as it is.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


def _starts(ordered: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """True at each position of a sorted array where a new value begins."""
    starts = np.empty(ordered.size, dtype=np.bool_)
    if ordered.size:
        starts[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    return starts


def unique(values: npt.ArrayLike) -> IntArray:
    """Sorted distinct values, as ``np.unique(values)`` (int64)."""
    ordered = np.sort(np.asarray(values, dtype=np.int64).ravel())
    return ordered[_starts(ordered)]
