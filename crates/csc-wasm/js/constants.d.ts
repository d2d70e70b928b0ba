// Generated from csc-core's Windows tables (crates/csc-core/src/win.rs) by
// crates/csc-wasm/src/constants.rs: do not edit; run `UPDATE_CONSTANTS=1 cargo test -p csc-wasm`.

/** Synchronize's dwSyncControl: OFFLINEFILES_SYNC_CONTROL_FLAG_* bits, and one CR_* conflict policy (0x0, 0x10000000, 0x20000000 or 0x30000000) or-ed in. */
export declare const SyncControl: {
  /** `OFFLINEFILES_SYNC_CONTROL_FLAG_FILLSPARSE` = 0x1 */
  readonly FILLSPARSE: 1;
  /** `OFFLINEFILES_SYNC_CONTROL_FLAG_SYNCIN` = 0x2 */
  readonly SYNCIN: 2;
  /** `OFFLINEFILES_SYNC_CONTROL_FLAG_SYNCOUT` = 0x4 */
  readonly SYNCOUT: 4;
  /** `OFFLINEFILES_SYNC_CONTROL_FLAG_PINNEWFILES` = 0x8 */
  readonly PINNEWFILES: 8;
  /** `OFFLINEFILES_SYNC_CONTROL_FLAG_PINLINKTARGETS` = 0x10 */
  readonly PINLINKTARGETS: 16;
  /** `OFFLINEFILES_SYNC_CONTROL_FLAG_PINFORUSER` = 0x20 */
  readonly PINFORUSER: 32;
  /** `OFFLINEFILES_SYNC_CONTROL_FLAG_PINFORUSER_POLICY` = 0x40 */
  readonly PINFORUSER_POLICY: 64;
  /** `OFFLINEFILES_SYNC_CONTROL_FLAG_PINFORALL` = 0x80 */
  readonly PINFORALL: 128;
  /** `OFFLINEFILES_SYNC_CONTROL_FLAG_PINFORREDIR` = 0x100 */
  readonly PINFORREDIR: 256;
  /** `OFFLINEFILES_SYNC_CONTROL_FLAG_LOWPRIORITY` = 0x200 */
  readonly LOWPRIORITY: 512;
  /** `OFFLINEFILES_SYNC_CONTROL_FLAG_ASYNCPROGRESS` = 0x400 */
  readonly ASYNCPROGRESS: 1024;
  /** `OFFLINEFILES_SYNC_CONTROL_FLAG_INTERACTIVE` = 0x800 */
  readonly INTERACTIVE: 2048;
  /** `OFFLINEFILES_SYNC_CONTROL_FLAG_CONSOLE` = 0x1000 */
  readonly CONSOLE: 4096;
  /** `OFFLINEFILES_SYNC_CONTROL_FLAG_SKIPSUSPENDEDDIRS` = 0x2000 */
  readonly SKIPSUSPENDEDDIRS: 8192;
  /** `OFFLINEFILES_SYNC_CONTROL_FLAG_BACKGROUND` = 0x10000 */
  readonly BACKGROUND: 65536;
  /** `OFFLINEFILES_SYNC_CONTROL_FLAG_NONEWFILESOUT` = 0x20000 */
  readonly NONEWFILESOUT: 131072;
  /** `OFFLINEFILES_SYNC_CONTROL_CR_DEFAULT` = 0x0 */
  readonly CR_DEFAULT: 0;
  /** `OFFLINEFILES_SYNC_CONTROL_CR_KEEPLOCAL` = 0x10000000 */
  readonly CR_KEEPLOCAL: 268435456;
  /** `OFFLINEFILES_SYNC_CONTROL_CR_KEEPREMOTE` = 0x20000000 */
  readonly CR_KEEPREMOTE: 536870912;
  /** `OFFLINEFILES_SYNC_CONTROL_CR_KEEPLATEST` = 0x30000000 */
  readonly CR_KEEPLATEST: 805306368;
};

