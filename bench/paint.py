"""Each page's weight on the wire and its first paint on a slow phone, in Chromium.

Run: .venv/bin/python bench/paint.py [--runs 5] [--base-url URL --db PATH]

Without --base-url it makes a fresh demo database (bench/demo_server.py: icv.demo.load, seed
2026) and serves it with gunicorn (3 sync workers, production configuration, plain HTTP on
127.0.0.1). It signs in once per role through the real sign-in form and gives each browser
context that session cookie. With --base-url it times a server you started on the database at
--db (which it reads for the pages' ids); the demo logins must work there.

Each page is loaded `--runs` times, each in a new browser context (so a cold HTTP cache and no
service worker yet), phone-sized (390x844 at 3x, touch), on the slow profile of issue 12:
Chrome DevTools' network emulation at 400 ms round trip and 400 kbit/s down and up
(Network.emulateNetworkConditions) and the CPU slowed 4x (Emulation.setCPUThrottlingRate).
Reported, as medians: first contentful paint (the paint timing entry), the load event
(navigation timing loadEventEnd), both from the start of the navigation; and the bytes:

- on the wire: the navigation's and every resource's encodedBodySize (Resource Timing) by the
  load event: the bodies as sent, compressed if the server compressed them;
- with headers: the same entries' transferSize (body plus response headers);
- uncompressed: their decodedBodySize;
- requests: how many (the page and what it loads);
- everything the server sent: the bodies of every response gunicorn sent during the load, its
  service worker's install after it included (sw.js, and what the worker caches: /offline,
  and style.css and app.js, revalidated or from the HTTP cache), from gunicorn's access log
  (Content-Length, else %(B)s); only when this script starts gunicorn.

Debian's Chromium through Playwright (no browser download): CHROMIUM_PATH, else `chromium` on
PATH, else /usr/bin/chromium, as the browser tests do.
"""
import argparse
import os
import shutil
import statistics
import sys
import time

import demo_server as server  # bench/demo_server.py; it puts the project on sys.path  # noqa: E402

from playwright.sync_api import sync_playwright  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "is_mobile": True, "has_touch": True, "locale": "en-GB", "timezone_id": "Europe/London"}
KBIT = 400
SLOW = {"offline": False, "latency": 400, "downloadThroughput": KBIT * 1024 / 8,
        "uploadThroughput": KBIT * 1024 / 8}
CPU_SLOWDOWN = 4

