// The agent desktop's callback panel: the badge (due · upcoming), the two lists, the
// selected callback's details and actions, scheduling a callback, and live updates.
// Every rule is the server's: buttons follow the state only as a hint, refusals are shown.
import { api, debounce, el, live, me, notify, showError, t, timeText, timezone } from "/static/console.js";
import { localOf, zonedIso } from "/static/agent-time.js";

const self = me();
const subject = (verb) => `agent.${self.actor}.${verb}`;
const $ = (id) => document.getElementById(id);
const errorBox = $("agent-error");
const message = $("agent-message");
const baseTitle = document.title;

const shown = { offers: [], pending: [], upcoming: [] };
let selected = null; // { id, list: "pending" | "upcoming" }
let known = 0; // the newest log position seen: reads wait for it
let generation = 0;

const seen = (position) => {
  if (Number.isInteger(position) && position > known) known = position;
};
const phoneOf = (item) => item.phone_national || item.phone;
const wordOr = (key, fallback) => (t(key) === key ? fallback : t(key));

function say(text) {
  message.textContent = text;
}

let busy = false; // one command at a time: a double click does not dial twice

async function act(verb, payload, done) {
  if (busy) return;
  busy = true;
  showError(errorBox, null);
  try {
    const reply = await api(subject(verb), payload);
    seen(reply.log_position);
    say(done(reply));
  } catch (error) {
    say("");
    showError(errorBox, error);
  } finally {
    busy = false;
  }
  await reload();
}

// --- reading -------------------------------------------------------------------------

async function reload() {
  const mine = ++generation;
  const ask = known ? { min_position: known } : {};
  let pending, upcoming;
  try {
    [pending, upcoming] = await Promise.all([api(subject("pending"), ask), api(subject("upcoming"), ask)]);
  } catch (error) {
    showError(errorBox, error);
    return;
  }
  if (mine !== generation) return; // a newer read is on its way
  shown.offers = pending.items.filter((item) => item.offered);
  shown.pending = pending.items.filter((item) => !item.offered);
  shown.upcoming = upcoming.items;
  badge(pending.count, upcoming.count);
  renderOffers();
  renderList("pending");
  renderList("upcoming");
  renderRoutes();
  renderSelected();
}

const reloadSoon = debounce(reload, 250);

// --- offers (AUTO routes): accept or reject before the offer ends ----------------------

function secondsLeft(item) {
  const ends = Date.parse(item.offer_expires_at || "");
  return Number.isNaN(ends) ? null : Math.max(0, Math.ceil((ends - Date.now()) / 1000));
}

function countdownText(item) {
  const left = secondsLeft(item);
  if (left === null) return "—";
  return left > 0 ? t("agent.offer.seconds", { seconds: left }) : t("agent.offer.ended");
}

function renderOffers() {
  $("agent-offers-panel").hidden = !shown.offers.length;
  const body = $("agent-offers").tBodies[0];
  body.replaceChildren(
    ...shown.offers.map((item) => {
      const phone = phoneOf(item);
      const answer = (verb, done) => () =>
        act(verb, { callback_id: item.callback_id }, () => t(done, { phone }));
      return el(
        "tr",
        { dataset: { callbackId: item.callback_id } },
        el("td", {}, phone),
        el("td", {}, item.route),
        el("td", { class: "remark" }, item.remark || ""),
        el("td", { class: "countdown", dataset: { expires: item.offer_expires_at || "" } }, countdownText(item)),
        el(
          "td",
          {},
          el("button", { type: "button", "aria-label": t("agent.offer.accept_label", { phone }), onclick: answer("accept", "agent.done.accept") }, t("agent.offer.accept")),
          " ",
          el("button", { type: "button", class: "quiet", "aria-label": t("agent.offer.reject_label", { phone }), onclick: answer("reject", "agent.done.reject") }, t("agent.offer.reject")),
        ),
      );
    }),
  );
}

// The countdowns tick each second; an offer that ended is read again (withdrawn, or taken).
setInterval(() => {
  let ended = false;
  for (const cell of document.querySelectorAll("#agent-offers td.countdown")) {
    const item = { offer_expires_at: cell.dataset.expires };
    cell.textContent = countdownText(item);
    if (secondsLeft(item) === 0) ended = true;
  }
  if (ended) reloadSoon();
}, 1000);

