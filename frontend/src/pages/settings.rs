//! `/settings`: the pinned trust policies. Shows the compiled policy and
//! lets the user add more (pasted or from a file), kept in IndexedDB. A
//! policy is never taken from the network.

use verifier::policy::Policy;
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::hooks::{load_policies, use_app};
use crate::light_client::PolicySource;
use crate::light_client::store::{DATABASE, Store, UserPolicy};

/// Checks a pasted policy before it is stored.
pub fn validate(label: &str, text: &str) -> Result<UserPolicy, String> {
    if text.trim().is_empty() {
        return Err("Paste a policy or choose a policy file first.".to_owned());
    }
    let policy = Policy::parse(text).map_err(|e| format!("This is not a valid policy: {e}."))?;
    let label = if label.trim().is_empty() {
        policy.origin().to_owned()
    } else {
        label.trim().to_owned()
    };
    Ok(UserPolicy::new(label, text))
}

fn describe(policy: &Policy) -> Html {
    html! {
        <ul class="policy">
            <li>{ "Log: " }<code>{ policy.log_key().to_string() }</code></li>
            { for policy.witnesses().iter().map(|w| html! {
                <li>{ format!("Witness {}: ", w.name()) }<code>{ w.key().to_string() }</code></li>
            }) }
            <li>{ format!("Quorum: {} of {} witnesses", policy.quorum(), policy.witnesses().len()) }</li>
        </ul>
    }
}

