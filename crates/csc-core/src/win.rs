//! Windows Offline Files constants, with their Windows numbers.
//!
//! This module holds every numeric constant of the Offline Files API with its Windows value, as
//! typed Rust wrappers, so that tests and JS callers can quote Windows numbers.
//!
//! Conventions:
//!
//! * Every `#[repr(u32)]` enum converts to its Windows value with `u32::from` and back with
//!   `TryFrom<u32>`, which rejects any value Windows does not define with an [`UnknownConstant`].
//!   Each has `ALL` (every variant, in numeric order), `WINDOWS_TYPE` (the Windows type name) and
//!   `name()` (the full Windows name of the value, e.g.
//!   `"OFFLINEFILES_SYNC_STATE_FileChangedOnClient_ChangedOnServer"`).
//! * Every flag set is a [`bitflags`] type whose bits are the Windows bits. `from_windows`
//!   rejects undocumented bits; `WINDOWS_NAMES`, `windows_name()` and `windows_names()` give the
//!   full Windows names of the flags.
//! * The one value that is not Windows' is [`SyncState::NameCollision`] (256), a csc extension
//!   outside the Windows range.
//! * `dwSyncControl` is a flag set *plus* a conflict-policy field; [`SyncControl`] models the
//!   whole value.
//!
//! Numbers come from `cscobj.h` and the Win32 metadata (they agree); see
//! `shared/spec/offline-files.md` §3–§8.

use thiserror::Error;

/// A number that is not a documented value of a Windows Offline Files type or flag set.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{value:#x} is not a valid {what}: expected {expected}")]
pub struct UnknownConstant {
    /// The Windows type (or parameter) name, e.g. `"OFFLINEFILES_SYNC_STATE"`.
    pub what: &'static str,
    /// The rejected number.
    pub value: u64,
    /// A short human hint of what is accepted.
    pub expected: &'static str,
}

/// Defines a `#[repr(u32)]` enum of Windows constants with `TryFrom<u32>`, `From<X> for u32`,
/// `ALL`, `WINDOWS_TYPE` and `name()`. Each variant gets a doc line quoting its Windows name and
/// value.
macro_rules! windows_enum {
    (
        $(#[$meta:meta])*
        pub enum $ty:ident ($what:literal, $count:literal, expected $expected:literal) {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $value:literal => $wname:literal,
            )+
        }
    ) => {
        $(#[$meta])*
        #[repr(u32)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(
            feature = "serde",
            derive(serde::Serialize, serde::Deserialize),
            serde(try_from = "u32", into = "u32")
        )]
        pub enum $ty {
            $(
                $(#[$vmeta])*
                #[doc = ""]
                #[doc = concat!("Windows: `", $wname, "` = ", stringify!($value), ".")]
                $variant = $value,
            )+
        }

        impl $ty {
            #[doc = concat!("The Windows type name: `", $what, "`.")]
            pub const WINDOWS_TYPE: &'static str = $what;

            /// Every variant, in numeric order.
            pub const ALL: [Self; $count] = [$(Self::$variant),+];

            /// The full Windows name of this value.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $wname,)+
                }
            }
        }

        impl TryFrom<u32> for $ty {
            type Error = UnknownConstant;

            #[doc = concat!("Converts a Windows `", $what, "` number; rejects values Windows does not define.")]
            fn try_from(value: u32) -> Result<Self, UnknownConstant> {
                match value {
                    $($value => Ok(Self::$variant),)+
                    _ => Err(UnknownConstant {
                        what: $what,
                        value: u64::from(value),
                        expected: $expected,
                    }),
                }
            }
        }

        impl From<$ty> for u32 {
            fn from(value: $ty) -> u32 {
                value as u32
            }
        }
    };
}

/// Defines a [`bitflags`] flag set of Windows bits with `Default` (empty), `WINDOWS_NAMES`,
/// `windows_name()` and `windows_names()`. Each flag gets a doc line quoting its Windows name and
/// value.
macro_rules! windows_flags {
    (
        $(#[$meta:meta])*
        pub struct $ty:ident: $bits:ty {
            $(
                $(#[$($fattr:tt)*])*
                const $flag:ident = $value:literal => $wname:literal;
            )+
        }
    ) => {
        bitflags::bitflags! {
            $(#[$meta])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
            #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
            pub struct $ty: $bits {
                $(
                    $(#[$($fattr)*])*
                    #[doc = ""]
                    #[doc = concat!("Windows: `", $wname, "` = ", stringify!($value), ".")]
                    const $flag = $value;
                )+
            }
        }

        impl Default for $ty {
            /// No flag set.
            fn default() -> Self {
                Self::empty()
            }
        }

        impl $ty {
            /// Every documented flag with its full Windows name, in bit order.
            pub const WINDOWS_NAMES: &'static [(Self, &'static str)] = &[$((Self::$flag, $wname)),+];

            /// The full Windows name of a single documented flag; `None` for the empty set or a
            /// combination.
            pub fn windows_name(self) -> Option<&'static str> {
                Self::WINDOWS_NAMES
                    .iter()
                    .find(|(flag, _)| *flag == self)
                    .map(|(_, name)| *name)
            }

            /// The full Windows names of the documented flags set in `self`, in bit order.
            pub fn windows_names(self) -> impl Iterator<Item = &'static str> {
                Self::WINDOWS_NAMES
                    .iter()
                    .filter(move |(flag, _)| self.contains(*flag))
                    .map(|(_, name)| *name)
            }
        }
    };
}

