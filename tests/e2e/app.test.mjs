// The web app (csc-app, built by Trunk into www/dist) as a person uses it, in Debian's
// Chromium against csc-server started and stopped by the test. Page objects below keep the
// selectors (data-testid hooks) in one place.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { freePort, launchChromium, startCscServer, stopCscServer } from './server.mjs';


const root = new URL('../../', import.meta.url).pathname;
const builtApp = process.env.APP_DIR ?? join(root, 'www/dist');
// The test serves a copy, so that it can put a new version of the app in its place.
let appDir;
const serverBin = process.env.CSC_SERVER ?? join(root, 'target/debug/csc-server');
const XSS_NAME = '<img src=x onerror=alert(1)>.txt';

// Every test saves a screenshot of its page here (the README shows two of them).
const shots = process.env.SCREENSHOTS ?? join(root, 'target/screenshots');
mkdirSync(shots, { recursive: true });
/** Saves a screenshot of `page` as `name`.png. */
async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

let work;
let share;
let port;
let origin;
let server;
let browser;

async function startServer() {
  server = await startCscServer({ bin: serverBin, share, app: appDir, port, token: '' });
}

async function stopServer() {
  await stopCscServer(server);
}

before(async () => {
  assert.ok(existsSync(join(builtApp, 'index.html')), `no app at ${builtApp}: run cargo xtask test (it builds it)`);
  work = mkdtempSync(join(tmpdir(), 'csc-app-'));
  appDir = join(work, 'app');
  cpSync(builtApp, appDir, { recursive: true });
  share = join(work, 'share');
  for (const [p, content] of Object.entries({
    'docs/note.txt': 'first line\n',
    'docs/other.txt': 'other',
    'both/report.txt': 'original report\n',
    [`names/${XSS_NAME}`]: 'a file with a hostile name',
  })) {
    mkdirSync(join(share, p, '..'), { recursive: true });
    writeFileSync(join(share, p), content);
  }
  // A folder of 10,000 files, for the listing's speed.
  mkdirSync(join(share, 'big'));
  for (let i = 0; i < 10_000; i++) writeFileSync(join(share, 'big', `f${String(i).padStart(5, '0')}.txt`), 'x');
  port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  await startServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await stopServer();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The app in a page: what a person sees and does, by data-testid. */
class AppPage {
  constructor(page) {
    this.page = page;
    this.dialogs = [];
    this.acceptDialogs = false;
    page.on('dialog', async (d) => {
      this.dialogs.push(d.message());
      await (this.acceptDialogs ? d.accept() : d.dismiss());
    });
    page.on('pageerror', (e) => console.error('page error:', e.message));
  }

  static async open(context) {
    const app = new AppPage(await context.newPage());
    await app.page.goto(`${origin}/`);
    return app;
  }

  row(path) {
    return this.page.locator(`[data-testid=item][data-path="${path}"]`);
  }

  async waitForRow(path) {
    await this.row(path).waitFor({ timeout: 20_000 });
  }

  async badges(path) {
    return this.row(path).locator('.badge').allTextContents();
  }

  async openItem(path) {
    await this.row(path).getByTestId('item-open').click();
  }

  /**
   * Waits until the row of `path` shows a badge that is `badge` (a RegExp source matched
   * whole), or, with `shown` false, until it shows none.
   */
  async waitForBadge(path, badge, shown = true) {
    await this.page.waitForFunction(
      ({ path, badge, shown }) =>
        [...document.querySelectorAll(`[data-testid=item][data-path="${path}"] .badge`)].some((b) =>
          new RegExp(`^(?:${badge})$`).test(b.textContent),
        ) === shown,
      { path, badge, shown },
      { timeout: 20_000 },
    );
  }

  async pin(path) {
    await this.row(path).getByTestId('item-pin').click();
    await this.waitForBadge(path, 'pinned');
  }

  async editorText() {
    await this.page.getByTestId('editor-text').waitFor({ state: 'visible' });
    return this.page.getByTestId('editor-text').inputValue();
  }

  /** Edits the open file and waits until the cache has it (its row says so). */
  async edit(text) {
    await this.page.getByTestId('editor-text').waitFor({ state: 'visible' });
    const path = await this.page.getByTestId('editor-path').textContent();
    await this.page.getByTestId('editor-text').fill(text);
    await this.page.getByTestId('editor-save').click();
    await this.waitForBadge(path, '(modified|created) offline');
  }

  async syncNow() {
    await this.page.getByTestId('sync-now').click();
    await this.page.waitForFunction(
      () => /^Sync \(.*\) (done|stopped|cancelled)/.test(document.querySelector('[data-testid=sync-status]')?.textContent ?? ''),
      null,
      { timeout: 30_000 },
    );
    return this.page.getByTestId('sync-status').textContent();
  }

  async conflicts() {
    await this.page.getByTestId('tab-center').click();
    return this.page.locator('[data-testid=conflict]').evaluateAll((items) =>
      items.map((li) => ({ path: li.dataset.path, state: Number(li.dataset.state), stateName: li.querySelector('[data-testid=conflict-state]').textContent })),
    );
  }

  conflict(path) {
    return this.page.locator(`[data-testid=conflict][data-path="${path}"]`);
  }

  async events() {
    await this.page.getByTestId('tab-events').click();
    return this.page.locator('[data-testid=event]').evaluateAll((items) =>
      items.map((li) => ({ kind: li.dataset.kind, text: li.textContent })),
    );
  }
}

test('the app\'s wasm and JavaScript come compressed, and what the page runs is what was built', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const sent = new Map();
  page.on('response', async (r) => {
    const path = new URL(r.url()).pathname;
    if (/\.(wasm|js)$/.test(path)) sent.set(path, { encoding: (await r.allHeaders())['content-encoding'], type: r.headers()['content-type'] });
  });
  await page.goto(`${origin}/`);
  await page.locator('[data-testid=item][data-path="docs"]').waitFor({ timeout: 20_000 });
  const wasm = readdirSync(appDir).find((f) => /^csc-app-[0-9a-f]+_bg\.wasm$/.test(f));
  const js = readdirSync(appDir).find((f) => /^csc-app-[0-9a-f]+\.js$/.test(f));
  assert.deepEqual(sent.get(`/${wasm}`), { encoding: 'gzip', type: 'application/wasm' });
  assert.equal(sent.get(`/${js}`)?.encoding, 'gzip');
  // The page decoded them: the app runs (its listing is up), and the sizes are the built files'.
  const sizes = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('resource').map((r) => [new URL(r.name).pathname, [r.decodedBodySize, r.encodedBodySize]])));
  const [decoded, encoded] = sizes[`/${wasm}`];
  assert.equal(decoded, readFileSync(join(appDir, wasm)).length);
  assert.equal(encoded, readFileSync(join(appDir, `${wasm}.gz`)).length);
  await context.close();
});

