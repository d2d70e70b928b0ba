// `cargo xtask bench-package`: the first sync-in of a share of many small files by the npm
// package, against a raw ceiling in the same page, and the request count of a no-op sync.
//
// The engine side: a fresh cache, `pin('data', { deep: true })` of the folder that holds
// every file (100 folders of 100 files for 10,000), then a sync that fills it — the listing,
// then
// every file downloaded and stored. Every fetch the engine makes is recorded (method, URL,
// headers, body) and the number in flight tracked, so the ceiling can replay them.
// The ceiling: plain JavaScript making the same requests (the engine's listing request
// replayed byte for byte, then a GET of every file, at the engine's own concurrency),
// parsing the listing with DOMParser and writing the files to IndexedDB in one transaction
// per batch. The two sides take turns at going first; each side's best round counts.
//
// Environment: PKG_DIR (the built package), CSC_SERVER (a release csc-server), FILES (10000),
// SIZE (1024), ROUNDS (3), BATCH (files per ceiling transaction, 100), PROFILE (a file: the
// first engine round's CPU profile is written there, and its top functions by self time
// printed; build the package with `wasm-pack build --profiling` to see function names).

import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, launchChromium, startCscServer } from '../e2e/server.mjs';

const root = new URL('../../', import.meta.url).pathname;
const pkgDir = process.env.PKG_DIR ?? join(root, 'target/offline-files/pkg');
const serverBin = process.env.CSC_SERVER ?? join(root, 'target/release/csc-server');
const files = Number(process.env.FILES ?? 10000);
const size = Number(process.env.SIZE ?? 1024);
const rounds = Number(process.env.ROUNDS ?? 3);
const batch = Number(process.env.BATCH ?? 100);
const token = `bench-${process.pid}`;
const profileFile = process.env.PROFILE;

