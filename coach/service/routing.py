"""Which use case answers what the athlete did in their private chat: a command, a button, a
file, an answer in an open dialog (onboarding, check-in, a note's correction, an area's flow),
or plain language for the brain."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from coach.brain.ask import CALLBACK_PREFIX as ASK_PREFIX
from coach.language.odd import pasted_file
from coach.service import (
    asking,
    conversation,
    extensions,
    menu,
    onboarding,
    onboarding_flow,
    training_log,
    views,
)
from coach.service.context import Ctx
from coach.service.data_export import export
from coach.service.types import MAX_INCOMING_TEXT_CHARS, Button, Incoming, Reply
from coach.store import models as m
from coach.store import repo

if TYPE_CHECKING:
    # conversation and asking hand it to CoachTools; Service (coach/service/protocol.py) once that takes it
    from coach.service.protocol import Service as CoachService


async def dispatch(service: CoachService, ctx: Ctx, incoming: Incoming) -> list[Reply]:
    if incoming.kind == "unsupported":
        what = incoming.unsupported_what or "that kind of message"
        return [
            Reply(f"I can't read {what} yet. Send me text, or a .fit, .gpx or .tcx file.\n\n{menu.HELP_TEXT}")
        ]
    if incoming.kind == "callback":
        return await callback(service, ctx, incoming.callback_data or "")
    if incoming.kind == "document":
        return await document(ctx, incoming)
    text = incoming.text.strip()
    if len(incoming.text) > MAX_INCOMING_TEXT_CHARS:
        return [
            Reply(
                f"That message is {len(incoming.text)} characters long; I read up to {MAX_INCOMING_TEXT_CHARS}. Could you send the key points in a shorter message?"
            )
        ]
    if incoming.kind == "command" and incoming.command is not None:
        if (ctx.athlete.dialog or {}).get("flow") == asking.FLOW:
            ctx.athlete.dialog = None  # a command moves on: the open question is dropped
        return await command(service, ctx, incoming.command, incoming.args.strip())
    if not text:
        return [Reply("I got an empty message. Tell me how training is going, or try /help.")]
    return await plain_text(service, ctx, text)


async def command(service: CoachService, ctx: Ctx, command: str, args: str) -> list[Reply]:
    if command not in menu.COMMANDS:
        return [Reply(f"I don't know /{command}. {menu.HELP_TEXT}")]
    area = extensions.for_command(command)
    if (
        area is not None
        and area.on_command is not None
        and (command not in area.needs_plan or ctx.athlete.profile is not None)
    ):
        return await area.on_command(service, ctx, command, args)
    if command == "settings" and args.lower().split()[:1] in (
        ["plates"],
        ["plate"],
    ):  # the lifting area's plate increment
        from coach.service.lifting import set_plate_increment

        return await set_plate_increment(ctx, args.split(maxsplit=1)[1] if len(args.split()) > 1 else "")
    if command == "start":
        return await onboarding_flow.start(ctx)
    if command == "help":
        return [Reply(menu.HELP_TEXT)]
    if command == "paces":
        return training_log.paces(args, ctx.athlete.units)
    if command == "log":
        return await training_log.log_text(ctx, args, service.clock.now())
    if command == "checkin":
        return await training_log.checkin_start(ctx, args, service.clock.now())
    if command == "delete_me":
        return [
            Reply(
                "This erases your profile, plans, check-ins, activities, notes and our conversation. It can't be undone. Are you sure?",
                [[Button("Yes, erase everything", "del:yes"), Button("No, keep it", "del:no")]],
            )
        ]
    if ctx.athlete.profile is None:
        if ctx.athlete.dialog and ctx.athlete.dialog.get("flow") == "onboarding":
            state = ctx.athlete.dialog["state"]
            return [
                Reply("Let's finish setting you up first — then I'll have a plan for that."),
                onboarding.question(state["step"], state["answers"]),
            ]
        return [Reply("You don't have a plan yet. Send /start and I'll set one up in a few questions.")]
    if command == "today":
        return await views.day(ctx, ctx.today, "Today")
    if command == "tomorrow":
        return await views.day(ctx, ctx.today + dt.timedelta(days=1), "Tomorrow")
    if command == "week":
        return await views.week(service, ctx, next_week=args.lower().startswith("next"))
    if command == "plan":
        return await views.plan(service, ctx)
    if command == "settings":
        return views.settings(ctx, args)
    if command == "export":
        return await export(service, ctx, args)
    if command == "memory":
        return await views.memory(ctx)
    return [Reply(menu.HELP_TEXT)]


async def plain_text(service: CoachService, ctx: Ctx, text: str) -> list[Reply]:
    dialog = ctx.athlete.dialog or {}
    if dialog.get("flow") == "onboarding":
        return await onboarding_flow.answer(service, ctx, text)
    if dialog.get("flow") == "note_fix":
        return await views.correct_note(service, ctx, int(dialog["note_id"]), text)
    if dialog.get("flow") == "checkin":
        replies = await training_log.checkin_text(ctx, text, service.clock.now())
        if replies is not None:
            return replies
    area = extensions.for_flow(dialog.get("flow"))
    if area is not None and area.on_text is not None:
        replies = await area.on_text(service, ctx, text)
        if replies is not None:
            return replies
    for plain in extensions.extensions():  # "starting my workout" opens the lifting session
        if (
            plain.on_plain_text is not None
            and (replies := await plain.on_plain_text(service, ctx, text)) is not None
        ):
            return replies
    if ctx.athlete.profile is None:
        return await onboarding_flow.start(ctx)
    if dialog.get("flow") == asking.FLOW:
        answered = await asking.on_text(service, ctx, text)
        if answered is not None:
            return answered
    kind = pasted_file(text)
    if kind is not None:
        return [
            Reply(
                f"That looks like a {kind} workout file pasted as text. Send the file itself (as a document) and "
                "I'll import it properly. Nothing was changed."
            )
        ]
    return await conversation.converse(service, ctx, text)


async def callback(service: CoachService, ctx: Ctx, data: str) -> list[Reply]:
    if data == "ob:keep":
        return [Reply("Your plan stays as it is.")]
    if data == "ob:restart":
        ctx.athlete.profile = None
        outcome = onboarding.start()
        ctx.athlete.dialog = {"flow": "onboarding", "state": outcome.state}
        return outcome.replies
    if data.startswith("ob:"):
        if (ctx.athlete.dialog or {}).get("flow") != "onboarding":
            return [Reply("That question has already been answered. Send /start to set up a new goal.")]
        return await onboarding_flow.answer(service, ctx, data)
    if data.startswith("alt:"):
        return await onboarding_flow.choose_alternative(service, ctx, data[4:])
    if data.startswith("del:"):
        if data == "del:yes":
            await service.notes.forget_athlete(ctx.session, ctx.athlete.id)
            await repo.delete_athlete(ctx.session, ctx.athlete)
            return [
                Reply(
                    "Done. Everything I knew about you is erased. Send /start if you ever want to begin again."
                )
            ]
        return [Reply("Nothing was deleted.")]
    if data.startswith("ci:"):
        return await training_log.checkin_answer(ctx, data, service.clock.now())
    if data.startswith("mem:del:"):
        return await views.forget_note(service, ctx, data[len("mem:del:") :])
    if data.startswith("mem:fix:"):
        note_id = data[len("mem:fix:") :]
        note = await ctx.session.get(m.Note, int(note_id)) if note_id.isdigit() else None
        if note is None or note.athlete_id != ctx.athlete.id:
            return [Reply("That note is already gone.")]
        ctx.athlete.dialog = {"flow": "note_fix", "note_id": note.id}
        return [Reply(f"What should it say instead of: {note.text}")]
    if data.startswith("set:"):
        return views.settings(ctx, data[4:].replace(":", " "))
    if data.startswith(ASK_PREFIX):
        return await asking.on_callback(service, ctx, data)
    area = extensions.for_callback(data)
    if area is not None and area.on_callback is not None:
        return await area.on_callback(service, ctx, data)
    return [Reply("That button has expired. Try /help.")]


async def document(ctx: Ctx, incoming: Incoming) -> list[Reply]:
    from coach.library.chat import import_document as library_import
    from coach.library.chat import is_library_file

    if is_library_file(
        incoming.file_name or ""
    ):  # a .zwo or an Intervals.icu folder .json: the workout library
        return await library_import(ctx, incoming.file_name or "file", incoming.file_bytes or b"")
    return await training_log.import_document(ctx, incoming.file_name or "file", incoming.file_bytes or b"")