/** OFFLINEFILES_SYNC_STATE: how a sync classified an item from its local, server and original copies. */
export declare const SyncState: {
  /** `OFFLINEFILES_SYNC_STATE_Stable` = 0x0 */
  readonly Stable: 0;
  /** `OFFLINEFILES_SYNC_STATE_FileOnClient_DirOnServer` = 0x1 */
  readonly FileOnClient_DirOnServer: 1;
  /** `OFFLINEFILES_SYNC_STATE_FileOnClient_NoServerCopy` = 0x2 */
  readonly FileOnClient_NoServerCopy: 2;
  /** `OFFLINEFILES_SYNC_STATE_DirOnClient_FileOnServer` = 0x3 */
  readonly DirOnClient_FileOnServer: 3;
  /** `OFFLINEFILES_SYNC_STATE_DirOnClient_FileChangedOnServer` = 0x4 */
  readonly DirOnClient_FileChangedOnServer: 4;
  /** `OFFLINEFILES_SYNC_STATE_DirOnClient_NoServerCopy` = 0x5 */
  readonly DirOnClient_NoServerCopy: 5;
  /** `OFFLINEFILES_SYNC_STATE_FileCreatedOnClient_NoServerCopy` = 0x6 */
  readonly FileCreatedOnClient_NoServerCopy: 6;
  /** `OFFLINEFILES_SYNC_STATE_FileCreatedOnClient_FileChangedOnServer` = 0x7 */
  readonly FileCreatedOnClient_FileChangedOnServer: 7;
  /** `OFFLINEFILES_SYNC_STATE_FileCreatedOnClient_DirChangedOnServer` = 0x8 */
  readonly FileCreatedOnClient_DirChangedOnServer: 8;
  /** `OFFLINEFILES_SYNC_STATE_FileCreatedOnClient_FileOnServer` = 0x9 */
  readonly FileCreatedOnClient_FileOnServer: 9;
  /** `OFFLINEFILES_SYNC_STATE_FileCreatedOnClient_DirOnServer` = 0xa */
  readonly FileCreatedOnClient_DirOnServer: 10;
  /** `OFFLINEFILES_SYNC_STATE_FileCreatedOnClient_DeletedOnServer` = 0xb */
  readonly FileCreatedOnClient_DeletedOnServer: 11;
  /** `OFFLINEFILES_SYNC_STATE_FileChangedOnClient_ChangedOnServer` = 0xc */
  readonly FileChangedOnClient_ChangedOnServer: 12;
  /** `OFFLINEFILES_SYNC_STATE_FileChangedOnClient_DirOnServer` = 0xd */
  readonly FileChangedOnClient_DirOnServer: 13;
  /** `OFFLINEFILES_SYNC_STATE_FileChangedOnClient_DirChangedOnServer` = 0xe */
  readonly FileChangedOnClient_DirChangedOnServer: 14;
  /** `OFFLINEFILES_SYNC_STATE_FileChangedOnClient_DeletedOnServer` = 0xf */
  readonly FileChangedOnClient_DeletedOnServer: 15;
  /** `OFFLINEFILES_SYNC_STATE_FileSparseOnClient_ChangedOnServer` = 0x10 */
  readonly FileSparseOnClient_ChangedOnServer: 16;
  /** `OFFLINEFILES_SYNC_STATE_FileSparseOnClient_DeletedOnServer` = 0x11 */
  readonly FileSparseOnClient_DeletedOnServer: 17;
  /** `OFFLINEFILES_SYNC_STATE_FileSparseOnClient_DirOnServer` = 0x12 */
  readonly FileSparseOnClient_DirOnServer: 18;
  /** `OFFLINEFILES_SYNC_STATE_FileSparseOnClient_DirChangedOnServer` = 0x13 */
  readonly FileSparseOnClient_DirChangedOnServer: 19;
  /** `OFFLINEFILES_SYNC_STATE_DirCreatedOnClient_NoServerCopy` = 0x14 */
  readonly DirCreatedOnClient_NoServerCopy: 20;
  /** `OFFLINEFILES_SYNC_STATE_DirCreatedOnClient_DirOnServer` = 0x15 */
  readonly DirCreatedOnClient_DirOnServer: 21;
  /** `OFFLINEFILES_SYNC_STATE_DirCreatedOnClient_FileOnServer` = 0x16 */
  readonly DirCreatedOnClient_FileOnServer: 22;
  /** `OFFLINEFILES_SYNC_STATE_DirCreatedOnClient_FileChangedOnServer` = 0x17 */
  readonly DirCreatedOnClient_FileChangedOnServer: 23;
  /** `OFFLINEFILES_SYNC_STATE_DirCreatedOnClient_DirChangedOnServer` = 0x18 */
  readonly DirCreatedOnClient_DirChangedOnServer: 24;
  /** `OFFLINEFILES_SYNC_STATE_DirCreatedOnClient_DeletedOnServer` = 0x19 */
  readonly DirCreatedOnClient_DeletedOnServer: 25;
  /** `OFFLINEFILES_SYNC_STATE_DirChangedOnClient_FileOnServer` = 0x1a */
  readonly DirChangedOnClient_FileOnServer: 26;
  /** `OFFLINEFILES_SYNC_STATE_DirChangedOnClient_FileChangedOnServer` = 0x1b */
  readonly DirChangedOnClient_FileChangedOnServer: 27;
  /** `OFFLINEFILES_SYNC_STATE_DirChangedOnClient_ChangedOnServer` = 0x1c */
  readonly DirChangedOnClient_ChangedOnServer: 28;
  /** `OFFLINEFILES_SYNC_STATE_DirChangedOnClient_DeletedOnServer` = 0x1d */
  readonly DirChangedOnClient_DeletedOnServer: 29;
  /** `OFFLINEFILES_SYNC_STATE_NoClientCopy_FileOnServer` = 0x1e */
  readonly NoClientCopy_FileOnServer: 30;
  /** `OFFLINEFILES_SYNC_STATE_NoClientCopy_DirOnServer` = 0x1f */
  readonly NoClientCopy_DirOnServer: 31;
  /** `OFFLINEFILES_SYNC_STATE_NoClientCopy_FileChangedOnServer` = 0x20 */
  readonly NoClientCopy_FileChangedOnServer: 32;
  /** `OFFLINEFILES_SYNC_STATE_NoClientCopy_DirChangedOnServer` = 0x21 */
  readonly NoClientCopy_DirChangedOnServer: 33;
  /** `OFFLINEFILES_SYNC_STATE_DeletedOnClient_FileOnServer` = 0x22 */
  readonly DeletedOnClient_FileOnServer: 34;
  /** `OFFLINEFILES_SYNC_STATE_DeletedOnClient_DirOnServer` = 0x23 */
  readonly DeletedOnClient_DirOnServer: 35;
  /** `OFFLINEFILES_SYNC_STATE_DeletedOnClient_FileChangedOnServer` = 0x24 */
  readonly DeletedOnClient_FileChangedOnServer: 36;
  /** `OFFLINEFILES_SYNC_STATE_DeletedOnClient_DirChangedOnServer` = 0x25 */
  readonly DeletedOnClient_DirChangedOnServer: 37;
  /** `OFFLINEFILES_SYNC_STATE_FileSparseOnClient` = 0x26 */
  readonly FileSparseOnClient: 38;
  /** `OFFLINEFILES_SYNC_STATE_FileChangedOnClient` = 0x27 */
  readonly FileChangedOnClient: 39;
  /** `OFFLINEFILES_SYNC_STATE_FileRenamedOnClient` = 0x28 */
  readonly FileRenamedOnClient: 40;
  /** `OFFLINEFILES_SYNC_STATE_DirSparseOnClient` = 0x29 */
  readonly DirSparseOnClient: 41;
  /** `OFFLINEFILES_SYNC_STATE_DirChangedOnClient` = 0x2a */
  readonly DirChangedOnClient: 42;
  /** `OFFLINEFILES_SYNC_STATE_DirRenamedOnClient` = 0x2b */
  readonly DirRenamedOnClient: 43;
  /** `OFFLINEFILES_SYNC_STATE_FileChangedOnServer` = 0x2c */
  readonly FileChangedOnServer: 44;
  /** `OFFLINEFILES_SYNC_STATE_FileRenamedOnServer` = 0x2d */
  readonly FileRenamedOnServer: 45;
  /** `OFFLINEFILES_SYNC_STATE_FileDeletedOnServer` = 0x2e */
  readonly FileDeletedOnServer: 46;
  /** `OFFLINEFILES_SYNC_STATE_DirChangedOnServer` = 0x2f */
  readonly DirChangedOnServer: 47;
  /** `OFFLINEFILES_SYNC_STATE_DirRenamedOnServer` = 0x30 */
  readonly DirRenamedOnServer: 48;
  /** `OFFLINEFILES_SYNC_STATE_DirDeletedOnServer` = 0x31 */
  readonly DirDeletedOnServer: 49;
  /** `OFFLINEFILES_SYNC_STATE_FileReplacedAndDeletedOnClient_FileOnServer` = 0x32 */
  readonly FileReplacedAndDeletedOnClient_FileOnServer: 50;
  /** `OFFLINEFILES_SYNC_STATE_FileReplacedAndDeletedOnClient_FileChangedOnServer` = 0x33 */
  readonly FileReplacedAndDeletedOnClient_FileChangedOnServer: 51;
  /** `OFFLINEFILES_SYNC_STATE_FileReplacedAndDeletedOnClient_DirOnServer` = 0x34 */
  readonly FileReplacedAndDeletedOnClient_DirOnServer: 52;
  /** `OFFLINEFILES_SYNC_STATE_FileReplacedAndDeletedOnClient_DirChangedOnServer` = 0x35 */
  readonly FileReplacedAndDeletedOnClient_DirChangedOnServer: 53;
  /** `OFFLINEFILES_SYNC_STATE_NUMSTATES` = 0x36 */
  readonly NUMSTATES: 54;
  /** `CSC_SYNC_STATE_NameCollision` = 0x100 */
  readonly NameCollision: 256;
};

