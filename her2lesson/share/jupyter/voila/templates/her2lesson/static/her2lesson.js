// Glossary pop-ups: a term button shows or hides its definition (Enter, Space or click) as a small pop-up under the
// word, so the sentence stays whole; Escape or a tap anywhere else closes it. One delegated listener serves every
// section, including ones built after the page loaded.
(function () {
  function toggle(button, open) {
    var def = document.getElementById(button.getAttribute("aria-controls"));
    if (!def) { return; }
    var show = open === undefined ? button.getAttribute("aria-expanded") !== "true" : open;
    button.setAttribute("aria-expanded", show ? "true" : "false");
    def.hidden = !show;
    if (show) {
      def.style.left = "0px";
      var box = def.getBoundingClientRect();
      var over = box.right - (document.documentElement.clientWidth - 8);
      if (over > 0) { def.style.left = (-Math.min(over, box.left - 8)) + "px"; }
    }
  }
  function closeAll(except) {
    document.querySelectorAll('button.h2l-term[aria-expanded="true"]').forEach(function (b) {
      if (b !== except) { toggle(b, false); }
    });
  }
  var lastPrint = 0;
  document.addEventListener("click", function (event) {
    var target = event.target;
    var button = target.closest && target.closest("button.h2l-term");
    if (button) { closeAll(button); toggle(button); } else if (!(target.closest && target.closest(".h2l-def"))) { closeAll(); }
    var print = target.closest && target.closest("button.h2l-print");
    if (print && Date.now() - lastPrint > 1500) { lastPrint = Date.now(); event.preventDefault(); window.print(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeAll(); }
  });
})();

// Moving between parts: one address per part (?section=), so Back and Forward move inside the module and a reload
// or a shared link opens the same part; every change of part shows its top and puts focus on its heading.
(function () {
  var shown = null;        // the part on screen
  var fromHistory = false; // this change came from Back or Forward: do not add another history entry
  function sectionOf(main) {
    var el = main && main.querySelector("[class*='h2l-sec-']");
    if (!el) { return null; }
    var m = /(?:^|\s)h2l-sec-([a-z0-9-]+)/.exec(el.className);
    return m ? m[1] : null;
  }
  function trackOf() {
    var app = document.querySelector(".h2l-app");
    var m = app && /(?:^|\s)h2l-track-([a-z]+)/.exec(app.className);
    return m ? m[1] : null;
  }
  function addressFor(section) {
    var params = new URLSearchParams(window.location.search);
    params.delete("facilitator");  // never keep a code in the address bar or history
    params.set("section", section);
    var track = trackOf();
    if (track) { params.set("track", track); }
    return window.location.pathname + "?" + params.toString();
  }
  function showTop(main) {
    var tries = 0;
    (function focusHeading() {
      var heading = main.querySelector("h1, h2");
      if (!heading && tries++ < 30) { window.requestAnimationFrame(focusHeading); return; }
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus({ preventScroll: true });
      }
      window.scrollTo(0, 0);
      window.requestAnimationFrame(function () { window.scrollTo(0, 0); });  // after scroll anchoring settles
    })();
  }
  function changed() {
    document.querySelectorAll(".h2l-nav-item").forEach(function (b) {
      var current = b.classList.contains("h2l-current");
      if (current && b.getAttribute("aria-current") !== "page") { b.setAttribute("aria-current", "page"); }
      if (!current && b.hasAttribute("aria-current")) { b.removeAttribute("aria-current"); }
    });
    var main = document.querySelector(".h2l-main");
    var section = sectionOf(main);
    if (!section || section === shown) { return; }
    var first = shown === null;
    shown = section;
    var address = addressFor(section);
    if (first || fromHistory) { window.history.replaceState({ section: section }, "", address); }
    else { window.history.pushState({ section: section }, "", address); }
    fromHistory = false;
    if (!first) { showTop(main); }
  }
  window.addEventListener("popstate", function () {
    var wanted = new URLSearchParams(window.location.search).get("section");
    var button = wanted && document.querySelector(".h2l-nav-" + wanted);
    if (button && wanted !== shown) { fromHistory = true; button.click(); }
  });
  var observer = new MutationObserver(changed);
  function start() {
    observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["class"] });
  }
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();

