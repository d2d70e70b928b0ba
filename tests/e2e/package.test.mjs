// The npm package `offline-files` as an app uses it: the built package (PKG_DIR, built by
// `cargo xtask test` with wasm-pack) imported by a plain ES-module page that csc-server serves
// beside the share, driven in Debian's Chromium by Playwright. The test starts and stops the
// server itself (CSC_SERVER) to take the share away and bring it back.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, launchChromium, startCscServer, stopCscServer } from './server.mjs';

const root = new URL('../../', import.meta.url).pathname;
const pkgDir = process.env.PKG_DIR ?? join(root, 'target/offline-files/pkg');
const serverBin = process.env.CSC_SERVER ?? join(root, 'target/debug/csc-server');
const token = `pkg-test-${process.pid}`;

let work;
let share;
let app;
let port;
let origin;
let dav;
let server;
let browser;

async function startServer() {
  server = await startCscServer({ bin: serverBin, share, app, port, token });
}

async function stopServer() {
  await stopCscServer(server);
}

/** A request to the share as another device would make it. */
async function davRequest(method, path, body, headers = {}) {
  const r = await fetch(dav + path, { method, body, headers: { authorization: `Bearer ${token}`, ...headers } });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status}`);
  return r;
}

/** The files of a folder of the share on disk: { relative path: content }. */
function serverFiles(folder) {
  const out = {};
  const walk = (dir, prefix) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(dir, e.name), p);
      else out[p] = readFileSync(join(dir, e.name), 'utf8');
    }
  };
  walk(join(share, folder), '');
  return out;
}

function seed(folder, files) {
  for (const [p, content] of Object.entries(files)) {
    const file = join(share, folder, p);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, content);
  }
}

before(async () => {
  assert.ok(existsSync(join(pkgDir, 'index.js')), `no package at ${pkgDir}: run cargo xtask test (it builds it)`);
  work = mkdtempSync(join(tmpdir(), 'csc-pkg-'));
  share = join(work, 'share');
  app = join(work, 'app');
  mkdirSync(share);
  mkdirSync(app);
  cpSync(pkgDir, join(app, 'pkg'), { recursive: true });
  writeFileSync(join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><title>offline-files</title><p>package test page');
  // Every test's files exist before the server starts, so it journals them at start.
  seed('t1', { 'a.txt': 'alpha', 'b.txt': 'bravo', 'sub/c.txt': 'charlie', 'keep.txt': 'keep' });
  seed('t2', { 'a.txt': 'original' });
  seed('t3', { 'a.txt': 'original' });
  seed('t4', Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`f${String(i).padStart(3, '0')}.txt`, `file ${i}`])));
  seed('t5', { 'x.txt': 'x', 'sub/y.txt': 'y', 'sub/deeper/z.txt': 'z' });
  seed('t6', { 'a.txt': 'original' });
  seed('t7', { 'cafe\u0301.txt': 'written there' });
  seed('t8', { 'a.txt': 'original', 'b.txt': 'bravo' });
  seed('t9', { 'a.txt': 'original' });
  const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${String(i).padStart(3, '0')}.txt`, `file ${i}`]));
  seed('t10', many);
  seed('t11', many);
  port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  dav = `${origin}/dav/`;
  await startServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await stopServer();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A page with the package loaded as `window.of` and a cache open as `window.cache`. */
