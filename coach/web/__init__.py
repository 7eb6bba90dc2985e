"""The Telegram Mini App: the plan as a calendar, the athlete's actions, the coach's dashboard.

``coach.web.server`` (tornado: the page and its JSON API), ``coach.web.views`` (what the API
shows and does, through the same service as the chat), ``coach.web.auth`` (Telegram's
``initData`` check). ``coach web`` serves it; ``coach run`` too when ``WEBAPP_URL`` is set.
"""