test('a pinned folder opens offline after a reload, an offline edit reaches the server with Sync now, and the event log shows the sync', async () => {
  const context = await browser.newContext();
  const app = await AppPage.open(context);
  await app.waitForRow('docs');
  await app.pin('docs');
  // The service worker has the app's files once it is active.
  await app.page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });

  await stopServer();
  await app.page.reload();
  await app.waitForRow('docs');
  await app.openItem('docs');
  await app.waitForRow('docs/note.txt');
  assert.ok((await app.badges('docs/note.txt')).includes('available offline'));
  await app.openItem('docs/note.txt');
  assert.equal(await app.editorText(), 'first line\n');
  await app.edit('first line\nwritten offline\n');
  await app.waitForBadge('docs/note.txt', 'modified offline');

  await startServer();
  const status = await app.syncNow();
  assert.match(status, /done: everything is in sync/);
  assert.equal(readFileSync(join(share, 'docs/note.txt'), 'utf8'), 'first line\nwritten offline\n');

  const events = await app.events();
  const begins = events.filter((e) => e.kind === 'syncBegin').map((e) => e.text.match(/sync (\S+)/)?.[1]);
  const ends = events.filter((e) => e.kind === 'syncEnd').map((e) => e.text.match(/sync (\S+?):/)?.[1]);
  assert.ok(begins.length > 0 && ends.length > 0, JSON.stringify(events.slice(0, 10)));
  assert.equal(begins[0], ends[0], 'the newest SyncBegin and SyncEnd carry the same sync id');
  assert.ok(events.some((e) => e.kind === 'syncFileResult' && e.text.includes('docs/note.txt')), 'a per-file result for the edited file');
  await shot(app.page, 'offline-edit');
  await context.close();
});

