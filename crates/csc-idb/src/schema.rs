//! The database layout, version 4. Version 1 had no `conflict` flag and index on items;
//! versions 1 and 2 encoded items without `used` (the time of last use, for eviction), see
//! `legacy`; versions 1 to 3 had the indexes `dirty`, `pinned` and `sparse` on items, and
//! every item a `conflict` flag (0 or 1) where version 4 gives only conflicted items one (1),
//! so that the conflict index holds just those.
//!
//! | store | key | value |
//! |---|---|---|
//! | `items` | `[share, path]` | `{share, path, parent, dirty, pinned, sparse, tomb, conflict?, rev, data}`; indexes `children` `[share, parent]`, `conflict` `[share, conflict]` (since version 2) |
//! | `content` | `[blob, chunk index]` | the chunk's bytes |
//! | `blobs` | `[share, blob]` | `1` (the blobs a share allocated) |
//! | `conflicts` | `[share, path]` | an encoded conflict record |
//! | `listing` | `[share, path]` | an encoded listing entry |
//! | `shares` | `share` | an encoded share record |
//! | `events` | `[share, sequence]` | the events one batch logged: an array of encoded logged events, the first numbered `sequence` and the rest after it (records written before grouping hold one encoded event) |
//! | `settings` | `[share, name]` | the value |
//! | `meta` | a counter's name | its value (`next_rev`, `next_blob`, `next_event`) |
//!
//! Flags are numbers (0 or 1): booleans are not valid IndexedDB keys.

/// The schema version.
pub const VERSION: u32 = 4;

/// Indexes of `items` that version 1 created and version 4 drops: nothing queries them, and
/// each cost an index entry at every write of every item (a first sync of 10,000 files wrote
/// 30,000 entries more for them).
pub const UNUSED_INDEXES: [&str; 3] = ["dirty", "pinned", "sparse"];

/// Version 2: items carry a `conflict` flag (a conflict record exists for the item), indexed.
pub const CONFLICT_INDEX: (&str, [&str; 2]) = ("conflict", ["share", "conflict"]);

/// Item metadata.
pub const ITEMS: &str = "items";
/// File content in chunks.
pub const CONTENT: &str = "content";
/// Blob registry.
pub const BLOBS: &str = "blobs";
/// The conflict store.
pub const CONFLICTS: &str = "conflicts";
/// The stored listing.
pub const LISTING: &str = "listing";
/// Share records.
pub const SHARES: &str = "shares";
/// The event log.
pub const EVENTS: &str = "events";
/// Settings.
pub const SETTINGS: &str = "settings";
/// Counters.
pub const META: &str = "meta";

/// Every store, for transactions that may touch any.
pub const ALL: [&str; 9] = [
    ITEMS, CONTENT, BLOBS, CONFLICTS, LISTING, SHARES, EVENTS, SETTINGS, META,
];

/// How many events a share's log keeps (the newest).
pub const LOG_CAPACITY: u32 = 1000;
/// The log is trimmed back to its capacity once every this many events.
pub const TRIM_EVERY: u64 = 64;

/// The indexes of `items` created by version 1: name and key path.
pub const ITEM_INDEXES: [(&str, [&str; 2]); 4] = [
    ("children", ["share", "parent"]),
    ("dirty", ["share", "dirty"]),
    ("pinned", ["share", "pinned"]),
    ("sparse", ["share", "sparse"]),
];
