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
