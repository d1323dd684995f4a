"""pattern_learning.sweep and plot."""

from __future__ import annotations

import math

import pytest

import pattern_learning as pl
from conftest import stable

pd = pytest.importorskip("pandas")

AUTOS = [0.5, 0.7, 0.85, 0.95]


@pytest.fixture(scope="module")
def grid(demo_path):
    return pl.sweep(demo_path, auto_thresholds=AUTOS, target_precisions=[None, 0.99], seed=1)


def test_tidy_frame(grid):
    from pattern_learning._analytics import SWEEP_COLUMNS

    assert list(grid.columns) == SWEEP_COLUMNS
    assert len(grid) == len(AUTOS) * 2
    # grid order: target precision outer, auto threshold inner
    assert grid["auto_threshold"].tolist() == AUTOS * 2
    assert grid["target_precision"].isna().tolist() == [True] * 4 + [False] * 4
    assert (grid.loc[4:, "target_precision"] == 0.99).all()
    assert grid["target_precision"].dtype == "float64"
    assert grid["auto_precision"].dtype == "float64"
    assert (grid["messages"] == 517).all()
    assert (grid[["tier_auto_execute", "tier_suggest", "tier_queue", "tier_escalate"]].sum(axis=1) == 517).all()
    # below the suggest threshold (0.6), suggest is lowered to the auto threshold
    assert grid.loc[0, "suggest_threshold"] == 0.5
    assert grid.loc[2, "suggest_threshold"] == pytest.approx(0.6)


def test_each_row_equals_a_replay(demo_path, grid):
    for i in (1, 2, 6):
        row = grid.iloc[i]
        overrides = {"thresholds.auto": float(row["auto_threshold"])}
        if not math.isnan(row["target_precision"]):
            overrides["target_precision"] = float(row["target_precision"])
        m = stable(pl.replay(demo_path, config=overrides).metrics)
        tiers = m.pop("tiers")
        for k, v in m.items():
            got = row[k]
            if v is None:
                assert math.isnan(got), k
            else:
                assert got == pytest.approx(v), k
        for k, v in tiers.items():
            assert row[f"tier_{k}"] == v


def test_defaults_and_threads(demo_path):
    one = pl.sweep(demo_path)
    assert len(one) == 1
    assert one.loc[0, "auto_threshold"] == pytest.approx(0.85)
    assert math.isnan(one.loc[0, "target_precision"])
    a = pl.sweep(demo_path, auto_thresholds=[0.7, 0.9], threads=1)
    b = pl.sweep(demo_path, auto_thresholds=(x for x in [0.7, 0.9]), threads=2)
    cols = ["automation_rate", "auto_precision", "tier_auto_execute", "patterns"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


@pytest.mark.parametrize(
    "kwargs,exc",
    [
        ({"auto_thresholds": [0.9, float("nan")]}, pl.InvalidConfigError),
        ({"auto_thresholds": [1.5]}, pl.InvalidConfigError),
        ({"auto_thresholds": [-0.1]}, pl.InvalidConfigError),
        ({"auto_thresholds": [float("inf")]}, pl.InvalidConfigError),
        ({"auto_thresholds": [None]}, TypeError),
        ({"auto_thresholds": ["0.9"]}, TypeError),
        ({"auto_thresholds": [True]}, TypeError),
        ({"target_precisions": [float("nan")]}, pl.InvalidConfigError),
        ({"target_precisions": [1.0]}, pl.InvalidConfigError),
        ({"threads": 0}, pl.InvalidConfigError),
        ({"threads": 2**16 + 1}, pl.InvalidConfigError),
        ({"threads": "2"}, TypeError),
        ({"eval": "test"}, pl.ParseError),
    ],
)
def test_bad_sweep_arguments(demo_path, kwargs, exc):
    with pytest.raises(exc):
        pl.sweep(demo_path, **kwargs)


def test_plot(grid, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = pl.plot(grid)
    assert ax.get_xlabel().startswith("auto-send precision")
    assert ax.get_ylabel().startswith("automation rate")
    labels = ax.get_legend_handles_labels()[1]
    assert "fixed threshold" in labels and "target precision 0.99" in labels
    line = ax.get_lines()[0]
    rows = grid[grid["target_precision"].isna() & grid["auto_precision"].notna()]
    assert list(line.get_ydata()) == pytest.approx((100 * rows["automation_rate"]).tolist())
    out = tmp_path / "curve.png"
    ax.figure.savefig(out)
    assert out.stat().st_size > 1000
    plt.close(ax.figure)

    fig, given = plt.subplots()
    assert pl.plot(grid, ax=given, target=None, annotate=False, title=None) is given
    plt.close(fig)


def test_plot_refuses_other_frames():
    pytest.importorskip("matplotlib")
    with pytest.raises(ValueError, match="sweep"):
        pl.plot(pd.DataFrame({"x": [1]}))
