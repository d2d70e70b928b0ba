// Generated from csc-core's Windows tables (crates/csc-core/src/win.rs) by
// crates/csc-wasm/src/constants.rs: do not edit; run `UPDATE_CONSTANTS=1 cargo test -p csc-wasm`.

/** Synchronize's dwSyncControl: OFFLINEFILES_SYNC_CONTROL_FLAG_* bits, and one CR_* conflict policy (0x0, 0x10000000, 0x20000000 or 0x30000000) or-ed in. */
export const SyncControl = Object.freeze({
  FILLSPARSE: 0x1,
  SYNCIN: 0x2,
  SYNCOUT: 0x4,
  PINNEWFILES: 0x8,
  PINLINKTARGETS: 0x10,
  PINFORUSER: 0x20,
  PINFORUSER_POLICY: 0x40,
  PINFORALL: 0x80,
  PINFORREDIR: 0x100,
  LOWPRIORITY: 0x200,
  ASYNCPROGRESS: 0x400,
  INTERACTIVE: 0x800,
  CONSOLE: 0x1000,
  SKIPSUSPENDEDDIRS: 0x2000,
  BACKGROUND: 0x10000,
  NONEWFILESOUT: 0x20000,
  CR_DEFAULT: 0x0,
  CR_KEEPLOCAL: 0x10000000,
  CR_KEEPREMOTE: 0x20000000,
  CR_KEEPLATEST: 0x30000000,
});

/** OFFLINEFILES_SYNC_STATE: how a sync classified an item from its local, server and original copies. */
export const SyncState = Object.freeze({
  Stable: 0x0,
  FileOnClient_DirOnServer: 0x1,
  FileOnClient_NoServerCopy: 0x2,
  DirOnClient_FileOnServer: 0x3,
  DirOnClient_FileChangedOnServer: 0x4,
  DirOnClient_NoServerCopy: 0x5,
  FileCreatedOnClient_NoServerCopy: 0x6,
  FileCreatedOnClient_FileChangedOnServer: 0x7,
  FileCreatedOnClient_DirChangedOnServer: 0x8,
  FileCreatedOnClient_FileOnServer: 0x9,
  FileCreatedOnClient_DirOnServer: 0xa,
  FileCreatedOnClient_DeletedOnServer: 0xb,
  FileChangedOnClient_ChangedOnServer: 0xc,
  FileChangedOnClient_DirOnServer: 0xd,
  FileChangedOnClient_DirChangedOnServer: 0xe,
  FileChangedOnClient_DeletedOnServer: 0xf,
  FileSparseOnClient_ChangedOnServer: 0x10,
  FileSparseOnClient_DeletedOnServer: 0x11,
  FileSparseOnClient_DirOnServer: 0x12,
  FileSparseOnClient_DirChangedOnServer: 0x13,
  DirCreatedOnClient_NoServerCopy: 0x14,
  DirCreatedOnClient_DirOnServer: 0x15,
  DirCreatedOnClient_FileOnServer: 0x16,
  DirCreatedOnClient_FileChangedOnServer: 0x17,
  DirCreatedOnClient_DirChangedOnServer: 0x18,
  DirCreatedOnClient_DeletedOnServer: 0x19,
  DirChangedOnClient_FileOnServer: 0x1a,
  DirChangedOnClient_FileChangedOnServer: 0x1b,
  DirChangedOnClient_ChangedOnServer: 0x1c,
  DirChangedOnClient_DeletedOnServer: 0x1d,
  NoClientCopy_FileOnServer: 0x1e,
  NoClientCopy_DirOnServer: 0x1f,
  NoClientCopy_FileChangedOnServer: 0x20,
  NoClientCopy_DirChangedOnServer: 0x21,
  DeletedOnClient_FileOnServer: 0x22,
  DeletedOnClient_DirOnServer: 0x23,
  DeletedOnClient_FileChangedOnServer: 0x24,
  DeletedOnClient_DirChangedOnServer: 0x25,
  FileSparseOnClient: 0x26,
  FileChangedOnClient: 0x27,
  FileRenamedOnClient: 0x28,
  DirSparseOnClient: 0x29,
  DirChangedOnClient: 0x2a,
  DirRenamedOnClient: 0x2b,
  FileChangedOnServer: 0x2c,
  FileRenamedOnServer: 0x2d,
  FileDeletedOnServer: 0x2e,
  DirChangedOnServer: 0x2f,
  DirRenamedOnServer: 0x30,
  DirDeletedOnServer: 0x31,
  FileReplacedAndDeletedOnClient_FileOnServer: 0x32,
  FileReplacedAndDeletedOnClient_FileChangedOnServer: 0x33,
  FileReplacedAndDeletedOnClient_DirOnServer: 0x34,
  FileReplacedAndDeletedOnClient_DirChangedOnServer: 0x35,
  NUMSTATES: 0x36,
  NameCollision: 0x100,
});

