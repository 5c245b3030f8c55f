//! The five predicate types of a ledger entry (DESIGN §2), as typed serde structs.
//!
//! Every entry is a DSSE envelope around an in-toto Statement v1 whose
//! `predicate` is one of:
//!
//! | `predicateType` | Rust type | signed by |
//! |---|---|---|
//! | `urn:trial-ledger:registration:v1` | [`Registration`] | any key; it becomes the trial's owner |
//! | `urn:trial-ledger:amendment:v1` | [`Amendment`] | the owner key |
//! | `urn:trial-ledger:status:v1` | [`StatusUpdate`] | the owner key |
//! | `urn:trial-ledger:results:v1` | [`Results`] | the owner key |
//! | `urn:trial-ledger:consent:v1` | [`Consent`] | a per-trial participant key |
//!
//! The registration's [`TrialRecord`] carries items 3–24 of the WHO Trial
//! Registration Data Set (items 1–2, the registry id and the registration
//! date, come from the ledger itself: the trial id and the witnessed time;
//! item 23, summary results, is the [`Results`] predicate).
//!
//! JSON form: field names are `snake_case` exactly as the Rust fields below
//! (except [`ReportedOutcome::outcome_type`], which is `type`); enum values
//! are `snake_case` strings; `Option` fields are left out when `None`; lists
//! that may be empty may also be left out on input. Every struct rejects
//! unknown fields, so that a misspelt field is an error rather than silently
//! ignored.
//!
//! Dates are [`Date`] (`YYYY-MM-DD`, or `YYYY-MM` as ClinicalTrials.gov
//! writes partial dates) and signer times are [`Timestamp`] (RFC 3339); both
//! are validated when parsed and keep their exact text.
//!
//! Serde checks only the shape and the formats of dates and times. The rules
//! that need more context (non-empty strings, sizes, unique ids, keys,
//! hashes, subjects) are checked by entry validation.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `predicateType` of a [`Registration`].
pub const REGISTRATION_TYPE: &str = "urn:trial-ledger:registration:v1";
/// `predicateType` of an [`Amendment`].
pub const AMENDMENT_TYPE: &str = "urn:trial-ledger:amendment:v1";
/// `predicateType` of a [`StatusUpdate`].
pub const STATUS_TYPE: &str = "urn:trial-ledger:status:v1";
/// `predicateType` of a [`Results`].
pub const RESULTS_TYPE: &str = "urn:trial-ledger:results:v1";
/// `predicateType` of a [`Consent`].
pub const CONSENT_TYPE: &str = "urn:trial-ledger:consent:v1";

// ---------------------------------------------------------------------------
// Dates and times
// ---------------------------------------------------------------------------
//
// Both formats are tiny fixed grammars, and we must keep partial dates
// (`2024-05`) and the exact text (re-serialising must not change an entry), so
// a hand parser of ~100 lines is simpler and smaller than adapting a general
// date crate (`time` has no partial dates and would add a dependency to the
// wasm bundle).

/// Why a date or a timestamp does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// The text is not `YYYY-MM-DD` or `YYYY-MM`.
    #[error("invalid date {0:?}: expected YYYY-MM-DD or YYYY-MM")]
    DateFormat(String),
    /// The text is not an RFC 3339 date-time.
    #[error(
        "invalid timestamp {0:?}: expected RFC 3339, like 2024-05-01T09:30:00Z or 2024-05-01T11:30:00+02:00"
    )]
    TimestampFormat(String),
    /// The month is not 01–12.
    #[error("invalid date {0:?}: the month must be 01 to 12")]
    Month(String),
    /// The day does not exist in that month.
    #[error("invalid date {0:?}: that month has no such day")]
    Day(String),
    /// Hour, minute, second or offset out of range.
    #[error("invalid timestamp {0:?}: hour, minute, second or offset out of range")]
    Time(String),
}

