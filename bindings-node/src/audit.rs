//! Bulk operations with a dry run (mirrors `core/src/engine/audit.rs`; `undo` is a
//! method of `PatternEngine`).

use napi_derive::napi;
use pattern_learning as pl;

use crate::decision::number;
use crate::error::BindingError;
use crate::pattern::{pattern_id, PatternState};

/// What a bulk operation does to each selected pattern.
#[napi(string_enum = "snake_case")]
#[derive(Debug, PartialEq, Eq)]
pub enum BulkAction {
    /// Make eligible for matching.
    Activate,
    /// Stop matching (reversible).
    Deactivate,
    /// Soft-delete (reversible with `restore`).
    Delete,
    /// Undo a soft delete.
    Restore,
    /// Withdraw approval for automatic sending.
    RevokeAuto,
}

impl From<BulkAction> for pl::BulkAction {
    fn from(a: BulkAction) -> Self {
        match a {
            BulkAction::Activate => pl::BulkAction::Activate,
            BulkAction::Deactivate => pl::BulkAction::Deactivate,
            BulkAction::Delete => pl::BulkAction::Delete,
            BulkAction::Restore => pl::BulkAction::Restore,
            BulkAction::RevokeAuto => pl::BulkAction::RevokeAuto,
        }
    }
}

impl From<pl::BulkAction> for BulkAction {
    fn from(a: pl::BulkAction) -> Self {
        match a {
            pl::BulkAction::Activate => BulkAction::Activate,
            pl::BulkAction::Deactivate => BulkAction::Deactivate,
            pl::BulkAction::Delete => BulkAction::Delete,
            pl::BulkAction::Restore => BulkAction::Restore,
            pl::BulkAction::RevokeAuto => BulkAction::RevokeAuto,
        }
    }
}

/// Which patterns a bulk operation selects: every given condition must hold; `{}`
/// selects every pattern.
#[napi(object)]
pub struct Selection {
    /// Only these pattern ids.
    pub ids: Option<Vec<f64>>,
    /// Confidence at most this.
    pub max_confidence: Option<f64>,
    /// Not used since this time (ms since the epoch, or a `Date`); never used counts
    /// as unused.
    #[napi(ts_type = "number | Date")]
    pub unused_since: Option<f64>,
    /// This topic (snake_case name, e.g. `gift_cards`).
    pub topic: Option<String>,
    /// This provenance.
    #[napi(ts_type = "'learned' | 'manual' | 'imported'")]
    pub provenance: Option<String>,
}

impl TryFrom<Selection> for pl::Selection {
    type Error = BindingError;

    fn try_from(s: Selection) -> Result<Self, BindingError> {
        let finite = |what: &str, v: f64| {
            if v.is_finite() {
                Ok(v)
            } else {
                Err(BindingError::InvalidArgument(format!(
                    "selection.{what} must be a finite number, got {v}"
                )))
            }
        };
        Ok(pl::Selection {
            ids: s
                .ids
                .map(|ids| ids.into_iter().map(pattern_id).collect::<Result<_, _>>())
                .transpose()?,
            max_confidence: s
                .max_confidence
                .map(|c| finite("maxConfidence", c))
                .transpose()?,
            unused_since: s
                .unused_since
                .map(|t| finite("unusedSince", t).map(|t| pl::clock::Timestamp(t as i64)))
                .transpose()?,
            topic: s.topic,
            provenance: s.provenance.as_deref().map(provenance).transpose()?,
        })
    }
}

fn provenance(name: &str) -> Result<pl::Provenance, BindingError> {
    match name {
        "learned" => Ok(pl::Provenance::Learned),
        "manual" => Ok(pl::Provenance::Manual),
        "imported" => Ok(pl::Provenance::Imported),
        other => Err(BindingError::InvalidArgument(format!(
            "selection.provenance must be 'learned', 'manual' or 'imported', got {other:?}"
        ))),
    }
}

/// Options of `bulk`.
#[napi(object)]
pub struct BulkOptions {
    /// Report exactly what would change, change nothing (default `false`).
    pub dry_run: Option<bool>,
}

/// One pattern's change in a bulk operation.
#[napi(object)]
pub struct BulkChange {
    /// The pattern.
    pub pattern_id: f64,
    /// Its state before.
    pub before: PatternState,
    /// Its state after.
    pub after: PatternState,
}

/// What a bulk operation changed (or, in a dry run, would change).
#[napi(object)]
pub struct BulkReport {
    /// The action.
    pub action: BulkAction,
    /// True when nothing was changed.
    pub dry_run: bool,
    /// One entry per pattern whose state changes; selected patterns already in the
    /// target state are not listed.
    pub changes: Vec<BulkChange>,
}

impl From<pl::BulkReport> for BulkReport {
    fn from(r: pl::BulkReport) -> Self {
        BulkReport {
            action: r.action.into(),
            dry_run: r.dry_run,
            changes: r
                .changes
                .into_iter()
                .map(|c| BulkChange {
                    pattern_id: number(c.pattern_id.0),
                    before: c.before.into(),
                    after: c.after.into(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection() -> Selection {
        Selection {
            ids: None,
            max_confidence: None,
            unused_since: None,
            topic: None,
            provenance: None,
        }
    }

    #[test]
    fn selections_convert_and_bad_values_are_invalid_arguments() -> Result<(), BindingError> {
        let s: pl::Selection = Selection {
            ids: Some(vec![1.0, 2.0]),
            max_confidence: Some(0.4),
            unused_since: Some(1_700_000_000_000.0),
            topic: Some("gift_cards".into()),
            provenance: Some("manual".into()),
        }
        .try_into()?;
        assert_eq!(s.ids, Some(vec![pl::PatternId(1), pl::PatternId(2)]));
        assert_eq!(
            s.unused_since,
            Some(pl::clock::Timestamp(1_700_000_000_000))
        );
        assert_eq!(s.provenance, Some(pl::Provenance::Manual));
        let empty: pl::Selection = selection().try_into()?;
        assert_eq!(empty, pl::Selection::default());
        let bad = [
            Selection {
                ids: Some(vec![-1.0]),
                ..selection()
            },
            Selection {
                max_confidence: Some(f64::NAN),
                ..selection()
            },
            Selection {
                unused_since: Some(f64::INFINITY),
                ..selection()
            },
            Selection {
                provenance: Some("borrowed".into()),
                ..selection()
            },
        ];
        for s in bad {
            let code = pl::Selection::try_from(s).err().map(|e| e.code());
            assert_eq!(code, Some("INVALID_ARGUMENT"));
        }
        Ok(())
    }

    #[test]
    fn actions_round_trip() -> serde_json::Result<()> {
        for a in [
            BulkAction::Activate,
            BulkAction::Deactivate,
            BulkAction::Delete,
            BulkAction::Restore,
            BulkAction::RevokeAuto,
        ] {
            let core: pl::BulkAction = a.into();
            let back: BulkAction = core.into();
            assert_eq!(
                serde_json::to_value(core)?,
                serde_json::to_value(pl::BulkAction::from(back))?
            );
        }
        Ok(())
    }
}
