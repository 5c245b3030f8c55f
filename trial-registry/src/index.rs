//! The trial search index behind `GET /api/v1/trials?q=`: an in-memory index
//! over each trial's *current* registration (as last amended), kept in step
//! with the sequencer's [`Ledger`].
//!
//! What is indexed, per trial: the trial id, the secondary ids (so an NCT or
//! ISRCTN number finds the trial), the public and scientific titles and the
//! acronym ("titles"), and the conditions, primary and secondary sponsors and
//! interventions ("others").
//!
//! Matching is case- and accent-insensitive ([`fold`]): text and query are
//! lowercased, Latin letters lose their diacritics (`é` → `e`, `ß` → `ss`,
//! decomposed combining marks are dropped) and everything that is not a
//! letter or digit separates words. A query matches a trial when **every**
//! query word occurs as a substring of one of its indexed words (so `hyper`
//! finds "Hypertension"). Ranking, best first:
//!
//! 1. the trial id itself (`TL-…`, read leniently by
//!    [`TrialId::parse_lenient`]), then an exact secondary id (`NCT00763412`,
//!    punctuation ignored), then a trial id prefix;
//! 2. text matches, scored per query word: in a title beats elsewhere, at
//!    the start of a word beats inside one; an acronym equal to the query is
//!    a bonus;
//! 3. ties: the more recently registered trial first.
//!
//! An empty query lists the most recently registered trials (the portal's
//! "recent trials"). Queries are limited to [`MAX_QUERY_BYTES`] bytes and
//! [`MAX_QUERY_WORDS`] words; results to [`MAX_LIMIT`].
//!
//! Updating: [`TrialIndex::refresh`] compares the ledger's last applied index
//! with the one it indexed; when they differ it walks the trials once and
//! re-indexes only those with new entries (a consent entry only bumps a
//! count). With 10,000 trials a refresh that finds one changed trial costs a
//! walk of the ledger's map (well under a millisecond), a search is a linear
//! scan of pre-folded text (about a millisecond), and a full build is tens of
//! milliseconds (see the `scale` test).
//!
//! What it is not: persistent (it is rebuilt from the ledger at start-up,
//! which the log rebuilds from its store anyway), a full-text engine (no
//! stemming, no typo tolerance, no relevance model beyond the rules above),
//! or a source of truth: every fact it returns is re-checked by clients
//! against the log.

use std::collections::HashMap;

use serde::Serialize;
use verifier::entry::TrialId;
use verifier::predicate::RecruitmentStatus;
use verifier::trial::{Ledger, TrialHistory};

/// The longest query accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 200;
/// The most words a query may have.
pub const MAX_QUERY_WORDS: usize = 12;
/// The most results one search returns.
pub const MAX_LIMIT: usize = 100;
/// Results returned when the caller does not say.
pub const DEFAULT_LIMIT: usize = 50;

/// Why a query is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    /// The query is longer than [`MAX_QUERY_BYTES`].
    #[error("the query is {len} bytes long; at most {MAX_QUERY_BYTES} are accepted")]
    QueryTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The query has more than [`MAX_QUERY_WORDS`] words.
    #[error("the query has {words} words; at most {MAX_QUERY_WORDS} are accepted")]
    TooManyWords {
        /// How many words it has.
        words: usize,
    },
}

/// One trial as the search lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrialSummary {
    /// `TL-…`.
    pub trial_id: String,
    /// The public title of the current registration.
    pub title: String,
    /// The acronym, if any.
    pub acronym: Option<String>,
    /// Health conditions studied.
    pub conditions: Vec<String>,
    /// The primary sponsor.
    pub sponsor: String,
    /// The current recruitment status.
    pub status: RecruitmentStatus,
    /// Log index of the registration.
    pub registered_index: u64,
    /// Number of entries of the trial, consent entries included.
    pub entries: usize,
}

/// One indexed trial.
#[derive(Debug, Clone)]
struct Doc {
    summary: TrialSummary,
    trial_id: TrialId,
    /// Folded trial id, e.g. `tl-0a1b…`.
    id_key: String,
    /// Secondary ids with everything but letters and digits removed, folded.
    secondary_ids: Vec<String>,
    /// Folded acronym (words joined by spaces), empty if none.
    acronym: String,
    /// Folded titles and acronym: ` word word … ` (leading and trailing
    /// space, so ` word` finds the start of a word).
    titles: String,
    /// Folded conditions, sponsors, interventions and secondary ids.
    others: String,
    /// Index of the trial's last entry when indexed.
    last_index: u64,
    /// Number of registration versions when indexed (a new one changes text).
    versions: usize,
}