fn is_leap_year(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Parses exactly `n` ASCII digits.
fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: u16, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A calendar date, `YYYY-MM-DD`, or a partial date `YYYY-MM` (the month
/// precision ClinicalTrials.gov uses for many dates).
///
/// Ordering: a partial date compares as the **first day** of its month, so
/// `2024-05` < `2024-05-02`. To keep ordering consistent with equality,
/// `2024-05` sorts immediately before `2024-05-01` (they are not equal).
/// Use [`Date::start_unix_seconds`] to compare with witnessed times.
///
/// The date serialises as exactly the text it was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: Option<u8>,
}

impl Date {
    /// A full date, if it exists in the proleptic Gregorian calendar.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        (year <= 9999 && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Date {
                year,
                month,
                day: Some(day),
            })
    }

    /// A partial (month precision) date.
    pub fn month(year: u16, month: u8) -> Option<Date> {
        (year <= 9999 && (1..=12).contains(&month)).then_some(Date {
            year,
            month,
            day: None,
        })
    }

    /// The year.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    pub fn month_number(&self) -> u8 {
        self.month
    }

    /// The day of the month, or `None` for a partial date.
    pub fn day(&self) -> Option<u8> {
        self.day
    }

    /// Whether this is a partial `YYYY-MM` date.
    pub fn is_partial(&self) -> bool {
        self.day.is_none()
    }

    /// The full date this date compares as: itself, or the first day of its month.
    pub fn first_day(&self) -> Date {
        Date {
            day: Some(self.day.unwrap_or(1)),
            ..*self
        }
    }

    /// Days since 1970-01-01 of [`Date::first_day`].
    pub fn unix_days(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day.unwrap_or(1))
    }

    /// Seconds since the Unix epoch of 00:00:00 UTC on [`Date::first_day`]
    /// (the start of the date, to compare with witnessed times).
    pub fn start_unix_seconds(&self) -> i64 {
        self.unix_days() * 86_400
    }

    fn sort_key(&self) -> (u16, u8, u8, bool) {
        (
            self.year,
            self.month,
            self.day.unwrap_or(1),
            self.day.is_some(),
        )
    }
}

impl Ord for Date {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for Date {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl FromStr for Date {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Date, DateError> {
        let b = s.as_bytes();
        let format = || DateError::DateFormat(s.to_owned());
        if (b.len() != 7 && b.len() != 10) || b[4] != b'-' || (b.len() == 10 && b[7] != b'-') {
            return Err(format());
        }
        let year = digits(&b[0..4]).ok_or_else(format)?;
        let month = digits(&b[5..7]).ok_or_else(format)?;
        let year = u16::try_from(year).map_err(|_| format())?;
        let month = u8::try_from(month).map_err(|_| format())?;
        if !(1..=12).contains(&month) {
            return Err(DateError::Month(s.to_owned()));
        }
        if b.len() == 7 {
            return Ok(Date {
                year,
                month,
                day: None,
            });
        }
        let day = digits(&b[8..10]).ok_or_else(format)?;
        let day = u8::try_from(day).map_err(|_| format())?;
        Date::new(year, month, day).ok_or_else(|| DateError::Day(s.to_owned()))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)?;
        if let Some(day) = self.day {
            write!(f, "-{day:02}")?;
        }
        Ok(())
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// An RFC 3339 date-time (`2024-05-01T09:30:00Z`, `2024-05-01T11:30:00.5+02:00`),
/// the signer's claimed creation time of an entry.
///
/// It is a claim, not evidence: the witnessed time is. The text is kept
/// exactly as written (and serialised back unchanged); ordering and equality
/// are by the text, use [`Timestamp::unix_seconds`] to compare instants.
/// `T`/`Z` may be lowercase as RFC 3339 allows; a leap second (`:60`) is
/// accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp {
    text: String,
    unix_seconds: i64,
}

impl Timestamp {
    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whole seconds since the Unix epoch (UTC), fractions truncated.
    pub fn unix_seconds(&self) -> i64 {
        self.unix_seconds
    }

