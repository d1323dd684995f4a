//! `Engine`: the core engine behind a Python class. Every method converts its
//! arguments, releases the GIL while the core works, and converts the result.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::RwLock;
use pattern_learning::config::Config;
use pattern_learning::embed::load_minilm;
use pattern_learning::feedback::FeedbackAction;
use pattern_learning::privacy::Customer;
use pattern_learning::{
    BulkAction, Engine, Feedback, MessageContext, NewPattern, PatternFilter, PatternId,
    PatternUpdate, Selection,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyType};

use crate::config::{config_from_py, overrides_from_py};
use crate::convert::{
    embedding, message_text, opt_strict_text, py_to_value, strict_text, text_list, to_py, type_name,
};
use crate::decision::{PyDecision, PyFeedbackOutcome};
use crate::error::{core_err, engine_closed};
use crate::observe::{subscribe, PySubscription};
use crate::pattern::{bulk_records, history_records, pattern_records, PyPattern};

/// Learns replies from operators and decides, per message, whether to auto-send,
/// suggest, queue or hand off. In memory (``Engine()``) or durable
/// (``Engine.open(path)``); safe to share between threads.
///
/// Use it as a context manager to release it (and its store file) deterministically:
///
/// ```python
/// with Engine(profile="seed", config={"thresholds.auto": 0.9}) as engine:
///     decision = engine.process("do you sell gift cards?")
/// ```
#[pyclass(frozen, subclass, module = "pattern_learning._native", name = "Engine")]
pub struct PyEngine {
    /// The engine; `None` once closed. Each call holds a clone of the `Arc` while
    /// it runs.
    inner: RwLock<Option<Arc<Engine>>>,
    durable: AtomicBool,
}

impl PyEngine {
    fn engine(&self) -> PyResult<Arc<Engine>> {
        self.inner.read().clone().ok_or_else(engine_closed)
    }
}

/// Waits until no other call holds `engine`, then drops it: a durable engine closes
/// its store file (and releases its lock) before `close()` returns. Runs without the
/// GIL, so the calls it waits for can finish.
fn release(mut engine: Arc<Engine>) {
    loop {
        match Arc::try_unwrap(engine) {
            Ok(last) => {
                drop(last);
                return;
            }
            Err(shared) => {
                engine = shared;
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
}

fn bulk_action(obj: &Bound<'_, PyAny>) -> PyResult<BulkAction> {
    const NAMES: &str = "'activate', 'deactivate', 'delete', 'restore' or 'revoke_auto'";
    let s = obj.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!(
            "action must be str ({NAMES}), got {}",
            type_name(obj)
        ))
    })?;
    match &*s.to_cow()? {
        "activate" => Ok(BulkAction::Activate),
        "deactivate" => Ok(BulkAction::Deactivate),
        "delete" => Ok(BulkAction::Delete),
        "restore" => Ok(BulkAction::Restore),
        "revoke_auto" => Ok(BulkAction::RevokeAuto),
        other => Err(PyValueError::new_err(format!(
            "action must be {NAMES}, got {other:?}"
        ))),
    }
}

fn opt_text(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<String>> {
    opt_strict_text(obj, what)
}

fn feedback_action(obj: &Bound<'_, PyAny>) -> PyResult<FeedbackAction> {
    let s = obj.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!(
            "action must be str ('approve', 'modify', 'reject' or 'answer'), got {}",
            type_name(obj)
        ))
    })?;
    match &*s.to_cow()? {
        "approve" => Ok(FeedbackAction::Approve),
        "modify" => Ok(FeedbackAction::Modify),
        "reject" => Ok(FeedbackAction::Reject),
        "answer" => Ok(FeedbackAction::Answer),
        other => Err(PyValueError::new_err(format!(
            "action must be 'approve', 'modify', 'reject' or 'answer', got {other:?}"
        ))),
    }
}

fn flag(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<bool> {
    obj.cast::<pyo3::types::PyBool>()
        .map(|b| b.is_true())
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "{what} must be True or False, got {}",
                type_name(obj)
            ))
        })
}

/// An optional directory argument: `str` or `os.PathLike` (`None` when absent).
fn dir_arg(name: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<PathBuf>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => o.extract::<PathBuf>().map(Some).map_err(|_| {
            PyTypeError::new_err(format!(
                "{name} must be str or os.PathLike, got {}",
                type_name(o)
            ))
        }),
    }
}

fn confidence_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<f64>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => {
            if o.is_instance_of::<pyo3::types::PyBool>() || o.is_instance_of::<PyString>() {
                return Err(PyTypeError::new_err(format!(
                    "confidence must be a float, got {}",
                    type_name(o)
                )));
            }
            o.extract::<f64>().map(Some).map_err(|_| {
                PyTypeError::new_err(format!("confidence must be a float, got {}", type_name(o)))
            })
        }
    }
}

