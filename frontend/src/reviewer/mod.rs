//! The reviewer's offline verification page (`/verify`, issue 7).
//!
//! A reviewer loads a trial's evidence bundle (a file, or fetched by trial
//! id when online), chooses the trust policy (the one pinned into this
//! portal, or a policy file kept in IndexedDB for next time) and drops the
//! documents they hold; the documents are hashed here in chunks and never
//! leave the browser. The report is the verifier's [`verifier::report`] —
//! the same function and JSON as `trialverify bundle --json` — shown with
//! words for each check, the witnessed timeline as SVG, the registration's
//! timing, the outcome table and the documents, and exported as JSON or
//! printed. With the service worker (`www/sw.js`) the page works with no
//! network after one visit.
//!
//! [`state`] holds the logic (native unit tests); [`view`] the components.

pub mod state;
pub mod view;
