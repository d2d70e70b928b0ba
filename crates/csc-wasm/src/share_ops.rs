//! The engine's operations on one share for Rust callers (the web app), compiled here once.
//!
//! Why they exist: a generic function, and the state machine of every `async fn` it awaits,
//! is compiled into each crate that polls it. The web app calling `Engine::synchronize` itself
//! carried a second copy of the whole sync (the step executor, downloads, the IndexedDB commit:
//! about 100 KB of wasm) beside the copy this crate's background pass uses. Each method here
//! boxes the engine's future in this crate, behind `#[inline(never)]`, so a caller polls it
//! through a pointer and the code exists once. A boxed future costs one allocation per call.
//!
//! Progress sinks and conflict answers are taken as trait objects and a map, for the same
//! reason: one instance of the sync serves every caller.

use std::collections::BTreeMap;

use csc_core::engine::{
    BrowseEntry, ConflictHandler, ConflictInfo, DeleteOptions, EngineError, EnumOptions, ItemInfo,
    PinOptions, SimpleProgress, SyncOptions, SyncProgress, SyncSummary,
};
use csc_core::events::HResult;
use csc_core::store::{LocalError, ShareRecord};
use csc_core::win::ConflictResolve;
use csc_core::{ConflictRecord, HandlerAnswer, ItemPath};
use futures_util::future::LocalBoxFuture;

use crate::cache::ShareSlot;

/// A person's answers to conflicts, by path (Sync Center): each listed conflict is resolved as
/// answered, every other one stays in the conflict store.
#[derive(Debug, Clone, Default)]
pub struct Answers(pub BTreeMap<ItemPath, HandlerAnswer>);

impl ConflictHandler for Answers {
    async fn resolve(&mut self, c: &ConflictInfo) -> HandlerAnswer {
        self.0
            .get(&c.path)
            .cloned()
            .unwrap_or_else(|| HandlerAnswer::new(ConflictResolve::Log))
    }
}

