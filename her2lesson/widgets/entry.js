// A labelled text box with its own Add button; the text travels with the button press (no stale value).
let counter = 0;
function render({ model, el }) {
  const id = "h2l-entry" + (++counter) + Math.random().toString(36).slice(2, 7);
  const wrap = document.createElement("div");
  wrap.className = "h2l-entry";
  const label = document.createElement("label");
  label.htmlFor = id;
  label.className = "h2l-row-label";
  const box = document.createElement("textarea");
  box.id = id;
  box.rows = 2;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "h2l-button h2l-secondary";
  function draw() {
    label.textContent = model.get("label");
    box.placeholder = model.get("placeholder");
    box.maxLength = model.get("max_length");
    button.textContent = model.get("button_label");
  }
  draw();
  button.addEventListener("click", () => model.send({ action: "add", text: box.value }));
  model.on("msg:custom", (msg) => { if (msg && msg.clear) { box.value = ""; box.focus(); } });
  model.on("change:label", draw);
  wrap.append(label, box, button);
  el.appendChild(wrap);
}
export default { render };