// Slow or lost connection: a button the learner pressed shows it is working within 100 ms; if nothing comes back
// for a while, or the browser goes offline, a plain banner says so (answers given are already stored) and offers
// to reload, which brings the learner back where they were.
(function () {
  var pending = null, timer = null, slowTimer = null;
  function banner(text, withReload) {
    var el = document.getElementById("h2l-connection");
    if (!text) { if (el) { el.hidden = true; } return; }
    if (!el) {
      el = document.createElement("div");
      el.id = "h2l-connection";
      el.className = "h2l-connection";
      el.setAttribute("role", "alert");
      document.body.insertBefore(el, document.body.firstChild);
    }
    el.textContent = text + " ";
    if (withReload) {
      var reload = document.createElement("button");
      reload.type = "button";
      reload.className = "h2l-button h2l-primary";
      reload.textContent = document.body.getAttribute("data-h2l-reload") || "Reload the page";
      reload.addEventListener("click", function () { window.location.reload(); });
      el.appendChild(reload);
    }
    el.hidden = false;
  }
  function done() {
    if (!pending) { return; }
    pending.classList.remove("h2l-busy");
    pending.removeAttribute("aria-busy");
    pending = null;
    clearTimeout(timer); clearTimeout(slowTimer);
    if (navigator.onLine !== false) { banner(""); }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".h2l-app button");
    if (!button || button.classList.contains("h2l-term") || button.classList.contains("h2l-print") ||
        button.closest(".h2l-form")) { return; }  // question forms show their own busy state (widgets/question.js)
    done();
    pending = button;
    timer = setTimeout(function () {
      if (pending === button) { button.classList.add("h2l-busy"); button.setAttribute("aria-busy", "true"); }
    }, 100);
    slowTimer = setTimeout(function () {
      if (pending === button) {
        banner(slowText(), true);
      }
    }, 10000);
  }, true);
  new MutationObserver(function (mutations) {
    // A reply from the kernel adds or changes content; attribute changes are this page's own marks (busy,
    // aria-current), so they do not count.
    if (!pending) { return; }
    for (var i = 0; i < mutations.length; i++) {
      var t = mutations[i].target.nodeType === 1 ? mutations[i].target : mutations[i].target.parentElement;
      if (t && t.closest && t.closest(".h2l-app")) { done(); return; }
    }
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });
  var slowText = function () {
    return document.body.getAttribute("data-h2l-slow") || "This is taking longer than usual. Your answers so far are saved.";
  };
  document.addEventListener("h2l-slow", function () { banner(slowText(), true); });
  document.addEventListener("h2l-replied", function () { if (navigator.onLine !== false && !pending) { banner(""); } });
  window.addEventListener("offline", function () {
    banner(document.body.getAttribute("data-h2l-offline") || "You are offline. Your answers so far are saved. Reconnect to go on.", false);
  });
  window.addEventListener("online", function () {
    if (pending || document.querySelector(".h2l-app .h2l-busy")) {
      // What was pressed while offline may not have reached the server: say so, and offer a reload that resumes.
      banner(document.body.getAttribute("data-h2l-retry") ||
        "You are back online. If nothing happened, press the button again or reload the page. Your answers so far are saved.", true);
      return;
    }
    banner(document.body.getAttribute("data-h2l-online") || "You are back online.", false);
    setTimeout(function () { if (navigator.onLine) { banner(""); } }, 4000);
  });
})();

