//! Node.js binding of [`pattern_learning`]: the npm package `@clubos/pattern-learning`.
//!
//! Thin by design: every file mirrors a core module and only converts values; errors
//! cross into JavaScript in one place ([`error`]). Calls that learn, decide or change
//! patterns run on libuv's thread pool ([`task`]) and return promises; pure functions
//! (signatures, topics) are synchronous. No panic reaches Node: every call into the
//! core is wrapped by [`error::guard`].
//!
//! The JavaScript facade (`index.js`, `lib/`) adds the `PatternLearningError` class
//! and V1's services on top of the generated `native.js`.
#![deny(missing_docs)]

pub mod audit;
pub mod config;
pub mod decision;
pub mod engine;
pub mod error;
pub mod feedback;
pub mod observe;
pub mod pattern;
pub mod privacy;
pub mod safety;
pub mod task;
pub mod text;
pub mod v1;