test('a file name with markup is shown as text and runs nothing', async () => {
  const context = await browser.newContext();
  const app = await AppPage.open(context);
  await app.waitForRow('names');
  await app.openItem('names');
  const path = `names/${XSS_NAME}`;
  await app.waitForRow(path);
  const name = await app.row(path).getByTestId('item-open').textContent();
  assert.equal(name, XSS_NAME);
  assert.equal(await app.page.locator('main img').count(), 0, 'no element made from the name');
  assert.deepEqual(app.dialogs, [], 'no script ran');
  await shot(app.page, 'hostile-name');
  await context.close();
});

test('a file changed on the server and in the app shows in Sync Center with its state, and keep both puts both files on the server', async () => {
  const context = await browser.newContext();
  const app = await AppPage.open(context);
  await app.waitForRow('both');
  await app.pin('both');
  await app.openItem('both');
  await app.waitForRow('both/report.txt');
  await app.openItem('both/report.txt');
  await app.edit('edited in the app\n');
  const put = await fetch(`${origin}/dav/both/report.txt`, { method: 'PUT', body: 'edited on the server\n' });
  assert.ok(put.ok, `PUT: ${put.status}`);

  const status = await app.syncNow();
  assert.match(status, /1 conflict/);
  await app.waitForBadge('both/report.txt', 'in conflict');
  const conflicts = await app.conflicts();
  assert.deepEqual(conflicts, [{ path: 'both/report.txt', state: 12, stateName: 'FileChangedOnClient_ChangedOnServer' }]);

  // Both versions side by side.
  await app.conflict('both/report.txt').getByRole('button', { name: 'Show versions' }).click();
  await app.page.waitForFunction(() => document.querySelector('[data-testid=preview-remote]')?.textContent.includes('edited on the server'));
  assert.equal(await app.conflict('both/report.txt').getByTestId('preview-local').textContent(), 'edited in the app\n');
  await shot(app.page, 'sync-center');

  await app.conflict('both/report.txt').getByTestId('keep-both-name').fill('report (laptop).txt');
  await app.conflict('both/report.txt').getByTestId('keep-both').click();
  await app.page.waitForFunction(() => document.querySelector('[data-testid=center-message]')?.textContent === 'resolved', null, { timeout: 20_000 });
  // The conflict leaves Sync Center once the store is read again.
  await app.page.waitForFunction(() => document.querySelectorAll('[data-testid=conflict]').length === 0, null, { timeout: 20_000 });
  assert.equal(readFileSync(join(share, 'both/report.txt'), 'utf8'), 'edited on the server\n');
  assert.equal(readFileSync(join(share, 'both/report (laptop).txt'), 'utf8'), 'edited in the app\n');
  await shot(app.page, 'sync-center-resolved');
  await context.close();
});

test('the schedule form refuses SyncInterval 1441 with a message, saves 30 / 5 with a preview, and draws a block-out across midnight in two parts', async () => {
  const context = await browser.newContext();
  const app = await AppPage.open(context);
  await app.page.getByTestId('tab-schedule').click();
  const interval = app.page.getByTestId('syncInterval');
  await app.page.waitForFunction(() => document.querySelector('[data-testid=syncInterval]')?.value === '360');

  await interval.fill('1441');
  assert.match(await app.page.getByTestId('syncInterval-error').textContent(), /1441 is not allowed: 1 to 1440 minutes/);
  await app.page.getByTestId('schedule-save').click();
  assert.match(await app.page.getByTestId('schedule-message').textContent(), /Nothing was saved/);

  await interval.fill('30');
  await app.page.getByTestId('syncVariance').fill('5');
  assert.equal(await app.page.getByTestId('syncInterval-error').textContent(), '');
  const preview = app.page.getByTestId('schedule-preview');
  assert.match(await preview.textContent(), /^Next background sync (at|between) .+, then every 30 to 35 minutes$/);
  const [earliest, latest] = (await preview.getAttribute('data-range')).split('-').map(Number);
  const now = Date.now();
  assert.ok(earliest <= latest && earliest > now - 5_000 && latest < now + 36 * 60_000, `${earliest}..${latest} around ${now}`);

  await app.page.getByTestId('blockOutStartTimeHoursMinutes').fill('2200');
  await app.page.getByTestId('blockOutDurationMin').fill('480');
  const segments = await app.page.locator('[data-testid=blockout-segment]').evaluateAll((s) => s.map((e) => [Number(e.dataset.from), Number(e.dataset.to)]));
  assert.deepEqual(segments, [[1320, 1440], [0, 360]], '22:00 to 06:00 is drawn as 22:00–24:00 and 00:00–06:00');
  // Where on the 24-hour bar: 22:00 is 91.667% along, two hours 8.333% of it.
  const placed = await app.page.locator('[data-testid=blockout-segment]').evaluateAll((s) => s.map((e) => [e.style.left, e.style.width]));
  assert.deepEqual(placed, [['91.667%', '8.333%'], ['0%', '25%']]);
  assert.match(await app.page.getByTestId('blockout-bar').getAttribute('aria-label'), /no background sync 22:00 to 00:00, no background sync 00:00 to 06:00/);

  await app.page.getByTestId('schedule-save').click();
  await app.page.waitForFunction(() => document.querySelector('[data-testid=schedule-message]')?.textContent === 'Saved.');
  await app.page.reload();
  await app.page.getByTestId('tab-schedule').click();
  await app.page.waitForFunction(() => document.querySelector('[data-testid=syncInterval]')?.value === '30');
  assert.equal(await app.page.getByTestId('syncVariance').inputValue(), '5');
  assert.equal(await app.page.getByTestId('blockOutStartTimeHoursMinutes').inputValue(), '2200');
  await shot(app.page, 'schedule');
  await context.close();
});

