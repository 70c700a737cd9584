// One callback (query.get) and its history as a timeline (query.history), oldest first.
// A callback the caller may not see is not_found, as one that does not exist.
import { api, t, el, live, timeText, showError, debounce } from "/static/console.js";

const root = document.getElementById("history-root");
const callbackId = root.dataset.callbackId;
const error = document.getElementById("history-error");
const missing = document.getElementById("history-missing");
const found = document.getElementById("history-found");
const events = document.getElementById("history-events");
const fields = document.getElementById("history-fields");

const link = (id) => el("a", { href: `/callbacks/${encodeURIComponent(id)}` }, id);

// How each value of an event or a callback is shown.
const SHOW = {
  callback_type: (v) => t(`list.type.${v}`),
  type: (v) => t(`list.type.${v}`),
  reason: (v) => t(`list.reason.${v}`),
  state: (v) => t(`state.${v}`),
  status: (v) => t(`status.${v}`),
  outcome: (v) => t(`history.outcome.${v}`),
  method: (v) => t(`history.method.${v}`),
  desired_time: timeText,
  requested_at: timeText,
  new_callback_id: link,
  recreated_from: link,
  overdue: (v) => t(v ? "list.yes" : "list.no"),
};
const shown = (name, value) => (SHOW[name] ? SHOW[name](value) : String(value));

// An event's own fields worth a line, in this order.
const EVENT_FIELDS = [
  "phone", "route", "callback_type", "desired_time", "routing_agent", "routing_team",
  "agent_id", "method", "attempt", "outcome", "reason", "remark", "new_callback_id",
  "recreated_from",
];

function eventItem(event) {
  const more = EVENT_FIELDS.filter((name) => event[name] !== undefined && event[name] !== null && event[name] !== "")
    .flatMap((name, i) => [i ? " · " : "", `${t(`history.field.${name}`)}: `, shown(name, event[name])]);
  const who = t("history.who", {
    actor: event.actor || "-",
    role: event.role || "-",
    channel: event.channel || "-",
    issuer: event.issuer || "-",
  });
  return el(
    "li",
    { dataset: { type: event.type } },
    el("time", { class: "when", datetime: event.at }, timeText(event.at)),
    el("span", { class: "what" }, t(`history.event.${event.type}`)),
    more.length ? el("span", { class: "more" }, ...more) : null,
    el("span", { class: "who muted" }, who),
  );
}

const DETAILS = [
  ["callback_id", "history.field.callback_id"],
  ["request_id", "history.field.request_id"],
  ["requested_at", "list.col.requested_at"],
  ["type", "list.type"],
  ["desired_time", "list.col.desired_time"],
  ["overdue", "list.overdue"],
  ["route", "list.route"],
  ["phone_national", "list.phone"],
  ["state", "list.state"],
  ["status", "list.status"],
  ["reason", "list.col.reason"],
  ["assigner", "list.assigner"],
  ["agent", "list.agent"],
  ["team", "list.col.team"],
  ["routing_team", "list.routing_team"],
  ["attempts", "list.col.attempts"],
  ["position_in_queue", "history.field.position_in_queue"],
  ["estimated_wait_seconds", "history.field.estimated_wait"],
  ["customer_timezone", "history.field.customer_timezone"],
  ["remark", "list.col.remark"],
];

function detailValue(name, callback) {
  if (name === "phone_national") return callback.phone_national || callback.phone;
  if (name === "estimated_wait_seconds") return t("history.minutes", { n: Math.ceil(callback[name] / 60) });
  return shown(name, callback[name]);
}

function showDetails(callback) {
  fields.replaceChildren(
    ...DETAILS.filter(([name]) => callback[name] !== null && callback[name] !== undefined && callback[name] !== "")
      .flatMap(([name, word]) => [el("dt", {}, t(word)), el("dd", {}, detailValue(name, callback))]),
  );
}

function notFound(e) {
  return e.code === "not_found" || (e.code === "invalid_request" && /callback_id/.test(JSON.stringify(e.details)));
}

async function load() {
  showError(error, null);
  try {
    const [callback, history] = await Promise.all([
      api("query.get", { callback_id: callbackId }),
      api("query.history", { callback_id: callbackId }),
    ]);
    showDetails(callback);
    const ordered = [...history.events].sort((a, b) => a.version - b.version);
    events.replaceChildren(...ordered.map(eventItem));
    events.removeAttribute("aria-busy");
  } catch (e) {
    if (notFound(e)) {
      found.hidden = true;
      missing.hidden = false;
    } else {
      showError(error, e);
    }
  }
}

const reload = debounce(load, 400);
live((type) => {
  if (type === "changed" && missing.hidden) reload();
});
load();
