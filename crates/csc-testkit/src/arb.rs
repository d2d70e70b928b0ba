//! proptest strategies: random synced shares, then random edits on both sides.
//!
//! Paths come from a small pool (names `a`, `b`, `c`, depth up to 3) so that the two sides'
//! edits collide often: the same file edited on both sides, a directory deleted on one side
//! while a file below it changes on the other, a file replaced by a directory, and so on. On a
//! case-insensitive share the pool also has `A`, so that names differing only in case meet.

use proptest::prelude::*;

use csc_core::{CaseRule, Epoch};

use crate::World;

const NAMES: [&str; 3] = ["a", "b", "c"];
const NAMES_CI: [&str; 4] = ["a", "b", "c", "A"];

/// One edit, by index into the path pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Create or change a file (content label number).
    Write(usize, u8),
    /// Create a directory.
    Mkdir(usize),
    /// Delete an item and its subtree.
    Delete(usize),
    /// New version, same content (server only; a sparse mark on the cache side).
    Touch(usize),
}

/// A random world: a synced base, then edits offline and on the server.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Case rule of the share.
    pub case: CaseRule,
    /// Synced items: (path index, is a directory, content).
    pub base: Vec<(usize, bool, u8)>,
    /// Offline edits on this device.
    pub local: Vec<Edit>,
    /// Edits on the server.
    pub remote: Vec<Edit>,
    /// The server was reset (its epoch changed) after the base was synced.
    pub epoch_changed: bool,
    /// Server directories (path indices) whose listing fails; ignored unless a directory.
    pub unlisted: Vec<usize>,
}

/// The path pool for a case rule.
pub fn pool(case: CaseRule) -> Vec<String> {
    let names: &[&str] = match case {
        CaseRule::Sensitive => &NAMES,
        CaseRule::Insensitive => &NAMES_CI,
    };
    let mut out: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    for depth in 1..3 {
        let prev: Vec<String> = out
            .iter()
            .filter(|p| p.matches('/').count() == depth - 1)
            .cloned()
            .collect();
        for parent in prev {
            for n in names {
                out.push(format!("{parent}/{n}"));
            }
        }
    }
    out
}

fn edit(n: usize) -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (0..n, 0..6u8).prop_map(|(p, c)| Edit::Write(p, c)),
        2 => (0..n).prop_map(Edit::Mkdir),
        3 => (0..n).prop_map(Edit::Delete),
        1 => (0..n).prop_map(Edit::Touch),
    ]
}

/// Random scenarios on a case-sensitive or case-insensitive share.
pub fn scenario() -> impl Strategy<Value = Scenario> {
    prop_oneof![
        4 => Just(CaseRule::Sensitive),
        1 => Just(CaseRule::Insensitive),
    ]
    .prop_flat_map(|case| {
        let n = pool(case).len();
        (
            Just(case),
            prop::collection::vec((0..n, any::<bool>(), 0..6u8), 0..14),
            prop::collection::vec(edit(n), 0..8),
            prop::collection::vec(edit(n), 0..8),
            prop::bool::weighted(0.08),
            prop::collection::vec(0..n, 0..2),
        )
    })
    .prop_map(
        |(case, base, local, remote, epoch_changed, unlisted)| Scenario {
            case,
            base,
            local,
            remote,
            epoch_changed,
            unlisted,
        },
    )
}

impl Scenario {
    /// Builds the world the scenario describes. Edits that make no sense in the state reached
    /// so far (writing below a file, say) are skipped; missing parent directories are created.
    pub fn world(&self) -> World {
        let paths = pool(self.case);
        let mut w = World::new(self.case);
        for &(i, is_dir, content) in &self.base {
            let path = &paths[i];
            if !ensure_parents(&mut w, path, Side::Base) || w.cache.contains_key(&crate::p(path)) {
                continue;
            }
            if is_dir {
                w.synced_dir(path);
            } else {
                w.synced_file(path, &format!("base-{content}"));
            }
        }
        if self.epoch_changed {
            w.remote_epoch = Some(Epoch("epoch-2".into()));
        }
        for (k, e) in self.local.iter().enumerate() {
            apply_edit(&mut w, &paths, *e, Side::Local, k);
        }
        for (k, e) in self.remote.iter().enumerate() {
            apply_edit(&mut w, &paths, *e, Side::Remote, k);
        }
        for &i in &self.unlisted {
            let path = crate::p(&paths[i]);
            if w.remote.get(&path).is_some_and(|m| m.kind.is_dir()) {
                w.unlisted.push(path);
            }
        }
        w
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Base,
    Local,
    Remote,
}

fn live_kind(w: &World, side: Side, path: &str) -> Option<bool> {
    let path = crate::p(path);
    match side {
        Side::Base | Side::Local => w
            .cache
            .get(&path)
            .filter(|e| e.exists_locally())
            .map(|e| e.kind().is_dir()),
        Side::Remote => w.remote.get(&path).map(|m| m.kind.is_dir()),
    }
}

/// Makes every ancestor of `path` a directory on `side`; false if a file is in the way.
fn ensure_parents(w: &mut World, path: &str, side: Side) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    for depth in 1..parts.len() {
        let ancestor = parts[..depth].join("/");
        match live_kind(w, side, &ancestor) {
            Some(true) => {}
            Some(false) => return false,
            None => {
                // A tombstone or ghost in the cache cannot hold live children either.
                if side != Side::Remote
                    && w.cache.contains_key(&crate::p(&ancestor))
                    && side == Side::Base
                {
                    return false;
                }
                match side {
                    Side::Base => {
                        w.synced_dir(&ancestor);
                    }
                    Side::Local => {
                        w.local_mkdir(&ancestor);
                    }
                    Side::Remote => {
                        w.remote_mkdir(&ancestor);
                    }
                }
            }
        }
    }
    true
}

fn apply_edit(w: &mut World, paths: &[String], edit: Edit, side: Side, k: usize) {
    let tag = match side {
        Side::Local => "local",
        _ => "remote",
    };
    match edit {
        Edit::Write(i, c) => {
            let path = &paths[i];
            if live_kind(w, side, path) == Some(true) || !ensure_parents(w, path, side) {
                return;
            }
            let content = format!("{tag}-{k}-{c}");
            match side {
                Side::Local => w.local_write(path, &content),
                _ => w.remote_write(path, &content),
            };
        }
        Edit::Mkdir(i) => {
            let path = &paths[i];
            if live_kind(w, side, path).is_some() || !ensure_parents(w, path, side) {
                return;
            }
            match side {
                Side::Local => w.local_mkdir(path),
                _ => w.remote_mkdir(path),
            };
        }
        Edit::Delete(i) => {
            let path = &paths[i];
            if live_kind(w, side, path).is_none() {
                return;
            }
            match side {
                Side::Local => w.local_delete(path),
                _ => w.remote_delete(path),
            };
        }
        Edit::Touch(i) => {
            let path = &paths[i];
            match side {
                Side::Local => {
                    let clean_file = w.cache.get(&crate::p(path)).is_some_and(|e| {
                        e.exists_locally() && !e.kind().is_dir() && e.local.changes.is_empty()
                    });
                    if clean_file {
                        w.make_sparse(path);
                    }
                }
                _ => {
                    if live_kind(w, side, path).is_some() {
                        w.remote_touch(path);
                    }
                }
            }
        }
    }
}
