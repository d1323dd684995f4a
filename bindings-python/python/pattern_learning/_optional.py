"""Optional imports (pandas, matplotlib) with a clear error when they are missing."""

from __future__ import annotations

from typing import Any


def require_pandas(feature: str) -> Any:
    """Returns the ``pandas`` module, or raises ImportError saying how to get it."""
    try:
        import pandas
    except ImportError as exc:  # pragma: no cover - exercised without pandas only
        raise ImportError(
            f"{feature} needs pandas, which is not installed; "
            "install it with `pip install pandas` (or `pip install pattern-learning[pandas]`)"
        ) from exc
    return pandas


def require_pyplot(feature: str) -> Any:
    """Returns ``matplotlib.pyplot``, or raises ImportError saying how to get it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised without matplotlib only
        raise ImportError(
            f"{feature} needs matplotlib, which is not installed; "
            "install it with `pip install matplotlib` (or `pip install pattern-learning[plot]`)"
        ) from exc
    return plt