    /// A UTC timestamp `YYYY-MM-DDTHH:MM:SSZ` for `unix_seconds` (callers
    /// supply the clock; the library has none). `None` outside years 0–9999.
    pub fn from_unix_seconds(unix_seconds: i64) -> Option<Timestamp> {
        let days = unix_seconds.div_euclid(86_400);
        let secs = unix_seconds.rem_euclid(86_400);
        // Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        if !(0..=9999).contains(&year) {
            return None;
        }
        let text = format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        text.parse().ok()
    }
}

impl FromStr for Timestamp {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Timestamp, DateError> {
        let b = s.as_bytes();
        let format = || DateError::TimestampFormat(s.to_owned());
        let range = || DateError::Time(s.to_owned());
        if b.len() < 20 || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
            return Err(format());
        }
        let date_text = s.get(..10).ok_or_else(format)?;
        let date: Date = date_text.parse().map_err(|e| match e {
            DateError::DateFormat(_) => format(),
            DateError::Month(_) => DateError::Month(s.to_owned()),
            _ => DateError::Day(s.to_owned()),
        })?;
        let hour = digits(&b[11..13]).ok_or_else(format)?;
        let minute = digits(&b[14..16]).ok_or_else(format)?;
        let second = digits(&b[17..19]).ok_or_else(format)?;
        if hour > 23 || minute > 59 || second > 60 {
            return Err(range());
        }
        let mut rest = &b[19..];
        if let Some(frac) = rest.strip_prefix(b".") {
            let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return Err(format());
            }
            rest = &frac[n..];
        }
        let offset_seconds: i64 = match rest {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let oh = digits(&[*h1, *h2]).ok_or_else(format)?;
                let om = digits(&[*m1, *m2]).ok_or_else(format)?;
                if oh > 23 || om > 59 {
                    return Err(range());
                }
                let off = i64::from(oh * 3600 + om * 60);
                if *sign == b'-' { -off } else { off }
            }
            _ => return Err(format()),
        };
        let unix_seconds = date.unix_days() * 86_400
            + i64::from(hour * 3600 + minute * 60 + second)
            - offset_seconds;
        Ok(Timestamp {
            text: s.to_owned(),
            unix_seconds,
        })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------
// The five predicates
// ---------------------------------------------------------------------------

/// Which of the five predicate types an entry carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PredicateKind {
    /// [`Registration`].
    Registration,
    /// [`Amendment`].
    Amendment,
    /// [`StatusUpdate`].
    Status,
    /// [`Results`].
    Results,
    /// [`Consent`].
    Consent,
}

impl PredicateKind {
    /// All kinds, in the order of the table in DESIGN §2.
    pub const ALL: [PredicateKind; 5] = [
        PredicateKind::Registration,
        PredicateKind::Amendment,
        PredicateKind::Status,
        PredicateKind::Results,
        PredicateKind::Consent,
    ];

    /// The statement's `predicateType` URN.
    pub fn predicate_type(self) -> &'static str {
        match self {
            PredicateKind::Registration => REGISTRATION_TYPE,
            PredicateKind::Amendment => AMENDMENT_TYPE,
            PredicateKind::Status => STATUS_TYPE,
            PredicateKind::Results => RESULTS_TYPE,
            PredicateKind::Consent => CONSENT_TYPE,
        }
    }

    /// The kind named by a `predicateType`, if it is one of ours.
    pub fn from_predicate_type(predicate_type: &str) -> Option<PredicateKind> {
        PredicateKind::ALL
            .into_iter()
            .find(|k| k.predicate_type() == predicate_type)
    }

    /// A short lowercase name: `registration`, `amendment`, `status`,
    /// `results` or `consent` (also the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            PredicateKind::Registration => "registration",
            PredicateKind::Amendment => "amendment",
            PredicateKind::Status => "status",
            PredicateKind::Results => "results",
            PredicateKind::Consent => "consent",
        }
    }

    /// Whether only the trial's owner key may sign this kind (amendment,
    /// status, results).
    pub fn owner_only(self) -> bool {
        matches!(
            self,
            PredicateKind::Amendment | PredicateKind::Status | PredicateKind::Results
        )
    }
}

