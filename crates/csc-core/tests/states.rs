//! Classification, state by state: every `OFFLINEFILES_SYNC_STATE` that can occur, built the
//! way users get there (a synced share, offline edits, server edits), classified by the
//! planner, with the disposition the module rule gives (`classify.rs`: one changed side is
//! copied, both changed to the same end is *converged*, anything else is a conflict).
//!
//! The table is the source of truth for which states exist: a test checks that it covers every
//! state except the four reserved *Renamed* states (40, 43, 45, 48), the NUMSTATES sentinel
//! (54) and the csc NameCollision extension (256, tested with case-insensitive shares).

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::BTreeSet;

use csc_core::win::{
    ChangeDetails, ItemChangeFlags, StateKnown, SyncControl, SyncControlFlags, SyncOperation,
    SyncState,
};
use csc_core::{
    Action, Classification, ConflictChange, ContentHash, Disposition, Epoch, ItemKind,
    LocalChanges, LocalItem, LocalMeta, Meta, Millis, Observed, Outcome, Pins, Plan, Presence,
    classify,
};
use csc_testkit::inspect::{Step, step};
use csc_testkit::{World, hash_of, p};

// ----- the vocabulary of the table ---------------------------------------------------------------

/// The steps of a planned item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Steps {
    /// No step at all.
    None,
    /// This step comes first (more may follow).
    First(SyncOperation, Step),
    /// This step is among them. For a change of kind, how the old item is removed (a step of
    /// its own, or part of the replacing step) is the planner's choice; the step that creates
    /// the new kind is what the state requires.
    Includes(SyncOperation, Step),
}

/// What the plan does with the row's item.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    /// The plan has no item for the path: both sides agree.
    Nothing,
    /// An item with this outcome and steps.
    Item(Outcome, Steps),
}

/// A one-sided change or a converged state carried out by `first` (and maybe more steps).
fn sync(operation: SyncOperation, first: Step) -> Expect {
    Expect::Item(Outcome::Sync, Steps::First(operation, first))
}

/// A one-sided change of kind: the item of the other kind is created by `creating`.
fn replace(operation: SyncOperation, creating: Step) -> Expect {
    Expect::Item(Outcome::Sync, Steps::Includes(operation, creating))
}

/// A conflict with the default policy (CR_DEFAULT, no handler): logged, nothing touched.
fn logged() -> Expect {
    Expect::Item(Outcome::Logged, Steps::None)
}

fn nothing() -> Expect {
    Expect::Nothing
}

const TWO_WAY: SyncControlFlags = SyncControlFlags::SYNCIN.union(SyncControlFlags::SYNCOUT);
const TWO_WAY_PIN_NEW: SyncControlFlags = TWO_WAY.union(SyncControlFlags::PINNEWFILES);

/// One situation around one item.
struct Row {
    what: &'static str,
    path: &'static str,
    flags: SyncControlFlags,
    state: SyncState,
    disposition: Disposition,
    expect: Expect,
    /// Builds the situation on top of a share holding one synced, untouched file `keep.txt`.
    build: fn(&mut World),
}

fn row(
    what: &'static str,
    path: &'static str,
    state: SyncState,
    disposition: Disposition,
    expect: Expect,
    build: fn(&mut World),
) -> Row {
    Row {
        what,
        path,
        flags: TWO_WAY,
        state,
        disposition,
        expect,
        build,
    }
}

impl Row {
    fn with_flags(self, flags: SyncControlFlags) -> Row {
        Row { flags, ..self }
    }
}

// ----- edits the test kit has no verb for ----------------------------------------------------------

/// The server's state lineage changes (the share was restored): the cache's originals are no
/// valid merge base any more, and the planner merges.
fn new_epoch(w: &mut World) {
    w.remote_epoch = Some(Epoch("epoch-2".into()));
}

/// The cache keeps only the name of the item.
fn ghost(w: &mut World, path: &str) {
    let e = w.cache.get_mut(&p(path)).expect("ghost: not cached");
    e.local.presence = Presence::Ghost;
}

/// The cached directory's content is not (fully) known.
fn sparse_dir(w: &mut World, path: &str) {
    let e = w.cache.get_mut(&p(path)).expect("sparse_dir: not cached");
    assert!(e.kind().is_dir());
    e.local.presence = Presence::Sparse;
}

/// Read-only is set offline on a cached item.
fn set_read_only_offline(w: &mut World, path: &str) {
    let e = w.cache.get_mut(&p(path)).expect("attributes: not cached");
    e.local.own_mut(e.original.as_ref()).attributes |= 0x1;
    e.local.changes |= LocalChanges::ATTRIBUTES;
}

// ----- the table ----------------------------------------------------------------------------------

