// One question's form: the answer controls, the action buttons and the live feedback, in one widget.
// An action (Check, Try again, Show answer, Hint) is sent as ONE message carrying the answer as shown, so the
// kernel never grades a stale answer (ipywidgets buffers a model's updates while a message is pending; a separate
// button could overtake them). Focus moves to the next useful place after each action, for keyboard users.
// Typed kinds ("number", "text") show one box labelled by the question itself; Enter in it presses Check.
let counter = 0;
const TYPED = ["number", "text"];

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el }) {
  const id = "h2l-q" + (++counter) + Math.random().toString(36).slice(2, 7);
  const root = element("div", "h2l-form");
  const fieldset = element("fieldset", "h2l-fieldset");
  const legend = element("legend", "h2l-legend");
  const controls = element("div", "h2l-options");
  const shownCode = element("pre", "h2l-question-code");
  fieldset.append(legend, shownCode, controls);
  const buttons = element("div", "h2l-buttons");
  const feedback = element("div", "h2l-live");
  feedback.id = id + "-feedback";
  feedback.setAttribute("role", "status");
  feedback.setAttribute("aria-live", "polite");
  feedback.setAttribute("aria-atomic", "true");
  feedback.tabIndex = -1;
  root.append(fieldset, feedback, buttons);  // feedback first: read it, then Tab to the next step
  el.appendChild(root);

  function currentAnswer() {
    if (TYPED.includes(model.get("kind"))) {
      const box = controls.querySelector("input");
      return [box ? box.value : ""];
    }
    if (model.get("kind") === "select") {
      return [...controls.querySelectorAll("select")].map((s) => (s.value === "" ? null : Number(s.value)));
    }
    return [...controls.querySelectorAll("input")].filter((i) => i.checked).map((i) => Number(i.value));
  }

  function remember() {
    model.set("value", currentAnswer());
    model.save_changes();
  }

  function drawControls() {
    // The legend names the group for screen readers: number, question and instruction, each on its own line.
    // A typed question's prompt is the <label> of its box, so the box is announced with the question.
    const kind = model.get("kind");
    const typed = TYPED.includes(kind);
    legend.textContent = "";
    if (model.get("number")) legend.appendChild(element("span", "h2l-qnum", model.get("number")));
    const prompt = legend.appendChild(element(typed ? "label" : "span", "h2l-prompt", model.get("legend")));
    if (model.get("instruction")) {
      legend.appendChild(element("span", "h2l-instruction", model.get("instruction"))).id = id + "-instruction";
    }
    shownCode.textContent = model.get("code") || "";
    shownCode.hidden = !model.get("code");
    controls.textContent = "";
    const value = model.get("value") || [];
    if (typed) {
      const line = element("div", "h2l-typed");
      const box = element("input", "h2l-typed-input");
      box.type = "text";
      box.id = id + "-box";
      prompt.htmlFor = box.id;
      box.autocomplete = "off";
      box.setAttribute("autocapitalize", "off");
      box.spellcheck = false;
      if (kind === "number") box.inputMode = "decimal";
      box.maxLength = model.get("max_length");
      box.value = value[0] || "";
      const described = model.get("instruction") ? [id + "-instruction"] : [];
      line.appendChild(box);
      if (model.get("unit")) {
        const unit = line.appendChild(element("span", "h2l-unit", model.get("unit")));
        unit.id = id + "-unit";
        described.unshift(unit.id);
      }
      if (described.length) box.setAttribute("aria-describedby", described.join(" "));
      box.addEventListener("change", remember);
      box.addEventListener("keydown", (e) => {
        if (e.key !== "Enter" || e.isComposing) return;
        e.preventDefault();
        const check = buttons.querySelector('button[data-action="check"]');
        if (check && !box.disabled) { typedEnter = true; press(check, "check"); }
      });
      controls.appendChild(line);
    } else if (kind === "select") {
      model.get("rows").forEach((row, r) => {
        const line = element("div", "h2l-row");
        const label = element("label", "h2l-row-label", row.label);
        const select = element("select", "h2l-select");
        select.id = `${id}-row${r}`;
        label.htmlFor = select.id;
        select.appendChild(element("option", "", model.get("placeholder"))).value = "";
        row.choices.forEach((choice, c) => {
          const option = element("option", "", choice);
          option.value = String(c);
          select.appendChild(option);
        });
        select.value = value[r] === null || value[r] === undefined ? "" : String(value[r]);
        select.addEventListener("change", remember);
        line.append(label, select);
        controls.appendChild(line);
      });
    } else {
      const chosen = new Set(value);
      const code = new Set(model.get("code_options") || []);
      model.get("options").forEach((text, index) => {
        const label = element("label", "h2l-option");
        const input = element("input");
        input.type = kind === "multiple" ? "checkbox" : "radio";
        input.name = id;
        input.value = String(index);
        input.checked = chosen.has(index);
        input.addEventListener("change", remember);
        label.append(input, code.has(index) ? element("code", "h2l-option-code", text) : element("span", "", text));
        controls.appendChild(label);
      });
    }
    applyDisabled();
  }

  function applyDisabled() {
    const disabled = model.get("disabled");
    controls.querySelectorAll("input, select").forEach((c) => { c.disabled = disabled; });
  }

  function syncValue() {
    const value = model.get("value") || [];
    if (TYPED.includes(model.get("kind"))) {
      const box = controls.querySelector("input");
      if (box && box.value !== (value[0] || "")) box.value = value[0] || "";
    } else if (model.get("kind") === "select") {
      controls.querySelectorAll("select").forEach((s, r) => {
        s.value = value[r] === null || value[r] === undefined ? "" : String(value[r]);
      });
    } else {
      const chosen = new Set(value);
      controls.querySelectorAll("input").forEach((i) => { i.checked = chosen.has(Number(i.value)); });
    }
  }

  // Waiting on a slow network: the pressed button shows it is working after 100 ms, and after 10 s the page's
  // connection banner is asked to show (static/her2lesson.js); any reply from the kernel clears both.
  let busy = null, busyTimer = 0, slowTimer = 0;
  // Enter in a typed box pressed Check: the box is locked after a graded answer, so focus goes on to the feedback
  // (as after pressing the button); if the text was no answer, the box stays open and keeps the focus.
  let typedEnter = false;
  function clearBusy() {
    clearTimeout(busyTimer); clearTimeout(slowTimer);
    if (busy) { busy.classList.remove("h2l-busy"); busy.removeAttribute("aria-busy"); busy = null; }
    document.dispatchEvent(new CustomEvent("h2l-replied"));
  }
  function press(button, action) {
    clearBusy();
    busy = button;
    busyTimer = setTimeout(() => { if (busy === button) { button.classList.add("h2l-busy"); button.setAttribute("aria-busy", "true"); } }, 100);
    slowTimer = setTimeout(() => { if (busy === button) { document.dispatchEvent(new CustomEvent("h2l-slow")); } }, 10000);
    model.send({ action: action, answer: currentAnswer() });
  }
  model.on("change", clearBusy);

  function drawButtons() {
    const hadFocus = root.contains(document.activeElement) && document.activeElement.tagName === "BUTTON";
    buttons.textContent = "";
    model.get("buttons").forEach((b) => {
      const button = element("button", "h2l-button " + (b.primary ? "h2l-primary" : "h2l-secondary"), b.label);
      button.type = "button";
      button.dataset.action = b.action;
      button.addEventListener("click", () => press(button, b.action));
      buttons.appendChild(button);
    });
    const moveFocus = typedEnter || (hadFocus && !root.contains(document.activeElement));
    typedEnter = false;
    if (moveFocus) {
      // The pressed button is gone (e.g. Check after checking): land on the feedback, then Tab reaches the next step.
      if (model.get("feedback_html")) {
        feedback.focus();
      } else {
        const first = controls.querySelector("input:not([disabled]), select:not([disabled])") || buttons.querySelector("button");
        if (first) first.focus();
      }
    }
  }

  function drawFeedback() {
    if (!model.get("disabled")) typedEnter = false;
    feedback.className = "h2l-live " + model.get("feedback_class");
    feedback.innerHTML = model.get("feedback_html");
  }

  drawControls();
  drawFeedback();
  drawButtons();
  model.on("change:options", drawControls);
  model.on("change:rows", drawControls);
  model.on("change:legend", drawControls);
  model.on("change:number", drawControls);
  model.on("change:kind", drawControls);
  model.on("change:code", drawControls);
  model.on("change:code_options", drawControls);
  model.on("change:unit", drawControls);
  model.on("change:instruction", drawControls);
  model.on("change:value", syncValue);
  model.on("change:disabled", applyDisabled);
  model.on("change:feedback_html", drawFeedback);
  model.on("change:feedback_class", drawFeedback);
  model.on("change:buttons", drawButtons);
}

export default { render };
