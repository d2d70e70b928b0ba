// Starting csc-server for the browser tests and benchmarks: a free loopback port, and the
// server started on it and waited for until it answers.

import { spawn } from 'node:child_process';
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
