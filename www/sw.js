// The app's service worker: the app shell (index.html, the wasm, its JavaScript, styles,
// icons) is cached when the worker installs, so the app loads with the server down. The share
// (/dav/) is never cached here: the engine keeps what is available offline in IndexedDB.
//
// Updates stay consistent: Trunk gives the wasm and its JavaScript names that change with
// their content, and each version's files go into a cache of their own, named after the
// index.html they came from. A page never mixes one version's JavaScript with another's wasm:
// index.html is fetched from the network first (so a new version is seen as soon as the server
// answers), and the files it names come from the cache that index.html was stored with.

const SHELL = 'offline-files-shell';

/** The same-origin files an index.html names: quoted absolute paths with an extension. */
function assetsOf(html) {
  const urls = new Set(['/manifest.webmanifest', '/icon.svg']);
  for (const m of html.matchAll(/["'](\/[^"'#?\s]+\.[a-z0-9]+)["']/gi)) {
    if (!m[1].startsWith('/dav/')) urls.add(m[1]);
  }
  return [...urls];
}

/** The modules a JavaScript file imports by relative path (wasm-bindgen's snippets). */
function importsOf(url, js) {
  const out = [];
  for (const m of js.matchAll(/from\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    out.push(new URL(m[1], new URL(url, self.location.origin)).pathname);
  }
  return out;
}

async function store(version, html) {
  const cache = await caches.open(`${SHELL}-${version}`);
  const urls = new Set(assetsOf(html));
  for (const url of [...urls].filter((u) => u.endsWith('.js'))) {
    const js = await (await fetch(url)).text();
    for (const imported of importsOf(url, js)) urls.add(imported);
  }
  await cache.addAll([...urls]);
  const page = () => new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } });
  await cache.put('/', page());
  await cache.put('/index.html', page());
  const keep = `${SHELL}-${version}`;
  for (const name of await caches.keys()) {
    if (name.startsWith(SHELL) && name !== keep) await caches.delete(name);
  }
}

/** A version name for an index.html: a hash of its text (its asset names change with them). */
async function versionOf(html) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(html));
  return [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const html = await (await fetch('/index.html', { cache: 'no-store' })).text();
      await store(await versionOf(html), html);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/dav/')) {
    return;
  }
  if (event.request.mode === 'navigate' || url.pathname === '/' || url.pathname === '/index.html') {
    event.respondWith(
      (async () => {
        try {
          const response = await fetch(event.request, { cache: 'no-store' });
          if (response.ok) {
            const html = await response.clone().text();
            // A new version: keep its files before the page asks for them.
            event.waitUntil(versionOf(html).then((v) => store(v, html)).catch(() => {}));
          }
          return response;
        } catch {
          const cached = await caches.match('/index.html');
          return cached ?? new Response('Offline Files is not available offline yet: open it once online.', { status: 503 });
        }
      })(),
    );
    return;
  }
  event.respondWith(
    (async () => (await caches.match(event.request)) ?? fetch(event.request))(),
  );
});
