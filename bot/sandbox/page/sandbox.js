// The sandbox page: pick a member, chat with the bot as them, move the clock, start over.
// The server runs the real flows; this page only shows their messages and sends what is typed or pressed.
"use strict";

const texts = JSON.parse(document.getElementById("texts").textContent);
const roster = JSON.parse(document.getElementById("roster").textContent);
const $ = (id) => document.getElementById(id);

let chat = null; // the open chat: the member's fake account
let rev = 0; // the newest revision of the open chat the page has shown
let seen = null; // chat → newest message id read, for the unread marks
let latest = {};
let following = true; // the chat is scrolled to its newest message, and stays there as images load
let opened = 0; // how many times a chat was opened: an answer asked for an earlier one is not drawn
const shown = new Map(); // message id → its element in the open chat

// Telegram's HTML subset, and nothing else, is rendered; everything else becomes its text.
const ALLOWED = new Set(["B", "STRONG", "I", "EM", "U", "INS", "S", "STRIKE", "DEL", "A", "CODE", "PRE", "BLOCKQUOTE", "TG-SPOILER", "SPAN"]);

function sanitise(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  const clean = (node) => {
    for (const child of [...node.childNodes]) {
      if (child.nodeType === Node.ELEMENT_NODE) {
        clean(child);
        if (!ALLOWED.has(child.tagName)) {
          child.replaceWith(...child.childNodes);
          continue;
        }
        const href = child.getAttribute("href");
        const spoiler = child.tagName === "TG-SPOILER" || child.classList.contains("tg-spoiler");
        for (const attribute of [...child.attributes]) child.removeAttribute(attribute.name);
        if (spoiler) child.className = "tg-spoiler";
        if (child.tagName === "A" && href && /^(https?:|tg:)/.test(href)) {
          child.setAttribute("href", href);
          child.setAttribute("target", "_blank");
          child.setAttribute("rel", "noopener");
        }
      } else if (child.nodeType !== Node.TEXT_NODE) {
        child.remove();
      }
    }
  };
  clean(template.content);
  return template.content;
}

async function call(path, body) {
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function toast(text) {
  if (!text) return;
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 3500);
}

// The member list

function place(person) {
  return person.department ? `${person.team} · ${person.department}` : `${person.team} · ${texts.sandbox_ui_officers}`;
}

function drawList() {
  const filter = $("search").value.trim().toLowerCase();
  const list = $("list");
  list.replaceChildren();
  let group = null;
  for (const person of roster) {
    const haystack = `${person.name} ${person.student_no} ${place(person)} ${person.position} ${person.committee || ""}`.toLowerCase();
    if (filter && !haystack.includes(filter)) continue;
    if (place(person) !== group) {
      group = place(person);
      const header = document.createElement("li");
      header.className = "group";
      header.textContent = group;
      list.append(header);
    }
    const row = document.createElement("li");
    row.className = "person";
    row.dataset.account = person.account;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = person.name;
    const role = document.createElement("span");
    role.className = "role";
    role.textContent = person.committee ? `${person.position} · ${texts.sandbox_ui_committee} ${person.committee}` : person.position;
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.title = texts.sandbox_ui_unread;
    row.append(name, role, badge);
    row.addEventListener("click", () => openChat(person));
    list.append(row);
  }
  markList();
}

// The list is drawn once (and again when searching); each refresh only marks the open and the unread.
function markList() {
  for (const row of document.querySelectorAll("#list .person")) {
    const account = Number(row.dataset.account);
    row.classList.toggle("open", account === chat);
    const unread = seen !== null && account !== chat && (latest[account] || 0) > (seen[account] || 0);
    row.querySelector(".badge").hidden = !unread;
  }
}

// The chat

function openChat(person) {
  opened += 1;
  chat = person.account;
  rev = 0;
  shown.clear();
  $("messages").replaceChildren();
  const who = $("who");
  who.replaceChildren();
  const name = document.createElement("strong");
  name.textContent = person.name;
  const details = document.createElement("small");
  details.textContent = `  ${person.student_no} · ${place(person)} · ${person.position}` +
    (person.committee ? ` · ${texts.sandbox_ui_committee} ${person.committee}` : "");
  who.append(name, details);
  $("compose").hidden = false;
  $("text").focus();
  markList();
  refresh();
}

