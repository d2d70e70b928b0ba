//! Events (IOfflineFilesEvents) and their subscriptions.
//!
//! The engine publishes an [`Event`] for everything a UI or another tab may want to show: sync
//! begin and end, per-file results, conflict store changes, items pinned, cached, modified,
//! made available offline, shares going offline and online. An [`EventBus`] delivers each event
//! to every subscriber whose [`EventFilter`] accepts it, as Windows delivers to the sinks
//! advised on its connection point:
//!
//! - a filter names included kinds (or all) and excluded kinds; **exclusion wins** when a kind
//!   is in both;
//! - a filter has at most one path filter: an item, its children, its descendants, or the
//!   item with either (`OFFLINEFILES_PATHFILTER_MATCH`); events about no item pass it;
//! - [`Event::Ping`] and [`Event::DataLost`] can never be filtered out;
//! - each subscriber has a bounded queue: a subscriber that does not keep up loses events and
//!   finds one [`Event::DataLost`] where the gap is, never unbounded memory;
//! - [`EventBus::ping`] reaches everyone, and [`EventBus::drop_idle`] drops subscribers that
//!   stopped polling (a closed tab), as the service drops sinks whose ping fails.
//!
//! The bus is pure: time comes in as [`Millis`], and delivery is a poll.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::model::Millis;
use crate::path::{ItemPath, is_self_or_descendant};
use crate::win::{EventId, ItemType, PathFilterMatch, SyncControl, SyncState};

/// An HRESULT, as Windows reports the result of a sync and of each item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HResult(pub u32);

impl HResult {
    /// Success.
    pub const S_OK: HResult = HResult(0);
    /// Unspecified failure.
    pub const E_FAIL: HResult = HResult(0x8000_4005);
    /// HRESULT_FROM_WIN32(ERROR_CANCELLED): the operation was cancelled.
    pub const CANCELLED: HResult = HResult::from_win32(1223);
    /// HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND).
    pub const FILE_NOT_FOUND: HResult = HResult::from_win32(2);
    /// S_FALSE: done, but not as asked: a conflict left for the user (recorded in the conflict
    /// store, or skipped by the handler).
    pub const S_FALSE: HResult = HResult(1);
    /// E_INVALIDARG: the caller's input (a path, a flag, a handler's answer) is invalid.
    pub const INVALID_ARG: HResult = HResult(0x8007_0057);
    /// HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND): the item's parent is missing on a side.
    pub const PATH_NOT_FOUND: HResult = HResult::from_win32(3);
    /// HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED): the server refused the credentials.
    pub const ACCESS_DENIED: HResult = HResult::from_win32(5);
    /// HRESULT_FROM_WIN32(ERROR_INVALID_DATA): the server's answer was invalid.
    pub const INVALID_DATA: HResult = HResult::from_win32(13);
    /// HRESULT_FROM_WIN32(ERROR_UNEXP_NET_ERR): the network or the server failed (after
    /// retries).
    pub const NET_ERROR: HResult = HResult::from_win32(59);
    /// HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION): the item is open in the app, so a
    /// background sync left it alone.
    pub const SHARING_VIOLATION: HResult = HResult::from_win32(32);
    /// HRESULT_FROM_WIN32(ERROR_FILE_EXISTS).
    pub const FILE_EXISTS: HResult = HResult::from_win32(80);
    /// HRESULT_FROM_WIN32(ERROR_DISK_FULL): the browser's storage quota is used up.
    pub const DISK_FULL: HResult = HResult::from_win32(112);
    /// HRESULT_FROM_WIN32(ERROR_DIR_NOT_EMPTY): a directory to delete still holds items.
    pub const DIR_NOT_EMPTY: HResult = HResult::from_win32(145);
    /// HRESULT_FROM_WIN32(ERROR_BUSY): another sync of this share is running.
    pub const BUSY: HResult = HResult::from_win32(170);
    /// HRESULT_FROM_WIN32(ERROR_MORE_DATA): some items of a DeleteItems call were kept.
    pub const MORE_DATA: HResult = HResult::from_win32(234);
    /// HRESULT_FROM_WIN32(ERROR_RETRY): the item kept changing while it was synced; the next
    /// sync tries again.
    pub const RETRY: HResult = HResult::from_win32(1237);
    /// HRESULT_FROM_WIN32(ERROR_REQUEST_REFUSED): a safety valve refused the sync (mass
    /// deletion, empty listing).
    pub const REFUSED: HResult = HResult::from_win32(4320);

