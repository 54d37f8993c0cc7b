"""Pure search rules: tokens, facet tokens, query expressions for both backends, the fuzzy
thresholds, the ranking blend and its explanation, and the check that a shared card matches a
query on what it *shows*. No database, no web."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import OSA

from sharewell.errors import InvalidInput

KINDS = ("member", "card", "aggregate", "insight", "comment")
DOC_KINDS = ("member", "contact", "insight", "comment")
MAX_TOKENS = 8
MAX_TOKEN_LEN = 40
MAX_QUERY_LEN = 200
MIN_FUZZY_LEN = 4
LIMIT_MAX = 50
DEGREES = (1, 2, 3)
RRF_K = 60

_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=65_536)  # indexing folds the same company, city and skill names again and again
def fold(text: str) -> str:
    """Casefold and strip accents (the same folding the FTS tokenizers apply)."""
    if text.isascii():  # nothing to decompose; for ASCII casefold() is lower()
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def vocabulary_words(text: str) -> list[str]:
    """The words of ``text`` that go into the typo vocabulary (``SearchTerm``): three
    letters or more, cut to the column's 60."""
    return [w[:60] for w in words(text) if len(w) >= 3]


def tokens(query: str) -> list[str]:
    """The query's words, deduplicated, at most ``MAX_TOKENS`` of at most 40 characters."""
    out: list[str] = []
    for w in words(query[:MAX_QUERY_LEN]):
        w = w[:MAX_TOKEN_LEN]
        if w not in out:
            out.append(w)
    return out[:MAX_TOKENS]


def _alnum(text: str) -> str:
    return "".join(_WORD.findall(fold(text)))


def facet(kind: str, value: str) -> str:
    """A facet token that the full-text index holds next to the text: ``zc`` company, ``zy``
    city, ``zt`` topic, ``zk`` document kind, ``zi`` insight kind, ``zv`` a contact's
    visibility. Letters and digits only,
    so both backends' tokenizers keep it whole."""
    return f"z{kind}{_alnum(value)}"


def kind_facet(kind: str) -> str:
    return facet("k", kind)


def visibility_facet(visibility: str) -> str:
    """``zvopen``, ``zvblind``, ``zvcounted`` or ``zvprivate`` on a contact's document."""
    return facet("v", visibility)


def topic_facet(slug_or_label: str) -> str:
    return facet("t", slug_or_label)


def company_facet(company_key: str) -> str:
    return facet("c", company_key)


def city_facet(city_key: str) -> str:
    return facet("y", city_key)


def company_from_headline(headline: str) -> str:
    """``"Data Engineer at Acme, helping …"`` → ``"Acme"`` (members have no company field)."""
    found = re.search(r"\bat\s+([^,·|;.]+)", headline)
    return found.group(1).strip() if found else ""


def city_from_location(location: str) -> str:
    return location.split(",")[0].strip()


# --- fuzzy -------------------------------------------------------------------------------------


def padded_grams(term: str) -> list[str]:
    """pg_trgm-style trigrams: the word padded with two spaces in front and one behind, so a
    word's first letters count (``pryia`` and ``priya`` share ``"  p"`` and ``" pr"``)."""
    padded = f"  {term} "
    return sorted({padded[i : i + 3] for i in range(len(padded) - 2)})


def max_edits(token: str) -> int:
    return 0 if len(token) < MIN_FUZZY_LEN else 1 if len(token) <= 6 else 2