function badge(due, upcoming) {
  const node = $("agent-badge");
  node.textContent = t("agent.badge", { due, upcoming });
  node.classList.toggle("zero", !due);
  document.title = due ? `(${due}) ${baseTitle}` : baseTitle;
}

// --- lists ---------------------------------------------------------------------------

function renderList(list) {
  const body = $(`agent-${list}`).tBodies[0];
  const items = shown[list];
  if (!items.length) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "muted" }, t(`agent.empty.${list}`))));
    return;
  }
  body.replaceChildren(...items.map((item) => row(item, list)));
}

function row(item, list) {
  const isSelected = selected?.id === item.callback_id;
  const pick = () => {
    selected = { id: item.callback_id, list };
    renderList("pending");
    renderList("upcoming");
    renderSelected();
    $("agent-details-heading").focus();
  };
  return el(
    "tr",
    { class: isSelected ? "selected" : undefined, dataset: { callbackId: item.callback_id } },
    el("td", {}, el("button", { type: "button", class: "link", "aria-pressed": String(isSelected), onclick: pick }, phoneOf(item))),
    el("td", {}, item.route),
    el("td", {}, wordOr(`state.${item.state}`, item.state)),
    el("td", {}, item.desired_time ? timeText(item.desired_time) : t("agent.asap")),
    el("td", { class: "n" }, item.attempts),
    el("td", { class: "remark" }, item.remark || ""),
  );
}

function renderRoutes() {
  const routes = new Set([...shown.pending, ...shown.upcoming].map((item) => item.route));
  $("agent-routes").replaceChildren(...[...routes].sort().map((r) => el("option", { value: r })));
}

// --- the selected callback -------------------------------------------------------------

function current() {
  if (!selected) return null;
  for (const list of ["pending", "upcoming"]) {
    const item = shown[list].find((i) => i.callback_id === selected.id);
    if (item) {
      selected.list = list;
      return item;
    }
  }
  return null;
}

function renderSelected() {
  const item = current();
  if (!item) selected = null;
  $("agent-details").hidden = !item;
  $("agent-details-empty").hidden = Boolean(item);
  $("agent-pending-actions").hidden = !item || selected.list !== "pending";
  $("agent-upcoming-actions").hidden = !item || selected.list !== "upcoming";
  const history = $("agent-history");
  history.hidden = !item;
  if (!item) return;
  history.href = `/callbacks/${encodeURIComponent(item.callback_id)}`;
  $("agent-details").replaceChildren(...details(item));
  const state = item.state;
  $("agent-dial").disabled = state !== "ROUTING";
  $("agent-result").disabled = state !== "PROCESSING";
  $("agent-outcome").disabled = state !== "PROCESSING";
  $("agent-complete").disabled = state !== "PROCESSING";
  $("agent-finish").disabled = !["ROUTING", "PROCESSING"].includes(state);
  const input = $("agent-new-time");
  if (selected.list === "upcoming" && input.dataset.for !== item.callback_id) {
    input.value = item.desired_time ? localOf(item.desired_time, timezone) : "";
    input.dataset.for = item.callback_id;
  }
}

function details(item) {
  const pair = (key, value) => [el("dt", {}, t(key)), el("dd", {}, value === null || value === undefined || value === "" ? "—" : value)];
  return [
    el(
      "dl",
      { class: "agent-details" },
      pair("agent.col.phone", phoneOf(item)),
      pair("agent.col.state", wordOr(`state.${item.state}`, item.state)),
      pair("agent.col.desired", item.desired_time ? timeText(item.desired_time) : t("agent.asap")),
      pair("agent.col.attempts", item.attempts),
      pair("agent.col.remark", item.remark),
      pair("agent.f.zone", item.customer_timezone),
    ),
    el("h3", {}, t("agent.origin")),
    el(
      "dl",
      { class: "agent-details" },
      pair("agent.col.route", item.route),
      pair("agent.f.request_id", item.request_id),
      pair("agent.f.type", wordOr(`agent.type.${item.type}`, item.type)),
      pair("agent.f.requested_at", timeText(item.requested_at)),
      pair("agent.f.team", item.routing_team),
    ),
  ];
}