/// The search index. See the module documentation.
#[derive(Debug, Clone, Default)]
pub struct TrialIndex {
    docs: Vec<Doc>,
    by_id: HashMap<TrialId, usize>,
    /// Positions in `docs` by registration index, ascending (the most
    /// recent last).
    recent: Vec<usize>,
    /// `Ledger::last_index` when last refreshed; `None` before the first.
    through: Option<Option<u64>>,
}

/// What [`TrialIndex::refresh`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// Trials added.
    pub added: usize,
    /// Trials whose text was rebuilt (a new registration version).
    pub reindexed: usize,
    /// Trials whose counts or status changed only.
    pub touched: usize,
}

impl TrialIndex {
    /// An empty index.
    pub fn new() -> TrialIndex {
        TrialIndex::default()
    }

    /// An index of every trial of `ledger`.
    pub fn build(ledger: &Ledger) -> TrialIndex {
        let mut index = TrialIndex::new();
        index.refresh(ledger);
        index
    }

    /// Number of trials indexed.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether no trial is indexed.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Whether `ledger` has entries this index has not seen.
    pub fn is_stale(&self, ledger: &Ledger) -> bool {
        self.through != Some(ledger.last_index())
    }

    /// Brings the index up to date with `ledger` (see the module docs).
    /// The ledger only grows, so trials are never removed.
    pub fn refresh(&mut self, ledger: &Ledger) -> Refreshed {
        let mut done = Refreshed::default();
        if !self.is_stale(ledger) {
            return done;
        }
        let first_new = self.docs.len();
        // Trials whose last entry is at or before the last index seen are
        // unchanged: skip them without a lookup.
        let seen = self.through.flatten();
        for trial in ledger.trials() {
            let last = trial.entries.last().map_or(0, |e| e.index);
            if seen.is_some_and(|seen| last <= seen) {
                continue;
            }
            match self.by_id.get(&trial.trial_id) {
                Some(&pos) => {
                    let Some(doc) = self.docs.get_mut(pos) else {
                        continue;
                    };
                    if doc.last_index == last {
                        continue;
                    }
                    if doc.versions != trial.versions.len() {
                        if let Some(new) = Doc::from_history(trial) {
                            *doc = new;
                            done.reindexed += 1;
                        }
                    } else {
                        doc.summary.entries = trial.entries.len();
                        doc.summary.status = trial.status;
                        doc.last_index = last;
                        done.touched += 1;
                    }
                }
                None => {
                    if let Some(doc) = Doc::from_history(trial) {
                        self.by_id.insert(trial.trial_id.clone(), self.docs.len());
                        self.docs.push(doc);
                        done.added += 1;
                    }
                }
            }
        }
        // Trials registered since the last refresh come after every trial
        // indexed before (the ledger applies entries in log order), so
        // sorting the new ones and appending keeps `recent` ordered.
        let docs = &self.docs;
        let mut new: Vec<usize> = (first_new..docs.len()).collect();
        new.sort_unstable_by_key(|&i| docs[i].summary.registered_index);
        self.recent.extend(new);
        self.through = Some(ledger.last_index());
        done
    }

    /// The summary of one trial, if indexed.
    pub fn get(&self, trial_id: &TrialId) -> Option<&TrialSummary> {
        self.by_id
            .get(trial_id)
            .and_then(|&i| self.docs.get(i))
            .map(|d| &d.summary)
    }