def close_terms(token: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """Vocabulary words within the allowed edit distance (transpositions count as one edit),
    nearest first."""
    allowed = max_edits(token)
    if allowed == 0:
        return []
    scored = []
    for cand in set(candidates):
        if cand == token or abs(len(cand) - len(token)) > allowed:
            continue
        d = OSA.distance(token, cand, score_cutoff=allowed)
        if d <= allowed:
            scored.append((d, cand))
    return [c for _, c in sorted(scored)[:limit]]


# --- query expressions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A parsed search: word groups (each a word and its corrections), facet tokens that must
    all be present, and whether groups are ANDed or ORed. ``compound``: the groups are
    compound tokens (:func:`compound`), held in the facets column."""

    groups: tuple[tuple[str, ...], ...]
    facets: tuple[str, ...] = ()
    mode: str = "and"
    compound: bool = False

    @property
    def empty(self) -> bool:
        return not self.groups and not self.facets


def fts5_expression(q: Query, *, with_name: bool) -> str:
    """An FTS5 MATCH expression; every word quoted (so no user text is FTS syntax)."""
    parts = []
    if q.groups:
        joiner = " AND " if q.mode == "and" else " OR "
        groups = joiner.join("(" + " OR ".join(f'"{w}"' for w in group) + ")" for group in q.groups)
        cols = "facets" if q.compound else "name title body" if with_name else "title body"
        parts.append(f"{{{cols}}} : ({groups})")
    if q.facets:
        parts.append("{facets} : (" + " AND ".join(f'"{f}"' for f in q.facets) + ")")
    return " AND ".join(parts)


def tsquery_expression(q: Query, *, with_name: bool) -> str:
    """A ``to_tsquery`` string: weight A is the name, B the title, C the body, D the facets.
    Words are letters and digits only, so nothing the user typed is tsquery syntax.

    A compound query carries no weights: its tokens are made only in the facets (a text would
    have to spell ``zcacmexengineer`` to hold one), and a weight makes GIN recheck every match
    against its row's ``tsvector``, read from TOAST now that contact rows carry compounds (an
    aggregate over 5,800 matches: 30 → 20 ms)."""
    weights = "" if q.compound else ":ABC" if with_name else ":BC"
    facet_weight = "" if q.compound else ":D"
    parts = []
    if q.groups:
        joiner = " & " if q.mode == "and" else " | "
        parts.append(
            "("
            + joiner.join(
                "(" + " | ".join(f"{w}{weights}" for w in group) + ")" for group in q.groups
            )
            + ")"
        )
    parts += [f"{f}{facet_weight}" for f in q.facets]
    return " & ".join(parts)


# --- compound tokens: a contact's words joined to its company and city --------------------------
#
# A filtered search of contacts asks for every word *and* a company or city. Each of those is a
# long posting list at 100,000 members ("engineer" is on 200k counted entries, a big city on
# 70k), and both full-text engines read them whole to intersect them (SQLite FTS5 and
# PostgreSQL's GIN alike: 15–30 ms a statement, most of a filtered search). So a contact's
# document also carries each of its words joined to its company and to its city
# (``zcacmexengineer``, ``zylagosxpartner``), and a filtered search asks for those instead:
# lists as long as the matches in that company or city. Both sides are built by the same rules
# and stemmed by the same tokenizer (the word comes last, where the stemmer works), so a
# compound matches exactly when the word and the facet do. Names are joined only on open
# entries: a blind or counted entry never matches by name, filtered or not.

COMPOUND_ANCHORS = ("zc", "zy")  # company first (usually the narrower), then city
COMPOUND_JOIN = "x"

# PostgreSQL's english configuration drops these words from a query (its english.stop file);
# a compound query drops them too, so it asks what the plain one asks.
_PG_STOP_FILE = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about against between
    into through during before after above below to from up down in out on off over under again
    further then once here there when where why how all any both each few more most other some
    such no nor not only own same so than too very s t can will just don should now
"""
PG_STOPWORDS = frozenset(_PG_STOP_FILE.split())


def compound_token(anchor: str, word: str) -> str:
    return f"{anchor}{COMPOUND_JOIN}{word[:MAX_TOKEN_LEN]}"


def compound_tokens(anchors: Sequence[str], text: str) -> list[str]:
    """A document's compound tokens: each word of ``text`` joined to each anchor facet."""
    seen = dict.fromkeys(w[:MAX_TOKEN_LEN] for w in words(text))
    return [compound_token(a, w) for a in anchors for w in seen]


def compound(q: Query, stopwords: frozenset[str] = frozenset()) -> Query | None:
    """``q`` asked through compound tokens, or None when it has no company or city filter or no
    word left: the words joined to one anchor facet (a company before a city), the other
    facets as they are."""
    anchor = next(
        (f for prefix in COMPOUND_ANCHORS for f in q.facets if f.startswith(prefix)), None
    )
    if anchor is None or q.compound:
        return None
    groups = []
    for group in q.groups:
        kept = tuple(compound_token(anchor, w) for w in group if w not in stopwords)
        if kept:
            groups.append(kept)
    if not groups:
        return None
    rest = tuple(f for f in q.facets if f != anchor)
    return Query(tuple(groups), rest, q.mode, compound=True)


# --- cards: matching only on what is shown -----------------------------------------------------


def _stem_match(token: str, word: str) -> bool:
    if token == word:
        return True
    common = 0
    for a, b in zip(token, word, strict=False):
        if a != b:
            break
        common += 1
    return common >= STEM_PREFIX and common >= min(len(token), len(word)) - 3


STEM_PREFIX = 4  # a loose stem match shares at least this many leading letters (_stem_match)


def _covered(shown: Sequence[str], groups: Sequence[Sequence[str]]) -> float:
    """Share of ``groups`` with a word that stem-matches one of ``shown``; the exact words are
    looked up in a set first (most matches are exact), and the loose stem match of a group
    none of whose words is shown as such compares it only with the shown words that share its
    first letters (no other can match): a search rebuilds hundreds of cards."""
    exact = set(shown)
    by_prefix: dict[str, list[str]] | None = None
    matched = 0
    for group in groups:
        if any(t in exact for t in group):
            matched += 1
            continue
        if by_prefix is None:
            by_prefix = {}
            for w in exact:
                by_prefix.setdefault(w[:STEM_PREFIX], []).append(w)
        if any(
            _stem_match(t, w)
            for t in group
            if len(t) >= STEM_PREFIX
            for w in by_prefix.get(t[:STEM_PREFIX], ())
        ):
            matched += 1
    return matched / len(groups)


