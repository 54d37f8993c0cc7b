"""Who may do what: one row per route, API and pages alike. The authorization test walks every
row as nobody, another member, the owner of the objects in the path and an administrator.

Expectations (``Expect``):

* ``OK``: a GET answers 200; a write reaches its handler (no 401/403/404, no 5xx; the empty
  body the walk sends may well be refused with 422 — that is the handler speaking).
* ``LOGIN``: the API answers 401; a page sends the browser to ``/signin``.
* ``FORBIDDEN``: 403.
* ``HIDDEN``: 404, and exactly the answer the same caller gets for ids that name nothing,
  so ids cannot be probed.
* an ``int``: that status.

Adding a route means adding one line here: ``member("GET /api/v1/things")`` (any member),
``own("DELETE /api/v1/things/{thing_id}")`` (the owner only; others see ``HIDDEN``),
``admin("POST /api/v1/admin/things")``, ``public("GET /things")`` or ``row(...)`` with each
role spelled out. A path parameter that is new to the world needs an entry in
``tests/safety/world.py`` too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OK, LOGIN, FORBIDDEN, HIDDEN = "ok", "login", 403, "hidden"
Expect = str | int
ROLES = ("anon", "other", "owner", "admin")


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expect: dict[str, Expect]
    # Path parameter -> world key, when a name means another kind of object on this route.
    params: dict[str, str] = field(default_factory=dict)
    query: str = ""  # sent with every request of the row (``GET /paths?topic=x``)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def row(spec: str, *, anon: Expect, other: Expect, owner: Expect, admin: Expect,
        params: dict[str, str] | None = None) -> Row:  # fmt: skip
    method, target = spec.split(" ", 1)
    path, _, query = target.partition("?")
    return Row(method, path, dict(anon=anon, other=other, owner=owner, admin=admin),
               params or {}, query)  # fmt: skip


def public(spec: str, **over: Expect) -> Row:
    """Anyone, signed in or not."""
    return row(spec, **{"anon": OK, "other": OK, "owner": OK, "admin": OK, **over})  # type: ignore[arg-type]


def member(spec: str, **over: Expect) -> Row:
    """Any signed-in member."""
    return row(spec, **{"anon": LOGIN, "other": OK, "owner": OK, "admin": OK, **over})  # type: ignore[arg-type]


def own(spec: str, params: dict[str, str] | None = None, **over: Expect) -> Row:
    """The owner of the object(s) in the path; to everyone else they do not exist."""
    expect = {"anon": LOGIN, "other": HIDDEN, "owner": OK, "admin": HIDDEN, **over}
    return row(spec, params=params, **expect)  # type: ignore[arg-type]


def admin(spec: str, params: dict[str, str] | None = None, **over: Expect) -> Row:
    """Administrators only."""
    expect = {"anon": LOGIN, "other": FORBIDDEN, "owner": FORBIDDEN, "admin": OK, **over}
    return row(spec, params=params, **expect)  # type: ignore[arg-type]


FEED = {"token_id": "feed_token_id"}

ROWS: list[Row] = [
    member("GET /api/v1/me"),
    member("PATCH /api/v1/me"),
    member("POST /api/v1/me/password"),
    member("GET /api/v1/me/tokens"),
    member("POST /api/v1/me/tokens"),
    own("DELETE /api/v1/me/tokens/{token_id}"),
    public("GET /api/v1/members"),
    public("GET /api/v1/members/{handle}"),
    public("GET /api/v1/topics"),
    public("GET /api/v1/topics/{slug}"),
    public("GET /api/v1/topics/{slug}/members"),
    public("POST /api/v1/auth/signup"),
    public("POST /api/v1/auth/token"),
    public("POST /api/v1/auth/password-reset"),
    public("POST /api/v1/auth/password-reset/confirm"),
    public("POST /api/v1/auth/verify-email/resend"),
    public("POST /api/v1/auth/verify-email"),
    public("GET /api/v1/auth/providers"),
    member("GET /api/v1/me/sessions"),
    own("DELETE /api/v1/me/sessions/{session_id}"),
    member("POST /api/v1/me/sessions/revoke-all"),
    member("POST /api/v1/me/verify-email/resend"),
    member("GET /api/v1/me/two-factor"),
    member("POST /api/v1/me/two-factor/setup"),
    member("POST /api/v1/me/two-factor/enable"),
    member("POST /api/v1/me/two-factor/disable"),
    member("POST /api/v1/me/two-factor/recovery-codes"),
    member("GET /api/v1/me/identities"),
    own("DELETE /api/v1/me/identities/{identity_id}", owner=HIDDEN),  # the world holds none yet
    member("GET /api/v1/me/invitations"),
    member("POST /api/v1/me/invitations"),
    own("DELETE /api/v1/me/invitations/{invitation_id}", admin=OK),
    admin("POST /api/v1/admin/members/{handle}/suspend"),
    admin("POST /api/v1/admin/members/{handle}/restore"),
    admin("GET /api/v1/admin/registration"),
    admin("PUT /api/v1/admin/registration"),
    admin("GET /api/v1/admin/oidc-providers"),
    admin("POST /api/v1/admin/oidc-providers"),
    admin("PATCH /api/v1/admin/oidc-providers/{slug}", admin=404),  # the world holds none
    admin("DELETE /api/v1/admin/oidc-providers/{slug}", admin=404),  # the world holds none
    admin("GET /api/v1/admin/invitations"),
    admin("GET /api/v1/admin/mail"),
    admin("GET /api/v1/admin/mail/stats"),
    admin("POST /api/v1/admin/mail/retry"),
    admin("GET /api/v1/admin/jobs"),
    admin("GET /api/v1/admin/jobs/runs"),
    admin("POST /api/v1/admin/jobs/{name}/run"),
    member("GET /api/v1/contacts/settings"),
    member("PUT /api/v1/contacts/settings"),
    member("POST /api/v1/contacts/sharing"),
    own("PUT /api/v1/contacts/{contact_id}/sharing"),
    own("GET /api/v1/contacts/{contact_id}/preview"),
    own("GET /api/v1/cards/{card_id}", owner=HIDDEN),
    member("GET /api/v1/members/{handle}/knows"),
    public("POST /api/v1/optouts"),
    public("POST /api/v1/optouts/confirm"),
    admin("GET /api/v1/admin/contacts/{card_id}/displays"),
    member("GET /api/v1/contacts"),
    member("POST /api/v1/contacts"),
    member("POST /api/v1/contacts/imports"),
    member("GET /api/v1/contacts/export"),
    member("GET /api/v1/contacts/duplicates"),
    own("POST /api/v1/contacts/duplicates/{pair_id}/merge"),
    own("DELETE /api/v1/contacts/duplicates/{pair_id}", owner=HIDDEN),  # the world holds none yet
    own("GET /api/v1/contacts/{contact_id}"),
    own("PATCH /api/v1/contacts/{contact_id}"),
    own("DELETE /api/v1/contacts/{contact_id}"),
    public("GET /api/v1/insights"),
    member("POST /api/v1/insights"),
    own("GET /api/v1/insights/{insight_id}", anon=HIDDEN, admin=OK),
    own("PATCH /api/v1/insights/{insight_id}", admin=FORBIDDEN),
    own("DELETE /api/v1/insights/{insight_id}"),
    own("GET /api/v1/insights/{insight_id}/revisions", anon=HIDDEN, admin=OK),
    own("GET /api/v1/insights/{insight_id}/comments", anon=HIDDEN, admin=OK),
    own("POST /api/v1/insights/{insight_id}/comments", admin=OK),
    own("GET /api/v1/comments/{comment_id}", anon=HIDDEN, admin=OK),
    own("PATCH /api/v1/comments/{comment_id}"),
    own("DELETE /api/v1/comments/{comment_id}"),
    own("GET /api/v1/comments/{comment_id}/revisions", anon=HIDDEN, admin=OK),
    own("PUT /api/v1/comments/{comment_id}/accepted", admin=OK),
    own("DELETE /api/v1/comments/{comment_id}/accepted", admin=OK),
    own("PUT /api/v1/insights/{insight_id}/reactions/{kind}", admin=OK),
    own("DELETE /api/v1/insights/{insight_id}/reactions/{kind}", admin=OK),
    own("PUT /api/v1/comments/{comment_id}/reactions/{kind}", admin=OK),
    own("DELETE /api/v1/comments/{comment_id}/reactions/{kind}", admin=OK),
    member("GET /api/v1/feed"),
    member("GET /api/v1/me/follows"),
    member("PUT /api/v1/me/follows/members/{handle}"),
    member("DELETE /api/v1/me/follows/members/{handle}"),
    member("PUT /api/v1/me/follows/topics/{slug}"),
    member("DELETE /api/v1/me/follows/topics/{slug}"),
    member("GET /api/v1/me/blocks"),
    member("PUT /api/v1/me/blocks/{handle}"),
    member("DELETE /api/v1/me/blocks/{handle}"),
    member("GET /api/v1/me/feed-tokens"),
    member("POST /api/v1/me/feed-tokens"),
    own("DELETE /api/v1/me/feed-tokens/{token_id}", FEED),
    own("POST /api/v1/insights/{insight_id}/reports", admin=OK),
    own("POST /api/v1/comments/{comment_id}/reports", admin=OK),
    admin("GET /api/v1/admin/reports"),
    admin("POST /api/v1/admin/reports/{report_id}/dismiss"),
    admin("POST /api/v1/admin/insights/{insight_id}/hide"),
    admin("POST /api/v1/admin/insights/{insight_id}/restore"),
    admin("POST /api/v1/admin/comments/{comment_id}/hide"),
    admin("POST /api/v1/admin/comments/{comment_id}/restore"),
    public("GET /api/v1/standing/leaderboard"),
    public("GET /api/v1/standing/topics"),
    member("GET /api/v1/me/standing"),
    public("GET /api/v1/members/{handle}/standing"),
    admin("GET /api/v1/admin/standing/seeds"),
    admin("POST /api/v1/admin/standing/seeds"),
    admin("DELETE /api/v1/admin/standing/seeds/{handle}"),
    admin("POST /api/v1/admin/standing/recompute"),
    admin("GET /api/v1/admin/standing/runs"),
    public("GET /insights"),
    member("GET /feed"),
    public("GET /members/{handle}/insights"),
    public("GET /topics/{slug}/insights"),
    member("GET /insights/new"),
    member("POST /insights/new"),
    own("GET /insights/{pid}", anon=HIDDEN, admin=OK),
    own("GET /insights/{pid}/comments/{cid}", anon=HIDDEN, admin=OK),
    own("GET /insights/{pid}/edit", admin=FORBIDDEN),
    own("POST /insights/{pid}/edit", admin=OK),
    own("POST /insights/{pid}/delete"),
    own("GET /insights/{pid}/history", anon=HIDDEN, admin=OK),
    own("GET /comments/{cid}/history", anon=HIDDEN, admin=OK),
    own("POST /insights/{pid}/comments", admin=OK),
    own("GET /comments/{cid}/edit", admin=FORBIDDEN),
    own("POST /comments/{cid}/edit", admin=FORBIDDEN),
    own("POST /comments/{cid}/delete"),
    own("POST /comments/{cid}/accept", admin=OK),
    own("POST /insights/{pid}/react", admin=OK),
    own("POST /comments/{cid}/react", admin=OK),
    member("POST /members/{handle}/follow"),
    member("POST /members/{handle}/block"),
    member("POST /topics/{slug}/follow"),
    member("GET /settings/feeds"),
    member("POST /settings/feeds/tokens"),
    own("POST /settings/feeds/tokens/{token_id}/revoke", FEED),
    own("GET /insights/{pid}/report", admin=OK),
    own("GET /comments/{cid}/report", admin=OK),
    own("POST /insights/{pid}/report", admin=OK),
    own("POST /comments/{cid}/report", admin=OK),
    admin("GET /admin/reports"),
    admin("POST /admin/reports/{report_id}/dismiss"),
    admin("POST /admin/insights/{pid}/moderate"),
    admin("POST /admin/comments/{cid}/moderate"),
    public("GET /feeds/members/{handle}.atom"),
    public("GET /feeds/topics/{slug}.atom"),
    public("GET /feeds/network/{token}.atom"),
    member("GET /api/v1/connections"),
    member("GET /api/v1/connections/requests"),
    member("POST /api/v1/connections/requests"),
    member("POST /api/v1/connections/requests/{handle}/accept", other=404, admin=404),
    member("POST /api/v1/connections/requests/{handle}/decline", other=404, admin=404),
    member("DELETE /api/v1/connections/requests/{handle}", other=404, admin=404),
    member("DELETE /api/v1/connections/{handle}", other=404, admin=404),
    member("PUT /api/v1/connections/{handle}/strength"),
    member("GET /api/v1/blocks"),
    member("POST /api/v1/blocks"),
    member("DELETE /api/v1/blocks/{handle}", other=404, admin=404),
    member("GET /api/v1/me/introductions"),
    member("PUT /api/v1/me/introductions"),
    member("GET /api/v1/paths?topic=recruiting"),
    member("GET /api/v1/recommendations"),
    public("GET /standing"),
    public("GET /standing/topics/{slug}"),
    public("GET /charts/standing/{handle}.svg"),  # public, as the profile that shows it is
    member("GET /charts/give-take.svg"),  # always the viewer's own tally
    member("GET /charts/funnel.svg"),  # always the viewer's own requests
    member("GET /welcome"),
    admin("GET /admin/standing"),
    admin("POST /admin/standing/seeds", admin=404),  # empty form: no such member
    admin("POST /admin/standing/seeds/{handle}/remove"),
    admin("POST /admin/standing/recompute"),
    public("GET /"),
    member("POST /signout", anon=303),
    public("GET /members"),
    public("GET /members/{handle}"),
    public("GET /topics"),
    public("GET /topics/{slug}"),
    member("GET /settings/profile"),
    member("POST /settings/profile"),
    member("GET /settings"),
    member("POST /settings/password"),
    member("POST /settings/tokens"),
    own("POST /settings/tokens/{token_id}/revoke"),
    public("GET /signup", other=303, owner=303, admin=303),
    public("POST /signup"),
    public("GET /signin", other=303, owner=303, admin=303),
    public("POST /signin", anon=401, other=401, owner=401, admin=401),  # empty form: wrong password
    public("GET /signin/two-factor", anon=303, other=303, owner=303, admin=303),
    public("POST /signin/two-factor"),
    public("GET /verify-email"),
    public("POST /verify-email"),
    public("GET /verify-email/resend"),
    public("POST /verify-email/resend"),
    public("GET /reset-password"),
    public("POST /reset-password"),
    public("GET /reset-password/confirm"),
    public("POST /reset-password/confirm"),
    member("GET /settings/security"),
    own("POST /settings/sessions/{session_id}/revoke"),
    member("POST /settings/sessions/revoke-all"),
    member("POST /settings/verify-email/resend"),
    member("POST /settings/two-factor/start"),
    member("POST /settings/two-factor/enable"),
    member("POST /settings/two-factor/recovery-codes"),
    member("POST /settings/two-factor/disable"),
    member("POST /settings/invitations"),
    own("POST /settings/invitations/{invitation_id}/revoke", admin=OK),
    own("POST /settings/identities/{identity_id}/unlink", owner=HIDDEN),  # the world holds none yet
    public(
        "GET /auth/oidc/{slug}/start", anon=404, other=404, owner=404, admin=404
    ),  # no such provider
    public(
        "GET /auth/oidc/{slug}/callback", anon=404, other=404, owner=404, admin=404
    ),  # no such provider
    public("GET /auth/oidc/link", anon=303, other=404, owner=404, admin=404),  # nothing to link
    public("POST /auth/oidc/link", other=404, owner=404, admin=404),
    admin("GET /admin/settings"),
    admin("POST /admin/registration"),
    admin("POST /admin/oidc-providers"),
    admin("POST /admin/oidc-providers/{slug}/delete", admin=404),  # the world holds none
    admin("POST /admin/invitations"),
    admin("POST /admin/jobs/{name}/run"),
    own("GET /contacts/{contact_id}/sharing"),
    own("POST /contacts/{contact_id}/sharing"),
    member("GET /contacts-sharing"),
    member("POST /contacts-sharing/defaults"),
    member("POST /contacts-sharing/bulk"),
    public("GET /optout"),
    public("POST /optout"),
    public("GET /optout/confirm"),
    public("POST /optout/confirm"),
    member("GET /contacts"),
    member("GET /contacts/new"),
    member("POST /contacts/new"),
    member("GET /contacts/import"),
    member("POST /contacts/import"),
    member("GET /contacts/export.{fmt}"),
    member("GET /contacts/duplicates"),
    own("POST /contacts/duplicates/{pair_id}", owner=HIDDEN),  # the world holds none yet
    own("GET /contacts/{contact_id}"),
    own("POST /contacts/{contact_id}"),
    public("GET /api/v1/ledger/rules"),
    member("GET /api/v1/ledger/me"),
    member("GET /api/v1/ledger/me/statement"),
    member("GET /api/v1/ledger/me/statement.csv"),
    member("GET /api/v1/ledger/me/tally"),
    member("GET /api/v1/ledger/pledges"),
    member("POST /api/v1/ledger/pledges"),
    own("GET /api/v1/ledger/pledges/{pledge_id}", admin=OK),
    own("POST /api/v1/ledger/pledges/{pledge_id}/split"),
    own("POST /api/v1/ledger/pledges/{pledge_id}/thanks", admin=FORBIDDEN),
    own("POST /api/v1/ledger/pledges/{pledge_id}/fall-off", admin=FORBIDDEN),
    admin("POST /api/v1/ledger/pledges/{pledge_id}/refund"),
    admin("GET /api/v1/ledger/admin/reconciliation"),
    admin("POST /api/v1/ledger/admin/release-due"),
    admin("POST /api/v1/ledger/admin/expire-attribution"),
    member("GET /ledger"),
    member("GET /ledger/statement.csv"),
    member("POST /ledger/pledges"),
    own("GET /ledger/pledges/{pledge_id}", admin=OK),
    own("POST /ledger/pledges/{pledge_id}/{action}", {"action": "pledge_action"}, admin=FORBIDDEN),
    admin("GET /admin/ledger"),
    admin("POST /admin/ledger/{job}"),
    member("GET /network"),
    member("POST /network/connect"),
    member("POST /network/requests/{handle}/{action}", other=404, admin=404),
    member("POST /network/connections/{handle}/remove", other=404, admin=404),
    member("POST /network/connections/{handle}/strength"),
    member("POST /network/block"),
    member("POST /network/unblock/{handle}", other=404, admin=404),
    member("POST /network/pause"),
    member("GET /find"),
    member("GET /api/v1/intros"),
    member("POST /api/v1/intros"),
    own("GET /api/v1/intros/{intro_id}"),
    own("GET /api/v1/intros/{intro_id}/candidates"),
    own("POST /api/v1/intros/{intro_id}/forward"),
    own("POST /api/v1/intros/{intro_id}/ask-target"),
    own("POST /api/v1/intros/{intro_id}/attest"),
    own("POST /api/v1/intros/{intro_id}/decline"),
    own("POST /api/v1/intros/{intro_id}/question"),
    own("POST /api/v1/intros/{intro_id}/answer"),
    own("POST /api/v1/intros/{intro_id}/accept"),
    own("POST /api/v1/intros/{intro_id}/withdraw"),
    own("GET /api/v1/intros/{intro_id}/messages"),
    own("POST /api/v1/intros/{intro_id}/messages"),
    own("POST /api/v1/intros/{intro_id}/leave"),
    own("POST /api/v1/intros/{intro_id}/outcomes"),
    own(
        "POST /api/v1/intros/{intro_id}/outcomes/{outcome_id}/confirm", owner=404
    ),  # the world holds none yet
    own(
        "POST /api/v1/intros/{intro_id}/outcomes/{outcome_id}/attest", owner=FORBIDDEN
    ),  # connectors attest
    own(
        "POST /api/v1/intros/{intro_id}/outcomes/{outcome_id}/fall-off", owner=404
    ),  # the world holds none yet
    public("GET /api/v1/intro-links?token=no-such-link", anon=404, other=404, owner=404, admin=404),
    public("POST /api/v1/intro-links"),
    member("GET /api/v1/notifications"),
    member("POST /api/v1/notifications/read"),
    member("PUT /api/v1/notifications/settings"),
    admin("GET /api/v1/admin/intros/disputes"),
    admin("POST /api/v1/admin/intros/outcomes/{outcome_id}/resolve"),
    member("GET /intros"),
    member("GET /intros/new", other=404, owner=404, admin=404),  # nothing named to ask for
    member("POST /intros/new"),
    own("GET /intros/{intro_id}"),
    own("POST /intros/{intro_id}/step/{action}", {"action": "intro_action"}),
    own(
        "POST /intros/{intro_id}/outcomes/{outcome_id}/{action}",
        {"action": "outcome_action"},
        owner=404,
    ),
    public("GET /intro-link", anon=404, other=404, owner=404, admin=404),
    public("POST /intro-link"),
    member("GET /notifications"),
    member("POST /notifications/read"),
    member("POST /notifications/settings"),
    admin("GET /admin/intros"),
    admin("POST /admin/intros/{outcome_id}/resolve", other=422, owner=422, admin=422),
    member("GET /api/v1/search"),
    member("GET /api/v1/search/suggest"),
    member("GET /api/v1/search/saved"),
    member("POST /api/v1/search/saved"),
    own("DELETE /api/v1/search/saved/{saved_id}"),
    member("GET /api/v1/search/alerts"),
    member("POST /api/v1/search/alerts/read"),
    member("GET /search"),
    member("GET /search/suggest"),
    member("GET /search/saved"),
    member("POST /search/saved"),
    own("POST /search/saved/{saved_id}/delete"),
    member("POST /search/alerts/read"),
    member("GET /api/v1/me/export"),
    member("POST /api/v1/me/erasure"),
    public("POST /api/v1/erasure-requests"),
    public("POST /api/v1/erasure-requests/confirm"),
    member("GET /api/v1/me/notices"),
    own("POST /api/v1/me/notices/{contact_id}/send"),
    own("POST /api/v1/me/notices/{contact_id}/skip", owner=404),  # none waiting
    admin("GET /api/v1/admin/erasure-requests"),
    admin(
        "POST /api/v1/admin/erasure-requests/{request_id}/complete", admin=404
    ),  # the world holds none
    admin(
        "POST /api/v1/admin/erasure-requests/{request_id}/reject", admin=404
    ),  # the world holds none
    admin("GET /api/v1/admin/notice-settings"),
    admin("PUT /api/v1/admin/notice-settings"),
    member("GET /settings/data"),
    member("GET /settings/data/export"),
    own(
        "POST /settings/data/notices/{contact_id}/{action}", {"action": "notice_action"}, owner=404
    ),  # none waiting
    member("POST /settings/data/erase"),
    public("GET /erasure"),
    public("POST /erasure"),
    public("GET /erasure/confirm"),
    public("POST /erasure/confirm"),
    admin("GET /admin/privacy"),
    admin("POST /admin/privacy/notices"),
    admin(
        "POST /admin/privacy/requests/{request_id}/{action}",
        {"action": "erasure_action"},
        admin=404,
    ),
    public("GET /docs"),
    public("GET /healthz"),
    public("GET /metrics"),
]
