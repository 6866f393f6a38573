/* ICV service worker, served at /sw.js (scope /) by icv/main.py, which puts a hash of the static
   files in VERSION so any change to them installs a fresh cache, and in ASSETS the versioned
   addresses (/static/app.js?v=<hash>) that the pages link to.
   Cached: the stylesheet, app.js, the /offline page and the blank report form (/visits/new),
   nothing else: other signed-in pages hold case data and are never cached.
   A sign-out tapped with no signal (app.js leaves its token in the SIGNOUT cache) is finished
   here before any page opens, so the phone never comes back signed in (app.js checks too). */
"use strict";
const CACHE = "icv-__VERSION__";
const ASSETS = "__ASSETS__".split(" ");
const SIGNOUT = "icv-signout";  // holds "/token": the CSRF token of a sign-out not yet made
const FORM = "/visits/new";
const DRAFT = /^\/visits\/drafts\/[0-9a-f-]{36}$/;
const POSTED = /^\/(visits|reviews)\/drafts\/[0-9a-f-]{36}$/;  // forms whose post with no signal is caught
// Fetched without cookies: the same for everyone, and it never counts as someone's activity.
const offline = () => new Request("/offline", { credentials: "omit" });

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE)
    .then((c) => c.addAll([...ASSETS, offline()]))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("icv-") && k !== CACHE && k !== SIGNOUT).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (e) => {
  const req = e.request, url = new URL(req.url);
  if (url.origin !== location.origin) return;
  if (req.method === "POST" && url.pathname === "/logout") e.respondWith(signOut(req));
  else if (req.mode === "navigate" && req.method === "GET") e.respondWith(signedOutFirst(() => page(req, url.pathname)));
  else if (req.mode === "navigate" && req.method === "POST" && POSTED.test(url.pathname)) e.respondWith(signedOutFirst(() => report(req, url.pathname)));
  else if (req.method === "GET" && url.pathname.startsWith("/static/")) e.respondWith(asset(req));
});

// Signing out: to the server if there is signal (done: forget the token); if not, the phone is
// already cleared (app.js), and the server is told before anything else goes to it.
async function signOut(req) {
  try {
    const res = await fetch(req);
    await caches.delete(SIGNOUT);
    return res;
  } catch (err) {
    return signedOutHere();
  }
}

// A sign-out still to be made is made first; with no signal yet, nothing signed in is shown.
async function signedOutFirst(then) {
  if (!await caches.has(SIGNOUT)) return then();
  return await finishSignOut() ? then() : signedOutHere();
}

// Tell the server (true once it knows). A token the server no longer takes is replaced from a
// page only a signed-in person gets; if no page gives one, the session is already over.
async function finishSignOut() {
  const hit = await (await caches.open(SIGNOUT)).match("/token");
  let token = hit ? await hit.text() : "";
  try {
    for (let tries = 0; tries < 2; tries++) {
      const res = await fetch("/logout", { method: "POST", credentials: "same-origin", redirect: "manual",
        headers: { "X-Requested-With": "fetch" }, body: new URLSearchParams({ csrf_token: token }) });
      if (res.status !== 400) break;  // a redirect (to sign in): signed out
      const html = await (await fetch("/account/sessions", { credentials: "same-origin", redirect: "manual" })).text();
      const m = /<meta name="csrf-token" content="([^"]+)"/.exec(html);
      if (!m) break;  // not signed in any more
      token = m[1];
    }
  } catch (err) {
    return false;  // still no signal
  }
  await caches.delete(SIGNOUT);
  return true;
}

const signedOutHere = () => new Response(`<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Signed out on this phone – Independent Custody Visiting</title>
<style>body{margin:0;font:1.1875rem/1.5 system-ui,sans-serif;color:#0b0c0c}header{background:#0b0c0c;color:#fff;padding:.75rem 1rem;font-weight:700}
main{padding:0 1rem;max-width:40rem}a{color:#1d70b8}</style></head><body data-signed-in="false">
<header>Independent Custody Visiting</header><main id="main-content">
<h1>You have signed out on this phone</h1>
<p>Nothing of yours is kept on it now. The phone has no signal, so the server will be told as soon as it has: until then nothing here opens signed in.</p>
<p><a href="/login">Sign in</a> when you have signal.</p></main></body></html>`,
  { status: 200, headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } });

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

// Static files: the cache first (each address is one version of a file), refilled after sign-out
// empties it. With no signal, a page kept from before an update gets the version this worker has.
async function asset(req) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(req);
  if (hit) return hit;
  try {
    const res = await fetch(req);
    if (res.ok) await cache.put(req, res.clone());
    return res;
  } catch (err) {
    const other = await cache.match(req, { ignoreSearch: true });
    if (other) return other;
    throw err;
  }
}