test('storage shows use and quota, and frees space from files neither pinned nor changed, after saying how many', async () => {
  const context = await browser.newContext();
  const app = await AppPage.open(context);
  await app.waitForRow('docs');
  await app.pin('docs');
  // Unpinned, the files stay cached and clean: what freeing space may remove.
  await app.row('docs').getByTestId('item-pin').click();
  await app.waitForBadge('docs', 'pinned', false);
  await app.page.getByTestId('tab-storage').click();
  await app.page.getByTestId('storage-evictable').waitFor();
  // Sizes in words: whole bytes, or one decimal of KB, MB, GB or TB.
  const size = String.raw`(\d+ B|\d+\.\d (KB|MB|GB|TB))`;
  assert.match(await app.page.getByTestId('storage-used').textContent(), new RegExp(`^${size} used of ${size}$`));
  assert.match(await app.page.getByTestId('storage-evictable').textContent(), /^2 file\(s\)/);
  app.acceptDialogs = true;
  await app.page.getByTestId('storage-free').click();
  await app.page.waitForFunction(() => document.querySelector('[data-testid=storage-message]')?.textContent === 'Removed 2 file(s).');
  assert.match(app.dialogs.at(-1), /Remove 2 file\(s\)/);
  await app.page.waitForFunction(() => /^0 file\(s\)/.test(document.querySelector('[data-testid=storage-evictable]')?.textContent ?? ''));
  await shot(app.page, 'storage');
  await context.close();
});

test('a pinned folder can be suspended and released', async () => {
  const context = await browser.newContext();
  const app = await AppPage.open(context);
  await app.waitForRow('docs');
  await app.pin('docs');
  await app.row('docs').getByTestId('item-suspend').click();
  await app.waitForBadge('docs', 'suspended');
  assert.equal(await app.row('docs').getByTestId('item-suspend').textContent(), 'Release');
  await app.row('docs').getByTestId('item-suspend').click();
  await app.waitForBadge('docs', 'suspended', false);
  await shot(app.page, 'suspend');
  await context.close();
});

