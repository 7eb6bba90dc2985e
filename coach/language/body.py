"""The one body-part vocabulary: the parts athletes name, the side they say, and the region a rule acts on.

The slot reader reports the part as said (``glute``, ``it_band``, ``lower_back``); memory's note
rules (``memory/note_rules.yaml``) keep one rule per coarser :data:`BodyRegion`, so a sore glute
and a sore hip limit the same sessions. :data:`REGION_OF` is the one map between the two, and
:data:`LOWER_BODY` the parts where pain means running impact hurts (the offline brain eases
intervals, downhill and impact for them).
"""

from __future__ import annotations

import re
from typing import Final, Literal, get_args

from pydantic import BaseModel, ConfigDict

from coach.language.text import clause_bounds

BodyPart = Literal[
    "knee", "ankle", "achilles", "calf", "shin", "hamstring", "quad", "hip", "glute",
    "back", "lower_back", "shoulder", "elbow", "wrist", "hand", "neck", "foot", "heel", "toe", "it_band", "groin",
]  # fmt: skip
BODY_PARTS: Final[tuple[BodyPart, ...]] = get_args(BodyPart)

BodyRegion = Literal[
    "knee", "hip", "back", "neck", "shoulder", "elbow", "wrist", "hand", "hamstring", "quad", "groin", "calf",
    "achilles", "shin", "ankle", "foot",
]  # fmt: skip
"""The regions memory's note rules act on (one rule each in ``memory/note_rules.yaml``)."""
BODY_REGIONS: Final[tuple[BodyRegion, ...]] = get_args(BodyRegion)

REGION_OF: Final[dict[BodyPart, BodyRegion]] = {
    **{part: part for part in BODY_REGIONS},
    "glute": "hip",  # glute and piriformis pain is hip pain to the note rules
    "it_band": "knee",  # ITB syndrome presents at the lateral knee
    "lower_back": "back",
    "heel": "foot",  # plantar fasciitis, a bruised or blistered heel: the foot's note rules
    "toe": "foot",
}
LOWER_BODY: Final[frozenset[BodyPart]] = frozenset(
    {
        "knee",
        "ankle",
        "achilles",
        "calf",
        "shin",
        "foot",
        "heel",
        "toe",
        "hamstring",
        "quad",
        "hip",
        "glute",
        "it_band",
        "groin",
    }
)
"""Pain here means running impact hurts: avoid intervals, downhill and impact until cleared."""

Side = Literal["left", "right", "both"]
OneSide = Literal["left", "right"]
"""The side a stored note keeps ("both" knees is two notes' worth of nothing: no side)."""


class BodyPartMention(BaseModel):
    """A body part the athlete named, with the side when they said it."""

    model_config = ConfigDict(frozen=True)

    part: BodyPart
    side: Side | None = None

    @property
    def label(self) -> str:
        """``"left knee"``, ``"lower_back"``: how the part reads in a note or a test."""
        return f"{self.side} {self.part}" if self.side else self.part

    @property
    def region(self) -> BodyRegion:
        """The region memory's rules act on."""
        return REGION_OF[self.part]


