"""/start and the onboarding dialog as a use case: the questions (``onboarding``), the first plan
built and adopted, or safe alternatives offered when the goal can't be reached safely."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from coach.engine.models import Plan, Profile
from coach.service import onboarding, render, views
from coach.service.context import Ctx
from coach.service.types import Button, Reply
from coach.store import models as m
from coach.store import repo

if TYPE_CHECKING:
    from coach.service.protocol import Service


async def start(ctx: Ctx) -> list[Reply]:
    if ctx.athlete.profile is not None:
        replies = [Reply("Welcome back! Your plan is running. Here's today:")]
        replies += await views.day(ctx, ctx.today, "Today")
        replies.append(
            Reply("To start over with a new goal, tap below.", [[Button("New goal", "ob:restart")]])
        )
        return replies
    outcome = onboarding.start()
    ctx.athlete.dialog = {"flow": "onboarding", "state": outcome.state}
    return outcome.replies


async def answer(service: Service, ctx: Ctx, text: str) -> list[Reply]:
    """The athlete's answer to the current onboarding question."""
    assert ctx.athlete.dialog is not None
    state = ctx.athlete.dialog["state"]
    if state.get("step") == "alternatives":
        return [Reply("Pick one of the options above, or send /start to begin again.")]
    outcome = onboarding.answer(state, text, ctx.today)
    ctx.athlete.dialog = {"flow": "onboarding", "state": outcome.state}
    if not outcome.complete:
        return outcome.replies
    return outcome.replies + await finish(service, ctx)


async def finish(service: Service, ctx: Ctx) -> list[Reply]:
    assert ctx.athlete.dialog is not None
    answers: dict[str, Any] = ctx.athlete.dialog["state"]["answers"]
    time_zone = answers.get("time_zone", "UTC")
    ctx.athlete.time_zone = time_zone
    ctx.athlete.units = answers.get("units", "km")
    today = service.clock.today(time_zone)
    profile = onboarding.build_profile(answers, today, name=ctx.athlete.name)
    plan = service.build_plan(profile)
    if not plan.feasible:
        state = {
            **ctx.athlete.dialog["state"],
            "step": "alternatives",
            "alternatives": [alt.model_dump(mode="json") for alt in plan.alternatives],
        }
        ctx.athlete.dialog = {"flow": "onboarding", "state": state}
        buttons = [[Button(alt.description[:60], f"alt:{i}")] for i, alt in enumerate(plan.alternatives)]
        buttons.append([Button("Start again", "ob:restart")])
        return [
            Reply(f"I can't build that plan safely: {plan.reason}\nHere's what I can do instead:", buttons)
        ]
    return await adopt_plan(
        service, ctx, profile, plan, source="onboarding", reason="first plan from onboarding"
    )


async def choose_alternative(service: Service, ctx: Ctx, index_text: str) -> list[Reply]:
    dialog = ctx.athlete.dialog or {}
    state = dialog.get("state", {})
    alternatives = state.get("alternatives") or []
    if dialog.get("flow") != "onboarding" or not index_text.isdigit() or int(index_text) >= len(alternatives):
        return [Reply("That option has expired. Send /start to set up a goal.")]
    choice = alternatives[int(index_text)]
    answers = dict(state["answers"])
    answers["event"] = choice["event"]
    if choice.get("date"):
        answers["date"] = choice["date"]
    if choice["kind"] == "finish_only" or choice["event"] != state["answers"].get("event"):
        answers["target_time"] = None
    if choice["event"] in ("general_fitness", "strength"):
        answers.pop("date", None)
    ctx.athlete.dialog = {"flow": "onboarding", "state": {"step": None, "answers": answers}}
    return [Reply(f"OK: {choice['description']}")] + await finish(service, ctx)


async def adopt_plan(
    service: Service, ctx: Ctx, profile: Profile, plan: Plan, *, source: str, reason: str
) -> list[Reply]:
    athlete = ctx.athlete
    athlete.profile = profile.model_dump(mode="json", by_alias=True)
    athlete.dialog = None
    today = profile.start_date
    ctx.session.add(
        m.Goal(
            athlete_id=athlete.id,
            sport=profile.sport,
            event=profile.goal.event,
            date=profile.goal.date,
            target_time=profile.goal.target_time,
        )
    )
    from coach.library.use import prefer_library, uses_text

    # the athlete's own workouts where they fit (seed 002)
    own = await prefer_library(ctx.session, athlete.id, plan, profile, service.rules, today)
    plan = own.plan
    await repo.save_plan(ctx.session, athlete, plan, source=source, reason=reason)
    units = athlete.units
    replies = [
        Reply(
            "Your plan is ready.\n"
            + render.plan_summary(plan, units, today)
            + ("\n" + uses_text(own.uses) if own.uses else "")
        )
    ]
    week = render.current_week(plan, today)
    if week is not None:
        replies.append(Reply("This week:\n" + render.week_text(week, units, today)))
    replies.append(
        Reply("Ask me /today any morning, /week for the week, and tell me how it's going in your own words.")
    )
    return replies
