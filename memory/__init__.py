"""The coach's conversational memory: what the athlete said, recalled when it matters.

Three parts, usable on their own:

* notes by meaning: ``MemoryIndex`` keeps one FAISS index per athlete over note
  embeddings (``MiniLMEmbedder``, offline) and recalls the top notes for a message or a
  session (``MemoryIndex.recall``);
* note kinds: ``classify_note`` sorts a note into injury, constraint, preference,
  feeling, equipment or goal with the rules in ``memory/note_rules.yaml``;
* facts: ``extract_facts`` turns injuries, equipment and constraints into
  ``Limitation``, ``Equipment`` and ``Constraint`` models the plan engine treats as hard
  filters.

Importing ``memory`` does not import sentence-transformers (5.5 s, 525 MB): the model
loads on the first embedding.
"""

from memory.constants import DEFAULT_MIN_SIMILARITY, DEFAULT_TOP_K
from memory.embedder import Embedder, HashingEmbedder, MiniLMEmbedder, get_default_embedder
from memory.errors import (
    EmbedderUnavailable,
    EmbeddingDimensionMismatch,
    MemoryPackageError,
    NoteRulesError,
    StaleIndexError,
)
from memory.facts import (
    Constraint,
    Equipment,
    Fact,
    Limitation,
    extract_facts,
    facts_from_json,
    facts_from_jsonable,
    facts_to_json,
    facts_to_jsonable,
)
from memory.index import LoadResult, MemoryIndex, NoteRecord, Recall, note_ids_checksum
from memory.kinds import NoteClassification, classify_note, explain_note
from memory.recall import loaded_body_parts, note_body_parts, recall_queries
from memory.rules import NoteRules, load_note_rules, parse_note_rules
from memory.vocabulary import AvoidTag, BodyPart, EquipmentItem, NoteKind, Severity, Side, SportName, Weekday

__all__ = [
    "DEFAULT_MIN_SIMILARITY",
    "DEFAULT_TOP_K",
    "AvoidTag",
    "BodyPart",
    "Constraint",
    "Embedder",
    "EmbedderUnavailable",
    "EmbeddingDimensionMismatch",
    "Equipment",
    "EquipmentItem",
    "Fact",
    "HashingEmbedder",
    "Limitation",
    "LoadResult",
    "MemoryIndex",
    "MemoryPackageError",
    "MiniLMEmbedder",
    "NoteClassification",
    "NoteKind",
    "NoteRecord",
    "NoteRules",
    "NoteRulesError",
    "Recall",
    "Severity",
    "Side",
    "SportName",
    "StaleIndexError",
    "Weekday",
    "classify_note",
    "explain_note",
    "extract_facts",
    "facts_from_json",
    "facts_from_jsonable",
    "facts_to_json",
    "facts_to_jsonable",
    "get_default_embedder",
    "load_note_rules",
    "loaded_body_parts",
    "note_body_parts",
    "note_ids_checksum",
    "parse_note_rules",
    "recall_queries",
]
