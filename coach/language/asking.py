"""What a message asks of the coach, from its wording alone: information, or a change left unsaid.

Two cues the offline brain hands to its effect model (``coach.brain.effects``), each lowering the
bar for one reading only: a message worded as a question for information that names no change
("why is this week so much lighter than last?", "when do the long rides get longer?", "does an
hour on the trainer count the same as one on the road?", "is a half even realistic by March") is
answered, never acted on, once the model leans that way; a message that asks for a change without
saying which ("can we shuffle the weekend round a bit?", "need a change this weekend", "new year's
is gonna mess the week up, can you sort it?") gets a question back. The words alone decide
neither: "is it ok if I skip today?" asks for a change, and "can you move Thursday's run to
Friday?" says which. How far each cue may lower the bar was measured by cross-validation over the
tuning sets (``coach.brain.effects``).
"""

from __future__ import annotations

import re
from typing import Final

_INFO_QUESTION: Final = re.compile(
    r"""(?ix)
    (?:^|[.!?,;:\-–—]\s*|\b(?:q|question|quick\ one|so|and|but|also|hey|hi|mate|coach)\b[\s,:\-–—]*)
    (?:why\b|how\ come\b
      |when\ (?:do|does|will|should|is|are|would|can)\b
      |how\ (?:many|much|long|far|often|fast|do|does|should|is|are|am|would|will)\b
      |what\ (?:is|are|'s|time|pace|should|would|will|does|do)\b|whats?\b
      |does\b|do\ (?:i|you)\ (?:really\ |actually\ )?(?:need|have)\b
      |is\ (?:a|an|the|it|my|this|that)\b(?![^?.!]*\b(?:ok|okay|alright|fine|cool|possible)\s+(?:if|to)\b)
      |are\ (?:the|my|these|those)\b
      |should\ i\b(?!\s+(?:skip|move|swap|rest|drop|cut))
      |will\ (?:i|the|my|this)\b
      |(?:can|could)\ you\ (?:tell|explain|remind|show)\b)
    """
)
"""A clause opening as a question for information (after a greeting or "quick q -")."""

_INFO_ANYWHERE: Final = re.compile(
    r"(?i)\bhow come\b|\bdo (?:i|we) (?:really |actually |even )?need\b"
    r"|\bis (?:a|an|the|it|my|this|that)\b[^?.!]{0,40}\b(?:realistic|possible|normal|enough|worth it|a thing)\b"
)
"""Questions for information that run on from a statement ("... is a half even realistic by march lol")."""

_CHANGE_NAMED: Final = re.compile(
    r"(?i)\b(?:can|could|may|shall)\s+(?:we|you|i)\s+(?:please\s+)?"
    r"(?:move|swap|shift|shuffle|switch|flip|change|push|drop|skip|cut|shorten|do|make|sort|rearrange|take)\b"
    r"|\b(?:ok|okay|alright|fine|cool)\s+(?:if|to)\b|\bplease\b|\bpls\b"
)
"""Words that ask for something to be done: the message is a request, whatever else it asks."""

_VAGUE_CHANGE: Final = re.compile(
    r"(?i)\b(?:(?:can|could|would|will|may)\s+(?:we|you|ya|u|i)|(?:we|you)\s+(?:can|could))\s+(?:\w+\s+){0,2}?"
    r"(?:shuffle|swap|sort|change|adjust|move|rearrange|switch|flip|juggle|tweak|rejig|work|fit|plan|shift|mix)\b"
    r"|\bneed\s+(?:a|some)\s+(?:change|changes|shuffle|tweak)\b|\bmess\b|\bsort\s+(?:it|things|the\s+\w+)\b"
    r"|\bshuffle\b|\brejig\b|\bwork\s+(?:a|things|it|the\s+\w+)\s+(?:a)?round\b|\bchange\b.*\?"
    r"|^\W*(?:change|move|shift|adjust|sort)\s+(?:my\s+|the\s+)?(?:mon|tue|wed|thu|fri|sat|sun|tomorrow|today|next|this)\w*\W*$"
    r"|\b(?:tight|short|pushed|squeezed)\s+(?:on|for)\s+time\b|\blooking\s+(?:messy|tricky|hectic|chaotic|rammed|busy)\b"
)
"""Words that ask for a change (the effect model judges whether they say which)."""


def asks_for_information(text: str) -> bool:
    """Worded as a question for information, with no words asking for something to be done."""
    asked = _INFO_QUESTION.search(text) is not None or _INFO_ANYWHERE.search(text) is not None
    return asked and _CHANGE_NAMED.search(text) is None


def asks_for_a_change(text: str) -> bool:
    """Worded as a request for a change to the plan (which change, if any, is said elsewhere)."""
    return _VAGUE_CHANGE.search(text) is not None


__all__ = ["asks_for_a_change", "asks_for_information"]