MEASURE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const entries = [nav, ...performance.getEntriesByType('resource')];
  const sum = (key) => entries.reduce((total, e) => total + (e[key] || 0), 0);
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {fcp: fcp ? fcp.startTime : null, load: nav.loadEventEnd,
          body: sum('encodedBodySize'), transfer: sum('transferSize'),
          decoded: sum('decodedBodySize'), requests: entries.length,
          list: entries.map((e) => [e.name, e.encodedBodySize, e.decodedBodySize])};
}"""


def real_clock_environ():
    """os.environ without libfaketime: Chromium hangs under it (tests/browser/conftest.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKETIME", "DONT_FAKE"))}
    kept = [lib for lib in env.get("LD_PRELOAD", "").split() if "faketime" not in lib]
    env.pop("LD_PRELOAD", None)
    if kept:
        env["LD_PRELOAD"] = " ".join(kept)
    return env


def cookies(jar):
    return [{"name": c.name, "value": c.value, "domain": c.domain, "path": c.path or "/",
             "httpOnly": True, "secure": False, "sameSite": "Lax"} for c in jar]


class AccessLog:
    """gunicorn's access log (bench/demo_server.py's format): the lines added since mark()."""

    def __init__(self, path):
        self.path, self.offset = path, 0

    def mark(self):
        self.offset = os.path.getsize(self.path)

    def since(self):
        """[(request, status, body bytes)] since mark()."""
        with open(self.path) as f:
            f.seek(self.offset)
            return [(request, status, size) for request, status, _, size
                    in server.access_lines(f.read())]


def cold_load(browser, url, jar, log=None, throttle=True):
    """One load in a new context on the slow profile: the page's MEASURE, plus (with `log`)
    everything the server sent for it, its service worker's install included."""
    context = browser.new_context(**PHONE)
    try:
        if jar is not None:
            context.add_cookies(cookies(jar))
        if log:
            log.mark()
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        if throttle:
            cdp.send("Network.emulateNetworkConditions", SLOW)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        response = page.goto(url, wait_until="load", timeout=120_000)
        if response.status != 200 or response.url.split("?")[0].endswith("/login") != url.split("?")[0].endswith("/login"):
            raise RuntimeError(f"{url}: status {response.status} at {response.url}")
        # Paint timing is queued after the paint: give it a moment on the slowed CPU.
        for _ in range(50):
            found = page.evaluate(MEASURE)
            if found["fcp"] is not None:
                break
            page.wait_for_timeout(100)
        # The service worker installs after the page (app.js registers it on load).
        installed = page.evaluate("""() => !('serviceWorker' in navigator) ? false :
            Promise.race([navigator.serviceWorker.ready.then(() => true),
                          new Promise((done) => setTimeout(() => done(false), 20000))])""")
        page.wait_for_timeout(500)
        found["installed"] = installed
        found["sent"] = log.since() if log else None
        return found
    finally:
        context.close()


def kb(n):
    return f"{n / 1000:,.1f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold loads per page (median)")
    parser.add_argument("--base-url", help="time this server instead of starting gunicorn")
    parser.add_argument("--db", help="with --base-url: the database it serves (for the pages' ids)")
    parser.add_argument("--list", action="store_true", help="also list each page's responses")
    args = parser.parse_args()
    if args.base_url and not args.db:
        parser.error("--base-url needs --db")
    started = time.perf_counter()
    db_path = args.db or server.demo_database()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                    env={**real_clock_environ(), "LANG": "en_GB.UTF-8"})
        chromium = f"Chromium {browser.version}"
        log_path = os.path.join(os.path.dirname(db_path), "access.log")
        serving = None if args.base_url else server.gunicorn(db_path, access_log=log_path)
        log = None if args.base_url else AccessLog(log_path)
        base = serving.__enter__() if serving else args.base_url.rstrip("/")
        try:
            jars = {}
            rows, lists = [], []
            for name, role, path in server.pages(db_path):
                if role and role not in jars:
                    jars[role] = server.sign_in(base, role)
                runs = [cold_load(browser, base + path, jars.get(role), log) for _ in range(args.runs)]
                med = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
                sent = (statistics.median(sum(size for _, _, size in r["sent"]) for r in runs)
                        if log else None)
                rows.append((name, role, med("body"), med("transfer"), med("decoded"),
                             med("requests"), sent, med("fcp"), med("load"),
                             min(r["fcp"] for r in runs), max(r["fcp"] for r in runs)))
                lists.append((name, runs[0]["list"], runs[0]["sent"]))
                print(f"  {name}: FCP {med('fcp'):.0f} ms, load {med('load'):.0f} ms, "
                      f"{kb(med('body'))} kB", file=sys.stderr)
        finally:
            if serving:
                serving.__exit__(None, None, None)
        browser.close()

    command = "python bench/paint.py " + " ".join(sys.argv[1:])
    print(f"### First paint and weight, slow phone profile ({args.runs} cold loads a page)\n")
    print(f"`{command.strip()}`: {'gunicorn, 3 sync workers, on a fresh demo database' if not args.base_url else args.base_url}. "
          f"Machine: {server.machine(chromium)}. Profile: {KBIT} kbit/s down and up, "
          f"{SLOW['latency']} ms round trip, CPU slowed {CPU_SLOWDOWN}x, 390x844 at 3x; "
          f"each load in a new context (cold cache); medians. Took {time.perf_counter() - started:.0f} s.\n")
    print("| Page | Signed in as | On the wire kB (bodies) | With headers kB | Uncompressed kB "
          "| Requests | All the server sent kB | First contentful paint ms | (min–max) "
          "| Load event ms |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, role, body, transfer, decoded, requests, sent, fcp, load, lo, hi in rows:
        print(f"| {name} | {role or 'nobody'} | {kb(body)} | {kb(transfer)} | {kb(decoded)} | "
              f"{requests:.0f} | {kb(sent) if sent is not None else '–'} | {fcp:,.0f} | "
              f"{lo:,.0f}–{hi:,.0f} | {load:,.0f} |")
    print("\nkB = 1,000 bytes. On the wire: encodedBodySize of the page and everything it loads by "
          "the load event; with headers: transferSize. All the server sent: response bodies in "
          "gunicorn's access log from the navigation until the service worker was ready, its "
          "install included (one load's list below with --list).")
    if args.list:
        print()
        for name, entries, sent in lists:
            print(f"- {name}: page: " + "; ".join(f"{url.replace(base, '')} {enc:,} ({dec:,})"
                                                for url, enc, dec in entries)
                  + (f". Server sent: {'; '.join(f'{r} {status} {size:,}' for r, status, size in sent)}"
                     if sent else ""))


if __name__ == "__main__":
    main()
