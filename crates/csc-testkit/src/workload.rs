//! Large synthetic shares for the benchmarks: `n` files in two levels of directories (100
//! files a directory, 100 directories a group), all synced, then 1% of the files changed
//! offline and another 1% changed on the server.

use csc_core::win::{SyncControl, SyncControlFlags};
use csc_core::{
    CacheEntry, CacheTree, CaseRule, Epoch, ItemPath, LocalChanges, Meta, Millis, PinSources, Pins,
    RemoteEntry, RemoteTree, Share, ShareState, SyncRequest,
};

use crate::hash_of;

/// A share to classify and plan.
#[derive(Debug)]
pub struct Workload {
    /// The share.
    pub share: ShareState,
    /// The cache.
    pub cache: CacheTree,
    /// The listing.
    pub remote: RemoteTree,
    /// A two-way sync of the whole share.
    pub request: SyncRequest,
    /// Number of items (files and directories) in the share.
    pub items: usize,
    /// Files changed offline.
    pub local_changes: usize,
    /// Files changed on the server.
    pub remote_changes: usize,
}

/// Builds a share of `files` files (plus their directories) with 1% changed on each side.
pub fn share_with_changes(files: usize) -> Workload {
    let mut cache = Vec::with_capacity(files + files / 100 + files / 10_000 + 2);
    let mut remote = Vec::with_capacity(cache.capacity());
    let pins = Pins::inheriting(PinSources::USER);
    let add_dir = |cache: &mut Vec<CacheEntry>, remote: &mut Vec<RemoteEntry>, path: String| {
        let path = ItemPath::new(&path).expect("valid workload path");
        let meta = Meta::dir("\"d1\"", Millis(1));
        remote.push(RemoteEntry {
            path: path.clone(),
            meta: meta.clone(),
        });
        cache.push(CacheEntry::synced(path, meta, pins));
    };
    let (mut local_changes, mut remote_changes) = (0, 0);
    for i in 0..files {
        let (group, dir, file) = (i / 10_000, (i / 100) % 100, i % 100);
        if i % 10_000 == 0 {
            add_dir(&mut cache, &mut remote, format!("group{group:04}"));
        }
        if i % 100 == 0 {
            add_dir(
                &mut cache,
                &mut remote,
                format!("group{group:04}/folder{dir:03}"),
            );
        }
        let path = ItemPath::new(&format!(
            "group{group:04}/folder{dir:03}/document{file:03}.txt"
        ))
        .expect("valid workload path");
        let hash = hash_of(&format!("content {i}"));
        let version = format!("\"{i:x}-1\"");
        let meta = Meta::file(&version, 4096, Millis(1_700_000_000_000), Some(hash));
        let mut entry =
            CacheEntry::synced(path.clone(), meta.clone(), Pins::pinned(PinSources::USER));
        let mut remote_meta = meta;
        // 1% of the files changed offline, another 1% on the server (disjoint sets).
        if i % 100 == 17 {
            entry.local.changes = LocalChanges::DATA | LocalChanges::TIME;
            let own = entry.local.own_mut(entry.original.as_ref());
            own.hash = Some(hash_of(&format!("local edit {i}")));
            own.modified = Millis(1_700_000_100_000);
            local_changes += 1;
        } else if i % 100 == 53 {
            remote_meta.version = csc_core::Version::new(format!("\"{i:x}-2\""));
            remote_meta.hash = Some(hash_of(&format!("remote edit {i}")));
            remote_meta.modified = Millis(1_700_000_200_000);
            remote_changes += 1;
        }
        cache.push(entry);
        remote.push(RemoteEntry {
            path,
            meta: remote_meta,
        });
    }
    let items = cache.len();
    let share = ShareState {
        share: Share::new("https://files.example/dav/bench/", CaseRule::Sensitive)
            .expect("valid URL"),
        connectivity: Default::default(),
        epoch: Some(Epoch("e1".into())),
    };
    let control = SyncControl::new(SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT);
    Workload {
        share,
        cache: CacheTree::new(cache).expect("a valid workload cache"),
        remote: RemoteTree::new(remote, Some(Epoch("e1".into())))
            .expect("a valid workload listing"),
        request: SyncRequest::new(vec![ItemPath::root()], control, Millis(1_800_000_000_000)),
        items,
        local_changes,
        remote_changes,
    }
}