    /// HRESULT_FROM_WIN32: a Win32 error code as an HRESULT.
    pub const fn from_win32(code: u32) -> HResult {
        if code == 0 {
            HResult(0)
        } else {
            HResult((code & 0xFFFF) | 0x8007_0000)
        }
    }

    /// True for success codes.
    pub const fn is_ok(self) -> bool {
        self.0 & 0x8000_0000 == 0
    }
}

/// The identifier of one sync, echoed in its SyncBegin, SyncFileResult and SyncEnd events
/// (Windows' `pSyncId`). Empty when the caller gave none (Windows' GUID_NULL).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SyncId(pub Arc<str>);

/// An item of a share, as events name it: the share's root URL and the path inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ItemRef {
    /// The share's root URL.
    pub share: Arc<str>,
    /// The path inside the share.
    pub path: ItemPath,
}

/// An event (OFFLINEFILES_EVENTS), with the parameters Windows passes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Event {
    /// A sync started (SyncBegin).
    SyncBegin {
        /// The sync.
        sync: SyncId,
    },
    /// The result of one item of a sync (SyncFileResult).
    SyncFileResult {
        /// The sync.
        sync: SyncId,
        /// The item.
        item: ItemRef,
        /// Its result.
        result: HResult,
    },
    /// A sync ended (SyncEnd): S_OK, CANCELLED or the failure.
    SyncEnd {
        /// The sync.
        sync: SyncId,
        /// Its result.
        result: HResult,
    },
    /// A conflict was recorded in the conflict store (SyncConflictRecAdded).
    ConflictAdded {
        /// The item.
        item: ItemRef,
        /// When the conflict was detected.
        detected: Millis,
        /// Its sync state.
        state: SyncState,
    },
    /// A recorded conflict was seen again and its record refreshed (SyncConflictRecUpdated).
    ConflictUpdated {
        /// The item.
        item: ItemRef,
        /// When the conflict was detected.
        detected: Millis,
        /// Its sync state.
        state: SyncState,
    },
    /// A recorded conflict is gone (SyncConflictRecRemoved).
    ConflictRemoved {
        /// The item.
        item: ItemRef,
        /// When the conflict was detected.
        detected: Millis,
        /// Its sync state when last recorded.
        state: SyncState,
    },
    /// A background sync pass started (BackgroundSyncBegin), with its flags.
    BackgroundSyncBegin {
        /// dwSyncControl of the pass (one- or two-way).
        control: SyncControl,
    },
    /// A background sync pass ended (BackgroundSyncEnd).
    BackgroundSyncEnd {
        /// dwSyncControl of the pass.
        control: SyncControl,
    },
    /// A share went offline (ItemDisconnected).
    ItemDisconnected {
        /// The share root (path empty) or item.
        item: ItemRef,
        /// Its type.
        item_type: ItemType,
    },
    /// A share came back online (ItemReconnected).
    ItemReconnected {
        /// The share root (path empty) or item.
        item: ItemRef,
        /// Its type.
        item_type: ItemType,
    },
    /// An item became usable offline: cached in full (ItemAvailableOffline).
    ItemAvailableOffline {
        /// The item.
        item: ItemRef,
        /// Its type.
        item_type: ItemType,
    },
    /// An item stopped being usable offline (ItemNotAvailableOffline).
    ItemNotAvailableOffline {
        /// The item.
        item: ItemRef,
        /// Its type.
        item_type: ItemType,
    },
    /// An item gained a pin (ItemPinned).
    ItemPinned {
        /// The item.
        item: ItemRef,
        /// Its type.
        item_type: ItemType,
    },
    /// An item lost its last pin (ItemNotPinned).
    ItemNotPinned {
        /// The item.
        item: ItemRef,
        /// Its type.
        item_type: ItemType,
    },
    /// A cached item changed (ItemModified).
    ItemModified {
        /// The item.
        item: ItemRef,
        /// Its type.
        item_type: ItemType,
        /// Its content changed.
        data: bool,
        /// Its attributes changed.
        attributes: bool,
    },
    /// An item entered the cache, possibly still sparse (ItemAddedToCache).
    ItemAddedToCache {
        /// The item.
        item: ItemRef,
        /// Its type.
        item_type: ItemType,
    },
    /// An item left the cache (ItemDeletedFromCache).
    ItemDeletedFromCache {
        /// The item.
        item: ItemRef,
        /// Its type.
        item_type: ItemType,
    },
    /// A sweep trying to bring every offline share online started (ItemReconnectBegin).
    ItemReconnectBegin,
    /// That sweep ended (ItemReconnectEnd).
    ItemReconnectEnd,
    /// This subscriber lost events here: its queue was full (DataLost). Never filtered out.
    DataLost,
    /// A liveness probe (Ping). Never filtered out.
    Ping,
}