// Group sessions. The projected view steps with Right/Left arrow or Page Down/Up even when a radio button or a
// tick box has focus (not inside a text field or a list box, which need those keys). It tells a presenter window
// in the same browser where it is, and takes "next" and "back" from it, over a BroadcastChannel.
(function () {
  var channel = null;
  try { channel = new BroadcastChannel("her2lesson-presenter"); } catch (e) { channel = null; }
  function projected() { return document.querySelector(".h2l-app.h2l-facilitator"); }
  function presenter() { return document.querySelector(".h2l-app.h2l-presenter"); }
  function step(forward) {
    var button = document.querySelector(".h2l-main " + (forward ? ".h2l-step-next" : ".h2l-step-prev"));
    if (button && !button.disabled) { button.click(); return true; }
    return false;
  }
  function where() {
    var main = document.querySelector(".h2l-main");
    var section = main && main.querySelector("[class*='h2l-sec-']");
    var at = main && main.querySelector("[class*='h2l-at-step-']");
    var s = section && /(?:^|\s)h2l-sec-([a-z0-9-]+)/.exec(section.className);
    var k = at && /(?:^|\s)h2l-at-step-(\d+)/.exec(at.className);
    var app = document.querySelector(".h2l-app");
    var t = app && /(?:^|\s)h2l-track-([a-z]+)/.exec(app.className);
    return { section: s ? s[1] : null, step: k ? parseInt(k[1], 10) : 0, track: t ? t[1] : "patient" };
  }
  var last = "";
  function tell() {
    if (!channel || !projected()) { return; }
    var now = where();
    var key = JSON.stringify(now);
    if (now.section && key !== last) { last = key; channel.postMessage({ kind: "state", state: now }); }
  }
  var following = null;
  function follow(state) {
    if (!presenter() || !state || !state.section) { return; }
    following = state;
    var shown = where().section;
    if (shown !== state.section) {
      var button = document.querySelector(".h2l-nav-" + state.section);
      if (button) { button.click(); }
      return;  // marked once the part is built (the observer calls mark again)
    }
    mark();
  }
  function mark() {
    if (!presenter() || !following || where().section !== following.section) { return; }
    var items = document.querySelectorAll(".h2l-main .h2l-steps li");
    items.forEach(function (li) {
      var k = parseInt(li.getAttribute("data-step"), 10);
      if (li.classList.contains("h2l-now") !== (k === following.step)) { li.classList.toggle("h2l-now"); }
      if (li.classList.contains("h2l-next-step") !== (k === following.step + 1)) { li.classList.toggle("h2l-next-step"); }
      if (k === following.step) { if (!li.hasAttribute("aria-current")) { li.setAttribute("aria-current", "step"); } }
      else if (li.hasAttribute("aria-current")) { li.removeAttribute("aria-current"); }
    });
    var now = document.querySelector(".h2l-main .h2l-remote-now");
    var current = document.querySelector(".h2l-main .h2l-steps li.h2l-now");
    var text = current ? (current.getAttribute("data-step") * 1 + 1) + ". " + current.textContent : "";
    if (now && now.textContent !== text) { now.textContent = text; }  // writing the same text again would loop
  }
  if (channel) {
    channel.onmessage = function (event) {
      var msg = event.data || {};
      if (msg.kind === "state") { follow(msg.state); }
      if (msg.kind === "hello" && projected()) { last = ""; tell(); }
      if (msg.kind === "step" && projected()) { step(msg.forward); }
    };
  }
  function remote(forward) { if (channel) { channel.postMessage({ kind: "step", forward: forward }); } }
  var helloSent = false;
  new MutationObserver(function () {
    if (channel && presenter() && !helloSent) { helloSent = true; channel.postMessage({ kind: "hello" }); }
    tell(); mark();
  }).observe(document.documentElement,
    { childList: true, subtree: true, attributes: true, attributeFilter: ["class"] });
  document.addEventListener("click", function (event) {
    var t = event.target;
    if (t.closest && t.closest(".h2l-remote-next")) { remote(true); }
    if (t.closest && t.closest(".h2l-remote-prev")) { remote(false); }
    if (t.closest && t.closest(".h2l-presenter-open")) {
      var state = where();
      window.open(window.location.pathname + "?presenter&track=" + encodeURIComponent(state.track) +
        "&section=" + encodeURIComponent(state.section || "welcome"), "her2lesson-presenter", "noopener=no");
      setTimeout(function () { last = ""; tell(); }, 3000);
    }
  });
  document.addEventListener("keydown", function (event) {
    if (!projected() && !presenter()) { return; }
    var el = event.target;
    var tag = (el.tagName || "").toLowerCase();
    var typing = tag === "textarea" || tag === "select" || el.isContentEditable ||
      (tag === "input" && !/^(radio|checkbox|button)$/i.test(el.type || ""));
    if (typing || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var forward = event.key === "ArrowRight" || event.key === "PageDown";
    var back = event.key === "ArrowLeft" || event.key === "PageUp";
    if (!forward && !back) { return; }
    event.preventDefault();  // a radio button must not change the group's answer instead
    if (presenter()) { remote(forward); } else { step(forward); }
  }, true);
})();

// Two tabs of the module in one browser share one learner: answers from both are kept, but lists and places are
// saved by whichever tab acts last. Each tab is told when another is open, so nothing is overwritten unawares.
// (The group view and its presenter window are meant to be two windows, so they are left alone.)
(function () {
  var channel = null;
  try { channel = new BroadcastChannel("her2lesson-tabs"); } catch (e) { return; }
  var me = Math.random().toString(36).slice(2);
  var told = false;
  function learnerPage() {
    return document.querySelector(".h2l-app") && !document.querySelector(".h2l-facilitator, .h2l-presenter");
  }
  function tell() {
    if (told || !learnerPage()) { return; }
    told = true;
    var note = document.createElement("div");
    note.id = "h2l-tabs";
    note.className = "h2l-connection";
    note.setAttribute("role", "status");
    note.textContent = document.body.getAttribute("data-h2l-tabs") ||
      "This module is open in another tab too. Your answers from both are kept; your lists are saved from the tab you used last. Close the other tab to be safe.";
    document.body.insertBefore(note, document.body.firstChild);
  }
  channel.onmessage = function (event) {
    var msg = event.data || {};
    if (msg.from === me || !learnerPage()) { return; }
    if (msg.kind === "open") { channel.postMessage({ kind: "here", from: me }); tell(); }
    if (msg.kind === "here") { tell(); }
  };
  var announced = false;
  new MutationObserver(function () {
    if (!announced && learnerPage()) { announced = true; channel.postMessage({ kind: "open", from: me }); }
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
