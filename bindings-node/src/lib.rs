//! Node.js binding of `pattern-learning` (placeholder until the napi binding lands).
