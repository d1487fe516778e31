// Read-aloud: Listen reads the part on screen with the browser's speech synthesis (the device's own voices, so it
// works offline), one sentence at a time, and marks the sentence being read (background AND underline, not colour
// alone). Pause (a toggle: aria-pressed), Stop, and a speed choice. It stops whenever the part on screen changes:
// the kernel bumps `stops`, and the part's container is watched too. Nurse panels, educator notes, glossary
// definitions and anything hidden are never read. Where the browser has no voice for the language, the controls
// are hidden and a short note says so.
const STYLE_ID = "h2l-read-aloud-style";
const HIGHLIGHT = "h2l-reading";
const RATES = { slower: 0.75, normal: 1, faster: 1.25 };
const RATE_KEY = "her2lesson.listen-speed";
const VOICE_WAIT_MS = 3000; // voices may load after the page: wait this long for them before saying there are none
const LONGEST = 200; // characters: a longer sentence is read in pieces (some engines stop after about 15 s)
const SKIP_TAGS = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "SVG", "MATH", "IMG", "CANVAS", "VIDEO",
  "AUDIO", "IFRAME", "INPUT", "SELECT", "TEXTAREA", "SUMMARY", "OPTION"]);
const STYLES = `
.h2l-listen-box { margin: 0 0 .75rem; }
.h2l-listen-box[hidden], .h2l-listen-box [hidden] { display: none !important; }
.h2l-listen { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; max-width: 100%; }
.h2l-listen-speed { display: inline-flex; flex-wrap: wrap; align-items: center; gap: .25rem .5rem; font-weight: 600; }
.h2l-listen-speed select { min-height: 44px; border: 2px solid #6b6b6b; border-radius: 4px; color: var(--h2l-ink, #1a1a1a);
  background: var(--h2l-paper, #fff); font: inherit; padding: .2rem .4rem; max-width: 100%; }
.h2l-app .h2l-listen .h2l-button[aria-pressed="true"] { background: var(--h2l-primary, #0b5394);
  color: var(--h2l-primary-ink, #fff); text-decoration: underline; text-underline-offset: .2em; }
.h2l-listen-note { margin: 0; color: var(--h2l-muted, #4a4a4a); }
.h2l-listen-active { position: sticky; z-index: 9; background: var(--h2l-page, #f7f5f0); padding: .25rem 0; }
.h2l-app.h2l-presenter .h2l-listen-box, .h2l-app.h2l-facilitator .h2l-listen-box { display: none !important; }
mark.h2l-reading { background: #fff1a6; color: #000; text-decoration: underline 2px #0b5394; outline: 2px solid #0b5394;
  outline-offset: 1px; border-radius: 2px; }
@media print { .h2l-listen-box { display: none !important; } }
`;
const HIGHLIGHT_CSS = `::highlight(h2l-reading) { background-color: #fff1a6; color: #000;
  text-decoration: underline 2px #0b5394; }`;

