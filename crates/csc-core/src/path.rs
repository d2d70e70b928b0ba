//! Share-relative item paths.
//!
//! Every item of a share is keyed by its path inside the share: `/`-separated names, no leading
//! or trailing slash, no empty, `.` or `..` component and no NUL. The share root itself is the
//! empty path. Validation happens once, when a path comes in from outside (a listing, an API
//! call), so the rest of the core can rely on it.
//!
//! Paths order component by component (`a` < `a/b` < `a b`), which is byte order with `/`
//! ranked lowest. In that order a directory is followed directly by all its descendants, so a
//! subtree is one contiguous range of a sorted list and parents always come before children.

use std::cmp::Ordering;
use std::fmt;

/// A validated path of an item inside a share (`docs/report.txt`); the share root is `""`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ItemPath(Box<str>);

/// Why a string is not a valid share-relative path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The path started or ended with `/`, or had `//` in it.
    #[error(
        "path {path:?} has an empty component: write share-relative paths like \"docs/a.txt\", without leading, trailing or double slashes"
    )]
    EmptyComponent {
        /// The offending path.
        path: String,
    },
    /// The path had a `.` or `..` component.
    #[error(
        "path {path:?} contains a \".\" or \"..\" component: paths must name items inside the share directly"
    )]
    DotComponent {
        /// The offending path.
        path: String,
    },
    /// The path contained a NUL or a backslash.
    #[error(
        "path {path:?} contains a forbidden character ({ch:?}): names may not contain NUL or backslash"
    )]
    ForbiddenChar {
        /// The offending path.
        path: String,
        /// The forbidden character.
        ch: char,
    },
    /// A bare name (such as a conflict copy's new name) contained a separator or was `.`/`..`.
    #[error(
        "{name:?} is not a bare file name: give a name without \"/\" or \"\\\\\", and not \".\" or \"..\""
    )]
    NotABareName {
        /// The offending name.
        name: String,
    },
}

impl ItemPath {
    /// The share root.
    pub fn root() -> Self {
        ItemPath("".into())
    }

    /// Validates `s` as a share-relative path.
    pub fn new(s: &str) -> Result<Self, PathError> {
        if s.is_empty() {
            return Ok(Self::root());
        }
        for component in s.split('/') {
            check_component(s, component)?;
        }
        Ok(ItemPath(s.into()))
    }

    /// The path as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for the share root.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The parent directory's path (the root for top-level items), or `None` for the root.
    pub fn parent(&self) -> Option<ItemPath> {
        self.parent_str().map(|p| ItemPath(p.into()))
    }

    /// The parent as a borrowed string, or `None` for the root.
    pub fn parent_str(&self) -> Option<&str> {
        if self.is_root() {
            return None;
        }
        Some(self.0.rfind('/').map_or("", |i| &self.0[..i]))
    }

    /// The last component (`report.txt` of `docs/report.txt`); empty for the root.
    pub fn name(&self) -> &str {
        self.0.rfind('/').map_or(&self.0, |i| &self.0[i + 1..])
    }

    /// The path of a child of this directory. `name` must be a bare name.
    pub fn join(&self, name: &str) -> Result<ItemPath, PathError> {
        check_bare_name(name)?;
        Ok(if self.is_root() {
            ItemPath(name.into())
        } else {
            ItemPath(format!("{}/{}", self.0, name).into())
        })
    }

    /// A sibling with another last component (same parent). `name` must be a bare name.
    pub fn with_name(&self, name: &str) -> Result<ItemPath, PathError> {
        match self.parent() {
            Some(parent) => parent.join(name),
            None => Err(PathError::NotABareName { name: name.into() }),
        }
    }

    /// True if `self` is `other` or lies below it.
    pub fn is_self_or_descendant_of(&self, other: &ItemPath) -> bool {
        is_self_or_descendant(&self.0, &other.0)
    }

    /// True if `self` lies strictly below `other`.
    pub fn is_descendant_of(&self, other: &ItemPath) -> bool {
        self.0.len() != other.0.len() && is_self_or_descendant(&self.0, &other.0)
    }

    /// Number of components (0 for the root).
    pub fn depth(&self) -> usize {
        if self.is_root() {
            0
        } else {
            self.0.bytes().filter(|&b| b == b'/').count() + 1
        }
    }
}

/// True if `path` is `ancestor` or lies below it (string form of
/// [`ItemPath::is_self_or_descendant_of`]).
pub(crate) fn is_self_or_descendant(path: &str, ancestor: &str) -> bool {
    ancestor.is_empty()
        || (path.starts_with(ancestor)
            && (path.len() == ancestor.len() || path.as_bytes()[ancestor.len()] == b'/'))
}