/** OFFLINEFILES_SYNC_CONFLICT_RESOLVE: a conflict handler's answer. */
export const ConflictResolve = Object.freeze({
  NONE: 0x0,
  KEEPLOCAL: 0x1,
  KEEPREMOTE: 0x2,
  KEEPALLCHANGES: 0x3,
  KEEPLATEST: 0x4,
  LOG: 0x5,
  SKIP: 0x6,
  ABORT: 0x7,
  NUMCODES: 0x8,
});

/** OFFLINEFILES_SYNC_OPERATION: what a sync did, or tried to do, with an item. */
export const SyncOperation = Object.freeze({
  CREATE_COPY_ON_SERVER: 0x0,
  CREATE_COPY_ON_CLIENT: 0x1,
  SYNC_TO_SERVER: 0x2,
  SYNC_TO_CLIENT: 0x3,
  DELETE_SERVER_COPY: 0x4,
  DELETE_CLIENT_COPY: 0x5,
  PIN: 0x6,
  PREPARE: 0x7,
});

/** Pin / Unpin's dwPinControlFlags (OFFLINEFILES_PIN_CONTROL_FLAG_*). */
export const PinControl = Object.freeze({
  FILL: 0x1,
  PINLINKTARGETS: 0x10,
  FORUSER: 0x20,
  FORUSER_POLICY: 0x40,
  FORALL: 0x80,
  FORREDIR: 0x100,
  LOWPRIORITY: 0x200,
  ASYNCPROGRESS: 0x400,
  INTERACTIVE: 0x800,
  CONSOLE: 0x1000,
  BACKGROUND: 0x10000,
});

/** DeleteItems' dwFlags (OFFLINEFILES_DELETE_FLAG_*). */
export const DeleteControl = Object.freeze({
  NOAUTOCACHED: 0x1,
  NOPINNED: 0x2,
  DELMODIFIED: 0x4,
  ADMIN: 0x80000000,
});

/** EnumItemsEx's dwEnumFlags (OFFLINEFILES_ENUM_*). */
export const EnumControl = Object.freeze({
  FLAT: 0x1,
  FLAT_FILESONLY: 0x2,
});

/** OFFLINEFILES_ITEM_FILTER_FLAG_*: an item's conditions, for enumItems' filter. */
export const ItemFilter = Object.freeze({
  MODIFIED_DATA: 0x1,
  MODIFIED_ATTRIBUTES: 0x2,
  MODIFIED: 0x4,
  CREATED: 0x8,
  DELETED: 0x10,
  DIRTY: 0x20,
  SPARSE: 0x40,
  FILE: 0x80,
  DIRECTORY: 0x100,
  PINNED_USER: 0x200,
  PINNED_OTHERS: 0x400,
  PINNED_COMPUTER: 0x800,
  PINNED: 0x1000,
  GHOST: 0x2000,
  SUSPENDED: 0x4000,
  OFFLINE: 0x8000,
  ONLINE: 0x10000,
  USER_WRITE: 0x20000,
  USER_READ: 0x40000,
  USER_ANYACCESS: 0x80000,
  OTHER_WRITE: 0x100000,
  OTHER_READ: 0x200000,
  OTHER_ANYACCESS: 0x400000,
  GUEST_WRITE: 0x800000,
  GUEST_READ: 0x1000000,
  GUEST_ANYACCESS: 0x2000000,
});

/** OFFLINEFILES_CHANGES_*: what changed on each side of a conflict. */
export const ChangeDetails = Object.freeze({
  LOCAL_SIZE: 0x1,
  LOCAL_ATTRIBUTES: 0x2,
  LOCAL_TIME: 0x4,
  REMOTE_SIZE: 0x8,
  REMOTE_ATTRIBUTES: 0x10,
  REMOTE_TIME: 0x20,
});

