// An app written against the package's types: it must type-check (tsc) and build (Vite), and
// the built page must load the wasm and use the cache offline.
import {
  OfflineFilesCache,
  OfflineFilesError,
  SyncControl,
  SyncState,
  type BackgroundSync,
  type Item,
  type OfflineFilesEvent,
  type SyncOptions,
} from 'offline-files';
import * as pkg from 'offline-files';

// What index.js does not export is no value to the types either (tsc fails if this line
// becomes valid).
// @ts-expect-error initSync is the generated module's, not the package's
void pkg.initSync;

const status = document.getElementById('status')!;

async function main(): Promise<string> {
  const cache = await OfflineFilesCache.open({
    name: 'vite-app',
    // Nothing listens there: everything below works offline.
    shares: [{ url: 'http://127.0.0.1:9/dav/', auth: { bearer: 'token' } }],
  });
  const events: OfflineFilesEvent[] = [];
  cache.addEventListener('*', (e) => events.push(e));
  // A listener of one type gets that type's fields, not optional ones.
  const results: string[] = [];
  cache.addEventListener('syncFileResult', (e) => {
    const path: string = e.path;
    const ok: boolean = e.ok;
    results.push(`${path} ${ok}`);
  });
  cache.addEventListener('*', (e) => {
    if (e.type === 'syncConflictRecAdded') {
      const state: number = e.state;
      results.push(`${e.path} ${state}`);
    }
  });
  await cache.createDirectory('notes');
  await cache.writeFile('notes/today.txt', 'written offline');
  const text = new TextDecoder().decode(await cache.readFile('notes/today.txt'));
  const item: Item | null = await cache.findItem('notes/today.txt');
  const options: SyncOptions = { flags: SyncControl.SYNCIN | SyncControl.SYNCOUT };
  let code = '';
  try {
    await cache.synchronize('notes', options);
  } catch (e) {
    if (e instanceof OfflineFilesError) code = e.code;
  }
  const background: BackgroundSync = cache.backgroundSync;
  const leads: boolean = background.isLeader;
  void leads;
  cache.close();
  const stable: number = SyncState.Stable;
  return `${text}|${item?.dirty}|${code}|${stable}`;
}

main().then(
  (result) => {
    status.textContent = result;
  },
  (e) => {
    status.textContent = `failed: ${e}`;
  },
);
