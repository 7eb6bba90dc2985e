"""Which body parts a note mentions and which a message or session loads.

Why recall needs more than embeddings: all-MiniLM-L6-v2 matches words, not anatomy. It
scores "can I do hill repeats?" against "my left knee hurts going downstairs" at 0.04, and
"foot pain" against "plantar fasciitis flared up again" at 0.35, yet both pairs matter to
a coach. Expanding the query to "knee pain" helps the first but makes every pain note
look alike (a generic "sharp pain in my hip" scores 0.45-0.50 against "knee pain", "calf
pain", "ankle pain"...), so no single threshold separates them.

So recall joins two lists (see ``MemoryIndex.recall``):

* by meaning: the message itself against every note, above the similarity threshold;
* by body part: notes that mention a part (``note_body_parts``, from the aliases and
  conditions of ``note_rules.yaml``) which the message names or whose movements load it
  (``loaded_body_parts``, from ``stressed_by``). This is the "exercise + muscles" query of
  the memory-chain RAG in seed 004, made deterministic. Such notes are ranked by their
  similarity to a short "<part> pain" query (``body_part_queries``).
"""

from __future__ import annotations

from memory.rules import NoteRules, load_note_rules, normalise_text
from memory.vocabulary import BODY_PARTS, BodyPart


def note_body_parts(text: str, rules: NoteRules | None = None) -> frozenset[BodyPart]:
    """Body parts a note names, by alias or condition ("plantar fasciitis" -> foot), painful or not."""
    rules = rules if rules is not None else load_note_rules()
    norm = normalise_text(text)
    return frozenset(part for part, pattern in rules.compiled.body_parts.items() if pattern.search(norm))


def loaded_body_parts(text: str, rules: NoteRules | None = None) -> frozenset[BodyPart]:
    """Body parts a message or session names or loads: "hill repeats" -> knee, calf, achilles..."""
    rules = rules if rules is not None else load_note_rules()
    norm = normalise_text(text)
    loaded = {part for part, pattern in rules.compiled.stressed_by.items() if pattern.search(norm)}
    return frozenset(loaded | note_body_parts(text, rules))


def body_part_queries(parts: frozenset[BodyPart], rules: NoteRules | None = None) -> dict[BodyPart, str]:
    """One short query per part ("knee pain"), in vocabulary order so the output is stable."""
    rules = rules if rules is not None else load_note_rules()
    return {
        part: rules.recall.template.format(name=rules.body_parts[part].name)
        for part in BODY_PARTS
        if part in parts
    }


def recall_queries(text: str, rules: NoteRules | None = None) -> list[str]:
    """``text`` and the body-part queries ``MemoryIndex.recall`` embeds for it.

    >>> recall_queries("Can I do hill repeats?")[:3]
    ['Can I do hill repeats?', 'knee pain', 'hip pain']
    """
    rules = rules if rules is not None else load_note_rules()
    queries = [text.strip()] if text.strip() else []
    queries.extend(body_part_queries(loaded_body_parts(text, rules), rules).values())
    return list(dict.fromkeys(queries))
