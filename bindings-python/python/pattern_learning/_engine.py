"""The public ``Engine``: the native engine plus DataFrame views."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from . import _native
from ._optional import require_pandas

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: Columns of ``Engine.patterns()``, in order.
PATTERN_COLUMNS = [
    "id",
    "topic",
    "response_template",
    "confidence",
    "is_active",
    "auto_executable",
    "is_deleted",
    "examples",
    "execution_count",
    "success_count",
    "failure_count",
    "override_count",
    "provenance",
    "trigger_examples",
    "trigger_keywords",
    "action_template",
    "signature",
    "v1_signature",
    "created_at",
    "last_used",
    "last_modified",
]

#: Columns of ``Engine.history()``, in order.
HISTORY_COLUMNS = [
    "seq",
    "at",
    "actor",
    "kind",
    "pattern_id",
    "old_confidence",
    "new_confidence",
    "message",
    "is_active",
    "auto_executable",
    "is_deleted",
    "execution_count",
    "success_count",
    "failure_count",
    "override_count",
    "examples",
]


def _frame(records: list, columns: list, times: tuple) -> "pd.DataFrame":
    pd = require_pandas("this DataFrame view")
    df = pd.DataFrame.from_records(records, columns=columns)
    for col in times:
        df[col] = pd.to_datetime(df[col], unit="ms", utc=True)
    return df


class Engine(_native.Engine):
    """Learns replies from operators and decides, per message, what to do.

    ``Engine(profile="seed", config=None)`` builds an in-memory engine.
    ``profile`` is ``"seed"`` (recommended defaults: tiers 0.85 / 0.60 / 0.40) or
    ``"v1"``; ``config`` overrides settings, nested (``{"thresholds": {"auto": 0.9}}``)
    or dotted (``{"thresholds.auto": 0.9}``). Invalid settings raise
    :class:`InvalidConfigError` (a ``ValueError``).

    ``Engine.open(path)`` opens (or creates) a durable engine on a single SQLite
    file: every change is written before the call returns. One engine per file;
    a second ``open`` raises :class:`StoreLockedError` (an ``OSError``) until the
    first is closed.

    The engine is thread-safe and releases the GIL while it works. Use it as a
    context manager, or call :meth:`close`, to release it (and its file)
    deterministically.

    Example::

        with Engine() as engine:
            d = engine.process("do you sell gift cards?", conversation_id="c1")
            if d.action == "escalate":
                engine.feedback("do you sell gift cards?", "answer",
                                "Yes! Buy them online.", decision=d)
    """

    def patterns(
        self, *, include_deleted: bool = False, include_inactive: bool = True
    ) -> "pd.DataFrame":
        """The patterns as a ``pandas.DataFrame``, one row per pattern, in id order.

        Columns: ``PATTERN_COLUMNS`` (timestamps as UTC datetimes). Deleted
        patterns are left out unless ``include_deleted``. Needs pandas.
        """
        records = self.pattern_records(
            include_deleted=include_deleted, include_inactive=include_inactive
        )
        return _frame(records, PATTERN_COLUMNS, ("created_at", "last_used", "last_modified"))

    def history(self, pattern_id: Optional[int] = None) -> "pd.DataFrame":
        """The append-only change history as a ``pandas.DataFrame``, oldest first.

        One row per event (created, approved, rejected, answered, promoted,
        deleted, …) of one pattern or, without ``pattern_id``, of all patterns.
        Columns: ``HISTORY_COLUMNS``. Needs pandas.
        """
        return _frame(self.history_records(pattern_id), HISTORY_COLUMNS, ("at",))
