/* ICV progressive enhancement; every page works without it. Autosave, a copy of unsaved typing
   on the phone, the outbox, the sign-out warning, the service worker (static/sw.js).
   Kept on the phone (README, "What is kept on the phone"): icv:draft:<id>, icv:outbox, icv:user. */
"use strict";
(() => {
  const $ = (s) => document.querySelector(s), ds = document.body.dataset, store = localStorage;
  const DRAFT = "icv:draft:", OUTBOX = "icv:outbox", HDR = { "X-Requested-With": "fetch" };
  const SIGNOUT = "icv-signout";  // Cache Storage: a sign-out's token until the server has it (sw.js)
  // The server's answers are read from JSON codes ({error: "conflict"}...) and data-* attributes
  // only, never from wording: a page's text can change without breaking the outbox.
  const RETRY = +ds.retryMs || 5000;  // ms between tries to save while there is no signal
  const signedIn = ds.signedIn === "true", user = ds.user || store.getItem("icv:user") || "";
  const idle = +ds.idleSeconds || 1800, meta = $('meta[name="csrf-token"]');
  let token = meta ? meta.content : "", deadline = Date.now() + idle * 1000;
  let expired = false, signedOut = false, onSent = null;

  const read = (k) => { try { return JSON.parse(store.getItem(k)); } catch (e) { return null; } };
  const write = (k, v) => { try { store.setItem(k, JSON.stringify(v)); } catch (e) { /* full */ } };
  const hhmm = (t) => new Date(t).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/London" });
  const h = (tag, props, ...kids) => {  // an element; text is never parsed as HTML
    const e = Object.assign(document.createElement(tag), props);
    e.append(...kids.filter((k) => k !== ""));
    return e;
  };
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
  const outbox = () => read(OUTBOX) || [];
  const mine = (list) => list.filter((i) => i.user === user);
  const localDrafts = () => Object.keys(store).filter((k) => k.startsWith(DRAFT)).map(read).filter(Boolean);
  const signIn = (next) => "/login?next=" + encodeURIComponent(next || location.pathname);
  const json = async (r) => { try { return await r.json(); } catch (e) { return {}; } };
  const busyNote = (label, seconds) => `The server is busy: ${label} is kept on this phone and will be sent in ${plural(seconds, "second", "seconds")}.`;
  const tooLarge = (label) => `Not sent: ${label} is too large for the server. It is kept on this phone: shorten the longest answers and send it again.`;
  const post = (url, pairs, extra) => fetch(url, { method: "POST", headers: HDR,
    body: new URLSearchParams([["csrf_token", token], ...pairs]), ...extra });

  async function freshToken() {  // signed in again elsewhere: a new session, a new token
    let doc;
    try {
      if (!ds.tokenUrl) return false;  // a page a signed-in person may open (base.html says which)
      const html = await (await fetch(ds.tokenUrl, { headers: HDR })).text();
      doc = new DOMParser().parseFromString(html, "text/html");
    } catch (e) { return false; }
    const m = doc.querySelector('meta[name="csrf-token"]');
    if (m && m.content) {
      token = m.content;
      document.querySelectorAll('input[name="csrf_token"]').forEach((i) => { i.value = token; });
    }
    return !!(m && m.content);
  }

  // The idle sign-out: a warning first (WCAG 2.2.1), "Stay signed in" extends the session ------
  const dialog = signedIn && $("#session-warning"), warnAt = Math.min(120, idle - 5);  // s before
  const warns = dialog && dialog.showModal && warnAt >= 20;  // too short a session for a useful warning: none
  let polled = 0, why = "idle", hours = 12, dismissed = false;  // which limit comes first (status)
  function touch(seconds = idle) {  // the server has just counted something as activity
    deadline = Date.now() + seconds * 1000;
    expired = signedOut = false;
    if (dialog && dialog.open) dialog.close();
  }
  const inWords = (ms) => ms >= 60000 ? plural(Math.ceil(ms / 60000 - 0.01), "minute", "minutes")
    : plural(Math.ceil(ms / 1000), "second", "seconds");
  function showDialog(text, ended) {
    const p = $("#session-warning-text"), a = $("#session-signin");
    if (p.textContent !== text) p.textContent = text;
    if (dialog.open && !ended) return;
    $("#session-warning-title").textContent = ended ? "You have been signed out" : "You will be signed out soon";
    const stayButton = $("#session-stay");
    stayButton.hidden = ended;  // at the absolute limit it cannot extend: it only closes the warning
    stayButton.textContent = why === "lifetime" ? "Carry on until then" : "Stay signed in";
    a.hidden = !ended;
    a.href = signIn(location.pathname + location.search);
    if (!dialog.open) dialog.showModal();
    if (ended) a.focus();
  }
  function endSession() {  // the server said so, or the time is up
    expired = true;
    if (warns) showDialog((why === "lifetime" ? `You were signed out because you had been signed in for ${plural(hours, "hour", "hours")}.`
      : `You were signed out because you had not done anything for ${inWords(idle * 1000)}.`)
      + ($("#report-form") ? " What you typed is kept on this phone." : ""), true);
  }
  function learn(data) {  // /session/status and /session/extend: how long, and which limit
    why = data.reason || "idle";
    hours = data.hours || hours;
    return data.expires_in;
  }
  async function status() {
    polled = Date.now();
    if (deadline - Date.now() < 2000) return;  // asking after the end would end it for good
    try {
      const r = await fetch("/session/status", { headers: HDR });
      if (r.status === 401) { signedOut = true; return endSession(); }
      deadline = Date.now() + learn(await r.json()) * 1000;
      if (deadline - Date.now() > warnAt * 1000 && !expired) touch((deadline - Date.now()) / 1000);
    } catch (e) { /* no signal: keep counting here */ }
  }
  function tick() {
    const left = deadline - Date.now();
    if (expired || !warns || left > warnAt * 1000) return;
    if (left <= 0) return endSession();
    if (Date.now() - polled > 10000) status();  // another tab may have kept it going
    if (why === "lifetime" && dismissed) return;  // told once; it ends when it ends
    // At the absolute limit staying is not possible: say so, and that the typing is kept.
    showDialog(why === "lifetime"
      ? `You will be signed out in ${inWords(left)} because you have been signed in for ${plural(hours, "hour", "hours")}. `
        + "Sign in again afterwards to carry on; what you type is kept."
      : `You will be signed out in ${inWords(left)} because you have not done anything.`);
  }
  async function stay() {
    if (why === "lifetime") { dismissed = true; return dialog.close(); }
    try {
      const r = await post("/session/extend", []);
      if (r.status === 401) { signedOut = true; return endSession(); }
      touch(learn(await r.json()));
    } catch (e) {
      $("#session-warning-text").textContent = "No signal: we could not reach the server. Try again.";
    }
  }
  if (dialog) {
    $("#session-stay").addEventListener("click", stay);
    dialog.addEventListener("cancel", (e) => { if (!expired) { e.preventDefault(); stay(); } });
    setInterval(tick, 1000);
    setInterval(status, 60000);
  }

  // The outbox: reports finished with no signal, sent when there is some ----------------------
  const box = $("#outbox") || $("#site-outbox");
  let notes = [], sending = false;
  function renderOutbox() {
    if (!box) return;
    const own = mine(outbox()), n = own.length, out = h("div", {});
    if (n) {
      out.append(h("h2", {}, "Waiting to send"),
        h("p", {}, `${plural(n, "report", "reports")} waiting to send. ${n === 1 ? "It" : "They"} will be sent when you have signal. Keep this page open or come back to it.`),
        h("ul", {}, ...own.map((i) => h("li", {}, `${i.label}, finished at ${hhmm(i.at)}`))));
    }
    for (const [text, href, link] of notes) out.append(h("p", {}, text, ...(href ? [" ", h("a", { href }, link)] : [])));
    if (out.innerHTML !== box.innerHTML) box.replaceChildren(...out.childNodes);  // else nothing new to announce
  }
  function queue(item) {
    write(OUTBOX, outbox().filter((i) => i.id !== item.id).concat([{ ...item, user, at: Date.now() }]));
    notes = [];
    renderOutbox();
    box.scrollIntoView();
    box.focus();
  }
  let busyUntil = 0;
  async function flush() {
    if (sending || !navigator.onLine || Date.now() < busyUntil) return;
    sending = true;
    for (const item of mine(outbox())) {
      let r, data;
      try {
        for (let tries = 0; tries < 2; tries++) {  // a stale token is refused: take the new one
          r = await post(item.url, item.fields);
          data = await json(r);
          if (!(data.error === "expired" && await freshToken())) break;
        }
      } catch (e) { break; }  // no signal after all
      if (r.status === 401) {
        notes = [["Signed out: sign in again to send your report.", signIn(), "Sign in"]];
        signedOut = true;
        endSession();
        break;
      }
      if (data.error === "busy") {  // the server asks to wait: everything stays here
        const wait = Math.max(1, +data.retry_after || 5);
        busyUntil = Date.now() + wait * 1000;
        notes = [[busyNote(item.label, wait)]];
        setTimeout(flush, wait * 1000);
        break;
      }
      if (data.error === "too_large") {  // never sendable as it is: out of the outbox, the copy stays
        write(OUTBOX, outbox().filter((i) => i.id !== item.id));
        notes.push([tooLarge(item.label), item.draft || item.url, "Open it"]);
        if (onSent) onSent(item.id, notes[notes.length - 1], true);
        continue;
      }
      const kept = r.ok || ["invalid", "conflict", "refused", "not_found", "submitted"].includes(data.error);
      if (!kept) {
        notes = [[`${item.label} could not be sent yet (error ${r.status}). We will try again.`]];
        continue;
      }
      // Sent (the answer says where the record is), kept as a draft that needs attention, or not
      // saved (the partner saved first, a box over its limit, no longer theirs): the copy stays.
      const unsaved = data.error === "conflict" || data.saved === false || ["refused", "not_found"].includes(data.error);
      write(OUTBOX, outbox().filter((i) => i.id !== item.id));
      if (!unsaved) store.removeItem(DRAFT + item.id);
      touch();
      const note = data.outcome === "submitted" ? [`Sent: ${item.label}.`, data.url, `Open ${data.noun} ${data.record}`]
        : data.error === "conflict" ? [`Not sent: ${item.label} was saved by your partner after you opened it. What you typed is kept on this phone.`,
          data.url || item.draft, "See what changed"]
        : unsaved ? [`Not sent: ${data.message || item.label} What you typed is kept on this phone.`, data.url || item.draft, "Open it"]
        : [`Not sent: ${item.label} needs your attention. It is saved as a draft.`, data.url || item.draft, "Check it"];
      notes.push(note);
      if (onSent) onSent(item.id, note, unsaved);
    }
    sending = false;
    renderOutbox();
  }

  function listLocal() {  // on My reports and the offline page: drafts only on this phone
    const place = $("#local-drafts") || $("[data-local-drafts]");
    const queued = outbox().map((i) => i.id);
    const list = mine(localDrafts()).filter((d) => !queued.includes(d.id)).sort((a, b) => b.at - a.at);
    if (!place || !list.length) return;
    const section = h("section", { className: "local-drafts" },
      h("h2", { id: "on-phone" }, "Only on this phone"),
      h("p", { className: "hint" }, "Typing this phone has not been able to save yet. Open one when you have signal to save it."),
      h("ul", { className: "cards" }, ...list.map((d) => h("li", { className: "card card-draft" },
        h("h3", { className: "card-title" }, h("a", { href: d.url }, d.label)),
        h("p", { className: "hint" }, `Typed at ${hhmm(d.at)}, ${new Date(d.at).toLocaleDateString("en-GB",
          { day: "numeric", month: "short" })}. The server may not have it yet.`)))));
    section.setAttribute("aria-labelledby", "on-phone");
    if (place.dataset.localDrafts !== undefined) place.after(section); else place.replaceChildren(section);
  }

  // The report form -----------------------------------------------------------------------------
  const form = $("#report-form");
  if (form) reportForm(form, $("#save-status"));

  function reportForm(form, status) {
    // Visit reports and custody record reviews: the form says where its drafts live (url_for-built
    // addresses with __id__ standing for the draft's id).
    const fresh = form.dataset.fresh === "true", at = (t, i) => t.replace("__id__", i);
    const [before, after] = form.dataset.draftUrl.split("__id__");
    const here = location.pathname, inside = here.slice(before.length, here.length - after.length);
    const urlId = here.startsWith(before) && here.endsWith(after) && /^[0-9a-f-]{36}$/.test(inside) ? inside : undefined;
    let id = form.dataset.clientId;
    const shell = fresh && urlId && urlId !== id;  // the cached blank form, standing in with no signal
    // A blank form gets an id made here: a cached copy never sends two reports under one id.
    if (fresh) id = urlId || (crypto.randomUUID ? crypto.randomUUID() : id);
    const path = at(form.dataset.draftUrl, id), key = DRAFT + id, el = form.elements;
    // A shared review: the draft revision this page's answers are based on goes with each save,
    // and the server refuses one that would write over the partner's later save unseen.
    const baseRev = el.base_revision, theirs = !!form.dataset.updatedBy && form.dataset.updatedBy !== user;
    form.action = path;
    form.dataset.autosaveUrl = at(form.dataset.autosaveTemplate, id);
    form.dataset.clientId = el.client_id.value = id;
    if (fresh && !urlId) el.visit_date.value = new Date().toLocaleDateString("en-CA", { timeZone: "Europe/London" });
    // extras: fields of entries this page has no boxes for; sends: saves not answered yet.
    let extras = [], timer, inflight = "", again = false, done = false, retried = false, sends = 0, refused = false;
    const fields = () => [...new FormData(form)].filter(([k]) => !["csrf_token", "base_revision", "page_id"].includes(k)).concat(extras);
    const based = (f) => (baseRev ? f.concat([["base_revision", baseRev.value]]) : f).concat(el.page_id ? [["page_id", el.page_id.value]] : []);
    const label = () => form.dataset.label || [el.suite_id.value ? el.suite_id.selectedOptions[0].text : "Visit report",
      el.visit_date.value].filter(Boolean).join(", ");
    const rev = () => +form.dataset.revision || 0;
    // The newest revision this phone may have caused. A copy at least this new has everything
    // the server has from this phone (revisions, not clocks: phones' clocks drift).
    const newest = () => rev() + sends;
    let lastSent = JSON.stringify(fields());
    const show = (text, href, link) => {
      if (status.textContent !== text + (link ? " " + link : "")) {
        status.replaceChildren(text, ...(href ? [" ", h("a", { href }, link)] : []));
      }
    };
    const noSignal = "Not saved: no signal. What you typed is kept on this phone.";
    const showSignedOut = () => show("Signed out: sign in again, what you typed is kept on this phone.", signIn(path), "Sign in again");
    function showRefused(message) {  // the partner saved after this page's revision: compare first
      refused = true;  // nothing more is sent until the person has seen what changed
      const compare = h("button", { type: "submit", name: "action", value: "save", className: "button button-secondary" }, "See what changed");
      compare.setAttribute("form", form.id);
      status.replaceChildren(message + " ", compare);
    }
    onSent = (sentId, note, unsaved) => {
      if (sentId !== id) return;
      if (unsaved) return showRefused(note[0]);
      done = true;
      show(...note);
    };

    function saveLocal() {
      if (done) return;
      if (location.pathname !== path) history.replaceState(history.state, "", path);
      const f = fields(), list = outbox(), queued = list.find((i) => i.id === id && i.url === path);
      write(key, { id, user, fields: f, at: Date.now(), rev: newest(), label: label(), url: path, ...(baseRev ? { base: baseRev.value } : {}),
        ...(el.page_id ? { page: el.page_id.value } : {}) });
      if (queued) { queued.fields = based(f).concat([["action", "submit"]]); write(OUTBOX, list); }
    }

    async function save(keepalive) {
      clearTimeout(timer);
      // A report in the outbox goes from there, with anything typed since (saveLocal).
      if (done || refused || JSON.stringify(fields()) === lastSent || outbox().some((i) => i.id === id)) return;
      const f = fields(), sent = JSON.stringify(f);
      if (inflight === sent) return;  // already on its way (pagehide follows visibilitychange)
      if (inflight && !keepalive) { again = true; return; }
      // After the idle time, to the form's own address: the server keeps it before signing out.
      const late = expired || Date.now() > deadline;
      inflight = sent;
      sends += 1;
      const copy = read(key);
      if (copy) write(key, { ...copy, rev: newest() });
      let r, data;
      try {
        r = await post(late ? path : form.dataset.autosaveUrl, late ? based(f).concat([["action", "save"]]) : based(f), { keepalive });
        data = await json(r);  // every answer of the draft routes to app.js is JSON
      } catch (e) {
        inflight = "";
        schedule(RETRY);  // the "online" event is not reliable: try again until the signal is back
        return show(noSignal);
      }
      inflight = "";
      if (r.ok && data.revision) {
        retried = false;
        lastSent = sent;
        sends = Math.max(0, sends - 1);
        form.dataset.revision = Math.max(rev(), data.revision);
        if (baseRev) baseRev.value = Math.max(+baseRev.value, data.revision);
        touch();
        const now = read(key);
        if (now && JSON.stringify(now.fields) === sent) store.removeItem(key);  // the server has it
        else if (now) write(key, { ...now, rev: newest() });
        show(`Saved at ${data.saved_at || hhmm(Date.now())}`);
        if (extras.length) {  // let the server draw the entries this page could not
          sessionStorage.setItem("icv:restored", restoredAt);
          return location.replace(path);
        }
      } else if (r.status === 401 || data.error === "signed_out") {
        signedOut = true;
        endSession();
        showSignedOut();
      } else if (data.error === "conflict") {
        showRefused(data.message);
      } else if (data.error === "submitted") {
        done = true;
        store.removeItem(key);
        show(data.message, data.url, "Open it");
      } else if (data.error === "busy") {  // the database is busy: try again when it says
        const wait = Math.max(1, +data.retry_after || 5);
        schedule(wait * 1000);
        show(`Not saved: the server is busy. What you typed is kept on this phone; we will try again in ${plural(wait, "second", "seconds")}.`);
      } else if (data.error === "too_large") {
        show("Not saved: this is too large for the server. What you typed is kept on this phone: shorten the longest answers.");
      } else if (data.error === "invalid") {  // a box over its limit: the message names it
        show(`Not saved: ${data.message} What you typed is kept on this phone.`);
      } else if (data.error === "expired" && !retried && await freshToken()) {
        retried = true;  // a stale token: a new session signed in elsewhere
        return save();
      } else {
        show(`${data.message || `Not saved (error ${r.status}).`} What you typed is kept on this phone.`);
      }
      if (again) { again = false; save(); }
    }
    const schedule = (ms) => { clearTimeout(timer); timer = setTimeout(save, ms); };

    // Put back a copy from this phone that the server does not have.
    let restoredAt = +sessionStorage.getItem("icv:restored") || 0;
    sessionStorage.removeItem("icv:restored");
    const copy = read(key);
    if (copy && copy.user === user) {
      // The same, or the server saved later (a post from here, another device). A shared review's
      // copy stays if the partner saved last: the server then says what changed before saving.
      if (JSON.stringify(copy.fields) === lastSent || !(shell || !form.dataset.savedAt || copy.rev >= rev() || (baseRev && theirs))) {
        store.removeItem(key);
      } else {
        const names = [...el].map((e) => e.name);
        extras = copy.fields.filter(([k]) => !names.includes(k));
        for (const e of el) {
          if (!e.name || ["csrf_token", "client_id", "action"].includes(e.name)) continue;
          const values = copy.fields.filter(([k]) => k === e.name).map(([, v]) => v);
          if (e.type === "radio" || e.type === "checkbox") e.checked = values.includes(e.value);
          else if (values.length) e.value = values[0];
        }
        if (baseRev) baseRev.value = copy.base || 0;  // what the copy was typed on, and on which page:
        if (el.page_id && copy.page) el.page_id.value = copy.page;  // its saves are this page's own
        restoredAt = copy.at;
        if (!navigator.onLine) show(noSignal);
      }
    } else if (shell) {  // no copy here: never let a blank form overwrite the saved draft
      form.hidden = true;
      show("No signal: this draft is saved on the server, not on this phone. It opens when you have signal.");
      const retry = () => fetch(path, { method: "HEAD" }).then(() => location.reload(), () => setTimeout(retry, RETRY));
      setTimeout(retry, RETRY);
      return addEventListener("online", retry);
    }
    if (restoredAt) {
      status.after(h("div", { className: "notice", role: "status" },
        `We restored what you typed on this phone at ${hhmm(restoredAt)} that had not reached the server.`
        + (extras.length ? " Some detainee entries will show once it is saved." : "")));
    }

    const queueForm = () => {
      saveLocal();
      queue({ id, url: path, draft: path, fields: based(fields()).concat([["action", "submit"]]), label: label() });
      show("Not sent yet: no signal. Your report is waiting to send, and is kept on this phone.");
    };
    const unsent = new URLSearchParams(location.search).get("unsent");  // sw.js: a post that failed
    if (unsent) {
      history.replaceState(history.state, "", path);
      if (unsent === "check" || unsent === "submit") queueForm(); else show(noSignal);
    }

    const edited = () => { saveLocal(); schedule(+form.dataset.autosaveDelay || 1500); };
    form.addEventListener("input", edited);
    form.addEventListener("change", edited);
    form.addEventListener("focusout", (e) => {  // leaving a section saves it, unless a button posts
      const section = e.target.closest("section");
      if (section && !section.contains(e.relatedTarget)) schedule(400);
    });
    form.addEventListener("submit", (e) => {
      clearTimeout(timer);
      const action = (e.submitter && e.submitter.value) || "save";
      if (done) return;
      saveLocal();
      if (navigator.onLine && !signedOut) { lastSent = JSON.stringify(fields()); return; }  // the post has it all
      e.preventDefault();
      if (signedOut) showSignedOut();
      else if (action === "check" || action === "submit") return queueForm();
      else show(action.startsWith("save") ? noSignal : "No signal: adding or removing needs signal. What you typed is kept on this phone.");
      status.focus();
    });
    if (form.dataset.unsaved === "true") saveLocal();  // shown back, not saved: keep it here too
    const discard = $("[data-discard-copy]");  // "Open the saved draft instead": drop what is here
    if (discard) discard.addEventListener("click", () => { done = true; store.removeItem(key); });
    addEventListener("pagehide", () => save(true));
    document.addEventListener("visibilitychange", () => { if (document.hidden) save(true); });
    addEventListener("online", () => save());
    status.tabIndex = -1;
    if (restoredAt) navigator.onLine ? save() : schedule(RETRY);
  }

  // Check your answers: the server has the draft, so the copy here goes; Submit with no signal queues.
  const submitForm = $(".submit-form"), checkId = submitForm && submitForm.dataset.clientId;
  if (checkId) store.removeItem(DRAFT + checkId);
  if (checkId) {
    submitForm.addEventListener("submit", (e) => {
      if (navigator.onLine) return;
      e.preventDefault();
      queue({ id: checkId, url: submitForm.getAttribute("action"), fields: [["revision", submitForm.elements.revision.value]],
        label: submitForm.dataset.label, draft: submitForm.dataset.draftUrl });
    });
  }

  // Signing out clears what this person keeps here (asking first about anything unsent).
  async function wipe() {
    for (const k of Object.keys(store)) {
      const v = read(k), others = k === OUTBOX && v ? v.filter((i) => i.user !== user) : [];
      if (others.length) write(k, others);  // someone else's reports on a shared phone stay
      else if (k.startsWith("icv:") && !(v && v.user && v.user !== user)) store.removeItem(k);
    }
    sessionStorage.clear();
    if (window.caches) for (const k of await caches.keys()) if (k.startsWith("icv-")) await caches.delete(k);
  }
  document.addEventListener("submit", async (e) => {
    const f = e.target, b = e.submitter;
    if (f.matches(".signout")) {
      e.preventDefault();
      const queued = outbox().map((i) => i.id);
      const unsent = mine(outbox()).length + mine(localDrafts()).filter((d) => !queued.includes(d.id)).length;
      if (unsent && !confirm(`${plural(unsent, "report on this phone has", "reports on this phone have")} not reached the server. `
          + "If you sign out now, what is only on this phone is deleted. Sign out anyway?")) return;
      try { await wipe(); } finally {
        // Left for sw.js, which finishes the sign-out if this post cannot reach the server now.
        try { await (await caches.open(SIGNOUT)).put("/token", new Response(token)); } catch (err) { /* no caches */ }
        f.submit();
      }
    } else if (b && !e.defaultPrevented) {  // no double taps; disabled after the form data is read
      setTimeout(() => { b.disabled = true; setTimeout(() => { b.disabled = false; }, 3000); });
    }
  });

  // A sign-out made with no signal and not yet told to the server (sw.js usually does it first):
  // a signed-in page must never stay. The sign-in page comes only from the server: done there.
  if (window.caches) {
    caches.has(SIGNOUT).then(async (pending) => {
      if (!pending) return;
      if (!signedIn) return location.pathname === "/login" && caches.delete(SIGNOUT);
      document.body.hidden = true;  // nothing signed in is shown meanwhile
      try {
        let r = await post("/logout", []);  // this page's token: it came from the server just now
        if (!r.ok && await freshToken()) r = await post("/logout", []);  // refused: once more
        if (!r.ok) return;  // not signed out: stay blank; the next page load tries again
        await caches.delete(SIGNOUT);
        location.replace("/login");
      } catch (e) { /* no signal: stay blank */ }
    });
  }

  if (signedIn) {
    const before = store.getItem("icv:user");
    if (before && before !== user && window.caches) {  // someone else used this phone: drop their form
      caches.keys().then((keys) => keys.forEach((k) => k.startsWith("icv-") && k !== SIGNOUT && caches.delete(k)));
    }
    store.setItem("icv:user", user);
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
    addEventListener("online", flush);
    setInterval(flush, 30000);
    flush();
  }
  // The report's follow-ups that CSS cannot decide (style.css shows the rest): the reason for
  // a delay only past the limit, the reasons not seen only when some were not seen. Kept in
  // view when answered or in error; without this script they show, marked "only if".
  const minutesOf = (t) => { const m = /^(\d\d):(\d\d)/.exec(t || ""); return m ? +m[1] * 60 + +m[2] : null; };
  const follow = (wrap, needed) => {
    const kept = [...wrap.querySelectorAll("input:not([type=radio]), textarea")].some((i) => i.value.trim())
      || wrap.querySelector(".form-group-error");
    wrap.classList.toggle("js-hidden", !(needed || kept));
  };
  const reveals = () => {
    const delay = $(".reveal-delay"), notSeen = $(".reveal-not-seen");
    if (delay) {
      const a = minutesOf(($("#arrival_time") || {}).value), b = minutesOf(($("#admitted_time") || {}).value);
      follow(delay, a !== null && b !== null && (b - a + 1440) % 1440 > +delay.dataset.delayLimit);
    }
    if (notSeen) follow(notSeen, +(($("[name='outcomes-not_seen']") || {}).value || 0) > 0);
  };
  if (form) { form.addEventListener("input", reveals); form.addEventListener("change", reveals); reveals(); }
  // A folded optional part (details.more) opens when it holds an answer (restored from this phone).
  if (form) form.querySelectorAll("details.more").forEach((d) => {
    if ([...d.querySelectorAll("input, select, textarea")].some((e) => (e.type === "radio" ? e.checked : e.value.trim()))) d.open = true;
  });
  if (box) { box.hidden = false; box.setAttribute("role", "status"); box.tabIndex = -1; }
  renderOutbox();
  listLocal();
})();
