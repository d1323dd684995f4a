"""The durable engine: Engine.open(path), close(), store errors, undo and bulk."""

from __future__ import annotations

import datetime
import threading

import pytest

import pattern_learning as pl
from pattern_learning import Engine

WIFI = "The wifi password is on the wall by bay 1."


def test_open_close_reopen(tmp_path):
    path = tmp_path / "patterns.db"
    engine = Engine.open(path)
    assert isinstance(engine, Engine)
    assert engine.durable and not engine.closed
    assert not Engine().durable
    out = engine.feedback("what is the wifi password?", "answer", WIFI)
    pid = out.learned_pattern
    engine.close()
    assert engine.closed and engine.durable  # still readable after close
    with pytest.raises(pl.EngineClosedError):
        engine.pattern_count()
    engine.close()  # idempotent

    with Engine.open(str(path)) as reopened:  # str or os.PathLike
        assert "durable" in repr(reopened)
        assert reopened.pattern_count() == 1
        p = reopened.pattern(pid)
        assert p.response_template == WIFI and p.provenance == "learned"
        assert reopened.history(pid)["kind"].tolist() == ["created"]
        d = reopened.process("wifi password?")
        assert d.pattern_id == pid and d.response == WIFI
    assert reopened.closed


def test_second_open_is_locked_until_close(tmp_path):
    path = tmp_path / "patterns.db"
    first = Engine.open(path)
    with pytest.raises(pl.StoreLockedError) as info:
        Engine.open(path)
    err = info.value
    assert isinstance(err, pl.StoreError) and isinstance(err, OSError)
    assert isinstance(err, pl.PatternLearningError)
    assert err.path == str(path)
    assert "in use" in str(err)
    first.close()  # releases the file at once
    Engine.open(path).close()


def test_garbage_file_is_corrupt_and_unchanged(tmp_path):
    path = tmp_path / "garbage.db"
    garbage = b"this is not a pattern-learning store\n" * 200
    path.write_bytes(garbage)
    with pytest.raises(pl.CorruptStoreError) as info:
        Engine.open(path)
    assert isinstance(info.value, OSError)
    assert info.value.path == str(path) and info.value.reason
    assert path.read_bytes() == garbage


def test_io_failure_is_a_store_error(tmp_path):
    with pytest.raises(pl.StoreError) as info:
        Engine.open(tmp_path / "missing" / "patterns.db")
    assert type(info.value) is pl.StoreError
    assert info.value.operation == "open"
    with pytest.raises(OSError):
        Engine.open(tmp_path / "missing" / "patterns.db")


@pytest.mark.parametrize(
    "path,exc", [(1, TypeError), (None, TypeError), (b"x.db", TypeError), ("", ValueError)]
)
def test_bad_paths(path, exc):
    with pytest.raises(exc):
        Engine.open(path)


def test_open_options_replace_the_stored_configuration(tmp_path):
    path = tmp_path / "patterns.db"
    with Engine.open(path, profile="v1", config={"shadow_mode": True}) as e:
        e.update_config({"thresholds.auto": 0.9})  # durable too
    with Engine.open(path) as e:  # no options: the stored configuration, unchanged
        c = e.config
        assert c["profile"] == "v1" and c["shadow_mode"] is True
        assert c["thresholds"]["auto"] == pytest.approx(0.9)
    with Engine.open(path, config={"enabled": False}) as e:  # replaces it (seed + overrides)
        c = e.config
        assert c["profile"] == "seed" and c["enabled"] is False and c["shadow_mode"] is False
    with pytest.raises(pl.UnknownSettingError):
        Engine.open(path, config={"colour": "red"})
    with pytest.raises(pl.InvalidConfigError):
        Engine.open(path, profile="v2")
    with Engine.open(path) as e:  # the failed opens changed nothing
        assert e.config["enabled"] is False


