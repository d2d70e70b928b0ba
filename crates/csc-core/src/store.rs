//! The two stores the engine works on, behind traits, and the runtime it waits on.
//!
//! The engine ([`crate::engine`]) never touches IndexedDB, the network or a timer itself: it
//! talks to a [`LocalStore`] (the cache), a [`RemoteStore`] (the share) and a [`Runtime`] (the
//! clock, sleeping, a random seed). The traits use `async fn` without a `Send` bound: the browser
//! is single-threaded, and the same engine runs natively under any executor, or under the test
//! kit's deterministic one.
//!
//! The contract every implementation keeps (checked for all of them by the same tests in
//! `csc-testkit`):
//!
//! - **Atomic batches.** [`LocalStore::commit`] applies a whole [`Batch`] or nothing. An item
//!   write carries what it expects to find ([`Expect`]): the item absent, or at the revision the
//!   engine read. The store gives each written item a fresh revision, unique within the store,
//!   so a user's edit made while a sync runs is never overwritten by the sync's stale view.
//! - **A valid tree.** A commit that would leave a live item without a live parent directory,
//!   or remove a directory that still holds items, fails with [`CommitError::Conflict`].
//! - **Content in chunks.** File content lives in blobs of numbered chunks. A download or a
//!   local write stages its chunks in a new blob first; the blob becomes visible only when a
//!   batch makes an item refer to it (as its content, or as the staged part of an
//!   interrupted download). A crash leaves at most unreferenced blobs, which
//!   [`crate::engine::Engine::open`] deletes.
//! - **Server preconditions.** [`RemoteStore`] writes, deletes and moves carry the version they
//!   expect (If-Match) or demand that nothing exists (If-None-Match: *); a server that finds
//!   otherwise answers [`RemoteError::PreconditionFailed`] and changes nothing.

#![allow(async_fn_in_trait)]

use std::ops::Range;

use crate::events::{Event, HResult};
use crate::model::{CacheEntry, Epoch, Meta, Millis, RemoteEntry, ShareState};
use crate::path::ItemPath;
use crate::plan::{ConflictRecord, Precondition};

/// A local revision: a number the cache gives an item each time it is written, unique within
/// the cache (never reused, so a deleted and re-created item never looks unchanged).
pub type Rev = u64;

/// A blob of content in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BlobId(pub u64);

/// An item as the cache stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StoredItem {
    /// The item: original, local state, pins.
    pub entry: CacheEntry,
    /// Its revision, given by the store at the last write.
    pub rev: Rev,
    /// The content of a file whose content is cached.
    pub blob: Option<BlobId>,
    /// A rename made through the cache API not yet carried to the server: the path the item
    /// had. The next sync turns it into one server MOVE.
    pub moved_from: Option<ItemPath>,
    /// A download of the item interrupted part way: it resumes from there while the server
    /// copy keeps that version.
    pub partial: Option<Partial>,
}

/// The first `bytes` bytes of server version `version` of an item, staged in `blob` (whole
/// chunks): what an interrupted download already has.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Partial {
    /// The staged content.
    pub blob: BlobId,
    /// The server version being downloaded.
    pub version: crate::model::Version,
    /// How many bytes are staged.
    pub bytes: u64,
}

/// What an item write expects to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// No item at the path.
    Absent,
    /// The item at the revision the writer read.
    Rev(Rev),
}

/// A share's record in the cache: connectivity, the epoch of the originals, the delta-listing
/// token, and health.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ShareRecord {
    /// The share, its connectivity and the epoch the cache's originals belong to.
    pub state: ShareState,
    /// The server's epoch as of the stored listing.
    pub listed_epoch: Option<Epoch>,
    /// The token for the next delta listing (RFC 6578 sync-token), valid for the stored listing.
    pub token: Option<String>,
    /// When the last sync ended.
    pub last_sync: Option<Millis>,
    /// When the last sync that ended with S_OK ended.
    pub last_success: Option<Millis>,
    /// The result of the last sync.
    pub last_result: Option<HResult>,
}

impl ShareRecord {
    /// A share never synced.
    pub fn new(state: ShareState) -> Self {
        ShareRecord {
            state,
            listed_epoch: None,
            token: None,
            last_sync: None,
            last_success: None,
            last_result: None,
        }
    }
}

/// An event as the cache's bounded log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LoggedEvent {
    /// When it happened.
    pub at: Millis,
    /// The event.
    pub event: Event,
}

