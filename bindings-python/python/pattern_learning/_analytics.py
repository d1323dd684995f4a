"""Replay, threshold sweeps and plots: the replay protocol from Python.

All numbers come from the core (``replay::run`` and ``sweep::run``); this module
only converts inputs and wraps the results in pandas DataFrames.
"""

from __future__ import annotations

import math
import operator
import os
from functools import cached_property
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Union,
    cast,
)

from . import _native
from ._optional import require_pandas, require_pyplot

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes

DataLike = Union[str, "os.PathLike[str]", "_native.Dataset", "pd.DataFrame", Mapping[str, Sequence[Any]]]

#: Columns of ``sweep()``, in order.
SWEEP_COLUMNS = [
    "auto_threshold",
    "target_precision",
    "suggest_threshold",
    "queue_threshold",
    "messages",
    "automation_rate",
    "auto_precision",
    "wrong_auto_per_1000",
    "wrong_auto_sends",
    "oos_messages",
    "oos_auto_sends",
    "oos_auto_send_rate",
    "suggestion_acceptance",
    "operator_workload",
    "tier_auto_execute",
    "tier_suggest",
    "tier_queue",
    "tier_escalate",
    "p50_us",
    "p99_us",
    "elapsed_s",
    "seed",
    "warmup_messages",
    "patterns",
    "unknown_intents",
]


def load(data: DataLike) -> _native.Dataset:
    """Labelled messages as a :class:`Dataset`.

    ``data`` is a :class:`Dataset`, a path to a JSON Lines file (``text``,
    ``intent``, ``split``, optional ``id``; a bare file name is also looked up in
    ``$PATTERN_LEARNING_DATA``), a list or tuple of such paths (read in order as
    one data set, like ``--data`` given several times), a ``pandas.DataFrame`` or
    a mapping of columns with ``text``, ``intent``, ``split`` and optionally ``id``
    (without ids, rows are numbered from 1, like the lines of a file).
    """
    if isinstance(data, _native.Dataset):
        return data
    if isinstance(data, (str, os.PathLike)):
        return _native.Dataset.from_jsonl(_data_path(data))
    if isinstance(data, (list, tuple)) and data and all(
        isinstance(p, (str, os.PathLike)) for p in data
    ):
        return _native.Dataset.from_jsonl(*[_data_path(p) for p in data])
    columns = getattr(data, "columns", None)
    if columns is not None or isinstance(data, Mapping):
        names = list(columns) if columns is not None else list(data.keys())  # type: ignore[union-attr]
        missing = [c for c in ("text", "intent", "split") if c not in names]
        if missing:
            raise ValueError(
                f"data needs the columns text, intent and split; missing {', '.join(missing)} "
                f"(columns present: {', '.join(map(str, names)) or 'none'})"
            )

        def column(name: str) -> list:
            col = data[name]  # type: ignore[index]
            return col.tolist() if hasattr(col, "tolist") else list(col)

        ids = column("id") if "id" in names else None
        return _native.Dataset.from_columns(
            column("text"), column("intent"), column("split"), ids
        )
    raise TypeError(
        "data must be a path to a JSONL file, a pandas DataFrame, a mapping of columns "
        f"or a Dataset, got {type(data).__name__}"
    )


def _data_path(data: Union[str, "os.PathLike[str]"]) -> str:
    """``data`` as a path; a name that does not exist is looked up in
    ``$PATTERN_LEARNING_DATA``."""
    path = os.fspath(data)
    if not os.path.exists(path) and os.environ.get("PATTERN_LEARNING_DATA"):
        candidate = os.path.join(os.environ["PATTERN_LEARNING_DATA"], path)
        if os.path.exists(candidate):
            path = candidate
    return path


