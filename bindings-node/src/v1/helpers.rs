//! V1's pure helpers (mirrors `core/src/v1/automations.rs` and `cues.rs`): the
//! legacy automations and the follow-up helpers. Synchronous.

use napi_derive::napi;
use pattern_learning::v1::{automations, cues};

use crate::error::{sync, Code};

/// V1's `calculateConfidence` result.
#[napi(object, object_from_js = false)]
pub struct AutomationScore {
    /// Sum of the matching weights, clamped to `[0, 1]`.
    pub confidence: f64,
    /// Descriptions of the positive expressions that matched.
    pub matches: Vec<String>,
    /// Descriptions of the negative expressions that matched.
    pub negatives: Vec<String>,
}

/// V1's `findBestAutomation` result.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct BestAutomation {
    /// The best feature, or `null` when none reaches its minimum.
    pub feature: Option<String>,
    /// Its confidence (0 when there is none).
    pub confidence: f64,
    /// Descriptions of its positive expressions that matched.
    pub matches: Vec<String>,
    /// Descriptions of its negative expressions that matched.
    pub negatives: Vec<String>,
}

/// V1's `calculateConfidence(message, feature)` for `booking_change`, `gift_cards`
/// or `trackman_reset`; another feature throws `PARSE_ERROR`.
#[napi]
pub fn calculate_confidence(
    message: String,
    feature: String,
) -> napi::Result<AutomationScore, Code> {
    sync(|| {
        let s = automations::calculate_confidence(&message, &feature)?;
        Ok(AutomationScore {
            confidence: s.confidence,
            matches: s.matches,
            negatives: s.negatives,
        })
    })
}

/// V1's `findBestAutomation(message)`.
#[napi]
pub fn find_best_automation(message: String) -> napi::Result<BestAutomation, Code> {
    sync(|| {
        let b = automations::find_best_automation(&message);
        Ok(BestAutomation {
            feature: b.feature,
            confidence: b.confidence,
            matches: b.matches,
            negatives: b.negatives,
        })
    })
}

/// V1's `isEscalationMessage`: the customer says the issue is still unresolved.
#[napi]
pub fn is_escalation_message(message: String) -> napi::Result<bool, Code> {
    sync(|| Ok(cues::is_escalation_message(&message)))
}

/// V1's `isSuccessMessage`: the customer says the issue is resolved.
#[napi]
pub fn is_success_message(message: String) -> napi::Result<bool, Code> {
    sync(|| Ok(cues::is_success_message(&message)))
}

/// V1's `extractLocationAndBox` result: absent fields were not found.
#[napi(object, object_from_js = false)]
pub struct LocationAndBox {
    /// The first site named, as written.
    pub location: Option<String>,
    /// The digits after the first `box`.
    #[napi(js_name = "box")]
    pub box_number: Option<String>,
}

/// V1's `extractLocationAndBox(message)`.
#[napi]
pub fn extract_location_and_box(message: String) -> napi::Result<LocationAndBox, Code> {
    sync(|| {
        let found = cues::extract_location_and_box(&message);
        Ok(LocationAndBox {
            location: found.location,
            box_number: found.box_number,
        })
    })
}
