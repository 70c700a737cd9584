// 발송 내역 (sms_messages): query.sms.messages with its filters, pages by cursor, newest
// first; RESERVED messages selected and cancelled (admin.sms.cancel), with what was
// cancelled and what was skipped (and why); live reloads and a refresh button.
import { api, t, el, live, timeText, showError, showFieldErrors, debounce, dayStart } from "/static/console.js";

const $ = (id) => document.getElementById(id);
const PAGE_SIZE = 100;
const form = $("sms-messages-form");
const rows = $("sms-messages-rows");
const cancelButton = $("sms-messages-cancel");
const selecting = Boolean(cancelButton);
const columns = document.querySelectorAll("#sms-messages-table thead th").length;

let filters = {};
let cursors = [null];
let nextCursor = null;
let loading = 0;
let written = null; // the log position of this page's last cancel: reads wait for it
let names = new Map(); // template_id -> name, when this user may read the templates

function readFilters() {
  const value = (id) => $(id).value.trim();
  const found = {};
  if (value("sms-messages-from")) found.from = dayStart(value("sms-messages-from"));
  if (value("sms-messages-to")) found.to = dayStart(value("sms-messages-to"), 1);
  if (value("sms-messages-recipient")) found.recipient = value("sms-messages-recipient");
  if (value("sms-messages-state")) found.state = value("sms-messages-state");
  if (value("sms-messages-template")) found.template_id = value("sms-messages-template");
  return found;
}

function selected() {
  return [...rows.querySelectorAll("input[type=checkbox]:checked")].map((b) => b.value);
}

function selectionChanged() {
  if (cancelButton) cancelButton.disabled = selected().length === 0;
}

function row(m) {
  const when = el("td", { class: "when" }, timeText(m.reserve_at || m.requested_at));
  if (m.reserve_at) when.append(" ", el("span", { class: "tag" }, t("sms_messages.reserved_mark")));
  const template = names.get(m.template_id);
  const tr = el(
    "tr",
    { dataset: { message: m.message_id, state: m.state } },
    when,
    el("td", { class: "phone" }, m.recipient),
    el("td", {}, t(`sms_messages.state.${m.state}`)),
    el("td", {}, template ? `${template} (${m.template_id})` : m.template_id),
    el("td", {}, m.type),
    el("td", {}, m.sender),
    el("td", {}, m.sent_by),
    el("td", {}, m.reason || ""),
  );
  if (selecting) {
    const box = m.state === "RESERVED"
      ? el("input", {
          type: "checkbox",
          value: m.message_id,
          "aria-label": t("sms_messages.select_one", { recipient: m.recipient, at: timeText(m.reserve_at || m.requested_at) }),
          onchange: selectionChanged,
        })
      : null;
    tr.prepend(el("td", {}, box));
  }
  return tr;
}

function showPage(data) {
  const keep = new Set(selected());
  const items = data.items.map(row);
  for (const tr of items) {
    const box = tr.querySelector("input[type=checkbox]");
    if (box && keep.has(box.value)) box.checked = true;
  }
  rows.replaceChildren(...items);
  if (!items.length) rows.append(el("tr", {}, el("td", { colspan: columns, class: "muted" }, t("none"))));
  nextCursor = data.next_cursor || null;
  const first = (cursors.length - 1) * PAGE_SIZE;
  $("sms-messages-total").textContent = t("sms_messages.total", { total: data.total });
  $("sms-messages-page").textContent = data.items.length
    ? t("sms_messages.showing", { from: first + 1, to: first + data.items.length, total: data.total })
    : "";
  $("sms-messages-previous").disabled = cursors.length <= 1;
  $("sms-messages-next").disabled = !nextCursor;
  selectionChanged();
}

async function load() {
  const mine = ++loading;
  rows.setAttribute("aria-busy", "true");
  try {
    const cursor = cursors[cursors.length - 1];
    const data = await api("query.sms.messages", {
      ...filters,
      page_size: PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
      ...(written === null ? {} : { min_position: written }),
    });
    if (mine === loading) {
      showFieldErrors(form, $("sms-messages-error"), null);
      showPage(data);
    }
  } catch (e) {
    if (mine === loading) showFieldErrors(form, $("sms-messages-error"), e);
  } finally {
    if (mine === loading) rows.removeAttribute("aria-busy");
  }
}

function search() {
  filters = readFilters();
  cursors = [null];
  return load();
}

async function loadNames() {
  try {
    const catalog = await api("query.sms.templates", { usable_only: false });
    names = new Map();
    for (const c of catalog.categories) for (const s of c.children) for (const tpl of s.templates) names.set(tpl.template_id, tpl.name);
    $("sms-messages-templates").replaceChildren(...[...names].map(([id, name]) => el("option", { value: id }, name)));
  } catch (e) {
    names = new Map(); // a monitor may not read the set-up: template ids are shown as they are
  }
}

async function cancelSelected() {
  const ids = selected();
  if (!ids.length) return;
  const box = $("sms-messages-cancel-error");
  cancelButton.disabled = true;
  try {
    const reply = await api("admin.sms.cancel", { message_ids: ids });
    written = reply.log_position ?? written;
    showError(box, null);
    for (const b of rows.querySelectorAll("input[type=checkbox]:checked")) b.checked = false;
    await load();
    const said = $("sms-messages-cancelled");
    said.replaceChildren(t("sms_messages.cancelled", { n: reply.cancelled.length, skipped: reply.skipped.length }));
    if (reply.skipped.length) {
      said.append(el("ul", {}, reply.skipped.map((s) => el("li", {}, `${s.message_id}: ${s.reason} — ${s.message}`))));
    }
  } catch (e) {
    $("sms-messages-cancelled").textContent = "";
    showError(box, e);
  } finally {
    selectionChanged();
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  search();
});
form.addEventListener("reset", () => setTimeout(search, 0));
$("sms-messages-refresh").addEventListener("click", () => load());
$("sms-messages-previous").addEventListener("click", () => {
  if (cursors.length > 1) cursors.pop();
  load();
});
$("sms-messages-next").addEventListener("click", () => {
  if (!nextCursor) return;
  cursors.push(nextCursor);
  load();
});
cancelButton?.addEventListener("click", cancelSelected);

const reload = debounce(load, 500);
live((type) => {
  if (type === "changed") reload();
});

const asked = new URLSearchParams(window.location.search);
for (const [name, id] of [["recipient", "sms-messages-recipient"], ["state", "sms-messages-state"], ["template_id", "sms-messages-template"]]) {
  if (asked.get(name)) $(id).value = asked.get(name);
}
loadNames().then(search);
