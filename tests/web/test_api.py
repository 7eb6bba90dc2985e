"""The Mini App's JSON API over plain HTTP: who gets in, who sees what, and that every action
changes the same store the chat reads (``coach show``)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from sqlalchemy import select

from coach.clock import FixedClock
from coach.store import models as m
from coach.web.auth import MAX_INIT_DATA_AGE_S, AuthError, sign_init_data, verify_init_data
from coach.web.views import issue_login
from tests.web.conftest import ANN_TG, BOB_TG, BOT_TOKEN, CARLA_TG, DONE_DAY, WEB_TODAY, Served, init_data

NOW = FixedClock(WEB_TODAY).now()


def tma(user_id: int, **kwargs: Any) -> dict[str, str]:
    return {"Authorization": "tma " + init_data(user_id, **kwargs)}


async def get(served: Served, path: str, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=served.url) as client:
        return await client.get(path, headers=headers)


async def post(served: Served, path: str, headers: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=served.url) as client:
        return await client.post(path, headers=headers, json=body)


def sessions_on(document: dict[str, Any], day: str) -> list[dict[str, Any]]:
    return [s for w in document["plan"]["weeks"] for s in w["sessions"] if s["date"] == day]


# ---------------------------------------------------------------------- initData, as Telegram documents it


def test_a_signed_init_data_names_its_user_and_any_change_breaks_it() -> None:
    data = init_data(ANN_TG)
    assert verify_init_data(data, BOT_TOKEN, NOW).id == ANN_TG
    fields = dict(parse_qsl(data))
    fields["user"] = fields["user"].replace(f'"id":{ANN_TG}', f'"id":{BOB_TG}')  # claims to be Bob, Ann's signature
    with pytest.raises(AuthError, match="signature"):
        verify_init_data(urlencode(fields), BOT_TOKEN, NOW)
    with pytest.raises(AuthError, match="signature"):
        verify_init_data(data, "654321:another-bots-token", NOW)


def test_init_data_older_than_the_limit_is_stale() -> None:
    old = NOW - dt.timedelta(seconds=MAX_INIT_DATA_AGE_S + 60)
    with pytest.raises(AuthError, match="too old"):
        verify_init_data(init_data(ANN_TG, at=old), BOT_TOKEN, NOW)
    assert verify_init_data(init_data(ANN_TG, at=NOW - dt.timedelta(hours=1)), BOT_TOKEN, NOW).id == ANN_TG


def test_the_check_string_is_the_sorted_fields_without_hash() -> None:
    """Telegram's example shape: extra fields (signature, chat_instance) are signed like the others."""
    fields = {"user": '{"id":7,"first_name":"Zoe"}', "chat_instance": "-1", "auth_date": str(int(NOW.timestamp())), "signature": "abc"}
    assert verify_init_data(sign_init_data(fields, BOT_TOKEN), BOT_TOKEN, NOW).id == 7
    with pytest.raises(AuthError):
        verify_init_data(sign_init_data(fields, BOT_TOKEN) + "&extra=1", BOT_TOKEN, NOW)


# ---------------------------------------------------------------------- the server refuses who can't prove it


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "tma"},
    {"Authorization": "tma " + init_data(ANN_TG, token="999:forged-with-another-token")},
    {"Authorization": "tma " + init_data(ANN_TG, at=NOW - dt.timedelta(days=2))},
    {"Authorization": "tma query_id=1&user=%7B%22id%22%3A2%7D&auth_date=1&hash=00"},
    {"Authorization": "Session not-a-session"},
])
async def test_forged_stale_or_missing_init_data_gets_401(served: Served, headers: dict[str, str]) -> None:
    for path in ("/api/me", f"/api/athletes/{served.ids['ann']}/calendar", "/api/coach"):
        response = await get(served, path, headers)
        assert response.status_code == 401, path
        assert "Not signed in" in response.json()["error"]
    refused = await post(served, f"/api/athletes/{served.ids['ann']}/skip", headers, {"date": "2026-11-28"})
    assert refused.status_code == 401
    assert sessions_on(await served.service.show("ann"), "2026-11-28")[0]["status"] == "planned"


# ---------------------------------------------------------------------- who sees what


async def test_the_calendar_is_the_plan_coach_show_has(served: Served) -> None:
    me = (await get(served, "/api/me", tma(ANN_TG))).json()
    assert me["athlete"]["id"] == served.ids["ann"] and me["coach"] is None
    calendar = (await get(served, f"/api/athletes/{served.ids['ann']}/calendar", tma(ANN_TG))).json()
    shown = await served.service.show("ann")
    assert calendar["plan"] == shown["plan"]
    assert calendar["today"] == WEB_TODAY.isoformat()
    by_date = {(s["date"], s["type"]): s["status"] for s in calendar["sessions"]}
    assert by_date == {(s["date"], s["type"]): s["status"] for w in shown["plan"]["weeks"] for s in w["sessions"]}
    [done] = [s for s in calendar["sessions"] if s["date"] == DONE_DAY]
    assert done["status"] == "done" and done["title"].startswith("Run") and done["step_lines"]


