"""The effect model: packaged, well-formed, and only sure readings act."""

from __future__ import annotations

import numpy as np
import pytest

from coach.brain.effects import (
    ACTION_OF,
    EFFECT_MIN_PROBABILITY,
    EFFECTS,
    CharacterReader,
    EffectModel,
    char_ngrams,
    load_effect_model,
    primary_effect,
)

TEXTS = [
    "can we knock tmrw down to 30 mins",
    "Legs  are\tDEAD after   saturday's long ride 😩",
    "I",
    "ok 👍 x",
    "",
    "knee's sore — no run today, maybe thurs?",
    "5k in 23:45, felt gr8!!",
]


def test_the_packaged_model_covers_known_effects_for_the_brains_embedding() -> None:
    model = load_effect_model()
    assert model is not None
    assert set(model.classes) <= set(EFFECTS) and {"cap", "removed", "none", "logged"} <= set(model.classes)
    assert model.coef.shape == (len(model.classes), 384)  # all-MiniLM-L6-v2
    vector = np.random.default_rng(0).normal(size=384).astype(np.float32)
    shares = model.probabilities(vector / np.linalg.norm(vector))
    assert set(shares) == set(model.classes) and sum(shares.values()) == pytest.approx(1.0, abs=1e-5)


def test_an_embedding_of_another_size_gives_no_reading() -> None:
    model = load_effect_model()
    assert model is not None
    assert model.probabilities(np.ones(10, dtype=np.float32)) == {} and model.sure_action(np.ones(10, dtype=np.float32)) is None


def _model(scores: list[float]) -> EffectModel:
    classes = ["cap", "none", "removed"]
    return EffectModel({"classes": classes, "coef": [[0.0, 0.0]] * 3, "intercept": scores})


def test_only_a_sure_reading_picks_a_handler() -> None:
    vector = np.zeros(2, dtype=np.float32)
    sure = _model([6.0, 0.0, 0.0])  # softmax: cap ≈ 0.995
    assert sure.probabilities(vector)["cap"] >= EFFECT_MIN_PROBABILITY and sure.sure_action(vector) == "cap"
    unsure = _model([1.0, 0.5, 0.0])  # cap ≈ 0.5
    assert unsure.sure_action(vector) is None
    nothing = _model([0.0, 6.0, 0.0])  # "none" is sure but has no handler: the reading stands
    assert nothing.sure_action(vector) is None and "none" not in ACTION_OF


def test_a_model_file_that_does_not_match_its_classes_is_refused() -> None:
    with pytest.raises(ValueError):
        EffectModel({"classes": ["cap", "none"], "coef": [[0.0]] * 3, "intercept": [0.0, 0.0, 0.0]})
    with pytest.raises(ValueError):
        EffectModel({"classes": ["teleport"], "coef": [[0.0]], "intercept": [0.0]})


def test_the_main_effect_is_the_most_specific() -> None:
    assert primary_effect([{"effect": "checkin", "sleep_h": 5}, {"effect": "cap", "date": "2027-01-23", "minutes": 120}]) == "cap"
    assert primary_effect([{"effect": "injury"}, {"effect": "removed"}]) == "removed"
    assert primary_effect([{"effect": "none"}]) == "none"


def test_a_sure_nothing_to_change_is_said_and_a_question_needs_less_certainty() -> None:
    vector = np.zeros(2, dtype=np.float32)
    assert _model([0.0, 6.0, 0.0]).readings(vector, question=False)[0] == "none"  # none ≈ 0.995
    fairly = _model([0.0, 1.3, 0.0])  # none ≈ 0.65: sure enough for a question, not for a statement
    assert fairly.readings(vector, question=True)[0] == "none" and fairly.readings(vector, question=False)[0] is None
    assert _model([6.0, 0.0, 0.0]).readings(vector, question=True)[0] == "cap"


