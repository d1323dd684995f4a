//! Python binding of `pattern-learning` (PyPI package `pattern-learning`,
//! import name `pattern_learning`).
//!
//! This crate is the native module `pattern_learning._native`; the pure-Python
//! package `pattern_learning` on top adds pandas DataFrames and matplotlib plots.
//! The binding only converts: behaviour lives in the core crate. Files mirror
//! the core: `engine.rs`, `decision.rs`, `pattern.rs`, `config.rs`, `replay.rs`
//! (replay and sweep), `convert.rs` (Python ⇄ JSON values) and `error.rs`, the one
//! place where core errors become Python exceptions.
//!
//! Build the wheel with `maturin build --release` (see `bindings-python/README.md`);
//! `cargo test --workspace` builds this crate without the `extension-module` feature.
#![deny(missing_docs)]

mod config;
mod convert;
mod decision;
mod engine;
mod error;
mod observe;
mod pattern;
mod replay;

use pyo3::prelude::*;

/// The version of the native module (the crate version).
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// pattern_learning._native: the compiled part of pattern_learning.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    error::register(m)?;
    m.add_class::<engine::PyEngine>()?;
    m.add_class::<observe::PySubscription>()?;
    m.add_class::<decision::PyDecision>()?;
    m.add_class::<decision::PyFeedbackOutcome>()?;
    m.add_class::<pattern::PyPattern>()?;
    m.add_class::<replay::PyDataset>()?;
    m.add_class::<replay::PyReplayReport>()?;
    m.add_function(wrap_pyfunction!(replay::replay, m)?)?;
    m.add_function(wrap_pyfunction!(replay::sweep, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