/// Checks that `name` can be used as one path component on its own.
pub fn check_bare_name(name: &str) -> Result<(), PathError> {
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.contains('/')
        || name.contains('\\')
        || name.contains('\0')
    {
        return Err(PathError::NotABareName { name: name.into() });
    }
    Ok(())
}

fn check_component(path: &str, component: &str) -> Result<(), PathError> {
    if component.is_empty() {
        return Err(PathError::EmptyComponent { path: path.into() });
    }
    if component == "." || component == ".." {
        return Err(PathError::DotComponent { path: path.into() });
    }
    if let Some(ch) = component.chars().find(|&c| c == '\0' || c == '\\') {
        return Err(PathError::ForbiddenChar {
            path: path.into(),
            ch,
        });
    }
    Ok(())
}

/// Compares two paths component by component: byte order with `/` ranked below every other
/// byte, so that a directory's descendants sort directly after it.
pub(crate) fn cmp_paths(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    match (a.get(common), b.get(common)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(&x), Some(&y)) => rank(x).cmp(&rank(y)),
    }
}

fn rank(byte: u8) -> u16 {
    if byte == b'/' { 0 } else { u16::from(byte) + 1 }
}

impl Ord for ItemPath {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_paths(&self.0, &other.0)
    }
}

impl PartialOrd for ItemPath {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for ItemPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for ItemPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for ItemPath {
    type Err = PathError;
    fn from_str(s: &str) -> Result<Self, PathError> {
        ItemPath::new(s)
    }
}

impl AsRef<str> for ItemPath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Paths are stored as their text and validated again when read back, so a corrupt or
/// hand-edited store cannot smuggle in a path the model would refuse.
#[cfg(feature = "serde")]
impl serde::Serialize for ItemPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for ItemPath {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        ItemPath::new(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn invalid_paths_are_rejected_with_a_reason() {
        let cases: &[(&str, &str)] = &[
            ("/a", "empty component"),
            ("a/", "empty component"),
            ("a//b", "empty component"),
            ("a/../b", "\"..\""),
            ("./a", "\"..\""),
            ("a\\b", "forbidden character"),
            ("a\0b", "forbidden character"),
        ];
        for (input, why) in cases {
            let err = ItemPath::new(input).unwrap_err().to_string();
            assert!(err.contains(why), "{input:?}: {err}");
        }
    }

    #[test]
    fn valid_paths_keep_their_text_and_know_their_parent_and_name() {
        let p = ItemPath::new("docs/2024/report.txt").unwrap();
        assert_eq!(p.as_str(), "docs/2024/report.txt");
        assert_eq!(p.parent().unwrap().as_str(), "docs/2024");
        assert_eq!(p.name(), "report.txt");
        assert_eq!(p.depth(), 3);
        assert_eq!(ItemPath::new("a").unwrap().parent(), Some(ItemPath::root()));
        assert_eq!(ItemPath::root().parent(), None);
        assert!(ItemPath::new("").unwrap().is_root());
    }

    #[test]
    fn a_directory_is_followed_by_its_whole_subtree_in_path_order() {
        let mut paths: Vec<ItemPath> = ["a b", "a/b", "a", "a/b/c", "a.txt", "a/a", "b", "a-"]
            .iter()
            .map(|s| ItemPath::new(s).unwrap())
            .collect();
        paths.sort_unstable();
        let sorted: Vec<&str> = paths.iter().map(ItemPath::as_str).collect();
        assert_eq!(
            sorted,
            ["a", "a/a", "a/b", "a/b/c", "a b", "a-", "a.txt", "b"]
        );
    }

    #[test]
    fn descendant_checks_respect_component_boundaries() {
        let a = ItemPath::new("a").unwrap();
        assert!(ItemPath::new("a/b").unwrap().is_descendant_of(&a));
        assert!(!ItemPath::new("ab").unwrap().is_self_or_descendant_of(&a));
        assert!(a.is_self_or_descendant_of(&a));
        assert!(!a.is_descendant_of(&a));
        assert!(a.is_descendant_of(&ItemPath::root()));
    }

    #[test]
    fn bare_names_reject_separators_and_dots() {
        for bad in ["", ".", "..", "a/b", "a\\b", "x\0"] {
            assert!(check_bare_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_bare_name("report (conflict 1).txt").is_ok());
        let p = ItemPath::new("d/x.txt").unwrap();
        assert_eq!(p.with_name("y.txt").unwrap().as_str(), "d/y.txt");
        assert!(p.with_name("../y").is_err());
    }
}