/** OFFLINEFILES_SYNC_CONFLICT_RESOLVE: a conflict handler's answer. */
export declare const ConflictResolve: {
  /** `OFFLINEFILES_SYNC_CONFLICT_RESOLVE_NONE` = 0x0 */
  readonly NONE: 0;
  /** `OFFLINEFILES_SYNC_CONFLICT_RESOLVE_KEEPLOCAL` = 0x1 */
  readonly KEEPLOCAL: 1;
  /** `OFFLINEFILES_SYNC_CONFLICT_RESOLVE_KEEPREMOTE` = 0x2 */
  readonly KEEPREMOTE: 2;
  /** `OFFLINEFILES_SYNC_CONFLICT_RESOLVE_KEEPALLCHANGES` = 0x3 */
  readonly KEEPALLCHANGES: 3;
  /** `OFFLINEFILES_SYNC_CONFLICT_RESOLVE_KEEPLATEST` = 0x4 */
  readonly KEEPLATEST: 4;
  /** `OFFLINEFILES_SYNC_CONFLICT_RESOLVE_LOG` = 0x5 */
  readonly LOG: 5;
  /** `OFFLINEFILES_SYNC_CONFLICT_RESOLVE_SKIP` = 0x6 */
  readonly SKIP: 6;
  /** `OFFLINEFILES_SYNC_CONFLICT_ABORT` = 0x7 */
  readonly ABORT: 7;
  /** `OFFLINEFILES_SYNC_CONFLICT_RESOLVE_NUMCODES` = 0x8 */
  readonly NUMCODES: 8;
};

