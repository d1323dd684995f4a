"""Issue #28: erase_customer and apply_retention (core/src/engine/privacy.rs), read
back from the raw store file; TLS options carried by Engine.open's URL."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

import pattern_learning as pl
from pattern_learning import Engine

UMBRELLA = "I left a zebra-striped umbrella in bay 4"


def raw_store(path: Path) -> bytes:
    """Every byte of the store file and the files SQLite keeps beside it."""
    return b"\n".join(
        p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name)
    )


def test_erase_customer_leaves_nothing_of_them_in_the_store_file(tmp_path):
    path = tmp_path / "inbox.db"
    with Engine.open(path) as engine:
        engine.process(
            UMBRELLA, conversation_id="conv-sam-4711", phone="+19025550100", message_id="msg-sam-1"
        )
        engine.feedback(UMBRELLA, "answer", "We found it: it is at the front desk.")
        engine.process("is the periwinkle room free tonight", conversation_id="conv-ana-1234")
        assert b"zebra-striped" in raw_store(path)

        erased = engine.erase_customer(conversation_id="conv-sam-4711")
        assert (erased["decisions"], erased["examples"], erased["conversations"]) == (1, 1, 1)
        raw = raw_store(path)
        for gone in (b"zebra-striped", b"conv-sam-4711", b"msg-sam-1"):
            assert gone not in raw
        assert b"periwinkle" in raw and b"conv-ana-1234" in raw


def test_erase_customer_needs_a_customer():
    engine = Engine()
    with pytest.raises(pl.InvalidCustomerError):
        engine.erase_customer()
    with pytest.raises(pl.InvalidCustomerError) as caught:
        engine.erase_customer(phone="n/a")
    assert isinstance(caught.value, ValueError)
    assert caught.value.code == "INVALID_CUSTOMER"
    with pytest.raises(TypeError):
        engine.erase_customer(phone=9025550100)
    assert engine.erase_customer(phone="902 555 0100")["decisions"] == 0


def test_apply_retention_follows_the_configured_period(tmp_path):
    path = tmp_path / "inbox.db"
    with Engine.open(path) as engine:
        assert engine.config["retention"] == {"decision_days": None, "on_open": True}
        assert engine.apply_retention() is None
        engine.process("is the periwinkle room free tonight", conversation_id="conv-1")
        engine.update_config({"retention": {"decision_days": 90}})
        counts = engine.apply_retention()
        assert counts["decisions"] == 0  # nothing is 90 days old yet
        assert b"periwinkle" in raw_store(path)
        with pytest.raises(pl.InvalidConfigError):
            engine.update_config({"retention.decision_days": 0})


SERVER = os.environ.get("PATTERN_LEARNING_TEST_POSTGRES")
needs_server = pytest.mark.skipif(
    not SERVER,
    reason="PATTERN_LEARNING_TEST_POSTGRES is not set: run under scripts/with-postgres "
    "(scripts/test does)",
)


@pytest.fixture
def database():
    """A fresh database on the test server; yields its URL."""
    name = f"pl_python_privacy_{os.getpid()}"

    def psql(sql: str) -> None:
        subprocess.run(["psql", SERVER, "-q", "-c", sql], check=True, capture_output=True)

    psql(f"DROP DATABASE IF EXISTS {name}")
    psql(f"CREATE DATABASE {name}")
    yield re.sub(r"/[^/]*$", f"/{name}", SERVER)
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def raw_tables(url: str) -> bytes:
    """Every row of every table, as pg_dump writes them."""
    return subprocess.run(
        ["pg_dump", "--data-only", url], check=True, capture_output=True
    ).stdout


@needs_server
def test_erase_customer_leaves_nothing_of_them_in_the_postgresql_tables(database):
    with Engine.open(database) as engine:
        engine.process(
            UMBRELLA, conversation_id="conv-sam-4711", phone="+19025550100", message_id="msg-sam-1"
        )
        engine.feedback(UMBRELLA, "answer", "We found it: it is at the front desk.")
        engine.process("is the periwinkle room free tonight", conversation_id="conv-ana-1234")
        assert b"zebra-striped" in raw_tables(database)

        erased = engine.erase_customer(conversation_id="conv-sam-4711")
        assert (erased["decisions"], erased["examples"], erased["conversations"]) == (1, 1, 1)
        raw = raw_tables(database)
        for gone in (b"zebra-striped", b"conv-sam-4711", b"msg-sam-1"):
            assert gone not in raw
        assert b"periwinkle" in raw and b"conv-ana-1234" in raw


@needs_server
def test_the_url_of_open_carries_sslmode_and_sslrootcert():
    sep = "&" if "?" in SERVER else "?"
    # The test server offers no TLS: requiring it is refused.
    with pytest.raises(pl.TlsError) as caught:
        Engine.open(f"{SERVER}{sep}sslmode=require")
    assert isinstance(caught.value, pl.StoreError)
    assert "server does not support TLS" in caught.value.reason
    with pytest.raises(pl.TlsError):
        Engine.open(f"{SERVER}{sep}sslmode=verify-full&sslrootcert=/nonexistent/ca.pem")