fn table() -> Vec<Row> {
    use Disposition as D;
    use Step as T;
    use SyncOperation as O;
    use SyncState as S;
    vec![
        // 0
        row(
            "a synced file nobody touched is stable and needs nothing",
            "f.txt",
            S::Stable,
            D::InSync,
            nothing(),
            |w| {
                w.synced_file("f.txt", "one");
            },
        ),
        row(
            "a file deleted on both sides is stable and converged: only the tombstone goes",
            "f.txt",
            S::Stable,
            D::Converged,
            sync(O::DeleteClientCopy, T::DeleteLocal),
            |w| {
                w.synced_file("f.txt", "one").local_delete("f.txt").remote_delete("f.txt");
            },
        ),
        row(
            "after an epoch change, identical files on both sides simply agree",
            "f.txt",
            S::Stable,
            D::Converged,
            sync(O::SyncToClient, T::AdoptRemote),
            |w| {
                w.synced_file("f.txt", "one");
                new_epoch(w);
            },
        ),
        // 1
        row(
            "an unchanged cached file that the server replaced with a directory takes the directory",
            "f.txt",
            S::FileOnClientDirOnServer,
            D::Pull,
            replace(O::SyncToClient, T::MakeLocalDir),
            |w| {
                w.synced_file("f.txt", "one").remote_delete("f.txt").remote_mkdir("f.txt");
            },
        ),
        row(
            "after an epoch change, a cached file where the server has a directory is a conflict",
            "f.txt",
            S::FileOnClientDirOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_file("f.txt", "one").remote_delete("f.txt").remote_mkdir("f.txt");
                new_epoch(w);
            },
        ),
        // 2
        row(
            "after an epoch change, a cached file the server lacks is uploaded, never deleted",
            "f.txt",
            S::FileOnClientNoServerCopy,
            D::Push,
            sync(O::CreateCopyOnServer, T::Upload),
            |w| {
                w.synced_file("f.txt", "one").remote_delete("f.txt");
                new_epoch(w);
            },
        ),
        // 3
        row(
            "after an epoch change, a cached directory where the server has a file is a conflict",
            "d",
            S::DirOnClientFileOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_dir("d").remote_delete("d").remote_write("d", "now a file");
                new_epoch(w);
            },
        ),
        // 4
        row(
            "an unchanged cached directory that the server replaced with a file takes the file",
            "d",
            S::DirOnClientFileChangedOnServer,
            D::Pull,
            replace(O::SyncToClient, T::Download),
            |w| {
                w.synced_dir("d").remote_delete("d").remote_write("d", "now a file");
            },
        ),
        // 5
        row(
            "after an epoch change, a cached directory the server lacks is created there",
            "d",
            S::DirOnClientNoServerCopy,
            D::Push,
            sync(O::CreateCopyOnServer, T::MakeRemoteDir),
            |w| {
                w.synced_dir("d").remote_delete("d");
                new_epoch(w);
            },
        ),
        // 6
        row(
            "a file created offline is uploaded as a new server file",
            "new.txt",
            S::FileCreatedOnClientNoServerCopy,
            D::Push,
            sync(O::CreateCopyOnServer, T::Upload),
            |w| {
                w.local_write("new.txt", "fresh");
            },
        ),
        // 7
        row(
            "a file deleted and re-created offline while the server edited it is a conflict",
            "f.txt",
            S::FileCreatedOnClientFileChangedOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_file("f.txt", "one")
                    .local_delete("f.txt")
                    .local_write("f.txt", "mine")
                    .remote_write("f.txt", "theirs");
            },
        ),
        // 8
        row(
            "a file re-created offline that the server replaced with a directory is a conflict",
            "f.txt",
            S::FileCreatedOnClientDirChangedOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_file("f.txt", "one")
                    .local_delete("f.txt")
                    .local_write("f.txt", "mine")
                    .remote_delete("f.txt")
                    .remote_mkdir("f.txt");
            },
        ),
        // 9
        row(
            "a file deleted and re-created offline over an unchanged server file is uploaded",
            "f.txt",
            S::FileCreatedOnClientFileOnServer,
            D::Push,
            sync(O::SyncToServer, T::Upload),
            |w| {
                w.synced_file("f.txt", "one").local_delete("f.txt").local_write("f.txt", "mine");
            },
        ),
        row(
            "a file created offline where the server created another file of that name is a conflict",
            "new.txt",
            S::FileCreatedOnClientFileOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.remote_write("new.txt", "theirs").local_write("new.txt", "mine");
            },
        ),
        row(
            "a file created on both sides with the same content converged",
            "new.txt",
            S::FileCreatedOnClientFileOnServer,
            D::Converged,
            sync(O::SyncToClient, T::AdoptRemote),
            |w| {
                w.remote_write("new.txt", "same").local_write("new.txt", "same");
            },
        ),
        // 10
        row(
            "a file that replaced an unchanged directory offline replaces it on the server",
            "d",
            S::FileCreatedOnClientDirOnServer,
            D::Push,
            replace(O::CreateCopyOnServer, T::Upload),
            |w| {
                w.synced_dir("d").local_delete("d").local_write("d", "now a file");
            },
        ),
        row(
            "a file created offline where the server created a directory of that name is a conflict",
            "n",
            S::FileCreatedOnClientDirOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.remote_mkdir("n").local_write("n", "mine");
            },
        ),
        // 11
        row(
            "a file re-created offline whose server copy was deleted is a conflict",
            "f.txt",
            S::FileCreatedOnClientDeletedOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_file("f.txt", "one")
                    .local_delete("f.txt")
                    .local_write("f.txt", "mine")
                    .remote_delete("f.txt");
            },
        ),
        // 12
        row(
            "a file edited differently on both sides is the classic edit/edit conflict",
            "f.txt",
            S::FileChangedOnClientChangedOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_file("f.txt", "one")
                    .local_write("f.txt", "mine")
                    .remote_write("f.txt", "theirs");
            },
        ),
        row(
            "a file edited on both sides to identical content converged: no conflict",
            "f.txt",
            S::FileChangedOnClientChangedOnServer,
            D::Converged,
            sync(O::SyncToClient, T::AdoptRemote),
            |w| {
                w.synced_file("f.txt", "one")
                    .local_write("f.txt", "two")
                    .remote_write("f.txt", "two");
            },
        ),
        row(
            "after an epoch change, a file edited offline is a conflict with the server copy",
            "f.txt",
            S::FileChangedOnClientChangedOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_file("f.txt", "one").local_write("f.txt", "mine");
                new_epoch(w);
            },
        ),
        // 13
        row(
            "after an epoch change, a file edited offline where the server has a directory is a conflict",
            "f.txt",
            S::FileChangedOnClientDirOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_file("f.txt", "one")
                    .local_write("f.txt", "mine")
                    .remote_delete("f.txt")
                    .remote_mkdir("f.txt");
                new_epoch(w);
            },
        ),
        // 14
        row(
            "a file edited offline that the server replaced with a directory is a conflict",
            "f.txt",
            S::FileChangedOnClientDirChangedOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_file("f.txt", "one")
                    .local_write("f.txt", "mine")
                    .remote_delete("f.txt")
                    .remote_mkdir("f.txt");
            },
        ),
        // 15
        row(
            "a file edited offline and deleted on the server is the edit/delete conflict",
            "f.txt",
            S::FileChangedOnClientDeletedOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_file("f.txt", "one").local_write("f.txt", "mine").remote_delete("f.txt");
            },
        ),
        // 16
        row(
            "a sparse file whose server copy changed downloads the new version",
            "f.txt",
            S::FileSparseOnClientChangedOnServer,
            D::Pull,
            sync(O::SyncToClient, T::Download),
            |w| {
                w.synced_file("f.txt", "one").make_sparse("f.txt").remote_write("f.txt", "theirs");
            },
        ),
        // 17
        row(
            "a sparse file deleted on the server leaves the cache",
            "f.txt",
            S::FileSparseOnClientDeletedOnServer,
            D::Pull,
            sync(O::DeleteClientCopy, T::DeleteLocal),
            |w| {
                w.synced_file("f.txt", "one").make_sparse("f.txt").remote_delete("f.txt");
            },
        ),
        row(
            "after an epoch change, a sparse file the server lacks leaves the cache: it holds no content, so a merge loses nothing",
            "f.txt",
            S::FileSparseOnClientDeletedOnServer,
            D::Converged,
            sync(O::DeleteClientCopy, T::DeleteLocal),
            |w| {
                w.synced_file("f.txt", "one").make_sparse("f.txt").remote_delete("f.txt");
                new_epoch(w);
            },
        ),
        // 18
        row(
            "after an epoch change, a sparse file where the server has a directory takes the directory",
            "f.txt",
            S::FileSparseOnClientDirOnServer,
            D::Pull,
            replace(O::SyncToClient, T::MakeLocalDir),
            |w| {
                w.synced_file("f.txt", "one")
                    .make_sparse("f.txt")
                    .remote_delete("f.txt")
                    .remote_mkdir("f.txt");
                new_epoch(w);
            },
        ),
        // 19
        row(
            "a sparse file that the server replaced with a directory takes the directory",
            "f.txt",
            S::FileSparseOnClientDirChangedOnServer,
            D::Pull,
            replace(O::SyncToClient, T::MakeLocalDir),
            |w| {
                w.synced_file("f.txt", "one")
                    .make_sparse("f.txt")
                    .remote_delete("f.txt")
                    .remote_mkdir("f.txt");
            },
        ),
        // 20
        row(
            "a directory created offline is created on the server",
            "n",
            S::DirCreatedOnClientNoServerCopy,
            D::Push,
            sync(O::CreateCopyOnServer, T::MakeRemoteDir),
            |w| {
                w.local_mkdir("n");
            },
        ),
        // 21
        row(
            "a directory deleted and re-created offline over an unchanged server directory pushes its metadata",
            "d",
            S::DirCreatedOnClientDirOnServer,
            D::Push,
            sync(O::SyncToServer, T::PushMeta),
            |w| {
                w.synced_dir("d").local_delete("d").local_mkdir("d");
            },
        ),
        row(
            "a directory created on both sides converged",
            "n",
            S::DirCreatedOnClientDirOnServer,
            D::Converged,
            sync(O::SyncToClient, T::AdoptRemote),
            |w| {
                w.remote_mkdir("n").local_mkdir("n");
            },
        ),
        // 22
        row(
            "a directory that replaced an unchanged file offline replaces it on the server",
            "f.txt",
            S::DirCreatedOnClientFileOnServer,
            D::Push,
            replace(O::CreateCopyOnServer, T::MakeRemoteDir),
            |w| {
                w.synced_file("f.txt", "one").local_delete("f.txt").local_mkdir("f.txt");
            },
        ),
        row(
            "a directory created offline where the server created a file of that name is a conflict",
            "n",
            S::DirCreatedOnClientFileOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.remote_write("n", "theirs").local_mkdir("n");
            },
        ),
        // 23
        row(
            "a directory that replaced a file offline while the server edited the file is a conflict",
            "f.txt",
            S::DirCreatedOnClientFileChangedOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_file("f.txt", "one")
                    .local_delete("f.txt")
                    .local_mkdir("f.txt")
                    .remote_write("f.txt", "theirs");
            },
        ),
        // 24
        row(
            "a directory re-created offline whose server copy changed converged: both are directories",
            "d",
            S::DirCreatedOnClientDirChangedOnServer,
            D::Converged,
            sync(O::SyncToClient, T::AdoptRemote),
            |w| {
                w.synced_dir("d").local_delete("d").local_mkdir("d").remote_touch("d");
            },
        ),
        // 25
        row(
            "a directory re-created offline whose server copy was deleted is a conflict",
            "d",
            S::DirCreatedOnClientDeletedOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_dir("d").local_delete("d").local_mkdir("d").remote_delete("d");
            },
        ),
        // 26
        row(
            "after an epoch change, a directory changed offline where the server has a file is a conflict",
            "d",
            S::DirChangedOnClientFileOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_dir("d");
                set_read_only_offline(w, "d");
                w.remote_delete("d").remote_write("d", "now a file");
                new_epoch(w);
            },
        ),
        // 27
        row(
            "a directory holding an offline edit that the server replaced with a file is a conflict",
            "d",
            S::DirChangedOnClientFileChangedOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_dir("d")
                    .synced_file("d/a.txt", "one")
                    .local_write("d/a.txt", "mine")
                    .remote_delete("d")
                    .remote_write("d", "now a file");
            },
        ),
        // 28
        row(
            "a directory changed offline whose server copy changed too converged: both are directories",
            "d",
            S::DirChangedOnClientChangedOnServer,
            D::Converged,
            sync(O::SyncToClient, T::AdoptRemote),
            |w| {
                w.synced_dir("d");
                set_read_only_offline(w, "d");
                w.remote_touch("d");
            },
        ),
        // 29
        row(
            "a directory deleted on the server while a cached descendant holds an offline edit is a conflict",
            "d",
            S::DirChangedOnClientDeletedOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_dir("d")
                    .synced_file("d/a.txt", "one")
                    .local_write("d/a.txt", "mine")
                    .remote_delete("d");
            },
        ),
        // 30
        row(
            "a new server file in a directory pinned with inheritance comes into the cache (PINNEWFILES)",
            "d/new.txt",
            S::NoClientCopyFileOnServer,
            D::Pull,
            sync(O::CreateCopyOnClient, T::Download),
            |w| {
                w.synced_dir("d").remote_write("d/new.txt", "theirs");
            },
        )
        .with_flags(TWO_WAY_PIN_NEW),
        row(
            "a ghost that was never synced takes the server copy's metadata and stays a ghost",
            "f.txt",
            S::NoClientCopyFileOnServer,
            D::Pull,
            sync(O::SyncToClient, T::AdoptRemote),
            |w| {
                w.synced_file("f.txt", "one");
                ghost(w, "f.txt");
                w.set_pins("f.txt", Pins::NONE);
                w.cache.get_mut(&p("f.txt")).expect("built above").forget_original();
            },
        ),
        row(
            "a pinned ghost that was never synced is a pin not yet filled: its file is downloaded",
            "f.txt",
            S::NoClientCopyFileOnServer,
            D::Pull,
            sync(O::SyncToClient, T::Download),
            |w| {
                w.synced_file("f.txt", "one");
                ghost(w, "f.txt");
                w.cache.get_mut(&p("f.txt")).expect("built above").forget_original();
            },
        ),
        // 31
        row(
            "a new server directory in a directory pinned with inheritance comes into the cache (PINNEWFILES)",
            "d/sub",
            S::NoClientCopyDirOnServer,
            D::Pull,
            sync(O::CreateCopyOnClient, T::MakeLocalDir),
            |w| {
                w.synced_dir("d").remote_mkdir("d/sub");
            },
        )
        .with_flags(TWO_WAY_PIN_NEW),
        // 32
        row(
            "a ghost file whose server copy changed records the new version",
            "f.txt",
            S::NoClientCopyFileChangedOnServer,
            D::Pull,
            sync(O::SyncToClient, T::AdoptRemote),
            |w| {
                w.synced_file("f.txt", "one");
                ghost(w, "f.txt");
                w.set_pins("f.txt", Pins::NONE);
                w.remote_write("f.txt", "theirs");
            },
        ),
        // 33
        row(
            "a ghost directory whose server copy changed records the new version",
            "d",
            S::NoClientCopyDirChangedOnServer,
            D::Pull,
            sync(O::SyncToClient, T::AdoptRemote),
            |w| {
                w.synced_dir("d");
                ghost(w, "d");
                w.set_pins("d", Pins::NONE);
                w.remote_touch("d");
            },
        ),
        row(
            "a pinned ghost directory is a pin not yet filled: the folder is made in the cache",
            "d",
            S::NoClientCopyDirChangedOnServer,
            D::Pull,
            sync(O::SyncToClient, T::MakeLocalDir),
            |w| {
                w.synced_dir("d");
                ghost(w, "d");
                w.remote_touch("d");
            },
        ),
        // 34
        row(
            "a file deleted offline is deleted on the server",
            "f.txt",
            S::DeletedOnClientFileOnServer,
            D::Push,
            sync(O::DeleteServerCopy, T::DeleteRemote),
            |w| {
                w.synced_file("f.txt", "one").local_delete("f.txt");
            },
        ),
        // 35
        row(
            "a directory deleted offline is deleted on the server",
            "d",
            S::DeletedOnClientDirOnServer,
            D::Push,
            sync(O::DeleteServerCopy, T::DeleteRemote),
            |w| {
                w.synced_dir("d").synced_file("d/a.txt", "one").local_delete("d");
            },
        ),
        // 36
        row(
            "a file deleted offline while the server edited it is the delete/edit conflict",
            "f.txt",
            S::DeletedOnClientFileChangedOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_file("f.txt", "one").local_delete("f.txt").remote_write("f.txt", "theirs");
            },
        ),
        // 37
        row(
            "a directory deleted offline while the server added a child is a conflict",
            "d",
            S::DeletedOnClientDirChangedOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_dir("d")
                    .synced_file("d/a.txt", "one")
                    .local_delete("d")
                    .remote_write("d/new.txt", "theirs");
            },
        ),
        // 38
        row(
            "a sparse file is filled from the server",
            "f.txt",
            S::FileSparseOnClient,
            D::Fill,
            sync(O::SyncToClient, T::Download),
            |w| {
                w.synced_file("f.txt", "one").make_sparse("f.txt");
            },
        ),
        // 39
        row(
            "a file edited offline is uploaded",
            "f.txt",
            S::FileChangedOnClient,
            D::Push,
            sync(O::SyncToServer, T::Upload),
            |w| {
                w.synced_file("f.txt", "one").local_write("f.txt", "mine");
            },
        ),
        // 41
        row(
            "a sparse directory is completed from the server",
            "d",
            S::DirSparseOnClient,
            D::Fill,
            sync(O::SyncToClient, T::AdoptRemote),
            |w| {
                w.synced_dir("d");
                sparse_dir(w, "d");
            },
        ),
        // 42
        row(
            "a directory whose attributes changed offline pushes them",
            "d",
            S::DirChangedOnClient,
            D::Push,
            sync(O::SyncToServer, T::PushMeta),
            |w| {
                w.synced_dir("d");
                set_read_only_offline(w, "d");
            },
        ),
        // 44
        row(
            "a file edited on the server is downloaded",
            "f.txt",
            S::FileChangedOnServer,
            D::Pull,
            sync(O::SyncToClient, T::Download),
            |w| {
                w.synced_file("f.txt", "one").remote_write("f.txt", "theirs");
            },
        ),
        row(
            "a server touch (new version, same content) of an unchanged cached file is a plain pull",
            "f.txt",
            S::FileChangedOnServer,
            D::Pull,
            sync(O::SyncToClient, T::Download),
            |w| {
                w.synced_file("f.txt", "one").remote_touch("f.txt");
            },
        ),
        // 46
        row(
            "a file deleted on the server leaves the cache",
            "f.txt",
            S::FileDeletedOnServer,
            D::Pull,
            sync(O::DeleteClientCopy, T::DeleteLocal),
            |w| {
                w.synced_file("f.txt", "one").remote_delete("f.txt");
            },
        ),
        row(
            "a ghost whose server copy was deleted leaves the cache",
            "f.txt",
            S::FileDeletedOnServer,
            D::Pull,
            sync(O::DeleteClientCopy, T::DeleteLocal),
            |w| {
                w.synced_file("f.txt", "one");
                ghost(w, "f.txt");
                w.remote_delete("f.txt");
            },
        ),
        // 47
        row(
            "a directory changed on the server records the new version",
            "d",
            S::DirChangedOnServer,
            D::Pull,
            sync(O::SyncToClient, T::AdoptRemote),
            |w| {
                w.synced_dir("d").remote_touch("d");
            },
        ),
        // 49
        row(
            "a directory deleted on the server leaves the cache",
            "d",
            S::DirDeletedOnServer,
            D::Pull,
            sync(O::DeleteClientCopy, T::DeleteLocal),
            |w| {
                w.synced_dir("d").synced_file("d/a.txt", "one").remote_delete("d");
            },
        ),
        // 50
        row(
            "a file replaced and then deleted offline is deleted on the server",
            "f.txt",
            S::FileReplacedAndDeletedOnClientFileOnServer,
            D::Push,
            sync(O::DeleteServerCopy, T::DeleteRemote),
            |w| {
                w.synced_file("f.txt", "one")
                    .local_delete("f.txt")
                    .local_write("f.txt", "mine")
                    .local_delete("f.txt");
            },
        ),
        // 51
        row(
            "a file replaced and then deleted offline while the server edited it is a conflict",
            "f.txt",
            S::FileReplacedAndDeletedOnClientFileChangedOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_file("f.txt", "one")
                    .local_delete("f.txt")
                    .local_write("f.txt", "mine")
                    .local_delete("f.txt")
                    .remote_write("f.txt", "theirs");
            },
        ),
        // 52
        row(
            "a directory replaced by a file and then deleted offline is deleted on the server",
            "d",
            S::FileReplacedAndDeletedOnClientDirOnServer,
            D::Push,
            sync(O::DeleteServerCopy, T::DeleteRemote),
            |w| {
                w.synced_dir("d")
                    .local_delete("d")
                    .local_write("d", "mine")
                    .local_delete("d");
            },
        ),
        // 53
        row(
            "a directory replaced and then deleted offline while the server changed it is a conflict",
            "d",
            S::FileReplacedAndDeletedOnClientDirChangedOnServer,
            D::Conflict,
            logged(),
            |w| {
                w.synced_dir("d")
                    .local_delete("d")
                    .local_mkdir("d")
                    .local_delete("d")
                    .remote_touch("d");
            },
        ),
    ]
}