function messageElement(message) {
  const outer = document.createElement("div");
  outer.className = "msg" + (message.mine ? " mine" : "") + (message.notice ? " notice" : "");
  outer.dataset.id = message.id;
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  if (message.attachment) {
    const file = message.attachment;
    if (file.kind === "photo") {
      const image = document.createElement("img");
      image.className = "photo";
      image.src = file.url;
      image.alt = file.name;
      image.addEventListener("load", () => { if (following) $("messages").scrollTop = $("messages").scrollHeight; });
      bubble.append(image);
    } else {
      const link = document.createElement("a");
      link.className = "document";
      link.href = file.url;
      link.download = file.name;
      link.textContent = `📄 ${file.name}`;
      bubble.append(link);
    }
  }
  const text = document.createElement("div");
  text.className = "text";
  if (message.mine) text.textContent = message.text;
  else text.append(sanitise(message.text));
  bubble.append(text);
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.textContent = [message.notice ? texts.sandbox_ui_notice : "", message.edited ? texts.sandbox_ui_edited : "", message.at]
    .filter(Boolean).join(" · ");
  bubble.append(meta);
  outer.append(bubble);
  if (message.buttons.length) {
    const keyboard = document.createElement("div");
    keyboard.className = "keyboard";
    for (const row of message.buttons) {
      const line = document.createElement("div");
      line.className = "row";
      for (const button of row) {
        const press = document.createElement("button");
        press.type = "button";
        press.textContent = button.label;
        press.addEventListener("click", () => act("/api/press", { chat, message: message.id, data: button.data }));
        line.append(press);
      }
      keyboard.append(line);
    }
    outer.append(keyboard);
  }
  return outer;
}

function drawMessages(messages) {
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  for (const message of messages) {
    const element = messageElement(message);
    const old = shown.get(message.id);
    if (old) old.replaceWith(element);
    else box.append(element);
    shown.set(message.id, element);
  }
  following = atBottom || messages.some((m) => m.mine) || rev === 0;
  if (messages.length && following) box.scrollTop = box.scrollHeight;
}

function drawMenu(menu) {
  const box = $("menu");
  box.replaceChildren();
  for (const [command, description] of menu) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.command = command;
    button.append(`/${command} `);
    const small = document.createElement("small");
    small.textContent = description;
    button.append(small);
    button.addEventListener("click", () => act("/api/say", { chat, text: `/${command}` }));
    box.append(button);
  }
}

// Talking to the server

async function refresh() {
  const asked = opened;
  const view = await call(`/api/view?rev=${rev}` + (chat ? `&chat=${chat}` : ""));
  $("clock").textContent = view.clock;
  $("phase").textContent = view.phase;
  const next = $("next");
  next.disabled = !view.next;
  next.textContent = view.next ? `${texts.sandbox_ui_next} ${view.next.what} ${view.next.at}` : texts.sandbox_ui_next_none;
  latest = view.latest;
  if (seen === null) seen = { ...latest };
  if (chat && asked === opened) {
    drawMessages(view.messages);
    drawMenu(view.menu);
    seen[chat] = latest[chat] || 0;
    rev = Math.max(rev, view.rev);
  }
  markList();
}

async function act(path, body) {
  try {
    const answer = await call(path, body);
    toast(answer.toast);
    if (answer.moved) toast(`${texts.sandbox_ui_moved} ${answer.moved}`);
  } catch (error) {
    toast(`${texts.sandbox_ui_failed} ${error.message}`);
  }
  await refresh();
}

$("compose").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("text").value;
  if (!text.trim() || !chat) return;
  $("text").value = "";
  act("/api/say", { chat, text });
});

$("file").addEventListener("change", () => {
  const file = $("file").files[0];
  if (!file || !chat) return;
  const reader = new FileReader();
  reader.onload = () => {
    const data = reader.result.split(",", 2)[1];
    const kind = file.type.startsWith("image/") ? "photo" : "document";
    act("/api/file", { chat, kind, name: file.name, data, caption: $("text").value });
    $("text").value = "";
    $("file").value = "";
  };
  reader.readAsDataURL(file);
});

$("search").addEventListener("input", drawList);
$("next").addEventListener("click", () => act("/api/next", {}));
$("day").addEventListener("click", () => act("/api/day", {}));
$("reset").addEventListener("click", async () => {
  if (!confirm(texts.sandbox_ui_reset_confirm)) return;
  seen = null;
  await act("/api/reset", {});
  if (chat) openChat(roster.find((person) => person.account === chat));
});
document.addEventListener("click", (event) => {
  if (event.target.classList && event.target.classList.contains("tg-spoiler")) event.target.classList.add("shown");
});

drawList();
refresh();
setInterval(() => { refresh().catch(() => {}); }, 2000);
