//! Hooks and the async effects that feed [`crate::state`]: loading the
//! pinned policies and running a light-client check.

use std::rc::Rc;

use yew::prelude::*;

use crate::light_client::fetch::{VisitError, visit};
use crate::light_client::store::{DATABASE, Store};
use crate::light_client::{TrustPolicies, VerifiedCheckpoint};
use crate::state::{Action, AlarmNotice, AppState};
use crate::trust;

/// The shared state handle the app provides.
pub type AppHandle = UseReducerHandle<AppState>;

/// The app's state (inside [`crate::app::App`]'s context provider).
///
/// Outside one (a component rendered alone in a test) it falls back to a
/// private, empty state so the component still renders.
#[hook]
pub fn use_app() -> AppHandle {
    let fallback = use_reducer(AppState::default);
    use_context::<AppHandle>().unwrap_or(fallback)
}

/// Starts the page's file-reader worker when a page that hashes files
/// mounts, so that it is ready when a file is chosen
/// ([`crate::hashing::ChunkReader`]).
#[hook]
pub fn use_chunk_reader() {
    use_effect_with((), |()| crate::hashing::ChunkReader::prepare());
}

/// A notice for a failed visit.
pub fn visit_notice(error: &VisitError, context: &str) -> AlarmNotice {
    match error {
        VisitError::Alarm(alarm) => AlarmNotice::from_alarm(alarm, context),
        VisitError::Fetch(e) => AlarmNotice::new(
            "unreachable",
            "Cannot check the registry",
            format!("{e}. Nothing new could be verified."),
            context,
        ),
        VisitError::Store(e) => AlarmNotice::new(
            "storage",
            "Cannot keep the verified checkpoint",
            format!(
                "{e}. Without its store this browser cannot detect a rolled-back or forked log."
            ),
            context,
        ),
    }
}

/// Loads the user's policies from IndexedDB, pins them with the compiled
/// one, and dispatches them (which triggers a new log check).
pub async fn load_policies(app: AppHandle) {
    let (user, store_problem) = match Store::open(DATABASE).await {
        Ok(store) => match store.policies().await {
            Ok(user) => (user, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        },
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let (policies, mut problems) = trust::pinned(&trust::compiled(), &user);
    if let Some(problem) = store_problem {
        problems.push(format!("Your added policies could not be read: {problem}"));
    }
    app.dispatch(Action::PoliciesLoaded {
        policies: Rc::new(policies),
        problems,
    });
}

/// One light-client check (fetch `/checkpoint`, verify, prove consistency
/// with the stored checkpoint, store); dispatches the result and returns
/// the verified checkpoint.
pub async fn check_log(
    app: AppHandle,
    policies: Rc<TrustPolicies>,
    context: &str,
) -> Option<Rc<VerifiedCheckpoint>> {
    app.dispatch(Action::Checking);
    let result = match Store::open(DATABASE).await {
        Ok(store) => {
            let result = visit(&policies, &store).await;
            store.close();
            result
        }
        Err(e) => Err(VisitError::Store(e)),
    };
    match result {
        Ok(done) => {
            let checkpoint = Rc::new(done.checkpoint);
            app.dispatch(Action::Verified {
                checkpoint: checkpoint.clone(),
                previous: done.previous,
            });
            Some(checkpoint)
        }
        Err(e) => {
            app.dispatch(Action::LogFailed(visit_notice(&e, context)));
            None
        }
    }
}