function onSelected(verb, payload, done) {
  return () => {
    const item = current();
    if (!item) return;
    act(verb, payload(item), (reply) => done(item, reply));
  };
}

$("agent-dial").addEventListener(
  "click",
  onSelected("dial", (i) => ({ callback_id: i.callback_id }), (i) => t("agent.done.dial", { phone: phoneOf(i) })),
);
$("agent-result").addEventListener(
  "click",
  onSelected(
    "dial-result",
    (i) => ({ callback_id: i.callback_id, outcome: $("agent-outcome").value }),
    () => t("agent.done.result", { outcome: $("agent-outcome").selectedOptions[0].textContent }),
  ),
);
$("agent-complete").addEventListener(
  "click",
  onSelected("complete", (i) => ({ callback_id: i.callback_id }), () => t("agent.done.complete")),
);
$("agent-finish").addEventListener(
  "click",
  onSelected("finish", (i) => ({ callback_id: i.callback_id }), () => t("agent.done.finish")),
);
$("agent-call-now").addEventListener(
  "click",
  onSelected("call-now", (i) => ({ callback_id: i.callback_id }), () => t("agent.done.call_now")),
);
$("agent-cancel").addEventListener(
  "click",
  onSelected("cancel", (i) => ({ callback_ids: [i.callback_id] }), (_, reply) =>
    reply.skipped?.length ? t("agent.done.skipped", { message: reply.skipped[0].message }) : t("agent.done.cancel"),
  ),
);
$("agent-reschedule").addEventListener("click", () => {
  const item = current();
  const value = $("agent-new-time").value;
  if (!item) return;
  if (!value) {
    showError(errorBox, { code: "invalid_request", message: t("agent.new_time_missing") });
    return;
  }
  const payload = { callback_id: item.callback_id, desired_time: zonedIso(value, timezone) };
  act("reschedule", payload, () => t("agent.done.reschedule"));
});

// --- scheduling --------------------------------------------------------------------------

function requestId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function showFor() {
  const chosen = $("agent-s-for").value;
  $("agent-s-agent-row").hidden = chosen !== "agent";
  $("agent-s-agent").required = chosen === "agent";
  $("agent-s-team-row").hidden = chosen !== "team";
}

$("agent-s-for").addEventListener("change", showFor);

$("agent-schedule-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const value = (name) => form.elements[name].value.trim();
  const payload = { request_id: requestId(), phone: value("phone"), route: value("route") };
  if (value("desired")) {
    payload.desired_local = value("desired").length === 16 ? `${value("desired")}:00` : value("desired");
  }
  payload.customer_timezone = value("zone");
  if (value("remark")) payload.remark = value("remark");
  if (value("for") === "agent") payload.routing = { agent: value("agent") };
  if (value("for") === "team") payload.routing = { team: value("team") };
  act("schedule", payload, (reply) => {
    form.reset();
    showFor();
    return reply.duplicate ? t("agent.done.duplicate") : t("agent.done.scheduled");
  });
});

function offerZones() {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  $("agent-zones").replaceChildren(...zones.map((z) => el("option", { value: z })));
}

// --- live ----------------------------------------------------------------------------

live((type, data) => {
  if (type === "notify") {
    seen(data.log_position);
    if (Number.isInteger(data.pending_count)) {
      badge(data.pending_count, data.upcoming_count ?? shown.upcoming.length);
    }
    if (data.type === "assigned" && data.callback) {
      notify(t("agent.notify.assigned"), t("agent.notify.body", { phone: phoneOf(data.callback), route: data.callback.route }));
    }
    if (data.type === "offered" && data.callback) {
      notify(t("agent.notify.offered"), t("agent.notify.body", { phone: phoneOf(data.callback), route: data.callback.route }));
    }
  }
  if (type === "notify" || type === "changed") reloadSoon();
});

// After the live stream comes back (a restart, a network gap), read again what it missed.
function rereadOnReconnect() {
  const status = document.getElementById("live-status");
  if (!status) return;
  let lost = false;
  new MutationObserver(() => {
    if (status.textContent === t("live.lost")) lost = true;
    else if (lost && status.textContent === t("live.connected")) {
      lost = false;
      reloadSoon();
    }
  }).observe(status, { childList: true, characterData: true, subtree: true });
}

rereadOnReconnect();
offerZones();
showFor();
reload();