function addStyle() {
  if (document.getElementById(STYLE_ID)) return;
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = STYLES + (window.CSS && CSS.highlights ? HIGHLIGHT_CSS : "");
  document.head.appendChild(style);
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const primary = (tag) => String(tag || "").toLowerCase().replace(/_/g, "-").split("-")[0];
const full = (tag) => String(tag || "").toLowerCase().replace(/_/g, "-");

function synth() {
  const s = window.speechSynthesis;
  return s && typeof s.speak === "function" && typeof window.SpeechSynthesisUtterance === "function" ? s : null;
}

function voicesFor(lang) {
  const s = synth();
  if (!s || typeof s.getVoices !== "function") return [];
  let all = [];
  try { all = Array.from(s.getVoices() || []); } catch (e) { all = []; }
  return all.filter((v) => v && primary(v.lang) === primary(lang));
}

// The best voice: the page's exact language (en-US for en-US), then the device's own (offline), then its default.
function pickVoice(lang) {
  const score = (v) => (full(v.lang) === full(lang) ? 4 : 0) + (v.localService ? 2 : 0) + (v.default ? 1 : 0);
  return voicesFor(lang).sort((a, b) => score(b) - score(a))[0] || null;
}

// --- what to read -------------------------------------------------------------------------------------------------
function hiddenElement(node, skip) {
  if (SKIP_TAGS.has(node.tagName.toUpperCase())) return true;
  if (node.hidden || node.getAttribute("aria-hidden") === "true" || node.inert) return true;
  if (node.tagName === "BUTTON" && !node.classList.contains("h2l-term")) return true; // a glossary word is text
  if (node.tagName === "DETAILS" && !node.open) return true;
  if (skip && node.matches(skip)) return true;
  const style = getComputedStyle(node);
  return style.display === "none" || style.visibility === "hidden" || style.visibility === "collapse";
}

function blockOf(node, root, cache) {
  for (let e = node.parentElement; e && e !== root; e = e.parentElement) {
    if (cache.has(e)) return cache.get(e) ? e : blockOf(e, root, cache);
    const display = getComputedStyle(e).display;
    const block = !display.startsWith("inline") && display !== "contents";
    cache.set(e, block);
    if (block) return e;
  }
  return root;
}

// Sentence boundaries in `text`; whitespace is already one space per character (a line break inside a paragraph
// is not the end of a sentence).
function sentenceBounds(text, lang) {
  if (window.Intl && Intl.Segmenter) {
    try {
      const segmenter = new Intl.Segmenter(lang, { granularity: "sentence" });
      return Array.from(segmenter.segment(text), (s) => [s.index, s.index + s.segment.length]);
    } catch (e) { /* an unknown language tag: split by punctuation below */ }
  }
  const out = [];
  const ends = /[.!?\u2026]+["'\u201d\u2019\u00bb)\]]*(?=\s|$)/g;
  let start = 0;
  for (let m = ends.exec(text); m; m = ends.exec(text)) {
    out.push([start, m.index + m[0].length]);
    start = m.index + m[0].length;
  }
  if (start < text.length) out.push([start, text.length]);
  return out;
}

// A long sentence in pieces, cut after a comma, semicolon or colon.
function pieces(text, start, end) {
  if (end - start <= LONGEST) return [[start, end]];
  const window_ = text.slice(start + 40, start + LONGEST);
  const cut = Math.max(window_.lastIndexOf(", "), window_.lastIndexOf("; "), window_.lastIndexOf(": "));
  if (cut < 0) return [[start, end]];
  const at = start + 40 + cut + 1;
  return [[start, at], ...pieces(text, at, end)];
}

// The language of a block: its own `lang` (text marked as being in another language, e.g. an English part on a
// Spanish page), else the lesson's.
function langOf(block, lang) {
  const marked = block.closest("[lang]");
  return marked && marked !== document.documentElement && marked.lang ? marked.lang : lang;
}

// The part's readable text, as sentences in reading order: each with its text, language and place in the page.
function collectSentences(root, skip, lang) {
  const runs = [];
  const blocks = new Map();
  let run = null;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
    acceptNode(node) {
      if (node.nodeType === Node.ELEMENT_NODE) {
        return hiddenElement(node, skip) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_SKIP;
      }
      return NodeFilter.FILTER_ACCEPT;
    },
  });
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const block = blockOf(node, root, blocks);
    if (!run || run.block !== block) {
      if (!/\S/.test(node.data)) continue; // blank text between blocks
      run = { block, nodes: [], text: "" };
      runs.push(run);
    }
    run.nodes.push({ node, at: run.text.length });
    run.text += node.data;
  }
  const sentences = [];
  for (const r of runs) {
    const text = r.text.replace(/\s/g, " ");
    const inLang = langOf(r.block, lang);
    for (const [a0, b0] of sentenceBounds(text, inLang)) {
      for (const [a1, b1] of pieces(text, a0, b0)) {
        let a = a1;
        let b = b1;
        while (a < b && text[a] === " ") a += 1;
        while (b > a && text[b - 1] === " ") b -= 1;
        const words = text.slice(a, b).replace(/ +/g, " ");
        if (!/[\p{L}\p{N}]/u.test(words)) continue;
        sentences.push({ text: words, lang: inLang, parts: spans(r.nodes, a, b) });
      }
    }
  }
  return sentences;
}

