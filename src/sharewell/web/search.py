"""Search pages: ``/search`` (the box in the navigation leads here), the autocomplete partial
htmx asks for, and ``/search/saved`` (saved searches and their alerts). Every form works
without JavaScript."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from sharewell.deps import SessionDep, SettingsDep
from sharewell.errors import SharewellError
from sharewell.network.graph import GraphIndex
from sharewell.search import queries, rules, service
from sharewell.search.schemas import SavedSearchIn, SearchOut
from sharewell.web import session as web_session
from sharewell.web.session import SignedInMember, limited
from sharewell.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(web_session.verify_csrf)])

KIND_LABELS = {
    "member": "People",
    "card": "Shared cards",
    "aggregate": "Counts",
    "insight": "Insights",
    "comment": "Comments",
}


@router.get("/search", dependencies=[limited("search")])
def search_page(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    q: str = "",
    kind: str = "",
    topic: str = "",
    company: str = "",
    city: str = "",
    degree: str = "",
    explain: str = "",
) -> Response:
    values = {
        "q": q[: rules.MAX_QUERY_LEN],
        "kind": kind,
        "topic": topic[:60],
        "company": company[:100],
        "city": city[:100],
        "degree": degree,
        "explain": explain,
    }
    result: SearchOut | None = None
    error = None
    asked = bool(q.strip() or topic.strip() or company.strip() or city.strip())
    if asked:
        try:
            index: GraphIndex = request.app.state.graph.current(session)
            params = queries.SearchParams(
                q=values["q"],
                kinds=rules.check_kinds([kind]) if kind else rules.KINDS,
                topic=values["topic"] or None,
                company=values["company"] or None,
                city=values["city"] or None,
                degree=int(degree) if degree.isdigit() else None,
                explain=explain == "1",
                limit=30,
            )
            result = queries.search(session, me, params, settings, index)
        except SharewellError as exc:
            if exc.status == 429:
                raise
            error = exc.detail
    return render(
        request,
        "search/index.html",
        {"values": values, "result": result, "error": error, "kinds": KIND_LABELS},
        status_code=422 if error else 200,
    )


@router.get("/search/suggest")
def suggest_partial(
    request: Request, me: SignedInMember, session: SessionDep, q: str = ""
) -> Response:
    """The autocomplete list htmx swaps under the box (plain links; no script needed)."""
    return render(
        request, "search/_suggest.html", {"suggestions": queries.suggest(session, me, q[:100])}
    )


@router.get("/search/saved")
def saved_page(request: Request, me: SignedInMember, session: SessionDep) -> Response:
    return render(
        request,
        "search/saved.html",
        {"saved": queries.list_saved(session, me), "alerts": queries.list_alerts(session, me)},
    )


@router.post("/search/saved")
def save(
    request: Request,
    me: SignedInMember,
    session: SessionDep,
    settings: SettingsDep,
    name: str = Form("", max_length=80),
    q: str = Form("", max_length=200),
    kind: str = Form(""),
    topic: str = Form("", max_length=60),
    company: str = Form("", max_length=100),
    city: str = Form("", max_length=100),
    degree: str = Form(""),
    mail: str = Form("off"),
) -> Response:
    data = SavedSearchIn(
        name=(name or q or topic or company or city or "My search").strip()[:80],
        q=q,
        kind=[kind] if kind else [],
        topic=topic or None,
        company=company or None,
        city=city or None,
        degree=int(degree) if degree.isdigit() else None,
        mail=mail == "on",
    )
    saved = service.save_search(session, me, data)
    response = RedirectResponse("/search/saved", status_code=303)
    web_session.flash(response, settings, f"Saved “{saved.name}”: new matches will show up here.")
    return response


@router.post("/search/saved/{saved_id}/delete")
def delete(
    request: Request, saved_id: str, me: SignedInMember, session: SessionDep, settings: SettingsDep
) -> Response:
    service.delete_saved(session, me, saved_id)
    response = RedirectResponse("/search/saved", status_code=303)
    web_session.flash(response, settings, "Saved search deleted.")
    return response


@router.post("/search/alerts/read")
def read(
    request: Request, me: SignedInMember, session: SessionDep, settings: SettingsDep
) -> Response:
    service.mark_read(session, me)
    response = RedirectResponse("/search/saved", status_code=303)
    web_session.flash(response, settings, "All alerts marked as read.")
    return response
