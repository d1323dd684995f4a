//! Shared helpers of the example programs.

pub mod embedding_cache;
