// Bundlers accept the package: the tarball `npm pack` made (PKG_TARBALL) installed into a fresh
// Vite app (tests/vite-app, copied to a temporary folder; vite and typescript come from npm),
// which type-checks against the package's types, builds, and — served from its dist folder —
// loads the wasm in Chromium and uses the cache offline.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { launchChromium } from './server.mjs';

const root = new URL('../../', import.meta.url).pathname;
const tarball = process.env.PKG_TARBALL;
const work = mkdtempSync(join(tmpdir(), 'csc-vite-'));

after(() => rmSync(work, { recursive: true, force: true }));

test('a fresh Vite app installs the packed tarball, type-checks, builds, and its page uses the cache', async () => {
  assert.ok(tarball && existsSync(tarball), `no tarball at ${tarball}: run cargo xtask test (it packs one)`);
  const app = join(work, 'app');
  cpSync(join(root, 'tests/vite-app'), app, { recursive: true });
  const run = (cmd, args) => execFileSync(cmd, args, { cwd: app, stdio: ['ignore', 'inherit', 'inherit'] });
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball]);
  run('npx', ['tsc', '--noEmit']);
  run('npx', ['vite', 'build', '--logLevel', 'warn']);
  const assets = readdirSync(join(app, 'dist/assets'));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), `the build emits the wasm: ${assets}`);

  const dist = join(app, 'dist');
  const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = normalize(join(dist, path === '/' ? 'index.html' : decodeURIComponent(path)));
    if (!file.startsWith(dist)) return res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => document.getElementById('status').textContent !== 'loading', null, {
      timeout: 30_000,
    });
    const status = await page.textContent('#status');
    // The text written offline, the item dirty, a sync without the server a Network error,
    // and SyncState.Stable = 0.
    assert.equal(status, 'written offline|true|Network|0');
  } finally {
    await browser.close();
    server.close();
  }
});
