//! Metrics, Prometheus text and callback subscribers (mirrors `core/src/metrics.rs`
//! and `core/src/events.rs`).
//!
//! A subscriber is a Python callable called with one event dict
//! (`{"type": "decision" | "feedback" | "alert", ...}`) on a thread of the core's,
//! which takes the GIL only for the call. `process` never waits for it; a callable
//! that raises is counted in `Subscription.failed` and the next event is delivered
//! as usual.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use pattern_learning::events::{Event, Subscription};
use pattern_learning::Engine;
use pyo3::prelude::*;

use crate::convert::to_py;

/// A callback subscription (``Engine.subscribe``).
#[pyclass(frozen, module = "pattern_learning._native", name = "Subscription")]
pub struct PySubscription {
    inner: Subscription,
    raised: Arc<AtomicU64>,
}

#[pymethods]
impl PySubscription {
    /// Stops deliveries (events already queued are still delivered).
    fn unsubscribe(&self) {
        self.inner.unsubscribe();
    }

    /// Waits (without the GIL) until every event queued so far was handled.
    fn flush(&self, py: Python<'_>) {
        py.detach(|| self.inner.flush());
    }

    /// Events handed to the callable.
    #[getter]
    fn delivered(&self) -> u64 {
        self.inner.delivered()
    }

    /// Events dropped because the queue was full (the callable was too slow).
    #[getter]
    fn dropped(&self) -> u64 {
        self.inner.dropped()
    }

    /// Calls that raised an exception.
    #[getter]
    fn failed(&self) -> u64 {
        self.raised.load(Ordering::Relaxed) + self.inner.failed()
    }

    fn __repr__(&self) -> String {
        format!(
            "Subscription(delivered={}, dropped={}, failed={})",
            self.delivered(),
            self.dropped(),
            self.failed()
        )
    }
}

/// Subscribes `callback` to `engine`'s events through a queue of `capacity`.
pub fn subscribe(engine: &Engine, callback: Py<PyAny>, capacity: usize) -> PySubscription {
    let raised = Arc::new(AtomicU64::new(0));
    let count = raised.clone();
    let inner = engine.subscribe(capacity, move |event: &Event| {
        Python::attach(|py| {
            let ok = to_py(py, event).and_then(|e| callback.call1(py, (e,)).map(drop));
            if ok.is_err() {
                count.fetch_add(1, Ordering::Relaxed);
            }
        });
    });
    PySubscription { inner, raised }
}
