"""Pictures go to Telegram as photos (sendPhoto) with their caption, against the loopback Bot API."""

from __future__ import annotations

from sqlalchemy import update

from bot.sender import OutboxSender
from coach.service.delivery import Outbox
from coach.service.types import Button, Document, Reply
from coach.store import models as m
from coach.store.db import Database
from tests.bot.test_transport import a_bot, polling
from tests.charts.seed import seed
from tests.charts.test_pictures import assert_a_real_picture
from tests.fakes.telegram_api import FakeTelegramServer

ANN = 4242
CHAT = 777


async def queue(db: Database, replies: list[Reply]) -> None:
    async with db.transaction() as s:
        for i, reply in enumerate(replies):
            s.add(m.OutboxMessage(key=f"test:{i}", chat_id=CHAT, kind="reply", payload=reply.to_payload()))


async def test_an_image_document_goes_as_a_photo_with_its_caption_and_buttons(db: Database, telegram_server: FakeTelegramServer) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    await queue(db, [
        Reply("Week 1 (base): 4 sessions.", [[Button("Why?", "why:1")]], document=Document("week.png", png, "image/png")),
        Reply("line\n" * 300, document=Document("pmc.png", png, "image/png")),  # too long for a caption: text, then the photo
        Reply("Your data.", document=Document("export.json", b"{}", "application/json")),  # other files stay documents
    ])
    async with a_bot(telegram_server) as bot:
        await OutboxSender(Outbox(db), bot).flush()
    methods = [call.method for call in telegram_server.calls if call.method.startswith("send")]
    assert methods == ["sendPhoto", "sendMessage", "sendPhoto", "sendMessage", "sendDocument"]
    first, second = telegram_server.calls_to("sendPhoto")
    assert first["caption"] == "Week 1 (base): 4 sessions." and "why:1" in str(first["reply_markup"])
    assert "caption" not in second
    uploads = telegram_server.uploads
    assert [(u.method, u.filename, u.data == png) for u in uploads] == [
        ("sendPhoto", "week.png", True), ("sendPhoto", "pmc.png", True), ("sendDocument", "export.json", False)]


async def test_chart_command_from_telegram_arrives_as_photos(db: Database, telegram_server: FakeTelegramServer) -> None:
    service = await seed(db, f"tg:{ANN}")
    async with db.transaction() as s:
        await s.execute(update(m.Athlete).where(m.Athlete.name == f"tg:{ANN}").values(telegram_user_id=ANN, telegram_chat_id=ANN))
    async with polling(service, telegram_server):
        telegram_server.push_text(ANN, "/chart", user_id=ANN)
        await telegram_server.wait_for_call("sendPhoto", n=2, timeout=60)
    week, pmc = telegram_server.calls_to("sendPhoto")
    assert week["caption"].startswith("Week 1 (base)") and pmc["caption"].startswith("Fitness (CTL)")
    photos = [u for u in telegram_server.uploads if u.method == "sendPhoto"]
    assert [u.filename for u in photos] == ["week.png", "pmc.png"] and all(u.chat_id in (ANN, str(ANN)) for u in photos)
    assert_a_real_picture(photos[0].data)
