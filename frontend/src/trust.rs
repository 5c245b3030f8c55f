//! The trust policy compiled into the portal, and the user's additions.
//!
//! `cargo xtask dist [--policy PATH]` validates the registry's `policy.txt`
//! (a bad policy fails the build there) and passes its text to this crate's
//! build in the `TRIAL_LEDGER_POLICY` environment variable, read here with
//! `option_env!` (cargo rebuilds the crate when it changes). At start-up it
//! is parsed with [`Policy::parse`]; if it is missing or does not parse (a
//! build made without xtask), the portal says so loudly and trusts nothing
//! it cannot verify. Policies are never fetched from the network.

use verifier::policy::Policy;

use crate::light_client::store::UserPolicy;
use crate::light_client::{PolicySource, TrustPolicies};

/// The policy text compiled in, if any.
pub const COMPILED_POLICY: Option<&str> = option_env!("TRIAL_LEDGER_POLICY");

/// The compiled policy, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compiled {
    /// No policy was compiled in.
    Missing,
    /// The compiled text does not parse (the error says where).
    Invalid(String),
    /// The policy.
    Valid(Box<Policy>),
}

/// Parses a compiled policy text (`None`: nothing compiled in).
pub fn parse_compiled(text: Option<&str>) -> Compiled {
    match text {
        None => Compiled::Missing,
        Some(text) if text.trim().is_empty() => Compiled::Missing,
        Some(text) => match Policy::parse(text) {
            Ok(policy) => Compiled::Valid(Box::new(policy)),
            Err(e) => Compiled::Invalid(e.to_string()),
        },
    }
}

/// The compiled policy of this build.
pub fn compiled() -> Compiled {
    parse_compiled(COMPILED_POLICY)
}

/// The pinned policies (compiled first, then the user's) and a sentence for
/// each policy that could not be used.
pub fn pinned(compiled: &Compiled, user: &[UserPolicy]) -> (TrustPolicies, Vec<String>) {
    let mut policies = TrustPolicies::new();
    let mut problems = Vec::new();
    match compiled {
        Compiled::Valid(policy) => policies.push(PolicySource::Compiled, (**policy).clone()),
        Compiled::Missing => problems.push(
            "This portal was built without a trust policy (build it with `cargo xtask dist`), \
             so it can only verify against policies you add on the settings page."
                .to_owned(),
        ),
        Compiled::Invalid(e) => problems.push(format!(
            "The trust policy compiled into this portal is invalid ({e}); it is ignored."
        )),
    }
    for user_policy in user {
        match Policy::parse(&user_policy.text) {
            Ok(policy) => policies.push(PolicySource::User(user_policy.label.clone()), policy),
            Err(e) => problems.push(format!(
                "Your added policy {:?} is invalid ({e}); it is ignored.",
                user_policy.label
            )),
        }
    }
    (policies, problems)
}

#[cfg(test)]
mod tests {
    use verifier::note::{KeyType, SignerKey};

    use super::*;

    fn policy_text(origin: &str, seed: u8) -> String {
        let key = SignerKey::from_seed(origin, KeyType::Ed25519, [seed; 32]).unwrap();
        Policy::builder(key.verifier_key())
            .quorum(0)
            .build()
            .unwrap()
            .to_text()
    }

    #[test]
    fn compiled_policy_states() {
        assert_eq!(parse_compiled(None), Compiled::Missing);
        assert_eq!(parse_compiled(Some("  \n")), Compiled::Missing);
        assert!(matches!(
            parse_compiled(Some("log nonsense\nquorum 0\n")),
            Compiled::Invalid(e) if e.contains("line 1")
        ));
        assert!(matches!(
            parse_compiled(Some(&policy_text("a.test/log", 1))),
            Compiled::Valid(p) if p.origin() == "a.test/log"
        ));
    }

    #[test]
    fn pinned_lists_compiled_first_and_reports_bad_user_policies() {
        let compiled = parse_compiled(Some(&policy_text("a.test/log", 1)));
        let user = vec![
            UserPolicy::new("mine", policy_text("b.test/log", 2)),
            UserPolicy::new("broken", "quorum 1\n"),
        ];
        let (policies, problems) = pinned(&compiled, &user);
        assert_eq!(policies.origins(), vec!["a.test/log", "b.test/log"]);
        assert_eq!(policies.all()[0].0, PolicySource::Compiled);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("broken"), "{problems:?}");
        let (policies, problems) = pinned(&Compiled::Missing, &[]);
        assert!(policies.is_empty());
        assert!(problems[0].contains("without a trust policy"));
    }
}