impl fmt::Display for PredicateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `urn:trial-ledger:registration:v1` — a trial's pre-registration. Signed by
/// any key, which becomes the trial's owner key. The trial's id is derived
/// from this entry's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// Base64 (standard, padded) of the signer's 32-byte Ed25519 public key.
    pub signer_key: String,
    /// When the signer says it created the entry (a claim; the witnessed
    /// time is the evidence).
    pub created_at: Timestamp,
    /// The WHO Trial Registration Data Set, items 3–24.
    pub trial: TrialRecord,
    /// The consent forms participants will be asked to sign; each refers to
    /// a statement subject with role `consent-form`. May be empty.
    #[serde(default)]
    pub consent_forms: Vec<ConsentForm>,
}

/// `urn:trial-ledger:amendment:v1` — a new version of the registration.
/// Signed by the owner key. Carries the full updated record (not a diff);
/// new document versions are statement subjects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    /// Base64 of the signer's 32-byte Ed25519 public key (must be the owner's).
    pub signer_key: String,
    /// The signer's claimed creation time.
    pub created_at: Timestamp,
    /// The trial amended, `TL-` + 16 Crockford base32 characters.
    pub trial_id: String,
    /// `entry_hash` (64 lowercase hex) of the trial's latest entry: one
    /// linear history per trial.
    pub prev: String,
    /// Why the registration changes (required, non-empty).
    pub reason: String,
    /// The full updated WHO data set.
    pub trial: TrialRecord,
    /// The full updated list of consent forms (forms registered earlier stay
    /// valid for consent entries even when left out here).
    #[serde(default)]
    pub consent_forms: Vec<ConsentForm>,
}

/// `urn:trial-ledger:status:v1` — recruitment status and actual dates.
/// Signed by the owner key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusUpdate {
    /// Base64 of the signer's 32-byte Ed25519 public key (must be the owner's).
    pub signer_key: String,
    /// The signer's claimed creation time.
    pub created_at: Timestamp,
    /// The trial, `TL-…`.
    pub trial_id: String,
    /// `entry_hash` of the trial's latest entry.
    pub prev: String,
    /// The recruitment status from now on.
    pub recruitment_status: RecruitmentStatus,
    /// When the first participant was actually enrolled (the date that
    /// decides whether the registration was prospective).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_first_enrolment: Option<Date>,
    /// When the trial actually completed (last participant's last visit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_completion: Option<Date>,
}

/// `urn:trial-ledger:results:v1` — the reported outcomes. Signed by the
/// owner key; result documents (clinical study report, datasets, final
/// analysis plan) are statement subjects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Results {
    /// Base64 of the signer's 32-byte Ed25519 public key (must be the owner's).
    pub signer_key: String,
    /// The signer's claimed creation time.
    pub created_at: Timestamp,
    /// The trial, `TL-…`.
    pub trial_id: String,
    /// `entry_hash` of the trial's latest entry.
    pub prev: String,
    /// Every outcome reported, pre-specified or not (at least one).
    pub outcomes: Vec<ReportedOutcome>,
    /// Summary of the results in plain language (WHO item 23).
    pub summary: String,
}

/// `urn:trial-ledger:consent:v1` — a participant gives or withdraws consent.
/// Signed by a per-trial participant key; its one subject is the
/// `consent-record` commitment SHA-256(salt ‖ signed consent record).
/// Nothing else about the participant is on the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// Base64 of the participant's per-trial 32-byte Ed25519 public key.
    pub signer_key: String,
    /// The signer's claimed creation time.
    pub created_at: Timestamp,
    /// The trial, `TL-…`.
    pub trial_id: String,
    /// SHA-256 (64 lowercase hex) of the consent form's exact bytes: one of
    /// the trial's registered consent-form subjects.
    pub form: String,
    /// Given or withdrawn.
    pub event: ConsentEvent,
}

/// A consent event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentEvent {
    /// The participant consents.
    Given,
    /// The participant withdraws consent.
    Withdrawn,
}

/// One outcome as reported in a [`Results`] predicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportedOutcome {
    /// The [`Outcome::id`] of the pre-specified outcome this reports, or
    /// `None`/`null` for an outcome that was not registered (or whose id the
    /// sponsor does not state; it is then matched by text).
    #[serde(default)]
    pub registered_id: Option<String>,
    /// What was measured, as reported.
    pub measure: String,
    /// The rank the outcome is reported with. JSON field `type`.
    #[serde(rename = "type")]
    pub outcome_type: OutcomeType,
    /// When it was measured, as reported.
    pub time_frame: String,
    /// The result (estimate, interval, or a reference into a result document).
    pub result: String,
    /// Why this outcome differs from (or was added to) the registration;
    /// when present it must be non-empty. A declared change is not a finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_reason: Option<String>,
}

