// Glossary pop-ups: a term button shows or hides its definition (Enter, Space or click); Escape closes it.
// One delegated listener serves every section, including ones built after the page loaded.
(function () {
  function toggle(button, open) {
    var def = document.getElementById(button.getAttribute("aria-controls"));
    if (!def) { return; }
    var show = open === undefined ? button.getAttribute("aria-expanded") !== "true" : open;
    button.setAttribute("aria-expanded", show ? "true" : "false");
    def.hidden = !show;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.h2l-term");
    if (button) { toggle(button); }
    var print = event.target.closest && event.target.closest("button.h2l-print");
    if (print) { window.print(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll('button.h2l-term[aria-expanded="true"]').forEach(function (b) { toggle(b, false); });
  });
})();

// After the learner moves to another section, show its top and put focus on its heading, so keyboard and
// screen-reader users start reading the new section instead of staying on a button that scrolled away.
(function () {
  var interacted = false;
  document.addEventListener("keydown", function () { interacted = true; }, true);
  document.addEventListener("pointerdown", function () { interacted = true; }, true);
  var observer = new MutationObserver(function (mutations) {
    // The contents list tells assistive technology which part is open (the kernel marks it with a class).
    document.querySelectorAll(".h2l-nav-item").forEach(function (b) {
      if (b.classList.contains("h2l-current")) { b.setAttribute("aria-current", "page"); } else { b.removeAttribute("aria-current"); }
    });
    if (!interacted) { return; }
    for (var i = 0; i < mutations.length; i++) {
      var target = mutations[i].target;
      if (target.classList && target.classList.contains("h2l-main") && mutations[i].addedNodes.length) {
        var heading = target.querySelector("h1, h2");
        if (heading) {
          heading.setAttribute("tabindex", "-1");
          heading.focus({ preventScroll: true });
        }
        target.scrollIntoView({ block: "start" });
        return;
      }
    }
  });
  function start() {
    observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["class"] });
  }
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
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