#[pymethods]
impl PyEngine {
    /// Engine(*, profile="seed", config=None, minilm_dir=None)
    ///
    /// A new in-memory engine. ``profile`` is ``"seed"`` (recommended defaults)
    /// or ``"v1"``; ``config`` overrides settings, nested
    /// (``{"thresholds": {"auto": 0.9}}``) or dotted (``{"thresholds.auto": 0.9}``).
    /// ``minilm_dir`` embeds with all-MiniLM-L6-v2 from that model directory instead
    /// of the built-in table (needs a build with the cargo feature ``minilm``).
    /// Raises ``InvalidConfigError`` (a ``ValueError``) for invalid settings,
    /// ``InvalidModelError`` (an ``OSError``) for a bad model directory,
    /// ``FeatureNotEnabledError`` when the build lacks MiniLM support.
    #[new]
    #[pyo3(signature = (*, profile = "seed", config = None, minilm_dir = None))]
    fn new(
        py: Python<'_>,
        profile: &str,
        config: Option<&Bound<'_, PyAny>>,
        minilm_dir: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let config = config_from_py(profile, config)?;
        let minilm_dir = dir_arg("minilm_dir", minilm_dir)?;
        let engine = py
            .detach(|| {
                let mut builder = Engine::builder().config(config);
                if let Some(dir) = minilm_dir {
                    builder = builder.embedder(load_minilm(dir)?);
                }
                builder.build()
            })
            .map_err(core_err)?;
        Ok(PyEngine {
            inner: RwLock::new(Some(Arc::new(engine))),
            durable: AtomicBool::new(false),
        })
    }

