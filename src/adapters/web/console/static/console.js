// The console's small library, shared by every screen's script (ES module, no build step,
// no third-party code). Screens import what they need:
//   import { api, t, el, live, timeText } from "/static/console.js";
// Data is put into the page with textContent only (el()), never as HTML.

const meta = (name) => document.querySelector(`meta[name="${name}"]`);

export const words = JSON.parse(document.getElementById("console-words")?.textContent || "{}");
export const lang = document.documentElement.lang || "ko";
export const timezone = meta("cc-timezone")?.content || undefined;

/** A word of the console in the user's language; `{name}` in it is replaced from `values`. */
export function t(key, values = {}) {
  const text = words[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}

/** The signed-in user, from the page (who they are was checked by the server). */
export function me() {
  const m = meta("me");
  if (!m) return null;
  const list = (v) => (v ? v.split(",").filter(Boolean) : []);
  return {
    actor: m.content,
    role: m.dataset.role,
    teams: list(m.dataset.teams),
    permissions: list(m.dataset.permissions),
  };
}

export class ApiError extends Error {
  constructor(code, message, details) {
    super(message);
    this.code = code;
    this.details = details || [];
  }
}

/** One request to a subject of the contract (`query.list`, `agent.kim.dial`) through
 * `/api`, with the session cookie and the page's CSRF token; resolves to the reply's data,
 * rejects with an ApiError carrying the contract's code. */
export async function api(subject, payload = {}) {
  let response;
  try {
    response = await fetch("/api/" + subject.split(".").map(encodeURIComponent).join("/"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-Callbacks-Csrf": meta("csrf-token")?.content || "",
      },
      body: JSON.stringify(payload),
    });
  } catch (e) {
    throw new ApiError("unavailable", String(e));
  }
  if (response.status === 401) {
    window.location.assign("/login");
  }
  let body;
  try {
    body = await response.json();
  } catch (e) {
    throw new ApiError("internal", `HTTP ${response.status}`);
  }
  if (!body.ok) throw new ApiError(body.error.code, body.error.message, body.error.details);
  return body.data;
}

/** An element: `el("td", {class: "n"}, "text", otherNode)`. Attributes starting with `on`
 * are listeners; strings are text, never HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A time of the contract (ISO 8601) as the contact center's clock shows it. */
export function timeText(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso);
  return new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-GB", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  }).format(when);
}

/** A date-time-local input's value (the contact center's clock) as ISO 8601 with its
 * offset is the server's business: the contract accepts `desired_local`, so inputs send
 * their local text with the zone. */
export function localInput(value) {
  return value ? { desired_local: value.length === 16 ? `${value}:00` : value } : {};
}

/** Shows an ApiError (or any error) in `where` as an alert; clears it with null. */
export function showError(where, error) {
  where.replaceChildren();
  where.hidden = !error;
  if (!error) return;
  where.setAttribute("role", "alert");
  const code = error.code ? ` (${error.code})` : "";
  where.append(`${t("error.prefix")}${code}: ${error.message}`);
}

const listeners = [];
let source = null;

/** Calls `handler(type, data)` for each live event of this user: "ready" (the stream is
 * subscribed: read once, so nothing from before it is missed), "notify" (an agent's own
 * notification), "received" (a new callback a supervisor may see), "changed" (something
 * they may see changed: reload what is shown). */
export function live(handler) {
  listeners.push(handler);
  if (source) return;
  const status = document.getElementById("live-status");
  source = new EventSource("/console/events");
  const dispatch = (type) => (event) => {
    const data = event.data ? JSON.parse(event.data) : {};
    for (const h of listeners) h(type, data);
  };
  for (const type of ["ready", "notify", "received", "changed"]) {
    source.addEventListener(type, dispatch(type));
  }
  source.addEventListener("open", () => status && (status.textContent = t("live.connected")));
  source.addEventListener("error", () => status && (status.textContent = t("live.lost")));
}

