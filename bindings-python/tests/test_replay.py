"""pattern_learning.replay: the replay protocol through the core, with the same
numbers as `cargo run --release --example replay -- --data FILE --json`."""

from __future__ import annotations

import json
import threading
import time

import pytest

import pattern_learning as pl
from conftest import TIMING_KEYS, replay_binary, run_replay_binary, stable

METRIC_KEYS = {
    "messages",
    "automation_rate",
    "auto_precision",
    "wrong_auto_per_1000",
    "oos_messages",
    "oos_auto_sends",
    "suggestion_acceptance",
    "tiers",
    "p50_us",
    "p99_us",
    "elapsed_s",
    "seed",
}


@pytest.fixture(scope="module")
def demo_result(demo_path):
    return pl.replay(demo_path)


def test_parity_with_the_replay_example(demo_path, demo_result):
    """Same numbers as the example binary; if it is not built, the same numbers
    as the core's own JSONL loader + replay (the code path of the example)."""
    binary = replay_binary()
    if binary is not None:
        expected = run_replay_binary(binary, "--data", str(demo_path))
    else:
        expected = json.loads(pl.replay(pl.Dataset.from_jsonl(str(demo_path))).metrics_json())
    got = demo_result.metrics
    assert METRIC_KEYS <= set(got)
    assert set(got) == set(expected)
    assert stable(got) == stable(expected)


def test_parity_seed_and_warmup_options(demo_path):
    binary = replay_binary()
    if binary is None:
        pytest.skip("examples/replay is not built (cargo build --release --example replay)")
    expected = run_replay_binary(
        binary, "--data", str(demo_path), "--seed", "7", "--profile", "v1", "--target-precision", "0.99"
    )
    got = pl.replay(demo_path, seed=7, profile="v1", target_precision=0.99).metrics
    assert stable(got) == stable(expected)


def test_restart_has_the_cli_numbers_and_keeps_the_learning(demo_path, demo_result):
    """restart=True is the example's --restart: a new engine opened on the warm-up
    engine's store answers the scored messages, with every pattern learned."""
    got = pl.replay(demo_path, restart=True).metrics
    assert got["patterns"] == demo_result.metrics["patterns"]
    assert got["automation_rate"] >= 0.9 * demo_result.metrics["automation_rate"]
    binary = replay_binary()
    if binary is not None:
        expected = run_replay_binary(binary, "--data", str(demo_path), "--restart")
        assert stable(got) == stable(expected)
    with pytest.raises(TypeError, match="restart must be a bool"):
        pl.replay(demo_path, restart="yes")


def test_metrics_json_is_the_cli_line(demo_result):
    line = demo_result.metrics_json()
    assert json.loads(line) == demo_result.metrics


def test_metrics_values(demo_result):
    m = demo_result.metrics
    assert m["messages"] == 517 and m["oos_messages"] == 42
    assert m["warmup_messages"] == 1282 and m["seed"] == 1
    assert 0.0 <= m["automation_rate"] <= 1.0
    tiers = m["tiers"]
    assert sum(tiers.values()) == m["messages"]
    assert m["automation_rate"] == pytest.approx(tiers["auto_execute"] / m["messages"])
    assert m["operator_workload"] == m["messages"] - tiers["auto_execute"]


def test_messages_frame(demo_result):
    pd = pytest.importorskip("pandas")
    df = demo_result.messages
    assert isinstance(df, pd.DataFrame)
    assert len(df) == demo_result.metrics["messages"]
    assert list(df.columns) == [
        "id", "text", "intent", "out_of_scope", "action", "reason", "confidence", "response",
        "right", "similarity", "margin", "agreeing_neighbours", "support", "latency_us",
    ]
    auto = df[df["action"] == "auto_execute"]
    assert len(auto) == demo_result.metrics["tiers"]["auto_execute"]
    right = auto["right"].fillna(False).astype(bool)
    if len(auto):
        assert right.mean() == pytest.approx(demo_result.metrics["auto_precision"])
    assert df["id"].str.startswith("demo-val-").all()


def test_curve_frame(demo_result):
    pytest.importorskip("pandas")
    c = demo_result.curve
    assert list(c.columns) == ["phase", "until", "messages", "automation_rate", "wrong_auto_sends"]
    assert set(c["phase"]) == {"warmup", "eval"}
    assert c["until"].is_monotonic_increasing
    assert c["messages"].sum() == 1282 + 517
    assert c.loc[c["phase"] == "eval", "messages"].sum() == 517