/// Adds `from_windows`, which rejects undocumented bits, to a flag set.
macro_rules! impl_from_windows {
    ($ty:ident: $bits:ty, $what:literal, expected $expected:literal) => {
        impl $ty {
            #[doc = concat!("Parses a Windows `", $what, "` value; rejects any undocumented bit.")]
            pub fn from_windows(bits: $bits) -> Result<Self, UnknownConstant> {
                Self::from_bits(bits).ok_or(UnknownConstant {
                    what: $what,
                    value: u64::from(bits),
                    expected: $expected,
                })
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// §4.2 OFFLINEFILES_SYNC_STATE
// ---------------------------------------------------------------------------------------------

windows_enum! {
    /// How the sync engine classified an item by comparing its local, remote and original
    /// (last-synced) copies (`OFFLINEFILES_SYNC_STATE`, 0–54), plus one csc extension.
    ///
    /// Vocabulary: *OnClient/OnServer* = exists there with no recorded change; *Changed* =
    /// modified since the original snapshot; *Created* = new on the client; *Sparse* =
    /// incompletely cached; *NoXCopy* = absent there; *ReplacedAndDeleted* = the client file was
    /// replaced and then deleted. Renames are not tracked: a rename is a delete plus a create,
    /// and the four `Renamed` states are reserved.
    pub enum SyncState (
        "OFFLINEFILES_SYNC_STATE",
        56,
        expected "a value from 0 to 54 (see OFFLINEFILES_SYNC_STATE) or 256 (CSC_SYNC_STATE_NameCollision)"
    ) {
        /// In sync: nothing differs from the last successful sync.
        Stable = 0 => "OFFLINEFILES_SYNC_STATE_Stable",
        /// A file on the client (no recorded local change) where the server has a directory.
        FileOnClientDirOnServer = 1 => "OFFLINEFILES_SYNC_STATE_FileOnClient_DirOnServer",
        /// A file on the client (no recorded local change) with no copy on the server.
        FileOnClientNoServerCopy = 2 => "OFFLINEFILES_SYNC_STATE_FileOnClient_NoServerCopy",
        /// A directory on the client (no recorded local change) where the server has a file.
        DirOnClientFileOnServer = 3 => "OFFLINEFILES_SYNC_STATE_DirOnClient_FileOnServer",
        /// A directory on the client where the server has a file that changed.
        DirOnClientFileChangedOnServer = 4 => "OFFLINEFILES_SYNC_STATE_DirOnClient_FileChangedOnServer",
        /// A directory on the client (no recorded local change) with no copy on the server.
        DirOnClientNoServerCopy = 5 => "OFFLINEFILES_SYNC_STATE_DirOnClient_NoServerCopy",
        /// A file created offline with no server copy: a plain upload.
        FileCreatedOnClientNoServerCopy = 6 => "OFFLINEFILES_SYNC_STATE_FileCreatedOnClient_NoServerCopy",
        /// A file created offline where the server has a file that changed.
        FileCreatedOnClientFileChangedOnServer = 7 => "OFFLINEFILES_SYNC_STATE_FileCreatedOnClient_FileChangedOnServer",
        /// A file created offline where the server has a directory that changed.
        FileCreatedOnClientDirChangedOnServer = 8 => "OFFLINEFILES_SYNC_STATE_FileCreatedOnClient_DirChangedOnServer",
        /// A file created offline where a file of the same name exists on the server.
        FileCreatedOnClientFileOnServer = 9 => "OFFLINEFILES_SYNC_STATE_FileCreatedOnClient_FileOnServer",
        /// A file created offline where a directory of the same name exists on the server.
        FileCreatedOnClientDirOnServer = 10 => "OFFLINEFILES_SYNC_STATE_FileCreatedOnClient_DirOnServer",
        /// A file created offline whose server counterpart was deleted.
        FileCreatedOnClientDeletedOnServer = 11 => "OFFLINEFILES_SYNC_STATE_FileCreatedOnClient_DeletedOnServer",
        /// A file changed offline that also changed on the server: the classic edit/edit conflict.
        FileChangedOnClientChangedOnServer = 12 => "OFFLINEFILES_SYNC_STATE_FileChangedOnClient_ChangedOnServer",
        /// A file changed offline where the server now has a directory.
        FileChangedOnClientDirOnServer = 13 => "OFFLINEFILES_SYNC_STATE_FileChangedOnClient_DirOnServer",
        /// A file changed offline where the server has a directory that changed.
        FileChangedOnClientDirChangedOnServer = 14 => "OFFLINEFILES_SYNC_STATE_FileChangedOnClient_DirChangedOnServer",
        /// A file changed offline that was deleted on the server: the edit/delete conflict.
        FileChangedOnClientDeletedOnServer = 15 => "OFFLINEFILES_SYNC_STATE_FileChangedOnClient_DeletedOnServer",
        /// A sparse (incompletely cached) client file whose server copy changed.
        FileSparseOnClientChangedOnServer = 16 => "OFFLINEFILES_SYNC_STATE_FileSparseOnClient_ChangedOnServer",
        /// A sparse client file whose server copy was deleted.
        FileSparseOnClientDeletedOnServer = 17 => "OFFLINEFILES_SYNC_STATE_FileSparseOnClient_DeletedOnServer",
        /// A sparse client file where the server now has a directory.
        FileSparseOnClientDirOnServer = 18 => "OFFLINEFILES_SYNC_STATE_FileSparseOnClient_DirOnServer",
        /// A sparse client file where the server has a directory that changed.
        FileSparseOnClientDirChangedOnServer = 19 => "OFFLINEFILES_SYNC_STATE_FileSparseOnClient_DirChangedOnServer",
        /// A directory created offline with no server copy.
        DirCreatedOnClientNoServerCopy = 20 => "OFFLINEFILES_SYNC_STATE_DirCreatedOnClient_NoServerCopy",
        /// A directory created offline where a directory of the same name exists on the server.
        DirCreatedOnClientDirOnServer = 21 => "OFFLINEFILES_SYNC_STATE_DirCreatedOnClient_DirOnServer",
        /// A directory created offline where a file of the same name exists on the server.
        DirCreatedOnClientFileOnServer = 22 => "OFFLINEFILES_SYNC_STATE_DirCreatedOnClient_FileOnServer",
        /// A directory created offline where the server has a file that changed.
        DirCreatedOnClientFileChangedOnServer = 23 => "OFFLINEFILES_SYNC_STATE_DirCreatedOnClient_FileChangedOnServer",
        /// A directory created offline where the server has a directory that changed.
        DirCreatedOnClientDirChangedOnServer = 24 => "OFFLINEFILES_SYNC_STATE_DirCreatedOnClient_DirChangedOnServer",
        /// A directory created offline whose server counterpart was deleted.
        DirCreatedOnClientDeletedOnServer = 25 => "OFFLINEFILES_SYNC_STATE_DirCreatedOnClient_DeletedOnServer",
        /// A directory changed offline where the server has a file.
        DirChangedOnClientFileOnServer = 26 => "OFFLINEFILES_SYNC_STATE_DirChangedOnClient_FileOnServer",
        /// A directory changed offline where the server has a file that changed.
        DirChangedOnClientFileChangedOnServer = 27 => "OFFLINEFILES_SYNC_STATE_DirChangedOnClient_FileChangedOnServer",
        /// A directory changed offline that also changed on the server.
        DirChangedOnClientChangedOnServer = 28 => "OFFLINEFILES_SYNC_STATE_DirChangedOnClient_ChangedOnServer",
        /// A directory changed offline that was deleted on the server.
        DirChangedOnClientDeletedOnServer = 29 => "OFFLINEFILES_SYNC_STATE_DirChangedOnClient_DeletedOnServer",
        /// No client copy; the server has a file.
        NoClientCopyFileOnServer = 30 => "OFFLINEFILES_SYNC_STATE_NoClientCopy_FileOnServer",
        /// No client copy; the server has a directory.
        NoClientCopyDirOnServer = 31 => "OFFLINEFILES_SYNC_STATE_NoClientCopy_DirOnServer",
        /// No client copy; the server has a file that changed.
        NoClientCopyFileChangedOnServer = 32 => "OFFLINEFILES_SYNC_STATE_NoClientCopy_FileChangedOnServer",
        /// No client copy; the server has a directory that changed.
        NoClientCopyDirChangedOnServer = 33 => "OFFLINEFILES_SYNC_STATE_NoClientCopy_DirChangedOnServer",
        /// Deleted offline; the server still has the file.
        DeletedOnClientFileOnServer = 34 => "OFFLINEFILES_SYNC_STATE_DeletedOnClient_FileOnServer",
        /// Deleted offline; the server still has the directory.
        DeletedOnClientDirOnServer = 35 => "OFFLINEFILES_SYNC_STATE_DeletedOnClient_DirOnServer",
        /// Deleted offline while the server file changed: the classic delete/edit conflict.
        DeletedOnClientFileChangedOnServer = 36 => "OFFLINEFILES_SYNC_STATE_DeletedOnClient_FileChangedOnServer",
        /// Deleted offline while the server directory changed.
        DeletedOnClientDirChangedOnServer = 37 => "OFFLINEFILES_SYNC_STATE_DeletedOnClient_DirChangedOnServer",
        /// One-sided: the client file is sparse and needs filling; the server did not change.
        FileSparseOnClient = 38 => "OFFLINEFILES_SYNC_STATE_FileSparseOnClient",
        /// One-sided: the file changed on the client only.
        FileChangedOnClient = 39 => "OFFLINEFILES_SYNC_STATE_FileChangedOnClient",
        /// Reserved: Windows never produces it (a client rename is a delete plus a create).
        FileRenamedOnClient = 40 => "OFFLINEFILES_SYNC_STATE_FileRenamedOnClient",
        /// One-sided: the client directory is sparse (incompletely cached).
        DirSparseOnClient = 41 => "OFFLINEFILES_SYNC_STATE_DirSparseOnClient",
        /// One-sided: the directory changed on the client only.
        DirChangedOnClient = 42 => "OFFLINEFILES_SYNC_STATE_DirChangedOnClient",
        /// Reserved: Windows never produces it (a client rename is a delete plus a create).
        DirRenamedOnClient = 43 => "OFFLINEFILES_SYNC_STATE_DirRenamedOnClient",
        /// One-sided: the file changed on the server only.
        FileChangedOnServer = 44 => "OFFLINEFILES_SYNC_STATE_FileChangedOnServer",
        /// Reserved: Windows never produces it (a server rename is a delete plus a create).
        FileRenamedOnServer = 45 => "OFFLINEFILES_SYNC_STATE_FileRenamedOnServer",
        /// One-sided: the file was deleted on the server.
        FileDeletedOnServer = 46 => "OFFLINEFILES_SYNC_STATE_FileDeletedOnServer",
        /// One-sided: the directory changed on the server only.
        DirChangedOnServer = 47 => "OFFLINEFILES_SYNC_STATE_DirChangedOnServer",
        /// Reserved: Windows never produces it (a server rename is a delete plus a create).
        DirRenamedOnServer = 48 => "OFFLINEFILES_SYNC_STATE_DirRenamedOnServer",
        /// One-sided: the directory was deleted on the server.
        DirDeletedOnServer = 49 => "OFFLINEFILES_SYNC_STATE_DirDeletedOnServer",
        /// The client file was replaced and then deleted; the server has a file.
        FileReplacedAndDeletedOnClientFileOnServer = 50 => "OFFLINEFILES_SYNC_STATE_FileReplacedAndDeletedOnClient_FileOnServer",
        /// The client file was replaced and then deleted; the server has a file that changed.
        FileReplacedAndDeletedOnClientFileChangedOnServer = 51 => "OFFLINEFILES_SYNC_STATE_FileReplacedAndDeletedOnClient_FileChangedOnServer",
        /// The client file was replaced and then deleted; the server has a directory.
        FileReplacedAndDeletedOnClientDirOnServer = 52 => "OFFLINEFILES_SYNC_STATE_FileReplacedAndDeletedOnClient_DirOnServer",
        /// The client file was replaced and then deleted; the server has a directory that changed.
        FileReplacedAndDeletedOnClientDirChangedOnServer = 53 => "OFFLINEFILES_SYNC_STATE_FileReplacedAndDeletedOnClient_DirChangedOnServer",
        /// Sentinel: the number of Windows states, not a state itself.
        NumStates = 54 => "OFFLINEFILES_SYNC_STATE_NUMSTATES",
        /// csc extension, outside the Windows range: on a case-insensitive share two names
        /// differing only in case or Unicode normalization; reported as a conflict, never a
        /// silent overwrite.
        NameCollision = 256 => "CSC_SYNC_STATE_NameCollision",
    }
}

impl SyncState {
    /// True for the four `Renamed` states (40, 43, 45, 48), which Windows reserves and never
    /// produces: renames are seen as a delete plus a create.
    pub const fn is_reserved(self) -> bool {
        matches!(
            self,
            Self::FileRenamedOnClient
                | Self::DirRenamedOnClient
                | Self::FileRenamedOnServer
                | Self::DirRenamedOnServer
        )
    }

    /// True for `OFFLINEFILES_SYNC_STATE_NUMSTATES` (54), the count sentinel.
    pub const fn is_sentinel(self) -> bool {
        matches!(self, Self::NumStates)
    }

    /// Whether `OFFLINEFILES_SYNC_CONFLICT_RESOLVE_KEEPALLCHANGES` may answer this state: only
    /// where both copies exist and at least one is a file (states 1, 3, 4, 7, 8, 9, 10, 12, 13,
    /// 14, 22, 23, 26, 27). Never when either side is deleted or both are directories.
    pub const fn keep_all_changes_allowed(self) -> bool {
        matches!(
            self,
            Self::FileOnClientDirOnServer
                | Self::DirOnClientFileOnServer
                | Self::DirOnClientFileChangedOnServer
                | Self::FileCreatedOnClientFileChangedOnServer
                | Self::FileCreatedOnClientDirChangedOnServer
                | Self::FileCreatedOnClientFileOnServer
                | Self::FileCreatedOnClientDirOnServer
                | Self::FileChangedOnClientChangedOnServer
                | Self::FileChangedOnClientDirOnServer
                | Self::FileChangedOnClientDirChangedOnServer
                | Self::DirCreatedOnClientFileOnServer
                | Self::DirCreatedOnClientFileChangedOnServer
                | Self::DirChangedOnClientFileOnServer
                | Self::DirChangedOnClientFileChangedOnServer
        )
    }
}

// ---------------------------------------------------------------------------------------------
// §4.3 OFFLINEFILES_SYNC_CONFLICT_RESOLVE
// ---------------------------------------------------------------------------------------------

windows_enum! {
    /// A conflict handler's answer for one conflicting item
    /// (`OFFLINEFILES_SYNC_CONFLICT_RESOLVE`).
    pub enum ConflictResolve (
        "OFFLINEFILES_SYNC_CONFLICT_RESOLVE",
        9,
        expected "a value from 0 to 8 (see OFFLINEFILES_SYNC_CONFLICT_RESOLVE)"
    ) {
        /// Leave the conflict unresolved; other handlers in the system may still act.
        None = 0 => "OFFLINEFILES_SYNC_CONFLICT_RESOLVE_NONE",
        /// Local wins: the server copy is overwritten (or deleted, if the local copy was deleted).
        KeepLocal = 1 => "OFFLINEFILES_SYNC_CONFLICT_RESOLVE_KEEPLOCAL",
        /// Server wins: the cached copy is overwritten (or deleted, if the server copy was
        /// deleted).
        KeepRemote = 2 => "OFFLINEFILES_SYNC_CONFLICT_RESOLVE_KEEPREMOTE",
        /// Keep both versions, the extra copy taking a new name; only for the states where
        /// [`SyncState::keep_all_changes_allowed`] is true.
        KeepAllChanges = 3 => "OFFLINEFILES_SYNC_CONFLICT_RESOLVE_KEEPALLCHANGES",
        /// The copy with the newest last-change time wins (a local delete counts at its deletion
        /// time).
        KeepLatest = 4 => "OFFLINEFILES_SYNC_CONFLICT_RESOLVE_KEEPLATEST",
        /// Record the conflict in the sync-conflict log for the user to resolve later.
        Log = 5 => "OFFLINEFILES_SYNC_CONFLICT_RESOLVE_LOG",
        /// Do nothing and do not log.
        Skip = 6 => "OFFLINEFILES_SYNC_CONFLICT_RESOLVE_SKIP",
        /// Cancel the whole sync operation.
        Abort = 7 => "OFFLINEFILES_SYNC_CONFLICT_ABORT",
        /// Sentinel: the number of codes, not a resolution.
        NumCodes = 8 => "OFFLINEFILES_SYNC_CONFLICT_RESOLVE_NUMCODES",
    }
}

impl ConflictResolve {
    /// True for `OFFLINEFILES_SYNC_CONFLICT_RESOLVE_NUMCODES` (8), the count sentinel.
    pub const fn is_sentinel(self) -> bool {
        matches!(self, Self::NumCodes)
    }
}

// ---------------------------------------------------------------------------------------------
// §5 Progress and per-item errors
// ---------------------------------------------------------------------------------------------

windows_enum! {
    /// What the sync engine was doing when an item error happened
    /// (`OFFLINEFILES_SYNC_OPERATION`).
    pub enum SyncOperation (
        "OFFLINEFILES_SYNC_OPERATION",
        8,
        expected "a value from 0 to 7 (see OFFLINEFILES_SYNC_OPERATION)"
    ) {
        /// Creating the server copy of a client-only item.
        CreateCopyOnServer = 0 => "OFFLINEFILES_SYNC_OPERATION_CREATE_COPY_ON_SERVER",
        /// Creating the client copy of a server-only item.
        CreateCopyOnClient = 1 => "OFFLINEFILES_SYNC_OPERATION_CREATE_COPY_ON_CLIENT",
        /// Pushing client changes to the server.
        SyncToServer = 2 => "OFFLINEFILES_SYNC_OPERATION_SYNC_TO_SERVER",
        /// Pulling server changes to the client.
        SyncToClient = 3 => "OFFLINEFILES_SYNC_OPERATION_SYNC_TO_CLIENT",
        /// Deleting the server copy.
        DeleteServerCopy = 4 => "OFFLINEFILES_SYNC_OPERATION_DELETE_SERVER_COPY",
        /// Deleting the client copy.
        DeleteClientCopy = 5 => "OFFLINEFILES_SYNC_OPERATION_DELETE_CLIENT_COPY",
        /// Pinning the item.
        Pin = 6 => "OFFLINEFILES_SYNC_OPERATION_PIN",
        /// Preparing: listing both sides, diffing and building the work list.
        Prepare = 7 => "OFFLINEFILES_SYNC_OPERATION_PREPARE",
    }
}

windows_enum! {
    /// A progress callback's answer after an item begins or ends (`OFFLINEFILES_OP_RESPONSE`).
    pub enum OpResponse (
        "OFFLINEFILES_OP_RESPONSE",
        3,
        expected "a value from 0 to 2 (see OFFLINEFILES_OP_RESPONSE)"
    ) {
        /// Go on with the operation.
        Continue = 0 => "OFFLINEFILES_OP_CONTINUE",
        /// Redo this item.
        Retry = 1 => "OFFLINEFILES_OP_RETRY",
        /// Stop now.
        Abort = 2 => "OFFLINEFILES_OP_ABORT",
    }
}

// ---------------------------------------------------------------------------------------------
// §6 Events
// ---------------------------------------------------------------------------------------------

windows_enum! {
    /// An Offline Files event code (`OFFLINEFILES_EVENTS`), as used by event filters.
    pub enum EventId (
        "OFFLINEFILES_EVENTS",
        40,
        expected "a value from 0 to 39 (see OFFLINEFILES_EVENTS)"
    ) {
        /// The cache moved (reserved for future use).
        CacheMoved = 0 => "OFFLINEFILES_EVENT_CACHEMOVED",
        /// The cache is full (reserved for future use).
        CacheIsFull = 1 => "OFFLINEFILES_EVENT_CACHEISFULL",
        /// The cache is corrupted (reserved for future use).
        CacheIsCorrupted = 2 => "OFFLINEFILES_EVENT_CACHEISCORRUPTED",
        /// Offline Files was enabled or disabled (reserved for future use).
        Enabled = 3 => "OFFLINEFILES_EVENT_ENABLED",
        /// The cache encryption state changed (reserved for future use).
        EncryptionChanged = 4 => "OFFLINEFILES_EVENT_ENCRYPTIONCHANGED",
        /// A sync started (Pin, Unpin and Encrypt also run in the sync engine).
        SyncBegin = 5 => "OFFLINEFILES_EVENT_SYNCBEGIN",
        /// The outcome of syncing one file.
        SyncFileResult = 6 => "OFFLINEFILES_EVENT_SYNCFILERESULT",
        /// A conflict was written to the conflict log.
        SyncConflictRecAdded = 7 => "OFFLINEFILES_EVENT_SYNCCONFLICTRECADDED",
        /// A logged conflict was seen again and its record refreshed.
        SyncConflictRecUpdated = 8 => "OFFLINEFILES_EVENT_SYNCCONFLICTRECUPDATED",
        /// A logged conflict is gone and its record deleted.
        SyncConflictRecRemoved = 9 => "OFFLINEFILES_EVENT_SYNCCONFLICTRECREMOVED",
        /// A sync ended (success, cancelled or failed).
        SyncEnd = 10 => "OFFLINEFILES_EVENT_SYNCEND",
        /// The service began a background sync pass.
        BackgroundSyncBegin = 11 => "OFFLINEFILES_EVENT_BACKGROUNDSYNCBEGIN",
        /// The service finished a background sync pass.
        BackgroundSyncEnd = 12 => "OFFLINEFILES_EVENT_BACKGROUNDSYNCEND",
        /// A network transport appeared.
        NetTransportArrived = 13 => "OFFLINEFILES_EVENT_NETTRANSPORTARRIVED",
        /// No network transport is left.
        NoNetTransports = 14 => "OFFLINEFILES_EVENT_NONETTRANSPORTS",
        /// An item's scope went offline.
        ItemDisconnected = 15 => "OFFLINEFILES_EVENT_ITEMDISCONNECTED",
        /// An item's scope came back online.
        ItemReconnected = 16 => "OFFLINEFILES_EVENT_ITEMRECONNECTED",
        /// An item became usable offline.
        ItemAvailableOffline = 17 => "OFFLINEFILES_EVENT_ITEMAVAILABLEOFFLINE",
        /// An item stopped being usable offline.
        ItemNotAvailableOffline = 18 => "OFFLINEFILES_EVENT_ITEMNOTAVAILABLEOFFLINE",
        /// An item gained a pin.
        ItemPinned = 19 => "OFFLINEFILES_EVENT_ITEMPINNED",
        /// An item lost a pin.
        ItemNotPinned = 20 => "OFFLINEFILES_EVENT_ITEMNOTPINNED",
        /// A cached item's data or attributes changed.
        ItemModified = 21 => "OFFLINEFILES_EVENT_ITEMMODIFIED",
        /// A cache entry was created (it may still be sparse).
        ItemAddedToCache = 22 => "OFFLINEFILES_EVENT_ITEMADDEDTOCACHE",
        /// A cache entry was removed.
        ItemDeletedFromCache = 23 => "OFFLINEFILES_EVENT_ITEMDELETEDFROMCACHE",
        /// A file-system rename happened inside the cache.
        ItemRenamed = 24 => "OFFLINEFILES_EVENT_ITEMRENAMED",
        /// This subscriber was too slow and lost events (cannot be filtered out).
        DataLost = 25 => "OFFLINEFILES_EVENT_DATALOST",
        /// Liveness probe of subscribers (cannot be filtered out).
        Ping = 26 => "OFFLINEFILES_EVENT_PING",
        /// A sweep trying to bring every offline scope online began.
        ItemReconnectBegin = 27 => "OFFLINEFILES_EVENT_ITEMRECONNECTBEGIN",
        /// The reconnect sweep ended.
        ItemReconnectEnd = 28 => "OFFLINEFILES_EVENT_ITEMRECONNECTEND",
        /// Cache eviction began (reserved).
        CacheEvictBegin = 29 => "OFFLINEFILES_EVENT_CACHEEVICTBEGIN",
        /// Cache eviction ended (reserved).
        CacheEvictEnd = 30 => "OFFLINEFILES_EVENT_CACHEEVICTEND",
        /// A policy setting changed.
        PolicyChangeDetected = 31 => "OFFLINEFILES_EVENT_POLICYCHANGEDETECTED",
        /// A non-policy (preference) setting changed.
        PreferenceChangeDetected = 32 => "OFFLINEFILES_EVENT_PREFERENCECHANGEDETECTED",
        /// Setting changes were applied (up to about 5 s after they were detected).
        SettingsChangesApplied = 33 => "OFFLINEFILES_EVENT_SETTINGSCHANGESAPPLIED",
        /// Something happened to a transparently cached item.
        TransparentCacheItemNotify = 34 => "OFFLINEFILES_EVENT_TRANSPARENTCACHEITEMNOTIFY",
        /// A file prefetch started.
        PrefetchFileBegin = 35 => "OFFLINEFILES_EVENT_PREFETCHFILEBEGIN",
        /// A file prefetch ended.
        PrefetchFileEnd = 36 => "OFFLINEFILES_EVENT_PREFETCHFILEEND",
        /// Prefetch handle closing began (undocumented; metadata only).
        PrefetchCloseHandleBegin = 37 => "OFFLINEFILES_EVENT_PREFETCHCLOSEHANDLEBEGIN",
        /// Prefetch handle closing ended (undocumented; metadata only).
        PrefetchCloseHandleEnd = 38 => "OFFLINEFILES_EVENT_PREFETCHCLOSEHANDLEEND",
        /// Sentinel: the number of events, not an event.
        NumEvents = 39 => "OFFLINEFILES_NUM_EVENTS",
    }
}

impl EventId {
    /// True for `DataLost` and `Ping`, which no event filter can exclude.
    pub const fn is_unfilterable(self) -> bool {
        matches!(self, Self::DataLost | Self::Ping)
    }

    /// True for `OFFLINEFILES_NUM_EVENTS` (39), the count sentinel.
    pub const fn is_sentinel(self) -> bool {
        matches!(self, Self::NumEvents)
    }
}

windows_enum! {
    /// Which paths an event subscriber's path filter matches
    /// (`OFFLINEFILES_PATHFILTER_MATCH`).
    pub enum PathFilterMatch (
        "OFFLINEFILES_PATHFILTER_MATCH",
        5,
        expected "a value from 0 to 4 (see OFFLINEFILES_PATHFILTER_MATCH)"
    ) {
        /// The exact path only.
        SelfOnly = 0 => "OFFLINEFILES_PATHFILTER_SELF",
        /// Immediate children of the path.
        Child = 1 => "OFFLINEFILES_PATHFILTER_CHILD",
        /// Descendants of the path at any depth.
        Descendent = 2 => "OFFLINEFILES_PATHFILTER_DESCENDENT",
        /// The path itself or its immediate children.
        SelfOrChild = 3 => "OFFLINEFILES_PATHFILTER_SELFORCHILD",
        /// The path itself or any descendant.
        SelfOrDescendent = 4 => "OFFLINEFILES_PATHFILTER_SELFORDESCENDENT",
    }
}

// ---------------------------------------------------------------------------------------------
// §7 Item model
// ---------------------------------------------------------------------------------------------

windows_enum! {
    /// The kind of a cached item (`OFFLINEFILES_ITEM_TYPE`).
    pub enum ItemType (
        "OFFLINEFILES_ITEM_TYPE",
        4,
        expected "a value from 0 to 3 (see OFFLINEFILES_ITEM_TYPE)"
    ) {
        /// A file.
        File = 0 => "OFFLINEFILES_ITEM_TYPE_FILE",
        /// A directory.
        Directory = 1 => "OFFLINEFILES_ITEM_TYPE_DIRECTORY",
        /// A share (`\\server\share`).
        Share = 2 => "OFFLINEFILES_ITEM_TYPE_SHARE",
        /// A server (`\\server`).
        Server = 3 => "OFFLINEFILES_ITEM_TYPE_SERVER",
    }
}

windows_enum! {
    /// Which copy of an item a file-system query reads (`OFFLINEFILES_ITEM_COPY`).
    pub enum ItemCopy (
        "OFFLINEFILES_ITEM_COPY",
        3,
        expected "a value from 0 to 2 (see OFFLINEFILES_ITEM_COPY)"
    ) {
        /// The cached (client) copy.
        Local = 0 => "OFFLINEFILES_ITEM_COPY_LOCAL",
        /// The server copy (reserved in Windows; Vista supports only the local copy).
        Remote = 1 => "OFFLINEFILES_ITEM_COPY_REMOTE",
        /// The state recorded at the last successful sync.
        Original = 2 => "OFFLINEFILES_ITEM_COPY_ORIGINAL",
    }
}

windows_enum! {
    /// Whether an item's scope is online (`OFFLINEFILES_CONNECT_STATE`).
    pub enum ConnectState (
        "OFFLINEFILES_CONNECT_STATE",
        5,
        expected "a value from 0 to 4 (see OFFLINEFILES_CONNECT_STATE)"
    ) {
        /// The query failed.
        Unknown = 0 => "OFFLINEFILES_CONNECT_STATE_UNKNOWN",
        /// Offline; the reason is an [`OfflineReason`].
        Offline = 1 => "OFFLINEFILES_CONNECT_STATE_OFFLINE",
        /// Online.
        Online = 2 => "OFFLINEFILES_CONNECT_STATE_ONLINE",
        /// Online, served from the transparent (read-only) cache.
        TransparentlyCached = 3 => "OFFLINEFILES_CONNECT_STATE_TRANSPARENTLY_CACHED",
        /// A mix of transparently cached and offline-capable content.
        PartlyTransparentlyCached = 4 => "OFFLINEFILES_CONNECT_STATE_PARTLY_TRANSPARENTLY_CACHED",
    }
}

windows_enum! {
    /// Why an item's scope is offline (`OFFLINEFILES_OFFLINE_REASON`).
    pub enum OfflineReason (
        "OFFLINEFILES_OFFLINE_REASON",
        7,
        expected "a value from 0 to 6 (see OFFLINEFILES_OFFLINE_REASON)"
    ) {
        /// The query failed.
        Unknown = 0 => "OFFLINEFILES_OFFLINE_REASON_UNKNOWN",
        /// The item is online.
        NotApplicable = 1 => "OFFLINEFILES_OFFLINE_REASON_NOT_APPLICABLE",
        /// The scope was forced offline (Work Offline); going online can undo it if reachable.
        ConnectionForced = 2 => "OFFLINEFILES_OFFLINE_REASON_CONNECTION_FORCED",
        /// The link was judged slow by policy thresholds; going online can override it.
        ConnectionSlow = 3 => "OFFLINEFILES_OFFLINE_REASON_CONNECTION_SLOW",
        /// The network, server or share is unreachable; reconnects automatically when fixed.
        ConnectionError = 4 => "OFFLINEFILES_OFFLINE_REASON_CONNECTION_ERROR",
        /// Offline because of an unresolved sync conflict.
        ItemVersionConflict = 5 => "OFFLINEFILES_OFFLINE_REASON_ITEM_VERSION_CONFLICT",
        /// Suspended; never synced automatically.
        ItemSuspended = 6 => "OFFLINEFILES_OFFLINE_REASON_ITEM_SUSPENDED",
    }
}

windows_enum! {
    /// A share's caching mode, configured on the server (`OFFLINEFILES_CACHING_MODE`).
    pub enum CachingMode (
        "OFFLINEFILES_CACHING_MODE",
        5,
        expected "a value from 0 to 4 (see OFFLINEFILES_CACHING_MODE)"
    ) {
        /// Unknown, not cacheable, or the query failed.
        None = 0 => "OFFLINEFILES_CACHING_MODE_NONE",
        /// The share forbids caching.
        NoCaching = 1 => "OFFLINEFILES_CACHING_MODE_NOCACHING",
        /// Only explicitly pinned items are cached.
        Manual = 2 => "OFFLINEFILES_CACHING_MODE_MANUAL",
        /// Documents are cached automatically on access.
        AutoDoc = 3 => "OFFLINEFILES_CACHING_MODE_AUTO_DOC",
        /// Programs and documents are cached automatically on access.
        AutoProgAndDoc = 4 => "OFFLINEFILES_CACHING_MODE_AUTO_PROGANDDOC",
    }
}

windows_enum! {
    /// Which item time an enumeration time filter compares (`OFFLINEFILES_ITEM_TIME`).
    pub enum ItemTime (
        "OFFLINEFILES_ITEM_TIME",
        3,
        expected "a value from 0 to 2 (see OFFLINEFILES_ITEM_TIME)"
    ) {
        /// Creation time.
        Creation = 0 => "OFFLINEFILES_ITEM_TIME_CREATION",
        /// Last access time.
        LastAccess = 1 => "OFFLINEFILES_ITEM_TIME_LASTACCESS",
        /// Last write (data change) time.
        LastWrite = 2 => "OFFLINEFILES_ITEM_TIME_LASTWRITE",
    }
}

windows_enum! {
    /// The comparison of a time filter: `itemTime <op> filterTime` (`OFFLINEFILES_COMPARE`).
    pub enum Compare (
        "OFFLINEFILES_COMPARE",
        6,
        expected "a value from 0 to 5 (see OFFLINEFILES_COMPARE)"
    ) {
        /// Equal.
        Eq = 0 => "OFFLINEFILES_COMPARE_EQ",
        /// Not equal.
        Neq = 1 => "OFFLINEFILES_COMPARE_NEQ",
        /// Less than (item time is earlier).
        Lt = 2 => "OFFLINEFILES_COMPARE_LT",
        /// Greater than (item time is later).
        Gt = 3 => "OFFLINEFILES_COMPARE_GT",
        /// Less than or equal.
        Lte = 4 => "OFFLINEFILES_COMPARE_LTE",
        /// Greater than or equal.
        Gte = 5 => "OFFLINEFILES_COMPARE_GTE",
    }
}

// ---------------------------------------------------------------------------------------------
// §8 Settings
// ---------------------------------------------------------------------------------------------

windows_enum! {
    /// The data type of a setting's value (`OFFLINEFILES_SETTING_VALUE_TYPE`).
    pub enum SettingValueType (
        "OFFLINEFILES_SETTING_VALUE_TYPE",
        5,
        expected "a value from 0 to 4 (see OFFLINEFILES_SETTING_VALUE_TYPE)"
    ) {
        /// A 32-bit unsigned number (REG_DWORD); the most common.
        Ui4 = 0 => "OFFLINEFILES_SETTING_VALUE_UI4",
        /// A string (REG_SZ / REG_EXPAND_SZ).
        Bstr = 1 => "OFFLINEFILES_SETTING_VALUE_BSTR",
        /// A list of strings (REG_MULTI_SZ).
        BstrDblNulTerm = 2 => "OFFLINEFILES_SETTING_VALUE_BSTR_DBLNULTERM",
        /// Rows of (name, number); the name is typically a UNC path.
        TwoDimArrayBstrUi4 = 3 => "OFFLINEFILES_SETTING_VALUE_2DIM_ARRAY_BSTR_UI4",
        /// Rows of (name, string).
        TwoDimArrayBstrBstr = 4 => "OFFLINEFILES_SETTING_VALUE_2DIM_ARRAY_BSTR_BSTR",
    }
}

/// The name of the one setting Windows publishes as a constant,
/// `OFFLINEFILES_SETTING_PinLinkTargets`; its values are [`PinLinkTargetsSetting`].
pub const LINK_TARGET_CACHING_SETTING: &str = "LinkTargetCaching";

windows_enum! {
    /// The values of the `LinkTargetCaching` setting ([`LINK_TARGET_CACHING_SETTING`]). Windows
    /// documents them only by name; the meanings below are inferred from the names.
    pub enum PinLinkTargetsSetting (
        "OFFLINEFILES_PINLINKTARGETS",
        3,
        expected "a value from 0 to 2 (see OFFLINEFILES_PINLINKTARGETS_*)"
    ) {
        /// Never pin the targets of pinned `.lnk` files.
        Never = 0 => "OFFLINEFILES_PINLINKTARGETS_NEVER",
        /// Pin `.lnk` targets only when the caller asks with a `PINLINKTARGETS` flag.
        Explicit = 1 => "OFFLINEFILES_PINLINKTARGETS_EXPLICIT",
        /// Always pin `.lnk` targets.
        Always = 2 => "OFFLINEFILES_PINLINKTARGETS_ALWAYS",
    }
}

// ---------------------------------------------------------------------------------------------
// §3 Control flags
// ---------------------------------------------------------------------------------------------

windows_flags! {
    /// The flag bits of `Synchronize`'s `dwSyncControl` (`OFFLINEFILES_SYNC_CONTROL_FLAG_*`),
    /// without the conflict-policy field; see [`SyncControl`] for the whole value.
    pub struct SyncControlFlags: u32 {
        /// Finish downloading every sparse file found.
        const FILLSPARSE = 0x1 => "OFFLINEFILES_SYNC_CONTROL_FLAG_FILLSPARSE";
        /// Pull server changes into the cache (implies FILLSPARSE).
        const SYNCIN = 0x2 => "OFFLINEFILES_SYNC_CONTROL_FLAG_SYNCIN";
        /// Push local changes to the server.
        const SYNCOUT = 0x4 => "OFFLINEFILES_SYNC_CONTROL_FLAG_SYNCOUT";
        /// Pin new server files found in pinned directories (needs SYNCIN).
        const PINNEWFILES = 0x8 => "OFFLINEFILES_SYNC_CONTROL_FLAG_PINNEWFILES";
        /// With PINNEWFILES: a pinned `.lnk` also pins its target if that is a file (never a
        /// directory). The docs spell it `OFFLINEFILES_SYNC_CONTROL_PINLINKTARGETS`.
        const PINLINKTARGETS = 0x10 => "OFFLINEFILES_SYNC_CONTROL_FLAG_PINLINKTARGETS";
        /// With PINNEWFILES: the pin source is the calling user (the usual choice).
        const PINFORUSER = 0x20 => "OFFLINEFILES_SYNC_CONTROL_FLAG_PINFORUSER";
        /// The pin source is per-user policy (not removable by the user).
        const PINFORUSER_POLICY = 0x40 => "OFFLINEFILES_SYNC_CONTROL_FLAG_PINFORUSER_POLICY";
        /// The pin source is all users of the machine.
        const PINFORALL = 0x80 => "OFFLINEFILES_SYNC_CONTROL_FLAG_PINFORALL";
        /// The pin source is folder redirection.
        const PINFORREDIR = 0x100 => "OFFLINEFILES_SYNC_CONTROL_FLAG_PINFORREDIR";
        /// Reserved.
        const LOWPRIORITY = 0x200 => "OFFLINEFILES_SYNC_CONTROL_FLAG_LOWPRIORITY";
        /// Progress is reported decoupled from the work (default: in lock-step).
        const ASYNCPROGRESS = 0x400 => "OFFLINEFILES_SYNC_CONTROL_FLAG_ASYNCPROGRESS";
        /// UI (such as credential prompts) is allowed.
        const INTERACTIVE = 0x800 => "OFFLINEFILES_SYNC_CONTROL_FLAG_INTERACTIVE";
        /// With INTERACTIVE: route UI to the caller's console.
        const CONSOLE = 0x1000 => "OFFLINEFILES_SYNC_CONTROL_FLAG_CONSOLE";
        /// Skip suspended trees (advised for syncs the user did not start).
        const SKIPSUSPENDEDDIRS = 0x2000 => "OFFLINEFILES_SYNC_CONTROL_FLAG_SKIPSUSPENDEDDIRS";
        /// Give up on a file for now if an application wants to open it (service use).
        const BACKGROUND = 0x10000 => "OFFLINEFILES_SYNC_CONTROL_FLAG_BACKGROUND";
        /// With SYNCOUT: do not create client-only files on the server.
        const NONEWFILESOUT = 0x20000 => "OFFLINEFILES_SYNC_CONTROL_FLAG_NONEWFILESOUT";
    }
}

windows_flags! {
    /// `Pin`/`Unpin`'s `dwPinControlFlags` (`OFFLINEFILES_PIN_CONTROL_FLAG_*`).
    pub struct PinControlFlags: u32 {
        /// Pin: also download fully now. Ignored by Unpin.
        const FILL = 0x1 => "OFFLINEFILES_PIN_CONTROL_FLAG_FILL";
        /// Pin: also pin the targets of `.lnk` files (files only). Ignored by Unpin. The docs
        /// spell it `OFFLINEFILES_PIN_CONTROL_PINLINKTARGETS`.
        const PINLINKTARGETS = 0x10 => "OFFLINEFILES_PIN_CONTROL_FLAG_PINLINKTARGETS";
        /// Pin source: the caller (machine-wide in effect: any user with access may unpin).
        const FORUSER = 0x20 => "OFFLINEFILES_PIN_CONTROL_FLAG_FORUSER";
        /// Pin source: per-user policy (the UI cannot change it).
        const FORUSER_POLICY = 0x40 => "OFFLINEFILES_PIN_CONTROL_FLAG_FORUSER_POLICY";
        /// Pin source: all users of the machine.
        const FORALL = 0x80 => "OFFLINEFILES_PIN_CONTROL_FLAG_FORALL";
        /// Pin source: folder redirection.
        const FORREDIR = 0x100 => "OFFLINEFILES_PIN_CONTROL_FLAG_FORREDIR";
        /// Reserved (as for Synchronize).
        const LOWPRIORITY = 0x200 => "OFFLINEFILES_PIN_CONTROL_FLAG_LOWPRIORITY";
        /// Progress decoupled from the work (as for Synchronize).
        const ASYNCPROGRESS = 0x400 => "OFFLINEFILES_PIN_CONTROL_FLAG_ASYNCPROGRESS";
        /// UI allowed (as for Synchronize).
        const INTERACTIVE = 0x800 => "OFFLINEFILES_PIN_CONTROL_FLAG_INTERACTIVE";
        /// With INTERACTIVE: UI on the caller's console (as for Synchronize).
        const CONSOLE = 0x1000 => "OFFLINEFILES_PIN_CONTROL_FLAG_CONSOLE";
        /// Give way to applications opening a file (as for Synchronize).
        const BACKGROUND = 0x10000 => "OFFLINEFILES_PIN_CONTROL_FLAG_BACKGROUND";
    }
}
impl_from_windows!(
    PinControlFlags: u32,
    "dwPinControlFlags (OFFLINEFILES_PIN_CONTROL_FLAG_*)",
    expected "only the documented flag bits (mask 0x11ff1)"
);

windows_flags! {
    /// `DeleteItems`' `dwFlags` (`OFFLINEFILES_DELETE_FLAG_*`). By default both auto-cached
    /// and pinned items are removed and items with unsynced changes are kept.
    pub struct DeleteFlags: u32 {
        /// Keep auto-cached items.
        const NOAUTOCACHED = 0x1 => "OFFLINEFILES_DELETE_FLAG_NOAUTOCACHED";
        /// Keep pinned items.
        const NOPINNED = 0x2 => "OFFLINEFILES_DELETE_FLAG_NOPINNED";
        /// Delete even items with unsynced local changes.
        const DELMODIFIED = 0x4 => "OFFLINEFILES_DELETE_FLAG_DELMODIFIED";
        /// Administrator: act on everything regardless of access rights (fails for others).
        const ADMIN = 0x8000_0000 => "OFFLINEFILES_DELETE_FLAG_ADMIN";
    }
}
impl_from_windows!(
    DeleteFlags: u32,
    "dwFlags (OFFLINEFILES_DELETE_FLAG_*)",
    expected "only the documented flag bits (mask 0x80000007)"
);

windows_flags! {
    /// `Encrypt`'s `dwEncryptionControlFlags` (`OFFLINEFILES_ENCRYPTION_CONTROL_FLAG_*`).
    pub struct EncryptionControlFlags: u32 {
        /// Reserved (as for Pin).
        const LOWPRIORITY = 0x200 => "OFFLINEFILES_ENCRYPTION_CONTROL_FLAG_LOWPRIORITY";
        /// Progress decoupled from the work (as for Pin).
        const ASYNCPROGRESS = 0x400 => "OFFLINEFILES_ENCRYPTION_CONTROL_FLAG_ASYNCPROGRESS";
        /// UI allowed (as for Pin).
        const INTERACTIVE = 0x800 => "OFFLINEFILES_ENCRYPTION_CONTROL_FLAG_INTERACTIVE";
        /// With INTERACTIVE: UI on the caller's console (as for Pin).
        const CONSOLE = 0x1000 => "OFFLINEFILES_ENCRYPTION_CONTROL_FLAG_CONSOLE";
        /// Stop on a file an application wants to open.
        const BACKGROUND = 0x10000 => "OFFLINEFILES_ENCRYPTION_CONTROL_FLAG_BACKGROUND";
    }
}
impl_from_windows!(
    EncryptionControlFlags: u32,
    "dwEncryptionControlFlags (OFFLINEFILES_ENCRYPTION_CONTROL_FLAG_*)",
    expected "only the documented flag bits (mask 0x11e00)"
);

windows_flags! {
    /// The flags of `TransitionOnline`, `TransitionOffline` and `SetConnectState`
    /// (`OFFLINEFILES_TRANSITION_FLAG_*`).
    pub struct TransitionFlags: u32 {
        /// UI allowed.
        const INTERACTIVE = 0x1 => "OFFLINEFILES_TRANSITION_FLAG_INTERACTIVE";
        /// With INTERACTIVE: UI on the caller's console.
        const CONSOLE = 0x2 => "OFFLINEFILES_TRANSITION_FLAG_CONSOLE";
    }
}
impl_from_windows!(
    TransitionFlags: u32,
    "dwFlags (OFFLINEFILES_TRANSITION_FLAG_*)",
    expected "only the documented flag bits (mask 0x3)"
);

windows_flags! {
    /// Item lookup and enumeration's `dwQueryFlags` (`OFFLINEFILES_ITEM_QUERY_*`).
    pub struct ItemQueryFlags: u32 {
        /// Reserved.
        const REMOTEINFO = 0x1 => "OFFLINEFILES_ITEM_QUERY_REMOTEINFO";
        /// Prefetch the connect state (otherwise fetched lazily).
        const CONNECTIONSTATE = 0x2 => "OFFLINEFILES_ITEM_QUERY_CONNECTIONSTATE";
        /// Prefetch the local dirty byte count.
        const LOCALDIRTYBYTECOUNT = 0x4 => "OFFLINEFILES_ITEM_QUERY_LOCALDIRTYBYTECOUNT";
        /// Reserved.
        const REMOTEDIRTYBYTECOUNT = 0x8 => "OFFLINEFILES_ITEM_QUERY_REMOTEDIRTYBYTECOUNT";
        /// Include transparently cached items.
        const INCLUDETRANSPARENTCACHE = 0x10 => "OFFLINEFILES_ITEM_QUERY_INCLUDETRANSPARENTCACHE";
        /// Undocumented (header only).
        const ATTEMPT_TRANSITIONONLINE = 0x20 => "OFFLINEFILES_ITEM_QUERY_ATTEMPT_TRANSITIONONLINE";
        /// Administrator: see every user's items.
        const ADMIN = 0x8000_0000 => "OFFLINEFILES_ITEM_QUERY_ADMIN";
    }
}
impl_from_windows!(
    ItemQueryFlags: u32,
    "dwQueryFlags (OFFLINEFILES_ITEM_QUERY_*)",
    expected "only the documented flag bits (mask 0x8000003f)"
);

windows_flags! {
    /// `EnumItemsEx`'s `dwEnumFlags` (`OFFLINEFILES_ENUM_*`).
    pub struct EnumFlags: u32 {
        /// Enumerate all descendants, not just children (each container followed by its
        /// children).
        const FLAT = 0x1 => "OFFLINEFILES_ENUM_FLAT";
        /// With FLAT: files only.
        const FLAT_FILESONLY = 0x2 => "OFFLINEFILES_ENUM_FLAT_FILESONLY";
    }
}
impl_from_windows!(
    EnumFlags: u32,
    "dwEnumFlags (OFFLINEFILES_ENUM_*)",
    expected "only the documented flag bits (mask 0x3)"
);

windows_flags! {
    /// The scope of a setting's preference or policy (`OFFLINEFILES_SETTING_SCOPE_*`).
    pub struct SettingScope: u32 {
        /// Per user.
        const USER = 0x1 => "OFFLINEFILES_SETTING_SCOPE_USER";
        /// Per machine.
        const COMPUTER = 0x2 => "OFFLINEFILES_SETTING_SCOPE_COMPUTER";
    }
}
impl_from_windows!(
    SettingScope: u32,
    "scope (OFFLINEFILES_SETTING_SCOPE_*)",
    expected "only the documented flag bits (mask 0x3)"
);

// ---------------------------------------------------------------------------------------------
// §4.1 / §5.2 conflict and error detail
// ---------------------------------------------------------------------------------------------

windows_flags! {
    /// `ResolveConflict`'s `fChangeDetails`: what changed on each side
    /// (`OFFLINEFILES_CHANGES_*`). `OFFLINEFILES_CHANGES_NONE` (0) is the empty set.
    pub struct ChangeDetails: u32 {
        /// The local size changed.
        const LOCAL_SIZE = 0x1 => "OFFLINEFILES_CHANGES_LOCAL_SIZE";
        /// The local attributes changed.
        const LOCAL_ATTRIBUTES = 0x2 => "OFFLINEFILES_CHANGES_LOCAL_ATTRIBUTES";
        /// The local change time changed.
        const LOCAL_TIME = 0x4 => "OFFLINEFILES_CHANGES_LOCAL_TIME";
        /// The remote size changed.
        const REMOTE_SIZE = 0x8 => "OFFLINEFILES_CHANGES_REMOTE_SIZE";
        /// The remote attributes changed.
        const REMOTE_ATTRIBUTES = 0x10 => "OFFLINEFILES_CHANGES_REMOTE_ATTRIBUTES";
        /// The remote change time changed.
        const REMOTE_TIME = 0x20 => "OFFLINEFILES_CHANGES_REMOTE_TIME";
    }
}
impl_from_windows!(
    ChangeDetails: u32,
    "fChangeDetails (OFFLINEFILES_CHANGES_*)",
    expected "only the documented flag bits (mask 0x3f)"
);

windows_flags! {
    /// Which properties differed between client and server when an item failed to sync
    /// (`OFFLINEFILES_SYNC_ITEM_CHANGE_*`). `OFFLINEFILES_SYNC_ITEM_CHANGE_NONE` (0) is the
    /// empty set.
    pub struct ItemChangeFlags: u32 {
        /// The change time differed.
        const CHANGETIME = 0x1 => "OFFLINEFILES_SYNC_ITEM_CHANGE_CHANGETIME";
        /// The last write time differed.
        const WRITETIME = 0x2 => "OFFLINEFILES_SYNC_ITEM_CHANGE_WRITETIME";
        /// The file size differed.
        const FILESIZE = 0x4 => "OFFLINEFILES_SYNC_ITEM_CHANGE_FILESIZE";
        /// The attributes differed.
        const ATTRIBUTES = 0x8 => "OFFLINEFILES_SYNC_ITEM_CHANGE_ATTRIBUTES";
    }
}
impl_from_windows!(
    ItemChangeFlags: u32,
    "item change flags (OFFLINEFILES_SYNC_ITEM_CHANGE_*)",
    expected "only the documented flag bits (mask 0xf)"
);

windows_flags! {
    /// `ResolveConflict`'s `fStateKnown`: which sides the classification is based on.
    pub struct StateKnown: u32 {
        /// The local side is known.
        const LOCAL_KNOWN = 0x1 => "OFFLINEFILES_SYNC_STATE_LOCAL_KNOWN";
        /// The remote side is known.
        const REMOTE_KNOWN = 0x2 => "OFFLINEFILES_SYNC_STATE_REMOTE_KNOWN";
    }
}
impl_from_windows!(
    StateKnown: u32,
    "fStateKnown (OFFLINEFILES_SYNC_STATE_*_KNOWN)",
    expected "only the documented flag bits (mask 0x3)"
);

// ---------------------------------------------------------------------------------------------
// §7.5 enumeration filter flags
// ---------------------------------------------------------------------------------------------

windows_flags! {
    /// The 64-bit condition bits of an item filter's `GetFilterFlags`
    /// (`OFFLINEFILES_ITEM_FILTER_FLAG_*`): for each bit in the mask, the item condition must
    /// equal the bit in the flags.
    pub struct ItemFilterFlags: u64 {
        /// Data changed offline and not yet synced.
        const MODIFIED_DATA = 0x1 => "OFFLINEFILES_ITEM_FILTER_FLAG_MODIFIED_DATA";
        /// Attributes changed offline.
        const MODIFIED_ATTRIBUTES = 0x2 => "OFFLINEFILES_ITEM_FILTER_FLAG_MODIFIED_ATTRIBUTES";
        /// Data or attributes changed offline.
        const MODIFIED = 0x4 => "OFFLINEFILES_ITEM_FILTER_FLAG_MODIFIED";
        /// Created offline.
        const CREATED = 0x8 => "OFFLINEFILES_ITEM_FILTER_FLAG_CREATED";
        /// Deleted offline.
        const DELETED = 0x10 => "OFFLINEFILES_ITEM_FILTER_FLAG_DELETED";
        /// Any unsynced local change.
        const DIRTY = 0x20 => "OFFLINEFILES_ITEM_FILTER_FLAG_DIRTY";
        /// Not fully cached.
        const SPARSE = 0x40 => "OFFLINEFILES_ITEM_FILTER_FLAG_SPARSE";
        /// Is a file.
        const FILE = 0x80 => "OFFLINEFILES_ITEM_FILTER_FLAG_FILE";
        /// Is a server, share or directory.
        const DIRECTORY = 0x100 => "OFFLINEFILES_ITEM_FILTER_FLAG_DIRECTORY";
        /// Pinned for the calling user.
        const PINNED_USER = 0x200 => "OFFLINEFILES_ITEM_FILTER_FLAG_PINNED_USER";
        /// Reserved.
        const PINNED_OTHERS = 0x400 => "OFFLINEFILES_ITEM_FILTER_FLAG_PINNED_OTHERS";
        /// Pinned machine-wide by policy.
        const PINNED_COMPUTER = 0x800 => "OFFLINEFILES_ITEM_FILTER_FLAG_PINNED_COMPUTER";
        /// Pinned for any reason.
        const PINNED = 0x1000 => "OFFLINEFILES_ITEM_FILTER_FLAG_PINNED";
        /// Ghost: name only, no content.
        const GHOST = 0x2000 => "OFFLINEFILES_ITEM_FILTER_FLAG_GHOST";
        /// Suspended.
        const SUSPENDED = 0x4000 => "OFFLINEFILES_ITEM_FILTER_FLAG_SUSPENDED";
        /// Currently offline.
        const OFFLINE = 0x8000 => "OFFLINEFILES_ITEM_FILTER_FLAG_OFFLINE";
        /// Currently online.
        const ONLINE = 0x10000 => "OFFLINEFILES_ITEM_FILTER_FLAG_ONLINE";
        /// Reserved (access-based): the user may write.
        const USER_WRITE = 0x20000 => "OFFLINEFILES_ITEM_FILTER_FLAG_USER_WRITE";
        /// Reserved (access-based): the user may read.
        const USER_READ = 0x40000 => "OFFLINEFILES_ITEM_FILTER_FLAG_USER_READ";
        /// Reserved (access-based): the user has some access.
        const USER_ANYACCESS = 0x80000 => "OFFLINEFILES_ITEM_FILTER_FLAG_USER_ANYACCESS";
        /// Reserved (access-based): other users may write.
        const OTHER_WRITE = 0x100000 => "OFFLINEFILES_ITEM_FILTER_FLAG_OTHER_WRITE";
        /// Reserved (access-based): other users may read.
        const OTHER_READ = 0x200000 => "OFFLINEFILES_ITEM_FILTER_FLAG_OTHER_READ";
        /// Reserved (access-based): other users have some access.
        const OTHER_ANYACCESS = 0x400000 => "OFFLINEFILES_ITEM_FILTER_FLAG_OTHER_ANYACCESS";
        /// Reserved (access-based): guests may write.
        const GUEST_WRITE = 0x800000 => "OFFLINEFILES_ITEM_FILTER_FLAG_GUEST_WRITE";
        /// Reserved (access-based): guests may read.
        const GUEST_READ = 0x1000000 => "OFFLINEFILES_ITEM_FILTER_FLAG_GUEST_READ";
        /// Reserved (access-based): guests have some access.
        const GUEST_ANYACCESS = 0x2000000 => "OFFLINEFILES_ITEM_FILTER_FLAG_GUEST_ANYACCESS";
    }
}
impl_from_windows!(
    ItemFilterFlags: u64,
    "ullFlags (OFFLINEFILES_ITEM_FILTER_FLAG_*)",
    expected "only the documented flag bits (mask 0x3ffffff)"
);

// ---------------------------------------------------------------------------------------------
// §3.1 the whole dwSyncControl value
// ---------------------------------------------------------------------------------------------

/// `OFFLINEFILES_SYNC_CONTROL_CR_MASK`: the bits of `dwSyncControl` that hold the conflict
/// policy (a value, not bit flags).
pub const CR_MASK: u32 = 0xF000_0000;

windows_enum! {
    /// The CR_* conflict policy field of dwSyncControl (a value in bits 28..31, not bit flags).
    /// It is ignored when a conflict-handler object is supplied.
    pub enum ConflictPolicy (
        "OFFLINEFILES_SYNC_CONTROL_CR_* field",
        4,
        expected "one of 0x0 (CR_DEFAULT), 0x10000000 (CR_KEEPLOCAL), 0x20000000 (CR_KEEPREMOTE), 0x30000000 (CR_KEEPLATEST)"
    ) {
        /// No policy: conflicts stay unresolved and are logged for Sync Center.
        Default = 0x0 => "OFFLINEFILES_SYNC_CONTROL_CR_DEFAULT",
        /// The local copy overwrites the server copy.
        KeepLocal = 0x1000_0000 => "OFFLINEFILES_SYNC_CONTROL_CR_KEEPLOCAL",
        /// The server copy overwrites the cached copy.
        KeepRemote = 0x2000_0000 => "OFFLINEFILES_SYNC_CONTROL_CR_KEEPREMOTE",
        /// Last writer wins, by last-change time.
        KeepLatest = 0x3000_0000 => "OFFLINEFILES_SYNC_CONTROL_CR_KEEPLATEST",
    }
}

impl Default for ConflictPolicy {
    /// `OFFLINEFILES_SYNC_CONTROL_CR_DEFAULT`.
    fn default() -> Self {
        Self::Default
    }
}

/// Two different conflict policies were given for one `dwSyncControl`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "two conflict policies were given ({first} and {second}); exactly one OFFLINEFILES_SYNC_CONTROL_CR_* value may be set: choose one"
)]
pub struct ConflictingPolicies {
    /// The Windows name of the policy already set.
    pub first: &'static str,
    /// The Windows name of the different policy that was then asked for.
    pub second: &'static str,
}

/// The whole `dwSyncControl` value of `Synchronize`: the `OFFLINEFILES_SYNC_CONTROL_FLAG_*`
/// bits plus the `OFFLINEFILES_SYNC_CONTROL_CR_*` conflict-policy field (bits 28..31, masked by
/// [`CR_MASK`]).
///
/// Windows says exactly one CR value may be set. A raw value cannot carry "two" CR values:
/// the field is a number, and `CR_KEEPLOCAL | CR_KEEPREMOTE` is numerically `CR_KEEPLATEST`
/// (0x30000000) in `cscobj.h`. So [`SyncControl::from_windows`] can only reject field values
/// that name no policy (4..=15); [`SyncControl::with_policy`] is where two policies can be
/// detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SyncControl {
    /// The flag bits.
    pub flags: SyncControlFlags,
    /// The conflict policy.
    pub policy: ConflictPolicy,
}

impl SyncControl {
    const WHAT: &'static str = "dwSyncControl (OFFLINEFILES_SYNC_CONTROL_*)";
    const EXPECTED: &'static str = "only the documented flag bits 0x1..0x20000 (mask 0x33fff) and one CR_* value (0x0, 0x10000000, 0x20000000 or 0x30000000)";

    /// Parses a Windows dwSyncControl value. Rejects undocumented flag bits and CR field values 4..=15.
    pub fn from_windows(value: u32) -> Result<Self, UnknownConstant> {
        let error = UnknownConstant {
            what: Self::WHAT,
            value: u64::from(value),
            expected: Self::EXPECTED,
        };
        let flags = SyncControlFlags::from_bits(value & !CR_MASK).ok_or_else(|| error.clone())?;
        let policy = ConflictPolicy::try_from(value & CR_MASK).map_err(|_| error)?;
        Ok(Self { flags, policy })
    }

    /// The Windows `dwSyncControl` number: the flag bits ORed with the CR field.
    pub fn to_windows(self) -> u32 {
        self.flags.bits() | u32::from(self.policy)
    }

    /// The given flags with `CR_DEFAULT` (no conflict policy).
    pub fn new(flags: SyncControlFlags) -> Self {
        Self {
            flags,
            policy: ConflictPolicy::Default,
        }
    }

    /// Sets the conflict policy. Exactly one CR_* value may be set: setting a second, different one is an error.
    ///
    /// Setting a policy over `CR_DEFAULT` is fine, and so is setting the same policy again;
    /// anything else (including going back to `CR_DEFAULT`) is a [`ConflictingPolicies`] error.
    pub fn with_policy(self, policy: ConflictPolicy) -> Result<Self, ConflictingPolicies> {
        if self.policy == ConflictPolicy::Default || self.policy == policy {
            Ok(Self { policy, ..self })
        } else {
            Err(ConflictingPolicies {
                first: self.policy.name(),
                second: policy.name(),
            })
        }
    }

    /// Whether sparse files get filled: FILLSPARSE, or SYNCIN, which implies it.
    pub fn fills_sparse(self) -> bool {
        self.flags
            .intersects(SyncControlFlags::FILLSPARSE | SyncControlFlags::SYNCIN)
    }

    /// Whether server changes are pulled into the cache (SYNCIN).
    pub fn syncs_in(self) -> bool {
        self.flags.contains(SyncControlFlags::SYNCIN)
    }

    /// Whether local changes are pushed to the server (SYNCOUT).
    pub fn syncs_out(self) -> bool {
        self.flags.contains(SyncControlFlags::SYNCOUT)
    }
}

impl From<SyncControlFlags> for SyncControl {
    /// The given flags with `CR_DEFAULT`.
    fn from(flags: SyncControlFlags) -> Self {
        Self::new(flags)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use std::collections::BTreeSet;
    use std::fmt::Debug;

    /// Checks one enum: `ALL` is in strictly increasing numeric order, every value round-trips
    /// through `u32` and `TryFrom`, names are distinct and Windows-looking, and the first
    /// number missing from `ALL` and `u32::MAX` are rejected with an error naming the type.
    fn check_enum<T>(all: &[T], name: fn(T) -> &'static str, what: &str)
    where
        T: Copy + Debug + PartialEq + Into<u32> + TryFrom<u32, Error = UnknownConstant>,
    {
        assert!(!all.is_empty(), "{what}: ALL is empty");
        let numbers: Vec<u32> = all.iter().map(|&v| v.into()).collect();
        assert!(
            numbers.windows(2).all(|w| w[0] < w[1]),
            "{what}: ALL is not in increasing numeric order: {numbers:?}"
        );
        for &v in all {
            let n: u32 = v.into();
            assert_eq!(
                T::try_from(n),
                Ok(v),
                "{what}: {v:?} ({n}) does not round-trip"
            );
        }
        let names: BTreeSet<&str> = all.iter().map(|&v| name(v)).collect();
        assert_eq!(names.len(), all.len(), "{what}: duplicate names");
        for &v in all {
            let n = name(v);
            assert!(
                n.starts_with("OFFLINEFILES_") || n.starts_with("CSC_"),
                "{what}: {v:?} has a non-Windows name {n}"
            );
            assert!(!n.contains(' '), "{what}: {n} has a space");
            // The variant is the Windows name's suffix in UpperCamelCase, with two exceptions
            // that Rust identifiers force: `SelfOnly` (PATHFILTER_SELF) and `TwoDim…` (2DIM_…).
            let squashed = n.replace('_', "").to_ascii_lowercase();
            let variant = format!("{v:?}").to_ascii_lowercase();
            let variant = match variant.as_str() {
                "selfonly" => "self".to_owned(),
                other => other.replacen("twodim", "2dim", 1),
            };
            assert!(
                squashed.ends_with(&variant),
                "{what}: variant {v:?} does not match its Windows name {n}"
            );
        }
        let missing = (0..=u32::MAX)
            .find(|n| !numbers.contains(n))
            .expect("some number is not in ALL");
        for bad in [missing, u32::MAX] {
            let err = T::try_from(bad).expect_err("an undefined number was accepted");
            assert_eq!(err.what, what);
            assert_eq!(err.value, u64::from(bad));
            assert!(
                err.to_string().contains(what),
                "message lacks the type: {err}"
            );
        }
    }

    macro_rules! check_enums {
        ($($ty:ident),+ $(,)?) => {
            $( check_enum(&$ty::ALL, $ty::name, $ty::WINDOWS_TYPE); )+
        };
    }

    #[test]
    fn windows_enum_numbers_are_quoted_exactly() {
        let table: &[(u32, u32, &str)] = &[
            (SyncState::Stable.into(), 0, "Stable"),
            (
                SyncState::FileOnClientDirOnServer.into(),
                1,
                "FileOnClient_DirOnServer",
            ),
            (
                SyncState::FileCreatedOnClientNoServerCopy.into(),
                6,
                "FileCreatedOnClient_NoServerCopy",
            ),
            (
                SyncState::FileChangedOnClientChangedOnServer.into(),
                12,
                "edit/edit",
            ),
            (
                SyncState::FileSparseOnClientChangedOnServer.into(),
                16,
                "sparse+changed",
            ),
            (
                SyncState::DirCreatedOnClientNoServerCopy.into(),
                20,
                "DirCreatedOnClient_NoServerCopy",
            ),
            (
                SyncState::NoClientCopyFileOnServer.into(),
                30,
                "NoClientCopy_FileOnServer",
            ),
            (
                SyncState::DeletedOnClientFileChangedOnServer.into(),
                36,
                "delete/edit",
            ),
            (
                SyncState::FileRenamedOnClient.into(),
                40,
                "FileRenamedOnClient",
            ),
            (SyncState::DirSparseOnClient.into(), 41, "DirSparseOnClient"),
            (
                SyncState::DirDeletedOnServer.into(),
                49,
                "DirDeletedOnServer",
            ),
            (
                SyncState::FileReplacedAndDeletedOnClientDirChangedOnServer.into(),
                53,
                "53",
            ),
            (SyncState::NumStates.into(), 54, "NUMSTATES"),
            (SyncState::NameCollision.into(), 256, "csc extension"),
            (ConflictResolve::None.into(), 0, "RESOLVE_NONE"),
            (ConflictResolve::KeepAllChanges.into(), 3, "KEEPALLCHANGES"),
            (ConflictResolve::Abort.into(), 7, "CONFLICT_ABORT"),
            (ConflictResolve::NumCodes.into(), 8, "NUMCODES"),
            (
                SyncOperation::CreateCopyOnServer.into(),
                0,
                "CREATE_COPY_ON_SERVER",
            ),
            (
                SyncOperation::DeleteClientCopy.into(),
                5,
                "DELETE_CLIENT_COPY",
            ),
            (SyncOperation::Prepare.into(), 7, "PREPARE"),
            (OpResponse::Continue.into(), 0, "OP_CONTINUE"),
            (OpResponse::Abort.into(), 2, "OP_ABORT"),
            (EventId::CacheMoved.into(), 0, "CACHEMOVED"),
            (EventId::SyncEnd.into(), 10, "SYNCEND"),
            (EventId::DataLost.into(), 25, "DATALOST"),
            (EventId::Ping.into(), 26, "PING"),
            (
                EventId::TransparentCacheItemNotify.into(),
                34,
                "TRANSPARENTCACHEITEMNOTIFY",
            ),
            (EventId::NumEvents.into(), 39, "NUM_EVENTS"),
            (ItemType::File.into(), 0, "ITEM_TYPE_FILE"),
            (ItemType::Server.into(), 3, "ITEM_TYPE_SERVER"),
            (ItemCopy::Original.into(), 2, "ITEM_COPY_ORIGINAL"),
            (ConnectState::Online.into(), 2, "CONNECT_STATE_ONLINE"),
            (
                ConnectState::PartlyTransparentlyCached.into(),
                4,
                "PARTLY_TRANSPARENTLY_CACHED",
            ),
            (OfflineReason::ConnectionError.into(), 4, "CONNECTION_ERROR"),
            (OfflineReason::ItemSuspended.into(), 6, "ITEM_SUSPENDED"),
            (CachingMode::NoCaching.into(), 1, "NOCACHING"),
            (CachingMode::AutoProgAndDoc.into(), 4, "AUTO_PROGANDDOC"),
            (PathFilterMatch::SelfOnly.into(), 0, "PATHFILTER_SELF"),
            (
                PathFilterMatch::SelfOrDescendent.into(),
                4,
                "SELFORDESCENDENT",
            ),
            (ItemTime::LastWrite.into(), 2, "ITEM_TIME_LASTWRITE"),
            (Compare::Neq.into(), 1, "COMPARE_NEQ"),
            (Compare::Gte.into(), 5, "COMPARE_GTE"),
            (
                SettingValueType::BstrDblNulTerm.into(),
                2,
                "BSTR_DBLNULTERM",
            ),
            (
                SettingValueType::TwoDimArrayBstrBstr.into(),
                4,
                "2DIM_ARRAY_BSTR_BSTR",
            ),
            (
                PinLinkTargetsSetting::Explicit.into(),
                1,
                "PINLINKTARGETS_EXPLICIT",
            ),
            (
                PinLinkTargetsSetting::Always.into(),
                2,
                "PINLINKTARGETS_ALWAYS",
            ),
            (ConflictPolicy::Default.into(), 0, "CR_DEFAULT"),
            (
                ConflictPolicy::KeepLocal.into(),
                0x1000_0000,
                "CR_KEEPLOCAL",
            ),
            (
                ConflictPolicy::KeepRemote.into(),
                0x2000_0000,
                "CR_KEEPREMOTE",
            ),
            (
                ConflictPolicy::KeepLatest.into(),
                0x3000_0000,
                "CR_KEEPLATEST",
            ),
            (CR_MASK, 0xF000_0000, "CR_MASK"),
        ];
        for &(actual, windows, label) in table {
            assert_eq!(actual, windows, "{label}");
        }
    }

    #[test]
    fn windows_flag_bits_are_quoted_exactly() {
        let table: &[(u64, u64, &str)] = &[
            (
                SyncControlFlags::FILLSPARSE.bits().into(),
                0x1,
                "FILLSPARSE",
            ),
            (
                SyncControlFlags::PINLINKTARGETS.bits().into(),
                0x10,
                "PINLINKTARGETS",
            ),
            (
                SyncControlFlags::PINFORREDIR.bits().into(),
                0x100,
                "PINFORREDIR",
            ),
            (
                SyncControlFlags::SKIPSUSPENDEDDIRS.bits().into(),
                0x2000,
                "SKIPSUSPENDEDDIRS",
            ),
            (
                SyncControlFlags::BACKGROUND.bits().into(),
                0x10000,
                "BACKGROUND",
            ),
            (
                SyncControlFlags::NONEWFILESOUT.bits().into(),
                0x20000,
                "NONEWFILESOUT",
            ),
            (
                SyncControlFlags::all().bits().into(),
                0x33FFF,
                "all sync control flags",
            ),
            (PinControlFlags::FILL.bits().into(), 0x1, "PIN FILL"),
            (
                PinControlFlags::FORUSER_POLICY.bits().into(),
                0x40,
                "PIN FORUSER_POLICY",
            ),
            (
                PinControlFlags::BACKGROUND.bits().into(),
                0x10000,
                "PIN BACKGROUND",
            ),
            (DeleteFlags::DELMODIFIED.bits().into(), 0x4, "DELMODIFIED"),
            (
                DeleteFlags::ADMIN.bits().into(),
                0x8000_0000,
                "DELETE ADMIN",
            ),
            (
                EncryptionControlFlags::LOWPRIORITY.bits().into(),
                0x200,
                "ENC LOWPRIORITY",
            ),
            (
                EncryptionControlFlags::BACKGROUND.bits().into(),
                0x10000,
                "ENC BACKGROUND",
            ),
            (
                TransitionFlags::CONSOLE.bits().into(),
                0x2,
                "TRANSITION CONSOLE",
            ),
            (
                ItemQueryFlags::INCLUDETRANSPARENTCACHE.bits().into(),
                0x10,
                "INCLUDETRANSPARENTCACHE",
            ),
            (
                ItemQueryFlags::ATTEMPT_TRANSITIONONLINE.bits().into(),
                0x20,
                "ATTEMPT_TRANSITIONONLINE",
            ),
            (
                ItemQueryFlags::ADMIN.bits().into(),
                0x8000_0000,
                "QUERY ADMIN",
            ),
            (
                EnumFlags::FLAT_FILESONLY.bits().into(),
                0x2,
                "FLAT_FILESONLY",
            ),
            (SettingScope::COMPUTER.bits().into(), 0x2, "SCOPE_COMPUTER"),
            (
                ChangeDetails::LOCAL_TIME.bits().into(),
                0x4,
                "CHANGES_LOCAL_TIME",
            ),
            (
                ChangeDetails::REMOTE_TIME.bits().into(),
                0x20,
                "CHANGES_REMOTE_TIME",
            ),
            (
                ItemChangeFlags::ATTRIBUTES.bits().into(),
                0x8,
                "ITEM_CHANGE_ATTRIBUTES",
            ),
            (StateKnown::REMOTE_KNOWN.bits().into(), 0x2, "REMOTE_KNOWN"),
            (ItemFilterFlags::MODIFIED.bits(), 0x4, "FILTER MODIFIED"),
            (ItemFilterFlags::PINNED.bits(), 0x1000, "FILTER PINNED"),
            (ItemFilterFlags::ONLINE.bits(), 0x10000, "FILTER ONLINE"),
            (
                ItemFilterFlags::GUEST_ANYACCESS.bits(),
                0x200_0000,
                "FILTER GUEST_ANYACCESS",
            ),
        ];
        for &(actual, windows, label) in table {
            assert_eq!(actual, windows, "{label}");
        }
    }

    #[test]
    fn every_enum_all_list_round_trips_through_u32_and_rejects_undefined_numbers() {
        check_enums!(
            SyncState,
            ConflictResolve,
            SyncOperation,
            OpResponse,
            EventId,
            ItemType,
            ItemCopy,
            ConnectState,
            OfflineReason,
            CachingMode,
            PathFilterMatch,
            ItemTime,
            Compare,
            SettingValueType,
            PinLinkTargetsSetting,
            ConflictPolicy,
        );
    }

    #[test]
    fn enum_all_lists_have_the_windows_counts() {
        let table: &[(&str, usize, usize)] = &[
            ("SyncState", SyncState::ALL.len(), 56),
            ("ConflictResolve", ConflictResolve::ALL.len(), 9),
            ("SyncOperation", SyncOperation::ALL.len(), 8),
            ("OpResponse", OpResponse::ALL.len(), 3),
            ("EventId", EventId::ALL.len(), 40),
            ("ItemType", ItemType::ALL.len(), 4),
            ("ItemCopy", ItemCopy::ALL.len(), 3),
            ("ConnectState", ConnectState::ALL.len(), 5),
            ("OfflineReason", OfflineReason::ALL.len(), 7),
            ("CachingMode", CachingMode::ALL.len(), 5),
            ("PathFilterMatch", PathFilterMatch::ALL.len(), 5),
            ("ItemTime", ItemTime::ALL.len(), 3),
            ("Compare", Compare::ALL.len(), 6),
            ("SettingValueType", SettingValueType::ALL.len(), 5),
            ("PinLinkTargetsSetting", PinLinkTargetsSetting::ALL.len(), 3),
            ("ConflictPolicy", ConflictPolicy::ALL.len(), 4),
        ];
        for &(label, actual, expected) in table {
            assert_eq!(actual, expected, "{label}");
        }
    }

    #[test]
    fn sync_state_all_has_56_entries_and_every_windows_value_0_to_54_is_accepted() {
        assert_eq!(SyncState::ALL.len(), 56);
        for n in 0..=54u32 {
            let state = SyncState::try_from(n).expect("a Windows sync state was rejected");
            assert_eq!(u32::from(state), n);
            assert_eq!(SyncState::ALL[n as usize], state);
        }
        assert_eq!(SyncState::ALL[55], SyncState::NameCollision);
        assert_eq!(SyncState::try_from(256), Ok(SyncState::NameCollision));
    }

    #[test]
    fn sync_state_try_from_rejects_55_and_999_with_a_message_naming_the_type() {
        for (bad, hex) in [
            (55u32, "0x37"),
            (999, "0x3e7"),
            (255, "0xff"),
            (257, "0x101"),
        ] {
            let err = SyncState::try_from(bad).expect_err("an undefined sync state was accepted");
            assert_eq!(err.what, "OFFLINEFILES_SYNC_STATE");
            assert_eq!(err.value, u64::from(bad));
            let message = err.to_string();
            assert!(message.contains("OFFLINEFILES_SYNC_STATE"), "{message}");
            assert!(message.starts_with(hex), "{message}");
        }
    }

    #[test]
    fn sync_state_names_are_distinct_and_prefixed_except_the_extension() {
        let names: BTreeSet<&str> = SyncState::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(names.len(), SyncState::ALL.len());
        for state in SyncState::ALL {
            let name = state.name();
            if state == SyncState::NameCollision {
                assert_eq!(name, "CSC_SYNC_STATE_NameCollision");
            } else {
                assert!(name.starts_with("OFFLINEFILES_SYNC_STATE_"), "{name}");
            }
        }
        let table = [
            (SyncState::Stable, "OFFLINEFILES_SYNC_STATE_Stable"),
            (
                SyncState::FileChangedOnClientChangedOnServer,
                "OFFLINEFILES_SYNC_STATE_FileChangedOnClient_ChangedOnServer",
            ),
            (
                SyncState::FileReplacedAndDeletedOnClientDirChangedOnServer,
                "OFFLINEFILES_SYNC_STATE_FileReplacedAndDeletedOnClient_DirChangedOnServer",
            ),
            (
                SyncState::DirSparseOnClient,
                "OFFLINEFILES_SYNC_STATE_DirSparseOnClient",
            ),
            (SyncState::NumStates, "OFFLINEFILES_SYNC_STATE_NUMSTATES"),
        ];
        for (state, name) in table {
            assert_eq!(state.name(), name);
        }
    }

    #[test]
    fn sync_state_variant_names_are_the_windows_suffix_without_underscores() {
        for state in SyncState::ALL {
            if state == SyncState::NumStates || state == SyncState::NameCollision {
                continue;
            }
            let suffix = state
                .name()
                .strip_prefix("OFFLINEFILES_SYNC_STATE_")
                .expect("prefixed")
                .replace('_', "");
            assert_eq!(format!("{state:?}"), suffix);
        }
    }

    #[test]
    fn exactly_14_states_allow_keep_all_changes_and_exactly_4_are_reserved() {
        let keep_all: Vec<u32> = SyncState::ALL
            .into_iter()
            .filter(|s| s.keep_all_changes_allowed())
            .map(u32::from)
            .collect();
        assert_eq!(keep_all, [1, 3, 4, 7, 8, 9, 10, 12, 13, 14, 22, 23, 26, 27]);
        let reserved: Vec<u32> = SyncState::ALL
            .into_iter()
            .filter(|s| s.is_reserved())
            .map(u32::from)
            .collect();
        assert_eq!(reserved, [40, 43, 45, 48]);
        let sentinels: Vec<SyncState> = SyncState::ALL
            .into_iter()
            .filter(|s| s.is_sentinel())
            .collect();
        assert_eq!(sentinels, [SyncState::NumStates]);
    }

    #[test]
    fn only_data_lost_and_ping_are_unfilterable_events() {
        let unfilterable: Vec<EventId> = EventId::ALL
            .into_iter()
            .filter(|e| e.is_unfilterable())
            .collect();
        assert_eq!(unfilterable, [EventId::DataLost, EventId::Ping]);
        assert!(EventId::NumEvents.is_sentinel());
        assert!(!EventId::Ping.is_sentinel());
        assert!(ConflictResolve::NumCodes.is_sentinel());
        assert!(!ConflictResolve::Abort.is_sentinel());
    }

    #[test]
    fn enum_names_quote_the_windows_spelling() {
        let table: &[(&str, &str)] = &[
            (
                ConflictResolve::KeepLocal.name(),
                "OFFLINEFILES_SYNC_CONFLICT_RESOLVE_KEEPLOCAL",
            ),
            (
                ConflictResolve::Abort.name(),
                "OFFLINEFILES_SYNC_CONFLICT_ABORT",
            ),
            (EventId::CacheMoved.name(), "OFFLINEFILES_EVENT_CACHEMOVED"),
            (EventId::NumEvents.name(), "OFFLINEFILES_NUM_EVENTS"),
            (OpResponse::Retry.name(), "OFFLINEFILES_OP_RETRY"),
            (
                PathFilterMatch::SelfOnly.name(),
                "OFFLINEFILES_PATHFILTER_SELF",
            ),
            (
                ConflictPolicy::Default.name(),
                "OFFLINEFILES_SYNC_CONTROL_CR_DEFAULT",
            ),
            (
                ConflictPolicy::KeepLocal.name(),
                "OFFLINEFILES_SYNC_CONTROL_CR_KEEPLOCAL",
            ),
            (
                SettingValueType::TwoDimArrayBstrUi4.name(),
                "OFFLINEFILES_SETTING_VALUE_2DIM_ARRAY_BSTR_UI4",
            ),
            (
                PinLinkTargetsSetting::Never.name(),
                "OFFLINEFILES_PINLINKTARGETS_NEVER",
            ),
            (LINK_TARGET_CACHING_SETTING, "LinkTargetCaching"),
        ];
        for &(actual, expected) in table {
            assert_eq!(actual, expected);
        }
    }

    #[test]
    fn sync_control_0x30000006_is_syncin_and_syncout_with_keep_latest_and_round_trips() {
        let table = [
            (
                0x3000_0006,
                SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT,
                ConflictPolicy::KeepLatest,
            ),
            (0x0, SyncControlFlags::empty(), ConflictPolicy::Default),
            (
                0x1000_0004,
                SyncControlFlags::SYNCOUT,
                ConflictPolicy::KeepLocal,
            ),
            (
                0x2002_000C,
                SyncControlFlags::SYNCOUT
                    | SyncControlFlags::PINNEWFILES
                    | SyncControlFlags::NONEWFILESOUT,
                ConflictPolicy::KeepRemote,
            ),
            (
                0x3003_3FFF,
                SyncControlFlags::all(),
                ConflictPolicy::KeepLatest,
            ),
        ];
        for (value, flags, policy) in table {
            let control =
                SyncControl::from_windows(value).expect("a documented value was rejected");
            assert_eq!(control, SyncControl { flags, policy }, "{value:#x}");
            assert_eq!(
                control.to_windows(),
                value,
                "{value:#x} does not round-trip"
            );
        }
    }

    #[test]
    fn sync_control_rejects_undocumented_cr_values_and_flag_bits() {
        for bad in [
            0x4000_0000u32,
            0xF000_0000,
            0x8000_0000,
            0x4000 | 0x8,
            0x8000,
            0x4_0000,
            0x0800_0000,
            0x1000_4000,
        ] {
            let err =
                SyncControl::from_windows(bad).expect_err("an undocumented value was accepted");
            assert_eq!(err.value, u64::from(bad));
            assert!(err.to_string().contains("dwSyncControl"), "{err}");
        }
    }

    #[test]
    fn conflict_policy_try_from_takes_only_the_masked_field() {
        for bad in [0x1u32, 0x4000_0000, 0x1000_0001, 0xF000_0000] {
            let err = ConflictPolicy::try_from(bad).expect_err("not a CR value");
            assert_eq!(err.what, ConflictPolicy::WINDOWS_TYPE);
        }
        assert_eq!(ConflictPolicy::default(), ConflictPolicy::Default);
        assert_eq!(
            SyncControl::default(),
            SyncControl::new(SyncControlFlags::empty())
        );
    }

    #[test]
    fn with_policy_twice_with_different_policies_is_an_error_but_the_same_policy_twice_is_fine() {
        let base = SyncControl::new(SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT);
        let local = base
            .with_policy(ConflictPolicy::KeepLocal)
            .expect("first policy over CR_DEFAULT");
        assert_eq!(local.to_windows(), 0x1000_0006);
        assert_eq!(local.with_policy(ConflictPolicy::KeepLocal), Ok(local));

        let table = [
            (ConflictPolicy::KeepLocal, ConflictPolicy::KeepRemote),
            (ConflictPolicy::KeepRemote, ConflictPolicy::KeepLatest),
            (ConflictPolicy::KeepLatest, ConflictPolicy::Default),
        ];
        for (first, second) in table {
            let set = base.with_policy(first).expect("first policy");
            let err = set
                .with_policy(second)
                .expect_err("a second policy was accepted");
            assert_eq!(err.first, first.name());
            assert_eq!(err.second, second.name());
            let message = err.to_string();
            assert!(
                message.contains(first.name()) && message.contains(second.name()),
                "{message}"
            );
            assert!(message.contains("choose one"), "{message}");
        }
    }

    #[test]
    fn fills_sparse_is_true_for_syncin_alone() {
        let table = [
            (SyncControlFlags::SYNCIN, true, true, false),
            (SyncControlFlags::FILLSPARSE, true, false, false),
            (SyncControlFlags::SYNCOUT, false, false, true),
            (
                SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT,
                true,
                true,
                true,
            ),
            (SyncControlFlags::empty(), false, false, false),
        ];
        for (flags, fills, syncs_in, syncs_out) in table {
            let control = SyncControl::from(flags);
            assert_eq!(control.fills_sparse(), fills, "{flags:?}");
            assert_eq!(control.syncs_in(), syncs_in, "{flags:?}");
            assert_eq!(control.syncs_out(), syncs_out, "{flags:?}");
        }
    }

    /// (label, all documented bits, whether `from_windows(all)` succeeded, the error for an
    /// undocumented bit).
    type FlagCase = (&'static str, u64, bool, Option<UnknownConstant>);

    #[test]
    fn flag_sets_accept_documented_bits_and_reject_undocumented_ones() {
        let cases: Vec<FlagCase> = vec![
            (
                "PinControlFlags",
                PinControlFlags::all().bits().into(),
                PinControlFlags::from_windows(PinControlFlags::all().bits()).is_ok(),
                PinControlFlags::from_windows(0x2).err(),
            ),
            (
                "DeleteFlags",
                DeleteFlags::all().bits().into(),
                DeleteFlags::from_windows(DeleteFlags::all().bits()).is_ok(),
                DeleteFlags::from_windows(0x8).err(),
            ),
            (
                "EncryptionControlFlags",
                EncryptionControlFlags::all().bits().into(),
                EncryptionControlFlags::from_windows(EncryptionControlFlags::all().bits()).is_ok(),
                EncryptionControlFlags::from_windows(0x1).err(),
            ),
            (
                "TransitionFlags",
                TransitionFlags::all().bits().into(),
                TransitionFlags::from_windows(TransitionFlags::all().bits()).is_ok(),
                TransitionFlags::from_windows(0x4).err(),
            ),
            (
                "ItemQueryFlags",
                ItemQueryFlags::all().bits().into(),
                ItemQueryFlags::from_windows(ItemQueryFlags::all().bits()).is_ok(),
                ItemQueryFlags::from_windows(0x40).err(),
            ),
            (
                "EnumFlags",
                EnumFlags::all().bits().into(),
                EnumFlags::from_windows(EnumFlags::all().bits()).is_ok(),
                EnumFlags::from_windows(0x4).err(),
            ),
            (
                "SettingScope",
                SettingScope::all().bits().into(),
                SettingScope::from_windows(SettingScope::all().bits()).is_ok(),
                SettingScope::from_windows(0x4).err(),
            ),
            (
                "ChangeDetails",
                ChangeDetails::all().bits().into(),
                ChangeDetails::from_windows(ChangeDetails::all().bits()).is_ok(),
                ChangeDetails::from_windows(0x40).err(),
            ),
            (
                "ItemChangeFlags",
                ItemChangeFlags::all().bits().into(),
                ItemChangeFlags::from_windows(ItemChangeFlags::all().bits()).is_ok(),
                ItemChangeFlags::from_windows(0x10).err(),
            ),
            (
                "StateKnown",
                StateKnown::all().bits().into(),
                StateKnown::from_windows(StateKnown::all().bits()).is_ok(),
                StateKnown::from_windows(0x4).err(),
            ),
            (
                "ItemFilterFlags",
                ItemFilterFlags::all().bits(),
                ItemFilterFlags::from_windows(ItemFilterFlags::all().bits()).is_ok(),
                ItemFilterFlags::from_windows(0x400_0000).err(),
            ),
        ];
        for (label, all, all_ok, err) in cases {
            assert!(all_ok, "{label}: the documented bits were rejected");
            let err = err.unwrap_or_else(|| panic!("{label}: an undocumented bit was accepted"));
            assert!(err.what.contains("OFFLINEFILES_"), "{label}: {err}");
            let mask = format!("mask {all:#x}");
            assert!(
                err.expected.contains(&mask),
                "{label}: hint {:?} does not quote {mask}",
                err.expected
            );
        }
        let sync_mask = format!("mask {:#x}", SyncControlFlags::all().bits());
        assert!(
            SyncControl::EXPECTED.contains(&sync_mask),
            "{}",
            SyncControl::EXPECTED
        );
    }

    #[test]
    fn flags_report_their_windows_names() {
        assert_eq!(
            SyncControlFlags::NONEWFILESOUT.windows_name(),
            Some("OFFLINEFILES_SYNC_CONTROL_FLAG_NONEWFILESOUT")
        );
        assert_eq!(
            PinControlFlags::PINLINKTARGETS.windows_name(),
            Some("OFFLINEFILES_PIN_CONTROL_FLAG_PINLINKTARGETS")
        );
        assert_eq!(
            StateKnown::LOCAL_KNOWN.windows_name(),
            Some("OFFLINEFILES_SYNC_STATE_LOCAL_KNOWN")
        );
        assert_eq!(
            ItemFilterFlags::GHOST.windows_name(),
            Some("OFFLINEFILES_ITEM_FILTER_FLAG_GHOST")
        );
        assert_eq!(
            (SyncControlFlags::SYNCIN | SyncControlFlags::SYNCOUT).windows_name(),
            None
        );
        assert_eq!(SyncControlFlags::empty().windows_name(), None);
        let names: Vec<&str> = (DeleteFlags::ADMIN | DeleteFlags::NOAUTOCACHED)
            .windows_names()
            .collect();
        assert_eq!(
            names,
            [
                "OFFLINEFILES_DELETE_FLAG_NOAUTOCACHED",
                "OFFLINEFILES_DELETE_FLAG_ADMIN"
            ]
        );
    }

    #[test]
    fn every_flag_set_names_each_documented_bit_exactly_once() {
        fn check<F: Copy + PartialEq + Debug>(
            label: &str,
            table: &[(F, &'static str)],
            bits: fn(F) -> u64,
            all: u64,
            prefix: &str,
        ) {
            let mut seen = 0u64;
            for &(flag, name) in table {
                let b = bits(flag);
                assert_eq!(b.count_ones(), 1, "{label}: {name} is not a single bit");
                assert_eq!(seen & b, 0, "{label}: {name} repeats a bit");
                assert!(name.starts_with(prefix), "{label}: {name} lacks {prefix}");
                seen |= b;
            }
            assert_eq!(seen, all, "{label}: the table does not cover all()");
        }
        check(
            "SyncControlFlags",
            SyncControlFlags::WINDOWS_NAMES,
            |f| f.bits().into(),
            SyncControlFlags::all().bits().into(),
            "OFFLINEFILES_SYNC_CONTROL_FLAG_",
        );
        check(
            "PinControlFlags",
            PinControlFlags::WINDOWS_NAMES,
            |f| f.bits().into(),
            PinControlFlags::all().bits().into(),
            "OFFLINEFILES_PIN_CONTROL_FLAG_",
        );
        check(
            "DeleteFlags",
            DeleteFlags::WINDOWS_NAMES,
            |f| f.bits().into(),
            DeleteFlags::all().bits().into(),
            "OFFLINEFILES_DELETE_FLAG_",
        );
        check(
            "EncryptionControlFlags",
            EncryptionControlFlags::WINDOWS_NAMES,
            |f| f.bits().into(),
            EncryptionControlFlags::all().bits().into(),
            "OFFLINEFILES_ENCRYPTION_CONTROL_FLAG_",
        );
        check(
            "TransitionFlags",
            TransitionFlags::WINDOWS_NAMES,
            |f| f.bits().into(),
            TransitionFlags::all().bits().into(),
            "OFFLINEFILES_TRANSITION_FLAG_",
        );
        check(
            "ItemQueryFlags",
            ItemQueryFlags::WINDOWS_NAMES,
            |f| f.bits().into(),
            ItemQueryFlags::all().bits().into(),
            "OFFLINEFILES_ITEM_QUERY_",
        );
        check(
            "EnumFlags",
            EnumFlags::WINDOWS_NAMES,
            |f| f.bits().into(),
            EnumFlags::all().bits().into(),
            "OFFLINEFILES_ENUM_",
        );
        check(
            "SettingScope",
            SettingScope::WINDOWS_NAMES,
            |f| f.bits().into(),
            SettingScope::all().bits().into(),
            "OFFLINEFILES_SETTING_SCOPE_",
        );
        check(
            "ChangeDetails",
            ChangeDetails::WINDOWS_NAMES,
            |f| f.bits().into(),
            ChangeDetails::all().bits().into(),
            "OFFLINEFILES_CHANGES_",
        );
        check(
            "ItemChangeFlags",
            ItemChangeFlags::WINDOWS_NAMES,
            |f| f.bits().into(),
            ItemChangeFlags::all().bits().into(),
            "OFFLINEFILES_SYNC_ITEM_CHANGE_",
        );
        check(
            "StateKnown",
            StateKnown::WINDOWS_NAMES,
            |f| f.bits().into(),
            StateKnown::all().bits().into(),
            "OFFLINEFILES_SYNC_STATE_",
        );
        check(
            "ItemFilterFlags",
            ItemFilterFlags::WINDOWS_NAMES,
            |f| f.bits(),
            ItemFilterFlags::all().bits(),
            "OFFLINEFILES_ITEM_FILTER_FLAG_",
        );
    }

    #[test]
    fn unknown_constant_message_quotes_the_value_in_hex_and_the_hint() {
        let err = ItemType::try_from(4).expect_err("4 is not an item type");
        assert_eq!(
            err.to_string(),
            "0x4 is not a valid OFFLINEFILES_ITEM_TYPE: expected a value from 0 to 3 (see OFFLINEFILES_ITEM_TYPE)"
        );
    }
}