impl ShareSlot {
    /// IOfflineFilesCache::Synchronize. With `answers`, the listed conflicts are resolved as
    /// answered and the others logged; without, the CR_* policy of the request applies.
    #[inline(never)]
    pub fn synchronize<'a>(
        &'a self,
        opts: &'a SyncOptions,
        answers: Option<Answers>,
        mut progress: &'a mut dyn SyncProgress,
    ) -> LocalBoxFuture<'a, Result<SyncSummary, EngineError>> {
        Box::pin(async move {
            match answers {
                Some(mut answers) => {
                    self.engine
                        .synchronize(opts, &mut answers, &mut progress)
                        .await
                }
                None => self.engine.synchronize(opts, &mut (), &mut progress).await,
            }
        })
    }

    /// IOfflineFilesCache::Pin.
    #[inline(never)]
    pub fn pin<'a>(
        &'a self,
        paths: &'a [ItemPath],
        opts: PinOptions,
        mut progress: &'a mut dyn SyncProgress,
    ) -> LocalBoxFuture<'a, Result<HResult, EngineError>> {
        Box::pin(async move { self.engine.pin(paths, opts, &mut progress).await })
    }

    /// IOfflineFilesCache::Unpin.
    #[inline(never)]
    pub fn unpin<'a>(
        &'a self,
        paths: &'a [ItemPath],
        opts: PinOptions,
        mut progress: &'a mut dyn SyncProgress,
    ) -> LocalBoxFuture<'a, Result<HResult, EngineError>> {
        Box::pin(async move { self.engine.unpin(paths, opts, &mut progress).await })
    }

    /// IOfflineFilesCache::DeleteItems.
    #[inline(never)]
    pub fn delete_items<'a>(
        &'a self,
        paths: &'a [ItemPath],
        opts: DeleteOptions,
        mut progress: &'a mut dyn SimpleProgress,
    ) -> LocalBoxFuture<'a, Result<HResult, EngineError>> {
        Box::pin(async move { self.engine.delete_items(paths, opts, &mut progress).await })
    }

    /// A file's cached content.
    #[inline(never)]
    pub fn read_file<'a>(
        &'a self,
        path: &'a ItemPath,
    ) -> LocalBoxFuture<'a, Result<Vec<u8>, EngineError>> {
        Box::pin(self.engine.read_file(path))
    }

    /// Writes a file in the cache (offline too), queued as a local change.
    #[inline(never)]
    pub fn write_file<'a>(
        &'a self,
        path: &'a ItemPath,
        bytes: &'a [u8],
    ) -> LocalBoxFuture<'a, Result<(), EngineError>> {
        Box::pin(self.engine.write_file(path, bytes))
    }

    /// Creates a folder in the cache, queued as a local change.
    #[inline(never)]
    pub fn create_dir<'a>(
        &'a self,
        path: &'a ItemPath,
    ) -> LocalBoxFuture<'a, Result<(), EngineError>> {
        Box::pin(self.engine.create_dir(path))
    }

    /// Deletes an item in the cache, queued as a local change.
    #[inline(never)]
    pub fn delete<'a>(&'a self, path: &'a ItemPath) -> LocalBoxFuture<'a, Result<(), EngineError>> {
        Box::pin(self.engine.delete(path))
    }

    /// Renames an item in the cache, queued as a local change (a MOVE at the next sync).
    #[inline(never)]
    pub fn rename<'a>(
        &'a self,
        from: &'a ItemPath,
        to: &'a ItemPath,
    ) -> LocalBoxFuture<'a, Result<(), EngineError>> {
        Box::pin(self.engine.rename(from, to))
    }

    /// Work offline.
    #[inline(never)]
    pub fn transition_offline(&self) -> LocalBoxFuture<'_, Result<(), EngineError>> {
        Box::pin(self.engine.transition_offline())
    }

    /// Work online again.
    #[inline(never)]
    pub fn transition_online(&self) -> LocalBoxFuture<'_, Result<(), EngineError>> {
        Box::pin(self.engine.transition_online())
    }

    /// Suspends a folder (it is not synced automatically) or releases it.
    #[inline(never)]
    pub fn suspend_root<'a>(
        &'a self,
        path: &'a ItemPath,
        suspend: bool,
    ) -> LocalBoxFuture<'a, Result<(), EngineError>> {
        Box::pin(self.engine.suspend_root(path, suspend))
    }

    /// IOfflineFilesCache::EnumItemsEx.
    #[inline(never)]
    pub fn enum_items<'a>(
        &'a self,
        path: &'a ItemPath,
        opts: EnumOptions,
    ) -> LocalBoxFuture<'a, Result<Vec<ItemInfo>, EngineError>> {
        Box::pin(self.engine.enum_items(path, opts))
    }

    /// A folder's entries as a file browser shows them.
    #[inline(never)]
    pub fn browse<'a>(
        &'a self,
        path: &'a ItemPath,
    ) -> LocalBoxFuture<'a, Result<Vec<BrowseEntry>, EngineError>> {
        Box::pin(self.engine.browse(path))
    }

    /// The conflict store.
    #[inline(never)]
    pub fn conflict_records(&self) -> LocalBoxFuture<'_, Result<Vec<ConflictRecord>, LocalError>> {
        Box::pin(self.engine.local().conflict_records())
    }

    /// The share's record as stored (health figures of other pages' passes included).
    #[inline(never)]
    pub fn share_record(&self) -> LocalBoxFuture<'_, Result<Option<ShareRecord>, LocalError>> {
        Box::pin(self.engine.local().share_record())
    }

    /// Asks the browser to keep this origin's storage (`navigator.storage.persist`).
    #[inline(never)]
    pub fn request_persistence(&self) -> LocalBoxFuture<'_, Result<bool, LocalError>> {
        Box::pin(self.engine.local().request_persistence())
    }
}