def test_dataframe_and_mapping_inputs_match_the_file(demo_path, demo_result):
    pd = pytest.importorskip("pandas")
    df = pd.read_json(demo_path, lines=True, dtype={"id": str})
    from_df = pl.replay(df).metrics
    assert stable(from_df) == stable(demo_result.metrics)
    cols = {c: df[c].tolist() for c in ("id", "text", "intent", "split")}
    assert stable(pl.replay(cols).metrics) == stable(demo_result.metrics)
    ds = pl.load(df)
    assert len(ds) == 1799 and ds.splits() == {"train": 1282, "val": 517}
    assert stable(pl.replay(ds).metrics) == stable(demo_result.metrics)


def test_dataframe_without_ids_numbers_rows_like_lines(demo_path, tmp_path):
    pd = pytest.importorskip("pandas")
    df = pd.read_json(demo_path, lines=True)[["text", "intent", "split"]]
    no_ids = tmp_path / "no_ids.jsonl"
    df.to_json(no_ids, orient="records", lines=True, force_ascii=False)
    assert stable(pl.replay(df).metrics) == stable(pl.replay(no_ids).metrics)
    assert pl.load(df).columns()["id"][:3] == ["1", "2", "3"]


def test_numeric_ids_render_like_json(tmp_path):
    rows = [{"id": i, "text": f"message {i % 5}", "intent": f"i{i % 5}", "split": "train" if i < 80 else "val"} for i in range(100)]
    path = tmp_path / "numeric.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    cols = {k: [r[k] for r in rows] for k in rows[0]}
    assert stable(pl.replay(cols).metrics) == stable(pl.replay(path).metrics)
    binary = replay_binary()
    if binary is not None:
        assert stable(pl.replay(path).metrics) == stable(run_replay_binary(binary, "--data", str(path)))


def test_warmup_and_eval_options(demo_path):
    both = pl.replay(demo_path, warmup="train,val", eval="val")
    assert both.metrics["warmup_messages"] == 1282 + 517
    same = pl.replay(demo_path, warmup=["train", "val"])
    assert stable(same.metrics) == stable(both.metrics)
    none = pl.replay(demo_path, warmup=[], eval="val")
    assert none.metrics["warmup_messages"] == 0
    assert none.metrics["automation_rate"] <= both.metrics["automation_rate"]


def test_config_overrides_change_the_result(demo_path, demo_result):
    strict = pl.replay(demo_path, thresholds={"auto": 1.0})
    assert strict.metrics["tiers"]["auto_execute"] == 0
    same = pl.replay(demo_path, config={"thresholds.auto": 1.0})
    assert stable(same.metrics) == stable(strict.metrics)


def test_bad_data(demo_path):
    with pytest.raises(ValueError, match="missing split"):
        pl.replay({"text": ["a"], "intent": ["x"]})
    with pytest.raises(TypeError):
        pl.replay(42)
    with pytest.raises(TypeError, match="row 1"):
        pl.replay({"text": ["a", None], "intent": ["x", "y"], "split": ["train", "val"]})
    with pytest.raises(ValueError, match="differ in length"):
        pl.replay({"text": ["a", "b"], "intent": ["x"], "split": ["train"]})
    with pytest.raises(ValueError):
        pl.replay({"text": ["a"], "intent": ["x"], "split": ["train"], "id": [None]})
    with pytest.raises(pl.ParseError):
        pl.replay({"text": ["a"], "intent": ["x"], "split": ["train"]})  # no val split
    with pytest.raises(pl.ParseError):
        pl.replay({"text": [], "intent": [], "split": []})


@pytest.mark.parametrize(
    "kwargs,exc",
    [
        ({"seed": -1}, ValueError),
        ({"seed": 2**64}, ValueError),
        ({"seed": "1"}, TypeError),
        ({"seed": 1.5}, TypeError),
        ({"seed": True}, TypeError),
        ({"window": 0}, pl.InvalidConfigError),
        ({"window": -1}, ValueError),
        ({"window": "250"}, TypeError),
        ({"warmup": 5}, TypeError),
        ({"warmup": [1]}, TypeError),
        ({"eval": None}, TypeError),
        ({"profile": "v9"}, pl.InvalidConfigError),
        ({"config": [1]}, TypeError),
        ({"target_precision": float("nan")}, pl.InvalidConfigError),
        ({"colour": "red"}, pl.UnknownSettingError),
    ],
)
def test_bad_replay_arguments(demo_path, kwargs, exc):
    with pytest.raises(exc):
        pl.replay(demo_path, **kwargs)