async def test_another_athletes_calendar_is_unreachable(served: Served) -> None:
    response = await get(served, f"/api/athletes/{served.ids['bob']}/calendar", tma(ANN_TG))
    assert response.status_code == 403
    assert "plan" not in response.json()
    acted = await post(served, f"/api/athletes/{served.ids['bob']}/skip", tma(ANN_TG), {"date": "2026-11-28"})
    assert acted.status_code == 403
    assert sessions_on(await served.service.show("bob"), "2026-11-28")[0]["status"] == "planned"
    assert (await get(served, "/api/athletes/99999/calendar", tma(ANN_TG))).status_code == 404
    assert (await get(served, "/api/coach", tma(ANN_TG))).status_code == 403


async def test_a_telegram_user_the_coach_does_not_know_sees_nothing(served: Served) -> None:
    me = (await get(served, "/api/me", tma(77, name="Stranger"))).json()
    assert me == {"name": "Stranger", "athlete": None, "coach": None}
    assert (await get(served, f"/api/athletes/{served.ids['ann']}/calendar", tma(77))).status_code == 403


async def test_the_coach_sees_only_linked_athletes(served: Served) -> None:
    dashboard = (await get(served, "/api/coach", tma(CARLA_TG, name="Carla"))).json()
    assert [a["name"] for a in dashboard["athletes"]] == ["Ann"]
    [ann] = dashboard["athletes"]
    assert ann["compliance"]["done"] == 1 and ann["ctl"] is not None and ann["tsb"] is not None
    assert (await get(served, f"/api/athletes/{served.ids['ann']}/calendar", tma(CARLA_TG))).status_code == 200
    assert (await get(served, f"/api/athletes/{served.ids['bob']}/calendar", tma(CARLA_TG))).status_code == 403
    refused = await post(served, "/api/coach/override", tma(CARLA_TG),
                         {"athlete_id": served.ids["bob"], "date": "2026-11-28", "changes": {"duration_min": 30}, "reason": "x"})
    assert refused.status_code == 403


# ---------------------------------------------------------------------- actions go through the chat's tools


async def test_mark_done_logs_the_planned_session_like_the_chat(served: Served) -> None:
    today = WEB_TODAY.isoformat()
    assert sessions_on(await served.service.show("ann"), today)[0]["status"] == "planned"
    response = await post(served, f"/api/athletes/{served.ids['ann']}/done", tma(ANN_TG), {"date": today})
    assert response.status_code == 200 and response.json()["ok"], response.json()
    shown = await served.service.show("ann")
    assert sessions_on(shown, today)[0]["status"] == "done"
    assert [a["start_time"][:10] for a in shown["activities"]].count(today) == 1
    ahead = await post(served, f"/api/athletes/{served.ids['ann']}/done", tma(ANN_TG), {"date": "2026-11-28"})
    assert sessions_on(await served.service.show("ann"), "2026-11-28")[0]["status"] == "planned", ahead.json()


async def test_move_goes_through_the_engine_and_a_refusal_changes_nothing(served: Served) -> None:
    before = await served.service.show("ann")
    saturday = sessions_on(before, "2026-11-28")
    moved = await post(served, f"/api/athletes/{served.ids['ann']}/move", tma(ANN_TG), {"date": "2026-11-28", "to": "2026-11-27"})
    assert moved.status_code == 200 and moved.json()["ok"], moved.json()
    after = await served.service.show("ann")
    assert [s["type"] for s in sessions_on(after, "2026-11-27") if s["status"] != "moved"] == [s["type"] for s in saturday]
    assert after["plan"]["version"] == before["plan"]["version"] + 1
    past = await post(served, f"/api/athletes/{served.ids['ann']}/move", tma(ANN_TG), {"date": DONE_DAY, "to": "2026-11-30"})
    assert past.status_code == 200 and past.json()["ok"] is False and past.json()["text"]
    assert (await served.service.show("ann"))["plan"]["version"] == after["plan"]["version"]
    bad = await post(served, f"/api/athletes/{served.ids['ann']}/move", tma(ANN_TG), {"date": "next tuesday", "to": "2026-11-27"})
    assert bad.status_code == 400 and "date" in bad.json()["error"]


async def test_why_explains_from_the_plan(served: Served) -> None:
    response = await post(served, f"/api/athletes/{served.ids['ann']}/why", tma(ANN_TG), {"date": "2026-11-29"})
    assert response.json()["ok"] and "Week 1" in response.json()["text"]


# ---------------------------------------------------------------------- the coach's actions


async def test_override_is_validated_and_audited(served: Served) -> None:
    day = "2026-11-28"
    planned = sessions_on(await served.service.show("ann"), day)[0]["duration_min"]
    body = {"athlete_id": served.ids["ann"], "date": day, "changes": {"duration_min": planned - 5}, "reason": "short on time"}
    done = await post(served, "/api/coach/override", tma(CARLA_TG), body)
    assert done.json()["ok"] and done.json()["text"].startswith("Override recorded for Ann")
    assert sessions_on(await served.service.show("ann"), day)[0]["duration_min"] == planned - 5
    huge = await post(served, "/api/coach/override", tma(CARLA_TG), {**body, "changes": {"duration_min": 400}})
    assert huge.json()["ok"] is False and "waive=" in huge.json()["text"]
    async with served.service.db.transaction() as s:
        [row] = (await s.execute(select(m.Override))).scalars().all()
        assert row.reason == "short on time" and row.after is not None and row.after["duration_min"] == planned - 5