    /// Searches (see the module docs); at most `limit` results (capped at
    /// [`MAX_LIMIT`]), best first. Also returns how many trials matched.
    pub fn search(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<(Vec<&TrialSummary>, usize), IndexError> {
        if query.len() > MAX_QUERY_BYTES {
            return Err(IndexError::QueryTooLong { len: query.len() });
        }
        let limit = limit.min(MAX_LIMIT);
        let folded = fold(query);
        let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        if words.len() > MAX_QUERY_WORDS {
            return Err(IndexError::TooManyWords { words: words.len() });
        }
        if words.is_empty() {
            let hits = self
                .recent
                .iter()
                .rev()
                .take(limit)
                .filter_map(|&i| self.docs.get(i))
                .map(|d| &d.summary)
                .collect();
            return Ok((hits, self.docs.len()));
        }
        let exact_id = TrialId::parse_lenient(query).ok();
        let compact: String = folded.chars().filter(|c| *c != ' ').collect();
        // A trial id prefix as typed: `tl-0a1b`, at least 2 id characters.
        let id_prefix = folded
            .strip_prefix("tl ")
            .filter(|rest| !rest.contains(' ') && rest.len() >= 2)
            .map(|rest| format!("tl-{rest}"));
        let acronym_query = words.join(" ");

        let mut hits: Vec<(u32, u64, usize)> = Vec::new();
        for (pos, doc) in self.docs.iter().enumerate() {
            let score = if exact_id.as_ref() == Some(&doc.trial_id) {
                Some(3000)
            } else if compact.len() >= 4 && doc.secondary_ids.contains(&compact) {
                Some(2000)
            } else if id_prefix
                .as_deref()
                .is_some_and(|p| doc.id_key.starts_with(p))
            {
                Some(1500)
            } else {
                doc.text_score(&words, &acronym_query)
            };
            if let Some(score) = score {
                hits.push((score, doc.summary.registered_index, pos));
            }
        }
        let total = hits.len();
        hits.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
        let results = hits
            .into_iter()
            .take(limit)
            .filter_map(|(_, _, pos)| self.docs.get(pos))
            .map(|d| &d.summary)
            .collect();
        Ok((results, total))
    }
}

impl Doc {
    /// Indexes a trial's current registration (`None` for a history without
    /// one, which the ledger never produces).
    fn from_history(trial: &TrialHistory) -> Option<Doc> {
        let registration = trial.registration()?;
        let record = &trial.current()?.trial;
        let acronym = record.acronym.as_deref().map(fold).unwrap_or_default();
        let mut titles = String::from(" ");
        for text in [
            record.public_title.as_str(),
            record.scientific_title.as_str(),
            record.acronym.as_deref().unwrap_or_default(),
        ] {
            push_folded(&mut titles, text);
        }
        let mut others = String::from(" ");
        for text in record
            .conditions
            .iter()
            .chain([&record.primary_sponsor])
            .chain(&record.secondary_sponsors)
        {
            push_folded(&mut others, text);
        }
        for intervention in &record.interventions {
            push_folded(&mut others, &intervention.name);
        }
        for id in &record.secondary_ids {
            push_folded(&mut others, &id.id);
        }
        let secondary_ids = record
            .secondary_ids
            .iter()
            .map(|s| fold(&s.id).replace(' ', ""))
            .collect();
        Some(Doc {
            summary: TrialSummary {
                trial_id: trial.trial_id.to_string(),
                title: record.public_title.clone(),
                acronym: record.acronym.clone(),
                conditions: record.conditions.clone(),
                sponsor: record.primary_sponsor.clone(),
                status: trial.status,
                registered_index: registration.index,
                entries: trial.entries.len(),
            },
            trial_id: trial.trial_id.clone(),
            id_key: fold(trial.trial_id.as_str()).replace(' ', "-"),
            secondary_ids,
            acronym,
            titles,
            others,
            last_index: trial.entries.last().map_or(registration.index, |e| e.index),
            versions: trial.versions.len(),
        })
    }

    /// The text score: `None` unless every word matches somewhere.
    fn text_score(&self, words: &[&str], acronym_query: &str) -> Option<u32> {
        let mut score = 0u32;
        for word in words {
            let in_titles = find_word(&self.titles, word);
            let found = match in_titles {
                Some(start) => 4 + u32::from(start) * 2,
                None => match find_word(&self.others, word) {
                    Some(start) => 1 + u32::from(start),
                    None => return None,
                },
            };
            score += found;
        }
        if !self.acronym.is_empty() && self.acronym == acronym_query {
            score += 20;
        }
        Some(score)
    }
}

/// Whether `word` occurs in `text` (`None` if not), and whether at the start
/// of a word (`Some(true)`). `text` is ` word word … `.
fn find_word(text: &str, word: &str) -> Option<bool> {
    let mut from = 0;
    let mut found = false;
    while let Some(at) = text.get(from..).and_then(|t| t.find(word)) {
        let at = from + at;
        found = true;
        if text.as_bytes().get(at.wrapping_sub(1)) == Some(&b' ') {
            return Some(true);
        }
        from = at + 1;
        while !text.is_char_boundary(from) {
            from += 1;
        }
    }
    found.then_some(false)
}

/// Appends the folded words of `text` to `out`, followed by a space.
fn push_folded(out: &mut String, text: &str) {
    let folded = fold(text);
    if !folded.is_empty() {
        out.push_str(&folded);
        out.push(' ');
    }
}

/// Folds text for matching: lowercase, Latin diacritics removed, combining
/// marks dropped, every run of non-alphanumeric characters turned into one
/// space, no leading or trailing space. `"Étude  d'Œdème"` → `"etude d oedeme"`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if is_combining_mark(c) {
            continue;
        }
        if !c.is_alphanumeric() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if let Some(base) = latin_base(c) {
            out.push_str(base);
        } else {
            out.extend(c.to_lowercase().filter(|c| !is_combining_mark(*c)));
        }
    }
    out
}