/// One write of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Create or replace an item (with no partial download). The store gives it a new
    /// revision.
    PutItem {
        /// The item.
        entry: CacheEntry,
        /// Its content blob.
        blob: Option<BlobId>,
        /// A pending rename's old path.
        moved_from: Option<ItemPath>,
        /// What must be there now.
        expect: Expect,
    },
    /// Record (or, with `None`, clear) an item's partial download, if the item is still at
    /// `rev`. Its revision does not change: this is the engine's bookkeeping, not an edit.
    SetPartial {
        /// The item.
        path: ItemPath,
        /// The revision it must have.
        rev: Rev,
        /// The staged part.
        partial: Option<Partial>,
    },
    /// Remove an item.
    DeleteItem {
        /// The item.
        path: ItemPath,
        /// The revision it must have.
        rev: Rev,
    },
    /// Delete a blob and its chunks.
    DropBlob(BlobId),
    /// Write chunk `index` of a blob reserved by [`LocalStore::reserve_blobs`] that a
    /// `PutItem` of the same batch gives to its item: small files are stored with their item
    /// in one batch, so a group of them costs one transaction, not three each.
    PutChunk {
        /// The blob.
        blob: BlobId,
        /// The chunk's index.
        index: u32,
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// Add or refresh a conflict record.
    PutConflict(ConflictRecord),
    /// Remove a conflict record.
    DeleteConflict(ItemPath),
    /// Replace the share record.
    PutShare(ShareRecord),
    /// Replace the stored listing.
    ReplaceListing(Vec<RemoteEntry>),
    /// Add or replace one entry of the stored listing.
    ListingPut(RemoteEntry),
    /// Remove an entry of the stored listing with its subtree.
    ListingRemove(ItemPath),
    /// Append to the event log (the store keeps the newest entries up to its capacity).
    LogEvent(LoggedEvent),
    /// Set (or, with `None`, remove) a setting.
    PutSetting {
        /// Its name.
        name: String,
        /// Its value.
        value: Option<String>,
    },
}

/// An atomic batch of writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// The writes, applied in order, all or none.
    pub writes: Vec<Write>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Batch::default()
    }

    /// Adds a write.
    pub fn push(&mut self, write: Write) -> &mut Self {
        self.writes.push(write);
        self
    }

    /// True if the batch writes nothing.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }
}

/// A cache failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalError {
    /// The browser's storage quota is used up.
    #[error(
        "the browser's storage for this site is full: free space by removing cached items that are not pinned, or allow the site more storage"
    )]
    QuotaExceeded,
    /// The store failed.
    #[error("the local cache failed: {0}")]
    Failed(String),
}

/// Why a batch was not committed (nothing of it was written).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommitError {
    /// An item was not as the batch expected, or the batch would break the tree.
    #[error("the cache changed meanwhile: {0}")]
    Conflict(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] LocalError),
}

/// What the cache holds, read at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalSnapshot {
    /// The share record, if the share was ever opened.
    pub share: Option<ShareRecord>,
    /// Every item.
    pub items: Vec<StoredItem>,
    /// The stored listing.
    pub listing: Vec<RemoteEntry>,
    /// The conflict store.
    pub conflicts: Vec<ConflictRecord>,
}

/// The cache: item metadata, content, conflict store, event log, share record and settings.
pub trait LocalStore {
    /// Reads the share record, items, stored listing and conflicts.
    async fn load(&self) -> Result<LocalSnapshot, LocalError>;
    /// Reads one item.
    async fn item(&self, path: &ItemPath) -> Result<Option<StoredItem>, LocalError>;
    /// Allocates a new, empty blob.
    async fn create_blob(&self) -> Result<BlobId, LocalError>;
    /// Allocates `count` new, empty blobs (one transaction where the store can).
    async fn create_blobs(&self, count: usize) -> Result<Vec<BlobId>, LocalError> {
        let mut ids = Vec::with_capacity(count);
        for _ in 0..count {
            ids.push(self.create_blob().await?);
        }
        Ok(ids)
    }
    /// Reserves `count` blob numbers for content that one batch writes with its items
    /// (`Write::PutChunk` next to the `Write::PutItem` that owns it). Such a blob never holds
    /// content apart from its item, so a store may skip recording it anywhere until then; one
    /// never used (the batch refused) may be dropped or simply forgotten. By default, blobs are
    /// created as usual.
    async fn reserve_blobs(&self, count: usize) -> Result<Vec<BlobId>, LocalError> {
        self.create_blobs(count).await
    }
    /// Writes chunk `index` of a blob that no item refers to yet.
    async fn put_chunk(&self, blob: BlobId, index: u32, bytes: &[u8]) -> Result<(), LocalError>;
    /// Reads chunk `index` of a blob; `None` past its end.
    async fn chunk(&self, blob: BlobId, index: u32) -> Result<Option<Vec<u8>>, LocalError>;
    /// Every blob the store holds.
    async fn blobs(&self) -> Result<Vec<BlobId>, LocalError>;
    /// Applies a batch atomically. Returns the revisions given to its `PutItem` writes, in
    /// order.
    async fn commit(&self, batch: Batch) -> Result<Vec<Rev>, CommitError>;
    /// The event log, oldest first.
    async fn event_log(&self) -> Result<Vec<LoggedEvent>, LocalError>;
    /// A setting.
    async fn setting(&self, name: &str) -> Result<Option<String>, LocalError>;
}

