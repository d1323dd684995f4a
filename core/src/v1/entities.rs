//! Values taken from a customer message to fill reply templates (V1's
//! `extractEntitiesFromMessage`, with its bugs fixed).

use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde::{Deserialize, Serialize};

use crate::text;

/// Entities found in a customer message; each is the first occurrence, if any.
///
/// Unlike V1: a bare number is not a time (V1 read `bay 3` as the time `3`),
/// `box 2` is a bay, all six sites are locations, and matches respect word
/// boundaries. `issue_type` keeps V1's rules unchanged.
///
/// # Example
/// ```
/// use pattern_learning::v1::entities::extract_entities;
/// let e = extract_entities("TrackMan in bay 3 is frozen");
/// assert_eq!(e.bay_number.as_deref(), Some("3"));
/// assert_eq!(e.time, None);
/// assert_eq!(e.issue_type.as_deref(), Some("trackman"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Entities {
    /// Bay (or box) number: `bay 3`, `Bay #3`, `bay3`, `box 2` → `3`, `3`, `3`, `2`.
    pub bay_number: Option<String>,
    /// A clock time, written compactly: `7 PM` → `7pm`, `07:30` → `7:30`,
    /// `10:15 am` → `10:15am`. Hours are checked (`1..=12` with am/pm, else
    /// `0..=23`), as are minutes (`00..=59`).
    pub time: Option<String>,
    /// A date as written, `M/D`, `M/D/YY` or `M/D/YYYY` (either order of day and
    /// month); `24/7` ("open 24/7") is not a date.
    pub date: Option<String>,
    /// One of the six sites: Bedford, Dartmouth, Bayers Lake (also "bayers"),
    /// Truro, River Oaks, Stratford.
    pub location: Option<String>,
    /// `trackman`, `access` or `display`, by V1's rules (first that matches, on
    /// substrings: `track man`/`simulator`; `door`/`unlock`/`access`;
    /// `screen`/`projector`/`display`).
    pub issue_type: Option<String>,
}

impl Entities {
    /// The entities that were found, under their field names (`bay_number`,
    /// `time`, `date`, `location`, `issue_type`): the template variables a reply can
    /// use.
    ///
    /// # Example
    /// ```
    /// use pattern_learning::template::{render, TemplateContext};
    /// use pattern_learning::v1::entities::extract_entities;
    /// let mut ctx = TemplateContext::new();
    /// for (key, value) in extract_entities("Bay 2 at Truro won't start").into_fields() {
    ///     ctx.insert(key, value);
    /// }
    /// let out = render("Resetting bay {{bay_number}} in {{location}} at {{time|once}}.", &ctx);
    /// assert_eq!(out.text, "Resetting bay 2 in Truro at once.");
    /// ```
    pub fn into_fields(self) -> impl Iterator<Item = (&'static str, String)> {
        [
            ("bay_number", self.bay_number),
            ("time", self.time),
            ("date", self.date),
            ("location", self.location),
            ("issue_type", self.issue_type),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| (key, v)))
    }
}

/// Finds bay number, time, date, location and issue type in a customer message.
///
/// The message is [normalised](crate::text::normalize) first, so case, full-width
/// digits and odd spacing do not matter. See [`Entities`] for what each field accepts.
///
/// # Example
/// ```
/// use pattern_learning::v1::entities::extract_entities;
/// let e = extract_entities("Can I move my Bedford booking on 3/14 to 7:30 PM?");
/// assert_eq!(e.time.as_deref(), Some("7:30pm"));
/// assert_eq!(e.date.as_deref(), Some("3/14"));
/// assert_eq!(e.location.as_deref(), Some("Bedford"));
/// assert_eq!(e.bay_number, None);
/// ```
pub fn extract_entities(message: &str) -> Entities {
    let message = text::normalize(message);
    Entities {
        bay_number: BAY
            .captures(&message)
            .and_then(|caps| Some(caps.get(1)?.as_str().to_owned())),
        time: TIME.captures_iter(&message).find_map(|caps| time(&caps)),
        date: DATE.captures_iter(&message).find_map(|caps| date(&caps)),
        location: LOCATION.captures(&message).and_then(|caps| location(&caps)),
        issue_type: ISSUE_TYPES
            .iter()
            .find(|(regex, _)| regex.is_match(&message))
            .map(|(_, issue)| (*issue).to_owned()),
    }
}

fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("entity patterns are valid regular expressions")
}

// All patterns run on normalised (case-folded) text.
static BAY: LazyLock<Regex> = LazyLock::new(|| compile(r"\b(?:bay|box)\s*#?\s*([0-9]+)"));
static TIME: LazyLock<Regex> =
    LazyLock::new(|| compile(r"\b(?:([0-9]{1,2}):([0-9]{2})\s*(am|pm)?|([0-9]{1,2})\s*(am|pm))\b"));