/** OFFLINEFILES_SYNC_OPERATION: what a sync did, or tried to do, with an item. */
export declare const SyncOperation: {
  /** `OFFLINEFILES_SYNC_OPERATION_CREATE_COPY_ON_SERVER` = 0x0 */
  readonly CREATE_COPY_ON_SERVER: 0;
  /** `OFFLINEFILES_SYNC_OPERATION_CREATE_COPY_ON_CLIENT` = 0x1 */
  readonly CREATE_COPY_ON_CLIENT: 1;
  /** `OFFLINEFILES_SYNC_OPERATION_SYNC_TO_SERVER` = 0x2 */
  readonly SYNC_TO_SERVER: 2;
  /** `OFFLINEFILES_SYNC_OPERATION_SYNC_TO_CLIENT` = 0x3 */
  readonly SYNC_TO_CLIENT: 3;
  /** `OFFLINEFILES_SYNC_OPERATION_DELETE_SERVER_COPY` = 0x4 */
  readonly DELETE_SERVER_COPY: 4;
  /** `OFFLINEFILES_SYNC_OPERATION_DELETE_CLIENT_COPY` = 0x5 */
  readonly DELETE_CLIENT_COPY: 5;
  /** `OFFLINEFILES_SYNC_OPERATION_PIN` = 0x6 */
  readonly PIN: 6;
  /** `OFFLINEFILES_SYNC_OPERATION_PREPARE` = 0x7 */
  readonly PREPARE: 7;
};

/** Pin / Unpin's dwPinControlFlags (OFFLINEFILES_PIN_CONTROL_FLAG_*). */
export declare const PinControl: {
  /** `OFFLINEFILES_PIN_CONTROL_FLAG_FILL` = 0x1 */
  readonly FILL: 1;
  /** `OFFLINEFILES_PIN_CONTROL_FLAG_PINLINKTARGETS` = 0x10 */
  readonly PINLINKTARGETS: 16;
  /** `OFFLINEFILES_PIN_CONTROL_FLAG_FORUSER` = 0x20 */
  readonly FORUSER: 32;
  /** `OFFLINEFILES_PIN_CONTROL_FLAG_FORUSER_POLICY` = 0x40 */
  readonly FORUSER_POLICY: 64;
  /** `OFFLINEFILES_PIN_CONTROL_FLAG_FORALL` = 0x80 */
  readonly FORALL: 128;
  /** `OFFLINEFILES_PIN_CONTROL_FLAG_FORREDIR` = 0x100 */
  readonly FORREDIR: 256;
  /** `OFFLINEFILES_PIN_CONTROL_FLAG_LOWPRIORITY` = 0x200 */
  readonly LOWPRIORITY: 512;
  /** `OFFLINEFILES_PIN_CONTROL_FLAG_ASYNCPROGRESS` = 0x400 */
  readonly ASYNCPROGRESS: 1024;
  /** `OFFLINEFILES_PIN_CONTROL_FLAG_INTERACTIVE` = 0x800 */
  readonly INTERACTIVE: 2048;
  /** `OFFLINEFILES_PIN_CONTROL_FLAG_CONSOLE` = 0x1000 */
  readonly CONSOLE: 4096;
  /** `OFFLINEFILES_PIN_CONTROL_FLAG_BACKGROUND` = 0x10000 */
  readonly BACKGROUND: 65536;
};