def test_replay_releases_the_gil(demo_path):
    """While a replay runs in another thread, this thread keeps running Python."""
    done = threading.Event()

    def work():
        pl.replay(demo_path)
        done.set()

    t = threading.Thread(target=work)
    t0 = time.perf_counter()
    t.start()
    ticks = 0
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    t.join()
    elapsed = time.perf_counter() - t0
    # With the GIL held for the whole replay, the loop would tick about once.
    assert ticks > 20, (ticks, elapsed)


@pytest.mark.parametrize("name", ["clinc150.jsonl", "banking77.jsonl"])
def test_shared_data_parity(shared_file, name):
    path = shared_file(name)
    binary = replay_binary()
    got = pl.replay(path).metrics
    if binary is not None:
        expected = run_replay_binary(binary, "--data", str(path))
    else:
        expected = json.loads(pl.replay(pl.Dataset.from_jsonl(str(path))).metrics_json())
    assert stable(got) == stable(expected)
    assert got["messages"] > 0


def test_timing_keys_present(demo_result):
    assert TIMING_KEYS <= set(demo_result.metrics)
    assert demo_result.metrics["p99_us"] >= demo_result.metrics["p50_us"] > 0


def test_replay_options_are_checked_by_the_core(demo_path):
    """window 0 was silently raised to 1 by the core and refused twice in Python;
    now the core refuses it, naming the option, as the command line does."""
    with pytest.raises(pl.InvalidConfigError) as info:
        pl.replay(demo_path, window=0)
    assert info.value.key == "window" and info.value.code == "INVALID_CONFIG"
    with pytest.raises(pl.InvalidConfigError) as info:
        pl.sweep(demo_path, auto_thresholds=[0.9], threads=0)
    assert info.value.key == "threads"


def test_several_files_and_eval_splits_are_the_cli_replay(demo_path, tmp_path):
    """A list of files is read as one data set (``--data`` given twice) and
    ``eval`` may name several splits (``--eval val,extra``)."""
    lines = demo_path.read_text(encoding="utf-8").splitlines()
    moved = [json.loads(line) for line in lines if '"split": "val"' in line or '"split":"val"' in line][:40]
    assert moved, "the demo inbox has val lines"
    extra = tmp_path / "extra.jsonl"
    extra.write_text(
        "".join(json.dumps({**r, "id": f"extra-{i}", "split": "extra"}) + "\n" for i, r in enumerate(moved)),
        encoding="utf-8",
    )
    got = pl.replay([demo_path, extra], eval="val,extra").metrics
    assert got["messages"] == 517 + len(moved)
    same = pl.replay(pl.Dataset.from_jsonl(str(demo_path), str(extra)), eval=["val", "extra"])
    assert stable(same.metrics) == stable(got)
    binary = replay_binary()
    if binary is not None:
        expected = run_replay_binary(
            binary, "--data", str(demo_path), "--data", str(extra), "--eval", "val,extra"
        )
        assert stable(got) == stable(expected)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    with pytest.raises(pl.ParseError) as info:
        pl.load([demo_path, bad])
    assert info.value.what == f"{bad}, line 1", "with several files, the file is named"
    with pytest.raises(TypeError, match="eval split names must be str"):
        pl.replay(demo_path, eval=["val", 3])


def test_unknown_intents_is_the_open_intent_setting(demo_path):
    """``unknown_intents`` is ``--unknown-intents``: a seeded share of the intents
    counts as out of scope, and the rate is per out-of-scope message."""
    closed = pl.replay(demo_path)
    opened = pl.replay(demo_path, unknown_intents=0.25, unknown_seed=2)
    m = opened.metrics
    assert m["unknown_intents"] > 0 and closed.metrics["unknown_intents"] == 0
    assert m["oos_messages"] > closed.metrics["oos_messages"]
    assert m["oos_auto_send_rate"] == pytest.approx(m["oos_auto_sends"] / m["oos_messages"])
    df = opened.messages
    unknown = df[df["out_of_scope"] & (df["intent"] != "oos")]
    assert len(unknown) == m["oos_messages"] - closed.metrics["oos_messages"]
    binary = replay_binary()
    if binary is not None:
        expected = run_replay_binary(
            binary, "--data", str(demo_path), "--unknown-intents", "0.25", "--unknown-seed", "2"
        )
        assert stable(m) == stable(expected)
    with pytest.raises(pl.InvalidConfigError) as info:
        pl.replay(demo_path, unknown_intents=1.5)
    assert info.value.key == "unknown_intents"
    with pytest.raises(TypeError, match="unknown_intents must be a number"):
        pl.replay(demo_path, unknown_intents="0.25")