/// Combining diacritical marks (U+0300–U+036F): what NFD splits off Latin
/// letters; dropping them makes decomposed input match precomposed text.
fn is_combining_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// The unaccented lowercase letters of a Latin-1 Supplement or Latin
/// Extended-A letter (`None` for anything else).
fn latin_base(c: char) -> Option<&'static str> {
    // Latin-1 Supplement letters U+00C0–U+00FF, one entry each ("" where the
    // code point is not a letter: × and ÷, which are not alphanumeric and
    // never get here).
    const LATIN1: [&str; 64] = [
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", // C0
        "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "ss", // D0
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", // E0
        "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y", // F0
    ];
    // Latin Extended-A U+0100–U+017F: base letters, 16 per row.
    const EXTENDED_A: [&str; 8] = [
        "aaaaaaccccccccdd", // 100
        "ddeeeeeeeeeegggg", // 110
        "gggghhhhiiiiiiii", // 120
        "iiiijjkkklllllll", // 130 (132/133 ĳ handled below)
        "lllnnnnnnnnnoooo", // 140
        "oooorrrrrrssssss", // 150 (152/153 œ handled below)
        "ssttttttuuuuuuuu", // 160
        "uuuuwwyyyzzzzzzs", // 170
    ];
    let code = u32::from(c);
    match code {
        0xC0..=0xFF => LATIN1
            .get((code - 0xC0) as usize)
            .copied()
            .filter(|s| !s.is_empty()),
        0x132 | 0x133 => Some("ij"),
        0x152 | 0x153 => Some("oe"),
        0x100..=0x17F => {
            let offset = (code - 0x100) as usize;
            let row = EXTENDED_A.get(offset / 16)?;
            row.get(offset % 16..offset % 16 + 1)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use verifier::entry::{EntryBuilder, entry_hash};
    use verifier::fixtures;
    use verifier::predicate::{Amendment, SecondaryId, StatusUpdate};

    #[test]
    fn folding() {
        assert_eq!(fold("Étude  d'Œdème"), "etude d oedeme");
        assert_eq!(fold("Straße, Łódź — Ångström"), "strasse lodz angstrom");
        assert_eq!(fold("Ca\u{308}fe\u{301}"), "cafe");
        assert_eq!(fold("  NCT-0076.3412 "), "nct 0076 3412");
        assert_eq!(fold("ΑΒΓ δ"), "αβγ δ");
        assert_eq!(fold("İstanbul Şişli"), "istanbul sisli");
        assert_eq!(fold(""), "");
        assert_eq!(fold("--"), "");
        for c in '\u{100}'..='\u{17f}' {
            let base = latin_base(c).unwrap();
            assert!(base.chars().all(|b| b.is_ascii_lowercase()), "{c}");
        }
        assert_eq!(latin_base('č'), Some("c"));
        assert_eq!(latin_base('ž'), Some("z"));
        assert_eq!(latin_base('ő'), Some("o"));
        assert_eq!(latin_base('ů'), Some("u"));
        assert_eq!(latin_base('ſ'), Some("s"));
        assert_eq!(latin_base('Ÿ'), Some("y"));
        assert_eq!(latin_base('ÿ'), Some("y"));
        assert_eq!(latin_base('ñ'), Some("n"));
        assert_eq!(latin_base('ř'), Some("r"));
    }

    /// A registration of the example trial with another title, conditions,
    /// sponsor and secondary id, signed by its own key.
    fn registration(seed: u8, title: &str, condition: &str, sponsor: &str, nct: &str) -> Vec<u8> {
        let mut p = fixtures::registration().unwrap();
        p.trial.public_title = title.to_owned();
        p.trial.scientific_title = format!("{title}: a randomised trial");
        p.trial.acronym = None;
        p.trial.conditions = vec![condition.to_owned()];
        p.trial.primary_sponsor = sponsor.to_owned();
        p.trial.secondary_sponsors.clear();
        p.trial.secondary_ids = vec![SecondaryId {
            issuer: "ClinicalTrials.gov".to_owned(),
            id: nct.to_owned(),
        }];
        p.consent_forms.clear();
        EntryBuilder::registration(p)
            .sign(&ed25519_dalek::SigningKey::from_bytes(&[seed; 32]))
            .unwrap()
    }

    fn ledger() -> (Ledger, Vec<TrialId>) {
        let entries = [
            registration(
                1,
                "Vitamin D for winter fatigue",
                "Fatigue",
                "Université de Genève",
                "NCT00000001",
            ),
            registration(
                2,
                "Exercise after stroke",
                "Stroke",
                "Hôpital Nord",
                "NCT00000002",
            ),
            registration(
                3,
                "Sleep hygiene in shift workers",
                "Insomnia after stroke",
                "Vitamin Institute",
                "NCT00000003",
            ),
        ];
        let mut ledger = Ledger::new();
        let mut ids = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            ids.push(ledger.apply(i as u64, e).unwrap().trial_id);
        }
        (ledger, ids)
    }

    fn ids(hits: &[&TrialSummary]) -> Vec<String> {
        hits.iter().map(|s| s.trial_id.clone()).collect()
    }

    #[test]
    fn ranking() {
        let (ledger, t) = ledger();
        let index = TrialIndex::build(&ledger);
        assert_eq!(index.len(), 3);
        let search = |q: &str| ids(&index.search(q, 50).unwrap().0);

        // Empty query: most recently registered first.
        assert_eq!(
            search(""),
            vec![t[2].to_string(), t[1].to_string(), t[0].to_string()]
        );
        // Title beats condition; both match "stroke".
        assert_eq!(search("stroke"), vec![t[1].to_string(), t[2].to_string()]);
        // Title beats sponsor for "vitamin".
        assert_eq!(search("VITAMIN"), vec![t[0].to_string(), t[2].to_string()]);
        // Accents: the sponsor "Université de Genève", "Hôpital".
        assert_eq!(search("universite geneve"), vec![t[0].to_string()]);
        assert_eq!(search("hopital"), vec![t[1].to_string()]);
        // Every word must match.
        assert_eq!(search("stroke exercise"), vec![t[1].to_string()]);
        assert_eq!(search("stroke vitamin"), vec![t[2].to_string()]);
        assert!(search("stroke fatigue").is_empty());
        // Substrings of words.
        assert_eq!(search("insom"), vec![t[2].to_string()]);
        // Secondary ids, punctuation and case ignored; the exact id first.
        assert_eq!(search("nct00000002"), vec![t[1].to_string()]);
        assert_eq!(search("NCT-0000-0003"), vec![t[2].to_string()]);
        // Trial ids, leniently, and their prefixes.
        assert_eq!(
            search(&t[1].to_string().to_lowercase()),
            vec![t[1].to_string()]
        );
        assert_eq!(search(&t[2].as_str()[3..]), vec![t[2].to_string()]);
        let prefix = &t[0].as_str()[..9];
        assert!(search(prefix).contains(&t[0].to_string()));
        assert_eq!(search(prefix)[0], t[0].to_string());
    }

    #[test]
    fn limits() {
        let (ledger, _) = ledger();
        let index = TrialIndex::build(&ledger);
        assert_eq!(index.search("", 2).unwrap().0.len(), 2);
        assert_eq!(index.search("", 2).unwrap().1, 3);
        assert!(matches!(
            index.search(&"a".repeat(MAX_QUERY_BYTES + 1), 5),
            Err(IndexError::QueryTooLong { .. })
        ));
        let many = vec!["w"; MAX_QUERY_WORDS + 1].join(" ");
        assert!(matches!(
            index.search(&many, 5),
            Err(IndexError::TooManyWords { .. })
        ));
    }

    #[test]
    fn refresh_follows_amendments_and_status() {
        let chain = fixtures::chain().unwrap();
        let mut ledger = Ledger::new();
        ledger.apply(0, &chain.entries[0]).unwrap();
        let mut index = TrialIndex::build(&ledger);
        assert!(!index.is_stale(&ledger));
        assert_eq!(index.refresh(&ledger), Refreshed::default());
        assert!(index.search("kalium", 10).unwrap().0.is_empty());

        // An amendment changing the title re-indexes the text.
        let mut amendment: Amendment =
            fixtures::amendment(&chain.trial_id, &entry_hash(&chain.entries[0])).unwrap();
        amendment.trial.public_title = "Kalium salt and blood pressure".to_owned();
        let amendment = EntryBuilder::amendment(amendment)
            .subject(
                fixtures::CONSENT_V2,
                &fixtures::form_hash(fixtures::CONSENT_V2),
                "consent-form",
                Some("2"),
            )
            .sign(&fixtures::sponsor_key())
            .unwrap();
        ledger.apply(1, &amendment).unwrap();
        assert!(index.is_stale(&ledger));
        let done = index.refresh(&ledger);
        assert_eq!(done.reindexed, 1);
        let (hits, _) = index.search("kalium", 10).unwrap();
        assert_eq!(hits[0].title, "Kalium salt and blood pressure");

        // A status update changes the status and the count only.
        let status: StatusUpdate =
            fixtures::status(&chain.trial_id, &entry_hash(&amendment)).unwrap();
        let status = EntryBuilder::status(status)
            .sign(&fixtures::sponsor_key())
            .unwrap();
        ledger.apply(2, &status).unwrap();
        let done = index.refresh(&ledger);
        assert_eq!(done.touched, 1);
        let summary = index.get(&chain.trial_id).unwrap();
        assert_eq!(summary.entries, 3);
        assert_eq!(summary.status, RecruitmentStatus::Recruiting);
        assert_eq!(summary.registered_index, 0);
    }

    /// 10,000 trials: build, refresh and search times. Slow in debug builds
    /// (it signs 10,000 entries), so ignored by default; for the numbers:
    /// `cargo test --release -p trial-registry --lib scale -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement: run in release mode with --ignored --nocapture"]
    fn scale() {
        use std::time::Instant;
        let base = fixtures::registration().unwrap();
        let conditions = ["Hypertension", "Asthma", "Diabète de type 2", "Migraine"];
        let mut ledger = Ledger::new();
        let n = 10_000u64;
        let key = fixtures::sponsor_key();
        let mut make = |i: u64| {
            let mut p = base.clone();
            p.trial.public_title = format!("Trial number {i} of something");
            p.trial.conditions = vec![conditions[(i % 4) as usize].to_owned()];
            p.trial.secondary_ids = vec![SecondaryId {
                issuer: "ClinicalTrials.gov".to_owned(),
                id: format!("NCT{:08}", i),
            }];
            p.consent_forms.clear();
            EntryBuilder::registration(p).sign(&key).unwrap()
        };
        let entries: Vec<Vec<u8>> = (0..n).map(&mut make).collect();
        for (i, e) in entries.iter().enumerate() {
            ledger.apply(i as u64, e).unwrap();
        }
        let t = Instant::now();
        let mut index = TrialIndex::build(&ledger);
        let build = t.elapsed();
        assert_eq!(index.len(), n as usize);

        ledger.apply(n, &make(n)).unwrap();
        let t = Instant::now();
        let done = index.refresh(&ledger);
        let refresh = t.elapsed();
        assert_eq!(done.added, 1);

        let t = Instant::now();
        let (hits, total) = index.search("diabete", 50).unwrap();
        let search_text = t.elapsed();
        assert_eq!(hits.len(), 50);
        assert_eq!(total, 2500);
        let t = Instant::now();
        let (hits, _) = index.search("NCT00004321", 50).unwrap();
        let search_id = t.elapsed();
        assert_eq!(hits[0].title, "Trial number 4321 of something");
        let t = Instant::now();
        let (hits, _) = index.search("", 50).unwrap();
        let recent = t.elapsed();
        assert_eq!(hits[0].registered_index, n);
        eprintln!(
            "index of {} trials: build {build:?}, refresh (1 new) {refresh:?}, text search {search_text:?}, id search {search_id:?}, recent {recent:?}",
            n + 1
        );
    }
}