/** A browser notification, when the user allowed them. */
export function notify(title, body) {
  if ("Notification" in window && Notification.permission === "granted") {
    try {
      new Notification(title, { body, tag: `${title}:${body}` });
    } catch (e) {
      /* a browser that only notifies from a service worker: the page still updates */
    }
  }
}

/** Calls `reload` at most once per `ms` however many events ask for it. */
export function debounce(reload, ms = 300) {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      reload();
    }, ms);
  };
}

function offerNotifications() {
  const button = document.getElementById("notifications-enable");
  if (!button || !("Notification" in window)) return;
  const show = () => {
    button.hidden = Notification.permission !== "default";
  };
  show();
  button.addEventListener("click", async () => {
    await Notification.requestPermission();
    show();
  });
}

offerNotifications();

// --- assign, unassign, report (c3): days on the contact center's clock ---

const twoDigits = (n) => String(n).padStart(2, "0");

function dayParts(instant) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    timeZoneName: "longOffset",
  }).formatToParts(instant);
  const part = (type) => parts.find((p) => p.type === type)?.value || "";
  const offset = part("timeZoneName").match(/([+-])(\d{2}):?(\d{2})?/);
  return {
    day: `${part("year")}-${part("month")}-${part("day")}`,
    minutes: offset ? (offset[1] === "-" ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3] || 0)) : 0,
  };
}

/** A day (YYYY-MM-DD) on the contact center's clock: today, `days` later (or earlier). */
export function dayText(days = 0) {
  const [y, m, d] = dayParts(new Date()).day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The start of `day` (YYYY-MM-DD) plus `days`, on the contact center's clock, as the
 * contract's time (ISO 8601 with its offset): `dayStart(to, 1)` ends a period with `to`. */
export function dayStart(day, days = 0) {
  const [y, m, d] = day.split("-").map(Number);
  const wall = Date.UTC(y, m - 1, d + days);
  let minutes = dayParts(new Date(wall)).minutes;
  minutes = dayParts(new Date(wall - minutes * 60000)).minutes;
  const abs = Math.abs(minutes);
  const date = new Date(wall).toISOString().slice(0, 10);
  return `${date}T00:00:00${minutes < 0 ? "-" : "+"}${twoDigits(Math.floor(abs / 60))}:${twoDigits(abs % 60)}`;
}

// --- routes, sms (c4): a refusal's fields shown next to their inputs ---

/** Shows `error` in `where` as showError does, with each of its `details` listed there
 * and next to the input of `form` whose `data-field` is the detail's field or its longest
 * prefix (`weekly.mon` for `weekly.mon.0.1`); null clears them all. */
export function showFieldErrors(form, where, error) {
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    const base = input.dataset.describedBase;
    if (base) input.setAttribute("aria-describedby", base);
    else input.removeAttribute("aria-describedby");
  }
  showError(where, error);
  if (!error || !error.details?.length) return;
  const inputs = [...form.querySelectorAll("[data-field]")];
  const items = [];
  for (const detail of error.details) {
    const field = String(detail.field || "");
    const text = `${field}: ${detail.message || detail.reason || ""}`;
    if (!String(error.message).includes(text)) items.push(el("li", {}, text));
    const input = inputs
      .filter((i) => field === i.dataset.field || field.startsWith(`${i.dataset.field}.`))
      .sort((a, b) => b.dataset.field.length - a.dataset.field.length)[0];
    if (!input) continue;
    const id = `${input.id}-error-${form.querySelectorAll(".field-error").length}`;
    const note = el("p", { class: "error field-error", id }, text);
    (input.closest("p, div, fieldset") || input).after(note);
    if (!input.hasAttribute("aria-invalid")) {
      input.dataset.describedBase = input.getAttribute("aria-describedby") || "";
    }
    input.setAttribute("aria-invalid", "true");
    const described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", described ? `${described} ${id}` : id);
  }
  if (items.length) where.append(el("ul", {}, items));
}