/// The rank of an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeType {
    /// A primary outcome.
    Primary,
    /// A (key) secondary outcome.
    Secondary,
    /// Any other outcome (e.g. exploratory, post hoc, adverse events).
    Other,
}

/// A consent form participants sign, registered by a registration or an
/// amendment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentForm {
    /// The `name` of the statement subject (role `consent-form`) holding the
    /// form's SHA-256, e.g. `consent-v1-en.pdf`.
    pub subject: String,
    /// The form's version, e.g. `1` or `2.1`.
    pub version: String,
    /// The form's language as a BCP 47 tag, e.g. `en`, `fr-CA`.
    pub language: String,
    /// The choices a participant makes (at least one).
    pub options: Vec<ConsentOption>,
}

/// One choice on a consent form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentOption {
    /// Unique within the form, e.g. `participate`, `future-research`.
    pub id: String,
    /// What the participant agrees to, as shown.
    pub label: String,
    /// Whether consent to this option is needed to take part.
    pub required: bool,
}

// ---------------------------------------------------------------------------
// The WHO Trial Registration Data Set
// ---------------------------------------------------------------------------

/// WHO Trial Registration Data Set (v1.3.1) items 3–24, except 23 (summary
/// results, see [`Results`]). Item numbers are given per field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialRecord {
    /// Item 3: identifiers assigned by other registries, sponsors or funders
    /// (e.g. `{issuer: "ClinicalTrials.gov", id: "NCT01234567"}`).
    #[serde(default)]
    pub secondary_ids: Vec<SecondaryId>,
    /// Item 4: sources of monetary or material support (names).
    #[serde(default)]
    pub funding_sources: Vec<String>,
    /// Item 5: the individual or organisation responsible for the trial.
    pub primary_sponsor: String,
    /// Item 6: further sponsors (names).
    #[serde(default)]
    pub secondary_sponsors: Vec<String>,
    /// Item 7: contact for public queries.
    pub public_contact: Contact,
    /// Item 8: contact for scientific queries.
    pub scientific_contact: Contact,
    /// Item 9: title for lay people.
    pub public_title: String,
    /// Item 10: scientific title as in the protocol.
    pub scientific_title: String,
    /// Item 10: acronym of the scientific title, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acronym: Option<String>,
    /// Item 11: countries of recruitment (names or ISO 3166 codes).
    #[serde(default)]
    pub countries: Vec<String>,
    /// Item 12: health conditions or problems studied.
    pub conditions: Vec<String>,
    /// Item 13: interventions, including comparators/controls.
    pub interventions: Vec<Intervention>,
    /// Item 14: key inclusion and exclusion criteria.
    pub eligibility: Eligibility,
    /// Item 15: study type.
    pub study_type: StudyType,
    /// Item 15: study design.
    #[serde(default)]
    pub design: StudyDesign,
    /// Item 16: anticipated date of first enrolment.
    pub date_of_first_enrolment: Date,
    /// Item 17: target sample size (participants), greater than zero.
    pub target_sample_size: u32,
    /// Item 18: recruitment status at registration time.
    pub recruitment_status: RecruitmentStatus,
    /// Item 19: primary outcomes (at least one).
    pub primary_outcomes: Vec<Outcome>,
    /// Item 20: key secondary outcomes.
    #[serde(default)]
    pub secondary_outcomes: Vec<Outcome>,
    /// Item 21: ethics review.
    pub ethics_review: EthicsReview,
    /// Item 22: anticipated completion date (last participant's last visit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_date: Option<Date>,
    /// Item 24: individual participant data (IPD) sharing statement.
    pub ipd_sharing: IpdSharing,
}

/// An identifier of the trial elsewhere (WHO item 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecondaryId {
    /// Who assigned it: a registry (`ClinicalTrials.gov`, `EUCTR`, `ISRCTN`),
    /// a sponsor or a funder.
    pub issuer: String,
    /// The identifier, e.g. `NCT01234567`.
    pub id: String,
}