def card_coverage(card: Mapping[str, object], groups: Sequence[Sequence[str]]) -> float:
    """Share of the query's word groups that the card's *visible* text matches (a blind card
    never matches on a field it hides; only an open card shows a name)."""
    if not groups:
        return 1.0
    shown: list[str] = []
    for key, value in card.items():
        if key == "linkedin_url":
            continue
        if isinstance(value, list):
            for item in value:
                shown += words(str(item))
        else:
            shown += words(str(value))
    return _covered(shown, groups)


def text_coverage(texts: Iterable[str], groups: Sequence[Sequence[str]]) -> float:
    """Share of the query's word groups that occur in ``texts`` (the same loose stem match as
    for cards): how much of the question a document answers, comparable across kinds."""
    if not groups:
        return 1.0
    return _covered([w for t in texts for w in words(t)], groups)


# Part of a match's text score that depends only on how many of the query's words it has; the
# rest comes from its full-text rank within its kind (bm25 / ts_rank, best of the kind = 1).
COVERAGE_FLOOR = 0.5


# A card's full-text rank would weigh fields a blind card hides, so it is never used: every
# card counts as a middling match of its kind, and its coverage of what it shows decides.
CARD_RANK = 0.5


def text_score(coverage: float, rank: float) -> float:
    """Text relevance 0-1: coverage first (a document with every word beats one with some,
    whichever kind it is), the within-kind rank second. Full-text scores of different kinds
    are not comparable, so the rank alone never lifts a partial match over a full one."""
    return coverage * (COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * rank)


def card_shows_filters(
    card: Mapping[str, object],
    *,
    company_key: str | None,
    city_key: str | None,
    topic_slug: str | None,
) -> bool:
    """A filtered field must be one the card shows, with the filtered value."""
    if company_key and _alnum(str(card.get("company", ""))) != _alnum(company_key):
        return False
    if city_key and _alnum(str(card.get("city", ""))) != _alnum(city_key):
        return False
    if topic_slug:
        skills = card.get("skills") or []
        if not isinstance(skills, list) or _alnum(topic_slug) not in {
            _alnum(str(s)) for s in skills
        }:
            return False
    return True


# --- ranking -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Weights:
    text: float = 0.6
    closeness: float = 0.3
    standing: float = 0.1


DEGREE_BASE = {0: 1.0, 1: 1.0, 2: 0.6, 3: 0.3}


def closeness(degree: int, path_strength: float | None) -> float:
    """0 out of network; else a base per degree scaled by the path's strength (0-1)."""
    base = DEGREE_BASE.get(degree, 0.0)
    if base == 0.0:
        return 0.0
    strength = 0.5 if path_strength is None else max(0.0, min(1.0, path_strength))
    return base * (0.5 + 0.5 * strength)


@dataclass
class Signals:
    text: float
    closeness: float
    standing: float | None  # None: no standing available (neutral)
    degree: int = -1
    path_strength: float | None = None
    semantic_rank: int | None = None
    parts: dict[str, float] = field(default_factory=dict)


def blend(signals: Signals, weights: Weights) -> float:
    """The score and, in ``signals.parts``, each signal's share of it (for ``explain=1``).

    Relevance first: closeness and standing scale the text relevance instead of adding to
    it, so a near or well-standing member's weak match cannot climb over strong matches by
    proximity alone (which cost recall when they were added), while among equally relevant
    results the closer and better-standing ones still come first."""
    standing = 0.5 if signals.standing is None else signals.standing
    signals.parts = {  # rounded only when shown
        "text": weights.text * signals.text,
        "closeness": weights.closeness * signals.closeness * signals.text,
        "standing": weights.standing * standing * signals.text,
    }
    return blend_score(signals.text, signals.closeness, signals.standing, weights)


def blend_score(
    text: float, closeness: float, standing: float | None, weights: Weights
) -> float:
    """:func:`blend`'s score alone, without building its parts (a search ranks hundreds of
    candidates and explains the twenty it shows)."""
    standing_value = 0.5 if standing is None else standing
    return (
        weights.text * text
        + weights.closeness * closeness * text
        + weights.standing * standing_value * text
    )


def rrf(
    rankings: Sequence[Sequence[int]],
    k: int = RRF_K,
    weights: Sequence[float] | None = None,
) -> dict[int, float]:
    """Reciprocal rank fusion of several ranked lists of ids (each list's share scaled by
    its weight, 1 for all when not given)."""
    fused: dict[int, float] = {}
    for n, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else weights[n]
        for rank, item in enumerate(ranking):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank + 1)
    return fused


# --- input checks ------------------------------------------------------------------------------


def check_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(k.strip() for k in kinds if k.strip()))
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise InvalidInput(
            f"Kind is one of {', '.join(KINDS)}; not {', '.join(u[:20] for u in unknown)}.",
            field="kind",
        )
    return chosen or KINDS


def check_degree(degree: int | None) -> int | None:
    if degree is not None and degree not in DEGREES:
        raise InvalidInput("Degree is 1, 2 or 3 (people within that many hops).", field="degree")
    return degree


def check_query(q: str) -> str:
    if len(q) > MAX_QUERY_LEN:
        raise InvalidInput(f"Keep the search under {MAX_QUERY_LEN} characters.", field="q")
    return q.strip()
