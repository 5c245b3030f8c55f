//! Small browser edges of the participant pages: saving a file, reading a
//! chosen file, turning an HTML form into text without rendering it,
//! blob URLs and printing.

use wasm_bindgen::JsCast as _;
use wasm_bindgen_futures::JsFuture;

fn reason(value: wasm_bindgen::JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// Offers `bytes` as a download named `name`.
pub fn download(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(reason)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(reason)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let anchor = document
        .create_element("a")
        .map_err(reason)?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| "not an anchor")?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// The bytes of a chosen file.
pub async fn read_bytes(blob: &web_sys::Blob) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(blob.array_buffer()).await.map_err(reason)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// A `blob:` URL for `blob` (to open a PDF form in a new tab).
pub fn object_url(blob: &web_sys::Blob) -> Result<String, String> {
    web_sys::Url::create_object_url_with_blob(blob).map_err(reason)
}

/// Forgets a `blob:` URL.
pub fn revoke(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

/// The text of an HTML document, parsed inertly (`DOMParser` runs no
/// script and loads nothing) and never inserted into the page.
pub fn html_text(html: &str) -> Result<String, String> {
    let parser = web_sys::DomParser::new().map_err(reason)?;
    let document = parser
        .parse_from_string(html, web_sys::SupportedType::TextHtml)
        .map_err(reason)?;
    // Scripts and styles are not part of the form's text.
    if let Ok(nodes) = document.query_selector_all("script, style, noscript, template") {
        for i in 0..nodes.length() {
            if let Some(element) = nodes
                .get(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            {
                element.remove();
            }
        }
    }
    Ok(document
        .body()
        .and_then(|b| b.inner_text().into())
        .or_else(|| document.document_element().and_then(|e| e.text_content()))
        .unwrap_or_default())
}

/// Opens the browser's print dialog.
pub fn print() {
    if let Some(window) = web_sys::window() {
        let _ = window.print();
    }
}

/// `N` random bytes as lowercase hex.
pub fn random_hex<const N: usize>() -> Result<String, String> {
    Ok(verifier::merkle::hex(&crate::keys::random_bytes::<N>()?))
}