    /// Engine.open(path, *, profile=None, config=None, minilm_dir=None) -> Engine
    ///
    /// A durable engine on the single-file (SQLite) store at ``path``, created
    /// when missing, or, when ``path`` is a ``postgres://`` or ``postgresql://``
    /// URL, on the PostgreSQL store in that database, shared with every engine
    /// that opens it, in any process: patterns, their history, recent decisions and settings are
    /// written before any call returns, and are there when the file is opened
    /// again. The GIL is released while the file is opened and loaded.
    ///
    /// Without ``profile`` and ``config`` the stored configuration is used as it
    /// is. With either, the configuration is built as by ``Engine(profile=...,
    /// config=...)`` (``profile`` defaults to ``"seed"``) and replaces the stored
    /// one; use ``update_config`` to change a stored configuration partially.
    ///
    /// One engine per file: ``close()`` it (or leave its ``with`` block) to release
    /// the file. Raises ``StoreLockedError`` (another engine holds the file),
    /// ``CorruptStoreError`` (not a store, or damaged; the file is not changed),
    /// ``SchemaTooNewError``, ``StoreError`` (I/O), all ``OSError``\ s, or
    /// ``InvalidConfigError``; ``minilm_dir`` as for ``Engine(...)`` (the embedder is
    /// not stored: give it at every open).
    #[classmethod]
    #[pyo3(signature = (path, *, profile = None, config = None, minilm_dir = None))]
    fn open<'py>(
        cls: &Bound<'py, PyType>,
        path: &Bound<'py, PyAny>,
        profile: Option<&str>,
        config: Option<&Bound<'py, PyAny>>,
        minilm_dir: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = cls.py();
        let path: PathBuf = path.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "path must be str or os.PathLike, got {}",
                type_name(path)
            ))
        })?;
        if path.as_os_str().is_empty() {
            return Err(PyValueError::new_err("path must not be empty"));
        }
        let config = match (profile, config.filter(|c| !c.is_none())) {
            (None, None) => None,
            (profile, overrides) => Some(config_from_py(profile.unwrap_or("seed"), overrides)?),
        };
        let minilm_dir = dir_arg("minilm_dir", minilm_dir)?;
        let engine = py
            .detach(|| {
                // The model first: a bad directory leaves the store file untouched.
                let embedder = minilm_dir.map(load_minilm).transpose()?;
                let mut builder = match path.to_str() {
                    Some(location) => Engine::builder().open_location(location)?,
                    None => Engine::builder().open(&path)?,
                };
                if let Some(config) = config {
                    builder = builder.config(config);
                }
                if let Some(embedder) = embedder {
                    builder = builder.embedder(embedder);
                }
                builder.build()
            })
            .map_err(core_err)?;
        // An instance of `cls` (a subclass, usually), then the durable engine in it.
        let obj = cls.call0()?;
        let slot = obj.cast::<PyEngine>()?.get();
        let replaced = slot.inner.write().replace(Arc::new(engine));
        slot.durable.store(true, Ordering::Relaxed);
        drop(replaced);
        Ok(obj)
    }

    /// True for an engine opened on a store file (``Engine.open``); still readable
    /// after ``close()``.
    #[getter]
    fn durable(&self) -> bool {
        self.durable.load(Ordering::Relaxed)
    }

    /// undo(seq) -> Pattern
    ///
    /// Undoes the change recorded as history event ``seq`` (the ``seq`` column of
    /// ``history()``), which must be the latest change of its pattern: the pattern
    /// returns to its state before it, and the undo is recorded as an ``undone``
    /// event. Undoing a creation soft-deletes the pattern. Raises
    /// ``InvalidPatternError`` for an unknown or not-latest change.
    fn undo(&self, py: Python<'_>, seq: &Bound<'_, PyAny>) -> PyResult<PyPattern> {
        let engine = self.engine()?;
        let seq = crate::pattern::pattern_id(seq, "seq")?.0;
        let p = py.detach(|| engine.undo(seq)).map_err(core_err)?;
        Ok(PyPattern { inner: p })
    }

    /// bulk(action, selection=None, dry_run=False, **selection_fields) -> list[dict]
    ///
    /// Applies ``action`` (``"activate"``, ``"deactivate"``, ``"delete"``,
    /// ``"restore"`` or ``"revoke_auto"``) to every pattern the selection picks,
    /// as one transaction; with ``dry_run=True`` reports exactly what it would
    /// change and changes nothing (the same code path computes both).
    ///
    /// The selection is a dict and/or keyword arguments, every given condition
    /// must hold (none: every pattern): ``ids`` (list of int),
    /// ``max_confidence`` (float), ``unused_since`` (``datetime``, or int ms since
    /// the epoch; never used counts as unused), ``topic`` (str), ``provenance``
    /// (``"learned"``, ``"manual"`` or ``"imported"``).
    ///
    /// Returns one flat dict per pattern whose state changes (patterns already in
    /// the target state are left out), ready for ``pandas.DataFrame``:
    /// ``pattern_id``, then ``before_<field>`` and ``after_<field>`` for
    /// confidence, is_active, auto_executable, is_deleted, the counters, examples,
    /// last_used and last_modified (ms since the epoch).
    #[pyo3(signature = (action, selection = None, dry_run = false, **selection_fields))]
    fn bulk<'py>(
        &self,
        py: Python<'py>,
        action: &Bound<'py, PyAny>,
        selection: Option<&Bound<'py, PyAny>>,
        dry_run: bool,
        selection_fields: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let engine = self.engine()?;
        let action = bulk_action(action)?;
        let selection: Selection = crate::pattern::selection(selection, selection_fields)?;
        let report = py
            .detach(|| engine.bulk(action, &selection, dry_run))
            .map_err(core_err)?;
        bulk_records(py, &report)
    }

    /// process(text, *, conversation_id=None, phone=None, customer_name=None,
    /// message_id=None, embedding=None, variables=None) -> Decision
    ///
    /// Decides what to do with one inbound customer message. Every ``str`` gets a
    /// decision (empty, oversized or unsafe messages are escalated; lone
    /// surrogates are replaced with U+FFFD). Raises ``InvalidEmbeddingError`` for
    /// an embedding of the wrong dimension or with non-finite values.
    #[pyo3(signature = (text, *, conversation_id = None, phone = None, customer_name = None, message_id = None, embedding = None, variables = None))]
    #[allow(clippy::too_many_arguments)]
    fn process(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        conversation_id: Option<&Bound<'_, PyAny>>,
        phone: Option<&Bound<'_, PyAny>>,
        customer_name: Option<&Bound<'_, PyAny>>,
        message_id: Option<&Bound<'_, PyAny>>,
        embedding: Option<&Bound<'_, PyAny>>,
        variables: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyDecision> {
        let engine = self.engine()?;
        let text = message_text(text, "text")?;
        let ctx = context(
            conversation_id,
            phone,
            customer_name,
            message_id,
            embedding,
            variables,
        )?;
        let decision = py
            .detach(|| engine.process(&text, &ctx))
            .map_err(core_err)?;
        Ok(PyDecision { inner: decision })
    }

    /// process_batch(texts) -> list[Decision]
    ///
    /// Decides for many messages in parallel (no context); results keep the input
    /// order. Faster than a Python loop for large batches.
    fn process_batch(&self, py: Python<'_>, texts: &Bound<'_, PyAny>) -> PyResult<Vec<PyDecision>> {
        let engine = self.engine()?;
        if texts.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "texts must be a list of str, not a single str (use process())",
            ));
        }
        let mut messages = Vec::new();
        for (i, item) in texts
            .try_iter()
            .map_err(|_| {
                PyTypeError::new_err(format!(
                    "texts must be a list of str, got {}",
                    type_name(texts)
                ))
            })?
            .enumerate()
        {
            messages.push((
                message_text(&item?, &format!("texts[{i}]"))?,
                MessageContext::new(),
            ));
        }
        let results = py.detach(|| engine.process_batch(&messages));
        results
            .into_iter()
            .map(|r| r.map(|inner| PyDecision { inner }).map_err(core_err))
            .collect()
    }

    /// feedback(text, action, response=None, decision=None, *, pattern_id=None,
    /// feedback_id=None, operator=None, embedding=None) -> FeedbackOutcome
    ///
    /// Records what the operator did with a message: ``"approve"`` the proposed
    /// reply, ``"modify"`` it (``response`` = what was sent), ``"reject"`` it
    /// (``response`` = the reply sent instead, if any) or ``"answer"`` by hand
    /// (``response`` = the reply). ``decision`` (a ``Decision`` or its id) or
    /// ``pattern_id`` names the pattern judged. A repeated ``feedback_id`` is
    /// ignored (``outcome.duplicate``). Raises ``InvalidFeedbackError``,
    /// ``UnknownPatternError`` or ``TextTooLongError``.
    #[pyo3(signature = (text, action, response = None, decision = None, *, pattern_id = None, feedback_id = None, operator = None, embedding = None))]
    #[allow(clippy::too_many_arguments)]
    fn feedback(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        response: Option<&Bound<'_, PyAny>>,
        decision: Option<&Bound<'_, PyAny>>,
        pattern_id: Option<&Bound<'_, PyAny>>,
        feedback_id: Option<&Bound<'_, PyAny>>,
        operator: Option<&Bound<'_, PyAny>>,
        embedding: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyFeedbackOutcome> {
        let engine = self.engine()?;
        let mut fb = Feedback {
            query: message_text(text, "text")?,
            action: Some(feedback_action(action)?),
            sent_reply: opt_text(response, "response")?,
            id: opt_text(feedback_id, "feedback_id")?,
            ..Feedback::default()
        };
        fb.context.user_id = opt_text(operator, "operator")?;
        if let Some(d) = decision.filter(|d| !d.is_none()) {
            if let Ok(d) = d.cast::<PyDecision>() {
                let d = d.get();
                fb.decision_id = Some(d.inner.id);
                fb.pattern_id = d.inner.pattern_id;
                fb.response = d.inner.response.clone();
                fb.confidence = Some(d.inner.confidence);
            } else {
                fb.decision_id = Some(decision_id(d)?);
            }
        }
        if let Some(p) = pattern_id.filter(|p| !p.is_none()) {
            fb.pattern_id = Some(crate::pattern::pattern_id(p, "pattern_id")?);
        }
        let vector = embedding
            .filter(|e| !e.is_none())
            .map(|e| crate::convert::embedding(e, "embedding"))
            .transpose()?;
        let outcome = py
            .detach(|| engine.feedback_with_vector(&fb, vector))
            .map_err(core_err)?;
        Ok(PyFeedbackOutcome { inner: outcome })
    }

    /// record_operator_message(conversation_id, last_customer_message=None)
    ///
    /// Tells the engine an operator wrote in a conversation (takeover): automatic
    /// replies stop there for the configured lockout. With a store the lockout is
    /// written before the call returns (a store error raises ``StoreError``).
    #[pyo3(signature = (conversation_id, last_customer_message = None))]
    fn record_operator_message(
        &self,
        py: Python<'_>,
        conversation_id: &Bound<'_, PyAny>,
        last_customer_message: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let engine = self.engine()?;
        let conv = strict_text(conversation_id, "conversation_id")?;
        let last = match last_customer_message.filter(|m| !m.is_none()) {
            Some(m) => Some(message_text(m, "last_customer_message")?),
            None => None,
        };
        py.detach(|| engine.record_operator_message(&conv, last.as_deref()))
            .map_err(core_err)
    }

    /// erase_customer(*, phone=None, conversation_id=None) -> dict
    ///
    /// Erases what the engine and its store keep of one customer, named by phone
    /// number, conversation id or both: their decisions keep what counts and lose
    /// message, ids, reply and evidence texts; the examples and rejections learned
    /// from their messages leave the patterns; their conversation states go; an entry
    /// without any of it goes to the erasure log. Returns how many of each were erased
    /// (``decisions``, ``examples``, ``rejections``, ``events``, ``conversations``,
    /// ``sends``, ``nearest_examples``). Raises ``InvalidCustomerError`` when neither
    /// names a customer.
    #[pyo3(signature = (*, phone = None, conversation_id = None))]
    fn erase_customer<'py>(
        &self,
        py: Python<'py>,
        phone: Option<&Bound<'py, PyAny>>,
        conversation_id: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.engine()?;
        let customer = Customer {
            phone: opt_text(phone, "phone")?,
            conversation_id: opt_text(conversation_id, "conversation_id")?,
        };
        let counts = py
            .detach(|| engine.erase_customer(&customer))
            .map_err(core_err)?;
        to_py(py, &counts)
    }

    /// apply_retention() -> Optional[dict]
    ///
    /// Applies the configuration's retention period (``retention.decision_days``):
    /// older decisions keep what counts and lose message, ids, reply and evidence
    /// texts; conversation states not seen for as long are deleted. Returns the
    /// counts as ``erase_customer`` does, or ``None`` when no period is set.
    fn apply_retention<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.engine()?;
        let counts = py.detach(|| engine.apply_retention()).map_err(core_err)?;
        to_py(py, &counts)
    }

    /// create_pattern(trigger_examples, response, *, keywords=None,
    /// action_template=None, topic=None, confidence=None, active=True,
    /// auto_executable=False, embeddings=None) -> Pattern
    ///
    /// Creates a pattern from customer phrasings and a reply template (which may
    /// contain ``{{variables}}``). Keywords are derived from the examples when not
    /// given. Raises ``InvalidPatternError``, ``TextTooLongError`` or
    /// ``InvalidEmbeddingError``.
    #[pyo3(signature = (trigger_examples, response, *, keywords = None, action_template = None, topic = None, confidence = None, active = true, auto_executable = false, embeddings = None))]
    #[allow(clippy::too_many_arguments)]
    fn create_pattern(
        &self,
        py: Python<'_>,
        trigger_examples: &Bound<'_, PyAny>,
        response: &Bound<'_, PyAny>,
        keywords: Option<&Bound<'_, PyAny>>,
        action_template: Option<&Bound<'_, PyAny>>,
        topic: Option<&Bound<'_, PyAny>>,
        confidence: Option<&Bound<'_, PyAny>>,
        active: bool,
        auto_executable: bool,
        embeddings: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyPattern> {
        let engine = self.engine()?;
        let mut new = NewPattern::new(
            text_list(trigger_examples, "trigger_examples")?,
            strict_text(response, "response")?,
        );
        if let Some(k) = keywords.filter(|k| !k.is_none()) {
            new.trigger_keywords = text_list(k, "keywords")?;
        }
        if let Some(a) = action_template.filter(|a| !a.is_none()) {
            new.action_template = Some(py_to_value(a, "action_template")?);
        }
        new.topic = opt_text(topic, "topic")?;
        new.confidence = confidence_arg(confidence)?;
        new.is_active = active;
        new.auto_executable = auto_executable;
        if let Some(e) = embeddings.filter(|e| !e.is_none()) {
            if e.is_instance_of::<PyString>() {
                return Err(PyTypeError::new_err("embeddings must be a list of vectors"));
            }
            let mut vectors = Vec::new();
            for (i, v) in e.try_iter()?.enumerate() {
                vectors.push(embedding(&v?, &format!("embeddings[{i}]"))?);
            }
            new.embeddings = vectors;
        }
        let pattern = py.detach(|| engine.create_pattern(new)).map_err(core_err)?;
        Ok(PyPattern { inner: pattern })
    }

    /// update_pattern(pattern_id, *, response=None, trigger_examples=None,
    /// keywords=None, action_template=None, clear_action_template=False,
    /// topic=None, confidence=None) -> Pattern
    ///
    /// Changes a pattern's content; arguments left as ``None`` stay as they are.
    /// Raises ``UnknownPatternError`` (also for deleted patterns) or
    /// ``InvalidPatternError``.
    #[pyo3(signature = (pattern_id, *, response = None, trigger_examples = None, keywords = None, action_template = None, clear_action_template = false, topic = None, confidence = None))]
    #[allow(clippy::too_many_arguments)]
    fn update_pattern(
        &self,
        py: Python<'_>,
        pattern_id: &Bound<'_, PyAny>,
        response: Option<&Bound<'_, PyAny>>,
        trigger_examples: Option<&Bound<'_, PyAny>>,
        keywords: Option<&Bound<'_, PyAny>>,
        action_template: Option<&Bound<'_, PyAny>>,
        clear_action_template: bool,
        topic: Option<&Bound<'_, PyAny>>,
        confidence: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyPattern> {
        let engine = self.engine()?;
        let id = crate::pattern::pattern_id(pattern_id, "pattern_id")?;
        let mut update = PatternUpdate {
            response_template: opt_text(response, "response")?,
            topic: opt_text(topic, "topic")?,
            confidence: confidence_arg(confidence)?,
            ..PatternUpdate::default()
        };
        if let Some(t) = trigger_examples.filter(|t| !t.is_none()) {
            update.trigger_examples = Some(text_list(t, "trigger_examples")?);
        }
        if let Some(k) = keywords.filter(|k| !k.is_none()) {
            update.trigger_keywords = Some(text_list(k, "keywords")?);
        }
        if clear_action_template {
            update.action_template = Some(None);
        } else if let Some(a) = action_template.filter(|a| !a.is_none()) {
            update.action_template = Some(Some(py_to_value(a, "action_template")?));
        }
        let pattern = py
            .detach(|| engine.update_pattern(id, update))
            .map_err(core_err)?;
        Ok(PyPattern { inner: pattern })
    }

    /// set_active(pattern_id, active) -> Pattern
    ///
    /// Activates or deactivates a pattern (inactive patterns are never proposed).
    fn set_active(
        &self,
        py: Python<'_>,
        pattern_id: &Bound<'_, PyAny>,
        active: &Bound<'_, PyAny>,
    ) -> PyResult<PyPattern> {
        let engine = self.engine()?;
        let id = crate::pattern::pattern_id(pattern_id, "pattern_id")?;
        let active = flag(active, "active")?;
        let p = py
            .detach(|| engine.set_active(id, active))
            .map_err(core_err)?;
        Ok(PyPattern { inner: p })
    }

    /// set_auto_executable(pattern_id, auto) -> Pattern
    ///
    /// Approves (or withdraws approval of) a pattern for automatic sending.
    fn set_auto_executable(
        &self,
        py: Python<'_>,
        pattern_id: &Bound<'_, PyAny>,
        auto: &Bound<'_, PyAny>,
    ) -> PyResult<PyPattern> {
        let engine = self.engine()?;
        let id = crate::pattern::pattern_id(pattern_id, "pattern_id")?;
        let auto = flag(auto, "auto")?;
        let p = py
            .detach(|| engine.set_auto_executable(id, auto))
            .map_err(core_err)?;
        Ok(PyPattern { inner: p })
    }

    /// delete_pattern(pattern_id) -> Pattern
    ///
    /// Soft-deletes a pattern: never proposed, hidden from default listings,
    /// restorable with ``restore_pattern``.
    fn delete_pattern(&self, py: Python<'_>, pattern_id: &Bound<'_, PyAny>) -> PyResult<PyPattern> {
        let engine = self.engine()?;
        let id = crate::pattern::pattern_id(pattern_id, "pattern_id")?;
        let p = py.detach(|| engine.delete_pattern(id)).map_err(core_err)?;
        Ok(PyPattern { inner: p })
    }

    /// restore_pattern(pattern_id) -> Pattern
    ///
    /// Restores a soft-deleted pattern. Raises ``InvalidPatternError`` when it is
    /// not deleted, ``UnknownPatternError`` when there is no such pattern.
    fn restore_pattern(
        &self,
        py: Python<'_>,
        pattern_id: &Bound<'_, PyAny>,
    ) -> PyResult<PyPattern> {
        let engine = self.engine()?;
        let id = crate::pattern::pattern_id(pattern_id, "pattern_id")?;
        let p = py.detach(|| engine.restore_pattern(id)).map_err(core_err)?;
        Ok(PyPattern { inner: p })
    }

    /// pattern(pattern_id) -> Pattern | None
    ///
    /// One pattern (deleted ones included), or ``None`` when there is no such id.
    fn pattern(&self, pattern_id: &Bound<'_, PyAny>) -> PyResult<Option<PyPattern>> {
        let engine = self.engine()?;
        let id = crate::pattern::pattern_id(pattern_id, "pattern_id")?;
        Ok(engine.pattern(id).map(|inner| PyPattern { inner }))
    }

    /// pattern_list(*, include_deleted=False, include_inactive=True) -> list[Pattern]
    ///
    /// Patterns in id order, as ``Pattern`` objects (``patterns()`` gives a DataFrame).
    #[pyo3(signature = (*, include_deleted = false, include_inactive = true))]
    fn pattern_list(
        &self,
        py: Python<'_>,
        include_deleted: bool,
        include_inactive: bool,
    ) -> PyResult<Vec<PyPattern>> {
        let engine = self.engine()?;
        let filter = PatternFilter {
            include_deleted,
            include_inactive,
        };
        let patterns = py.detach(|| engine.patterns(filter));
        Ok(patterns
            .into_iter()
            .map(|inner| PyPattern { inner })
            .collect())
    }

    /// pattern_records(*, include_deleted=False, include_inactive=True) -> list[dict]
    ///
    /// Patterns as plain dicts (timestamps in ms since the epoch); the rows of
    /// ``patterns()``.
    #[pyo3(signature = (*, include_deleted = false, include_inactive = true))]
    fn pattern_records<'py>(
        &self,
        py: Python<'py>,
        include_deleted: bool,
        include_inactive: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let engine = self.engine()?;
        let filter = PatternFilter {
            include_deleted,
            include_inactive,
        };
        let patterns = py.detach(|| engine.patterns(filter));
        pattern_records(py, &patterns)
    }

    /// history_records(pattern_id=None) -> list[dict]
    ///
    /// The append-only change history (of one pattern, or of all), oldest first,
    /// as plain dicts; the rows of ``history()``.
    #[pyo3(signature = (pattern_id = None))]
    fn history_records<'py>(
        &self,
        py: Python<'py>,
        pattern_id: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let engine = self.engine()?;
        let id: Option<PatternId> = pattern_id
            .filter(|p| !p.is_none())
            .map(|p| crate::pattern::pattern_id(p, "pattern_id"))
            .transpose()?;
        let events = py
            .detach(|| match id {
                Some(id) => engine.history(id),
                None => engine.full_history(),
            })
            .map_err(crate::error::core_err)?;
        history_records(py, &events)
    }

    /// pattern_count() -> int
    ///
    /// Number of patterns, deleted ones included.
    fn pattern_count(&self) -> PyResult<usize> {
        Ok(self.engine()?.pattern_count())
    }

    /// The configuration in force, as a dict (read-only copy).
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let config = self.engine()?.config();
        to_py(py, &config)
    }

    /// update_config(overrides) -> dict
    ///
    /// Applies setting overrides (nested or dotted keys) to the configuration in
    /// force, all or nothing, and returns the new configuration. On a durable
    /// engine the new configuration is written to the store first.
    fn update_config<'py>(
        &self,
        py: Python<'py>,
        overrides: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.engine()?;
        let patch = serde_json::Value::Object(overrides_from_py(Some(overrides))?);
        let next: Config = py
            .detach(|| engine.update_config(&patch))
            .map_err(core_err)?;
        to_py(py, &next)
    }

    /// check_message_safety(text) -> dict
    ///
    /// Checks a message against the safety rules alone.
    fn check_message_safety<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.engine()?;
        let text = message_text(text, "text")?;
        let verdict = py.detach(|| engine.check_message_safety(&text));
        to_py(py, &verdict)
    }

    /// The safety thresholds in force (sentiment rules, cool-downs, reply caps), as a dict.
    #[getter]
    fn safety_thresholds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.engine()?;
        to_py(py, &engine.safety_thresholds())
    }

    /// update_safety_thresholds(patch) -> dict
    ///
    /// Applies a partial update of the safety thresholds (camelCase or snake_case
    /// keys), all or nothing; returns the thresholds in force. Raises
    /// ``UnknownSettingError``, ``InvalidConfigError`` or ``InvalidRuleError`` (a
    /// sentiment rule that does not compile).
    fn update_safety_thresholds<'py>(
        &self,
        py: Python<'py>,
        patch: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.engine()?;
        let patch = dict_value(patch, "patch")?;
        let t = py
            .detach(|| engine.update_safety_thresholds(&patch))
            .map_err(core_err)?;
        to_py(py, &t)
    }

    /// The safety settings in force (blacklist topics, escalation keywords, …), as a dict.
    #[getter]
    fn safety_settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.engine()?;
        to_py(py, &engine.safety_settings())
    }

    /// update_safety_settings(patch) -> dict
    ///
    /// Applies a partial update of the safety settings, all or nothing; returns
    /// the settings in force. Raises ``UnknownSettingError`` or ``InvalidConfigError``.
    fn update_safety_settings<'py>(
        &self,
        py: Python<'py>,
        patch: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.engine()?;
        let patch = dict_value(patch, "patch")?;
        let s = py
            .detach(|| engine.update_safety_settings(&patch))
            .map_err(core_err)?;
        to_py(py, &s)
    }

    /// metrics() -> dict
    ///
    /// Everything counted since the engine was built: ``decisions``,
    /// ``decisions_by_action``, ``decisions_by_reason``, ``confidence`` histograms
    /// per action, ``auto_sends_per_hour``, ``feedback`` (approved / modified /
    /// rejected / answered), ``suggestion_precision`` (as operators judged the
    /// suggestions), ``guard_triggers``, ``process_latency_us`` /
    /// ``feedback_latency_us`` histograms, ``patterns`` by state, ``errors``.
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let metrics = self.engine()?.metrics();
        to_py(py, &metrics)
    }

    /// prometheus() -> str
    ///
    /// ``metrics()`` in the Prometheus text exposition format.
    fn prometheus(&self) -> PyResult<String> {
        Ok(self.engine()?.prometheus())
    }

    /// explain_config() -> str
    ///
    /// The configuration in force, one ``key  value  source`` line per setting;
    /// the source is ``profile seed``, ``environment production`` or ``explicit``.
    fn explain_config(&self) -> PyResult<String> {
        Ok(self.engine()?.config().explain())
    }

    /// subscribe(callback, capacity=1024) -> Subscription
    ///
    /// Calls ``callback(event)`` with a dict for every decision, feedback and
    /// alert (``event["type"]``), on a thread of its own. ``process`` never waits
    /// for it: a full queue drops events (``Subscription.dropped``) and a callback
    /// that raises is counted (``Subscription.failed``).
    #[pyo3(signature = (callback, capacity = 1024))]
    fn subscribe(&self, callback: Bound<'_, PyAny>, capacity: usize) -> PyResult<PySubscription> {
        if !callback.is_callable() {
            return Err(PyTypeError::new_err(format!(
                "subscribe: callback must be callable, got {}",
                crate::convert::type_name(&callback)
            )));
        }
        let engine = self.engine()?;
        Ok(subscribe(
            &engine,
            callback.unbind(),
            capacity.clamp(1, 1 << 20),
        ))
    }

    /// memory_bytes() -> int
    ///
    /// Approximate heap bytes of patterns and indexes.
    fn memory_bytes(&self) -> PyResult<usize> {
        Ok(self.engine()?.memory_bytes())
    }

    /// close() -> None
    ///
    /// refresh() -> bool
    ///
    /// Takes in what other engines sharing this engine's store (PostgreSQL) wrote
    /// since it last looked; engines do so by themselves before every decision and
    /// change. Call it before reading patterns or settings another process may have
    /// changed. Returns whether anything changed (always ``False`` without a shared
    /// store).
    fn refresh(&self, py: Python<'_>) -> PyResult<bool> {
        let engine = self.engine()?;
        py.detach(|| engine.refresh()).map_err(core_err)
    }

    /// Releases the engine now: a durable engine closes its store file (so it can
    /// be opened again) before ``close`` returns; calls running in other threads
    /// finish first. Later calls raise ``EngineClosedError``; calling ``close``
    /// again does nothing.
    fn close(&self, py: Python<'_>) {
        let engine = self.inner.write().take();
        if let Some(engine) = engine {
            py.detach(|| release(engine));
        }
    }

    /// True once ``close()`` was called (or the ``with`` block ended).
    #[getter]
    fn closed(&self) -> bool {
        self.inner.read().is_none()
    }

    fn __enter__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        slf.get().engine()?;
        Ok(slf)
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self) -> String {
        match self.inner.read().as_ref() {
            Some(e) => format!(
                "Engine(profile='{}', patterns={}{})",
                match e.config().profile {
                    pattern_learning::Profile::Seed => "seed",
                    pattern_learning::Profile::V1 => "v1",
                },
                e.pattern_count(),
                if e.is_durable() { ", durable" } else { "" }
            ),
            None => "Engine(closed)".into(),
        }
    }

    /// _time_process(text, n, **context) -> float
    ///
    /// Mean seconds per core ``process`` call, measured inside Rust over ``n``
    /// calls with the same arguments as ``process`` (no Python in the loop). For
    /// measuring the binding's call overhead (``scripts/overhead.py``).
    #[pyo3(signature = (text, n, *, conversation_id = None, phone = None, customer_name = None, message_id = None, embedding = None, variables = None))]
    #[allow(clippy::too_many_arguments)]
    fn _time_process(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        n: usize,
        conversation_id: Option<&Bound<'_, PyAny>>,
        phone: Option<&Bound<'_, PyAny>>,
        customer_name: Option<&Bound<'_, PyAny>>,
        message_id: Option<&Bound<'_, PyAny>>,
        embedding: Option<&Bound<'_, PyAny>>,
        variables: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<f64> {
        let engine = self.engine()?;
        let text = message_text(text, "text")?;
        let n = n.max(1);
        let ctx = context(
            conversation_id,
            phone,
            customer_name,
            message_id,
            embedding,
            variables,
        )?;
        let elapsed = py.detach(|| {
            let t0 = Instant::now();
            for _ in 0..n {
                let _ = std::hint::black_box(engine.process(std::hint::black_box(&text), &ctx));
            }
            t0.elapsed()
        });
        Ok(elapsed.as_secs_f64() / n as f64)
    }
}

