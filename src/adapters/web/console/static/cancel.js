// Bulk cancel (일괄 취소): the callbacks selected in the list (`/cancel?ids=a,b`) or every
// one a range and filters select; a confirmation with what would be cancelled and skipped,
// then admin.cancel's reply: cancelled and skipped, with each skip's reason.
import { api, t, el, timeText, showError } from "/static/console.js";
import { readFilters, fillSuggestions } from "/static/list-filters.js";

const CANCELLABLE = ["SCHEDULED", "QUEUED", "ROUTING"];
const $ = (id) => document.getElementById(id);
const idsForm = $("cancel-ids-form");
const rangeForm = $("cancel-form");
const error = $("cancel-error");
const confirmBox = $("cancel-confirm");
const confirmText = $("cancel-confirm-text");
const go = $("cancel-go");
const result = $("cancel-result");

const ids = (new URLSearchParams(location.search).get("ids") || "").split(",").filter(Boolean);
let payload = null;

const link = (id) => el("a", { href: `/callbacks/${encodeURIComponent(id)}` }, id);

function asList(value) {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

/** The range form as admin.cancel's payload: the period is the range, the rest filters. */
function rangePayload() {
  const filters = readFilters(rangeForm);
  const by = new FormData(rangeForm).get("period_by") === "desired" ? "desired" : "requested";
  const from = by === "desired" ? filters.desired_from : filters.from;
  const to = by === "desired" ? filters.desired_to : filters.to;
  for (const name of ["from", "to", "desired_from", "desired_to"]) delete filters[name];
  const out = { all_in_range: { from, to, by } };
  if (Object.keys(filters).length) out.filters = filters;
  return out;
}

/** The list filters a range payload selects (to count it before cancelling). */
function listFilters(p) {
  const span = p.all_in_range;
  const bounds = span.by === "desired" ? { desired_from: span.from, desired_to: span.to } : { from: span.from, to: span.to };
  return { ...(p.filters || {}), ...bounds };
}

async function countRange(p) {
  const filters = listFilters(p);
  const all = await api("query.list", { ...filters, page_size: 1 });
  const chosen = asList(filters.state) || CANCELLABLE;
  const states = CANCELLABLE.filter((s) => chosen.includes(s));
  const open = states.length ? (await api("query.list", { ...filters, state: states, page_size: 1 })).total : 0;
  return { total: all.total, cancellable: open };
}

function ask(text) {
  confirmText.textContent = text;
  confirmBox.hidden = false;
  result.hidden = true;
  $("cancel-confirm-title").focus();
}

rangeForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError(error, null);
  payload = rangePayload();
  try {
    const { total, cancellable } = await countRange(payload);
    const span = payload.all_in_range;
    ask(
      t("cancel.confirm.range", {
        by: t(`list.by.${span.by}`),
        from: timeText(span.from),
        to: timeText(span.to),
        total,
        cancellable,
        skipped: total - cancellable,
      }),
    );
    go.disabled = total === 0;
  } catch (e) {
    showError(error, e);
  }
});

idsForm.addEventListener("submit", (event) => {
  event.preventDefault();
  showError(error, null);
  payload = { callback_ids: ids };
  ask(t("cancel.confirm.ids", { count: ids.length }));
  go.disabled = false;
});

$("cancel-back").addEventListener("click", () => {
  confirmBox.hidden = true;
  payload = null;
});

function showResult(data) {
  confirmBox.hidden = true;
  result.hidden = false;
  $("cancel-count-cancelled").textContent = t("cancel.result.cancelled_count", { n: data.cancelled.length });
  $("cancel-count-skipped").textContent = t("cancel.result.skipped_count", { n: data.skipped.length });
  const none = (cols) => el("td", { colspan: cols, class: "muted" }, t("none"));
  $("cancel-cancelled").replaceChildren(
    ...(data.cancelled.length ? data.cancelled.map((id) => el("li", {}, link(id))) : [el("li", { class: "muted" }, t("none"))]),
  );
  $("cancel-skipped").replaceChildren(
    ...(data.skipped.length
      ? data.skipped.map((s) =>
          el(
            "tr",
            {},
            el("td", {}, link(s.callback_id)),
            el("td", {}, s.state ? t(`state.${s.state}`) : ""),
            el("td", {}, `${t(`cancel.reason.${s.reason}`)} (${s.message})`),
          ),
        )
      : [el("tr", {}, none(3))]),
  );
  $("cancel-result-title").focus();
}

go.addEventListener("click", async () => {
  if (!payload) return;
  go.disabled = true;
  showError(error, null);
  try {
    showResult(await api("admin.cancel", payload));
    payload = null;
  } catch (e) {
    showError(error, e);
    go.disabled = false;
  }
});

async function describe(id) {
  try {
    const c = await api("query.get", { callback_id: id });
    const what = `${c.phone_national || c.phone} · ${c.route} · ${t(`state.${c.state}`)} · ${timeText(c.requested_at)}`;
    return el("li", {}, link(id), " ", el("span", { class: "muted" }, what));
  } catch (e) {
    return el("li", {}, link(id), " ", el("span", { class: "muted" }, e.code || ""));
  }
}

if (ids.length) {
  idsForm.hidden = false;
  Promise.all(ids.map(describe)).then((items) => $("cancel-ids").replaceChildren(...items));
} else {
  rangeForm.hidden = false;
  fillSuggestions("cancel");
}