def _int(name: str, value: Any, low: int, high: int) -> int:
    """``value`` as an int of the native type's range ``[low, high)``; the core
    decides which values are allowed (a window of 0 is refused there)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got bool")
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(value).__name__}") from None
    if not low <= value < high:
        raise ValueError(f"{name} must be between {low} and {high - 1}, got {value}")
    return value


def _splits(name: str, splits: Union[str, Iterable[str]]) -> Union[str, list]:
    if isinstance(splits, str):
        return splits  # "train,val": split by the core, as on the command line
    try:
        names = list(splits)
    except TypeError:
        raise TypeError(
            f"{name} must be a split name or a sequence of them, got {type(splits).__name__}"
        ) from None
    for s in names:
        if not isinstance(s, str):
            raise TypeError(f"{name} split names must be str, got {type(s).__name__}")
    return names


def _unknown(unknown_intents: Any, unknown_seed: Any) -> Dict[str, Any]:
    """The open-intent options; the core checks the share's range."""
    if unknown_intents is not None and (
        isinstance(unknown_intents, bool) or not isinstance(unknown_intents, (int, float))
    ):
        raise TypeError(
            "unknown_intents must be a number (a share of the intents), "
            f"got {type(unknown_intents).__name__}"
        )
    return dict(
        unknown_intents=None if unknown_intents is None else float(unknown_intents),
        unknown_seed=_int("unknown_seed", unknown_seed, 0, 2**64),
    )


def _options(
    warmup: Union[str, Iterable[str]],
    eval: Union[str, Iterable[str]],
    seed: Any,
    profile: str,
    config: Optional[Mapping[str, Any]],
    window: Any,
    seconds_per_message: Any,
    overrides: Dict[str, Any],
) -> Dict[str, Any]:
    if not isinstance(profile, str):
        raise TypeError(f"profile must be 'seed' or 'v1', got {type(profile).__name__}")
    if config is not None and not isinstance(config, Mapping):
        raise TypeError(f"config must be a dict of settings, got {type(config).__name__}")
    merged = dict(config or {})
    merged.update(overrides)
    return dict(
        warmup=_splits("warmup", warmup),
        eval=_splits("eval", eval),
        seed=_int("seed", seed, 0, 2**64),
        profile=profile,
        config=merged,
        window=_int("window", window, 0, 2**64),
        seconds_per_message=_int("seconds_per_message", seconds_per_message, -(2**63), 2**63),
    )


class ReplayResult:
    """The outcome of :func:`replay`.

    Attributes:
        metrics: the protocol metrics (dict): the same keys and values as the
            ``--json`` line of ``examples/replay`` (rates are fractions).
        messages: one row per evaluated message (``pandas.DataFrame``).
        curve: the learning curve over the whole stream (``pandas.DataFrame``).
        report: the native report.
    """

    def __init__(self, report: _native.ReplayReport) -> None:
        self.report = report

    @cached_property
    def metrics(self) -> Dict[str, Any]:
        """The protocol metrics (see the class docs)."""
        return self.report.metrics

    @cached_property
    def messages(self) -> "pd.DataFrame":
        """Per evaluated message: id, text, intent, out_of_scope, action, reason,
        confidence, response, right, similarity, margin, agreeing_neighbours, support,
        latency_us."""
        pd = require_pandas("ReplayResult.messages")
        df = pd.DataFrame(self.report.message_columns())
        df["right"] = df["right"].astype("boolean")
        return df

    @cached_property
    def curve(self) -> "pd.DataFrame":
        """The learning curve: phase, until, messages, automation_rate, wrong_auto_sends."""
        pd = require_pandas("ReplayResult.curve")
        return pd.DataFrame(self.report.curve_columns())

    def metrics_json(self) -> str:
        """The metrics as the exact JSON line ``examples/replay --json`` prints."""
        return self.report.metrics_json()

    def __repr__(self) -> str:
        return repr(self.report).replace("ReplayReport", "ReplayResult", 1)


