"""Page measurements in headless Chromium (Playwright), timed inside the page with performance.now().

Every page opens in a fresh browser context (a new learner: empty cache, no cookies). An init script, installed
before any page script runs, watches the DOM (MutationObserver plus a 20 ms poll for style-only changes) and records
when the first quiz control is visible and enabled; it also notes when the kernel websocket is created and opened
and how many messages it carried by then. Clicks are timed from a capture-phase click listener to the DOM mutation
that shows the result (and to the next animation frame, as a stand-in for the paint).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, TypedDict

import psutil
from bench_servers import MB, ProcInfo, Server, Snapshot, Target, wait_quiet

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PAGE_TIMEOUT_MS = 90_000
VIEWPORT = {"width": 1280, "height": 900}

INIT_JS = r"""
(() => {
  const cfg = __CFG__;
  const B = window.__bench = { usable: null, wsCreated: null, wsOpen: null, wsMessages: 0, wsMessagesAtUsable: null,
                               widgetsAtUsable: null };
  const NativeWS = window.WebSocket;
  window.WebSocket = class extends NativeWS {
    constructor(url, protocols) {
      super(url, protocols);
      if (String(url).includes("/channels")) {
        if (B.wsCreated === null) B.wsCreated = performance.now();
        this.addEventListener("open", () => { if (B.wsOpen === null) B.wsOpen = performance.now(); });
        this.addEventListener("message", () => { B.wsMessages += 1; });
      }
    }
  };
  function usableNow() {
    for (const el of document.querySelectorAll(cfg.usable)) {
      if (el.disabled) continue;
      if (el.checkVisibility && !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) return true;
    }
    return false;
  }
  let timer = null, observer = null;
  function test() {
    if (B.usable !== null) return;
    if (usableNow()) {
      B.usable = performance.now();
      B.wsMessagesAtUsable = B.wsMessages;
      B.widgetsAtUsable = document.querySelectorAll(".lm-Widget, .jupyter-widgets").length;
      if (observer) observer.disconnect();
      if (timer) clearInterval(timer);
    }
  }
  observer = new MutationObserver(test);
  observer.observe(document, { childList: true, subtree: true, attributes: true });
  timer = setInterval(test, 20);
})();
"""

# Arm a timer: from the next click on `button` (inside `scope`) until `ready(scope)` holds after a DOM change.
ARM_JS = (r"""
(cfg) => {
  const scope = document.querySelector(cfg.scope);
  if (!scope) { window.__bench_wait = Promise.resolve({ error: "no element " + cfg.scope }); return false; }
  const ready = new Function("scope", "cfg", cfg.ready);
  let t0 = null, finished = false;
  window.__bench_wait = new Promise((resolve) => {
    const onClick = (e) => { if (t0 === null && e.target.closest && e.target.closest(cfg.button)) """
          r"""t0 = performance.now(); };
    const finish = (result) => {
      if (finished) return;
      finished = true;
      observer.disconnect();
      clearInterval(poll);
      clearTimeout(limit);
      window.removeEventListener("click", onClick, true);
      resolve(result);
    };
    const test = () => {
      if (t0 === null || finished) return;
      if (ready(cfg.root ? document.querySelector(cfg.root) : scope, cfg)) {
        const t1 = performance.now();
        observer.disconnect();
        requestAnimationFrame(() => finish({ ms: t1 - t0, frame_ms: performance.now() - t0 }));
      }
    };
    window.addEventListener("click", onClick, true);
    const observer = new MutationObserver(test);
    observer.observe(cfg.root ? document.querySelector(cfg.root) : scope,
                     { childList: true, subtree: true, characterData: true, attributes: true });
    const poll = setInterval(test, 10);
    const limit = setTimeout(() => finish({ error: "timeout" }), cfg.timeout);
  });
  return true;
}
""")

FEEDBACK_READY = "const el = scope.querySelector(cfg.feedback); return !!(el && el.textContent.trim());"
# The new section's title is shown: a visible heading with the nav button's text, or (if a section's heading differs
# from its nav label) a visible first h1 other than the one shown before the click.
TITLE_READY = """
for (const h of scope.querySelectorAll("h1, h2")) {
  if (h.textContent.trim() === cfg.title && h.checkVisibility()) return true;
}
const first = [...scope.querySelectorAll("h1")].find((h) => h.checkVisibility());
return !!first && cfg.before !== null && first.textContent.trim() !== cfg.before;
"""
FIRST_H1 = """() => {
  const main = document.querySelector(".h2l-main");
  const h = main && [...main.querySelectorAll("h1")].find((x) => x.checkVisibility());
  return h ? h.textContent.trim() : null;
}"""

NAV_JS = """
() => {
  const t = performance.getEntriesByType("navigation")[0];
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  const res = performance.getEntriesByType("resource");
  const B = window.__bench || {};
  let kernelId = null;
  try { kernelId = JSON.parse(document.getElementById("jupyter-config-data").textContent).kernelId || null; }
  catch (e) { kernelId = null; }
  return {
    kernel_id: kernelId,
    fcp: fcp ? fcp.startTime : null,
    ttfb: t.responseStart, html_done: t.responseEnd, dcl: t.domContentLoadedEventEnd, load: t.loadEventEnd,
    ws_created: B.wsCreated, ws_open: B.wsOpen, usable: B.usable, ws_messages_at_usable: B.wsMessagesAtUsable,
    widgets_at_usable: B.widgetsAtUsable,
    resources: res.map(r => ({ url: r.name, type: r.initiatorType, start: r.startTime, end: r.responseEnd,
                               bytes: r.transferSize, body: r.encodedBodySize })),
  };
}
"""


class ResourceGroup(TypedDict):
    """Requests of one kind after the page itself (times in ms from navigation start)."""

    count: int
    bytes: int
    first_start_ms: float | None
    last_end_ms: float


class Resources(TypedDict):
    """What the page loaded after its HTML (from the Resource Timing entries)."""

    requests: int
    bytes: int
    by_kind: dict[str, ResourceGroup]
    labextensions: list[str]


class ClickTiming(TypedDict):
    """From the click to the DOM change that shows the result, and to the next animation frame."""

    ms: float
    frame_ms: float


class SectionChanges(TypedDict):
    """Testing -> Treatment (first visit), then Testing and Treatment again (revisits)."""

    first_visit_ms: float
    first_visit_frame_ms: float
    revisit_ms: list[float]
    revisit_frame_ms: list[float]
    titles: list[str]


class PageResult(TypedDict, total=False):
    """One learner's page (`open_page`); a failed page has `error` and whatever was measured before it failed."""

    usable_wall_s: float
    usable_s: float
    fcp_s: float | None
    ttfb_s: float
    html_done_s: float
    dcl_s: float
    ws_created_s: float | None
    ws_open_s: float | None
    ws_messages_at_usable: int | None
    widgets_at_usable: int | None
    cpu_s: float
    kernel_rss_mb: float | None
    new_kernels: int
    kernel_id: str | None
    server_rss_growth_mb: float
    server_rss_mb: float
    resources: Resources
    kernel_uss_mb: float
    quiet_after_usable_s: float | None  # this and the next four: measured pages only
    cpu_full_s: float
    feedback: ClickTiming
    sections: SectionChanges
    kernel_rss_after_sections_mb: float | None
    error: str
    kernel_pid: int | None


