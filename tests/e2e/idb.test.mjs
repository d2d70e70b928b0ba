// The IndexedDB cache where only a real browser can show it: a page closed in the middle of a
// write, and the browser's own quota running out (QuotaExceededError). The page is csc-idb's
// `idb_page` example built with wasm-bindgen `--target web` (IDB_PAGE_DIR, built by
// `cargo xtask test`), served from here and driven in Debian's Chromium by Playwright.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { chromiumOptions, launchChromium } from './server.mjs';

const dir = process.env.IDB_PAGE_DIR ?? new URL('../../target/idb-page/', import.meta.url).pathname;
const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const index = `<!doctype html><meta charset="utf-8"><title>csc-idb</title>
<script type="module">
  import init, * as idb from './idb_page.js';
  await init({ module_or_path: './idb_page_bg.wasm' });
  window.idb = idb;
  window.ready = true;
</script>`;

let server;
let origin;
let browser;

before(async () => {
  server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(index);
      return;
    }
    const file = normalize(join(dir, decodeURIComponent(path)));
    if (!file.startsWith(normalize(dir))) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function openPage(context) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(origin + '/');
  await page.waitForFunction(() => window.ready === true);
  return page;
}

test('a page closed in the middle of a batch leaves the cache as it was before the batch', async (t) => {
  const context = await browser.newContext();
  const n = 3000;
  // The same batch run to its end: every file is there, whole (so the test can tell).
  let page = await openPage(context);
  await page.evaluate((n) => window.idb.bigBatch('whole', n), n);
  const whole = await page.evaluate(() => window.idb.inspect('whole'));
  assert.deepEqual(whole, { items: 1 + 2 * n, files: n, whole: true });

  const filesMs = await page.evaluate(() => window.filesMs);
  t.diagnostic(`the files' transaction takes ${filesMs} ms uncut; the page closes at ${Math.floor(filesMs / 3)} ms`);

  // Now closed a third of the way into the files' transaction.
  await page.evaluate((n) => {
    window.batchIssued = false;
    window.done = false;
    window.idb.bigBatch('cut', n).then(() => { window.done = true; });
  }, n);
  await page.waitForFunction(() => window.batchIssued === true);
  await page.waitForTimeout(Math.floor(filesMs / 3));
  const doneBeforeClose = await page.evaluate(() => window.done);
  await page.close();
  assert.equal(doneBeforeClose, false, `the batch (${filesMs} ms uncut) ended before the page closed`);

  page = await openPage(context);
  const cut = await page.evaluate(() => window.idb.inspect('cut'));
  // The folders' batch had committed; of the files' batch, nothing.
  assert.deepEqual(cut, { items: 1 + n, files: 0, whole: true });
  await context.close();
});

// A browser profile on a small disk of its own (a tmpfs): Chromium's IndexedDB then refuses
// writes with a real QuotaExceededError once the disk is nearly full. DevTools'
// Storage.overrideQuotaForOrigin would be lighter, but this Chromium reports the override and
// does not enforce it on IndexedDB. Mounting needs root (or sudo without a password), as
// installing the browser did.
async function onSmallDisk(megabytes, run) {
  const where = mkdtempSync(join(tmpdir(), 'csc-small-disk-'));
  const root = process.getuid?.() === 0;
  const sys = (cmd, args) => execFileSync(root ? cmd : 'sudo', root ? args : ['-n', cmd, ...args]);
  try {
    sys('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', where]);
  } catch (e) {
    throw new Error(`mounting a ${megabytes} MB tmpfs for the quota test failed (run the tests as root, or with passwordless sudo): ${e.message}`);
  }
  const context = await chromium.launchPersistentContext(join(where, 'profile'), chromiumOptions);
  try {
    await run(await openPage(context));
  } finally {
    await context.close();
    sys('umount', [where]);
    rmSync(where, { recursive: true, force: true });
  }
}

test('the browser quota running out is a "cache is full" error and leaves no partial file', async () => {
  await onSmallDisk(96, async (page) => {
    const filled = await page.evaluate(() => window.idb.fillUntilFull('fill', 1024 * 1024, 200));
    assert.equal(filled.quotaExceeded, true, `refused with: ${filled.error}`);
    assert.match(filled.error, /storage for this site is full/);
    assert.ok(filled.stored >= 8 && filled.stored < 96, `stored ${filled.stored} files of 1 MB`);
    // Every file stored is whole; the refused one left nothing.
    const after = await page.evaluate(() => window.idb.inspect('fill'));
    assert.deepEqual(after, { items: 1 + filled.stored, files: filled.stored, whole: true });
  });
});

test('a sync whose download meets the browser quota fails that item with DISK_FULL and goes on', async () => {
  await onSmallDisk(96, async (page) => {
    // Another database of the site takes nearly all the room.
    const filled = await page.evaluate(() => window.idb.fillUntilFull('fill', 1024 * 1024, 200));
    assert.equal(filled.quotaExceeded, true, `refused with: ${filled.error}`);
    const result = await page.evaluate(() => window.idb.syncPinned('sync', 16 * 1024 * 1024));
    assert.equal(result.small, true, `the small file was cached (${result.errors})`);
    assert.equal(result.bigCached, false, 'the big file was not');
    assert.match(result.errors, /docs\/big\.bin: 0x80070070 .*full/);
    const after = await page.evaluate(() => window.idb.inspect('sync'));
    assert.equal(after.whole, true, 'no file is cached in part');
    assert.equal(after.files, 1);
  });
});