fn dict_value(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<serde_json::Value> {
    if !obj.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a dict, got {}",
            type_name(obj)
        )));
    }
    py_to_value(obj, what)
}

fn context(
    conversation_id: Option<&Bound<'_, PyAny>>,
    phone: Option<&Bound<'_, PyAny>>,
    customer_name: Option<&Bound<'_, PyAny>>,
    message_id: Option<&Bound<'_, PyAny>>,
    embedding_arg: Option<&Bound<'_, PyAny>>,
    variables: Option<&Bound<'_, PyAny>>,
) -> PyResult<MessageContext> {
    let mut ctx = MessageContext {
        conversation_id: opt_text(conversation_id, "conversation_id")?,
        phone: opt_text(phone, "phone")?,
        customer_name: opt_text(customer_name, "customer_name")?,
        message_id: opt_text(message_id, "message_id")?,
        ..MessageContext::default()
    };
    if let Some(e) = embedding_arg.filter(|e| !e.is_none()) {
        ctx.embedding = Some(embedding(e, "embedding")?);
    }
    if let Some(v) = variables.filter(|v| !v.is_none()) {
        let dict = v.cast::<PyDict>().map_err(|_| {
            PyTypeError::new_err(format!("variables must be a dict, got {}", type_name(v)))
        })?;
        if let serde_json::Value::Object(map) = py_to_value(dict.as_any(), "variables")? {
            ctx.variables = map;
        }
    }
    Ok(ctx)
}

/// A decision id from Python: its text (a UUID), or a legacy int.
fn decision_id(value: &Bound<'_, PyAny>) -> PyResult<pattern_learning::DecisionId> {
    if let Ok(text) = value.extract::<String>() {
        return text
            .parse::<pattern_learning::DecisionId>()
            .map_err(|e| core_err(pattern_learning::Error::from(e)));
    }
    let id = crate::pattern::pattern_id(value, "decision").map_err(|_| {
        PyTypeError::new_err(format!(
            "decision must be a Decision or a decision id (str), got {}",
            type_name(value)
        ))
    })?;
    Ok(pattern_learning::DecisionId::from_legacy(id.0))
}