@dataclass
class Browser:
    playwright: Any
    browser: Any

    @property
    def version(self) -> str:
        return self.browser.version


def launch():
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    return Browser(pw, browser)


def close(b: Browser) -> None:
    b.browser.close()
    b.playwright.stop()


def cpu_between(before: Snapshot, after: Snapshot) -> float:
    """Server + every descendant: CPU seconds used between two snapshots (new processes count from zero)."""
    total = after["server_cpu"] - before["server_cpu"]
    for pid, info in after["procs"].items():
        old = before["procs"].get(pid)
        total += info["cpu"] - (old["cpu"] if old is not None else 0.0)
    return total


def _new_kernels(before: Snapshot, after: Snapshot) -> list[ProcInfo]:
    return [info for pid, info in after["procs"].items() if info["kernel"] and pid not in before["procs"]]


def _summarise_resources(resources: list[dict]) -> Resources:
    def kind(url: str) -> str:
        if "/api/kernels" in url:
            return "kernel api"
        if "/labextensions/" in url:
            return "labextension js"
        if url.endswith(".css") or ".css?" in url:
            return "css"
        if "/voila/static/" in url:
            return "voila js"
        if "/templates/" in url:
            return "template static"
        return "other"

    groups: dict[str, ResourceGroup] = {}
    for r in resources:
        g = groups.setdefault(kind(r["url"]), {"count": 0, "bytes": 0, "first_start_ms": None, "last_end_ms": 0.0})
        g["count"] += 1
        g["bytes"] += r["body"] or 0
        g["first_start_ms"] = r["start"] if g["first_start_ms"] is None else min(g["first_start_ms"], r["start"])
        g["last_end_ms"] = max(g["last_end_ms"], r["end"])
    extensions = sorted({r["url"].split("/labextensions/")[1].rsplit("/static/", 1)[0]
                         for r in resources if "/labextensions/" in r["url"]})
    return {"requests": len(resources), "bytes": sum(r["body"] or 0 for r in resources), "by_kind": groups,
            "labextensions": extensions}