/// The settings page.
#[component]
pub fn Settings() -> Html {
    let app = use_app();
    let stored = use_state(Vec::<UserPolicy>::new);
    let label = use_node_ref();
    let text = use_node_ref();
    let message = use_state(|| None::<(bool, String)>);
    let refresh = use_state(|| 0u32);

    {
        let stored = stored.clone();
        let message = message.clone();
        use_effect_with(*refresh, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match Store::open(DATABASE).await {
                    Ok(store) => match store.policies().await {
                        Ok(list) => stored.set(list),
                        Err(e) => message.set(Some((false, e.to_string()))),
                    },
                    Err(e) => message.set(Some((false, e.to_string()))),
                }
            });
        });
    }

    let onfile = {
        let text = text.clone();
        let label = label.clone();
        let message = message.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let text = text.clone();
            let label = label.clone();
            let message = message.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match JsFuture::from(file.text()).await {
                    Ok(content) => {
                        if let Some(area) = text.cast::<HtmlTextAreaElement>() {
                            area.set_value(&content.as_string().unwrap_or_default());
                        }
                        if let Some(l) = label.cast::<HtmlInputElement>()
                            && l.value().is_empty()
                        {
                            l.set_value(&file.name());
                        }
                    }
                    Err(e) => message.set(Some((false, format!("Cannot read the file: {e:?}")))),
                }
            });
        })
    };

    let onsubmit = {
        let app = app.clone();
        let label = label.clone();
        let text = text.clone();
        let message = message.clone();
        let refresh = refresh.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let label_value = label
                .cast::<HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            let text_value = text
                .cast::<HtmlTextAreaElement>()
                .map(|t| t.value())
                .unwrap_or_default();
            let policy = match validate(&label_value, &text_value) {
                Ok(p) => p,
                Err(e) => {
                    message.set(Some((false, e)));
                    return;
                }
            };
            let app = app.clone();
            let message = message.clone();
            let refresh = refresh.clone();
            let text = text.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let result = match Store::open(DATABASE).await {
                    Ok(store) => store.add_policy(&policy).await,
                    Err(e) => Err(e),
                };
                match result {
                    Ok(()) => {
                        message.set(Some((
                            true,
                            format!("Added the policy {:?}.", policy.label),
                        )));
                        if let Some(area) = text.cast::<HtmlTextAreaElement>() {
                            area.set_value("");
                        }
                        refresh.set(*refresh + 1);
                        load_policies(app).await;
                    }
                    Err(e) => message.set(Some((false, e.to_string()))),
                }
            });
        })
    };

    let remove = {
        let app = app.clone();
        let message = message.clone();
        let refresh = refresh.clone();
        Callback::from(move |id: String| {
            let app = app.clone();
            let message = message.clone();
            let refresh = refresh.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let result = match Store::open(DATABASE).await {
                    Ok(store) => store.remove_policy(&id).await,
                    Err(e) => Err(e),
                };
                match result {
                    Ok(()) => {
                        message.set(Some((true, "Removed the policy.".to_owned())));
                        refresh.set(*refresh + 1);
                        load_policies(app).await;
                    }
                    Err(e) => message.set(Some((false, e.to_string()))),
                }
            });
        })
    };

    let compiled = app.policies.as_ref().and_then(|p| {
        p.all()
            .iter()
            .find(|(s, _)| *s == PolicySource::Compiled)
            .map(|(_, p)| p.clone())
    });

    html! {
        <article class="page settings">
            <h1>{ "Trust settings" }</h1>
            <p>
                { "This portal verifies what the registry serves against trust policies: the \
                   log's public key, the witnesses' keys and how many witnesses must cosign. \
                   They are compiled in or added by you here, and never taken from the network." }
            </p>
            { for app.policy_problems.iter().map(|p| html! { <p class="status status-warn">{ p.clone() }</p> }) }

            <section aria-labelledby="compiled-heading">
                <h2 id="compiled-heading">{ "Compiled into this portal" }</h2>
                { match &compiled {
                    Some(policy) => describe(policy),
                    None => html! { <p>{ "None." }</p> },
                } }
            </section>

            <section aria-labelledby="added-heading">
                <h2 id="added-heading">{ "Added by you" }</h2>
                <p class="note">
                    { "A checkpoint is trusted only when every policy for its log accepts it, so an \
                       added policy can require more (your own witness, a higher quorum) but never less." }
                </p>
                if stored.is_empty() {
                    <p>{ "None." }</p>
                } else {
                    <ul class="user-policies" data-testid="user-policies">
                        { for stored.iter().map(|p| {
                            let id = p.id.clone();
                            let remove = remove.clone();
                            let parsed = Policy::parse(&p.text);
                            html! {
                                <li>
                                    <strong>{ p.label.clone() }</strong>
                                    { match &parsed {
                                        Ok(policy) => describe(policy),
                                        Err(e) => html! { <p class="status status-warn">{ e.to_string() }</p> },
                                    } }
                                    <button type="button" onclick={Callback::from(move |_| remove.emit(id.clone()))}
                                            aria-label={format!("Remove the policy {}", p.label)}>
                                        { "Remove" }
                                    </button>
                                </li>
                            }
                        }) }
                    </ul>
                }
            </section>

            <section aria-labelledby="add-heading">
                <h2 id="add-heading">{ "Add a policy" }</h2>
                <form {onsubmit} class="add-policy">
                    <label for="policy-label">{ "Name (optional)" }</label>
                    <input id="policy-label" type="text" ref={label} />
                    <label for="policy-file">{ "Load a policy file" }</label>
                    <input id="policy-file" type="file" accept=".txt,text/plain" onchange={onfile} />
                    <label for="policy-text">
                        { "Policy text (lines: log <key>, witness <name> <key>, quorum <k>)" }
                    </label>
                    <textarea id="policy-text" rows="8" ref={text} data-testid="policy-text"
                              spellcheck="false" />
                    <button type="submit">{ "Add policy" }</button>
                </form>
                if let Some((ok, text)) = &*message {
                    <p class={if *ok { "status status-ok" } else { "status status-alarm" }}
                       role={if *ok { "status" } else { "alert" }}>{ text.clone() }</p>
                }
            </section>
        </article>
    }
}

#[cfg(test)]
mod tests {
    use verifier::note::{KeyType, SignerKey};

    use super::*;

    #[test]
    fn validate_labels_and_rejects() {
        let key = SignerKey::from_seed("a.test/log", KeyType::Ed25519, [1; 32]).unwrap();
        let text = Policy::builder(key.verifier_key())
            .quorum(0)
            .build()
            .unwrap()
            .to_text();
        assert_eq!(validate("", &text).unwrap().label, "a.test/log");
        assert_eq!(validate(" mine ", &text).unwrap().label, "mine");
        assert!(validate("", " ").unwrap_err().contains("Paste"));
        assert!(
            validate("", "log x\n")
                .unwrap_err()
                .contains("not a valid policy")
        );
    }
}