/// A contact point (WHO items 7 and 8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Person or office name.
    pub name: String,
    /// Organisation.
    pub affiliation: String,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Telephone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// An intervention or comparator (WHO item 13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Intervention {
    /// Kind, lowercase, e.g. `drug`, `device`, `biological`, `procedure`,
    /// `behavioral`, `dietary_supplement`, `radiation`, `genetic`,
    /// `diagnostic_test`, `combination_product`, `other` (CT.gov's
    /// InterventionType vocabulary in snake_case).
    pub kind: String,
    /// Name, e.g. a generic drug name.
    pub name: String,
    /// Dose, duration, mode of administration and other details.
    pub description: String,
    /// Whether this is a comparator or control (placebo, usual care,
    /// active control).
    pub comparator: bool,
}

/// Key inclusion and exclusion criteria (WHO item 14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    /// Inclusion criteria (free text, may be a list).
    pub inclusion_criteria: String,
    /// Exclusion criteria (free text; may be empty).
    #[serde(default)]
    pub exclusion_criteria: String,
    /// Sexes eligible.
    pub sex: Sex,
    /// Minimum age, e.g. `18 Years` (CT.gov form); `None` means no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_age: Option<String>,
    /// Maximum age, e.g. `75 Years`; `None` means no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_age: Option<String>,
}

/// Sexes eligible for the trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Everyone.
    All,
    /// Females only.
    Female,
    /// Males only.
    Male,
}

/// Study type (WHO item 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StudyType {
    /// Participants are assigned to interventions by the protocol.
    Interventional,
    /// Participants are observed, not assigned.
    Observational,
    /// Expanded access outside a trial (CT.gov `EXPANDED_ACCESS`).
    ExpandedAccess,
}

/// Study design (WHO item 15). Free text with a recommended vocabulary
/// (CT.gov's, in lowercase snake_case), because registries word designs
/// differently; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyDesign {
    /// Allocation: `randomized`, `non_randomized`, `na`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation: Option<String>,
    /// Masking: `none`, `single`, `double`, `triple`, `quadruple`, optionally
    /// followed by who is masked, e.g. `double (participant, investigator)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masking: Option<String>,
    /// Intervention assignment model: `single_group`, `parallel`,
    /// `crossover`, `factorial`, `sequential`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment: Option<String>,
    /// Primary purpose: `treatment`, `prevention`, `diagnostic`,
    /// `supportive_care`, `screening`, `health_services_research`,
    /// `basic_science`, `device_feasibility`, `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Phase: `na`, `early_phase1`, `phase1`, `phase1/phase2`, `phase2`,
    /// `phase2/phase3`, `phase3`, `phase4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
}

/// Recruitment status (WHO item 18), the union of WHO's values (pending,
/// recruiting, suspended, complete, other) and ClinicalTrials.gov's
/// `overallStatus`, so both import losslessly.
///
/// | value | WHO | CT.gov |
/// |---|---|---|
/// | `pending` | pending | NOT_YET_RECRUITING |
/// | `recruiting` | recruiting | RECRUITING |
/// | `enrolling_by_invitation` | recruiting | ENROLLING_BY_INVITATION |
/// | `active_not_recruiting` | other | ACTIVE_NOT_RECRUITING |
/// | `suspended` | suspended | SUSPENDED |
/// | `terminated` | other | TERMINATED |
/// | `complete` | complete | COMPLETED |
/// | `withdrawn` | other | WITHDRAWN (stopped before enrolling) |
/// | `other` | other | UNKNOWN, expanded-access statuses |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecruitmentStatus {
    /// Not yet recruiting.
    Pending,
    /// Recruiting.
    Recruiting,
    /// Enrolling by invitation only.
    EnrollingByInvitation,
    /// Active, no longer recruiting (follow-up ongoing).
    ActiveNotRecruiting,
    /// Recruitment halted temporarily.
    Suspended,
    /// Stopped early, will not resume.
    Terminated,
    /// Completed.
    Complete,
    /// Withdrawn before the first participant was enrolled.
    Withdrawn,
    /// Anything else (e.g. unknown).
    Other,
}

