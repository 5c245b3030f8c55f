//! Property tests: a signed entry with any bytes changed is never accepted,
//! and the date and time parsers round-trip and never panic.
#![cfg(not(target_arch = "wasm32"))]

mod entries_common;

use entries_common::Example;
use proptest::prelude::*;
use verifier::entry::{Entry, TrialId};
use verifier::fixtures;
use verifier::predicate::{ConsentEvent, Date, Timestamp};
use verifier::trial::Ledger;

fn consent_entry() -> Vec<u8> {
    let example = Example::new();
    example.consent(
        &fixtures::form_hash(fixtures::CONSENT_V1),
        ConsentEvent::Given,
        7,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Flipping 1–3 bytes anywhere (envelope syntax, base64 payload,
    /// keyid, signature) never yields an accepted entry: the canonical
    /// envelope form and the signature leave no byte free.
    #[test]
    fn flipped_bytes_are_rejected(
        which in 0usize..2,
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..=3),
    ) {
        let original = if which == 0 {
            Example::new().registration().to_vec()
        } else {
            consent_entry()
        };
        let mut bytes = original.clone();
        for (index, mask) in &flips {
            bytes[index.index(original.len())] ^= mask;
        }
        prop_assume!(bytes != original);
        match Entry::parse(&bytes) {
            Err(_) => {}
            Ok(entry) => {
                // Never accepted as something else; in fact never accepted at all.
                let same = Entry::parse(&original).unwrap();
                prop_assert_eq!(entry.predicate(), same.predicate());
                prop_assert!(false, "a modified entry was accepted");
            }
        }
    }

    /// Truncated or extended entries are rejected too.
    #[test]
    fn truncated_or_extended_entries_are_rejected(cut in any::<prop::sample::Index>(), tail in prop::collection::vec(any::<u8>(), 1..8)) {
        let original = consent_entry();
        let cut = cut.index(original.len());
        prop_assert!(Entry::parse(&original[..cut]).is_err());
        let mut extended = original.clone();
        extended.extend_from_slice(&tail);
        prop_assert!(Entry::parse(&extended).is_err());
        let ledger = Ledger::new();
        prop_assert!(ledger.check(&original[..cut]).is_err());
    }

    /// Arbitrary bytes never make the parser panic.
    #[test]
    fn arbitrary_bytes_do_not_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        prop_assert!(Entry::parse(&bytes).is_err());
    }

    /// Arbitrary JSON-ish envelopes never make the parser panic.
    #[test]
    fn arbitrary_envelopes_do_not_panic(payload_type in ".{0,40}", payload in "[A-Za-z0-9+/=]{0,200}", keyid in "[0-9a-f]{0,20}", sig in "[A-Za-z0-9+/=]{0,100}") {
        let text = format!(r#"{{"payloadType":{},"payload":"{payload}","signatures":[{{"keyid":"{keyid}","sig":"{sig}"}}]}}"#, serde_json::Value::from(payload_type));
        prop_assert!(Entry::parse(text.as_bytes()).is_err());
    }

    /// Valid dates print as they parse and order like (year, month, day).
    #[test]
    fn dates_round_trip(year in 0u16..=9999, month in 1u8..=12, day in 1u8..=31, partial in any::<bool>()) {
        let date = if partial { Date::month(year, month) } else { Date::new(year, month, day) };
        if let Some(date) = date {
            let text = date.to_string();
            prop_assert_eq!(text.parse::<Date>().unwrap(), date);
            prop_assert_eq!(text.len(), if partial { 7 } else { 10 });
            let first = date.first_day();
            prop_assert!(date <= first);
            prop_assert_eq!(date.unix_days(), first.unix_days());
        } else {
            prop_assert!(!partial);
            let text = format!("{year:04}-{month:02}-{day:02}");
            prop_assert!(text.parse::<Date>().is_err());
        }
    }

    /// Day numbers are consecutive across month and year ends.
    #[test]
    fn unix_days_are_consecutive(days in -700_000i64..2_900_000) {
        let t = Timestamp::from_unix_seconds(days * 86_400);
        if let Some(t) = t {
            let date: Date = t.as_str()[..10].parse().unwrap();
            prop_assert_eq!(date.unix_days(), days);
            prop_assert_eq!(t.unix_seconds(), days * 86_400);
        }
    }

    /// Any string: the parsers return errors, never panic.
    #[test]
    fn parsers_do_not_panic(text in "\\PC{0,40}") {
        let _ = text.parse::<Date>();
        let _ = text.parse::<Timestamp>();
        let _ = text.parse::<TrialId>();
        let _ = TrialId::parse_lenient(&text);
    }

    /// Timestamps with offsets denote the same instant as in UTC.
    #[test]
    fn timestamp_offsets(secs in 0i64..253_402_300_799, offset_minutes in -1439i64..=1439) {
        let utc = Timestamp::from_unix_seconds(secs).unwrap();
        let local = Timestamp::from_unix_seconds(secs + offset_minutes * 60);
        if let Some(local) = local {
            let sign = if offset_minutes < 0 { '-' } else { '+' };
            let m = offset_minutes.abs();
            let text = format!("{}{sign}{:02}:{:02}", &local.as_str()[..19], m / 60, m % 60);
            let parsed: Timestamp = text.parse().unwrap();
            prop_assert_eq!(parsed.unix_seconds(), utc.unix_seconds());
        }
    }
}
