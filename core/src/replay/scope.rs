//! Which messages no canned reply covers: those labelled `oos`, and in the
//! open-intent setting those of the intents picked as unknown.

use std::collections::BTreeSet;

use super::data::{Record, OOS};
use super::options::UnknownIntents;
use super::order_key;

/// The out-of-scope labels of one replay.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    /// In-scope intents treated as unknown.
    unknown: BTreeSet<String>,
}

impl Scope {
    /// The scope of `records`, with the intents `unknown` picks treated as unknown.
    pub fn new(records: &[Record], unknown: Option<&UnknownIntents>) -> Self {
        let Some(unknown) = unknown else {
            return Scope::default();
        };
        let intents: BTreeSet<&str> = records
            .iter()
            .map(|r| r.intent.as_str())
            .filter(|i| *i != OOS)
            .collect();
        let mut ordered: Vec<(String, &str)> = intents
            .into_iter()
            .map(|i| (order_key(unknown.seed, i), i))
            .collect();
        ordered.sort();
        let count = unknown.count(ordered.len());
        Scope {
            unknown: ordered
                .into_iter()
                .take(count)
                .map(|(_, i)| i.to_owned())
                .collect(),
        }
    }

    /// Whether no canned reply covers `record`.
    pub fn is_out_of_scope(&self, record: &Record) -> bool {
        record.intent == OOS || self.unknown.contains(&record.intent)
    }

    /// How many intents are treated as unknown.
    pub fn unknown_intents(&self) -> usize {
        self.unknown.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(intents: usize) -> Vec<Record> {
        (0..intents)
            .map(|i| Record::new(format!("r{i}"), "text", format!("intent{i}"), "train"))
            .chain(std::iter::once(Record::new("o", "text", OOS, "train")))
            .collect()
    }

    #[test]
    fn a_seeded_share_of_the_in_scope_intents_is_unknown() {
        let data = records(8);
        let pick = |share: f64, seed: u64| {
            let scope = Scope::new(&data, Some(&UnknownIntents { share, seed }));
            let out: Vec<&str> = data
                .iter()
                .filter(|r| scope.is_out_of_scope(r))
                .map(|r| r.intent.as_str())
                .collect();
            (scope.unknown_intents(), out)
        };
        let (n, out) = pick(0.25, 1);
        assert_eq!(n, 2, "a quarter of 8 intents; `oos` is not an intent");
        assert_eq!(out.len(), 3, "two unknown intents and the oos message");
        assert!(out.contains(&OOS));
        assert_eq!(
            pick(0.25, 1),
            (n, out.clone()),
            "the same seed, the same pick"
        );
        let others = (2..20).map(|seed| pick(0.25, seed).1).collect::<Vec<_>>();
        assert!(others.iter().any(|o| *o != out), "seeds pick differently");
        assert_eq!(pick(0.0, 1).0, 0);
        assert_eq!(pick(0.5, 3).0, 4);
        let none = Scope::new(&data, None);
        assert_eq!(none.unknown_intents(), 0);
        assert_eq!(data.iter().filter(|r| none.is_out_of_scope(r)).count(), 1);
    }
}