// ----- running a row ------------------------------------------------------------------------------

/// Builds the row's world (a share with one untouched synced file, then the row's edits) and
/// plans a sync of the whole share with the row's flags.
fn run(row: &Row) -> (World, Plan) {
    let mut w = World::default();
    w.synced_file("keep.txt", "kept");
    (row.build)(&mut w);
    let req = w.request(SyncControl::new(row.flags));
    let plan = w
        .plan(&req)
        .unwrap_or_else(|e| panic!("{}: planning failed: {e}", row.what));
    (w, plan)
}

/// The classification of an item the planner has nothing to do for, from the world's data.
/// Only used for items without a subtree, so the two subtree facts are false.
fn classify_in(w: &World, path: &str) -> Classification {
    let path = p(path);
    let c = w.cache.get(&path);
    classify(&Observed {
        original: c.and_then(|c| c.original.as_ref()),
        local: c.map(|c| &c.local),
        remote: w.remote.get(&path),
        merge: w.share.epoch != w.remote_epoch,
        local_subtree_dirty: false,
        remote_subtree_changed: false,
    })
}

/// Every mismatch between the row and what the planner did, as sentences.
fn check(row: &Row, w: &World, plan: &Plan) -> Vec<String> {
    let mut errors = Vec::new();
    let item = plan.item(&p(row.path));
    let class = match (&row.expect, item) {
        (Expect::Nothing, None) => classify_in(w, row.path),
        (Expect::Nothing, Some(item)) => {
            errors.push(format!(
                "expected no plan item, got {:?} with {:?}",
                item.outcome, item.ops
            ));
            item.class
        }
        (Expect::Item(..), None) => {
            errors.push("expected a plan item, the plan has none".to_owned());
            return errors;
        }
        (Expect::Item(outcome, steps), Some(item)) => {
            if &item.outcome != outcome {
                errors.push(format!("outcome {:?}, expected {outcome:?}", item.outcome));
            }
            let got: Vec<(SyncOperation, Step)> = item
                .ops
                .iter()
                .map(|o| (o.operation, step(&o.action)))
                .collect();
            let ok = match *steps {
                Steps::None => got.is_empty(),
                Steps::First(o, s) => got.first() == Some(&(o, s)),
                Steps::Includes(o, s) => got.contains(&(o, s)),
            };
            if !ok {
                errors.push(format!("steps {got:?}, expected {steps:?}"));
            }
            item.class
        }
    };
    if class.state != row.state {
        errors.push(format!(
            "state {} ({:?}), expected {} ({:?})",
            u32::from(class.state),
            class.state,
            u32::from(row.state),
            row.state
        ));
    }
    if class.disposition != row.disposition {
        errors.push(format!(
            "disposition {:?}, expected {:?}",
            class.disposition, row.disposition
        ));
    }
    errors
}

