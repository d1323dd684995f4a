//! Python binding of `pattern-learning` (placeholder until the pyo3 binding lands).
