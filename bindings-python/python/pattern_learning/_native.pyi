"""Type stubs of the compiled module ``pattern_learning._native``.

Kept in sync with ``bindings-python/src/*.rs``; ``tests/test_package.py`` checks
that every native name and method appears here, and a Rust test of the binding
(``src/error.rs``) that every exception class of the core's error table does.
"""

import datetime
import os
from typing import Any, Callable, Dict, List, Literal, Mapping, Optional, Sequence, Tuple, TypeVar, Union, final

_E = TypeVar("_E", bound="Engine")

Action = Literal["auto_execute", "suggest", "queue", "escalate", "shadow"]
FeedbackActionName = Literal["approve", "modify", "reject", "answer"]
BulkActionName = Literal["activate", "deactivate", "delete", "restore", "revoke_auto"]
Vector = Sequence[float]

__version__: str

def version() -> str:
    """The version of the native module."""

# ---------------------------------------------------------------- exceptions

class PatternLearningError(Exception):
    """Base class of every error raised by pattern_learning."""
    code: str
    """The kind's stable code (``docs/errors.md``), e.g. ``"UNKNOWN_PATTERN"``."""

class InvalidConfigError(PatternLearningError, ValueError):
    """A configuration value is out of range, of the wrong kind or not finite."""
    key: str
    value: str
    reason: str

class ThresholdsOutOfOrderError(InvalidConfigError):
    """Thresholds must satisfy 0 <= queue <= suggest <= auto <= 1."""
    auto: float
    suggest: float
    queue: float

class UnknownSettingError(InvalidConfigError):
    """A setting name this version does not know."""
    known: List[str]

class InvalidRuleError(InvalidConfigError):
    """A safety rule (regular expression) does not compile."""
    pattern: str

class UnknownPatternError(PatternLearningError, LookupError):
    """No pattern has this id (or it is deleted and the call needs a live one)."""
    pattern_id: int

class UnknownDecisionError(PatternLearningError, LookupError):
    """Feedback names a decision no engine sharing the store has recorded; nothing was applied."""
    decision_id: str

class InvalidPatternError(PatternLearningError, ValueError):
    """A pattern needs at least one trigger example with words and a non-empty reply."""

class TextTooLongError(PatternLearningError, ValueError):
    """A message or reply is longer than the configured max_message_bytes."""
    length: int
    max: int

class InvalidFeedbackError(PatternLearningError, ValueError):
    """A feedback event is not usable as given."""

class InvalidCustomerError(PatternLearningError, ValueError):
    """An erasure names no customer: give a conversation id or a phone number with a digit."""

class InvalidEmbeddingError(PatternLearningError, ValueError):
    """A caller-supplied embedding has the wrong dimension or non-finite values."""

class ParseError(PatternLearningError, ValueError):
    """A document could not be parsed, or replay data lacks a split."""
    what: str
    reason: str

class EngineClosedError(PatternLearningError, RuntimeError):
    """The engine was closed."""

class StoreError(PatternLearningError, OSError):
    """Reading or writing the store file failed; nothing of the failed call was applied."""
    operation: str
    reason: str

class StoreLockedError(StoreError):
    """Another engine (in this or another process) holds the store file."""
    path: str

class CorruptStoreError(StoreError):
    """The file is not a pattern-learning store, or it is damaged (it was not changed)."""
    path: str
    reason: str

class SchemaTooNewError(StoreError):
    """The store file was written by a newer version of pattern-learning."""
    found: int
    supported: int

class StoreConflictError(StoreError):
    """Other engines sharing the store kept changing the same pattern; the retries ran out and nothing was applied."""
    reason: str

class TlsError(StoreError):
    """TLS to the PostgreSQL server failed as the connection string's sslmode asks; nothing was read or written."""
    location: str
    reason: str

class InvalidModelError(PatternLearningError, OSError):
    """The minilm_dir model directory is missing, incomplete or holds another model."""
    path: str
    reason: str

class FeatureNotEnabledError(PatternLearningError, NotImplementedError):
    """The option needs a cargo feature this build lacks (minilm_dir needs `minilm`)."""
    feature: str

class InvalidImportError(PatternLearningError, ValueError):
    """Rows of an import could not be read; nothing was imported."""
    rows: List[Tuple[int, str]]

# ---------------------------------------------------------------- results