impl Event {
    /// The Windows event number.
    pub fn id(&self) -> EventId {
        match self {
            Event::SyncBegin { .. } => EventId::SyncBegin,
            Event::SyncFileResult { .. } => EventId::SyncFileResult,
            Event::SyncEnd { .. } => EventId::SyncEnd,
            Event::ConflictAdded { .. } => EventId::SyncConflictRecAdded,
            Event::ConflictUpdated { .. } => EventId::SyncConflictRecUpdated,
            Event::ConflictRemoved { .. } => EventId::SyncConflictRecRemoved,
            Event::BackgroundSyncBegin { .. } => EventId::BackgroundSyncBegin,
            Event::BackgroundSyncEnd { .. } => EventId::BackgroundSyncEnd,
            Event::ItemDisconnected { .. } => EventId::ItemDisconnected,
            Event::ItemReconnected { .. } => EventId::ItemReconnected,
            Event::ItemAvailableOffline { .. } => EventId::ItemAvailableOffline,
            Event::ItemNotAvailableOffline { .. } => EventId::ItemNotAvailableOffline,
            Event::ItemPinned { .. } => EventId::ItemPinned,
            Event::ItemNotPinned { .. } => EventId::ItemNotPinned,
            Event::ItemModified { .. } => EventId::ItemModified,
            Event::ItemAddedToCache { .. } => EventId::ItemAddedToCache,
            Event::ItemDeletedFromCache { .. } => EventId::ItemDeletedFromCache,
            Event::ItemReconnectBegin => EventId::ItemReconnectBegin,
            Event::ItemReconnectEnd => EventId::ItemReconnectEnd,
            Event::DataLost => EventId::DataLost,
            Event::Ping => EventId::Ping,
        }
    }

    /// The item the event is about, if any.
    pub fn item(&self) -> Option<&ItemRef> {
        match self {
            Event::SyncFileResult { item, .. }
            | Event::ConflictAdded { item, .. }
            | Event::ConflictUpdated { item, .. }
            | Event::ConflictRemoved { item, .. }
            | Event::ItemDisconnected { item, .. }
            | Event::ItemReconnected { item, .. }
            | Event::ItemAvailableOffline { item, .. }
            | Event::ItemNotAvailableOffline { item, .. }
            | Event::ItemPinned { item, .. }
            | Event::ItemNotPinned { item, .. }
            | Event::ItemModified { item, .. }
            | Event::ItemAddedToCache { item, .. }
            | Event::ItemDeletedFromCache { item, .. } => Some(item),
            Event::SyncBegin { .. }
            | Event::SyncEnd { .. }
            | Event::BackgroundSyncBegin { .. }
            | Event::BackgroundSyncEnd { .. }
            | Event::ItemReconnectBegin
            | Event::ItemReconnectEnd
            | Event::DataLost
            | Event::Ping => None,
        }
    }
}

/// One path filter (IOfflineFilesEventsFilter::GetPathFilter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathFilter {
    /// The item the filter is about.
    pub item: ItemRef,
    /// Which items relative to it pass.
    pub mode: PathFilterMatch,
}

impl PathFilter {
    /// True if `item` passes.
    pub fn matches(&self, item: &ItemRef) -> bool {
        if item.share != self.item.share {
            return false;
        }
        let (path, root) = (item.path.as_str(), self.item.path.as_str());
        let is_self = path == root;
        let is_child = item.path.parent_str() == Some(root) && !item.path.is_root();
        let is_descendant = !is_self && is_self_or_descendant(path, root);
        match self.mode {
            PathFilterMatch::SelfOnly => is_self,
            PathFilterMatch::Child => is_child,
            PathFilterMatch::Descendent => is_descendant,
            PathFilterMatch::SelfOrChild => is_self || is_child,
            PathFilterMatch::SelfOrDescendent => is_self || is_descendant,
        }
    }
}

/// What a subscriber wants (IOfflineFilesEventsFilter).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventFilter {
    /// Kinds to deliver; `None` for every kind.
    pub include: Option<Vec<EventId>>,
    /// Kinds never to deliver; they win over `include`.
    pub exclude: Vec<EventId>,
    /// At most one path filter; events about no item pass it.
    pub path: Option<PathFilter>,
}