def replay(
    data: DataLike,
    warmup: Union[str, Iterable[str]] = ("train",),
    eval: Union[str, Iterable[str]] = ("val",),
    seed: int = 1,
    *,
    profile: str = "seed",
    config: Optional[Mapping[str, Any]] = None,
    window: int = 250,
    seconds_per_message: int = 60,
    restart: bool = False,
    unknown_intents: Optional[float] = None,
    unknown_seed: int = 1,
    **overrides: Any,
) -> ReplayResult:
    """Runs the replay protocol (``docs/replay-protocol.md``) and returns its results.

    The same numbers as ``cargo run --release --example replay -- --data FILE --json``
    (latency and wall time aside, which are measured).

    Args:
        data: a JSONL path (or a list of them, read as one data set), a DataFrame
            or mapping with ``text``, ``intent``, ``split`` (optional ``id``), or a
            :class:`Dataset` (see :func:`load`).
        warmup: the warm-up splits, replayed first (``"train,val"`` also works).
        eval: the scored splits, one phase (``"val,oos_dev"`` also works).
        seed: order seed (messages are ordered by ``sha256("<seed>:<id>")``).
        profile: ``"seed"`` or ``"v1"``.
        config: setting overrides, nested or dotted keys.
        window: messages per window of the learning curve.
        seconds_per_message: simulated time between two messages.
        restart: evaluate on a new engine opened on the warm-up engine's store,
            as after a deploy (``--restart`` of the example).
        unknown_intents: the open-intent setting (``--unknown-intents``): this
            share of the in-scope intents, in ``[0, 1)``, is treated as unknown;
            their messages get one-off replies and count as out of scope.
        unknown_seed: the seed that picks the unknown intents.
        **overrides: more setting overrides, e.g. ``target_precision=0.99`` or
            ``thresholds={"auto": 0.9}``.

    Raises:
        ParseError: the data lacks a named split, or a JSONL line is malformed.
        InvalidConfigError: an invalid setting (a ``ValueError``).
    """
    if not isinstance(restart, bool):
        raise TypeError(f"restart must be a bool, got {type(restart).__name__}")
    opts = _options(warmup, eval, seed, profile, config, window, seconds_per_message, overrides)
    opts.update(_unknown(unknown_intents, unknown_seed))
    return ReplayResult(_native.replay(load(data), restart=restart, **opts))


def _float_list(name: str, values: Any, allow_none: bool) -> Optional[List[Optional[float]]]:
    if values is None:
        return None
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        values = [values]
    out: List[Optional[float]] = []
    for v in values:
        if v is None and allow_none:
            out.append(None)
        elif isinstance(v, (bool, str, bytes)) or v is None:
            raise TypeError(f"{name} must be numbers, got {type(v).__name__}")
        else:
            try:
                out.append(float(v))
            except (TypeError, ValueError):
                raise TypeError(f"{name} must be numbers, got {type(v).__name__}") from None
    return out


