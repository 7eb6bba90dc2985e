"""The command menus: the private chat's (``COMMANDS``, published with setMyCommands, with the
areas' commands added) and the group chat's, and the /help text made from them."""

from __future__ import annotations

from coach.service import extensions

COMMANDS: dict[str, str] = {
    "start": "start or restart onboarding",
    "help": "what I can do",
    "today": "today's session",
    "tomorrow": "tomorrow's session",
    "week": "this week's plan (/week next for next week)",
    "plan": "the whole plan at a glance",
    "log": "log a workout, e.g. /log ran 10k in 52 min",
    "checkin": "morning check-in (sleep, energy, soreness, stress)",
    "paces": "training paces from a result, e.g. /paces 10k 48:30",
    "memory": "what I remember about you",
    "export": "download all your data",
    "settings": "units and time zone",
    "delete_me": "erase everything I know about you",
}
"""The command menu; the Telegram transport publishes it with setMyCommands."""

HELP_TEXT = ""  # set at the bottom of this module, once the areas' commands are in COMMANDS

GROUP_CHATS = ("group", "supergroup")
GROUP_COMMANDS: dict[str, str] = {
    "coach": "make me this group's coach",
    "join": "join this group's coach",
    "athletes": "who is on track (coach)",
    "override": "change a session: NAME DATE key=value -- reason (coach)",
    "review": "review NAME's weekly plans before they see them: /review NAME on|off (coach)",
}


def _install_areas() -> None:
    """The areas' commands join the menu (coach/service/extensions.py); /help lists them all."""
    global HELP_TEXT
    for area in extensions.extensions():
        for name, what in area.commands.items():
            COMMANDS.setdefault(name, what)
    HELP_TEXT = "Here's what I can do:\n" + "\n".join(f"/{name} — {what}" for name, what in COMMANDS.items())


_install_areas()