// The text nodes (and offsets in them) that hold characters a..b of a run.
function spans(nodes, a, b) {
  const out = [];
  for (const { node, at } of nodes) {
    const from = Math.max(a, at);
    const to = Math.min(b, at + node.data.length);
    if (from < to) out.push({ node, start: from - at, end: to - at });
  }
  return out;
}

// --- the highlight: the CSS Custom Highlight API where there is one, else <mark> elements put in and taken out ---
function makeHighlighter() {
  const api = window.CSS && CSS.highlights && typeof window.Highlight === "function";
  let marks = [];
  function clear() {
    if (api) CSS.highlights.delete(HIGHLIGHT);
    for (const { node, middle, rest, mark } of marks.reverse()) {
      if (mark.parentNode) mark.replaceWith(middle);
      if (middle !== node && middle.parentNode && node.parentNode) { node.appendData(middle.data); middle.remove(); }
      if (rest && rest.parentNode && node.parentNode) { node.appendData(rest.data); rest.remove(); }
    }
    marks = [];
  }
  function show(sentence) {
    clear();
    const parts = sentence.parts.filter((p) => p.node.isConnected && p.end <= p.node.data.length);
    if (!parts.length) return null;
    const first = parts[0];
    const last = parts[parts.length - 1];
    const range = document.createRange();
    range.setStart(first.node, first.start);
    range.setEnd(last.node, last.end);
    const rect = range.getBoundingClientRect();
    if (api) {
      CSS.highlights.set(HIGHLIGHT, new Highlight(range));
    } else {
      for (const { node, start, end } of parts) {
        const rest = end < node.data.length ? node.splitText(end) : null;
        const middle = start > 0 ? node.splitText(start) : node;
        const mark = element("mark", HIGHLIGHT);
        middle.parentNode.insertBefore(mark, middle);
        mark.appendChild(middle);
        marks.push({ node, middle, rest, mark });
      }
    }
    return { rect };
  }
  return { show, clear };
}

