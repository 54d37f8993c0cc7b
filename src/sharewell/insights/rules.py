"""Pure rules of the insights area: kinds, visibility, limits, thread paths. No database, no
web; tested in milliseconds."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sharewell.errors import Conflict, InvalidInput, PayloadTooLarge, PermissionDenied

KINDS = ("information", "insight", "capability", "ask", "opportunity")
KIND_LABELS = {
    "information": "Information",
    "insight": "Insight",
    "capability": "Capability",
    "ask": "Ask",
    "opportunity": "Opportunity",
}
VISIBILITIES = ("public", "members", "connections")
VISIBILITY_LABELS = {
    "public": "Anyone, including feed readers",
    "members": "Signed-in members",
    "connections": "My connections",
}
# "comment" anywhere; the others only at the top of an ask's thread.
COMMENT_KINDS = ("comment", "answer", "pointer", "intro_offer")
ASK_ONLY_KINDS = frozenset({"answer", "pointer", "intro_offer"})
REACTIONS = ("useful", "acted_on")
REACTION_LABELS = {"useful": "Useful", "acted_on": "I acted on this"}
ORDERS = ("newest", "useful")

TITLE_MAX = 200
MAX_TOPICS = 8
REASON_MAX = 500
PATH_WIDTH = 10  # digits per path segment: ids up to 9,999,999,999
DEPTH_CAP = 100  # the most any configuration may allow (the path column holds 100 segments)


@dataclass(frozen=True)
class Limits:
    """Configured limits (``SHAREWELL_INSIGHT_BODY_MAX_BYTES``, ``SHAREWELL_COMMENT_MAX_DEPTH``)."""

    body_max_bytes: int = 100_000
    max_depth: int = 25


def new_public_id() -> str:
    """An unguessable public id for URLs (72 random bits)."""
    return secrets.token_urlsafe(9)


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput(f"Choose a kind: {', '.join(KINDS)}.", field="kind")
    return kind


def check_visibility(visibility: str) -> str:
    if visibility not in VISIBILITIES:
        raise InvalidInput(f"Choose who can see it: {', '.join(VISIBILITIES)}.", field="visibility")
    return visibility


def clean_title(title: str) -> str:
    value = " ".join(title.split())
    if not value:
        raise InvalidInput("Give it a title.", field="title")
    if len(value) > TITLE_MAX:
        raise InvalidInput(f"A title has at most {TITLE_MAX} characters.", field="title")
    return value


def check_body(body: str, limits: Limits, *, required: bool, field: str = "body") -> str:
    size = len(body.encode("utf-8"))
    if size > limits.body_max_bytes:
        raise PayloadTooLarge(
            f"The text is {size:,} bytes; at most {limits.body_max_bytes:,} are allowed.",
            field=field,
        )
    if required and not body.strip():
        raise InvalidInput("Write something first.", field=field)
    return body


def check_reason(reason: str) -> str:
    value = " ".join(reason.split())
    if not value:
        raise InvalidInput("Say briefly what is wrong with it.", field="reason")
    if len(value) > REASON_MAX:
        raise InvalidInput(f"A reason has at most {REASON_MAX} characters.", field="reason")
    return value


def check_reaction(kind: str) -> str:
    if kind not in REACTIONS:
        raise InvalidInput(f"A reaction is one of: {', '.join(REACTIONS)}.", field="kind")
    return kind


def check_order(order: str) -> str:
    if order not in ORDERS:
        raise InvalidInput(f"Order by one of: {', '.join(ORDERS)}.", field="order")
    return order


def can_view(
    *,
    visibility: str,
    author_id: int,
    viewer_id: int | None,
    viewer_connections: Collection[int] = (),
) -> bool:
    """The one visibility rule. ``viewer_connections`` are the viewer's 1st-degree connections
    (from the network area); ``connections`` items are seen by their author and
    by members connected to the author. Moderation and blocks are applied on top of this."""
    if visibility == "public":
        return True
    if viewer_id is None:
        return False
    if viewer_id == author_id or visibility == "members":
        return True
    if visibility == "connections":
        return author_id in viewer_connections
    return False


def check_comment_kind(kind: str, *, insight_kind: str, is_reply: bool) -> str:
    if kind not in COMMENT_KINDS:
        raise InvalidInput(f"A comment is one of: {', '.join(COMMENT_KINDS)}.", field="kind")
    if kind in ASK_ONLY_KINDS:
        if insight_kind != "ask":
            raise InvalidInput(
                "Answers, pointers and introduction offers belong on asks.", field="kind"
            )
        if is_reply:
            raise InvalidInput(
                "Answer the ask itself, not a comment: post it at the top of the thread.",
                field="kind",
            )
    return kind


def check_can_reply(
    *, parent_deleted: bool, parent_hidden: bool, parent_depth: int, limits: Limits
) -> int:
    """The depth of a new reply, or a clear refusal."""
    if parent_deleted:
        raise Conflict("That comment was deleted; reply to the insight or another comment.")
    if parent_hidden:
        raise Conflict("That comment was hidden by a moderator; it takes no replies.")
    depth = parent_depth + 1
    if depth > min(limits.max_depth, DEPTH_CAP - 1):
        raise InvalidInput(
            f"Threads go at most {limits.max_depth} replies deep; reply further up the thread.",
            field="parent",
        )
    return depth


def check_open_for_comments(*, deleted: bool, hidden: bool) -> None:
    if deleted:
        raise Conflict("This insight was deleted; it takes no new comments.")
    if hidden:
        raise Conflict("This insight was hidden by a moderator; it takes no new comments.")


def check_author(author_id: int, member_id: int, what: str = "it") -> None:
    if author_id != member_id:
        raise PermissionDenied(f"Only its author may change {what}.")


def path_segment(comment_id: int) -> str:
    return str(comment_id).zfill(PATH_WIDTH)


def child_path(parent_path: str, comment_id: int) -> str:
    return parent_path + path_segment(comment_id)


def tombstone_needed(*, has_replies_from_others: bool) -> bool:
    """Deleting keeps a tombstone where others replied, so their replies keep their place;
    otherwise the item goes for good."""
    return has_replies_from_others


@dataclass
class ThreadNode:
    """One comment in a rendered thread, with its children and the size of its subtree."""

    item: object
    depth: int
    children: list[ThreadNode]
    descendants: int = 0


def build_thread(items: Sequence[tuple[int, int | None, object, int]]) -> list[ThreadNode]:
    """Nest ``(id, parent_id, item, depth)`` rows given in path order; count descendants.
    Orphans (a parent that is not in the list) become roots, so a subtree renders alone."""
    nodes: dict[int, ThreadNode] = {}
    roots: list[ThreadNode] = []
    for cid, parent_id, item, depth in items:
        node = ThreadNode(item=item, depth=depth, children=[])
        nodes[cid] = node
        parent = nodes.get(parent_id) if parent_id is not None else None
        (parent.children if parent else roots).append(node)
    for node in reversed(list(nodes.values())):  # children come after parents in path order
        node.descendants = sum(1 + c.descendants for c in node.children)
    return roots


def collapse(node: ThreadNode, *, fold_over: int = 12, fold_depth: int = 6) -> bool:
    """Long threads start folded: subtrees over ``fold_over`` replies, or starting deeper
    than ``fold_depth``, render as a closed <details> the reader opens."""
    return node.descendants > fold_over or (node.depth >= fold_depth and node.descendants > 0)


THREAD_WINDOW = 60  # comments rendered per thread page; the rest are one click (or htmx) away


@dataclass(frozen=True)
class ThreadWindow:
    """Which comments of a thread one page renders.

    ``shown`` are ids in display order; ``more_replies`` maps a shown comment to how many of
    its descendants were left out and the index (into the rows) of the first of them, where
    its "show more" page starts; ``next_root`` is the index of the first top-level comment of
    the next page, or None."""

    shown: list[int]
    more_replies: dict[int, tuple[int, int]]
    next_root: int | None


def thread_window(
    rows: Sequence[tuple[int, int | None]], budget: int = THREAD_WINDOW
) -> ThreadWindow:
    """Choose what a page of a long thread renders, from ``(id, parent_id)`` rows in display
    (path) order: whole top-level subtrees while they fit; when one does not, its first
    ``budget`` comments in reading order, with the rest counted under the nearest shown
    ancestor. A row whose parent is not in ``rows`` counts as top-level (a subtree page).
    Rendering 500 comments cost most of a thread page's time; a reader reads the top first."""
    shown: list[int] = []
    included: set[int] = set()
    anchor: dict[int, int] = {}  # comment id -> the shown comment its "more" link counts under
    more: dict[int, tuple[int, int]] = {}
    for index, (cid, parent_id) in enumerate(rows):
        if parent_id is None or parent_id not in anchor:
            if len(shown) >= budget:
                return ThreadWindow(shown, more, index)
            shown.append(cid)
            included.add(cid)
            anchor[cid] = cid
            continue
        if parent_id in included and len(shown) < budget:
            shown.append(cid)
            included.add(cid)
            anchor[cid] = cid
        else:
            anchor[cid] = anchor[parent_id]
            count, first = more.get(anchor[cid], (0, index))
            more[anchor[cid]] = (count + 1, first)
    return ThreadWindow(shown, more, None)
