// A labelled text field with its own button; the text travels with the button press (no stale value).
// One-line fields (codes, names, phone numbers) are <input>s where Enter submits; own questions may wrap.
let counter = 0;
function render({ model, el }) {
  const id = "h2l-entry" + (++counter) + Math.random().toString(36).slice(2, 7);
  const wrap = document.createElement("div");
  wrap.className = "h2l-entry";
  const label = document.createElement("label");
  label.htmlFor = id;
  label.className = "h2l-entry-label";
  const multiline = model.get("multiline");
  const box = document.createElement(multiline ? "textarea" : "input");
  box.id = id;
  if (multiline) { box.rows = 2; } else { box.type = "text"; box.autocomplete = model.get("autocomplete") || "off"; }
  box.value = model.get("value") || "";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "h2l-button h2l-secondary";
  const row = document.createElement("div");
  row.className = "h2l-entry-row";
  function draw() {
    label.textContent = model.get("label");
    box.placeholder = model.get("placeholder");
    box.maxLength = model.get("max_length");
    button.textContent = model.get("button_label");
  }
  draw();
  const submit = () => model.send({ action: "add", text: box.value });
  button.addEventListener("click", submit);
  box.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });
  model.on("msg:custom", (msg) => {
    if (msg && msg.clear) { box.value = ""; box.focus(); }
    if (msg && msg.focus) { requestAnimationFrame(() => box.focus()); }
  });
  model.on("change:label", draw);
  row.append(box, button);
  wrap.append(label, row);
  el.appendChild(wrap);
}
export default { render };