def sweep(
    data: DataLike,
    auto_thresholds: Optional[Iterable[float]] = None,
    target_precisions: Optional[Iterable[Optional[float]]] = None,
    seed: int = 1,
    *,
    warmup: Union[str, Iterable[str]] = ("train",),
    eval: Union[str, Iterable[str]] = ("val",),
    profile: str = "seed",
    config: Optional[Mapping[str, Any]] = None,
    window: int = 250,
    seconds_per_message: int = 60,
    threads: Optional[int] = None,
    unknown_intents: Optional[float] = None,
    unknown_seed: int = 1,
    **overrides: Any,
) -> "pd.DataFrame":
    """Runs the replay over a grid of auto-send settings; a tidy DataFrame.

    Every auto threshold is combined with every target precision (``None`` = no
    derived threshold); an empty or missing list means the configuration's own
    value. Grid points run in parallel in Rust (rayon; ``threads`` caps the
    workers). When an auto threshold is below the suggest (or queue) threshold,
    those are lowered to it (see ``suggest_threshold`` / ``queue_threshold``).

    Returns one row per grid point, in grid order (target precision outer, auto
    threshold inner), with the columns ``SWEEP_COLUMNS``: the grid values and
    every replay metric (``tier_*`` are the tier counts; ``auto_precision`` is
    NaN where nothing was auto-sent). Needs pandas.

    Raises:
        InvalidConfigError: a grid value is NaN, infinite or out of range —
            before anything runs.
    """
    pd = require_pandas("sweep()")
    opts = _options(warmup, eval, seed, profile, config, window, seconds_per_message, overrides)
    opts.update(_unknown(unknown_intents, unknown_seed))
    if threads is not None:
        threads = _int("threads", threads, 0, 2**64)
    rows = _native.sweep(
        load(data),
        auto_thresholds=cast(
            Optional[List[float]], _float_list("auto_thresholds", auto_thresholds, allow_none=False)
        ),
        target_precisions=_float_list("target_precisions", target_precisions, allow_none=True),
        threads=threads,
        **opts,
    )
    df = pd.DataFrame.from_records(rows, columns=SWEEP_COLUMNS)
    for col in ("target_precision", "auto_precision", "suggestion_acceptance", "oos_auto_send_rate"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    return df


def plot(
    sweep_df: "pd.DataFrame",
    ax: Optional["Axes"] = None,
    *,
    target: Optional[float] = 0.99,
    annotate: bool = True,
    title: Optional[str] = "Automation vs auto-send precision",
) -> "Axes":
    """Draws automation against auto-send precision from a :func:`sweep` frame.

    One line per target precision (``fixed threshold`` where none was set), points
    ordered by auto threshold and labelled with it; grid points where nothing was
    auto-sent (no precision) are left out. ``target`` draws a vertical reference
    line at that precision (``None``: no line). Returns the matplotlib ``Axes``.
    Needs matplotlib (for headless use select the ``Agg`` backend).
    """
    plt = require_pyplot("plot()")
    required = {"auto_threshold", "target_precision", "automation_rate", "auto_precision"}
    columns = set(getattr(sweep_df, "columns", []))
    if not required <= columns:
        raise ValueError(
            "plot() needs a DataFrame from sweep() with columns "
            f"{', '.join(sorted(required))}; missing {', '.join(sorted(required - columns))}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 5.0))
    groups: Dict[Optional[float], list] = {}
    for row in sweep_df.itertuples(index=False):
        tp = row.target_precision
        key = None if tp is None or (isinstance(tp, float) and math.isnan(tp)) else float(tp)
        groups.setdefault(key, []).append(row)
    for key in sorted(groups, key=lambda k: (k is not None, k or 0.0)):
        rows = sorted(groups[key], key=lambda r: r.auto_threshold)
        rows = [r for r in rows if r.auto_precision == r.auto_precision and r.auto_precision is not None]
        if not rows:
            continue
        xs = [100.0 * r.auto_precision for r in rows]
        ys = [100.0 * r.automation_rate for r in rows]
        label = "fixed threshold" if key is None else f"target precision {key:g}"
        (line,) = ax.plot(xs, ys, marker="o", label=label)
        if annotate:
            for r, x, y in zip(rows, xs, ys):
                ax.annotate(
                    f"{r.auto_threshold:g}",
                    (x, y),
                    textcoords="offset points",
                    xytext=(4, 4),
                    fontsize=7,
                    color=line.get_color(),
                )
    if target is not None:
        ax.axvline(100.0 * target, color="grey", linestyle="--", linewidth=1)
        ax.annotate(
            f"{100.0 * target:g}% precision",
            (100.0 * target, 0.0),
            xycoords=("data", "axes fraction"),
            textcoords="offset points",
            xytext=(4, 6),
            ha="left",
            fontsize=8,
            color="grey",
        )
    left, right = ax.get_xlim()
    if right > 100.5:  # precision cannot exceed 100%
        ax.set_xlim(left, 100.5)
    ax.set_xlabel("auto-send precision (%)")
    ax.set_ylabel("automation rate (% of messages auto-sent)")
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize=8)
    return ax