_NECK_CHECK_RE: Final = re.compile(r"\b(?:above|below) the neck\b")
""""Above the neck" is the cold-symptom rule of thumb (Eichner 1993), not a sore neck."""
_SIDE_BEFORE_RE: Final = re.compile(
    r"\b(?P<side>left|right|both|l|r|lft|rt)\s+(?!(?:now|away|after|before|there|here|so)\b)"
    r"(?:(?:my|the|outer|inner|outside|inside|upper|lower|front|back|of|side|hand)\s+){0,3}$"
)
_SIDE_AFTER_RE: Final = re.compile(r"^\s*(?:\(|on\s+the\s+|-\s*)?(?P<side>left|right|both)\b")
_SIDE_WORDS: Final[dict[str, Side]] = {
    "left": "left", "l": "left", "lft": "left", "right": "right", "r": "right", "rt": "right", "both": "both",
}  # fmt: skip
BODY_PART_PATTERNS: Final[tuple[tuple[BodyPart, re.Pattern[str]], ...]] = (
    ("it_band", re.compile(r"\b(?:i\.?t\.?\s*-?\s*bands?|itb|itbs|iliotibial(?:\s+band)?)\b")),
    ("lower_back", re.compile(r"\b(?:lower|low)\s+back\b|\blumbar\b")),
    (
        "back",
        re.compile(
            r"\b(?:my|the|upper|mid|sore|stiff|tight|bad|painful|whole)\s+back\b(?!\s+(?:off|to|on|home|into|in|out|up|down)\b)"
            r"|\bback\s+(?:pain|ache|aches|hurts|spasms?|injury|is|feels|went|tweak)"
            r"|\b(?:did|done|doing) (?:my|his|her) back in\b|\bput (?:my|his|her) back out\b"
            r"|^back'?s (?:sore|stiff|tight|killing|hurting|aching|achy|playing up|gone|bad|not great)\b"
        ),
    ),
    ("achilles", re.compile(r"\b(?:achill?i?es|achilies|achilles\s+tendon|heel\s+cord)\b")),
    ("hamstring", re.compile(r"\b(?:ham\s?strings?|hammy|hammies|hamstring's)\b|\bback of (?:my|the|his|her) (?:thigh|upper leg)s?\b")),
    ("knee", re.compile(r"\b(?:kne{2,4}s?|kne|kness|kneecaps?|patella|patellar)\b")),  # "kneee", "kne": typed in a hurry
    ("ankle", re.compile(r"\b(?:ankles?|ankel|ancle)\b")),
    ("calf", re.compile(r"\b(?:calf|calves|calfs|soleus|gastroc(?:nemius)?)\b")),
    ("shin", re.compile(r"\b(?:shins?|shin\s+splints|tibia)\b")),
    ("quad", re.compile(r"\b(?:quads?|quadriceps|quadricep)\b|\bfront of (?:my|the|his|her) thighs?\b")),
    ("glute", re.compile(r"\b(?:glutes?|gluteus|piriformis|butt|bum)\b")),
    ("hip", re.compile(r"\b(?:hips?|hip\s+flexors?)\b")),
    ("groin", re.compile(r"\b(?:groin|adductors?)\b")),
    ("shoulder", re.compile(r"\b(?:shoulders?|rotator\s+cuff)\b")),
    ("elbow", re.compile(r"\belbows?\b")),
    ("wrist", re.compile(r"\bwrists?\b")),
    (
        "hand",
        re.compile(
            r"(?<!other )(?<!second )(?<!\ba )\bhands?\b(?!\s*(?:side|in|over|-?free|down|up|out|it|made)\b)"
            r"|\b(?:fingers?|thumbs?|pinky|pinkie|knuckles?|palms?)\b"
        ),
    ),
    ("neck", re.compile(r"\bneck\b")),
    ("heel", re.compile(r"\b(?:heels?|plantar(?:\s+fasci\w*)?)\b")),
    ("toe", re.compile(r"\b(?:toes?|toenails?|toe\s*nails?|bunions?)\b")),
    (
        "foot",
        re.compile(r"\b(?:foot|feet|arch|arches|metatarsals?|forefoot)\b"),
    ),
)
"""Longer and more specific names first: "lower back" is taken before "back" can be."""
_PLURAL_PART_RE: Final = re.compile(
    r"^(?:knees|ankles|calves|calfs|shins|hamstrings|hammies|quads|glutes|hips|shoulders|elbows|wrists|hands|feet|heels|toes|it bands)$"
)


def side_of(before: str, after: str, matched: str) -> Side | None:
    """The side said just before a part ("left knee", "r calf"), just after ("knee (left)"), or a plural (both)."""
    match = _SIDE_BEFORE_RE.search(before)
    if match is not None:
        return _SIDE_WORDS[match.group("side")]
    match = _SIDE_AFTER_RE.search(after)
    if match is not None:
        return _SIDE_WORDS[match.group("side")]
    if _PLURAL_PART_RE.match(re.sub(r"\s+", " ", matched)):
        return "both"
    return None


def find_body_parts(text: str) -> list[BodyPartMention]:
    """Every body part named in normalised ``text``, in order, each with its side when said.

    The side is looked for in the same clause only, so "left knee sore, right one fine" names one
    left knee.
    """
    hits: list[tuple[int, BodyPartMention]] = []
    taken: list[tuple[int, int]] = [(m.start(), m.end()) for m in _NECK_CHECK_RE.finditer(text)]
    clauses = clause_bounds(text)
    for part, pattern in BODY_PART_PATTERNS:
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            taken.append((match.start(), match.end()))
            clause_start = max((s for s, _ in clauses if s <= match.start()), default=0)
            side = side_of(
                text[clause_start : match.start()], text[match.end() : match.end() + 20], match.group(0)
            )
            mention = BodyPartMention(part=part, side=side)
            if all(existing != mention for _, existing in hits):
                hits.append((match.start(), mention))
    return [mention for _, mention in sorted(hits, key=lambda item: item[0])]


__all__ = [
    "BODY_PARTS", "BODY_PART_PATTERNS", "BODY_REGIONS", "LOWER_BODY", "REGION_OF", "BodyPart", "BodyPartMention",
    "BodyRegion", "OneSide", "Side", "find_body_parts", "side_of",
]  # fmt: skip
