//! `text::normalize` is idempotent; `signature` and `v1_signature` never panic and
//! the V1 signature is always 32 lowercase hex characters (an MD5 digest).
//!
//! On failure libFuzzer prints the `Debug` form of the input, which is the message
//! itself: paste it into a `#[test]` to reproduce.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pattern_learning::signature::{signature, v1_signature};
use pattern_learning::text::normalize;

fuzz_target!(|message: &str| {
    let once = normalize(message);
    let twice = normalize(&once);
    assert_eq!(once, twice, "normalize is not idempotent for {message:?}");

    let sig = signature(message);
    assert_eq!(
        sig,
        signature(message),
        "signature is not deterministic for {message:?}"
    );

    let v1 = v1_signature(message);
    assert_eq!(
        v1.len(),
        32,
        "v1_signature({message:?}) = {v1:?} is not 32 chars"
    );
    assert!(
        v1.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "v1_signature({message:?}) = {v1:?} is not lowercase hex"
    );
});