for (const [name, value] of Object.entries({ FILES: files, SIZE: size, ROUNDS: rounds, BATCH: batch })) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a whole number of at least 1, not ${process.env[name]}`);
    process.exit(2);
  }
}
if (!existsSync(join(pkgDir, 'index.js'))) {
  console.error(`no package at ${pkgDir}: run cargo xtask package first`);
  process.exit(2);
}

/** The functions of a CPU profile with the most self time. */
function printTop(profile, count = 40) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`${((100 * v) / total).toFixed(1).padStart(5)}% ${(v / 1000).toFixed(0).padStart(6)} ms  ${k.slice(0, 150)}`);
  }
}

const work = mkdtempSync(join(tmpdir(), 'csc-bench-'));
const share = join(work, 'share');
const app = join(work, 'app');
mkdirSync(share);
mkdirSync(app);
cpSync(pkgDir, join(app, 'pkg'), { recursive: true });
writeFileSync(join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><title>sync-in benchmark</title>');
// Folders of 100 files, as a real share has them; text that does not compress to nothing.
const perDir = 100;
for (let i = 0; i < files; i++) {
  const dir = join(share, 'data', `d${String(Math.floor(i / perDir)).padStart(3, '0')}`);
  if (i % perDir === 0) mkdirSync(dir, { recursive: true });
  let body = '';
  let x = i * 2654435761;
  while (body.length < size) {
    x = (x * 1103515245 + 12345) >>> 0;
    body += (x >>> 8).toString(36);
  }
  writeFileSync(join(dir, `f${String(i % perDir).padStart(3, '0')}.txt`), body.slice(0, size));
}

const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const dav = `${origin}/dav/`;
let server;
let browser;
try {
  server = await startCscServer({ bin: serverBin, share, app, port, token, timeoutMs: 60_000 });
  browser = await launchChromium();
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') console.error('page console:', m.text());
  });
  await page.goto(`${origin}/index.html`);
  await page.evaluate(async (profiling) => {
    window.of = await import('/pkg/index.js');
    // With PROFILE, the IndexedDB calls are counted too.
    window.idbCalls = {};
    if (profiling) {
      for (const [proto, names] of [
        [IDBDatabase.prototype, ['transaction']],
        [IDBObjectStore.prototype, ['put', 'get', 'getAll', 'getAllKeys', 'count', 'delete', 'openCursor']],
        [IDBIndex.prototype, ['get', 'getAll', 'getAllKeys', 'count']],
      ]) {
        for (const name of names) {
          const real = proto[name];
          proto[name] = function (...args) {
            // By phase (set by the engine side), call and store, e.g. `fill put items`.
            const store = this instanceof IDBIndex ? `${this.objectStore.name}.${this.name}` : (this.name ?? '');
            const key = `${window.idbPhase ?? '-'} ${proto.constructor.name}.${name} ${store}`;
            window.idbCalls[key] = (window.idbCalls[key] ?? 0) + 1;
            const out = real.apply(this, args);
            if (out instanceof IDBTransaction) {
              // How long transactions take, from creation to their end.
              const start = performance.now();
              const stores = [...out.objectStoreNames].join('+');
              const ended = () => {
                const took = performance.now() - start;
                if (took > 200) {
                  window.slowTransactions = window.slowTransactions ?? [];
                  window.slowTransactions.push(`${window.idbPhase ?? '-'} ${stores} ${Math.round(took)} ms, from ${Math.round(start)}`);
                }
                const k = `${window.idbPhase ?? '-'} transaction ms`;
                window.idbCalls[k] = Math.round((window.idbCalls[k] ?? 0) + performance.now() - start);
              };
              out.addEventListener('complete', ended);
              out.addEventListener('abort', ended);
            }
            return out;
          };
        }
      }
    }
    // Every fetch of the page: the request as made, and the most in flight at once.
    const real = window.fetch.bind(window);
    window.net = { log: [], starts: [], lastEnd: 0, inFlight: 0, maxInFlight: 0, busy: 0 };
    window.fetch = async (input, init) => {
      const request = new Request(input, init);
      const copy = request.clone();
      window.net.log.push(copy);
      window.net.starts.push(performance.now());
      window.net.inFlight += 1;
      window.net.maxInFlight = Math.max(window.net.maxInFlight, window.net.inFlight);
      const start = performance.now();
      try {
        return await real(request);
      } finally {
        window.net.lastEnd = performance.now();
        window.net.inFlight -= 1;
        window.net.busy += performance.now() - start;
      }
    };
  }, Boolean(profileFile));

  const engineRound = (round) =>
    page.evaluate(
      async ({ dav, token, round, files }) => {
        const net = window.net;
        net.log = [];
        net.maxInFlight = 0;
        const cache = await window.of.OfflineFilesCache.open({
          name: `bench-engine-${round}`,
          shares: [{ url: dav, auth: { bearer: token } }],
          // No background pass in the middle of a measurement.
          backgroundSync: false,
        });
        const t0 = performance.now();
        window.idbPhase = 'pin';
        window.pinStart = t0;
        // The first sync-in: pin the folder deep and fill it, in one call; its two halves
        // (the names, then the content) timed apart.
        const pinned = await cache.pin('data', { deep: true });
        const pinMs = performance.now() - t0;
        if (!pinned.ok) throw new Error(`pin failed: ${JSON.stringify(pinned).slice(0, 500)}`);
        window.idbPhase = 'fill';
        const fillStart = performance.now();
        net.busy = 0;
        net.starts = [];
        const filled = await cache.synchronize('data', { syncIn: true, fillSparse: true });
        const ms = performance.now() - t0;
        // The fill's own work before its first request and after its last answer.
        const fillLead = net.starts[0] - fillStart;
        const fillTail = performance.now() - net.lastEnd;
        // How many requests were in flight on average while filling (until the headers).
        const meanInFlight = net.busy / (performance.now() - fillStart);
        window.idbPhase = 'after';
        if (!filled.ok) throw new Error(`fill failed: ${JSON.stringify(filled).slice(0, 500)}`);
        const requests = net.log.length;
        const concurrency = net.maxInFlight;
        // The listing request, as the ceiling replays it.
        const first = net.log.find((r) => r.method !== 'GET');
        const listing = {
          method: first.method,
          url: first.url,
          headers: [...first.headers],
          body: await first.text(),
        };
        const gets = net.log.filter((r) => r.method === 'GET').length;
        net.log = [];
        const t1 = performance.now();
        const again = await cache.synchronize('data', { syncIn: true, syncOut: true, fillSparse: true });
        const noopMs = performance.now() - t1;
        if (!again.ok) throw new Error(`no-op sync failed: ${JSON.stringify(again).slice(0, 500)}`);
        const noop = net.log.map((r) => `${r.method} ${new URL(r.url).pathname}`);
        const item = await cache.findItem('data/d000/f000.txt');
        if (item.sparse || !item.pinned) throw new Error('the first file is not pinned and filled');
        const stored = (await cache.enumItems('data', { flat: true, filesOnly: true })).length;
        if (stored !== files) throw new Error(`the cache holds ${stored} files, not ${files}`);
        cache.close();
        return { ms, pinMs, fillLead, fillTail, requests, gets, concurrency, meanInFlight, listing, noop, noopMs };
      },
      { dav, token, round, files },
    );

  const ceilingRound = (round, listing, concurrency, batch) =>
    page.evaluate(
      async ({ round, listing, concurrency, batch, files }) => {
        const real = window.fetch;
        const db = await new Promise((resolve, reject) => {
          const open = indexedDB.open(`bench-ceiling-${round}`, 1);
          open.onupgradeneeded = () => {
            open.result.createObjectStore('items', { keyPath: 'path' });
            open.result.createObjectStore('content');
          };
          open.onsuccess = () => resolve(open.result);
          open.onerror = () => reject(open.error);
        });
        const t0 = performance.now();
        window.net.busy = 0;
        const response = await real(listing.url, {
          method: listing.method,
          headers: listing.headers,
          body: listing.body || undefined,
        });
        if (!response.ok) throw new Error(`listing: ${response.status}`);
        const listingText = await response.text();
        const listingMs = performance.now() - t0;
        const xml = new DOMParser().parseFromString(listingText, 'application/xml');
        const DAV = 'DAV:';
        const urls = [];
        for (const r of xml.getElementsByTagNameNS(DAV, 'response')) {
          if (r.getElementsByTagNameNS(DAV, 'collection').length) continue;
          const href = r.getElementsByTagNameNS(DAV, 'href')[0].textContent;
          urls.push(new URL(href, listing.url).href);
        }
        if (urls.length !== files) throw new Error(`the listing names ${urls.length} files, not ${files}`);
        const auth = listing.headers.find(([k]) => k.toLowerCase() === 'authorization')[1];
        let pending = [];
        let writes = Promise.resolve();
        const flush = (records) => {
          writes = writes.then(
            () =>
              new Promise((resolve, reject) => {
                const tx = db.transaction(['items', 'content'], 'readwrite');
                for (const { path, etag, bytes } of records) {
                  tx.objectStore('content').put(bytes, path);
                  tx.objectStore('items').put({ path, etag, size: bytes.byteLength });
                }
                tx.oncomplete = resolve;
                tx.onerror = () => reject(tx.error);
              }),
          );
        };
        let next = 0;
        const worker = async () => {
          while (next < urls.length) {
            const url = urls[next++];
            const r = await real(url, { headers: { authorization: auth } });
            if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
            const bytes = new Uint8Array(await r.arrayBuffer());
            pending.push({ path: new URL(url).pathname, etag: r.headers.get('etag'), bytes });
            if (pending.length >= batch) {
              flush(pending);
              pending = [];
            }
          }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
        if (pending.length) flush(pending);
        await writes;
        const ms = performance.now() - t0;
        db.close();
        return { ms, listingMs, meanInFlight: window.net.busy / ms };
      },
      { round, listing, concurrency, batch, files },
    );

  // Each round starts from an empty origin: the databases of earlier rounds (tens of MB) slow
  // the browser's later writes (engine rounds in a row went 37.6, 41.8, 43.5 s), which made
  // whichever side ran later look slower.
  const clearDatabases = () =>
    page.evaluate(async () => {
      for (const { name } of await indexedDB.databases()) {
        await new Promise((resolve, reject) => {
          const request = indexedDB.deleteDatabase(name);
          request.onsuccess = resolve;
          request.onerror = () => reject(request.error);
          request.onblocked = () => reject(new Error(`database ${name} is still open`));
        });
      }
    });
  const engine = [];
  const ceiling = [];
  let shape;
  for (let round = 0; round < rounds; round++) {
    const engineFirst = round % 2 === 0;
    for (const side of engineFirst ? ['engine', 'ceiling'] : ['ceiling', 'engine']) {
      await clearDatabases();
      if (side === 'engine') {
        const cdp = profileFile && round === 0 ? await page.context().newCDPSession(page) : null;
        if (cdp) {
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
          await cdp.send('Profiler.start');
        }
        const e = await engineRound(round);
        if (cdp) {
          const { profile } = await cdp.send('Profiler.stop');
          writeFileSync(profileFile, JSON.stringify(profile));
          printTop(profile);
          console.log('IndexedDB calls:', await page.evaluate(() => window.idbCalls));
          console.log('Slow transactions (pin started at', await page.evaluate(() => Math.round(window.pinStart)), '):', await page.evaluate(() => window.slowTransactions));
        }
        engine.push(e.ms);
        shape ??= e;
        console.log(
          `round ${round + 1} engine:  ${files} files in ${e.ms.toFixed(0)} ms = ${((files * 1000) / e.ms).toFixed(0)} files/s ` +
            `(names pinned in ${e.pinMs.toFixed(0)} ms; the fill's first request after ${e.fillLead.toFixed(0)} ms, its end ${e.fillTail.toFixed(0)} ms after the last answer; ${e.requests} requests, ${e.gets} GETs, at most ${e.concurrency} in flight, ${e.meanInFlight.toFixed(1)} on average while filling; no-op sync: ${e.noop.length} request(s) in ${e.noopMs.toFixed(0)} ms: ${e.noop.join(', ')})`,
        );
      } else {
        // Round 1 runs the engine first, so the request shape is known here.
        const c = await ceilingRound(round, shape.listing, shape.concurrency, batch);
        ceiling.push(c.ms);
        console.log(
          `round ${round + 1} ceiling: ${files} files in ${c.ms.toFixed(0)} ms = ${((files * 1000) / c.ms).toFixed(0)} files/s ` +
            `(listing fetched in ${c.listingMs.toFixed(0)} ms; same listing request, ${shape.concurrency} in flight, ${c.meanInFlight.toFixed(1)} on average; ${batch} files per transaction)`,
        );
      }
    }
  }
  const best = (xs) => Math.min(...xs);
  const er = (files * 1000) / best(engine);
  const cr = (files * 1000) / best(ceiling);
  console.log(
    `sync-in bench: ${files} × ${size} B: engine ${er.toFixed(0)} files/s vs ceiling ${cr.toFixed(0)} files/s = ${(er / cr).toFixed(2)}× (goal ≥ 0.80×); ` +
      `no-op sync ${shape.noop.length} request(s)`,
  );
} finally {
  await browser?.close();
  server?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
