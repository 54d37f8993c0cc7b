"""Loaders for the public social and trust graphs kept beside the project (``../shared/data``).

Tests and benchmarks use these real graphs; they are never copied into the project. Every
loader returns plain numpy arrays so the pure algorithms (graph index, standing) can be run on
them without a database. When the folder is absent, :func:`shared_data_dir` returns ``None`` and
callers skip with a clear message.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_ENV = "SHAREWELL_SHARED_DATA"


def shared_data_dir() -> Path | None:
    """Where the shared data sets live: ``$SHAREWELL_SHARED_DATA`` or ``../shared/data``."""
    candidates = []
    if os.environ.get(_ENV):
        candidates.append(Path(os.environ[_ENV]))
    root = Path(__file__).resolve().parents[2]  # the project root in a src/ layout
    candidates += [root.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for path in candidates:
        if path.is_dir():
            return path
    return None


def dataset_path(name: str) -> Path | None:
    base = shared_data_dir()
    if base is None:
        return None
    path = base / name
    return path if path.exists() else None


@dataclass(frozen=True)
class EdgeList:
    """A graph as parallel arrays; ids are re-numbered densely to ``0..n-1``."""

    sources: IntArray
    targets: IntArray
    weights: FloatArray
    n: int
    original_ids: IntArray  # original_ids[i] is the data set's id of node i


def _open_text(path: Path) -> list[str]:
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return raw.decode("utf-8", errors="replace").replace("\r", "").split("\n")


def load_edge_list(name: str, *, weighted: bool = False, delimiter: str | None = None) -> EdgeList:
    """Read a SNAP/KONECT-style edge list: ``#``/``%`` comment lines, ``u v [w ...]`` rows.

    Raises ``FileNotFoundError`` when the data set is absent (callers usually check
    :func:`dataset_path` first and skip).
    """
    path = dataset_path(name)
    if path is None:
        raise FileNotFoundError(f"shared data set {name!r} not found (looked in ../shared/data)")
    src: list[int] = []
    dst: list[int] = []
    wts: list[float] = []
    for line in _open_text(path):
        line = line.strip()
        if not line or line[0] in "#%":
            continue
        parts = line.split(delimiter)
        src.append(int(parts[0]))
        dst.append(int(parts[1]))
        wts.append(float(parts[2]) if weighted and len(parts) > 2 else 1.0)
    raw_src = np.asarray(src, dtype=np.int64)
    raw_dst = np.asarray(dst, dtype=np.int64)
    ids, inverse = np.unique(np.concatenate([raw_src, raw_dst]), return_inverse=True)
    m = len(raw_src)
    return EdgeList(
        sources=inverse[:m].astype(np.int64),
        targets=inverse[m:].astype(np.int64),
        weights=np.asarray(wts, dtype=np.float64),
        n=len(ids),
        original_ids=ids.astype(np.int64),
    )


def load_facebook() -> EdgeList:
    """SNAP ego-Facebook: undirected friendships, each listed once."""
    return load_edge_list("facebook_combined.txt.gz")


def load_bitcoin_otc() -> EdgeList:
    """Bitcoin OTC signed trust ratings (-10..+10), rater -> rated."""
    return load_edge_list("soc-sign-bitcoinotc.csv.gz", weighted=True, delimiter=",")


def load_advogato() -> EdgeList:
    """Advogato certifications, weights .6 apprentice / .8 journeyer / 1.0 master."""
    return load_edge_list("advogato/out.advogato", weighted=True)
