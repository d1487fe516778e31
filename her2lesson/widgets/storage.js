// Remembers one value (the learner's resume code) in this browser's localStorage, so the same browser resumes
// without typing the code. On first render it tells the kernel what it found (null when nothing, or no storage).
function render({ model, el }) {
  el.setAttribute("hidden", "");
  const key = model.get("key");
  let saved = null;
  try { saved = window.localStorage.getItem(key); } catch (e) { saved = null; }
  model.send({ loaded: saved });
  model.on("change:value", () => {
    const value = model.get("value");
    try {
      if (value) { window.localStorage.setItem(key, value); } else { window.localStorage.removeItem(key); }
    } catch (e) { /* private mode or storage off: the learner can still type their code */ }
  });
}
export default { render };
