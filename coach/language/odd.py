"""Input that is not an athlete talking in English: another language, or a file pasted as text.

Both get a clear answer and change nothing (issue 10, "bad input"). Another language is told
what the coach understood, as a question it can act on once confirmed; a pasted GPX/TCX/FIT/CSV
is asked for as a file, which the importer reads properly.

Language is told apart by function words, not by a model: a message needs at least two of a
language's common short words (and more of them than of English ones) to count as that
language, so "merci!" or a Spanish place name inside an English sentence stays English.
"""

from __future__ import annotations

import re
from typing import Final

_WORDS: Final = re.compile(r"[a-zà-ÿßñç']+")


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split(" "))


FUNCTION_WORDS: Final[dict[str, frozenset[str]]] = {
    "English": _vocabulary("i you the a an is am are was to of and in on it my me for with this that today tomorrow can do not run ride"),
    "Spanish": _vocabulary("yo el la los las es soy estoy de y en un una por para con mi hoy mañana puedo no correr que del"),
    "French": _vocabulary("je tu il le la les est suis de et en un une pour avec mon ma aujourd'hui demain peux pas course du des"),
    "German": _vocabulary("ich du er der die das ist bin und in ein eine für mit mein heute morgen kann nicht kein laufen zu"),
    "Italian": _vocabulary("io il lo la gli le è sono di e in un una per con mio oggi domani posso non correre che"),
    "Portuguese": _vocabulary("eu o a os as é sou estou de e em um uma para com meu hoje amanhã posso não correr que"),
    "Dutch": _vocabulary("ik jij de het is ben en in een voor met mijn vandaag morgen kan niet geen lopen"),
}


FOREIGN_CUES: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"\b(malade|enferm[oa]|krank|malat[oa]|doente|ziek|gripe|grippe|fiebre|fièvre|fieber|febbre)\b"), "illness"),
    (re.compile(r"\b(cansad[oa]|fatigu[ée]e?|müde|stanc[oa]|moe|épuisé)\b"), "fatigue"),
    (re.compile(r"\b(me duele|mal au|mal à|schmerz\w*|fa male|dói|dolor|douleur)\b"), "injury"),
    (re.compile(r"\b(en vez de|au lieu de|statt|anstatt|invece di|em vez de|in plaats van)\b"), "move_session"),
    (re.compile(r"\b(no puedo|je ne peux pas|kann nicht|non posso|não posso|kan niet)\b"), "unavailable"),
)
"""A few unmistakable words per language, offered back as "did you mean …?" (never acted on unasked)."""


def foreign_guesses(text: str) -> list[str]:
    """Intents a message in another language plainly names, best first."""
    lowered = text.lower()
    return [intent for pattern, intent in FOREIGN_CUES if pattern.search(lowered)]


_UNITS: Final = re.compile(r"(?:\d|/)\s*(?:mi|m|km|k|min|mins|h|hr|hrs|s)\b")
"""Units after a number ("4 mi", "9:35/mi"): never words of a language."""


def foreign_language(text: str) -> str | None:
    """The language a message is written in when it is plainly not English, else None."""
    words = _WORDS.findall(_UNITS.sub(" ", text.lower()))
    if len(words) < 3:
        return None
    english = sum(1 for w in words if w in FUNCTION_WORDS["English"])
    best, hits = None, 0
    for language, vocabulary in FUNCTION_WORDS.items():
        if language == "English":
            continue
        count = len({w for w in words if w in vocabulary and w not in FUNCTION_WORDS["English"]})  # "4 mi … /mi" is no Spanish
        if count > hits:
            best, hits = language, count
    return best if hits >= 2 and hits > english else None


_PASTED: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"<\s*gpx\b|<trkpt\b", re.I), "GPX"),
    (re.compile(r"<\s*TrainingCenterDatabase\b|<Trackpoint\b", re.I), "TCX"),
    (re.compile(r"^\s*<\?xml\b", re.I), "XML"),
    (re.compile(r"\.FIT|[\x00-\x08\x0e-\x1f]{3,}"), "FIT"),
)


def pasted_file(text: str) -> str | None:
    """'GPX', 'TCX', 'XML' or 'FIT' when the message is a workout file pasted as text, else None."""
    head = text[:4000]
    for pattern, kind in _PASTED:
        if pattern.search(head):
            return kind
    return None


__all__ = ["FOREIGN_CUES", "FUNCTION_WORDS", "foreign_guesses", "foreign_language", "pasted_file"]
