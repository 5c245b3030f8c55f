//! The app's shared state (Yew's `use_reducer`): the pinned policies, the
//! light client's status and the alarms. Actions and the reducer are plain
//! Rust, unit-tested natively; [`crate::app`] provides the state as a
//! context and [`crate::hooks`] runs the effects that dispatch actions.
//!
//! Alarms are never removed: once the light client or a trial page detects
//! a problem, the banner stays for the rest of the visit, across navigation.

use std::rc::Rc;

use yew::Reducible;

use crate::light_client::{Alarm, TrustPolicies, VerifiedCheckpoint};

/// What the banner shows for one detected problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmNotice {
    /// Stable kind (`rollback`, `fork`, `bad-signature`, `unreachable`, …).
    pub kind: String,
    /// One line.
    pub headline: String,
    /// What exactly was detected.
    pub detail: String,
    /// Where (the log check, or a trial page).
    pub context: String,
}

impl AlarmNotice {
    /// A notice for a light-client alarm raised in `context`.
    pub fn from_alarm(alarm: &Alarm, context: impl Into<String>) -> AlarmNotice {
        AlarmNotice {
            kind: alarm.kind().to_owned(),
            headline: alarm.headline().to_owned(),
            detail: alarm.to_string(),
            context: context.into(),
        }
    }

    /// A notice of another kind.
    pub fn new(
        kind: &str,
        headline: impl Into<String>,
        detail: impl Into<String>,
        context: impl Into<String>,
    ) -> AlarmNotice {
        AlarmNotice {
            kind: kind.to_owned(),
            headline: headline.into(),
            detail: detail.into(),
            context: context.into(),
        }
    }
}

/// The light client's current knowledge of the log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LogStatus {
    /// Policies not loaded yet.
    #[default]
    Starting,
    /// A check is running.
    Checking,
    /// The registry's checkpoint verified and is consistent with the stored one.
    Verified {
        /// The checkpoint.
        checkpoint: Rc<VerifiedCheckpoint>,
        /// The size this browser had verified before, if any.
        previous: Option<u64>,
    },
    /// The last check failed (see the alarms).
    Failed,
}

/// The shared state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AppState {
    /// The pinned policies (compiled + user), once loaded.
    pub policies: Option<Rc<TrustPolicies>>,
    /// Sentences about policies that could not be used.
    pub policy_problems: Vec<String>,
    /// The light client's status.
    pub log: LogStatus,
    /// Every alarm raised during this visit, oldest first, without repeats.
    pub alarms: Vec<AlarmNotice>,
    /// Bumped to ask for a new log check (after policies change).
    pub generation: u32,
}

// `TrustPolicies` holds `Policy`, which is `Eq`; the derive needs it on `Rc`.
impl Eq for AppState {}

/// Everything that changes the state.
#[derive(Debug, Clone)]
pub enum Action {
    /// Policies (re)loaded: compiled + the user's from IndexedDB.
    PoliciesLoaded {
        /// The pinned policies.
        policies: Rc<TrustPolicies>,
        /// Problems to show.
        problems: Vec<String>,
    },
    /// A log check started.
    Checking,
    /// A log check succeeded.
    Verified {
        /// The verified checkpoint.
        checkpoint: Rc<VerifiedCheckpoint>,
        /// The previously stored size.
        previous: Option<u64>,
    },
    /// Something was detected (log check or trial page).
    Alarm(AlarmNotice),
    /// A log check failed with this alarm.
    LogFailed(AlarmNotice),
}

impl AppState {
    /// The verified checkpoint, if the last check succeeded.
    pub fn checkpoint(&self) -> Option<Rc<VerifiedCheckpoint>> {
        match &self.log {
            LogStatus::Verified { checkpoint, .. } => Some(checkpoint.clone()),
            _ => None,
        }
    }

    fn with_alarm(mut self, notice: AlarmNotice) -> AppState {
        if !self.alarms.contains(&notice) {
            self.alarms.push(notice);
        }
        self
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::PoliciesLoaded { policies, problems } => {
                next.policies = Some(policies);
                next.policy_problems = problems;
                next.generation = next.generation.wrapping_add(1);
            }
            Action::Checking => {
                if !matches!(next.log, LogStatus::Failed) {
                    next.log = LogStatus::Checking;
                }
            }
            Action::Verified {
                checkpoint,
                previous,
            } => {
                // A later check never replaces a larger verified checkpoint
                // with a smaller one (two pages may check concurrently).
                let keep = matches!(&next.log, LogStatus::Verified { checkpoint: c, .. }
                    if c.trusted.checkpoint.size > checkpoint.trusted.checkpoint.size);
                if !keep {
                    next.log = LogStatus::Verified {
                        checkpoint,
                        previous,
                    };
                }
            }
            Action::Alarm(notice) => next = next.with_alarm(notice),
            Action::LogFailed(notice) => {
                next.log = LogStatus::Failed;
                next = next.with_alarm(notice);
            }
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::light_client::Alarm;

    fn rollback() -> AlarmNotice {
        AlarmNotice::from_alarm(
            &Alarm::RolledBack {
                origin: "o".into(),
                stored: 5,
                fetched: 3,
            },
            "log check",
        )
    }

    #[test]
    fn alarms_accumulate_without_repeats_and_persist() {
        let state = Rc::new(AppState::default());
        let state = state.reduce(Action::LogFailed(rollback()));
        let state = state.reduce(Action::LogFailed(rollback()));
        assert_eq!(state.alarms.len(), 1);
        assert_eq!(state.alarms[0].kind, "rollback");
        assert_eq!(state.log, LogStatus::Failed);
        // A later check starting does not hide the failure or the alarm.
        let state = state.reduce(Action::Checking);
        assert_eq!(state.log, LogStatus::Failed);
        let state = state.reduce(Action::Alarm(AlarmNotice::new(
            "unreachable",
            "Registry unreachable",
            "x",
            "trial page",
        )));
        assert_eq!(state.alarms.len(), 2);
    }

    #[test]
    fn policies_loaded_bumps_the_generation() {
        let state = Rc::new(AppState::default());
        let state = state.reduce(Action::PoliciesLoaded {
            policies: Rc::new(TrustPolicies::new()),
            problems: vec!["p".into()],
        });
        assert_eq!(state.generation, 1);
        assert!(state.policies.is_some());
        assert_eq!(state.policy_problems, vec!["p".to_owned()]);
        assert_eq!(state.checkpoint(), None);
    }
}
