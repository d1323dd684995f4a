"""Engine.open("postgres://…"): engines sharing one PostgreSQL database.

Needs a real server: ``PATTERN_LEARNING_TEST_POSTGRES``, set by
``scripts/with-postgres`` (which ``scripts/test`` uses). Without it the tests are
skipped, with the reason in the report.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

import pattern_learning as pl
from pattern_learning import Engine

SERVER = os.environ.get("PATTERN_LEARNING_TEST_POSTGRES")

pytestmark = pytest.mark.skipif(
    not SERVER,
    reason="PATTERN_LEARNING_TEST_POSTGRES is not set: run under scripts/with-postgres "
    "(scripts/test does)",
)

WIFI = "The wifi password is on the wall by bay 1."


@pytest.fixture
def database():
    """A fresh database on the test server; yields its URL."""
    name = f"pl_python_{os.getpid()}"

    def psql(sql: str) -> None:
        subprocess.run(["psql", SERVER, "-q", "-c", sql], check=True, capture_output=True)

    psql(f"DROP DATABASE IF EXISTS {name}")
    psql(f"CREATE DATABASE {name}")
    yield re.sub(r"/[^/]*$", f"/{name}", SERVER)
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_two_engines_share_what_they_learn(database):
    a = Engine.open(database)
    b = Engine.open(database)
    assert a.durable and b.durable
    assert b.process("what is the wifi password?").reason == "no_matching_pattern"

    out = a.feedback("what is the wifi password?", "answer", WIFI)
    d = b.process("wifi password?")
    assert d.pattern_id == out.learned_pattern
    assert d.response == WIFI

    a.close()
    b.close()
    with Engine.open(database) as reopened:
        assert reopened.pattern_count() == 1


def test_a_bad_url_is_a_store_error():
    with pytest.raises(pl.StoreError):
        Engine.open("postgres://nobody@127.0.0.1:1/none")


LOGIN = "i can't log in to the trackman"
GUEST = "You can play as Guest: tap 'Guest' on the TrackMan login screen."


def test_two_engines_share_decisions_takeovers_and_feedback_ids(database):
    """Issue 24: what one engine reports done, the other honours."""
    a = Engine.open(database)
    b = Engine.open(database)
    p = a.create_pattern(
        [LOGIN, "qr login failed", "trackman login is not working", "cant login on the simulator"],
        GUEST,
        confidence=1.0,
        auto_executable=True,
    )
    # V1's approval threshold (10 by default) before a pattern may auto-send.
    for i in range(10):
        a.feedback(f"{LOGIN} {i}!", "approve", pattern_id=p.id)
    # A takeover on a holds on b.
    a.record_operator_message("c1", LOGIN)
    assert b.process(LOGIN, conversation_id="c1").action != "auto_execute"
    assert b.process(LOGIN, conversation_id="c2").action == "auto_execute"
    # Feedback on b names a decision a made.
    a.set_auto_executable(p.id, False)
    d = a.process(LOGIN, conversation_id="c3")
    assert d.action == "suggest"
    before = a.pattern(p.id).execution_count
    out = b.feedback(LOGIN, "reject", decision=d.id)
    assert out.judged_pattern == p.id
    # Feedback delivered to both counts once.
    first = a.feedback("zebra quartz", "approve", pattern_id=p.id, feedback_id="fb-1")
    second = b.feedback("zebra quartz", "approve", pattern_id=p.id, feedback_id="fb-1")
    assert not first.duplicate and second.duplicate
    a.refresh()
    assert a.pattern(p.id).execution_count == before + 1
    assert a.pattern(p.id).failure_count == 1
    # One inbound message id, one decision, whichever engine it reaches.
    a.process("hello there", conversation_id="c4", message_id="openphone-1")
    assert b.process("hello there", conversation_id="c4", message_id="openphone-1").reason == (
        "duplicate_message"
    )
    a.close()
    b.close()
