// The callback list (콜백 리스트): every filter of `query.list`, the total, pages of 250
// by cursor, the Excel download of the same filters, and live reloads.
import { api, t, el, live, notify, timeText, showError, debounce } from "/static/console.js";
import { readFilters, keepInAddress, fillFromAddress, fillSuggestions } from "/static/list-filters.js";

const PAGE_SIZE = 250;
const form = document.getElementById("list-form");
const rows = document.getElementById("list-rows");
const total = document.getElementById("list-total");
const error = document.getElementById("list-error");
const download = document.getElementById("list-download");
const previous = document.getElementById("list-previous");
const next = document.getElementById("list-next");
const pageText = document.getElementById("list-page");
const cancelSelected = document.getElementById("list-cancel-selected");
const selecting = Boolean(cancelSelected);
const columns = document.querySelectorAll("#list-table thead th").length;

let filters = {};
let cursors = [null]; // the cursor of each page shown so far: "previous" pops
let nextCursor = null;
let loading = 0;

function reasonText(item) {
  return item.reason ? t(`list.reason.${item.reason}`) : "";
}

function desiredCell(item) {
  const cell = el("td", {}, timeText(item.desired_time));
  if (item.type === "SCHEDULED") cell.append(" ", el("span", { class: "tag" }, t("list.type.SCHEDULED")));
  if (item.overdue) cell.append(" ", el("span", { class: "tag late" }, t("list.overdue_mark")));
  return cell;
}

function row(item) {
  const link = el("a", { href: `/callbacks/${encodeURIComponent(item.callback_id)}` }, timeText(item.requested_at));
  const tr = el(
    "tr",
    { dataset: { id: item.callback_id } },
    el("td", {}, link),
    desiredCell(item),
    el("td", {}, item.route),
    el("td", { class: "phone" }, item.phone_national || item.phone),
    el("td", {}, t(`state.${item.state}`)),
    el("td", {}, t(`status.${item.status}`)),
    el("td", {}, reasonText(item)),
    el("td", {}, item.assigner || ""),
    el("td", {}, item.agent || ""),
    el("td", {}, item.team || item.routing_team || ""),
    el("td", { class: "n" }, String(item.attempts)),
    el("td", { class: "remark" }, item.remark || ""),
  );
  if (selecting) {
    const box = el("input", {
      type: "checkbox",
      value: item.callback_id,
      "aria-label": t("list.select_one", { phone: item.phone_national || item.phone, at: timeText(item.requested_at) }),
      onchange: selectionChanged,
    });
    tr.prepend(el("td", {}, box));
  }
  return tr;
}

function selected() {
  return [...rows.querySelectorAll("input[type=checkbox]:checked")].map((b) => b.value);
}

function selectionChanged() {
  if (cancelSelected) cancelSelected.disabled = selected().length === 0;
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
  total.textContent = t("list.total", { total: data.total });
  pageText.textContent = data.items.length
    ? t("list.showing", { from: first + 1, to: first + data.items.length, total: data.total })
    : "";
  previous.disabled = cursors.length <= 1;
  next.disabled = !nextCursor;
  selectionChanged();
}

async function load() {
  const mine = ++loading;
  showError(error, null);
  rows.setAttribute("aria-busy", "true");
  try {
    const cursor = cursors[cursors.length - 1];
    const data = await api("query.list", { ...filters, page_size: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
    if (mine === loading) showPage(data);
  } catch (e) {
    if (mine === loading) showError(error, e);
  } finally {
    if (mine === loading) rows.removeAttribute("aria-busy");
  }
}

function search() {
  filters = readFilters(form);
  cursors = [null];
  download.href = `/console/export.xlsx?filters=${encodeURIComponent(JSON.stringify(filters))}`;
  keepInAddress(form);
  return load();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  search();
});
form.addEventListener("reset", () => setTimeout(search, 0));
previous.addEventListener("click", () => {
  if (cursors.length > 1) cursors.pop();
  load();
});
next.addEventListener("click", () => {
  if (!nextCursor) return;
  cursors.push(nextCursor);
  load();
});
cancelSelected?.addEventListener("click", () => {
  const ids = selected();
  if (ids.length) window.location.assign(`/cancel?ids=${encodeURIComponent(ids.join(","))}`);
});

const reload = debounce(load, 400);
live((type, data) => {
  if (type === "received") {
    const where = [data.phone, data.route].filter(Boolean).join(" · ");
    notify(t("list.new_title"), where);
  }
  if (type === "received" || type === "changed") reload();
});

fillFromAddress(form);
fillSuggestions("list");
search();
