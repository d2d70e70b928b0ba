// Background sync in the npm package, in Debian's Chromium against csc-server: a schedule in
// test time (a minute lasts `minuteMs` milliseconds) runs real passes, framed by
// backgroundSyncBegin/End with equal flags; the settings are validated; across two pages of
// one origin exactly one leads, both see the events, and when the leader closes the other
// takes over.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, launchChromium, startCscServer, stopCscServer } from './server.mjs';

const root = new URL('../../', import.meta.url).pathname;
const pkgDir = process.env.PKG_DIR ?? join(root, 'target/offline-files/pkg');
const serverBin = process.env.CSC_SERVER ?? join(root, 'target/debug/csc-server');
const token = `bg-test-${process.pid}`;

const { SyncControl } = await import(join(pkgDir, 'constants.js'));
// The flags of every background pass.
const PASS_FLAGS =
  SyncControl.SYNCIN | SyncControl.SYNCOUT | SyncControl.FILLSPARSE | SyncControl.PINNEWFILES |
  SyncControl.SKIPSUSPENDEDDIRS | SyncControl.BACKGROUND;

let work;
let share;
let origin;
let dav;
let server;
let browser;

before(async () => {
  assert.ok(existsSync(join(pkgDir, 'index.js')), `no package at ${pkgDir}: run cargo xtask test (it builds it)`);
  work = mkdtempSync(join(tmpdir(), 'csc-bg-'));
  share = join(work, 'share');
  const app = join(work, 'app');
  for (const [p, content] of Object.entries({
    'b1/a.txt': 'a, original',
    'b1/b.txt': 'b, original',
    'b2/x.txt': 'x',
    'b3/y.txt': 'y',
    'b5/e.txt': 'e, original',
  })) {
    mkdirSync(join(share, p, '..'), { recursive: true });
    writeFileSync(join(share, p), content);
  }
  mkdirSync(app);
  cpSync(pkgDir, join(app, 'pkg'), { recursive: true });
  writeFileSync(join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><title>offline-files</title><p>background test page');
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  dav = `${origin}/dav/`;
  server = await startCscServer({ bin: serverBin, share, app, port, token });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await stopCscServer(server);
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A page with the cache `name` open as `window.cache`, every event collected in `window.seen`. */
async function openPage(context, name, backgroundSync) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${origin}/index.html`);
  await page.evaluate(
    async ({ name, dav, token, backgroundSync }) => {
      window.of = await import('/pkg/index.js');
      window.cache = await window.of.OfflineFilesCache.open({
        name,
        shares: [{ url: dav, auth: { bearer: token } }],
        backgroundSync,
      });
      window.seen = [];
      window.cache.addEventListener('*', (e) => window.seen.push(e));
    },
    { name, dav, token, backgroundSync },
  );
  return page;
}

/** Waits until `page` has seen `count` events of `type`; returns every event seen. */
async function waitForEvents(page, type, count, timeout = 20_000) {
  await page.waitForFunction(
    ({ type, count }) => window.seen.filter((e) => e.type === type).length >= count,
    { type, count },
    { timeout, polling: 50 },
  );
  return page.evaluate(() => window.seen);
}

test('a schedule in test time runs background passes between backgroundSyncBegin and backgroundSyncEnd with equal flags, syncing both ways', async () => {
  const context = await browser.newContext();
  const page = await openPage(context, 'db-bg1', { minuteMs: 100 });
  await page.evaluate(async () => {
    // Every minute (100 ms here), no variance, after the pinning below.
    await window.cache.backgroundSync.set({ enabled: false });
    await window.cache.pin('b1', { deep: true, fill: true });
    await window.cache.writeFile('b1/a.txt', 'a, edited here');
  });
  const put = await fetch(`${dav}b1/c.txt`, { method: 'PUT', body: 'c, new on the server', headers: { authorization: `Bearer ${token}` } });
  assert.ok(put.ok);
  await page.evaluate(() => {
    window.seen.length = 0;
    return window.cache.backgroundSync.set({ enabled: true, syncInterval: 1, syncVariance: 0 });
  });
  // The page opened with background sync on and had never synced, so a pass may already have
  // been running when the events were cleared: its end can arrive before the first begin. The
  // pass under test is the first one that begins after the clearing.
  await page.waitForFunction(
    () => {
      const first = window.seen.findIndex((e) => e.type === 'backgroundSyncBegin');
      return first >= 0 && window.seen.some((e, i) => i > first && e.type === 'backgroundSyncEnd');
    },
    null,
    { timeout: 20_000, polling: 50 },
  );
  const seen = await page.evaluate(() => window.seen);
  const first = seen.findIndex((e) => e.type === 'backgroundSyncBegin');
  const last = seen.findIndex((e, i) => i > first && e.type === 'backgroundSyncEnd');
  const pass = seen.slice(first, last + 1).map((e) => e.type);
  assert.equal(pass[0], 'backgroundSyncBegin');
  assert.equal(pass[1], 'syncBegin');
  assert.equal(pass.at(-2), 'syncEnd');
  assert.ok(pass.includes('syncFileResult'), `per-file results inside the pass: ${pass.join(', ')}`);
  assert.equal(seen[first].flags, PASS_FLAGS);
  assert.equal(seen[last].flags, seen[first].flags, 'begin and end carry the same flags');

  assert.equal(readFileSync(join(share, 'b1/a.txt'), 'utf8'), 'a, edited here');
  const cached = await page.evaluate(async () => {
    const item = await window.cache.findItem('b1/c.txt');
    return { pinned: item.pinned, text: new TextDecoder().decode(await window.cache.readFile('b1/c.txt')) };
  });
  assert.deepEqual(cached, { pinned: true, text: 'c, new on the server' });

  const schedule = await page.evaluate(async () => ({
    leader: window.cache.backgroundSync.isLeader,
    next: (await window.cache.backgroundSync.nextRun())?.getTime() ?? null,
    now: Date.now(),
  }));
  assert.equal(schedule.leader, true);
  const health = await page.evaluate(async () =>
    (await window.cache.backgroundSync.health()).map((h) => ({
      share: h.share,
      synced: h.lastSyncTime instanceof Date,
      succeeded: h.lastSuccessfulSyncTime?.getTime() === h.lastSyncTime?.getTime(),
      status: h.lastSyncStatus,
    })),
  );
  assert.deepEqual(health, [{ share: dav, synced: true, succeeded: true, status: 0 }]);
  assert.ok(schedule.next !== null && schedule.next >= schedule.now - 1000, `next run ${schedule.next}`);
  await context.close();
});

test('invalid background sync settings are refused with the field, its value and the allowed range, and nothing is saved', async () => {
  const context = await browser.newContext();
  const page = await openPage(context, 'db-bg2', false);
  const result = await page.evaluate(async () => {
    const bs = window.cache.backgroundSync;
    const defaults = await bs.get();
    const refused = await bs.set({ syncInterval: 1441, syncVariance: 5 }).then(
      () => null,
      (e) => ({ code: e.code, message: e.message, fields: e.fields }),
    );
    const afterRefusal = await bs.get();
    const wrongType = await bs.set({ syncInterval: '30' }).then(
      () => null,
      (e) => ({ name: e.name, message: e.message }),
    );
    const unknown = await bs.set({ interval: 30 }).then(
      () => null,
      (e) => e.name,
    );
    const saved = await bs.set({ syncInterval: 30, syncVariance: 5, blockOutStartTimeHoursMinutes: 2200, blockOutDurationMin: 480 });
    return { defaults, refused, afterRefusal, wrongType, unknown, saved, reread: await bs.get(), leader: bs.isLeader };
  });
  assert.deepEqual(result.defaults, {
    enabled: true,
    syncInterval: 360,
    syncVariance: 60,
    maxTimeBetweenSyncs: 0,
    blockOutStartTimeHoursMinutes: 0,
    blockOutDurationMin: 0,
    backgroundSyncWorkOfflineSharesEnabled: false,
  });
  assert.equal(result.refused.code, 'InvalidArgument');
  assert.match(result.refused.message, /syncInterval = 1441 is not allowed: it must be 1 to 1440 minutes/);
  assert.match(result.refused.message, /nothing was saved/);
  assert.deepEqual(result.refused.fields, [{ field: 'syncInterval', value: 1441, allowed: '1 to 1440 minutes' }]);
  assert.deepEqual(result.afterRefusal, result.defaults, 'nothing of the refused settings was saved');
  assert.equal(result.wrongType.name, 'TypeError');
  assert.match(result.wrongType.message, /syncInterval must be a number/);
  assert.equal(result.unknown, 'TypeError');
  assert.equal(result.saved.syncInterval, 30);
  assert.deepEqual(result.reread, result.saved);
  assert.equal(result.leader, false, 'a page opened with backgroundSync: false never leads');
  await context.close();
});

test('of two pages of one origin exactly one leads, both see its passes, and when it closes the other takes over', async () => {
  const context = await browser.newContext();
  const a = await openPage(context, 'db-bg3', { minuteMs: 200 });
  await a.evaluate(async () => {
    await window.cache.pin('b3', { deep: true, fill: true });
    // A pass every 5 minutes of test time: one second.
    await window.cache.backgroundSync.set({ syncInterval: 5, syncVariance: 0 });
  });
  const b = await openPage(context, 'db-bg3', { minuteMs: 200 });
  const leaders = async () => [
    await a.evaluate(() => window.cache.backgroundSync.isLeader),
    await b.evaluate(() => window.cache.backgroundSync.isLeader),
  ];
  assert.deepEqual(await leaders(), [true, false], 'the first page leads');

  // Both pages see a whole pass the leader runs (page b may have opened in the middle of one,
  // after its begin: it waits for a begin and the end after it).
  for (const page of [a, b]) {
    await page.waitForFunction(
      () => {
        const types = window.seen.map((e) => e.type);
        const begin = types.indexOf('backgroundSyncBegin');
        return begin >= 0 && types.indexOf('backgroundSyncEnd', begin) > begin;
      },
      null,
      { timeout: 20_000, polling: 50 },
    );
    const begin = await page.evaluate(() => window.seen.find((e) => e.type === 'backgroundSyncBegin'));
    assert.equal(begin.flags, PASS_FLAGS);
  }

  // The leader goes away; the other page takes over and runs the next passes itself.
  await a.close();
  await b.waitForFunction(() => window.cache.backgroundSync.isLeader, null, { timeout: 10_000, polling: 50 });
  const count = await b.evaluate(() => window.seen.filter((e) => e.type === 'backgroundSyncEnd').length);
  await waitForEvents(b, 'backgroundSyncEnd', count + 2);
  await context.close();
});

test('syncs of one share from several pages and a background pass wait for each other instead of failing Busy', async () => {
  const context = await browser.newContext();
  const a = await openPage(context, 'db-bg4', false);
  const b = await openPage(context, 'db-bg4', false);
  await a.evaluate(() => window.cache.pin('b2', { deep: true, fill: true }));
  const outcome = (p, f) => p.evaluate(f).then((r) => r, (e) => `rejected: ${e}`);
  const [pass, inB, inA] = await Promise.all([
    outcome(a, async () => Object.values(await window.cache.backgroundSync.runNow())[0]?.ok),
    outcome(b, () => window.cache.synchronize('b2').then((r) => r.ok, (e) => e.code)),
    outcome(a, () => window.cache.synchronize('b2').then((r) => r.ok, (e) => e.code)),
  ]);
  assert.deepEqual([pass, inB, inA], [true, true, true]);
  await context.close();
});

test('a file open in one page is left alone by a background pass run in another, and synced once it is closed', async () => {
  const context = await browser.newContext();
  const a = await openPage(context, 'db-bg5', false);
  const b = await openPage(context, 'db-bg5', false);
  await a.evaluate(async () => {
    await window.cache.pin('b5', { deep: true, fill: true });
    window.seen.length = 0;
  });
  await b.evaluate(async () => {
    await window.cache.writeFile('b5/e.txt', 'e, being edited');
    window.cache.setOpen('b5/e.txt');
  });
  const results = () =>
    a.evaluate(() => window.seen.filter((e) => e.type === 'syncFileResult' && e.path === 'b5/e.txt').map((e) => e.result));
  await a.evaluate(() => window.cache.backgroundSync.runNow());
  // HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION)
  assert.deepEqual(await results(), [0x80070020]);
  assert.equal(readFileSync(join(share, 'b5/e.txt'), 'utf8'), 'e, original');

  await b.evaluate(() => window.cache.setOpen('b5/e.txt', false));
  await a.evaluate(() => window.cache.backgroundSync.runNow());
  assert.deepEqual(await results(), [0x80070020, 0]);
  assert.equal(readFileSync(join(share, 'b5/e.txt'), 'utf8'), 'e, being edited');
  await context.close();
});
