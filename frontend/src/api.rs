//! The registry's JSON convenience API (DESIGN §4), as the portal reads it.
//!
//! Nothing here is trusted: search results are shown as the registry's
//! index says, and a trial's page verifies everything it shows from the
//! evidence bundle. Unknown fields are ignored and missing ones defaulted so
//! that a newer registry does not break an older portal.

use serde::Deserialize;

/// `GET /api/v1/trials?q=` → `{"trials": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct SearchResults {
    /// Matching trials, best first.
    #[serde(default)]
    pub trials: Vec<TrialSummary>,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct TrialSummary {
    /// `TL-…`.
    pub trial_id: String,
    /// Public title.
    pub title: String,
    /// Acronym, if any.
    pub acronym: Option<String>,
    /// Conditions studied.
    pub conditions: Vec<String>,
    /// Primary sponsor.
    pub sponsor: String,
    /// Current recruitment status.
    pub status: String,
    /// Log index of the registration.
    pub registered_index: u64,
    /// Number of the trial's entries.
    pub entries: u64,
}

/// `GET /api/v1/trials/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct TrialDetail {
    /// `TL-…`.
    pub trial_id: String,
    /// The trial's head (entry hash of its latest owner entry).
    pub head: Option<String>,
    /// Its entries in log order.
    pub entries: Vec<TrialEntryRef>,
}

/// One entry of a trial, as the registry lists it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct TrialEntryRef {
    /// Log index.
    pub index: u64,
    /// Lowercase hex SHA-256 of the entry bytes.
    pub entry_hash: String,
    /// Predicate kind.
    pub kind: String,
    /// Quorum time of its anchor, or null while pending.
    pub witnessed_time: Option<String>,
}

/// `q` as a URL query value.
pub fn search_url(q: &str) -> String {
    format!(
        "/api/v1/trials?q={}",
        String::from(js_sys::encode_uri_component(q.trim()))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_shapes_and_tolerates_extras() {
        let results: SearchResults = serde_json::from_str(
            r#"{"trials":[{"trial_id":"TL-1","title":"T","acronym":null,"conditions":["c"],
               "sponsor":"S","status":"recruiting","registered_index":3,"entries":4,"extra":1}]}"#,
        )
        .unwrap();
        assert_eq!(results.trials[0].entries, 4);
        let detail: TrialDetail = serde_json::from_str(
            r#"{"trial_id":"TL-1","head":"ab","entries":[{"index":3,"entry_hash":"ab",
               "kind":"registration","witnessed_time":null}]}"#,
        )
        .unwrap();
        assert_eq!(detail.entries[0].witnessed_time, None);
    }
}