@final
class Decision:
    """What the engine decided for one message, and why (read-only)."""
    @property
    def id(self) -> str: ...
    @property
    def action(self) -> Action: ...
    @property
    def reason(self) -> str: ...
    @property
    def would_action(self) -> Optional[Action]: ...
    @property
    def response(self) -> Optional[str]: ...
    @property
    def confidence(self) -> float: ...
    @property
    def pattern_id(self) -> Optional[int]: ...
    @property
    def outbound(self) -> Optional[Dict[str, str]]: ...
    @property
    def sends(self) -> bool: ...
    @property
    def evidence(self) -> Dict[str, Any]: ...
    @property
    def topic(self) -> str: ...
    @property
    def safety(self) -> Dict[str, Any]: ...
    @property
    def actions(self) -> Optional[Any]: ...
    @property
    def message_id(self) -> Optional[str]: ...
    def to_dict(self) -> Dict[str, Any]:
        """The whole decision as a plain dict (JSON-compatible)."""

@final
class FeedbackOutcome:
    """What one feedback event changed (read-only)."""
    @property
    def action(self) -> FeedbackActionName: ...
    @property
    def judged_pattern(self) -> Optional[int]: ...
    @property
    def learned_pattern(self) -> Optional[int]: ...
    @property
    def created(self) -> bool: ...
    @property
    def confidence_change(self) -> Optional[Tuple[float, float]]: ...
    @property
    def promoted(self) -> bool: ...
    @property
    def duplicate(self) -> bool: ...
    def to_dict(self) -> Dict[str, Any]:
        """The outcome as a plain dict."""

