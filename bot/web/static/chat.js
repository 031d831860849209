// Sarafan web chat: posts what the customer types or taps, long-polls the bot's replies.
// The API is described in bot/web/chat.py. The chat id is the server's, in an HttpOnly cookie
// this script never sees; it only asks for one (POST /chat/api/session) and for a new one
// when the server no longer knows it (401).
"use strict";

const SUPPORTED = ["en", "ru", "fa", "bg", "el"];
// A path on this site ("/chat/api/export.json", not "//host") is safe as well.
const SAFE_LINK = /^(https?:|mailto:|tel:|\/(?![\/\\]))/i;
const MAX_BACKOFF_MS = 15000;

const log = document.getElementById("log");
const statusBox = document.getElementById("status");
const form = document.getElementById("form");
const input = document.getElementById("text");
const langSelect = document.getElementById("lang");

const store = openStore();
// Before the server issued ids, the page picked its own and kept it here. Such an id is refused
// now, so it goes, and with it the note that it had been greeted: the server's chat is new.
store.remove("sarafan.chat");
store.remove("sarafan.started");
const seen = new Set();
let after = 0;
let texts = {};
let uiLanguage = "";
let generation = 0; // how many chats the server has handed this page
let renewing = null;
let polling = null; // the long poll in flight, cut short when the chat changes

// localStorage throws in some private modes; the chat still works for this page's lifetime.
function openStore() {
  const memory = new Map();
  try {
    localStorage.setItem("sarafan.probe", "1");
    return {
      get: (k) => localStorage.getItem(k),
      set: (k, v) => localStorage.setItem(k, v),
      remove: (k) => localStorage.removeItem(k),
    };
  } catch (e) {
    return {
      get: (k) => memory.get(k) || null, set: (k, v) => memory.set(k, v),
      remove: (k) => memory.delete(k),
    };
  }
}

// crypto.randomUUID needs a secure context; plain http on a LAN address is not one.
function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