/** DeleteItems' dwFlags (OFFLINEFILES_DELETE_FLAG_*). */
export declare const DeleteControl: {
  /** `OFFLINEFILES_DELETE_FLAG_NOAUTOCACHED` = 0x1 */
  readonly NOAUTOCACHED: 1;
  /** `OFFLINEFILES_DELETE_FLAG_NOPINNED` = 0x2 */
  readonly NOPINNED: 2;
  /** `OFFLINEFILES_DELETE_FLAG_DELMODIFIED` = 0x4 */
  readonly DELMODIFIED: 4;
  /** `OFFLINEFILES_DELETE_FLAG_ADMIN` = 0x80000000 */
  readonly ADMIN: 2147483648;
};

/** EnumItemsEx's dwEnumFlags (OFFLINEFILES_ENUM_*). */
export declare const EnumControl: {
  /** `OFFLINEFILES_ENUM_FLAT` = 0x1 */
  readonly FLAT: 1;
  /** `OFFLINEFILES_ENUM_FLAT_FILESONLY` = 0x2 */
  readonly FLAT_FILESONLY: 2;
};

/** OFFLINEFILES_ITEM_FILTER_FLAG_*: an item's conditions, for enumItems' filter. */
export declare const ItemFilter: {
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_MODIFIED_DATA` = 0x1 */
  readonly MODIFIED_DATA: 1;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_MODIFIED_ATTRIBUTES` = 0x2 */
  readonly MODIFIED_ATTRIBUTES: 2;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_MODIFIED` = 0x4 */
  readonly MODIFIED: 4;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_CREATED` = 0x8 */
  readonly CREATED: 8;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_DELETED` = 0x10 */
  readonly DELETED: 16;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_DIRTY` = 0x20 */
  readonly DIRTY: 32;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_SPARSE` = 0x40 */
  readonly SPARSE: 64;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_FILE` = 0x80 */
  readonly FILE: 128;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_DIRECTORY` = 0x100 */
  readonly DIRECTORY: 256;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_PINNED_USER` = 0x200 */
  readonly PINNED_USER: 512;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_PINNED_OTHERS` = 0x400 */
  readonly PINNED_OTHERS: 1024;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_PINNED_COMPUTER` = 0x800 */
  readonly PINNED_COMPUTER: 2048;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_PINNED` = 0x1000 */
  readonly PINNED: 4096;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_GHOST` = 0x2000 */
  readonly GHOST: 8192;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_SUSPENDED` = 0x4000 */
  readonly SUSPENDED: 16384;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_OFFLINE` = 0x8000 */
  readonly OFFLINE: 32768;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_ONLINE` = 0x10000 */
  readonly ONLINE: 65536;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_USER_WRITE` = 0x20000 */
  readonly USER_WRITE: 131072;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_USER_READ` = 0x40000 */
  readonly USER_READ: 262144;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_USER_ANYACCESS` = 0x80000 */
  readonly USER_ANYACCESS: 524288;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_OTHER_WRITE` = 0x100000 */
  readonly OTHER_WRITE: 1048576;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_OTHER_READ` = 0x200000 */
  readonly OTHER_READ: 2097152;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_OTHER_ANYACCESS` = 0x400000 */
  readonly OTHER_ANYACCESS: 4194304;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_GUEST_WRITE` = 0x800000 */
  readonly GUEST_WRITE: 8388608;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_GUEST_READ` = 0x1000000 */
  readonly GUEST_READ: 16777216;
  /** `OFFLINEFILES_ITEM_FILTER_FLAG_GUEST_ANYACCESS` = 0x2000000 */
  readonly GUEST_ANYACCESS: 33554432;
};

/** OFFLINEFILES_CHANGES_*: what changed on each side of a conflict. */
export declare const ChangeDetails: {
  /** `OFFLINEFILES_CHANGES_LOCAL_SIZE` = 0x1 */
  readonly LOCAL_SIZE: 1;
  /** `OFFLINEFILES_CHANGES_LOCAL_ATTRIBUTES` = 0x2 */
  readonly LOCAL_ATTRIBUTES: 2;
  /** `OFFLINEFILES_CHANGES_LOCAL_TIME` = 0x4 */
  readonly LOCAL_TIME: 4;
  /** `OFFLINEFILES_CHANGES_REMOTE_SIZE` = 0x8 */
  readonly REMOTE_SIZE: 8;
  /** `OFFLINEFILES_CHANGES_REMOTE_ATTRIBUTES` = 0x10 */
  readonly REMOTE_ATTRIBUTES: 16;
  /** `OFFLINEFILES_CHANGES_REMOTE_TIME` = 0x20 */
  readonly REMOTE_TIME: 32;
};

/** OFFLINEFILES_EVENTS: the number of each event (an event object's `id`). */
export declare const Events: {
  /** `OFFLINEFILES_EVENT_CACHEMOVED` = 0x0 */
  readonly CACHEMOVED: 0;
  /** `OFFLINEFILES_EVENT_CACHEISFULL` = 0x1 */
  readonly CACHEISFULL: 1;
  /** `OFFLINEFILES_EVENT_CACHEISCORRUPTED` = 0x2 */
  readonly CACHEISCORRUPTED: 2;
  /** `OFFLINEFILES_EVENT_ENABLED` = 0x3 */
  readonly ENABLED: 3;
  /** `OFFLINEFILES_EVENT_ENCRYPTIONCHANGED` = 0x4 */
  readonly ENCRYPTIONCHANGED: 4;
  /** `OFFLINEFILES_EVENT_SYNCBEGIN` = 0x5 */
  readonly SYNCBEGIN: 5;
  /** `OFFLINEFILES_EVENT_SYNCFILERESULT` = 0x6 */
  readonly SYNCFILERESULT: 6;
  /** `OFFLINEFILES_EVENT_SYNCCONFLICTRECADDED` = 0x7 */
  readonly SYNCCONFLICTRECADDED: 7;
  /** `OFFLINEFILES_EVENT_SYNCCONFLICTRECUPDATED` = 0x8 */
  readonly SYNCCONFLICTRECUPDATED: 8;
  /** `OFFLINEFILES_EVENT_SYNCCONFLICTRECREMOVED` = 0x9 */
  readonly SYNCCONFLICTRECREMOVED: 9;
  /** `OFFLINEFILES_EVENT_SYNCEND` = 0xa */
  readonly SYNCEND: 10;
  /** `OFFLINEFILES_EVENT_BACKGROUNDSYNCBEGIN` = 0xb */
  readonly BACKGROUNDSYNCBEGIN: 11;
  /** `OFFLINEFILES_EVENT_BACKGROUNDSYNCEND` = 0xc */
  readonly BACKGROUNDSYNCEND: 12;
  /** `OFFLINEFILES_EVENT_NETTRANSPORTARRIVED` = 0xd */
  readonly NETTRANSPORTARRIVED: 13;
  /** `OFFLINEFILES_EVENT_NONETTRANSPORTS` = 0xe */
  readonly NONETTRANSPORTS: 14;
  /** `OFFLINEFILES_EVENT_ITEMDISCONNECTED` = 0xf */
  readonly ITEMDISCONNECTED: 15;
  /** `OFFLINEFILES_EVENT_ITEMRECONNECTED` = 0x10 */
  readonly ITEMRECONNECTED: 16;
  /** `OFFLINEFILES_EVENT_ITEMAVAILABLEOFFLINE` = 0x11 */
  readonly ITEMAVAILABLEOFFLINE: 17;
  /** `OFFLINEFILES_EVENT_ITEMNOTAVAILABLEOFFLINE` = 0x12 */
  readonly ITEMNOTAVAILABLEOFFLINE: 18;
  /** `OFFLINEFILES_EVENT_ITEMPINNED` = 0x13 */
  readonly ITEMPINNED: 19;
  /** `OFFLINEFILES_EVENT_ITEMNOTPINNED` = 0x14 */
  readonly ITEMNOTPINNED: 20;
  /** `OFFLINEFILES_EVENT_ITEMMODIFIED` = 0x15 */
  readonly ITEMMODIFIED: 21;
  /** `OFFLINEFILES_EVENT_ITEMADDEDTOCACHE` = 0x16 */
  readonly ITEMADDEDTOCACHE: 22;
  /** `OFFLINEFILES_EVENT_ITEMDELETEDFROMCACHE` = 0x17 */
  readonly ITEMDELETEDFROMCACHE: 23;
  /** `OFFLINEFILES_EVENT_ITEMRENAMED` = 0x18 */
  readonly ITEMRENAMED: 24;
  /** `OFFLINEFILES_EVENT_DATALOST` = 0x19 */
  readonly DATALOST: 25;
  /** `OFFLINEFILES_EVENT_PING` = 0x1a */
  readonly PING: 26;
  /** `OFFLINEFILES_EVENT_ITEMRECONNECTBEGIN` = 0x1b */
  readonly ITEMRECONNECTBEGIN: 27;
  /** `OFFLINEFILES_EVENT_ITEMRECONNECTEND` = 0x1c */
  readonly ITEMRECONNECTEND: 28;
  /** `OFFLINEFILES_EVENT_CACHEEVICTBEGIN` = 0x1d */
  readonly CACHEEVICTBEGIN: 29;
  /** `OFFLINEFILES_EVENT_CACHEEVICTEND` = 0x1e */
  readonly CACHEEVICTEND: 30;
  /** `OFFLINEFILES_EVENT_POLICYCHANGEDETECTED` = 0x1f */
  readonly POLICYCHANGEDETECTED: 31;
  /** `OFFLINEFILES_EVENT_PREFERENCECHANGEDETECTED` = 0x20 */
  readonly PREFERENCECHANGEDETECTED: 32;
  /** `OFFLINEFILES_EVENT_SETTINGSCHANGESAPPLIED` = 0x21 */
  readonly SETTINGSCHANGESAPPLIED: 33;
  /** `OFFLINEFILES_EVENT_TRANSPARENTCACHEITEMNOTIFY` = 0x22 */
  readonly TRANSPARENTCACHEITEMNOTIFY: 34;
  /** `OFFLINEFILES_EVENT_PREFETCHFILEBEGIN` = 0x23 */
  readonly PREFETCHFILEBEGIN: 35;
  /** `OFFLINEFILES_EVENT_PREFETCHFILEEND` = 0x24 */
  readonly PREFETCHFILEEND: 36;
  /** `OFFLINEFILES_EVENT_PREFETCHCLOSEHANDLEBEGIN` = 0x25 */
  readonly PREFETCHCLOSEHANDLEBEGIN: 37;
  /** `OFFLINEFILES_EVENT_PREFETCHCLOSEHANDLEEND` = 0x26 */
  readonly PREFETCHCLOSEHANDLEEND: 38;
  /** `OFFLINEFILES_NUM_EVENTS` = 0x27 */
  readonly NUM_EVENTS: 39;
};

/** OFFLINEFILES_ITEM_TYPE. */
export declare const ItemType: {
  /** `OFFLINEFILES_ITEM_TYPE_FILE` = 0x0 */
  readonly FILE: 0;
  /** `OFFLINEFILES_ITEM_TYPE_DIRECTORY` = 0x1 */
  readonly DIRECTORY: 1;
  /** `OFFLINEFILES_ITEM_TYPE_SHARE` = 0x2 */
  readonly SHARE: 2;
  /** `OFFLINEFILES_ITEM_TYPE_SERVER` = 0x3 */
  readonly SERVER: 3;
};

/** OFFLINEFILES_CONNECT_STATE: a share's connect state. */
export declare const ConnectState: {
  /** `OFFLINEFILES_CONNECT_STATE_UNKNOWN` = 0x0 */
  readonly UNKNOWN: 0;
  /** `OFFLINEFILES_CONNECT_STATE_OFFLINE` = 0x1 */
  readonly OFFLINE: 1;
  /** `OFFLINEFILES_CONNECT_STATE_ONLINE` = 0x2 */
  readonly ONLINE: 2;
  /** `OFFLINEFILES_CONNECT_STATE_TRANSPARENTLY_CACHED` = 0x3 */
  readonly TRANSPARENTLY_CACHED: 3;
  /** `OFFLINEFILES_CONNECT_STATE_PARTLY_TRANSPARENTLY_CACHED` = 0x4 */
  readonly PARTLY_TRANSPARENTLY_CACHED: 4;
};

/** OFFLINEFILES_OFFLINE_REASON: why a share is offline. */
export declare const OfflineReason: {
  /** `OFFLINEFILES_OFFLINE_REASON_UNKNOWN` = 0x0 */
  readonly UNKNOWN: 0;
  /** `OFFLINEFILES_OFFLINE_REASON_NOT_APPLICABLE` = 0x1 */
  readonly NOT_APPLICABLE: 1;
  /** `OFFLINEFILES_OFFLINE_REASON_CONNECTION_FORCED` = 0x2 */
  readonly CONNECTION_FORCED: 2;
  /** `OFFLINEFILES_OFFLINE_REASON_CONNECTION_SLOW` = 0x3 */
  readonly CONNECTION_SLOW: 3;
  /** `OFFLINEFILES_OFFLINE_REASON_CONNECTION_ERROR` = 0x4 */
  readonly CONNECTION_ERROR: 4;
  /** `OFFLINEFILES_OFFLINE_REASON_ITEM_VERSION_CONFLICT` = 0x5 */
  readonly ITEM_VERSION_CONFLICT: 5;
  /** `OFFLINEFILES_OFFLINE_REASON_ITEM_SUSPENDED` = 0x6 */
  readonly ITEM_SUSPENDED: 6;
};

/** OFFLINEFILES_PATHFILTER_MATCH: which items relative to a filter's path pass it. */
export declare const PathFilter: {
  /** `OFFLINEFILES_PATHFILTER_SELF` = 0x0 */
  readonly SELF: 0;
  /** `OFFLINEFILES_PATHFILTER_CHILD` = 0x1 */
  readonly CHILD: 1;
  /** `OFFLINEFILES_PATHFILTER_DESCENDENT` = 0x2 */
  readonly DESCENDENT: 2;
  /** `OFFLINEFILES_PATHFILTER_SELFORCHILD` = 0x3 */
  readonly SELFORCHILD: 3;
  /** `OFFLINEFILES_PATHFILTER_SELFORDESCENDENT` = 0x4 */
  readonly SELFORDESCENDENT: 4;
};

/** OFFLINEFILES_OP_RESPONSE: what a progress callback answers (or 'continue' | 'retry' | 'abort'). */
export declare const OpResponse: {
  /** `OFFLINEFILES_OP_CONTINUE` = 0x0 */
  readonly CONTINUE: 0;
  /** `OFFLINEFILES_OP_RETRY` = 0x1 */
  readonly RETRY: 1;
  /** `OFFLINEFILES_OP_ABORT` = 0x2 */
  readonly ABORT: 2;
};

/** The HRESULTs results carry (unsigned): S_OK, and the Win32 errors the engine reports as HRESULT_FROM_WIN32. */
export declare const HResult: {
  /** `S_OK` = 0x0 */
  readonly S_OK: 0;
  /** `S_FALSE` = 0x1 */
  readonly S_FALSE: 1;
  /** `E_FAIL` = 0x80004005 */
  readonly E_FAIL: 2147500037;
  /** `E_INVALIDARG` = 0x80070057 */
  readonly E_INVALIDARG: 2147942487;
  /** `ERROR_FILE_NOT_FOUND` = 0x80070002 */
  readonly ERROR_FILE_NOT_FOUND: 2147942402;
  /** `ERROR_PATH_NOT_FOUND` = 0x80070003 */
  readonly ERROR_PATH_NOT_FOUND: 2147942403;
  /** `ERROR_ACCESS_DENIED` = 0x80070005 */
  readonly ERROR_ACCESS_DENIED: 2147942405;
  /** `ERROR_INVALID_DATA` = 0x8007000d */
  readonly ERROR_INVALID_DATA: 2147942413;
  /** `ERROR_UNEXP_NET_ERR` = 0x8007003b */
  readonly ERROR_UNEXP_NET_ERR: 2147942459;
  /** `ERROR_FILE_EXISTS` = 0x80070050 */
  readonly ERROR_FILE_EXISTS: 2147942480;
  /** `ERROR_DISK_FULL` = 0x80070070 */
  readonly ERROR_DISK_FULL: 2147942512;
  /** `ERROR_DIR_NOT_EMPTY` = 0x80070091 */
  readonly ERROR_DIR_NOT_EMPTY: 2147942545;
  /** `ERROR_BUSY` = 0x800700aa */
  readonly ERROR_BUSY: 2147942570;
  /** `ERROR_MORE_DATA` = 0x800700ea */
  readonly ERROR_MORE_DATA: 2147942634;
  /** `ERROR_CANCELLED` = 0x800704c7 */
  readonly ERROR_CANCELLED: 2147943623;
  /** `ERROR_RETRY` = 0x800704d5 */
  readonly ERROR_RETRY: 2147943637;
  /** `ERROR_REQUEST_REFUSED` = 0x800710e0 */
  readonly ERROR_REQUEST_REFUSED: 2147946720;
};