async def test_a_plan_waiting_for_review_is_approved_once_and_a_note_reaches_the_athlete(served: Served) -> None:
    ann = served.ids["ann"]
    async with served.service.db.transaction() as s:
        s.add(m.OutboxMessage(key=f"review:{ann}:2026-11-30", athlete_id=ann, chat_id=-100, kind="review",
                              payload={"text": "For review — Ann:\nNext week...", "buttons": [], "document": None}))
    dashboard = (await get(served, "/api/coach", tma(CARLA_TG))).json()
    assert [(r["athlete_id"], r["week_start"]) for r in dashboard["reviews"]] == [(ann, "2026-11-30")]
    approved = await post(served, "/api/coach/approve", tma(CARLA_TG), {"athlete_id": ann, "week_start": "2026-11-30"})
    assert approved.json()["sent"] is True
    again = await post(served, "/api/coach/approve", tma(CARLA_TG), {"athlete_id": ann, "week_start": "2026-11-30"})
    assert again.json()["sent"] is False
    assert (await get(served, "/api/coach", tma(CARLA_TG))).json()["reviews"] == []
    await post(served, "/api/coach/note", tma(CARLA_TG), {"athlete_id": ann, "text": "Great week, keep Saturday easy."})
    async with served.service.db.transaction() as s:
        weekly = (await s.execute(select(m.OutboxMessage).where(m.OutboxMessage.key == f"weekly:{ann}:2026-11-30"))).scalar_one()
        assert weekly.chat_id == ANN_TG and "Reviewed by carla" in weekly.payload["text"]
        note = (await s.execute(select(m.OutboxMessage).where(m.OutboxMessage.kind == "coach_note"))).scalar_one()
        assert note.chat_id == ANN_TG and note.payload["text"] == "Note from carla: Great week, keep Saturday easy."
    bob = await post(served, "/api/coach/note", tma(CARLA_TG), {"athlete_id": served.ids["bob"], "text": "hi"})
    assert bob.status_code == 403


# ---------------------------------------------------------------------- one-time login links


async def test_a_login_link_works_once_and_its_session_sees_only_that_athlete(served: Served) -> None:
    token = await issue_login(served.service, athlete="bob")
    first = await post(served, "/api/login", {}, {"token": token})
    assert first.status_code == 200
    session = {"Authorization": "Session " + first.json()["session"]}
    assert (await post(served, "/api/login", {}, {"token": token})).status_code == 401
    assert (await get(served, "/api/me", session)).json()["athlete"]["id"] == served.ids["bob"]
    assert (await get(served, f"/api/athletes/{served.ids['bob']}/calendar", session)).status_code == 200
    assert (await get(served, f"/api/athletes/{served.ids['ann']}/calendar", session)).status_code == 403


async def test_progress_is_the_charts_data_for_readable_athletes_only(served: Served) -> None:
    ann = served.ids["ann"]
    pmc = (await get(served, f"/api/athletes/{ann}/progress/pmc", tma(ANN_TG))).json()
    assert pmc["not_enough_data"] is True and "Not enough data" in pmc["message"]  # one activity: no curve yet, said so
    volume = (await get(served, f"/api/athletes/{ann}/progress/volume", tma(ANN_TG))).json()
    assert volume["kind"] == "volume" and volume["weeks"][0]["done"] > 0
    readiness = (await get(served, f"/api/athletes/{ann}/progress/readiness", tma(ANN_TG))).json()
    assert readiness["not_enough_data"] is True and readiness["message"]
    assert (await get(served, f"/api/athletes/{served.ids['bob']}/progress/pmc", tma(ANN_TG))).status_code == 403
    assert (await get(served, f"/api/athletes/{ann}/progress/bogus", tma(ANN_TG))).status_code == 404


async def test_a_login_link_needs_someone_who_exists(served: Served) -> None:
    from coach.service.service import UserError

    with pytest.raises(UserError, match="no athlete called 'nobody'"):
        await issue_login(served.service, athlete="nobody")
    with pytest.raises(UserError, match="no coach called 'zed'"):
        await issue_login(served.service, coach="zed")
    coach_link = await issue_login(served.service, coach="carla")
    session = (await post(served, "/api/login", {}, {"token": coach_link})).json()["session"]
    dashboard = await get(served, "/api/coach", {"Authorization": "Session " + session})
    assert [a["name"] for a in dashboard.json()["athletes"]] == ["Ann"]


async def test_the_page_is_served_with_its_own_scripts_only(served: Served) -> None:
    page = await get(served, "/", {})
    assert page.status_code == 200 and 'src="/static/app.js"' in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "http" not in page.text.replace("http-equiv", "")  # nothing fetched from elsewhere
    assert (await get(served, "/static/app.js", {})).status_code == 200
    assert (await get(served, "/api/nothing", {})).status_code == 404