/** OFFLINEFILES_EVENTS: the number of each event (an event object's `id`). */
export const Events = Object.freeze({
  CACHEMOVED: 0x0,
  CACHEISFULL: 0x1,
  CACHEISCORRUPTED: 0x2,
  ENABLED: 0x3,
  ENCRYPTIONCHANGED: 0x4,
  SYNCBEGIN: 0x5,
  SYNCFILERESULT: 0x6,
  SYNCCONFLICTRECADDED: 0x7,
  SYNCCONFLICTRECUPDATED: 0x8,
  SYNCCONFLICTRECREMOVED: 0x9,
  SYNCEND: 0xa,
  BACKGROUNDSYNCBEGIN: 0xb,
  BACKGROUNDSYNCEND: 0xc,
  NETTRANSPORTARRIVED: 0xd,
  NONETTRANSPORTS: 0xe,
  ITEMDISCONNECTED: 0xf,
  ITEMRECONNECTED: 0x10,
  ITEMAVAILABLEOFFLINE: 0x11,
  ITEMNOTAVAILABLEOFFLINE: 0x12,
  ITEMPINNED: 0x13,
  ITEMNOTPINNED: 0x14,
  ITEMMODIFIED: 0x15,
  ITEMADDEDTOCACHE: 0x16,
  ITEMDELETEDFROMCACHE: 0x17,
  ITEMRENAMED: 0x18,
  DATALOST: 0x19,
  PING: 0x1a,
  ITEMRECONNECTBEGIN: 0x1b,
  ITEMRECONNECTEND: 0x1c,
  CACHEEVICTBEGIN: 0x1d,
  CACHEEVICTEND: 0x1e,
  POLICYCHANGEDETECTED: 0x1f,
  PREFERENCECHANGEDETECTED: 0x20,
  SETTINGSCHANGESAPPLIED: 0x21,
  TRANSPARENTCACHEITEMNOTIFY: 0x22,
  PREFETCHFILEBEGIN: 0x23,
  PREFETCHFILEEND: 0x24,
  PREFETCHCLOSEHANDLEBEGIN: 0x25,
  PREFETCHCLOSEHANDLEEND: 0x26,
  NUM_EVENTS: 0x27,
});

/** OFFLINEFILES_ITEM_TYPE. */
export const ItemType = Object.freeze({
  FILE: 0x0,
  DIRECTORY: 0x1,
  SHARE: 0x2,
  SERVER: 0x3,
});

/** OFFLINEFILES_CONNECT_STATE: a share's connect state. */
export const ConnectState = Object.freeze({
  UNKNOWN: 0x0,
  OFFLINE: 0x1,
  ONLINE: 0x2,
  TRANSPARENTLY_CACHED: 0x3,
  PARTLY_TRANSPARENTLY_CACHED: 0x4,
});

/** OFFLINEFILES_OFFLINE_REASON: why a share is offline. */
export const OfflineReason = Object.freeze({
  UNKNOWN: 0x0,
  NOT_APPLICABLE: 0x1,
  CONNECTION_FORCED: 0x2,
  CONNECTION_SLOW: 0x3,
  CONNECTION_ERROR: 0x4,
  ITEM_VERSION_CONFLICT: 0x5,
  ITEM_SUSPENDED: 0x6,
});

/** OFFLINEFILES_PATHFILTER_MATCH: which items relative to a filter's path pass it. */
export const PathFilter = Object.freeze({
  SELF: 0x0,
  CHILD: 0x1,
  DESCENDENT: 0x2,
  SELFORCHILD: 0x3,
  SELFORDESCENDENT: 0x4,
});

/** OFFLINEFILES_OP_RESPONSE: what a progress callback answers (or 'continue' | 'retry' | 'abort'). */
export const OpResponse = Object.freeze({
  CONTINUE: 0x0,
  RETRY: 0x1,
  ABORT: 0x2,
});

/** The HRESULTs results carry (unsigned): S_OK, and the Win32 errors the engine reports as HRESULT_FROM_WIN32. */
export const HResult = Object.freeze({
  S_OK: 0x0,
  S_FALSE: 0x1,
  E_FAIL: 0x80004005,
  E_INVALIDARG: 0x80070057,
  ERROR_FILE_NOT_FOUND: 0x80070002,
  ERROR_PATH_NOT_FOUND: 0x80070003,
  ERROR_ACCESS_DENIED: 0x80070005,
  ERROR_INVALID_DATA: 0x8007000d,
  ERROR_UNEXP_NET_ERR: 0x8007003b,
  ERROR_FILE_EXISTS: 0x80070050,
  ERROR_DISK_FULL: 0x80070070,
  ERROR_DIR_NOT_EMPTY: 0x80070091,
  ERROR_BUSY: 0x800700aa,
  ERROR_MORE_DATA: 0x800700ea,
  ERROR_CANCELLED: 0x800704c7,
  ERROR_RETRY: 0x800704d5,
  ERROR_REQUEST_REFUSED: 0x800710e0,
});