test('at 360 px the app fits the screen, and every control has a name and is reachable with the keyboard', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const app = await AppPage.open(context);
  await app.waitForRow('docs');
  // Each tab with its content shown (the schedule's form and health, the storage figures).
  const loaded = {
    'tab-browse': '[data-testid=item]',
    'tab-center': '[data-testid=conflicts]',
    'tab-schedule': '[data-testid=health] tbody tr',
    'tab-events': '[data-testid=event-log]',
    'tab-storage': '[data-testid=storage-used]',
  };
  for (const [tab, content] of Object.entries(loaded)) {
    await app.page.getByTestId(tab).click();
    await app.page.locator(content).first().waitFor({ state: 'attached' });
    const width = await app.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${tab}: the page is ${width} px wide at 360`);
  }
  await app.page.getByTestId('tab-browse').click();
  await app.waitForRow('docs');
  const unnamed = await app.page.evaluate(() =>
    [...document.querySelectorAll('button, input, select, textarea')]
      .filter((el) => !el.closest('[hidden]'))
      .filter((el) => {
        const text = el.tagName === 'BUTTON' ? el.textContent.trim() : '';
        const label = el.getAttribute('aria-label') || el.closest('label')?.textContent.trim() || (el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent.trim());
        return !text && !label;
      })
      .map((el) => el.outerHTML.slice(0, 80)),
  );
  assert.deepEqual(unnamed, [], 'controls without a name');
  await app.page.locator('body').focus();
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await app.page.keyboard.press('Tab');
    reached = await app.page.evaluate(() => document.activeElement?.dataset.testid === 'sync-now');
  }
  assert.ok(reached, 'Sync now is reachable with Tab');
  await app.page.keyboard.press('Enter');
  await app.page.waitForFunction(() => /^Sync \(two-way\) done/.test(document.querySelector('[data-testid=sync-status]')?.textContent ?? ''), null, { timeout: 30_000 });
  await shot(app.page, 'narrow');
  await context.close();
});

test('Sync now with items selected syncs only those items', async () => {
  const context = await browser.newContext();
  const app = await AppPage.open(context);
  await app.waitForRow('docs');
  await app.pin('docs');
  await app.openItem('docs');
  await app.waitForRow('docs/other.txt');
  const noteBefore = readFileSync(join(share, 'docs/note.txt'), 'utf8');
  await app.openItem('docs/note.txt');
  await app.edit('note, not selected\n');
  await app.openItem('docs/other.txt');
  await app.page.waitForFunction(() => document.querySelector('[data-testid=editor-path]')?.textContent === 'docs/other.txt');
  await app.edit('other, selected\n');
  await app.row('docs/other.txt').getByTestId('item-select').check();
  assert.match(await app.page.getByTestId('selection').textContent(), /1 selected/);
  const status = await app.syncNow();
  assert.match(status, /^Sync \(two-way, 1 selected\) done/);
  assert.equal(readFileSync(join(share, 'docs/other.txt'), 'utf8'), 'other, selected\n');
  assert.equal(readFileSync(join(share, 'docs/note.txt'), 'utf8'), noteBefore, 'the item not selected waits for the next sync');
  await shot(app.page, 'selection');
  await context.close();
});

test('a second share can be added, picked and kept across reloads', async () => {
  const context = await browser.newContext();
  const app = await AppPage.open(context);
  await app.waitForRow('docs');
  await app.page.getByTestId('add-share').click();
  await app.page.getByTestId('share-url-input').fill(`${origin}/dav/names/`);
  await app.page.getByTestId('share-add-submit').click();
  // The new share is shown: its root holds the file of names/.
  await app.waitForRow(XSS_NAME);
  const options = () => app.page.getByTestId('share-select').locator('option').allTextContents();
  assert.deepEqual(await options(), [`${origin}/dav/`, `${origin}/dav/names/`]);
  await app.page.getByTestId('share-select').selectOption({ index: 0 });
  await app.waitForRow('docs');
  await app.page.reload();
  await app.waitForRow('docs');
  assert.deepEqual(await options(), [`${origin}/dav/`, `${origin}/dav/names/`]);
  await shot(app.page, 'shares');
  await context.close();
});

test('the folder tree shows the share folders and opens one in the listing', async () => {
  const context = await browser.newContext();
  const app = await AppPage.open(context);
  await app.waitForRow('docs');
  const node = (path) => app.page.locator(`[data-testid=tree-node][data-path="${path}"]`);
  await node('docs').waitFor();
  await node('both').waitFor();
  await node('docs').locator('.folder').click();
  await app.waitForRow('docs/note.txt');
  assert.equal(await node('docs').locator('.folder').getAttribute('class'), 'folder current');
  await shot(app.page, 'folder-tree');
  await context.close();
});

test('of two tabs one runs background sync, both see the events, and when it closes the other takes over', async () => {
  const context = await browser.newContext();
  const a = new AppPage(await context.newPage());
  await a.page.goto(`${origin}/?minuteMs=200`);
  await a.waitForRow('docs');
  const b = new AppPage(await context.newPage());
  await b.page.goto(`${origin}/?minuteMs=200`);
  await b.waitForRow('docs');
  const leads = (app) => app.page.getByTestId('bg-leader').getAttribute('data-leader');
  await a.page.waitForFunction(() => document.querySelector('[data-testid=bg-leader]')?.dataset.leader === 'true');
  assert.equal(await leads(b), 'false', 'one leader');

  // A sync in one tab shows in the other's event log.
  await a.syncNow();
  await b.page.getByTestId('tab-events').click();
  await b.page.waitForFunction(() => [...document.querySelectorAll('[data-testid=event]')].some((e) => e.dataset.kind === 'syncEnd'), null, { timeout: 10_000 });

  await a.page.close();
  await b.page.waitForFunction(() => document.querySelector('[data-testid=bg-leader]')?.dataset.leader === 'true', null, { timeout: 10_000 });
  await shot(b.page, 'two-tabs');
  await context.close();
});

test('a folder of 10,000 files opens quickly and draws only the rows in view', async () => {
  const context = await browser.newContext();
  const app = await AppPage.open(context);
  await app.waitForRow('big');
  await app.page.evaluate(() => {
    window.openedAt = performance.now();
  });
  await app.openItem('big');
  await app.page.waitForFunction(() => {
    const row = document.querySelector('[data-testid=item][data-path^="big/"]');
    if (row && !window.firstPaint) window.firstPaint = performance.now() - window.openedAt;
    return !!row;
  }, null, { polling: 'raf', timeout: 30_000 });
  const ms = await app.page.evaluate(() => window.firstPaint);
  console.log(`listing: first rows of a 10,000-file folder painted ${Math.round(ms)} ms after the click`);
  assert.equal(await app.page.getByTestId('listing').getAttribute('data-count'), '10000');
  const drawn = await app.page.locator('[data-testid=item]').count();
  assert.ok(drawn > 0 && drawn <= 100, `${drawn} rows drawn`);
  // Scrolled to the end, the last files are drawn.
  await app.page.getByTestId('listing-scroll').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  await app.waitForRow('big/f09999.txt');
  await context.close();
});

test('a new version of the app replaces the old one whole, and it is the new one that loads offline', async () => {
  const context = await browser.newContext();
  const app = await AppPage.open(context);
  await app.waitForRow('docs');
  await app.page.evaluate(() => navigator.serviceWorker.ready);
  const shells = () => app.page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('offline-files-shell')));
  await app.page.waitForFunction(async () => (await caches.keys()).some((k) => k.startsWith('offline-files-shell')));
  const [first] = await shells();

  // The next version: other file names for its JavaScript, another title.
  const index = readFileSync(join(appDir, 'index.html'), 'utf8');
  const js = readdirSync(appDir).find((f) => /^csc-app-[0-9a-f]+\.js$/.test(f));
  const next = js.replace('.js', '-next.js');
  cpSync(join(appDir, js), join(appDir, next));
  cpSync(join(appDir, `${js}.gz`), join(appDir, `${next}.gz`));
  const nextIndex = index.replaceAll(`/${js}`, `/${next}`).replace('<title>Offline Files</title>', '<title>Offline Files (next)</title>');
  // A version ships with its compressed copies, which the server sends instead.
  writeFileSync(join(appDir, 'index.html'), nextIndex);
  writeFileSync(join(appDir, 'index.html.gz'), gzipSync(nextIndex));

  await app.page.reload();
  await app.waitForRow('docs');
  assert.equal(await app.page.title(), 'Offline Files (next)');
  await app.page.waitForFunction(
    async (first) => {
      const keys = (await caches.keys()).filter((k) => k.startsWith('offline-files-shell'));
      return keys.length === 1 && keys[0] !== first;
    },
    first,
    { timeout: 20_000 },
  );

  await stopServer();
  try {
    await app.page.reload();
    await app.waitForRow('docs');
    assert.equal(await app.page.title(), 'Offline Files (next)', 'offline, the new version loads');
    const scripts = await app.page.evaluate(() => performance.getEntriesByType('resource').map((r) => new URL(r.name).pathname).filter((p) => p.endsWith('.js') && p.startsWith('/csc-app')));
    assert.deepEqual(scripts, [`/${next}`], 'only the new version\'s JavaScript');
  } finally {
    await startServer();
  }
  await shot(app.page, 'new-version');
  await context.close();
});
