//! [`Customer`]: whose data an erasure removes, and how their identifiers are
//! recognised in conversation ids and texts.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The customer to erase: by phone number, by conversation id, or both.
///
/// A conversation is the customer's when its id is the conversation id given, or
/// the phone number (V1 keyed conversations by the phone number, see
/// [`v1::context`](crate::v1::context)) in any formatting: the same digits, or, when
/// both have at least 10, the same last 10 (so `+1 902 555 0100` and
/// `(902) 555-0100` are one number). A text mentions the customer when a run of
/// digits in it (one or two spaces, dots, hyphens, parentheses or `+` may stand
/// between its digits) contains the number's last 10 digits (all of them when it has fewer). A
/// phone number of fewer than 7 digits is matched as a conversation id only, never
/// in texts.
///
/// # Example
/// ```
/// use pattern_learning::privacy::Customer;
/// let c = Customer::phone("+1 (902) 555-0100");
/// assert!(c.owns_conversation("19025550100"));
/// assert!(c.mentions("call me on 902.555.0100 after 5"));
/// assert!(!c.mentions("call me on 902.555.0199"));
/// let c = Customer::conversation("conv-42");
/// assert!(c.owns_conversation("conv-42") && !c.owns_conversation("conv-43"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// The customer's phone number, in any formatting.
    pub phone: Option<String>,
    /// A conversation id of the customer's.
    pub conversation_id: Option<String>,
}

/// Fewest digits a phone number needs to be looked for in texts.
const MIN_TEXT_DIGITS: usize = 7;

impl Customer {
    /// The customer with this phone number.
    pub fn phone(phone: impl Into<String>) -> Self {
        Customer {
            phone: Some(phone.into()),
            conversation_id: None,
        }
    }

    /// The customer of this conversation.
    pub fn conversation(id: impl Into<String>) -> Self {
        Customer {
            phone: None,
            conversation_id: Some(id.into()),
        }
    }

    /// Checks that the customer is named: a conversation id that is not blank, or
    /// a phone number with at least one digit.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCustomer`] otherwise.
    pub fn validate(&self) -> Result<()> {
        if let Some(id) = &self.conversation_id {
            if id.trim().is_empty() {
                return Err(Error::InvalidCustomer(
                    "the conversation id is blank".into(),
                ));
            }
        }
        if let Some(phone) = &self.phone {
            if digits(phone).is_empty() {
                return Err(Error::InvalidCustomer(
                    "the phone number has no digit".into(),
                ));
            }
        }
        if self.phone.is_none() && self.conversation_id.is_none() {
            return Err(Error::InvalidCustomer(
                "name the customer by phone number or conversation id".into(),
            ));
        }
        Ok(())
    }

    /// Whether the conversation `id` is the customer's.
    pub fn owns_conversation(&self, id: &str) -> bool {
        self.conversation_id.as_deref() == Some(id)
            || self
                .phone
                .as_deref()
                .is_some_and(|p| p == id || same_number(&digits(p), &digits(id)))
    }

    /// Whether `text` holds the customer's phone number.
    pub fn mentions(&self, text: &str) -> bool {
        let Some(number) = self.number_in_texts() else {
            return false;
        };
        digit_runs(text).any(|run| run.contains(&number))
    }

    /// The digits looked for in texts: the last 10 of the phone number (all of
    /// them when it has fewer), when it has at least 7.
    fn number_in_texts(&self) -> Option<String> {
        let digits = digits(self.phone.as_deref()?);
        let national = &digits[digits.len().saturating_sub(10)..];
        (national.len() >= MIN_TEXT_DIGITS).then(|| national.to_owned())
    }

    /// Strings one of which every text or conversation id of the customer's
    /// contains: the conversation id, the phone number as given, and the last four
    /// digits of the phone number (in every formatting they stay together). Stores
    /// select candidate rows with them before checking each.
    pub fn needles(&self) -> Vec<String> {
        let mut needles: Vec<String> = self
            .conversation_id
            .iter()
            .chain(self.phone.iter())
            .cloned()
            .collect();
        if let Some(phone) = &self.phone {
            let digits = digits(phone);
            needles.push(digits[digits.len().saturating_sub(4)..].to_owned());
        }
        needles.retain(|n| !n.is_empty());
        needles
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Two digit strings are one phone number: equal, or ending with the same 10
/// digits when both have at least 10 (a country code before them).
fn same_number(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    a.len() >= 10 && b.len() >= 10 && a[a.len() - 10..] == b[b.len() - 10..]
}

/// The digits of every run of digits in `text`, where one or two of space, dot,
/// hyphen, parenthesis or `+` may stand between two digits of a run (`(902) 555`).
fn digit_runs(text: &str) -> impl Iterator<Item = String> + '_ {
    let chars: Vec<char> = text.chars().collect();
    let joins = |c: char| matches!(c, ' ' | '.' | '-' | '(' | ')' | '+');
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < chars.len() && !chars[i].is_ascii_digit() {
            i += 1;
        }
        let mut run = String::new();
        while i < chars.len() {
            if chars[i].is_ascii_digit() {
                run.push(chars[i]);
                i += 1;
                continue;
            }
            let gap = chars[i..].iter().take(3).take_while(|c| joins(**c)).count();
            if gap == 0 || gap > 2 || !chars.get(i + gap).is_some_and(char::is_ascii_digit) {
                break;
            }
            i += gap;
        }
        (!run.is_empty()).then_some(run)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_the_same_in_every_formatting() {
        let c = Customer::phone("902-555-0100");
        for text in [
            "902 555 0100",
            "(902) 555-0100",
            "+1 902 555 0100",
            "my number is 19025550100.",
            "bay 3 9025550100",
            "call 902 555 0100 2 people",
        ] {
            assert!(c.mentions(text), "{text}");
        }
        for text in ["902 555 0101", "555-0100", "902 5550 101", "no number"] {
            assert!(!c.mentions(text), "{text}");
        }
    }

    #[test]
    fn short_numbers_are_conversation_ids_only() {
        let c = Customer::phone("12345");
        assert!(c.owns_conversation("12345"));
        assert!(!c.mentions("code 12345"));
    }

    #[test]
    fn a_customer_must_be_named() {
        assert!(Customer::default().validate().is_err());
        assert!(Customer::conversation("  ").validate().is_err());
        assert!(Customer::phone("unknown").validate().is_err());
        assert!(Customer::phone("+1 902").validate().is_ok());
    }

    #[test]
    fn needles_find_every_formatting() {
        let c = Customer {
            phone: Some("+1 (902) 555-0100".into()),
            conversation_id: Some("conv-7".into()),
        };
        assert_eq!(c.needles(), ["conv-7", "+1 (902) 555-0100", "0100"]);
        for text in ["902.555.0100", "(902) 555-0100", "19025550100"] {
            assert!(c.needles().iter().any(|n| text.contains(n.as_str())));
        }
    }
}
