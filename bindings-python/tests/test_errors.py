"""Every core error kind maps to its own exception class under PatternLearningError."""

from __future__ import annotations

import json
import pathlib

import pytest

import pattern_learning as pl
from pattern_learning import Engine

REPO = pathlib.Path(__file__).resolve().parents[2]
#: Bad (and one good) configuration patches with the code every binding gives them.
PATCH_CASES = json.loads((REPO / "core" / "tests" / "data" / "config_patches.json").read_text())

CLASSES = {
    "InvalidConfigError": (ValueError,),
    "ThresholdsOutOfOrderError": (pl.InvalidConfigError, ValueError),
    "UnknownSettingError": (pl.InvalidConfigError, ValueError),
    "InvalidRuleError": (pl.InvalidConfigError, ValueError),
    "UnknownPatternError": (LookupError,),
    "InvalidPatternError": (ValueError,),
    "TextTooLongError": (ValueError,),
    "InvalidFeedbackError": (ValueError,),
    "InvalidCustomerError": (ValueError,),
    "InvalidEmbeddingError": (ValueError,),
    "ParseError": (ValueError,),
    "EngineClosedError": (RuntimeError,),
    "StoreError": (OSError,),
    "StoreLockedError": (pl.StoreError, OSError),
    "CorruptStoreError": (pl.StoreError, OSError),
    "SchemaTooNewError": (pl.StoreError, OSError),
    "StoreConflictError": (pl.StoreError, OSError),
    "TlsError": (pl.StoreError, OSError),
    "InvalidImportError": (ValueError,),
    "InvalidModelError": (OSError,),
    "FeatureNotEnabledError": (NotImplementedError,),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_hierarchy(name):
    cls = getattr(pl, name)
    assert issubclass(cls, pl.PatternLearningError)
    for base in CLASSES[name]:
        assert issubclass(cls, base)
    assert cls.__module__ == "pattern_learning"
    assert cls.__doc__
    assert cls is getattr(pl._native, name)


def test_every_class_carries_its_own_code():
    codes = {getattr(pl, name).code for name in CLASSES}
    assert len(codes) == len(CLASSES)
    assert pl.StoreConflictError.code == "STORE_CONFLICT"
    assert pl.InvalidImportError.code == "IMPORT_ERROR"
    assert pl.PatternLearningError.code == "PATTERN_LEARNING_ERROR"


@pytest.mark.parametrize("case", PATCH_CASES, ids=lambda c: json.dumps(c["patch"]))
def test_config_patches_get_the_same_code_as_in_node(case):
    """The shared cases (core/tests/data/config_patches.json) that Node's
    test/errors.test.js runs too: building and updating give the core's code."""
    for call in (
        lambda: Engine(config=case["patch"]),
        lambda: Engine().update_config(case["patch"]),
    ):
        if case["code"] is None:
            call()
            continue
        with pytest.raises(pl.PatternLearningError) as info:
            call()
        assert info.value.code == case["code"]
        if case["key"] is not None:
            assert info.value.key == case["key"]


def test_classes_are_distinct():
    classes = [getattr(pl, n) for n in CLASSES]
    assert len(set(classes)) == len(classes)
    assert issubclass(pl.PatternLearningError, Exception)


def test_invalid_config_fields():
    with pytest.raises(pl.InvalidConfigError) as info:
        Engine(config={"target_precision": 1.5})
    e = info.value
    assert e.key == "target_precision" and e.value == "1.5" and "below 1" in e.reason
    assert "target_precision" in str(e)


def test_invalid_profile():
    with pytest.raises(pl.InvalidConfigError) as info:
        Engine(profile="v2")
    assert info.value.key == "profile"


def test_thresholds_out_of_order_fields():
    with pytest.raises(pl.ThresholdsOutOfOrderError) as info:
        Engine(config={"thresholds": {"auto": 0.5}})
    e = info.value
    assert (e.auto, e.suggest, e.queue) == (0.5, 0.6, 0.4)


def test_unknown_setting_lists_known_keys():
    with pytest.raises(pl.UnknownSettingError) as info:
        Engine(config={"thresholds": {"autox": 0.9}})
    e = info.value
    assert e.key == "thresholds.autox"
    assert "auto" in e.known and "suggest" in e.known
    with pytest.raises(pl.UnknownSettingError):
        Engine(config={"min_confidence_to_act": 0.9})
    with pytest.raises(pl.UnknownSettingError):
        Engine().update_safety_thresholds({"colour": "red"})


def test_invalid_rule():
    with pytest.raises(pl.InvalidRuleError) as info:
        Engine().update_safety_thresholds(
            {"negativeSentimentPatterns": [{"pattern": "(unclosed", "severity": "high"}]}
        )
    assert info.value.pattern == "(unclosed"


def test_unknown_pattern():
    e = Engine()
    for call in (
        lambda: e.delete_pattern(7),
        lambda: e.set_active(7, True),
        lambda: e.set_auto_executable(7, True),
        lambda: e.update_pattern(7, confidence=0.5),
        lambda: e.restore_pattern(7),
        lambda: e.feedback("hello there", "approve", pattern_id=7),
    ):
        with pytest.raises(pl.UnknownPatternError) as info:
            call()
        assert info.value.pattern_id == 7
        assert isinstance(info.value, LookupError)


def test_invalid_pattern():
    e = Engine()
    with pytest.raises(pl.InvalidPatternError):
        e.create_pattern([], "reply")
    with pytest.raises(pl.InvalidPatternError):
        e.create_pattern(["   ", "?!"], "reply")
    with pytest.raises(pl.InvalidPatternError):
        e.create_pattern(["hello there"], "   ")
    with pytest.raises(pl.InvalidPatternError):
        e.create_pattern(["hello there"], "hi", confidence=1.5)
    with pytest.raises(pl.InvalidPatternError):
        e.create_pattern(["hello there"], "hi", confidence=float("nan"))
    with pytest.raises(pl.ParseError):
        e.create_pattern(["hello there"], "hi", topic="no_such_topic")


def test_text_too_long():
    e = Engine(config={"max_message_bytes": 100})
    with pytest.raises(pl.TextTooLongError) as info:
        e.feedback("x" * 101, "answer", "reply")
    assert (info.value.length, info.value.max) == (101, 100)
    with pytest.raises(pl.TextTooLongError):
        e.create_pattern(["y" * 200], "reply")
    # process never raises for long text: it escalates
    d = e.process("z" * 101)
    assert d.action == "escalate" and d.reason == "message_too_long"


def test_invalid_feedback():
    e = Engine()
    with pytest.raises(pl.InvalidFeedbackError):
        e.feedback("hello there", "approve")  # no pattern judged
    with pytest.raises(pl.InvalidFeedbackError):
        e.feedback("   ", "answer", "reply")  # no words


def test_invalid_embedding():
    e = Engine()
    with pytest.raises(pl.InvalidEmbeddingError):
        e.process("hello", embedding=[float("nan"), 1.0])
    with pytest.raises(pl.InvalidEmbeddingError):
        e.process("hello", embedding=[1e300, 1.0])  # overflows f32
    with pytest.raises(pl.InvalidEmbeddingError):
        e.create_pattern(["a b", "c d"], "reply", embeddings=[[1.0, 0.0]])


def test_parse_errors(tmp_path, demo_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hi", "intent": "x", "split": "train"}\nnot json\n')
    with pytest.raises(pl.ParseError) as info:
        pl.load(bad)
    assert info.value.what == "line 2"
    with pytest.raises(pl.ParseError, match="no message has split `test`"):
        pl.replay(demo_path, eval="test")
    with pytest.raises(FileNotFoundError):
        pl.load(tmp_path / "missing.jsonl")


def test_errors_are_catchable_by_base():
    caught = []
    for call in (
        lambda: Engine(config={"thresholds.auto": 2.0}),
        lambda: Engine().delete_pattern(1),
        lambda: Engine().feedback("hi there", "approve"),
    ):
        try:
            call()
        except pl.PatternLearningError as exc:
            caught.append(type(exc).__name__)
    assert caught == ["InvalidConfigError", "UnknownPatternError", "InvalidFeedbackError"]


def test_error_pickles_message():
    with pytest.raises(pl.InvalidConfigError) as info:
        Engine(config={"thresholds.auto": 2.0})
    assert json.dumps(str(info.value))


def test_minilm_dir_without_the_minilm_feature(tmp_path):
    # The default build (the published wheel) has no MiniLM support: the option says so.
    with pytest.raises(pl.FeatureNotEnabledError) as info:
        Engine(minilm_dir=tmp_path)
    assert info.value.feature == "minilm"
    assert "lacks minilm support" in str(info.value)
    with pytest.raises(pl.FeatureNotEnabledError):
        Engine.open(tmp_path / "patterns.db", minilm_dir=str(tmp_path))
    assert not (tmp_path / "patterns.db").exists()
    with pytest.raises(TypeError):
        Engine(minilm_dir=42)
