"""pattern_learning: learns canned replies from support operators and decides, per
message, whether to auto-send, suggest, queue or hand off.

Python binding of the Rust library ``pattern-learning``. The engine runs in Rust
(the GIL is released while it works); this package adds pandas DataFrames and
matplotlib plots on top (both optional imports).

>>> from pattern_learning import Engine
>>> with Engine() as engine:
...     d = engine.process("Do you sell gift cards?")
...     d.action
'escalate'
"""

from __future__ import annotations

from . import _native
from ._analytics import ReplayResult, load, plot, replay, sweep
from ._engine import Engine
from ._native import (
    CorruptStoreError,
    Dataset,
    Decision,
    EngineClosedError,
    FeatureNotEnabledError,
    FeedbackOutcome,
    InvalidConfigError,
    InvalidCustomerError,
    InvalidEmbeddingError,
    InvalidFeedbackError,
    InvalidImportError,
    InvalidModelError,
    InvalidPatternError,
    InvalidRuleError,
    ParseError,
    Pattern,
    PatternLearningError,
    SchemaTooNewError,
    StoreConflictError,
    StoreError,
    StoreLockedError,
    TextTooLongError,
    ThresholdsOutOfOrderError,
    TlsError,
    UnknownDecisionError,
    UnknownPatternError,
    UnknownSettingError,
)

__version__: str = _native.__version__

__all__ = [
    "CorruptStoreError",
    "Dataset",
    "Decision",
    "Engine",
    "EngineClosedError",
    "FeatureNotEnabledError",
    "FeedbackOutcome",
    "InvalidConfigError",
    "InvalidCustomerError",
    "InvalidEmbeddingError",
    "InvalidFeedbackError",
    "InvalidImportError",
    "InvalidModelError",
    "InvalidPatternError",
    "InvalidRuleError",
    "ParseError",
    "Pattern",
    "PatternLearningError",
    "ReplayResult",
    "SchemaTooNewError",
    "StoreConflictError",
    "StoreError",
    "StoreLockedError",
    "TextTooLongError",
    "ThresholdsOutOfOrderError",
    "TlsError",
    "UnknownDecisionError",
    "UnknownPatternError",
    "UnknownSettingError",
    "__version__",
    "load",
    "plot",
    "replay",
    "sweep",
]
