"""The strength coach (issue 14): the program as a queue of days, the set-by-set prescriber, the
set-line parser, the pain gate, self-grading and transfer. Pure: no database, model or clock
(``tests/strength/test_purity.py`` checks the imports); ``coach/service/lifting.py`` wires it to
the chat and the store.
"""

from coach.strength.learning import Grade, GradeObservation, Transfer, bucket_of, fit_transfer, grade
from coach.strength.parse import SetLine, has_pain, parse_set_line
from coach.strength.prescribe import (
    DoneSet,
    LiftKnowledge,
    NextStep,
    Prescription,
    SessionState,
    pain_gate,
    prescribe,
    safer_variant,
)
from coach.strength.program import (
    PhaseDecision,
    Program,
    Slot,
    TrainingDay,
    build_program,
    missing_equipment,
    next_day_index,
    next_phase,
    with_phase,
)
from coach.strength.rules import StrengthRules, load_rules

__all__ = [
    "DoneSet", "Grade", "GradeObservation", "LiftKnowledge", "NextStep", "PhaseDecision", "Prescription", "Program",
    "SessionState", "SetLine", "Slot", "StrengthRules", "TrainingDay", "Transfer", "bucket_of", "build_program",
    "fit_transfer", "grade", "has_pain", "load_rules", "missing_equipment", "next_day_index", "next_phase", "pain_gate",
    "parse_set_line", "prescribe", "safer_variant", "with_phase",
]