def test_a_question_for_information_needs_less_certainty_that_nothing_changes() -> None:
    vector = np.zeros(2, dtype=np.float32)
    leaning = _model([0.0, 0.7, 0.0])  # none ≈ 0.50: not sure enough for a bare question mark
    assert leaning.readings(vector, question=True)[0] is None
    assert leaning.readings(vector, question=True, info_question=True)[0] == "none"
    below = _model([0.0, 0.4, 0.0])  # none ≈ 0.43
    assert below.readings(vector, question=True, info_question=True)[0] is None


def test_a_request_for_some_change_is_asked_about_at_lower_certainty_only_when_ask_leads() -> None:
    vector = np.zeros(2, dtype=np.float32)
    classes = ["ask", "cap", "none"]
    leaning = EffectModel({"classes": classes, "coef": [[0.0, 0.0]] * 3, "intercept": [0.6, 0.0, 0.0]})  # ask ≈ 0.48
    assert leaning.readings(vector, question=True)[0] is None
    assert leaning.readings(vector, question=True, vague_change=True)[0] == ACTION_OF["ask"]
    capping = EffectModel({"classes": classes, "coef": [[0.0, 0.0]] * 3, "intercept": [0.0, 0.6, 0.0]})  # cap leads
    assert capping.readings(vector, question=True, vague_change=True)[0] is None


def test_character_ngrams_are_cut_as_scikit_learn_cuts_them() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

    for low, high in ((1, 4), (2, 5), (3, 3)):
        analyse = TfidfVectorizer(analyzer="char_wb", ngram_range=(low, high)).build_analyzer()
        for text in TEXTS:
            assert sorted(char_ngrams(text, low, high)) == sorted(analyse(text)), (text, low, high)


def test_the_character_reader_weighs_ngrams_as_the_trainer_did() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    fitted = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), min_df=1, sublinear_tf=True).fit(TEXTS[:4])
    vocabulary = sorted(fitted.vocabulary_, key=fitted.vocabulary_.__getitem__)
    coef = np.random.default_rng(1).normal(size=(3, len(vocabulary)))
    reader = CharacterReader(
        {"ngram_range": [1, 4], "vocabulary": vocabulary, "idf": fitted.idf_.tolist(), "coef": coef.tolist(), "intercept": [0.1, 0.0, -0.1]},
        3,
    )
    for text in TEXTS:
        expected = fitted.transform([text]).toarray()[0]
        columns, weights = reader.features(text)
        found = np.zeros(len(vocabulary))
        found[columns] = weights
        assert found == pytest.approx(expected, abs=1e-5)
        assert reader.scores(text) == pytest.approx(coef @ expected + np.array([0.1, 0.0, -0.1]), abs=1e-4)
    with pytest.raises(ValueError):
        CharacterReader({"ngram_range": [1, 4], "vocabulary": vocabulary, "idf": [1.0], "coef": coef.tolist(), "intercept": [0.0] * 3}, 3)


def test_the_packaged_model_reads_the_words_as_written_too() -> None:
    model = load_effect_model()
    assert model is not None and model.characters is not None
    vector = np.zeros(384, dtype=np.float32)
    vector[0] = 1.0
    alone = model.probabilities(vector)
    with_words = model.probabilities(vector, "can we knock tmrw down to 30 mins max")
    assert sum(with_words.values()) == pytest.approx(1.0, abs=1e-5)
    assert with_words["cap"] > alone["cap"]  # the words say a cap; a meaningless vector says nothing


def test_a_sure_change_is_offered_as_an_override_and_a_question_back_never_is() -> None:
    vector = np.zeros(2, dtype=np.float32)
    sure = _model([3.0, 0.0, 0.0])  # cap ≈ 0.91
    assert sure.readings(vector, question=False) == ("cap", "cap")
    fair = _model([2.0, 0.0, 0.0])  # cap ≈ 0.79: a reading, not an override
    assert fair.readings(vector, question=False) == ("cap", None)
    classes = ["ask", "cap", "none"]
    asking = EffectModel({"classes": classes, "coef": [[0.0, 0.0]] * 3, "intercept": [4.0, 0.0, 0.0]})
    assert asking.readings(vector, question=True) == (ACTION_OF["ask"], None)