impl RecruitmentStatus {
    /// The WHO item 18 category: `pending`, `recruiting`, `suspended`,
    /// `complete` or `other`.
    pub fn who_category(self) -> &'static str {
        match self {
            RecruitmentStatus::Pending => "pending",
            RecruitmentStatus::Recruiting | RecruitmentStatus::EnrollingByInvitation => {
                "recruiting"
            }
            RecruitmentStatus::Suspended => "suspended",
            RecruitmentStatus::Complete => "complete",
            RecruitmentStatus::ActiveNotRecruiting
            | RecruitmentStatus::Terminated
            | RecruitmentStatus::Withdrawn
            | RecruitmentStatus::Other => "other",
        }
    }
}

/// A pre-specified outcome (WHO items 19 and 20).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// Unique across the trial's primary and secondary outcomes, e.g. `P1`,
    /// `S2`; results refer to it by [`ReportedOutcome::registered_id`].
    pub id: String,
    /// What is measured (name of the outcome measure).
    pub measure: String,
    /// How it is measured, if more needs saying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it is measured, e.g. `12 weeks after randomisation`.
    pub time_frame: String,
}

/// Ethics review (WHO item 21).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EthicsReview {
    /// Where the review stands.
    pub status: EthicsStatus,
    /// Date of approval (or of the decision).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// The committee that reviewed (or will review) the protocol.
    pub committee: EthicsCommittee,
}

/// Status of the ethics review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EthicsStatus {
    /// Approved.
    Approved,
    /// Not approved.
    NotApproved,
    /// Submitted, decision pending.
    Pending,
    /// Not yet submitted.
    NotYetSubmitted,
    /// No ethics review is required for this study.
    NotRequired,
}

/// An ethics committee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EthicsCommittee {
    /// Name of the committee.
    pub name: String,
    /// How to reach it (address, e-mail, telephone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// IPD sharing statement (WHO item 24).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IpdSharing {
    /// Whether individual participant data will be shared.
    pub plan: IpdPlan,
    /// What, when, with whom and how (may be empty when `plan` is `no`).
    #[serde(default)]
    pub description: String,
}

/// Whether individual participant data will be shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpdPlan {
    /// Yes.
    Yes,
    /// No.
    No,
    /// Not decided yet.
    Undecided,
}

/// Any of the five predicates, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Predicate {
    /// `urn:trial-ledger:registration:v1`.
    Registration(Registration),
    /// `urn:trial-ledger:amendment:v1`.
    Amendment(Amendment),
    /// `urn:trial-ledger:status:v1`.
    Status(StatusUpdate),
    /// `urn:trial-ledger:results:v1`.
    Results(Results),
    /// `urn:trial-ledger:consent:v1`.
    Consent(Consent),
}

impl Predicate {
    /// The predicate's kind.
    pub fn kind(&self) -> PredicateKind {
        match self {
            Predicate::Registration(_) => PredicateKind::Registration,
            Predicate::Amendment(_) => PredicateKind::Amendment,
            Predicate::Status(_) => PredicateKind::Status,
            Predicate::Results(_) => PredicateKind::Results,
            Predicate::Consent(_) => PredicateKind::Consent,
        }
    }

    /// `signer_key`: base64 of the signer's Ed25519 public key.
    pub fn signer_key(&self) -> &str {
        match self {
            Predicate::Registration(p) => &p.signer_key,
            Predicate::Amendment(p) => &p.signer_key,
            Predicate::Status(p) => &p.signer_key,
            Predicate::Results(p) => &p.signer_key,
            Predicate::Consent(p) => &p.signer_key,
        }
    }

    /// `created_at`: the signer's claimed creation time.
    pub fn created_at(&self) -> &Timestamp {
        match self {
            Predicate::Registration(p) => &p.created_at,
            Predicate::Amendment(p) => &p.created_at,
            Predicate::Status(p) => &p.created_at,
            Predicate::Results(p) => &p.created_at,
            Predicate::Consent(p) => &p.created_at,
        }
    }

