// What the browser tests and benchmarks share: a free loopback port, csc-server started on it
// (waited for until it answers) and stopped, and Debian's Chromium launched quietly.

import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';
import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that nothing listens on now. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `bin` serving the share folder `share` at `/dav/` and the folder `app` at `/`, on
 * 127.0.0.1:`port` with bearer `token` and no rescans, and resolves with the child process
 * once `/index.html` answers; rejects if the server exits first or stays silent `timeoutMs`.
 */
export async function startCscServer({ bin, share, app, port, token, timeoutMs = 30_000 }) {
  const server = spawn(
    bin,
    ['--root', share, '--app', app, '--addr', `127.0.0.1:${port}`, '--token', token, '--rescan-secs', '0'],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, RUST_LOG: 'warn' } },
  );
  const exited = new Promise((resolve) => server.once('exit', resolve));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/index.html`);
      if (r.ok) return server;
    } catch {
      // Not listening yet.
    }
    if (server.exitCode !== null) throw new Error(`csc-server exited at start (${server.exitCode})`);
    if (Date.now() > deadline) {
      server.kill('SIGTERM');
      throw new Error(`csc-server did not answer within ${timeoutMs / 1000} s`);
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 50))]);
  }
}

/** Stops a csc-server started by `startCscServer` and waits for it to exit; nothing if it has. */
export async function stopCscServer(server) {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
}

/** Options for Debian's Chromium without the background traffic the closed network refuses. */
export const chromiumOptions = {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
};

/** Launches Debian's Chromium (headless) with `chromiumOptions`. */
export function launchChromium() {
  return chromium.launch(chromiumOptions);
}