// ----- the tests ----------------------------------------------------------------------------------

#[test]
fn each_situation_classifies_into_its_windows_state_disposition_and_first_step() {
    let mut failures = Vec::new();
    for row in table() {
        let (w, plan) = run(&row);
        for e in check(&row, &w, &plan) {
            failures.push(format!("{} [{}]: {e}", row.what, row.path));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn the_table_covers_every_state_except_the_reserved_renames_the_sentinel_and_name_collision() {
    let covered: BTreeSet<SyncState> = table().iter().map(|r| r.state).collect();
    let producible: BTreeSet<SyncState> = SyncState::ALL
        .into_iter()
        .filter(|s| !s.is_reserved() && !s.is_sentinel() && *s != SyncState::NameCollision)
        .collect();
    let missing: Vec<u32> = producible.difference(&covered).map(|&s| s.into()).collect();
    let extra: Vec<u32> = covered.difference(&producible).map(|&s| s.into()).collect();
    assert!(missing.is_empty(), "states no row produces: {missing:?}");
    assert!(
        extra.is_empty(),
        "rows expecting states that cannot occur: {extra:?}"
    );
    // 55 Windows values + NameCollision, minus 4 reserved, the sentinel and NameCollision.
    assert_eq!(covered.len(), 50);
    let reserved: Vec<u32> = SyncState::ALL
        .into_iter()
        .filter(|s| s.is_reserved())
        .map(u32::from)
        .collect();
    assert_eq!(reserved, [40, 43, 45, 48]);
}

/// Windows reserves FileRenamedOnClient (40), DirRenamedOnClient (43), FileRenamedOnServer (45)
/// and DirRenamedOnServer (48) and never produces them: renames are not tracked, a rename is
/// seen as a delete of the old name plus a create of the new one. The same holds here, and a
/// plan never reports the NUMSTATES sentinel either.
#[test]
fn renamed_states_are_never_produced_because_a_rename_is_a_delete_plus_a_create() {
    let mut seen = Vec::new();
    for row in table() {
        let (_, plan) = run(&row);
        for item in &plan.items {
            let s = item.class.state;
            if s.is_reserved() || s.is_sentinel() {
                seen.push(format!("{}: {} is {s:?}", row.what, item.path));
            }
        }
    }
    assert!(seen.is_empty(), "{seen:?}");

    // A rename offline: the old name is a deletion, the new one a creation.
    let mut w = World::default();
    w.synced_file("keep.txt", "kept")
        .synced_file("old.txt", "content");
    w.local_delete("old.txt").local_write("new.txt", "content");
    let plan = w.plan_two_way();
    let old = plan.item(&p("old.txt")).expect("the old name is synced");
    let new = plan.item(&p("new.txt")).expect("the new name is synced");
    assert_eq!(old.class.state, SyncState::DeletedOnClientFileOnServer);
    assert_eq!(new.class.state, SyncState::FileCreatedOnClientNoServerCopy);

    // A rename on the server: the cache sees its name vanish and, if it is pinned new, another
    // name appear.
    let mut w = World::default();
    w.synced_file("keep.txt", "kept")
        .synced_dir("d")
        .synced_file("d/old.txt", "content");
    w.remote_delete("d/old.txt")
        .remote_write("d/new.txt", "content");
    let req = w.request(SyncControl::new(TWO_WAY_PIN_NEW));
    let plan = w.plan(&req).expect("plannable");
    let old = plan.item(&p("d/old.txt")).expect("the old name is synced");
    let new = plan.item(&p("d/new.txt")).expect("the new name is synced");
    assert_eq!(old.class.state, SyncState::FileDeletedOnServer);
    assert_eq!(new.class.state, SyncState::NoClientCopyFileOnServer);
}

/// The classifier as a pure function: over every combination of original (none, file, dir),
/// local copy (absent, or each kind × presence × recorded change), server copy (absent, file or
/// directory, same or other version, same or other content), merge and subtree facts, it only
/// ever answers Windows states that can occur, always with both sides known.
#[test]
fn classify_never_answers_a_reserved_state_the_sentinel_or_name_collision_for_any_observation() {
    let h1 = hash_of("one");
    let h2 = hash_of("two");
    let file = |v: &str, h: ContentHash| Meta::file(v, 3, Millis(10), Some(h));
    let dir = |v: &str| Meta::dir(v, Millis(10));
    let originals = [None, Some(file("v1", h1)), Some(dir("v1"))];
    let remotes = [
        None,
        Some(file("v1", h1)),
        Some(file("v2", h1)),
        Some(file("v2", h2)),
        Some(dir("v1")),
        Some(dir("v2")),
    ];
    let mut locals = vec![None];
    for kind in [ItemKind::File, ItemKind::Directory, ItemKind::Link] {
        let base = match kind {
            ItemKind::Directory => dir("v1"),
            _ => Meta {
                kind,
                ..file("v1", h1)
            },
        };
        for presence in [
            Presence::Full,
            Presence::Sparse,
            Presence::Ghost,
            Presence::Deleted,
        ] {
            for changes in [
                LocalChanges::empty(),
                LocalChanges::CREATED,
                LocalChanges::DATA | LocalChanges::TIME,
                LocalChanges::ATTRIBUTES,
                LocalChanges::CREATED | LocalChanges::DATA,
            ] {
                for hash in [h1, h2] {
                    let mut own = LocalMeta::of(&base);
                    own.hash = (!kind.is_dir()).then_some(hash);
                    locals.push(Some(LocalItem::with_meta(kind, presence, changes, own)));
                }
            }
        }
    }
    let mut produced = BTreeSet::new();
    for original in &originals {
        for local in &locals {
            if local.is_none() && original.is_some() {
                continue; // an original lives in a cache entry
            }
            for remote in &remotes {
                for merge in [false, true] {
                    for local_subtree_dirty in [false, true] {
                        for remote_subtree_changed in [false, true] {
                            let obs = Observed {
                                original: original.as_ref(),
                                local: local.as_ref(),
                                remote: remote.as_ref(),
                                merge,
                                local_subtree_dirty,
                                remote_subtree_changed,
                            };
                            let c = classify(&obs);
                            assert!(
                                !c.state.is_reserved()
                                    && !c.state.is_sentinel()
                                    && c.state != SyncState::NameCollision,
                                "{obs:?} gave {:?}",
                                c.state
                            );
                            assert!(c.both_known(), "{obs:?} gave {:?}", c.known);
                            produced.insert(c.state);
                        }
                    }
                }
            }
        }
    }
    // And the function reaches every state that can occur, as the table does by example.
    let producible: BTreeSet<SyncState> = SyncState::ALL
        .into_iter()
        .filter(|s| !s.is_reserved() && !s.is_sentinel() && *s != SyncState::NameCollision)
        .collect();
    assert_eq!(produced, producible);
}

#[test]
fn every_classification_in_every_plan_knows_both_sides() {
    let both = StateKnown::LOCAL_KNOWN | StateKnown::REMOTE_KNOWN;
    for row in table() {
        let (_, plan) = run(&row);
        for item in &plan.items {
            assert_eq!(item.class.known, both, "{}: {}", row.what, item.path);
            assert!(item.class.both_known(), "{}: {}", row.what, item.path);
        }
    }
}

/// A one-sided change, a fill or a converged state, once carried out, leaves nothing to do for
/// the item: the next two-way sync finds it stable.
#[test]
fn every_item_synced_by_a_row_needs_nothing_on_the_next_sync() {
    for row in table() {
        let Expect::Item(Outcome::Sync, Steps::First(..) | Steps::Includes(..)) = row.expect else {
            continue;
        };
        let (mut w, plan) = run(&row);
        w.apply(&plan);
        let req = w.request(SyncControl::new(row.flags));
        let again = w.plan(&req).expect("plannable");
        assert!(
            again.item(&p(row.path)).is_none(),
            "{}: the next sync still has {:?}",
            row.what,
            again.item(&p(row.path))
        );
        let class = classify_in(&w, row.path);
        if w.cache.contains_key(&p(row.path)) || w.remote.contains_key(&p(row.path)) {
            assert_eq!(class.state, SyncState::Stable, "{}", row.what);
            assert_eq!(class.disposition, Disposition::InSync, "{}", row.what);
        }
    }
}

// ----- the rows the spec singles out, in full -----------------------------------------------------

#[test]
fn both_sides_changed_to_identical_content_is_converged_not_a_conflict() {
    let mut w = World::default();
    w.synced_file("keep.txt", "kept")
        .synced_file("f.txt", "one");
    w.local_write("f.txt", "two").remote_write("f.txt", "two");
    let remote_version = w.remote[&p("f.txt")].version.clone();
    let plan = w.plan_two_way();
    let item = plan.item(&p("f.txt")).expect("the item is planned");
    assert_eq!(
        item.class.state,
        SyncState::FileChangedOnClientChangedOnServer
    );
    assert_eq!(item.class.disposition, Disposition::Converged);
    assert_eq!(item.outcome, Outcome::Sync);
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    // Nothing is transferred: the server copy is recorded as the new original.
    let [op] = item.ops.as_slice() else {
        panic!("one step expected: {:?}", item.ops)
    };
    assert_eq!(op.operation, SyncOperation::SyncToClient);
    assert!(
        matches!(&op.action, Action::AdoptRemote { meta, .. } if meta.version == remote_version),
        "{:?}",
        op.action
    );
    w.apply(&plan);
    let e = &w.cache[&p("f.txt")];
    assert!(e.local.changes.is_empty());
    assert_eq!(e.local_view().hash, Some(hash_of("two")));
    assert_eq!(
        e.original.as_ref().map(|o| &o.version),
        Some(&remote_version)
    );
    assert!(w.plan_two_way().is_noop());
}

#[test]
fn both_sides_changed_to_different_content_is_an_edit_edit_conflict_logged_by_default() {
    let mut w = World::default();
    w.synced_file("keep.txt", "kept")
        .synced_file("f.txt", "one");
    w.local_write("f.txt", "mine")
        .remote_write("f.txt", "theirs");
    let plan = w.plan_two_way();
    let item = plan.item(&p("f.txt")).expect("the item is planned");
    assert_eq!(item.class.disposition, Disposition::Conflict);
    assert_eq!(item.outcome, Outcome::Logged);
    assert!(item.ops.is_empty());
    assert!(
        matches!(plan.conflicts.as_slice(), [ConflictChange::Added(r)] if r.path == p("f.txt")
            && r.state == SyncState::FileChangedOnClientChangedOnServer),
        "{:?}",
        plan.conflicts
    );
}

#[test]
fn a_server_touch_with_an_unchanged_local_copy_is_a_plain_pull_not_a_conflict() {
    let mut w = World::default();
    w.synced_file("keep.txt", "kept")
        .synced_file("f.txt", "one");
    w.remote_touch("f.txt");
    let plan = w.plan_two_way();
    let item = plan.item(&p("f.txt")).expect("the item is planned");
    assert_eq!(item.class.state, SyncState::FileChangedOnServer);
    assert_eq!(item.class.disposition, Disposition::Pull);
    assert!(plan.conflicts.is_empty());
    assert!(
        matches!(item.ops.as_slice(), [op] if op.operation == SyncOperation::SyncToClient
            && matches!(op.action, Action::Download { .. })),
        "{:?}",
        item.ops
    );
}

#[test]
fn a_server_deleted_directory_with_a_dirty_cached_descendant_is_a_conflict_and_nothing_is_removed()
{
    let mut w = World::default();
    w.synced_file("keep.txt", "kept");
    w.synced_dir("d")
        .synced_file("d/a.txt", "one")
        .synced_file("d/b.txt", "two");
    w.local_write("d/a.txt", "mine").remote_delete("d");
    let plan = w.plan_two_way();
    let d = plan.item(&p("d")).expect("the directory is planned");
    assert_eq!(d.class.state, SyncState::DirChangedOnClientDeletedOnServer);
    assert_eq!(d.class.disposition, Disposition::Conflict);
    assert_eq!(d.outcome, Outcome::Logged);
    let a = plan
        .item(&p("d/a.txt"))
        .expect("the edited file is planned");
    assert_eq!(a.class.state, SyncState::FileChangedOnClientDeletedOnServer);
    assert_eq!(a.class.disposition, Disposition::Conflict);
    // The directory is not removed from the cache with the edit inside it.
    assert!(
        !plan
            .ops()
            .any(|o| matches!(&o.action, Action::DeleteLocal { path } if path == &p("d"))),
        "{:?}",
        plan.items
    );
}

#[test]
fn an_offline_deleted_directory_whose_server_copy_gained_a_child_is_a_conflict_and_nothing_is_deleted()
 {
    let mut w = World::default();
    w.synced_file("keep.txt", "kept");
    w.synced_dir("d").synced_file("d/a.txt", "one");
    w.local_delete("d").remote_write("d/new.txt", "theirs");
    let plan = w.plan_two_way();
    let d = plan.item(&p("d")).expect("the directory is planned");
    assert_eq!(d.class.state, SyncState::DeletedOnClientDirChangedOnServer);
    assert_eq!(d.class.disposition, Disposition::Conflict);
    assert_eq!(d.outcome, Outcome::Logged);
    assert!(
        !plan
            .ops()
            .any(|o| matches!(&o.action, Action::DeleteRemote { path, .. } if path == &p("d"))),
        "the server directory holding a child the cache never saw must not be deleted: {:?}",
        plan.items
    );
}

// ----- change details ----------------------------------------------------------------------------

#[test]
fn an_edit_edit_conflict_reports_size_and_time_changes_on_both_sides_and_the_differences_between_copies()
 {
    let mut w = World::default();
    w.synced_file("keep.txt", "kept")
        .synced_file("f.txt", "one");
    w.local_write("f.txt", "one, edited offline");
    w.remote_write("f.txt", "one, edited on the server");
    let plan = w.plan_two_way();
    let class = plan.item(&p("f.txt")).expect("planned").class;
    assert_eq!(
        class.changes,
        ChangeDetails::LOCAL_SIZE
            | ChangeDetails::LOCAL_TIME
            | ChangeDetails::REMOTE_SIZE
            | ChangeDetails::REMOTE_TIME,
        "both copies grew and were written since the original; no attribute changed"
    );
    assert_eq!(
        class.item_changes,
        ItemChangeFlags::WRITETIME | ItemChangeFlags::CHANGETIME | ItemChangeFlags::FILESIZE,
        "the copies differ in size and write time, not in attributes"
    );
}

#[test]
fn a_server_touch_reports_only_a_remote_time_change_and_a_write_time_difference() {
    let mut w = World::default();
    w.synced_file("keep.txt", "kept")
        .synced_file("f.txt", "one");
    w.remote_touch("f.txt");
    let plan = w.plan_two_way();
    let class = plan.item(&p("f.txt")).expect("planned").class;
    assert_eq!(class.changes, ChangeDetails::REMOTE_TIME);
    assert_eq!(
        class.item_changes,
        ItemChangeFlags::WRITETIME | ItemChangeFlags::CHANGETIME
    );
    assert!(!class.item_changes.contains(ItemChangeFlags::FILESIZE));
}

#[test]
fn an_offline_attribute_change_reports_local_attributes_and_an_attribute_difference() {
    let mut w = World::default();
    w.synced_file("keep.txt", "kept").synced_dir("d");
    set_read_only_offline(&mut w, "d");
    let plan = w.plan_two_way();
    let class = plan.item(&p("d")).expect("planned").class;
    assert_eq!(class.state, SyncState::DirChangedOnClient);
    assert_eq!(class.changes, ChangeDetails::LOCAL_ATTRIBUTES);
    assert_eq!(
        class.item_changes,
        ItemChangeFlags::ATTRIBUTES | ItemChangeFlags::CHANGETIME
    );
}

#[test]
fn a_file_edited_offline_to_the_same_size_reports_a_time_change_but_no_size_change() {
    let mut w = World::default();
    w.synced_file("keep.txt", "kept")
        .synced_file("f.txt", "one");
    w.local_write("f.txt", "two");
    let plan = w.plan_two_way();
    let class = plan.item(&p("f.txt")).expect("planned").class;
    assert_eq!(class.state, SyncState::FileChangedOnClient);
    assert_eq!(class.changes, ChangeDetails::LOCAL_TIME);
    assert!(!class.item_changes.contains(ItemChangeFlags::FILESIZE));
    assert!(class.item_changes.contains(ItemChangeFlags::WRITETIME));
}