@final
class Pattern:
    """A learned or authored reply with its triggers, trust and counters (read-only)."""
    @property
    def id(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def signature(self) -> str: ...
    @property
    def trigger_examples(self) -> List[str]: ...
    @property
    def trigger_keywords(self) -> List[str]: ...
    @property
    def response_template(self) -> str: ...
    @property
    def action_template(self) -> Optional[Any]: ...
    @property
    def confidence(self) -> float: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def auto_executable(self) -> bool: ...
    @property
    def is_deleted(self) -> bool: ...
    @property
    def execution_count(self) -> int: ...
    @property
    def success_count(self) -> int: ...
    @property
    def failure_count(self) -> int: ...
    @property
    def override_count(self) -> int: ...
    @property
    def provenance(self) -> Literal["learned", "manual", "imported"]: ...
    @property
    def created_at(self) -> Any: ...
    @property
    def last_used(self) -> Optional[Any]: ...
    @property
    def last_modified(self) -> Any: ...
    def to_dict(self) -> Dict[str, Any]:
        """The pattern as a plain dict (timestamps in ms since the epoch)."""

# ---------------------------------------------------------------- engine

class Engine:
    """Learns replies from operators and decides, per message, what to do."""
    def __init__(
        self,
        *,
        profile: Literal["seed", "v1"] = "seed",
        config: Optional[Mapping[str, Any]] = None,
        minilm_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
    ) -> None: ...
    @classmethod
    def open(
        cls: type[_E],
        path: Union[str, "os.PathLike[str]"],
        *,
        profile: Optional[Literal["seed", "v1"]] = None,
        config: Optional[Mapping[str, Any]] = None,
        minilm_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
    ) -> _E:
        """A durable engine on the SQLite store at path (created when missing)."""
    @property
    def durable(self) -> bool: ...
    def undo(self, seq: int) -> Pattern:
        """Undoes history event seq (the latest change of its pattern)."""
    def bulk(
        self,
        action: BulkActionName,
        selection: Optional[Mapping[str, Any]] = None,
        dry_run: bool = False,
        *,
        ids: Optional[Sequence[int]] = None,
        max_confidence: Optional[float] = None,
        unused_since: Union[datetime.datetime, int, None] = None,
        topic: Optional[str] = None,
        provenance: Optional[Literal["learned", "manual", "imported"]] = None,
    ) -> List[Dict[str, Any]]:
        """Applies action to the selected patterns (or, with dry_run, reports what it would change)."""
    def process(
        self,
        text: str,
        *,
        conversation_id: Optional[str] = None,
        phone: Optional[str] = None,
        customer_name: Optional[str] = None,
        message_id: Optional[str] = None,
        embedding: Optional[Vector] = None,
        variables: Optional[Mapping[str, Any]] = None,
    ) -> Decision:
        """Decides what to do with one inbound customer message."""
    def process_batch(self, texts: Sequence[str]) -> List[Decision]:
        """Decides for many messages in parallel; results keep the input order."""
    def feedback(
        self,
        text: str,
        action: FeedbackActionName,
        response: Optional[str] = None,
        decision: Union[Decision, str, int, None] = None,
        *,
        pattern_id: Optional[int] = None,
        feedback_id: Optional[str] = None,
        operator: Optional[str] = None,
        embedding: Optional[Vector] = None,
    ) -> FeedbackOutcome:
        """Records what the operator did with a message."""
    def record_operator_message(self, conversation_id: str, last_customer_message: Optional[str] = None) -> None:
        """Tells the engine an operator wrote in a conversation (takeover)."""
    def erase_customer(
        self, *, phone: Optional[str] = None, conversation_id: Optional[str] = None
    ) -> Dict[str, int]:
        """Erases what the engine and its store keep of one customer; returns the counts of what was erased."""
    def apply_retention(self) -> Optional[Dict[str, int]]:
        """Applies the configured retention period; the counts of what was dropped, or None when no period is set."""
    def create_pattern(
        self,
        trigger_examples: Sequence[str],
        response: str,
        *,
        keywords: Optional[Sequence[str]] = None,
        action_template: Optional[Any] = None,
        topic: Optional[str] = None,
        confidence: Optional[float] = None,
        active: bool = True,
        auto_executable: bool = False,
        embeddings: Optional[Sequence[Vector]] = None,
    ) -> Pattern:
        """Creates a pattern from customer phrasings and a reply template."""
    def update_pattern(
        self,
        pattern_id: int,
        *,
        response: Optional[str] = None,
        trigger_examples: Optional[Sequence[str]] = None,
        keywords: Optional[Sequence[str]] = None,
        action_template: Optional[Any] = None,
        clear_action_template: bool = False,
        topic: Optional[str] = None,
        confidence: Optional[float] = None,
    ) -> Pattern:
        """Changes a pattern's content; None arguments stay as they are."""
    def set_active(self, pattern_id: int, active: bool) -> Pattern:
        """Activates or deactivates a pattern."""
    def set_auto_executable(self, pattern_id: int, auto: bool) -> Pattern:
        """Approves (or withdraws approval of) a pattern for automatic sending."""
    def delete_pattern(self, pattern_id: int) -> Pattern:
        """Soft-deletes a pattern (restorable)."""
    def restore_pattern(self, pattern_id: int) -> Pattern:
        """Restores a soft-deleted pattern."""
    def pattern(self, pattern_id: int) -> Optional[Pattern]:
        """One pattern (deleted ones included), or None."""
    def pattern_list(self, *, include_deleted: bool = False, include_inactive: bool = True) -> List[Pattern]:
        """Patterns in id order, as Pattern objects."""
    def pattern_records(self, *, include_deleted: bool = False, include_inactive: bool = True) -> List[Dict[str, Any]]:
        """Patterns as plain dicts (the rows of patterns())."""
    def history_records(self, pattern_id: Optional[int] = None) -> List[Dict[str, Any]]:
        """The change history as plain dicts (the rows of history())."""
    def pattern_count(self) -> int:
        """Number of patterns, deleted ones included."""
    @property
    def config(self) -> Dict[str, Any]: ...
    def update_config(self, overrides: Mapping[str, Any]) -> Dict[str, Any]:
        """Applies setting overrides to the configuration in force (all or nothing)."""
    @property
    def safety_thresholds(self) -> Dict[str, Any]: ...
    def update_safety_thresholds(self, patch: Mapping[str, Any]) -> Dict[str, Any]:
        """Applies a partial update of the safety thresholds (all or nothing)."""
    @property
    def safety_settings(self) -> Dict[str, Any]: ...
    def update_safety_settings(self, patch: Mapping[str, Any]) -> Dict[str, Any]:
        """Applies a partial update of the safety settings (all or nothing)."""
    def check_message_safety(self, text: str) -> Dict[str, Any]:
        """Checks a message against the safety rules alone."""
    def metrics(self) -> Dict[str, Any]:
        """Everything counted since the engine was built (decisions by action and
        reason, confidence histograms, automatic sends per hour, feedback, judged
        suggestion precision, guard triggers, latencies, patterns by state)."""
    def prometheus(self) -> str:
        """metrics() in the Prometheus text exposition format."""
    def explain_config(self) -> str:
        """The configuration in force, one ``key  value  source`` line per setting."""
    def subscribe(
        self, callback: Callable[[Dict[str, Any]], Any], capacity: int = 1024
    ) -> "Subscription":
        """Calls ``callback(event)`` for every decision, feedback and alert, on a
        thread of its own; never blocks ``process``."""
    def memory_bytes(self) -> int:
        """Approximate heap bytes of patterns and indexes."""
    def refresh(self) -> bool:
        """Takes in what other engines sharing the store wrote since this one last looked."""
    def close(self) -> None:
        """Releases the engine; later calls raise EngineClosedError."""
    @property
    def closed(self) -> bool: ...
    def __enter__(self: _E) -> _E: ...
    def __exit__(self, *args: Any) -> Literal[False]:
        """Closes the engine; never swallows the exception."""
    def _time_process(
        self,
        text: str,
        n: int,
        *,
        conversation_id: Optional[str] = None,
        phone: Optional[str] = None,
        customer_name: Optional[str] = None,
        message_id: Optional[str] = None,
        embedding: Optional[Vector] = None,
        variables: Optional[Mapping[str, Any]] = None,
    ) -> float:
        """Mean seconds per core process call, measured inside Rust."""

@final
class Subscription:
    """A callback subscription (``Engine.subscribe``)."""

    def unsubscribe(self) -> None:
        """Stops deliveries (events already queued are still delivered)."""
    def flush(self) -> None:
        """Waits until every event queued so far was handled."""
    @property
    def delivered(self) -> int: ...
    @property
    def dropped(self) -> int: ...
    @property
    def failed(self) -> int: ...

# ---------------------------------------------------------------- replay

@final
class Dataset:
    """Labelled messages for the replay protocol."""
    @staticmethod
    def from_jsonl(path: Union[str, "os.PathLike[str]"], *more: Union[str, "os.PathLike[str]"]) -> "Dataset":
        """Reads JSON Lines with text, intent, split and an optional id; several
        files are read in order as one data set."""
    @staticmethod
    def from_columns(
        text: Sequence[str], intent: Sequence[str], split: Sequence[str], id: Optional[Sequence[Any]] = None
    ) -> "Dataset":
        """Builds a dataset from equally long columns."""
    def __len__(self) -> int: ...
    def splits(self) -> Dict[str, int]:
        """Message count per split."""
    def columns(self) -> Dict[str, List[str]]:
        """The messages as columns id, text, intent, split."""

@final
class ReplayReport:
    """Everything one replay produced (native part)."""
    @property
    def metrics(self) -> Dict[str, Any]: ...
    def metrics_json(self) -> str:
        """The metrics as the JSON line examples/replay --json prints."""
    def message_columns(self) -> Dict[str, List[Any]]:
        """Per evaluated message, as columns."""
    def curve_columns(self) -> Dict[str, List[Any]]:
        """The learning curve, as columns."""

def replay(
    dataset: Dataset,
    *,
    warmup: Optional[Union[str, Sequence[str]]] = None,
    eval: Optional[Union[str, Sequence[str]]] = None,
    seed: int = 1,
    profile: str = "seed",
    config: Optional[Mapping[str, Any]] = None,
    window: int = 250,
    seconds_per_message: int = 60,
    restart: bool = False,
    unknown_intents: Optional[float] = None,
    unknown_seed: int = 1,
) -> ReplayReport:
    """Runs the replay protocol through the core."""

def sweep(
    dataset: Dataset,
    *,
    auto_thresholds: Optional[Sequence[float]] = None,
    target_precisions: Optional[Sequence[Optional[float]]] = None,
    warmup: Optional[Union[str, Sequence[str]]] = None,
    eval: Optional[Union[str, Sequence[str]]] = None,
    seed: int = 1,
    profile: str = "seed",
    config: Optional[Mapping[str, Any]] = None,
    window: int = 250,
    seconds_per_message: int = 60,
    threads: Optional[int] = None,
    unknown_intents: Optional[float] = None,
    unknown_seed: int = 1,
) -> List[Dict[str, Any]]:
    """Replays once per grid point, in parallel; one flat dict per point."""
