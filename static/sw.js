/* ICV service worker, served at /sw.js (scope /) by icv/main.py, which puts a hash of the static
   files in VERSION so any change to them installs a fresh cache.
   Cached: the stylesheet, app.js, the /offline page and the blank report form (/visits/new),
   nothing else: other signed-in pages hold case data and are never cached. */
"use strict";
const CACHE = "icv-__VERSION__";
const FORM = "/visits/new";
const DRAFT = /^\/visits\/drafts\/[0-9a-f-]{36}$/;
const POSTED = /^\/(visits|reviews)\/drafts\/[0-9a-f-]{36}$/;  // forms whose post with no signal is caught
// Fetched without cookies: the same for everyone, and it never counts as someone's activity.
const offline = () => new Request("/offline", { credentials: "omit" });

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE)
    .then((c) => c.addAll(["/static/style.css", "/static/app.js", offline()]))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("icv-") && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (e) => {
  const req = e.request, url = new URL(req.url);
  if (url.origin !== location.origin) return;
  if (req.mode === "navigate" && req.method === "GET") e.respondWith(page(req, url.pathname));
  else if (req.mode === "navigate" && req.method === "POST" && POSTED.test(url.pathname)) e.respondWith(report(req, url.pathname));
  else if (req.method === "GET" && url.pathname.startsWith("/static/")) e.respondWith(asset(req));
});

// Pages: the network first. Only the blank form is kept, for opening a report with no signal;
// a draft's address opens that form too (app.js fills it from the copy on the phone).
async function page(req, path) {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(req);
    if (path === FORM && res.status === 200 && res.type === "basic") await cache.put(FORM, res.clone());
    if (!await cache.match("/offline")) cache.add(offline()).catch(() => {});  // emptied at sign-out
    return res;
  } catch (err) {
    return (path === FORM || DRAFT.test(path) ? await cache.match(FORM) : null)
      || await cache.match("/offline")
      || new Response("No signal. Try again when you have signal.", { status: 503, headers: { "Content-Type": "text/plain" } });
  }
}

// A report or review form posted with no signal (the phone said it was online): back to the form, which
// keeps what was typed and, for "Continue", puts the report in the outbox.
async function report(req, path) {
  const copy = req.clone();
  try {
    return await fetch(req);
  } catch (err) {
    let action = "save";
    try { action = (await copy.formData()).get("action") || action; } catch (e) { /* keep "save" */ }
    return Response.redirect(`${path}?unsent=${encodeURIComponent(action)}`, 303);
  }
}

// Static files: the cache first (its name changes with them), refilled after sign-out empties it.
async function asset(req) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(req);
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok) await cache.put(req, res.clone());
  return res;
}
