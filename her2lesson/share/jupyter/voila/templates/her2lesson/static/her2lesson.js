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
      if (b.classList.contains("h2l-current")) { b.setAttribute("aria-current", "page"); } else { b.removeAttribute("aria-current"); }
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
    if (!button || button.classList.contains("h2l-term") || button.classList.contains("h2l-print")) { return; }
    done();
    pending = button;
    timer = setTimeout(function () {
      if (pending === button) { button.classList.add("h2l-busy"); button.setAttribute("aria-busy", "true"); }
    }, 100);
    slowTimer = setTimeout(function () {
      if (pending === button) {
        banner(document.body.getAttribute("data-h2l-slow") || "This is taking longer than usual. Your answers so far are saved.", true);
      }
    }, 10000);
  }, true);
  new MutationObserver(function (mutations) {
    if (!pending) { return; }
    for (var i = 0; i < mutations.length; i++) {
      var t = mutations[i].target;
      if (t.nodeType === 1 && t.closest && t.closest(".h2l-app") && !(t.id === "h2l-connection")) {
        if (mutations[i].type === "attributes" && t === pending) { continue; }
        done(); return;
      }
    }
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true, attributes: true });
  window.addEventListener("offline", function () {
    banner(document.body.getAttribute("data-h2l-offline") || "You are offline. Your answers so far are saved. Reconnect to go on.", false);
  });
  window.addEventListener("online", function () {
    banner(document.body.getAttribute("data-h2l-online") || "You are back online.", false);
    setTimeout(function () { if (navigator.onLine) { banner(""); } }, 4000);
  });
})();

// Facilitator mode: Right arrow or Page Down shows the next part, Left arrow or Page Up the one before,
// unless the focus is in a form control that uses those keys itself.
document.addEventListener("keydown", function (event) {
  if (!document.querySelector(".h2l-facilitator")) { return; }
  var tag = (event.target.tagName || "").toLowerCase();
  if (tag === "input" || tag === "select" || tag === "textarea" || event.altKey || event.ctrlKey || event.metaKey) { return; }
  var forward = event.key === "ArrowRight" || event.key === "PageDown";
  var back = event.key === "ArrowLeft" || event.key === "PageUp";
  if (!forward && !back) { return; }
  var button = document.querySelector(".h2l-main " + (forward ? ".h2l-step-next" : ".h2l-step-prev"));
  if (button && !button.disabled) { event.preventDefault(); button.click(); }
});