impl EventFilter {
    /// True if the subscriber gets `event`. Ping and DataLost always pass.
    pub fn accepts(&self, event: &Event) -> bool {
        let id = event.id();
        if id.is_unfilterable() {
            return true;
        }
        if self.exclude.contains(&id) {
            return false;
        }
        if let Some(include) = &self.include
            && !include.contains(&id)
        {
            return false;
        }
        match (&self.path, event.item()) {
            (Some(filter), Some(item)) => filter.matches(item),
            _ => true,
        }
    }
}

/// A subscription, returned by [`EventBus::subscribe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubscriberId(pub u64);

/// Why a subscription could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscribeError {
    /// The queue was too small to hold an event and the DataLost marker.
    #[error(
        "a subscriber's queue must hold at least 2 events (one event and the DataLost marker); got {capacity}"
    )]
    CapacityTooSmall {
        /// The capacity asked for.
        capacity: usize,
    },
}

#[derive(Debug)]
struct Subscriber {
    filter: EventFilter,
    queue: VecDeque<Event>,
    capacity: usize,
    last_poll: Millis,
}

impl Subscriber {
    /// Queues `event`; when only one slot is left, a DataLost marker takes it and later events
    /// are dropped until the subscriber catches up, so the marker stands where the gap is.
    fn push(&mut self, event: Event) {
        let len = self.queue.len();
        if len + 1 < self.capacity {
            self.queue.push_back(event);
        } else if len + 1 == self.capacity && self.queue.back() != Some(&Event::DataLost) {
            self.queue.push_back(Event::DataLost);
        }
    }
}

/// Delivers events to subscribers, each through its filter and its bounded queue.
#[derive(Debug, Default)]
pub struct EventBus {
    /// In id order (ids only grow, and a new one goes last). A few per page: a vector, not a
    /// map, which would bring a B-tree instance of its own into the wasm (6 KB).
    subscribers: Vec<(SubscriberId, Subscriber)>,
    next: u64,
}

impl EventBus {
    /// An empty bus.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a subscriber whose queue holds at most `capacity` events.
    pub fn subscribe(
        &mut self,
        filter: EventFilter,
        capacity: usize,
        now: Millis,
    ) -> Result<SubscriberId, SubscribeError> {
        if capacity < 2 {
            return Err(SubscribeError::CapacityTooSmall { capacity });
        }
        let id = SubscriberId(self.next);
        self.next += 1;
        self.subscribers.push((
            id,
            Subscriber {
                filter,
                queue: VecDeque::new(),
                capacity,
                last_poll: now,
            },
        ));
        Ok(id)
    }

    fn position(&self, id: SubscriberId) -> Option<usize> {
        self.subscribers.binary_search_by_key(&id, |(i, _)| *i).ok()
    }

    /// Removes a subscriber; false if it was not there.
    pub fn unsubscribe(&mut self, id: SubscriberId) -> bool {
        self.position(id)
            .map(|at| self.subscribers.remove(at))
            .is_some()
    }

    /// Delivers `event` to every subscriber that accepts it.
    pub fn publish(&mut self, event: &Event) {
        for (_, s) in &mut self.subscribers {
            if s.filter.accepts(event) {
                s.push(event.clone());
            }
        }
    }

    /// Delivers `event` to every subscriber that accepts it but `skip`.
    pub fn publish_except(&mut self, event: &Event, skip: SubscriberId) {
        for (id, s) in &mut self.subscribers {
            if *id != skip && s.filter.accepts(event) {
                s.push(event.clone());
            }
        }
    }

    /// The next event for `id`, if any; `None` also for an unknown subscriber.
    pub fn poll(&mut self, id: SubscriberId, now: Millis) -> Option<Event> {
        let at = self.position(id)?;
        let s = &mut self.subscribers[at].1;
        s.last_poll = now;
        s.queue.pop_front()
    }

    /// Sends a Ping to every subscriber.
    pub fn ping(&mut self) {
        self.publish(&Event::Ping);
    }

    /// Drops the subscribers that have not polled for more than `max_idle_ms` (a closed tab
    /// cannot answer a ping) and returns them.
    pub fn drop_idle(&mut self, now: Millis, max_idle_ms: i64) -> Vec<SubscriberId> {
        let idle: Vec<SubscriberId> = self
            .subscribers
            .iter()
            .filter(|(_, s)| now.0 - s.last_poll.0 > max_idle_ms)
            .map(|(id, _)| *id)
            .collect();
        self.subscribers
            .retain(|(_, s)| now.0 - s.last_poll.0 <= max_idle_ms);
        idle
    }

    /// Number of subscribers.
    pub fn len(&self) -> usize {
        self.subscribers.len()
    }

    /// True if nobody listens.
    pub fn is_empty(&self) -> bool {
        self.subscribers.is_empty()
    }
}
