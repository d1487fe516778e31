// A real form group for a question's options: <fieldset> with a <legend>, native radios (one tab stop, arrow keys
// move the choice) or checkboxes, each with its own <label>. The kernel validates every value it receives.
let counter = 0;

function render({ model, el }) {
  const fieldset = document.createElement("fieldset");
  fieldset.className = "h2l-fieldset";
  const legend = document.createElement("legend");
  legend.className = "h2l-legend";
  fieldset.appendChild(legend);
  const list = document.createElement("div");
  list.className = "h2l-options";
  fieldset.appendChild(list);
  const name = "h2l-choice-" + (++counter) + "-" + Math.random().toString(36).slice(2, 8);

  function draw() {
    legend.textContent = model.get("legend");
    list.textContent = "";
    const multiple = model.get("multiple");
    const chosen = new Set(model.get("value"));
    model.get("options").forEach((text, index) => {
      const label = document.createElement("label");
      label.className = "h2l-option";
      const input = document.createElement("input");
      input.type = multiple ? "checkbox" : "radio";
      input.name = name;
      input.value = String(index);
      input.checked = chosen.has(index);
      input.disabled = model.get("disabled");
      input.addEventListener("change", () => {
        const picked = [...list.querySelectorAll("input")].filter((i) => i.checked).map((i) => Number(i.value));
        model.set("value", picked);
        model.save_changes();
      });
      const span = document.createElement("span");
      span.textContent = text;
      label.appendChild(input);
      label.appendChild(span);
      list.appendChild(label);
    });
  }

  function sync() {
    const chosen = new Set(model.get("value"));
    list.querySelectorAll("input").forEach((input) => {
      input.checked = chosen.has(Number(input.value));
      input.disabled = model.get("disabled");
    });
  }

  draw();
  model.on("change:options", draw);
  model.on("change:multiple", draw);
  model.on("change:legend", draw);
  model.on("change:value", sync);
  model.on("change:disabled", sync);
  el.appendChild(fieldset);
}

export default { render };