static DATE: LazyLock<Regex> =
    LazyLock::new(|| compile(r"\b([0-9]{1,2})/([0-9]{1,2})(?:/(?:[0-9]{2}|[0-9]{4}))?\b"));

/// The sites, in the order of [`LOCATION`]'s capture groups.
const SITES: [&str; 6] = [
    "Bedford",
    "Dartmouth",
    "Bayers Lake",
    "Truro",
    "River Oaks",
    "Stratford",
];
static LOCATION: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?:(bedford)|(dartmouth)|(bayers?\s*lake|bayers)|(truro)|(river\s*oaks)|(stratford))\b",
    )
});

/// V1's issue rules, in order.
static ISSUE_TYPES: LazyLock<[(Regex, &str); 3]> = LazyLock::new(|| {
    [
        (compile(r"track\s*man|simulator"), "trackman"),
        (compile(r"door|unlock|access"), "access"),
        (compile(r"screen|projector|display"), "display"),
    ]
});

/// A checked time from a [`TIME`] match, or `None` if the numbers are not a time.
fn time(caps: &Captures<'_>) -> Option<String> {
    let (hour, minute, meridiem) = match caps.get(1) {
        Some(hour) => (hour, caps.get(2), caps.get(3)),
        None => (caps.get(4)?, None, caps.get(5)),
    };
    let hour: u8 = hour.as_str().parse().ok()?;
    let hour_ok = match meridiem {
        Some(_) => (1..=12).contains(&hour),
        None => hour <= 23,
    };
    let minute = minute.map(|m| m.as_str());
    let minute_ok = minute.is_none_or(|m| m.parse::<u8>().is_ok_and(|m| m <= 59));
    if !hour_ok || !minute_ok {
        return None;
    }
    let mut out = hour.to_string();
    if let Some(minute) = minute {
        out.push(':');
        out.push_str(minute);
    }
    if let Some(meridiem) = meridiem {
        out.push_str(meridiem.as_str());
    }
    Some(out)
}

/// A plausible date from a [`DATE`] match (as written), or `None`.
fn date(caps: &Captures<'_>) -> Option<String> {
    let whole = caps.get(0)?.as_str();
    let a: u8 = caps.get(1)?.as_str().parse().ok()?;
    let b: u8 = caps.get(2)?.as_str().parse().ok()?;
    let plausible = (1..=31).contains(&a) && (1..=31).contains(&b) && (a <= 12 || b <= 12);
    (plausible && whole != "24/7").then(|| whole.to_owned())
}

/// The site named by a [`LOCATION`] match.
fn location(caps: &Captures<'_>) -> Option<String> {
    let group = caps.iter().skip(1).position(|group| group.is_some())?;
    SITES.get(group).map(|site| (*site).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_numbers_are_not_times() {
        assert_eq!(extract_entities("bay 3").time, None);
        assert_eq!(extract_entities("we are 4 people").time, None);
        assert_eq!(extract_entities("at 7 amazing").time, None);
    }

    #[test]
    fn times_are_checked_and_compacted() {
        let time = |m: &str| extract_entities(m).time;
        assert_eq!(time("7PM").as_deref(), Some("7pm"));
        assert_eq!(time("07:30").as_deref(), Some("7:30"));
        assert_eq!(time("10:15 am").as_deref(), Some("10:15am"));
        assert_eq!(time("at 25:00 or 9:00").as_deref(), Some("9:00"));
        assert_eq!(time("13pm"), None);
        assert_eq!(time("12:60"), None);
    }

    #[test]
    fn dates_must_be_plausible() {
        let date = |m: &str| extract_entities(m).date;
        assert_eq!(date("are you open 24/7?"), None);
        assert_eq!(date("on 12/25/2025").as_deref(), Some("12/25/2025"));
        assert_eq!(date("on 25/12").as_deref(), Some("25/12"));
        assert_eq!(date("score 40/50"), None);
    }

    #[test]
    fn locations_are_whole_words() {
        let location = |m: &str| extract_entities(m).location;
        assert_eq!(location("at BAYERS lake").as_deref(), Some("Bayers Lake"));
        assert_eq!(location("bayers").as_deref(), Some("Bayers Lake"));
        assert_eq!(location("riveroaks").as_deref(), Some("River Oaks"));
        assert_eq!(location("bedfordshire"), None);
    }

    proptest::proptest! {
        #[test]
        fn found_entities_have_their_documented_shape(text in "(\\PC|[0-9: /#])*") {
            let e = extract_entities(&text);
            if let Some(bay) = &e.bay_number {
                proptest::prop_assert!(!bay.is_empty() && bay.bytes().all(|b| b.is_ascii_digit()));
            }
            if let Some(time) = &e.time {
                proptest::prop_assert!(time.bytes().all(|b| b.is_ascii_digit() || b":apm".contains(&b)));
            }
            if let Some(location) = &e.location {
                proptest::prop_assert!(SITES.contains(&location.as_str()));
            }
        }
    }
}
