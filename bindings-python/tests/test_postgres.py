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
