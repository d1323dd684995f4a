//! Pure text functions: signatures and topics (mirrors `core/src/signature.rs`,
//! `core/src/v1/topic.rs` and the topic helpers of `core/src/v1/service.rs`).
//! Synchronous.

use napi_derive::napi;
use pattern_learning::signature as sig;
use pattern_learning::v1::{self, topic};

use crate::error::{sync, Code};
use crate::safety::{rules, SentimentRule};

/// V1's `generateSignature`: MD5 hex of V1's normalisation (lower-case, keep ASCII
/// `a-z0-9` and white space, collapse spaces).
#[napi]
pub fn generate_signature(message: String) -> napi::Result<String, Code> {
    sync(|| Ok(sig::v1_signature(&message)))
}

/// The stable signature this library uses (Unicode-aware; `Don’t` = `dont`).
#[napi]
pub fn signature(message: String) -> napi::Result<String, Code> {
    sync(|| Ok(sig::signature(&message)))
}

/// V1's `detectMessageTopic`: `tech_support`, `access`, `booking`, `gift_cards`,
/// `pricing`, `membership`, `hours` or `general`.
#[napi]
pub fn detect_message_topic(message: String) -> napi::Result<String, Code> {
    sync(|| Ok(v1::detect_message_topic(&message).to_owned()))
}

/// V1's `getTopicLabel`: the label of a topic name; unknown names get `General Inquiry`.
#[napi]
pub fn get_topic_label(topic: Option<String>) -> napi::Result<String, Code> {
    sync(|| Ok(topic::topic_label(topic.as_deref().unwrap_or("general")).to_owned()))
}

/// V1's `isSameTopic`: missing or empty names count as `general`.
#[napi]
pub fn is_same_topic(a: Option<String>, b: Option<String>) -> napi::Result<bool, Code> {
    sync(|| Ok(v1::is_same_topic(a.as_deref(), b.as_deref())))
}

/// V1's `getAvailableTopics`: every topic name, highest priority first.
#[napi]
pub fn get_available_topics() -> napi::Result<Vec<String>, Code> {
    sync(|| {
        Ok(v1::available_topics()
            .into_iter()
            .map(str::to_owned)
            .collect())
    })
}

/// V1's `getDefaultSentimentPatterns`: the built-in negative-sentiment rules.
#[napi]
pub fn get_default_sentiment_patterns() -> Vec<SentimentRule> {
    rules(pattern_learning::safety::default_sentiment_rules())
}

/// Benchmark baseline: a native call that does nothing.
#[napi(js_name = "__benchNoop")]
pub fn bench_noop() {}

/// Benchmark baseline: a native call that only converts its string argument.
#[napi(js_name = "__benchNoopString")]
pub fn bench_noop_string(_message: String) {}

/// Benchmark: nanoseconds per `v1_signature(message)` measured inside Rust.
#[napi(js_name = "__benchSignatureNs")]
pub fn bench_signature_ns(message: String, iterations: u32) -> f64 {
    let n = iterations.max(1);
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(sig::v1_signature(std::hint::black_box(&message)));
    }
    start.elapsed().as_nanos() as f64 / f64::from(n)
}

/// Benchmark: nanoseconds per `engine.process(message, conversation)` inside Rust.
#[napi(js_name = "__benchProcessNs")]
pub fn bench_process_ns(
    engine: &crate::engine::PatternEngine,
    message: String,
    conversation_id: String,
    iterations: u32,
) -> napi::Result<f64, crate::error::Code> {
    let engine = crate::error::sync(|| engine.engine())?;
    let n = iterations.max(1);
    let mut ctx = pattern_learning::MessageContext::new();
    if !conversation_id.is_empty() {
        ctx = ctx.conversation(conversation_id);
    }
    let start = std::time::Instant::now();
    for _ in 0..n {
        let _ = std::hint::black_box(engine.process(std::hint::black_box(&message), &ctx));
    }
    Ok(start.elapsed().as_nanos() as f64 / f64::from(n))
}
