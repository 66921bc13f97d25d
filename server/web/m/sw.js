// The terminal's service worker: the app shell works without a network (commands wait in
// IndexedDB, see outbox.js). Versioned files are cached once per version; the shell (the
// page itself) is fetched from the network first and from the cache when there is none.
const VERSION = "%V%";
const CACHE = `xiaonao-m-${VERSION}`;
const SHELL = ["./", "manifest.webmanifest"];
const FILES = ["app.js", "link.js", "outbox.js", "i18n.js", "dom.js", "upload.js", "app.css",
  "i18n/zh_CN.json", "i18n/en.json", "icons/icon.svg", "icons/icon-192.png"].map((f) => `${f}?v=${VERSION}`);

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll([...SHELL, ...FILES])).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k.startsWith("xiaonao-m-") && k !== CACHE)
    .map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});

self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin || !url.pathname.startsWith("/m/")) return;
  if (url.searchParams.has("v")) {
    // a versioned file never changes: the cache, else the network
    e.respondWith(caches.match(e.request).then((hit) => hit || fetch(e.request)));
    return;
  }
  // the shell: the network (a new version), else what we have
  e.respondWith(fetch(e.request).then((r) => {
    if (r.ok) { const copy = r.clone(); caches.open(CACHE).then((c) => c.put(e.request, copy)); }
    return r;
  }).catch(() => caches.match(e.request, { ignoreSearch: true }).then((hit) => hit || caches.match("./"))));
});

self.addEventListener("notificationclick", (e) => {
  e.notification.close();
  e.waitUntil(self.clients.matchAll({ type: "window" }).then((cs) => (cs[0] ? cs[0].focus() : self.clients.openWindow("./"))));
});
