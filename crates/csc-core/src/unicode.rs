//! Unicode Normalization Form C, for comparing names on case-insensitive shares.
//!
//! A case-insensitive share treats `café` written precomposed (U+00E9) and decomposed
//! (`e` + U+0301) as one name, so the planner compares names in NFC. The NFC tables are
//! about 95 KB of wasm (48 KB gzip): a quarter of the npm package's size budget, for tables
//! every browser already has (`String.prototype.normalize`). So they come with the default
//! feature `nfc`; a build without it (the npm package, the web app) hands csc-core the host's
//! NFC function once at start-up with [`set_host_nfc`]. Either way the function is pure:
//! the same name always gives the same form.

use std::borrow::Cow;

/// Puts `name` in Unicode Normalization Form C.
///
/// # Panics
/// Built without the `nfc` feature, when no host function was installed with
/// [`set_host_nfc`] and `name` is not ASCII: that is a bug in the embedding program.
pub fn nfc(name: &str) -> Cow<'_, str> {
    // ASCII is always in NFC; most names are ASCII, and this spares them any work.
    if name.is_ascii() {
        return Cow::Borrowed(name);
    }
    imp::nfc(name)
}

/// Installs the host's NFC function (in a browser, `String.prototype.normalize("NFC")`).
///
/// Needed only when csc-core is built without its `nfc` feature; with the feature its own
/// tables are used and this does nothing. The first function installed stays.
pub fn set_host_nfc(normalize: fn(&str) -> String) {
    imp::set_host_nfc(normalize);
}

#[cfg(feature = "nfc")]
mod imp {
    use std::borrow::Cow;

    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

    pub(super) fn nfc(name: &str) -> Cow<'_, str> {
        if is_nfc_quick(name.chars()) == IsNormalized::Yes {
            Cow::Borrowed(name)
        } else {
            Cow::Owned(name.nfc().collect())
        }
    }

    pub(super) fn set_host_nfc(_normalize: fn(&str) -> String) {}
}

#[cfg(not(feature = "nfc"))]
mod imp {
    use std::borrow::Cow;
    use std::sync::OnceLock;

    static HOST_NFC: OnceLock<fn(&str) -> String> = OnceLock::new();

    pub(super) fn nfc(name: &str) -> Cow<'_, str> {
        let normalize = HOST_NFC.get().expect(
            "csc-core was built without its `nfc` feature and no NFC function was installed: \
             call csc_core::unicode::set_host_nfc at start-up, or enable the feature",
        );
        Cow::Owned(normalize(name))
    }

    pub(super) fn set_host_nfc(normalize: fn(&str) -> String) {
        // A second call installs nothing: the first function stays, so names compared
        // earlier keep comparing the same way.
        let _ = HOST_NFC.set(normalize);
    }
}

#[cfg(test)]
mod tests {
    use super::nfc;

    #[test]
    fn a_decomposed_name_is_composed_and_a_composed_one_is_left_as_it_is() {
        assert_eq!(nfc("cafe\u{301}.txt"), "caf\u{e9}.txt");
        assert_eq!(nfc("caf\u{e9}.txt"), "caf\u{e9}.txt");
        assert_eq!(nfc("Hangul \u{1100}\u{1161}"), "Hangul \u{ac00}");
        assert_eq!(nfc("report.txt"), "report.txt");
    }
}