def open_page(b: Browser, server: Server, target: Target, measure: bool) -> PageResult:
    """One learner: open the page until the quiz is usable; if `measure`, click to feedback and switch sections.

    Closes the page with its unload handlers (so Voila sends its kernel-shutdown beacon), then its context.
    """
    ctx = b.browser.new_context(viewport=VIEWPORT)
    ctx.add_init_script(INIT_JS.replace("__CFG__", json.dumps({"usable": target.usable})))
    page = ctx.new_page()
    result: PageResult = {}
    kernel_pid = None
    try:
        before = server.snapshot()
        t0 = time.perf_counter()
        page.goto(server.url + target.page_path, wait_until="commit", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_function("window.__bench && window.__bench.usable !== null", timeout=PAGE_TIMEOUT_MS,
                               polling=50)
        result["usable_wall_s"] = time.perf_counter() - t0
        after = server.snapshot()
        nav = page.evaluate(NAV_JS)
        # The page's own kernel, by the id in its page config (with preheated kernels it is not a new process).
        kernel_pid = next((pid for pid, info in after["procs"].items()
                           if nav["kernel_id"] and info.get("kernel_id") == nav["kernel_id"]), None)
        if kernel_pid is None:
            kernel_pid = next((pid for pid, info in after["procs"].items() if info["kernel"]
                               and pid not in before["procs"]), None)
        kernels = [after["procs"][kernel_pid]] if kernel_pid is not None else []
        result.update({
            "usable_s": nav["usable"] / 1000,
            "fcp_s": nav["fcp"] / 1000 if nav["fcp"] is not None else None,
            "ttfb_s": nav["ttfb"] / 1000,
            "html_done_s": nav["html_done"] / 1000,
            "dcl_s": nav["dcl"] / 1000,
            "ws_created_s": nav["ws_created"] / 1000 if nav["ws_created"] is not None else None,
            "ws_open_s": nav["ws_open"] / 1000 if nav["ws_open"] is not None else None,
            "ws_messages_at_usable": nav["ws_messages_at_usable"],
            "widgets_at_usable": nav["widgets_at_usable"],
            "cpu_s": cpu_between(before, after),
            "kernel_rss_mb": kernels[0]["rss"] / MB if kernels else None,
            "new_kernels": len(_new_kernels(before, after)),
            "kernel_id": nav["kernel_id"],
            "server_rss_growth_mb": (after["server_rss"] - before["server_rss"]) / MB,
            "server_rss_mb": after["server_rss"] / MB,
            "resources": _summarise_resources(nav["resources"]),
        })
        if kernel_pid is not None:
            try:
                result["kernel_uss_mb"] = psutil.Process(kernel_pid).memory_full_info().uss / MB
            except (psutil.Error, AttributeError):
                pass
        if measure:
            # Everything this learner's start set off (e.g. refilling a preheated pool) before the clicks.
            result["quiet_after_usable_s"] = wait_quiet(server, 30.0)
            result["cpu_full_s"] = cpu_between(before, server.snapshot())
            result["feedback"] = click_to_feedback(page, target)
            if target.sections:
                result["sections"] = section_changes(page)
                if kernel_pid is not None:
                    later = server.snapshot()["procs"].get(kernel_pid)
                    result["kernel_rss_after_sections_mb"] = later["rss"] / MB if later else None
    except Exception as error:  # noqa: BLE001 - one failed page is a recorded failure, not a crashed bench
        result["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
    finally:
        try:
            with page.expect_event("close", timeout=10_000):
                page.close(run_before_unload=True)
        except Exception:  # noqa: BLE001
            pass
        ctx.close()
    result["kernel_pid"] = kernel_pid
    return result


def _arm(page, scope: str, button: str, ready: str, extra: dict | None = None, root: str | None = None) -> None:
    cfg = {"scope": scope, "button": button, "ready": ready, "timeout": 30_000, "root": root, **(extra or {})}
    if not page.evaluate(ARM_JS, cfg):
        raise RuntimeError(f"nothing matches {scope!r} on the page")


def _collect(page) -> Any:
    out = page.evaluate("window.__bench_wait")
    if "error" in out:
        raise RuntimeError(out["error"])
    return out


def click_to_feedback(page, target: Target) -> ClickTiming:
    """Choose the first option, then time Check until the feedback has text."""
    scope = page.locator(target.quiz_scope).first
    option = scope.locator(target.choose).first
    if option.get_attribute("type") in ("radio", "checkbox"):
        option.check()
    else:
        for select in scope.locator("select").all():
            select.select_option(index=1)
    page.wait_for_timeout(300)  # let the choice reach the kernel before timing the Check
    _arm(page, target.quiz_scope, target.check_button, FEEDBACK_READY, {"feedback": target.feedback})
    scope.locator(target.check_button).first.click()
    return _collect(page)


def _nav_button(page, word: str):
    return page.locator(".h2l-nav button").filter(has_text=word).first


def _switch(page, word: str) -> dict:
    button = _nav_button(page, word)
    title = button.inner_text().replace("\u2713", "").strip()
    before = page.evaluate(FIRST_H1)
    _arm(page, ".h2l-nav", ".h2l-nav button", TITLE_READY, {"title": title, "before": before}, root=".h2l-main")
    button.click()
    out = _collect(page)
    out["title"] = title
    return out


def section_changes(page) -> SectionChanges:
    """Testing -> Treatment (first visit: built on open), -> Testing and -> Treatment again (cached)."""
    first = _switch(page, "Treatment")
    page.wait_for_timeout(200)
    back = _switch(page, "Testing")
    page.wait_for_timeout(200)
    again = _switch(page, "Treatment")
    return {"first_visit_ms": first["ms"], "first_visit_frame_ms": first["frame_ms"],
            "revisit_ms": [back["ms"], again["ms"]], "revisit_frame_ms": [back["frame_ms"], again["frame_ms"]],
            "titles": [first["title"], back["title"]]}
