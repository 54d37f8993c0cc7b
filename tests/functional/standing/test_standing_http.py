"""Standing through HTTP: leaderboards (page and API), the profile's badge, standing and
explanation, member lists, the admin seeds page (CSRF forms) and admin API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.factories import Members, auth, csrf_from, web_sign_in

from sharewell.config import Settings
from sharewell.db import utcnow
from sharewell.members.models import Member
from sharewell.standing import service


def _world(client: TestClient, members: Members, db: Session) -> tuple[Member, Member, Member]:
    """An admin seed who found an expert's Spark insights useful, and a reader."""
    admin = members.create("Ada Admin", admin=True)
    expert = members.create("Eve Expert")
    reader = members.create("Rex Reader")
    te, ta, tr = members.token(expert), members.token(admin), members.token(reader)
    for n in range(3):
        r = client.post(
            "/api/v1/insights",
            json={"kind": "insight", "title": f"Spark tip {n}", "topics": ["Spark"]},
            headers=auth(te),
        )
        assert r.status_code == 201, r.text
        iid = r.json()["id"]
        for token, kind in ((ta, "acted_on"), (ta, "useful"), (tr, "useful")):
            r = client.put(f"/api/v1/insights/{iid}/reactions/{kind}", headers=auth(token))
            assert r.status_code == 204, r.text
    return admin, expert, reader


def _recompute(db: Session, settings: Settings) -> None:
    service.recompute(db, settings, utcnow(), trigger="test")
    db.commit()


def test_leaderboards_profile_badge_and_explanation(
    client: TestClient, members: Members, db: Session, settings: Settings
) -> None:
    _admin, expert, _reader = _world(client, members, db)
    _recompute(db, settings)

    board = client.get("/api/v1/standing/leaderboard").json()
    assert board["items"][0]["handle"] == expert.handle and board["items"][0]["rank"] == 1
    topic_board = client.get("/api/v1/standing/leaderboard?topic=spark").json()
    assert topic_board["items"][0] == {
        **topic_board["items"][0],
        "handle": expert.handle,
        "go_to": True,
    }
    assert [t["slug"] for t in client.get("/api/v1/standing/topics").json()] == ["spark"]
    assert client.get("/api/v1/standing/leaderboard?topic=nope").status_code == 404
    assert client.get("/api/v1/standing/leaderboard?cursor=bad").status_code == 422

    page = client.get("/standing")
    assert page.status_code == 200 and "Eve Expert" in page.text and "go-to" in page.text
    page = client.get("/standing/topics/spark")
    assert page.status_code == 200 and "Go-to people for Spark" in page.text

    public = client.get(f"/api/v1/members/{expert.handle}/standing").json()
    assert public["rank"] == 1 and [t["slug"] for t in public["go_to"]] == ["spark"]
    assert "explanation" not in public
    profile = client.get(f"/members/{expert.handle}")
    assert "go-to for Spark" in profile.text and "Rank 1 of" in profile.text
    assert 'id="standing-explanation"' not in profile.text  # only the member sees it
    chart_src = f'src="/charts/standing/{expert.handle}.svg"'
    assert chart_src in profile.text  # standing over time
    chart = client.get(f"/charts/standing/{expert.handle}.svg")
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
    assert "script-src" not in chart.headers["content-security-policy"]  # no script at all
    assert client.get("/charts/standing/nobody-here.svg").status_code == 404

    members_page = client.get("/members").text
    assert "go-to for Spark" in members_page

    mine = client.get("/api/v1/me/standing", headers=auth(members.token(expert))).json()
    assert mine["explanation"]["text"].startswith("Most of your standing comes from")
    assert "acted on your insights" in mine["explanation"]["text"]
    assert len(mine["history"]) == 1
    web_sign_in(client, expert.email)
    own = client.get(f"/members/{expert.handle}").text
    assert 'id="standing-explanation"' in own and "acted on your insights" in own

    assert client.get("/api/v1/me/standing").status_code == 401


def test_a_member_without_standing(client: TestClient, members: Members) -> None:
    lone = members.create("Lone")
    assert client.get(f"/api/v1/members/{lone.handle}/standing").json()["rank"] is None
    assert "No standing yet" in client.get(f"/members/{lone.handle}").text


def test_admin_seeds_page_and_api(
    client: TestClient, members: Members, db: Session, settings: Settings
) -> None:
    admin, expert, reader = _world(client, members, db)
    token = members.token(admin)
    assert (
        client.get("/api/v1/admin/standing/seeds", headers=auth(members.token(reader))).status_code
        == 403
    )
    r = client.post(
        "/api/v1/admin/standing/seeds", json={"who": reader.handle}, headers=auth(token)
    )
    assert r.status_code == 201 and {s["handle"] for s in r.json()} == {admin.handle, reader.handle}
    r = client.post(
        "/api/v1/admin/standing/seeds", json={"who": "nobody-here"}, headers=auth(token)
    )
    assert r.status_code == 404
    r = client.post("/api/v1/admin/standing/recompute", headers=auth(token))
    assert r.status_code == 200 and r.json()["seeds"] == 2 and r.json()["trigger"] == "admin"
    assert (
        client.get("/api/v1/admin/standing/runs", headers=auth(token)).json()[0]["id"]
        == r.json()["id"]
    )
    assert (
        client.delete(
            f"/api/v1/admin/standing/seeds/{reader.handle}", headers=auth(token)
        ).status_code
        == 204
    )

    web_sign_in(client, admin.email)
    page = client.get("/admin/standing")
    assert page.status_code == 200 and "Mark as seed" in page.text
    r = client.post("/admin/standing/seeds", data={"who": expert.handle}, follow_redirects=False)
    assert r.status_code == 403  # no CSRF token
    r = client.post(
        "/admin/standing/seeds",
        data={"who": expert.handle, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get("/admin/standing")
    assert expert.handle in page.text and "Unmark" in page.text
    r = client.post(
        "/admin/standing/seeds", data={"who": "ghost", "csrf_token": csrf_from(page.text)}
    )
    assert r.status_code == 404 and "ghost" in r.text and 'role="alert"' in r.text
    r = client.post(
        f"/admin/standing/seeds/{expert.handle}/remove",
        data={"csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        "/admin/standing/recompute",
        data={"csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "admin" in client.get("/admin/standing").text

    web_sign_in(client, reader.email)
    assert client.get("/admin/standing").status_code == 403