def test_close_waits_for_running_calls(tmp_path):
    path = tmp_path / "patterns.db"
    engine = Engine.open(path)
    errors: list = []
    done = threading.Event()

    def learn() -> None:
        try:
            for i in range(50):
                engine.feedback(f"question number {i} about parking", "answer", f"Answer {i}.")
        except pl.EngineClosedError:
            pass  # closed while this thread was still calling: later calls are refused
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            done.set()

    t = threading.Thread(target=learn)
    t.start()
    engine.close()  # returns once running calls finished and the file is closed
    reopened = Engine.open(path)  # so this is never StoreLockedError
    t.join()
    assert done.is_set() and errors == []
    assert reopened.pattern_count() <= 50
    reopened.close()


def test_bulk_dry_run_equals_the_real_run(tmp_path):
    with Engine.open(tmp_path / "patterns.db") as e:
        low = e.create_pattern(["do you sell gift cards"], "Yes.", confidence=0.3)
        high = e.create_pattern(["what are your hours"], "9 to 5.", confidence=0.9)
        inactive = e.create_pattern(["is there parking"], "Yes, free.", confidence=0.2, active=False)
        later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=1)

        preview = e.bulk("deactivate", {"max_confidence": 0.5}, dry_run=True, unused_since=later)
        assert [r["pattern_id"] for r in preview] == [low.id]  # inactive: already so; high: not selected
        assert e.pattern(low.id).is_active  # a dry run changes nothing
        row = preview[0]
        assert list(row)[:3] == ["pattern_id", "before_confidence", "after_confidence"]
        assert row["before_is_active"] is True and row["after_is_active"] is False

        done = e.bulk("deactivate", max_confidence=0.5, unused_since=later)
        strip = lambda rows: [{k: v for k, v in r.items() if k != "after_last_modified"} for r in rows]
        assert strip(done) == strip(preview)
        assert not e.pattern(low.id).is_active
        assert e.pattern(high.id).is_active and not e.pattern(inactive.id).is_active

    with Engine.open(tmp_path / "patterns.db") as e:  # durable
        assert not e.pattern(low.id).is_active


def test_bulk_selections_and_dataframe(engine):
    pd = pytest.importorskip("pandas")
    a = engine.create_pattern(["do you sell gift cards"], "Yes.", topic="gift_cards")
    b = engine.create_pattern(["what are your hours"], "9 to 5.")
    engine.feedback("is there parking", "answer", "Yes, free.")
    assert [r["pattern_id"] for r in engine.bulk("delete", ids=[b.id], dry_run=True)] == [b.id]
    assert [r["pattern_id"] for r in engine.bulk("delete", topic="gift_cards", dry_run=True)] == [a.id]
    learned = engine.bulk("delete", {"provenance": "learned"}, True)
    assert len(learned) == 1 and learned[0]["after_is_deleted"] is True
    assert len(engine.bulk("revoke_auto")) == 0  # nothing is auto-executable
    everything = engine.bulk("deactivate", None, True)
    df = pd.DataFrame(everything)
    assert df["pattern_id"].tolist() == [a.id, b.id, learned[0]["pattern_id"]]
    assert not df["after_is_active"].any()
    # unused since 1970: only the two created by hand were never used (an operator's
    # answer is a confirmed use of the learned one).
    never_used = engine.bulk("deactivate", unused_since=0, dry_run=True)
    assert [r["pattern_id"] for r in never_used] == [a.id, b.id]


@pytest.mark.parametrize(
    "args,kwargs,exc",
    [
        (("explode",), {}, ValueError),
        ((1,), {}, TypeError),
        (("delete", [1]), {}, TypeError),
        (("delete",), {"colour": "red"}, TypeError),
        (("delete", {"colour": "red"}), {}, TypeError),
        (("delete", {"ids": [1]}), {"ids": [2]}, TypeError),
        (("delete",), {"ids": "1"}, TypeError),
        (("delete",), {"ids": [-1]}, ValueError),
        (("delete",), {"max_confidence": float("nan")}, ValueError),
        (("delete",), {"max_confidence": True}, TypeError),
        (("delete",), {"unused_since": "yesterday"}, TypeError),
        (("delete",), {"provenance": "borrowed"}, ValueError),
        (("delete",), {"topic": 5}, TypeError),
        (("delete", None, "yes"), {}, TypeError),
    ],
)
def test_bulk_bad_arguments(engine, args, kwargs, exc):
    engine.create_pattern(["do you sell gift cards"], "Yes.")
    with pytest.raises(exc):
        engine.bulk(*args, **kwargs)
    assert engine.pattern(1).is_active and not engine.pattern(1).is_deleted


