"""Charts of the plan and the athlete's numbers: the week, the PMC, readiness, volume, e1RM.

``data`` builds what each chart shows (plain dataclasses, JSON-ready for the Mini App),
``source`` reads it from the store, ``draw`` turns it into a PNG (matplotlib, imported on first
use), ``replies`` gives the chat its photo replies.
"""
