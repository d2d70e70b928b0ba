// The types of the npm package `offline-files`.

// The generated module's declarations are types here, except the class index.js exports:
// its loader functions (initSync, the default init) and BackgroundSync's constructor are not
// part of the package.
export type * from './csc_wasm.js';
export { OfflineFilesCache } from './csc_wasm.js';
export * from './constants.js';

import type { EventOf, EventType, ListenerOptions } from './csc_wasm.js';

// A listener of one event type gets that type's event, with its own fields.
declare module './csc_wasm.js' {
  interface OfflineFilesCache {
    addEventListener<K extends EventType | '*'>(
      type: K,
      listener: (event: EventOf<K>) => void,
      options?: ListenerOptions,
    ): void;
  }
}

/** The codes an `OfflineFilesError` carries. */
export type ErrorCode =
  | 'InvalidArgument' | 'NotFound' | 'Busy' | 'Cancelled' | 'Network' | 'Auth'
  | 'PreconditionFailed' | 'Conflict' | 'QuotaExceeded' | 'MassDeleteBlocked' | 'CacheFailed'
  | 'CacheCorrupt' | 'Protocol' | 'Refused' | 'Retry' | 'Closed';

/**
 * The errors of the cache. A cancelled operation's error has `name` `'AbortError'` and code
 * `'Cancelled'`; its `items` are the results of the items finished before, and, when the
 * operation's `signal` stopped it, its `cause` is the signal's reason.
 */
export declare class OfflineFilesError extends Error {
  constructor(message: string, code: ErrorCode);
  readonly code: ErrorCode;
  /** The Windows HRESULT (unsigned). */
  readonly hresult?: number;
  /** The share the error is about. */
  readonly share?: string;
  /** The item the error is about. */
  readonly path?: string;
  /** Per-item results of an operation that stopped part way. */
  readonly items?: import('./csc_wasm.js').ItemResult[];
}

/**
 * Loads the engine's wasm once (`OfflineFilesCache.open` does it). Pass a URL, Response or
 * WebAssembly.Module to load it from elsewhere than beside this file.
 */
export declare function load(wasm?: string | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;
