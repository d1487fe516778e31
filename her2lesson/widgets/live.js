// A region whose content screen readers announce whenever it changes (WCAG 4.1.3 status messages).
// The region element is created once and kept, so assistive technology keeps tracking it.
function render({ model, el }) {
  const region = document.createElement("div");
  region.setAttribute("role", "status");
  region.setAttribute("aria-live", "polite");
  region.setAttribute("aria-atomic", "true");
  const update = () => {
    region.className = model.get("css_class");
    region.innerHTML = model.get("html");
  };
  update();
  model.on("change:html", update);
  model.on("change:css_class", update);
  el.appendChild(region);
}
export default { render };