async function openPage(context, name, shareOptions = {}) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${origin}/index.html`);
  await page.evaluate(
    async ({ name, dav, token, shareOptions }) => {
      window.of = await import('/pkg/index.js');
      window.cache = await window.of.OfflineFilesCache.open({
        name,
        shares: [{ url: dav, auth: { bearer: token }, ...shareOptions }],
      });
    },
    { name, dav, token, shareOptions },
  );
  return page;
}

test('pinned files read offline, and offline edits, creations, renames and deletions reach the server at the next sync', async () => {
  const context = await browser.newContext();
  const page = await openPage(context, 'db-t1');
  const pinned = await page.evaluate(() => window.cache.pin('t1', { deep: true, fill: true }));
  assert.equal(pinned.ok, true, JSON.stringify(pinned));
  const item = await page.evaluate(() => window.cache.findItem('t1/a.txt'));
  assert.equal(item.pinned, true);
  assert.equal(item.sparse, false);

  await stopServer();
  const text = await page.evaluate(async () => new TextDecoder().decode(await window.cache.readFile('t1/a.txt')));
  assert.equal(text, 'alpha');
  const failed = await page.evaluate(() =>
    window.cache.synchronize('t1').then(
      () => null,
      (e) => ({ code: e.code, name: e.name, isError: e instanceof window.of.OfflineFilesError }),
    ),
  );
  assert.deepEqual(failed, { code: 'Network', name: 'OfflineFilesError', isError: true });
  await page.evaluate(async () => {
    await window.cache.writeFile('t1/a.txt', 'alpha, edited offline');
    await window.cache.writeFile('t1/new.txt', new TextEncoder().encode('created offline'));
    await window.cache.renameItem('t1/b.txt', 't1/b2.txt');
    await window.cache.deleteFile('t1/sub/c.txt');
  });
  const dirty = await page.evaluate(() => window.cache.findItem('t1/a.txt'));
  assert.equal(dirty.dirty, true);
  assert.equal(dirty.changes.data, true);

  await startServer();
  await page.evaluate(() => window.cache.transitionOnline());
  const synced = await page.evaluate(() => window.cache.synchronize('t1'));
  assert.equal(synced.ok, true, JSON.stringify(synced));
  assert.deepEqual(serverFiles('t1'), {
    'a.txt': 'alpha, edited offline',
    'b2.txt': 'bravo',
    'keep.txt': 'keep',
    'new.txt': 'created offline',
  });
  assert.ok(existsSync(join(share, 't1/sub')), 'the folder stays, emptied');
  const again = await page.evaluate(() => window.cache.synchronize('t1'));
  assert.deepEqual(again.items.filter((i) => i.operation !== null), [], 'a second sync has nothing to do');
  await context.close();
});

test('on a case-insensitive share, a name created offline that differs from a server name only in Unicode normalization is a name collision, not a second file', async () => {
  // The package has no NFC tables of its own: it compares names with the browser's
  // String.prototype.normalize, which this exercises.
  const context = await browser.newContext();
  const page = await openPage(context, 'db-t7', { caseInsensitive: true });
  const pinned = await page.evaluate(() => window.cache.pin('t7', { deep: true, fill: true }));
  assert.equal(pinned.ok, true, JSON.stringify(pinned));
  await page.evaluate(() => window.cache.writeFile('t7/caf\u00e9.txt', 'written here'));
  await page.evaluate(() => window.cache.synchronize('t7'));
  const conflicts = await page.evaluate(() => window.cache.conflicts());
  assert.deepEqual(
    conflicts.map((c) => [c.path, c.state]),
    [['t7/caf\u00e9.txt', 256]],
  );
  assert.deepEqual(serverFiles('t7'), { 'cafe\u0301.txt': 'written there' });
  await context.close();
});

test('an edit on both sides calls onConflict with the state number, and keepAllChanges keeps both files on both sides', async () => {
  const context = await browser.newContext();
  const page = await openPage(context, 'db-t2');
  await page.evaluate(() => window.cache.pin('t2', { deep: true, fill: true }));
  await page.evaluate(() => window.cache.writeFile('t2/a.txt', 'edited here'));
  await davRequest('PUT', 't2/a.txt', 'edited there');
  const { seen, result } = await page.evaluate(async () => {
    const seen = [];
    const result = await window.cache.synchronize('t2', {
      onConflict: async (c) => {
        seen.push(c);
        // A dialog takes a while: the sync waits.
        await new Promise((r) => setTimeout(r, 200));
        return { resolution: 'keepAllChanges', newName: 'a (mine).txt' };
      },
    });
    return { seen, result };
  });
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(seen.length, 1);
  assert.equal(seen[0].path, 't2/a.txt');
  assert.equal(seen[0].state, 12);
  assert.equal(seen[0].stateName, 'FileChangedOnClient_ChangedOnServer');
  assert.equal(seen[0].local.size, 'edited here'.length);
  assert.equal(seen[0].remote.size, 'edited there'.length);
  assert.equal(seen[0].original.size, 'original'.length);
  const files = serverFiles('t2');
  assert.deepEqual(Object.values(files).sort(), ['edited here', 'edited there']);
  assert.equal(Object.keys(files).length, 2);
  const cached = await page.evaluate(async () => {
    const out = {};
    for (const i of await window.cache.enumItems('t2')) {
      out[i.name] = new TextDecoder().decode(await window.cache.readFile(i.path));
    }
    return out;
  });
  assert.deepEqual(cached, files);
  await context.close();
});

test('a sync, pin or resolveConflict of the same share awaited inside onConflict is refused as Busy instead of waiting for ever', async () => {
  const context = await browser.newContext();
  const page = await openPage(context, 'db-t8');
  await page.evaluate(() => window.cache.pin('t8', { deep: true, fill: true }));
  // A conflict on b.txt waits in the store; then a.txt conflicts in a sync with a handler.
  await page.evaluate(() => window.cache.writeFile('t8/b.txt', 'mine b'));
  await davRequest('PUT', 't8/b.txt', 'theirs b');
  assert.equal((await page.evaluate(() => window.cache.synchronize('t8/b.txt'))).conflicts, 1);
  await page.evaluate(() => window.cache.writeFile('t8/a.txt', 'edited here'));
  await davRequest('PUT', 't8/a.txt', 'edited there');
  const { inner, result } = await page.evaluate(async () => {
    const c = window.cache;
    // Bounded, so that waiting for ever fails this test instead of hanging the suite.
    const hung = () => new Promise((r) => setTimeout(() => r('still waiting after 5 s'), 5000));
    const code = (p) => Promise.race([p.then(() => 'settled', (e) => e.code), hung()]);
    const inner = {};
    const result = await c.synchronize('t8/a.txt', {
      onConflict: async () => {
        inner.sync = await code(c.synchronize('t8'));
        inner.pin = await code(c.pin('t8/b.txt'));
        inner.resolve = await code(c.resolveConflict('t8/b.txt', 'keepLocal'));
        return 'keepLocal';
      },
    });
    return { inner, result };
  });
  assert.deepEqual(inner, { sync: 'Busy', pin: 'Busy', resolve: 'Busy' });
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.deepEqual(serverFiles('t8'), { 'a.txt': 'edited here', 'b.txt': 'theirs b' });
  // Once the handler has answered, the share takes operations again.
  const resolved = await page.evaluate(() => window.cache.resolveConflict('t8/b.txt', 'keepLocal'));
  assert.equal(resolved.ok, true, JSON.stringify(resolved));
  assert.deepEqual(serverFiles('t8'), { 'a.txt': 'edited here', 'b.txt': 'mine b' });
  await context.close();
});

test('an onConflict answer with a field it does not have keeps the conflict in the store and says why on the console', async () => {
  const context = await browser.newContext();
  const page = await openPage(context, 'db-t9');
  const warnings = [];
  page.on('console', (m) => warnings.push(m.text()));
  await page.evaluate(() => window.cache.pin('t9', { deep: true, fill: true }));
  await page.evaluate(() => window.cache.writeFile('t9/a.txt', 'mine'));
  await davRequest('PUT', 't9/a.txt', 'theirs');
  const result = await page.evaluate(() =>
    window.cache.synchronize('t9', {
      // `newname`: a misspelling that would otherwise give the copy a name nobody chose.
      onConflict: () => ({ resolution: 'keepAllChanges', newname: 'a (mine).txt' }),
    }),
  );
  assert.equal(result.conflicts, 1, JSON.stringify(result));
  assert.deepEqual(serverFiles('t9'), { 'a.txt': 'theirs' });
  assert.equal((await page.evaluate(() => window.cache.conflicts())).length, 1);
  assert.ok(
    warnings.some((w) => w.includes('newname') && w.includes('conflict store')),
    warnings.join('\n'),
  );
  await context.close();
});

test('a conflict without a handler is stored, survives a reload, and resolveConflict settles it later', async () => {
  const context = await browser.newContext();
  let page = await openPage(context, 'db-t3');
  await page.evaluate(() => window.cache.pin('t3', { deep: true, fill: true }));
  await page.evaluate(() => window.cache.writeFile('t3/a.txt', 'mine'));
  await davRequest('PUT', 't3/a.txt', 'theirs');
  const result = await page.evaluate(() => window.cache.synchronize('t3'));
  assert.equal(result.conflicts, 1);
  await page.close();

  page = await openPage(context, 'db-t3');
  const conflicts = await page.evaluate(() => window.cache.conflicts());
  assert.equal(conflicts.length, 1);
  assert.equal(conflicts[0].path, 't3/a.txt');
  assert.equal(conflicts[0].stateName, 'FileChangedOnClient_ChangedOnServer');
  const text = await page.evaluate(async () => new TextDecoder().decode(await window.cache.readFile('t3/a.txt')));
  assert.equal(text, 'mine', 'the local version is still there');
  const resolved = await page.evaluate(() => window.cache.resolveConflict('t3/a.txt', 'keepLocal'));
  assert.equal(resolved.ok, true, JSON.stringify(resolved));
  assert.deepEqual(serverFiles('t3'), { 'a.txt': 'mine' });
  assert.deepEqual(await page.evaluate(() => window.cache.conflicts()), []);
  const missing = await page.evaluate(() =>
    window.cache.resolveConflict('t3/a.txt', 'keepLocal').then(
      () => null,
      (e) => e.code,
    ),
  );
  assert.equal(missing, 'NotFound');
  await context.close();
});

test('aborting through the signal stops the sync after the current item; finished items stay synced', async () => {
  const context = await browser.newContext();
  const page = await openPage(context, 'db-t4');
  // Pinned without content: 150 sparse files for the sync to fill (more than one group).
  const pinned = await page.evaluate(() => window.cache.pin('t4', { deep: true }));
  assert.equal(pinned.ok, true, JSON.stringify(pinned));
  const sparse = async () =>
    page.evaluate(async () => (await window.cache.enumItems('t4')).filter((i) => i.sparse).length);
  assert.equal(await sparse(), 150);
  const outcome = await page.evaluate(async () => {
    const controller = new AbortController();
    let results = 0;
    try {
      await window.cache.synchronize('t4', {
        signal: controller.signal,
        onProgress: {
          itemResult: () => {
            results += 1;
            if (results === 5) controller.abort();
          },
        },
      });
      return { rejected: false, results };
    } catch (e) {
      const done = [];
      for (const i of e.items) {
        const item = await window.cache.findItem(i.path);
        done.push({ path: i.path, ok: i.ok, kind: item?.kind, filled: item !== null && !item.sparse });
      }
      return { rejected: true, name: e.name, code: e.code, results, done };
    }
  });
  assert.equal(outcome.rejected, true, JSON.stringify(outcome));
  assert.equal(outcome.name, 'AbortError');
  assert.equal(outcome.code, 'Cancelled');
  // Small files go in groups: the abort takes effect after the group being reported, and
  // every item reported is done (no more, no less).
  assert.ok(outcome.results >= 5, 'every item before the abort was reported');
  assert.ok(outcome.results < 150, 'the sync stopped before its end');
  assert.equal(outcome.done.length, outcome.results);
  assert.ok(outcome.done.every((d) => d.ok && d.filled), JSON.stringify(outcome.done));
  const files = outcome.done.filter((d) => d.kind === 'file').length;
  assert.ok(files >= 4, `the files filled before the abort stay filled (${files})`);
  assert.equal(await sparse(), 150 - files, 'what was reported is what was filled');
  const rest = await page.evaluate(() => window.cache.synchronize('t4'));
  assert.equal(rest.ok, true);
  assert.equal(await sparse(), 0);
  await context.close();
});

test('a pin that fills stops its fill when the signal aborts or the cache closes; the pins stay and a later sync fills the rest', async () => {
  const context = await browser.newContext();
  const page = await openPage(context, 'db-t10');
  // Stopped at the first filled file's result: 300 files make several groups, so the fill
  // has most of its work left.
  const stop = (how) =>
    page.evaluate(async ({ folder, how }) => {
      const controller = new AbortController();
      // The folder's own result comes first; the files' after it.
      const off = (e) => {
        if (e.path.endsWith('.txt')) how === 'signal' ? controller.abort('the user left') : window.cache.close();
      };
      window.cache.addEventListener('syncFileResult', off);
      try {
        await window.cache.pin(folder, { deep: true, fill: true, signal: controller.signal });
        return { rejected: false };
      } catch (e) {
        return { rejected: true, name: e.name, code: e.code, cause: e.cause };
      }
    }, { folder: how === 'signal' ? 't10' : 't11', how });
  const aborted = await stop('signal');
  assert.equal(aborted.rejected, true, JSON.stringify(aborted));
  assert.equal(aborted.name, 'AbortError');
  assert.equal(aborted.code, 'Cancelled');
  assert.equal(aborted.cause, 'the user left', "the error's cause is the signal's reason");
  const state = await page.evaluate(async () => {
    const files = await window.cache.enumItems('t10', { flat: true, filesOnly: true });
    return { files: files.length, pinned: files.filter((i) => i.pinned).length, sparse: files.filter((i) => i.sparse).length };
  });
  assert.equal(state.files, 300, JSON.stringify(state));
  assert.equal(state.pinned, 300, 'the pins stay');
  assert.ok(state.sparse > 0 && state.sparse < 300, `the fill stopped part way (${state.sparse} sparse)`);
  const rest = await page.evaluate(() => window.cache.synchronize('t10'));
  assert.equal(rest.ok, true, JSON.stringify(rest).slice(0, 500));
  const sparse = await page.evaluate(async () => (await window.cache.enumItems('t10', { flat: true, filesOnly: true })).filter((i) => i.sparse).length);
  assert.equal(sparse, 0, 'a later sync fills the rest');
  // close() stops the fill the same way, instead of letting it fail on the closed database.
  const closed = await stop('close');
  assert.equal(closed.rejected, true, JSON.stringify(closed));
  assert.equal(closed.code, 'Cancelled', JSON.stringify(closed));
  assert.equal(closed.cause, undefined, 'no signal, no cause');
  await context.close();
});

test('a large file reads back whole, as bytes and as a Blob', async () => {
  const context = await browser.newContext();
  const page = await openPage(context, 'db-large');
  const outcome = await page.evaluate(async () => {
    // 5 MB: several chunks of the cache.
    const data = new Uint8Array(5 * 1024 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 11)) & 0xff;
    await window.cache.createDirectory('large');
    await window.cache.writeFile('large/video.bin', data);
    const same = (bytes) => bytes.length === data.length && bytes.every((b, i) => b === data[i]);
    const bytes = await window.cache.readFile('large/video.bin');
    const blob = await window.cache.readBlob('large/video.bin');
    return {
      bytes: bytes instanceof Uint8Array && same(bytes),
      blob: blob instanceof Blob && blob.size === data.length && same(new Uint8Array(await blob.arrayBuffer())),
      folder: await window.cache.readBlob('large').catch((e) => e.code),
    };
  });
  assert.deepEqual(outcome, { bytes: true, blob: true, folder: 'InvalidArgument' });
  await context.close();
});

test('free() and Symbol.dispose close the cache first, so nothing of it stays open', async () => {
  const context = await browser.newContext();
  const page = await openPage(context, 'db-free');
  const outcome = await page.evaluate(async ({ dav, token }) => {
    // Deleting a database waits while a connection to it is open (a closing one may still
    // finish its transactions first).
    const deleted = (name) =>
      new Promise((resolve) => {
        const r = indexedDB.deleteDatabase(name);
        const wait = setTimeout(() => resolve('still open after 5 s'), 5000);
        r.onsuccess = () => {
          clearTimeout(wait);
          resolve('deleted');
        };
        r.onerror = () => resolve(`failed: ${r.error}`);
      });
    window.cache.free();
    const freed = await deleted('db-free');
    const other = await window.of.OfflineFilesCache.open({ name: 'db-dispose', shares: [{ url: dav, auth: { bearer: token } }] });
    other[Symbol.dispose]();
    return { freed, disposed: await deleted('db-dispose') };
  }, { dav, token });
  assert.deepEqual(outcome, { freed: 'deleted', disposed: 'deleted' });
  await context.close();
});

test('listeners get the event types they ask for, without the excluded ones, for the paths they name', async () => {
  const context = await browser.newContext();
  const page = await openPage(context, 'db-t5');
  await page.evaluate(() => window.cache.pin('t5', { deep: true, fill: true }));
  for (const p of ['t5/x.txt', 't5/sub/y.txt', 't5/sub/deeper/z.txt']) await davRequest('PUT', p, `${p} changed`);
  const got = await page.evaluate(async () => {
    const sub = [];
    const results = [];
    const all = [];
    let thrown = 0;
    window.cache.addEventListener('syncFileResult', (e) => sub.push(e.path), { paths: 't5/sub', match: 'descendant' });
    window.cache.addEventListener('syncFileResult', (e) => results.push(e.path));
    window.cache.addEventListener('*', (e) => all.push(e), { exclude: ['syncFileResult'] });
    // A listener that throws disturbs nothing.
    window.cache.addEventListener('syncBegin', () => {
      thrown += 1;
      throw new Error('listener bug');
    });
    const result = await window.cache.synchronize('t5', { syncId: 'sync-t5' });
    await new Promise((r) => setTimeout(r, 50));
    return {
      sub,
      results,
      all: all.map((e) => ({ type: e.type, syncId: e.syncId, id: e.id })),
      ok: result.ok,
      thrown,
    };
  });
  assert.equal(got.ok, true);
  assert.equal(got.thrown, 1);
  assert.deepEqual([...got.results].sort(), ['t5/sub/deeper/z.txt', 't5/sub/y.txt', 't5/x.txt']);
  assert.deepEqual([...got.sub].sort(), ['t5/sub/deeper/z.txt', 't5/sub/y.txt']);
  assert.ok(got.all.every((e) => e.type !== 'syncFileResult'), 'excluded type delivered');
  const begin = got.all.find((e) => e.type === 'syncBegin');
  const end = got.all.find((e) => e.type === 'syncEnd');
  assert.deepEqual(begin, { type: 'syncBegin', syncId: 'sync-t5', id: 5 });
  assert.deepEqual(end, { type: 'syncEnd', syncId: 'sync-t5', id: 10 });
  await context.close();
});

test('arguments of the wrong type are TypeErrors that name the argument, wrong values InvalidArgument errors', async () => {
  const context = await browser.newContext();
  const page = await openPage(context, 'db-t6');
  const errors = await page.evaluate(async () => {
    const c = window.cache;
    const of = window.of;
    const grab = async (f) => {
      try {
        await f();
        return null;
      } catch (e) {
        return { type: e.constructor.name, code: e.code ?? null, message: e.message };
      }
    };
    return {
      paths: await grab(() => c.synchronize(42)),
      flagsType: await grab(() => c.synchronize('t6', { flags: 'x' })),
      unknownOption: await grab(() => c.synchronize('t6', { syncin: true })),
      handler: await grab(() => c.synchronize('t6', { onConflict: 'keepLocal' })),
      signal: await grab(() => c.synchronize('t6', { signal: {} })),
      deep: await grab(() => c.pin('t6', { deep: 'yes' })),
      data: await grab(() => c.writeFile('t6/a.txt', 42)),
      open: await grab(() => of.OfflineFilesCache.open({ shares: 'x' })),
      shareKey: await grab(() => of.OfflineFilesCache.open({ shares: [{ url: 'http://127.0.0.1:9/dav/', caseinsensitive: true }] })),
      flagsValue: await grab(() => c.synchronize('t6', { flags: 0x40000 })),
      path: await grab(() => c.readFile('t6/../a.txt')),
      shareUrl: await grab(() => of.OfflineFilesCache.open({ name: 'db-bad', shares: [{ url: 'ftp://x/' }] })),
      eventType: await grab(() => c.addEventListener('nope', () => {})),
      missing: await grab(() => c.readFile('t6/none.txt')),
      noDirection: await grab(() => c.synchronize('t6', { syncIn: false })),
      loneSurrogate: await grab(() => c.writeFile('t6/a\uD800.txt', 'x')),
      replaced: await grab(() => c.readFile('t6/a\uFFFD.txt')),
      openFlag: await grab(() => c.setOpen('t6/a.txt', 'false')),
      emptyPaths: await grab(() => c.addEventListener('*', () => {}, { paths: [] })),
      token: await grab(() => of.OfflineFilesCache.open({ name: 'db-bad2', shares: [{ url: 'http://127.0.0.1:9/dav/', auth: { bearer: 'tok\n' } }] })),
      basicUser: await grab(() => of.OfflineFilesCache.open({ name: 'db-bad3', shares: [{ url: 'http://127.0.0.1:9/dav/', auth: { basic: { username: 'a:b', password: 'p' } } }] })),
      timeout: await grab(() => of.OfflineFilesCache.open({ name: 'db-bad4', shares: [{ url: 'http://127.0.0.1:9/dav/', timeoutMs: 0 }] })),
      sentinel: await grab(() => c.resolveConflict('t6/a.txt', 'numCodes')),
      notAShare: await grab(() => c.connectState('offline')),
      urlFragment: await grab(() => c.readFile(`${location.origin}/dav/t6/C# notes.txt`)),
      urlDots: await grab(() => c.readFile(`${location.origin}/dav/t6/x/%2E%2E/a.txt`)),
      arrayProgress: await grab(() => c.pin('t6', { onProgress: [] })),
      unknownCallback: await grab(() => c.pin('t6', { onProgress: { itemEnd() {} } })),
      pinAborted: await grab(() => c.pin('t6', { onProgress: { begin: () => 'ABORT' } })),
      badNewName: await grab(() => c.resolveConflict('t6/a.txt', 'keepAllChanges', 'a/b.txt')),
      matchWithoutPaths: await grab(() => c.addEventListener('*', () => {}, { match: 'child' })),
      excludeOneType: await grab(() => c.addEventListener('itemPinned', () => {}, { exclude: ['itemPinned'] })),
      policyAndHandler: await grab(() => c.synchronize('t6', { conflictPolicy: 'keepRemote', onConflict: () => 'none' })),
      pinForAlone: await grab(() => c.synchronize('t6', { pinFor: 'all' })),
      emptySyncId: await grab(() => c.synchronize('t6', { syncId: '' })),
      negativeTimeout: await grab(() => of.OfflineFilesCache.open({ name: 'db-bad5', shares: [{ url: 'http://127.0.0.1:9/dav/', timeoutMs: -5 }] })),
    };
  });
  const typeError = (e, mention) => {
    assert.equal(e?.type, 'TypeError', JSON.stringify(e));
    assert.ok(e.message.includes(mention), `${e.message} names ${mention}`);
  };
  typeError(errors.paths, 'paths');
  typeError(errors.flagsType, 'options.flags');
  typeError(errors.unknownOption, 'syncin');
  typeError(errors.shareKey, 'caseinsensitive');
  typeError(errors.handler, 'options.onConflict');
  typeError(errors.signal, 'options.signal');
  typeError(errors.deep, 'options.deep');
  typeError(errors.data, 'data');
  typeError(errors.open, 'options.shares');
  typeError(errors.openFlag, 'open');
  const invalid = (e, mention) => {
    assert.equal(e?.type, 'OfflineFilesError', JSON.stringify(e));
    assert.equal(e.code, 'InvalidArgument', JSON.stringify(e));
    assert.ok(e.message.includes(mention), `${e.message} mentions ${mention}`);
  };
  invalid(errors.flagsValue, 'flags');
  invalid(errors.path, '..');
  invalid(errors.shareUrl, 'ftp://x/');
  invalid(errors.eventType, 'nope');
  // A sync that would do nothing, a name no file can hold, a listener for nothing and
  // credentials or a timeout that would fail every request are refused with a way forward.
  invalid(errors.noDirection, 'syncOut');
  invalid(errors.loneSurrogate, 'toWellFormed');
  invalid(errors.emptyPaths, 'leave paths out');
  invalid(errors.token, 'bearer token');
  invalid(errors.basicUser, "':'");
  invalid(errors.timeout, 'timeoutMs');
  invalid(errors.sentinel, 'resolution');
  // A word that is not a share URL never acts on the only share.
  invalid(errors.notAShare, 'offline');
  // A URL inside the share that is no item's says why, not "in none of the shares".
  invalid(errors.urlFragment, '%23');
  invalid(errors.urlDots, '".."');
  typeError(errors.arrayProgress, 'options.onProgress');
  typeError(errors.unknownCallback, 'itemEnd');
  // begin's answer aborts a pin as it does a sync, in any case.
  assert.equal(errors.pinAborted?.code, 'Cancelled', JSON.stringify(errors.pinAborted));
  invalid(errors.badNewName, 'newName');
  // Listener options that would be silently meaningless.
  invalid(errors.matchWithoutPaths, 'give paths too');
  invalid(errors.excludeOneType, "type '*' only");
  // Options the sync would silently not use.
  invalid(errors.policyAndHandler, 'leave one of them out');
  invalid(errors.pinForAlone, 'pinNewFiles: true');
  invalid(errors.emptySyncId, 'syncId');
  // A number out of range is said in JavaScript's words, not Rust's.
  typeError(errors.negativeTimeout, 'options.shares[0].timeoutMs');
  assert.ok(errors.negativeTimeout.message.includes('a whole number from 0 to 4294967295'), errors.negativeTimeout.message);
  assert.equal(errors.missing?.code, 'NotFound', JSON.stringify(errors.missing));
  // The refused name was not written under a replacement character either.
  assert.equal(errors.replaced?.code, 'NotFound', JSON.stringify(errors.replaced));
  await context.close();
});