// --- the control ----------------------------------------------------------------------------------------------------
function render({ model, el }) {
  addStyle();
  const t = (key) => (model.get("strings") || {})[key] || key;
  const box = element("div", "h2l-listen-box");
  const controls = element("div", "h2l-listen");
  controls.setAttribute("role", "group");
  const button = (cls) => {
    const b = element("button", "h2l-button h2l-secondary " + cls);
    b.type = "button";
    return b;
  };
  const listen = button("h2l-listen-start");
  const pause = button("h2l-listen-pause");
  pause.setAttribute("aria-pressed", "false");
  const stopButton = button("h2l-listen-stop");
  const speed = element("label", "h2l-listen-speed");
  const speedText = element("span");
  const select = element("select");
  for (const value of Object.keys(RATES)) select.appendChild(element("option")).value = value;
  speed.append(speedText, select);
  controls.append(listen, pause, stopButton, speed);
  const note = element("p", "h2l-note h2l-listen-note");
  const status = element("p", "h2l-sr-only");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  status.setAttribute("aria-atomic", "true");
  box.append(controls, note, status);
  el.appendChild(box);
  let saved = null;
  try { saved = window.localStorage.getItem(RATE_KEY); } catch (e) { saved = null; } // storage off: normal speed
  select.value = Object.prototype.hasOwnProperty.call(RATES, saved) ? saved : "normal";

  const highlighter = makeHighlighter();
  let state = "idle"; // idle | reading | paused
  let voices = "waiting"; // waiting | yes | no
  let sentences = [];
  let index = 0;
  let token = 0; // bumped on every cancel: callbacks of an utterance from before it are ignored
  let utterance = null; // kept referenced: some browsers drop the events of an utterance that is collected
  let target = null;
  let observer = null;
  let said = null;
  let waitOver = false;

  const language = () => (model.get("lang") || document.documentElement.lang || "en").trim();
  const currentPart = () => (target && target.isConnected ? target.querySelector(model.get("parts")) : null);

  function announce(key) {
    status.textContent = "";
    clearTimeout(said);
    said = setTimeout(() => { status.textContent = t(key); }, 50); // a fresh change, so the same words are said again
  }

  function labels() {
    controls.setAttribute("aria-label", t("listen_group"));
    listen.textContent = t("listen");
    pause.textContent = t("listen_pause");
    stopButton.textContent = t("listen_stop");
    speedText.textContent = t("listen_speed");
    Array.from(select.options).forEach((o) => { o.textContent = t("listen_" + o.value); });
    note.textContent = t("listen_unavailable");
  }

  function stickTop() {
    const header = document.querySelector(".h2l-header");
    const position = header ? getComputedStyle(header).position : "";
    return position === "sticky" || position === "fixed" ? Math.max(0, header.getBoundingClientRect().bottom) : 0;
  }

  function update() {
    const focused = box.contains(document.activeElement) ? document.activeElement : null;
    box.hidden = !currentPart();
    controls.hidden = voices !== "yes";
    note.hidden = voices !== "no";
    listen.hidden = state !== "idle";
    pause.hidden = state === "idle";
    stopButton.hidden = state === "idle";
    pause.setAttribute("aria-pressed", state === "paused" ? "true" : "false");
    // While reading, the controls stay in view under the page header, so Pause is always at hand.
    el.classList.toggle("h2l-listen-active", state !== "idle");
    el.style.top = state !== "idle" ? stickTop() + "px" : "";
    if (focused && focused.hidden && !box.hidden && !controls.hidden) (state === "idle" ? listen : pause).focus();
  }

  // Voices may arrive after the page (Chrome loads them late): until some voice is listed, or the wait is over,
  // neither the controls nor the note show.
  function checkVoices() {
    const s = synth();
    let listed = false;
    try { listed = !!s && Array.from(s.getVoices() || []).length > 0; } catch (e) { listed = false; }
    if (voicesFor(language()).length) voices = "yes";
    else if (!s || listed || waitOver) voices = "no";
    else voices = "waiting";
    if (voices !== "yes" && state !== "idle") stop(false);
    update();
  }

  function cancel() {
    token += 1;
    const s = synth();
    if (s) { try { s.cancel(); } catch (e) { /* nothing is being said */ } }
  }

  function speakCurrent() {
    const s = synth();
    if (!s || state !== "reading") return;
    if (index >= sentences.length) { finish(); return; }
    const sentence = sentences[index];
    const shown = highlighter.show(sentence);
    const top = Math.max(stickTop(), el.getBoundingClientRect().bottom); // below the header and these controls
    if (shown && (shown.rect.top < top || shown.rect.bottom > window.innerHeight)) {
      window.scrollBy(0, shown.rect.top - top - (window.innerHeight - top) / 3); // the sentence a third of the way down
    }
    const u = new window.SpeechSynthesisUtterance(sentence.text);
    u.lang = sentence.lang;
    u.rate = RATES[select.value] || 1;
    const voice = pickVoice(sentence.lang);
    if (voice) u.voice = voice;
    token += 1;
    const mine = token;
    u.onend = () => {
      if (mine !== token || state !== "reading") return;
      index += 1;
      speakCurrent();
    };
    u.onerror = () => { if (mine === token) stop(true); }; // not our own cancel: something else stopped the voice
    utterance = u;
    try {
      if (s.paused && typeof s.resume === "function") s.resume();
      s.speak(u);
    } catch (e) {
      stop(true);
    }
  }

  // Say the current sentence again from its start at the new speed (a short wait: some engines drop an utterance
  // asked for right after a cancel).
  function restart() {
    cancel();
    const mine = token;
    setTimeout(() => { if (mine === token && state === "reading") speakCurrent(); }, 60);
  }

  function start() {
    const root = currentPart();
    if (!root || voices !== "yes" || state !== "idle") return;
    sentences = collectSentences(root, model.get("skip"), language());
    if (!sentences.length) return;
    const s = synth();
    if (s && (s.speaking || s.pending)) cancel();
    index = 0;
    state = "reading";
    update();
    pause.focus();
    announce("listen_reading");
    speakCurrent();
  }

  // Pause cancels the voice and keeps the sentence marked; going on says that sentence again from its start. More
  // reliable than the engine's own pause, which some phones do not honour, and easier to follow.
  function togglePause() {
    if (state === "reading") {
      state = "paused";
      cancel();
      update();
      announce("listen_paused");
    } else if (state === "paused") {
      state = "reading"; // the sentence again from its start, in this key press (some phones need one to speak)
      update();
      announce("listen_reading");
      speakCurrent();
    }
  }

  function stop(say) {
    if (state === "idle") return;
    state = "idle";
    cancel();
    highlighter.clear();
    sentences = [];
    utterance = null;
    update();
    if (say) announce("listen_stopped");
  }

  function finish() {
    state = "idle";
    highlighter.clear();
    sentences = [];
    utterance = null;
    update();
    announce("listen_done");
  }

  listen.addEventListener("click", start);
  pause.addEventListener("click", togglePause);
  stopButton.addEventListener("click", () => stop(true));
  select.addEventListener("change", () => {
    try { window.localStorage.setItem(RATE_KEY, select.value); } catch (e) { /* storage off: kept for this page */ }
    if (state === "reading") restart();
  });

  // The part on screen: the kernel says when it changes (`stops`), and the part's container is watched as well.
  function attach() {
    if (target && target.isConnected) return true;
    if (!el.isConnected) return false;
    const found = (el.closest(".h2l-app") || document).querySelector(model.get("target"));
    if (!found) return false;
    target = found;
    if (observer) observer.disconnect();
    // A new part comes in, then gets its class: watch the container's children, and the class of each one.
    observer = new MutationObserver((records) => {
      if (records.some((r) => r.type === "childList")) stop(false);
      for (const child of target.children) observer.observe(child, { attributes: true, attributeFilter: ["class"] });
      update();
    });
    observer.observe(target, { childList: true });
    for (const child of target.children) observer.observe(child, { attributes: true, attributeFilter: ["class"] });
    update();
    return true;
  }
  const attaching = setInterval(() => { if (attach()) clearInterval(attaching); }, 200);
  attach();

  const s = synth();
  const onVoices = () => checkVoices();
  if (s && typeof s.addEventListener === "function") s.addEventListener("voiceschanged", onVoices);
  else if (s) s.onvoiceschanged = onVoices;
  const waited = setTimeout(() => { waitOver = true; checkVoices(); }, VOICE_WAIT_MS);
  const leaving = () => { if (state !== "idle") cancel(); };
  window.addEventListener("pagehide", leaving);

  model.on("change:stops", () => stop(false));
  model.on("change:lang", () => { stop(false); checkVoices(); });
  model.on("change:strings", labels);
  model.on("change:parts", update);
  labels();
  checkVoices();

  return () => {
    stop(false);
    clearInterval(attaching);
    clearTimeout(waited);
    clearTimeout(said);
    if (observer) observer.disconnect();
    if (s && typeof s.removeEventListener === "function") s.removeEventListener("voiceschanged", onVoices);
    window.removeEventListener("pagehide", leaving);
  };
}

export default { render };