// This browser's chat, from the server: true when it is a new one (to be greeted).
async function connect() {
  const response = await fetch("/chat/api/session", { method: "POST" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return (await response.json()).new === true;
}

// Called when a request made during chat number `asOf` was refused with 401 (an id this server
// did not issue): the page gets a new chat once, however many requests noticed.
function renew(asOf) {
  if (asOf !== generation) return Promise.resolve();
  renewing ||= (async () => {
    try {
      const fresh = await connect();
      generation += 1;
      if (fresh) { restart(); await greet(true); }
    } finally {
      renewing = null;
    }
  })();
  return renewing;
}

// The old chat's bubbles belong to an id the server disowned: the new chat starts empty, and
// a long poll still waiting on the old chat gives way at once to one on the new chat.
function restart() {
  log.replaceChildren();
  seen.clear();
  after = 0;
  if (polling) polling.abort();
}

// An entry link (`/chat?start=survey-discovery-instagram`) starts that flow once per link in
// this browser, like Telegram's /start payload (again in a new chat); else a new chat says /start.
async function greet(fresh) {
  const entry = (new URLSearchParams(location.search).get("start") || "").slice(0, 64);
  if (entry && /^[A-Za-z0-9_-]+$/.test(entry) && (fresh || !store.get(`sarafan.entry.${entry}`))) {
    store.set(`sarafan.entry.${entry}`, "1");
    await send({ start: entry });
  } else if (fresh) {
    await send({ text: "/start" });
  }
}

function browserLanguage() {
  const code = (navigator.language || "en").slice(0, 2).toLowerCase();
  return SUPPORTED.includes(code) ? code : "en";
}

async function useLanguage(language) {
  if (!SUPPORTED.includes(language) || language === uiLanguage) return;
  uiLanguage = language;
  store.set("sarafan.ui", language);
  try {
    const response = await fetch(`/chat/api/texts?language=${language}`);
    const data = response.ok ? await response.json() : null;
    // A later switch wins even when its answer arrives first.
    if (!data || uiLanguage !== language) return;
    texts = data.texts;
    document.documentElement.lang = data.language;
    document.documentElement.dir = data.rtl ? "rtl" : "ltr";
    document.title = `Sarafan — ${texts.title}`;
    document.querySelectorAll("[data-text]").forEach((el) => {
      el.textContent = texts[el.dataset.text];
    });
    input.placeholder = texts.placeholder;
    input.setAttribute("aria-label", texts.message);
    document.getElementById("send").setAttribute("aria-label", texts.send);
    log.setAttribute("aria-label", texts.log);
  } catch (e) {
    // The English texts already in the page stay; the next language change tries again.
    uiLanguage = "";
  }
}

function showStatus(key, kind = "error") {
  statusBox.textContent = texts[key] || key;
  statusBox.className = kind;
  statusBox.dataset.key = key;
  statusBox.hidden = false;
}

function clearStatus(key) {
  if (key && statusBox.dataset.key !== key) return;
  statusBox.hidden = true;
  delete statusBox.dataset.key;
}

function bubble(direction, text, dir, language) {
  const div = document.createElement("div");
  div.className = `msg ${direction}`;
  div.setAttribute("dir", dir);
  if (language) div.lang = language;
  const body = document.createElement("span");
  body.className = "text";
  withCommands(body, text);
  div.appendChild(body);
  return div;
}

// A /command is left-to-right inside right-to-left text. Our catalogs put U+200E before each
// one, but answers written by a brand (knowledge base, operators) rarely do, and without it
// the slash joins the Persian side and shows as "help/". An isolate (<bdi dir=ltr>) keeps the
// command whole and in order, whatever marks the text carries.
const COMMAND = /((?<=^|[\s\u200e\u2066(«"'“])\/[A-Za-z][A-Za-z0-9_]{0,31})/;

function withCommands(parent, text) {
  text.split(COMMAND).forEach((part, index) => {
    if (index % 2 === 0) {
      if (part) parent.appendChild(document.createTextNode(part));
      return;
    }
    const command = document.createElement("bdi");
    command.className = "cmd";
    command.dir = "ltr";
    command.textContent = part;
    parent.appendChild(command);
  });
}

function choices(message) {
  const box = document.createElement("div");
  box.className = "choices";
  for (const button of message.buttons || []) {
    const el = document.createElement("button");
    el.type = "button";
    el.textContent = button.title;
    // message_id: which answer the button sits under (a rating is kept once per answer).
    el.addEventListener("click", () => send({
      payload: button.payload, text: button.title, message_id: String(message.id),
    }));
    box.appendChild(el);
  }
  for (const link of message.links || []) {
    if (!SAFE_LINK.test(link.url)) continue;
    const a = document.createElement("a");
    a.href = link.url;
    a.textContent = link.title;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    box.appendChild(a);
  }
  return box.childElementCount ? box : null;
}

function render(message) {
  if (seen.has(message.id)) return;
  seen.add(message.id);
  after = Math.max(after, message.id);
  if (message.direction === "in") {
    const pending = [...log.querySelectorAll(".msg.pending")]
      .find((el) => el.querySelector(".text").textContent === message.text);
    if (pending) pending.remove();
    if (!message.text) return;
  }
  const dir = message.direction === "out" && message.language
    ? (message.rtl ? "rtl" : "ltr") : "auto";
  const div = bubble(message.direction, message.text, dir, message.language);
  div.dataset.id = message.id;
  const box = choices(message);
  if (box) div.appendChild(box);
  log.appendChild(div);
  log.scrollTop = log.scrollHeight;
  if (message.direction === "out" && message.language) useLanguage(message.language);
}

async function send(body, renewed = false) {
  const shown = body.text || "";
  const pending = shown ? bubble("in pending", shown, "auto", "") : null;
  if (pending) { log.appendChild(pending); log.scrollTop = log.scrollHeight; }
  const request = Object.assign({
    client_id: randomId(), language: langSelect.value || navigator.language,
  }, body);
  const asOf = generation;
  try {
    const response = await fetch("/chat/api/messages", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request),
    });
    if (response.ok) { clearStatus(); return true; }
    if (response.status === 401 && !renewed) {
      if (pending) pending.remove();
      await renew(asOf);
      return send(body, true); // the customer's message goes to the new chat
    }
    const error = await response.json().catch(() => ({}));
    showStatus(error.code === "too_long" ? "too_long" : "send_failed");
  } catch (e) {
    showStatus("send_failed");
  }
  if (pending) pending.remove();
  return false;
}

// The first request returns the history at once; the next ones wait for news (long poll).
async function poll() {
  let backoff = 1000;
  let wait = 0;
  let refused = 0;
  for (;;) {
    const asOf = generation;
    polling = new AbortController();
    try {
      const response = await fetch(`/chat/api/messages?after=${after}&wait=${wait}`,
        { signal: polling.signal });
      if (response.status === 401) {
        // Refused again right after a new chat: something keeps the cookie from us; slow down.
        if (refused++) { await sleep(backoff); backoff = Math.min(backoff * 2, MAX_BACKOFF_MS); }
        await renew(asOf);
        wait = 0;
        continue;
      }
      refused = 0;
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const messages = (await response.json()).messages;
      // A poll that began before a new chat was handed out may bring the old chat's messages.
      if (asOf === generation) messages.forEach(render);
      clearStatus("offline");
      backoff = 1000;
      wait = asOf === generation ? 1 : 0;
    } catch (e) {
      if (asOf !== generation) { wait = 0; continue; } // cut short for the new chat
      showStatus("offline", "info");
      await sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }
}

// The first contact: until the server hands out a chat there is nothing to show or send.
async function start() {
  for (let backoff = 1000; ; backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)) {
    try {
      const fresh = await connect();
      clearStatus("offline");
      poll();
      await greet(fresh);
      return;
    } catch (e) {
      showStatus("offline", "info");
      await sleep(backoff);
    }
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = input.value;
  if (!text.trim()) return;
  input.value = "";
  fitInput();
  // A refused message goes back into the box so the customer can shorten it.
  if (!(await send({ text })) && !input.value) { input.value = text; fitInput(); }
});

// Enter sends, Shift+Enter starts a new line; an IME composition is never cut short.
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  }
});

function fitInput() {
  input.style.height = "auto";
  input.style.height = `${input.scrollHeight}px`;
}
input.addEventListener("input", fitInput);

langSelect.addEventListener("change", () => {
  const option = langSelect.selectedOptions[0];
  if (langSelect.value) send({ payload: `lang:${langSelect.value}`, text: option.textContent });
  input.focus();
});

log.addEventListener("click", (event) => {
  if (event.target.closest(".choices button")) input.focus();
});

useLanguage(store.get("sarafan.ui") || browserLanguage());
start();
input.focus();