def test_undo(tmp_path):
    path = tmp_path / "patterns.db"
    with Engine.open(path) as e:
        p = e.create_pattern(["do you sell gift cards"], "Yes.")
        e.delete_pattern(p.id)
        seqs = e.history(p.id)["seq"].tolist()
        assert e.history(p.id)["kind"].tolist() == ["created", "deleted"]
        with pytest.raises(pl.InvalidPatternError):
            e.undo(seqs[0])  # not the latest change of the pattern
        with pytest.raises(pl.InvalidPatternError):
            e.undo(10_000)
        with pytest.raises(TypeError):
            e.undo("1")
        with pytest.raises(ValueError):
            e.undo(-1)
        restored = e.undo(seqs[1])
        assert not restored.is_deleted
    with Engine.open(path) as e:
        assert not e.pattern(p.id).is_deleted
        assert e.history(p.id)["kind"].tolist() == ["created", "deleted", "undone"]
        last = int(e.history(p.id)["seq"].iloc[-1])
        e.undo(last)  # undoing the undo deletes it again
        assert e.pattern(p.id).is_deleted


def test_closed_engine_refuses_new_methods():
    e = Engine()
    e.close()
    for call in (lambda: e.undo(1), lambda: e.bulk("delete"), lambda: e.update_config({})):
        with pytest.raises(pl.EngineClosedError):
            call()


LOGIN = [
    "i can't log in to the trackman",
    "the qr code won't log us in",
    "cant login on the simulator",
    "trackman login is not working",
    "qr login failed",
    "we can't sign in to trackman",
]
GUEST = "You can play as Guest: tap 'Guest' on the TrackMan login screen."


def trusted(engine):
    """A pattern the engine auto-sends for LOGIN[0] in a fresh conversation: V1's
    approval threshold (10 by default) is met."""
    p = engine.create_pattern(LOGIN, GUEST, confidence=1.0, auto_executable=True)
    for i in range(10):
        engine.feedback(f"{LOGIN[i % len(LOGIN)]}!", "approve", pattern_id=p.id)
    return p.id


def test_state_survives_restarts(tmp_path):
    """Issue 24: decision ids, feedback by decision id, takeovers and redelivered
    feedback across restarts of a durable engine."""
    path = str(tmp_path / "patterns.db")
    with Engine.open(path) as engine:
        pid = trusted(engine)
        engine.set_auto_executable(pid, False)
        suggested = engine.process(LOGIN[0], conversation_id="c1", message_id="m1")
        assert suggested.action == "suggest" and suggested.pattern_id == pid
        engine.set_auto_executable(pid, True)
        engine.record_operator_message("c2", LOGIN[0])
        first = engine.feedback("zebra quartz", "approve", pattern_id=pid, feedback_id="fb-1")
        assert not first.duplicate
        ids = {suggested.id}
    with Engine.open(path) as engine:
        count = engine.pattern(pid).execution_count
        # The decision made before the restart is found by its id.
        out = engine.feedback(LOGIN[0], "approve", decision=suggested.id)
        assert out.judged_pattern == pid
        assert engine.pattern(pid).execution_count == count + 1
        # The takeover holds; another conversation is not locked.
        assert not engine.process(LOGIN[0], conversation_id="c2").action == "auto_execute"
        sent = engine.process(LOGIN[0], conversation_id="c3")
        assert sent.action == "auto_execute" and sent.outbound is not None
        # A redelivered feedback counts once; a redelivered message is a duplicate.
        again = engine.feedback("zebra quartz", "approve", pattern_id=pid, feedback_id="fb-1")
        assert again.duplicate
        assert engine.process(LOGIN[0], conversation_id="c1", message_id="m1").reason == (
            "duplicate_message"
        )
        ids.add(sent.id)
        with pytest.raises(pl.UnknownDecisionError):
            engine.feedback(LOGIN[0], "approve", decision="0190f3c2-7a1e-7c3d-9f4e-000000000001")
    assert len(ids) == 2