    /// The `trial_id` the entry names (`None` for a registration, whose id
    /// is derived from its own hash).
    pub fn trial_id(&self) -> Option<&str> {
        match self {
            Predicate::Registration(_) => None,
            Predicate::Amendment(p) => Some(&p.trial_id),
            Predicate::Status(p) => Some(&p.trial_id),
            Predicate::Results(p) => Some(&p.trial_id),
            Predicate::Consent(p) => Some(&p.trial_id),
        }
    }

    /// The `prev` link, for the owner-only kinds.
    pub fn prev(&self) -> Option<&str> {
        match self {
            Predicate::Amendment(p) => Some(&p.prev),
            Predicate::Status(p) => Some(&p.prev),
            Predicate::Results(p) => Some(&p.prev),
            Predicate::Registration(_) | Predicate::Consent(_) => None,
        }
    }

    /// Parses a predicate of `kind` from its JSON value.
    pub fn from_json(
        kind: PredicateKind,
        value: serde_json::Value,
    ) -> Result<Predicate, serde_json::Error> {
        Ok(match kind {
            PredicateKind::Registration => Predicate::Registration(serde_json::from_value(value)?),
            PredicateKind::Amendment => Predicate::Amendment(serde_json::from_value(value)?),
            PredicateKind::Status => Predicate::Status(serde_json::from_value(value)?),
            PredicateKind::Results => Predicate::Results(serde_json::from_value(value)?),
            PredicateKind::Consent => Predicate::Consent(serde_json::from_value(value)?),
        })
    }

    /// The predicate as a JSON value.
    pub fn to_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        match self {
            Predicate::Registration(p) => serde_json::to_value(p),
            Predicate::Amendment(p) => serde_json::to_value(p),
            Predicate::Status(p) => serde_json::to_value(p),
            Predicate::Results(p) => serde_json::to_value(p),
            Predicate::Consent(p) => serde_json::to_value(p),
        }
    }
}

impl From<Registration> for Predicate {
    fn from(p: Registration) -> Predicate {
        Predicate::Registration(p)
    }
}

impl From<Amendment> for Predicate {
    fn from(p: Amendment) -> Predicate {
        Predicate::Amendment(p)
    }
}

impl From<StatusUpdate> for Predicate {
    fn from(p: StatusUpdate) -> Predicate {
        Predicate::Status(p)
    }
}

impl From<Results> for Predicate {
    fn from(p: Results) -> Predicate {
        Predicate::Results(p)
    }
}

impl From<Consent> for Predicate {
    fn from(p: Consent) -> Predicate {
        Predicate::Consent(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_and_order() {
        let full: Date = "2024-05-01".parse().unwrap();
        let partial: Date = "2024-05".parse().unwrap();
        let later: Date = "2024-05-02".parse().unwrap();
        assert!(partial < full && full < later);
        assert_eq!(partial.to_string(), "2024-05");
        assert_eq!(full.start_unix_seconds(), partial.start_unix_seconds());
        assert_eq!("1970-01-01".parse::<Date>().unwrap().unix_days(), 0);
        assert!("2023-02-29".parse::<Date>().is_err());
        assert!("2024-02-29".parse::<Date>().is_ok());
        assert!("2024-13".parse::<Date>().is_err());
        assert!("2024-5-01".parse::<Date>().is_err());
        assert!("２０２４-05".parse::<Date>().is_err());
    }

    #[test]
    fn timestamps_parse() {
        let t: Timestamp = "2024-05-01T11:30:00.25+02:00".parse().unwrap();
        let z: Timestamp = "2024-05-01T09:30:00Z".parse().unwrap();
        assert_eq!(t.unix_seconds(), z.unix_seconds());
        assert_eq!(z.unix_seconds(), 1_714_555_800);
        assert_eq!(Timestamp::from_unix_seconds(1_714_555_800).unwrap(), z);
        for bad in [
            "2024-05-01",
            "2024-05-01T09:30:00",
            "2024-05-01 09:30:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T09:30:00.Z",
            "2024-05-01T09:30:00+0200",
            "2024-02-30T09:30:00Z",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
        }
    }
}