/// A listing of the share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// A whole listing, or the changes since a token.
    pub delta: bool,
    /// Every item (full), or the items created or changed since the token (delta).
    pub entries: Vec<RemoteEntry>,
    /// Delta only: paths removed since the token (with their subtrees).
    pub removed: Vec<ItemPath>,
    /// Directories whose listing failed (full listings only).
    pub unlisted: Vec<ItemPath>,
    /// The server's epoch: changes when the share is replaced or restored.
    pub epoch: Option<Epoch>,
    /// The token for the next delta listing, if the server offers them.
    pub token: Option<String>,
}

/// File metadata sent with a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteInfo {
    /// Size in bytes.
    pub size: u64,
    /// Last write time.
    pub modified: Millis,
    /// Attribute bits.
    pub attributes: u32,
}

/// A stream of content chunks.
pub trait ChunkStream {
    /// The next chunk, `None` at the end.
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, RemoteError>;
}

/// A remote failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    /// The item is not on the server.
    #[error("{0} is not on the server")]
    NotFound(ItemPath),
    /// The item is not as the request expected (HTTP 412): someone changed it meanwhile.
    #[error("{0} changed on the server since it was listed")]
    PreconditionFailed(ItemPath),
    /// The request does not fit the server's tree (HTTP 409/405): a missing parent, or an
    /// existing destination.
    #[error("the server refused the change to {path}: {detail}")]
    Conflict {
        /// The item.
        path: ItemPath,
        /// What the server said.
        detail: String,
    },
    /// A failure worth retrying: the network, a timeout, HTTP 5xx or 429.
    #[error("the server could not be reached or is busy: {detail}")]
    Transient {
        /// What happened.
        detail: String,
        /// The server's Retry-After, in milliseconds.
        retry_after_ms: Option<u64>,
    },
    /// The server wants (other) credentials (HTTP 401/403).
    #[error("the server refused the credentials: {0}; sign in again")]
    Auth(String),
    /// The delta token is no longer valid: list in full.
    #[error("the server no longer accepts the delta-listing token; a full listing is needed")]
    TokenExpired,
    /// The server's answer made no sense.
    #[error("the server's answer is invalid: {0}")]
    Protocol(String),
    /// The local side of a transfer failed.
    #[error("reading the cached content failed: {0}")]
    Local(String),
}

impl RemoteError {
    /// True for failures a retry may cure.
    pub fn is_transient(&self) -> bool {
        matches!(self, RemoteError::Transient { .. })
    }

    /// True when the item is not as the plan saw it: the engine re-lists and re-plans it.
    pub fn needs_revalidation(&self) -> bool {
        matches!(
            self,
            RemoteError::NotFound(_)
                | RemoteError::PreconditionFailed(_)
                | RemoteError::Conflict { .. }
        )
    }
}

/// The share.
pub trait RemoteStore {
    /// A download body.
    type Body: ChunkStream;
    /// Lists the share: in full, or the changes since `token`.
    async fn list(&self, token: Option<&str>) -> Result<Listing, RemoteError>;
    /// Opens a file for reading, whole or a byte range, if it still has `expected`.
    async fn read(
        &self,
        path: &ItemPath,
        expected: Option<&crate::model::Version>,
        range: Option<Range<u64>>,
    ) -> Result<(Meta, Self::Body), RemoteError>;
    /// Writes a file if `precondition` holds; returns the new server copy.
    async fn write<B: ChunkStream>(
        &self,
        path: &ItemPath,
        precondition: &Precondition,
        info: &WriteInfo,
        body: B,
    ) -> Result<Meta, RemoteError>;
    /// Sets a file's times and attributes if it still has `expected`.
    async fn set_meta(
        &self,
        path: &ItemPath,
        expected: &crate::model::Version,
        info: &WriteInfo,
    ) -> Result<Meta, RemoteError>;
    /// Deletes an item (an empty directory) if it still has `expected`.
    async fn delete(
        &self,
        path: &ItemPath,
        expected: &crate::model::Version,
    ) -> Result<(), RemoteError>;
    /// Creates a directory where nothing exists.
    async fn make_dir(&self, path: &ItemPath) -> Result<Meta, RemoteError>;
    /// Moves an item (with its subtree) to a path where nothing exists, if it still has
    /// `expected`; returns the moved copy.
    async fn move_item(
        &self,
        from: &ItemPath,
        to: &ItemPath,
        expected: &crate::model::Version,
    ) -> Result<Meta, RemoteError>;
}

/// The clock, timers and a random seed: what the engine may not take from the platform itself.
pub trait Runtime {
    /// The current time.
    fn now(&self) -> Millis;
    /// Waits `ms` milliseconds.
    async fn sleep(&self, ms: u64);
    /// A random number, to seed retry jitter.
    fn random_seed(&self) -> u64;
}
