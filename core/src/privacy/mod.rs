//! Customer data: identifiers taken out of what the engine learns
//! ([`redact`]), the customer whose data an erasure removes ([`Customer`]), and how
//! long decisions keep customer data ([`Retention`]).
//!
//! # What redaction recognises
//!
//! Trigger examples and rejections learned from a customer's message (feedback's
//! `query`: approve, modify, reject, answer) are stored with these identifiers
//! replaced; the incoming message goes through the same replacement before it is
//! matched (safety rules, topics and templates still read it as written), so a
//! learned `"call me at [phone]"` matches `"call me at 902-555-0100"` exactly and
//! the wording around an identifier is learned as before.
//!
//! | identifier | recognised | becomes |
//! |---|---|---|
//! | phone number | North American numbers: 10 digits, optionally after `1` or `+1`, grouped 3-3-4 by spaces, dots or hyphens (the area code optionally in parentheses) or written as one run; local numbers 3-4 with a hyphen or a dot (`555-0100`); international numbers: `+` and 8 to 15 digits with single spaces, dots or hyphens between them. Not when glued to a letter, digit, `+` or `@`. | `[phone]` |
//! | e-mail address | ASCII `local@domain.tld`: letters, digits and `._%+-` before the `@`, labels of letters, digits and `-` after it, a last label of two letters or more | `[email]` |
//! | name | one or two words right after "my name is", "my name's", "this is", "I am" or "I'm" (cue in any case) that start with a capital letter and go on in small letters, if at all (`Sam`, `O'Brien`, `Mary-Jane`); not days of the week, months, or `I`, `A`, `An`, `The`, `Not`, `Just`, `So`, `Very`, `Really`, `Still`, `Also`, `Here`, `There`, `Sorry`, `Trying`, `Looking`, `Calling` | `[name]` |
//!
//! Not recognised: names without a cue ("Thanks, Sam"), names written in small
//! letters ("my name is sam"), numbers grouped otherwise (`90 25 55 01 00`),
//! addresses, card or booking numbers. Operator-written text — replies, patterns
//! created or imported through pattern management — is kept as written.

mod customer;
mod redact;
mod retention;

pub use customer::Customer;
pub use redact::{redact, EMAIL, NAME, PHONE};
pub use retention::Retention;
