// Pages of one origin working on one cache: locks (Web Locks API), one leader at a time, events
// passed to every page (BroadcastChannel), and the browser's wake-up signals. Used by
// `tabs.rs`; plain functions so that the Rust side stays small.

const locks = () => globalThis.navigator?.locks;

/**
 * Waits for the exclusive lock `name` and resolves to a function that releases it. Requests
 * queue in order across every page of the origin. Without Web Locks (an old browser, a
 * worker without them) there is only this page: the lock is granted at once.
 */
export function acquire(name) {
  const manager = locks();
  if (!manager) return Promise.resolve(() => {});
  return new Promise((granted, failed) => {
    manager
      .request(name, { mode: 'exclusive' }, () => new Promise((release) => granted(release)))
      .catch(failed);
  });
}

/**
 * Asks to lead: `onLead` runs once this page holds the lock `name`, which it keeps until the
 * returned function is called or the page goes away; then the next page waiting takes over.
 */
export function lead(name, onLead) {
  let release = () => {};
  const held = new Promise((resolve) => {
    release = resolve;
  });
  const manager = locks();
  if (!manager) {
    queueMicrotask(onLead);
  } else {
    manager
      .request(name, { mode: 'exclusive' }, () => {
        onLead();
        return held;
      })
      .catch((e) => console.warn('offline-files: background sync leadership was refused:', e));
  }
  return () => release();
}

/** A BroadcastChannel delivering each message's data to `onMessage`; null without one. */
export function channel(name, onMessage) {
  if (typeof BroadcastChannel !== 'function') return null;
  const c = new BroadcastChannel(name);
  c.onmessage = (e) => onMessage(e.data);
  return c;
}

/** Calls `onWake` when the browser comes back online or a hidden page becomes visible. */
export function watchWake(onWake) {
  const online = () => onWake();
  const visible = () => {
    if (document.visibilityState === 'visible') onWake();
  };
  globalThis.addEventListener?.('online', online);
  globalThis.document?.addEventListener('visibilitychange', visible);
  return () => {
    globalThis.removeEventListener?.('online', online);
    globalThis.document?.removeEventListener('visibilitychange', visible);
  };
}

/**
 * Holds the shared lock `name` until the returned function is called or the page goes away:
 * how a page marks an item open (an editor) for every page of the origin.
 */
export function hold(name) {
  let release = () => {};
  const held = new Promise((resolve) => {
    release = resolve;
  });
  locks()
    ?.request(name, { mode: 'shared' }, () => held)
    .catch((e) => console.warn('offline-files: an open-item mark was refused:', e));
  return () => release();
}

/** The names of the locks held now, in any page of the origin, that start with `prefix`. */
export async function heldWithPrefix(prefix) {
  const manager = locks();
  if (!manager) return [];
  const { held = [] } = await manager.query();
  return held.map((l) => l.name).filter((n) => typeof n === 'string' && n.startsWith(prefix));
}
