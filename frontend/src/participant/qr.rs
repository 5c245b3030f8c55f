//! The QR code on a printed receipt: the receipt's digest
//! (`trial-ledger-consent:<sha256 hex>`), drawn as one SVG path (no HTML
//! is ever injected: the view renders the path with Yew's SVG elements).
//!
//! `qrcodegen` (Nayuki's reference implementation, no dependencies, no
//! `unsafe`, no allocation beyond the module grid) builds for wasm32 as is.

use qrcodegen::{QrCode, QrCodeEcc};

/// What the QR code encodes for a record digest.
pub fn payload(digest_hex: &str) -> String {
    format!("trial-ledger-consent:{digest_hex}")
}

/// A QR code as SVG data: the side in modules (with a 4-module quiet zone)
/// and the `d` of one path that fills the dark modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrSvg {
    /// Width and height of the view box.
    pub size: u32,
    /// The path.
    pub path: String,
}

/// Encodes `text` (medium error correction); `None` if it is too long.
pub fn qr_svg(text: &str) -> Option<QrSvg> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let n = qr.size();
    let border = 4;
    let mut path = String::new();
    for y in 0..n {
        for x in 0..n {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    Some(QrSvg {
        size: u32::try_from(n + 2 * border).ok()?,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_fits_a_small_qr_code() {
        let qr = qr_svg(&payload(&"ab".repeat(32))).unwrap();
        // 85 bytes in byte mode at level M: version 6 (41 modules) + 8.
        assert!(qr.size <= 49, "{}", qr.size);
        assert!(qr.path.starts_with("M4,4h1v1h-1z"), "finder pattern corner");
        assert!(qr_svg(&"x".repeat(5000)).is_none());
    }
}
