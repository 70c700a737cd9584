// IVR 경로 (routes, ADMIN): the registered routes with their settings (query.routes),
// adding or changing one (admin.route-upsert), its hours (admin.hours-set) and a preview
// of its slots over the next 7 days (query.slots). Every rule is the server's: its
// refusals are shown next to the fields they name.
import { api, t, el, live, debounce, showError, showFieldErrors } from "/static/console.js";

const $ = (id) => document.getElementById(id);
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const POLICY = [
  "window_seconds",
  "duplicate_limit",
  "max_attempts",
  "expiry_days",
  "horizon_days",
  "average_handle_seconds",
];
let routes = [];
let written = null; // the log position of this page's last write: reads wait for it
const after = () => (written === null ? {} : { min_position: written });

const intervalsText = (hours) => (hours || []).map(([a, b]) => `${a}-${b}`).join(", ");
const orNone = (value, word) => (value === null || value === undefined ? t(word) : value);

/** "09:00-12:00, 13:00-18:00" as the contract's [["09:00", "12:00"], ...]; what is not
 * two times apart by a hyphen is sent as typed, for the server to name. */
function intervals(text) {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((piece) => {
      const match = piece.match(/^(\S*?)\s*[-–~]\s*(\S*)$/);
      return match ? [match[1], match[2]] : [piece];
    });
}

/** Lines "2026-12-24 09:00-12:00, 13:00-15:00" or "2026-12-31 closed" (or the date alone). */
function exceptions(text) {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [date, ...rest] = line.split(/\s+/);
      const hours = rest.join(" ");
      const closed = !hours || /^(closed|휴무|휴일)$/i.test(hours);
      return { date, hours: closed ? [] : intervals(hours) };
    });
}

function hoursSummary(hours) {
  if (!hours) return t("routes.always_open");
  const lines = DAYS.filter((d) => hours.weekly[d]?.length).map(
    (d) => `${t(`routes.short_${d}`)} ${intervalsText(hours.weekly[d])}`,
  );
  if (!lines.length) lines.push(t("routes.closed_weekly"));
  if (hours.holidays.length) lines.push(t("routes.holiday_count", { n: hours.holidays.length }));
  if (hours.exceptions.length) {
    lines.push(t("routes.exception_count", { n: hours.exceptions.length }));
  }
  return lines.join("\n");
}

function edit(r) {
  $("routes-id").value = r.route;
  $("routes-name").value = r.name;
  $("routes-timezone").value = r.timezone;
  $("routes-distribution").value = r.distribution;
  $("routes-offer").value = r.offer_timeout_seconds;
  $("routes-ownership").value = r.ownership_minutes ?? "";
  $("routes-slot-minutes").value = r.slot_minutes;
  $("routes-slot-capacity").value = r.slot_capacity ?? "";
  for (const field of POLICY) $(`routes-policy-${field}`).value = r.policy_set[field] ?? "";
  const check = r.policy_set.duplicate_check;
  $("routes-policy-duplicate_check").value = check === undefined ? "" : String(check);
  $("routes-saved").textContent = "";
  $("routes-name").focus();
}

async function chooseHours(r) {
  $("routes-hours-route").value = r.route;
  fillHours();
  $("routes-hours-mon").focus();
  await slots();
}

function render() {
  const rows = routes.map((r) =>
    el(
      "tr",
      { dataset: { route: r.route } },
      el("td", {}, r.route),
      el("td", {}, r.name),
      el("td", {}, r.timezone),
      el("td", {}, t(`routes.dist_${r.distribution}`)),
      el("td", { class: "n" }, r.offer_timeout_seconds),
      el("td", { class: "n" }, orNone(r.ownership_minutes, "routes.off")),
      el("td", { class: "n" }, r.slot_minutes),
      el("td", { class: "n" }, orNone(r.slot_capacity, "routes.no_limit")),
      el("td", {}, Object.entries(r.policy_set).map(([k, v]) => `${k}=${v}`).join(", ")),
      el("td", { class: "hours" }, hoursSummary(r.hours)),
      el(
        "td",
        { class: "actions" },
        el("button", { type: "button", class: "quiet", "aria-label": t("routes.edit_one", { route: r.route }), onclick: () => edit(r) }, t("routes.edit_button")),
        el("button", { type: "button", class: "quiet", "aria-label": t("routes.hours_one", { route: r.route }), onclick: () => chooseHours(r) }, t("routes.hours_button")),
      ),
    ),
  );
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 11, class: "muted" }, t("none"))));
  $("routes-rows").replaceChildren(...rows);

  const select = $("routes-hours-route");
  const chosen = select.value;
  select.replaceChildren(...routes.map((r) => el("option", { value: r.route }, `${r.route} · ${r.name}`)));
  if (routes.some((r) => r.route === chosen)) select.value = chosen;
  return chosen !== select.value;
}

function fillHours() {
  const r = routes.find((x) => x.route === $("routes-hours-route").value);
  const hours = r?.hours;
  for (const d of DAYS) $(`routes-hours-${d}`).value = intervalsText(hours?.weekly[d]);
  $("routes-holidays").value = (hours?.holidays || []).join(", ");
  $("routes-exceptions").value = (hours?.exceptions || [])
    .map((x) => `${x.date} ${x.hours.length ? intervalsText(x.hours) : "closed"}`)
    .join("\n");
  $("routes-hours-saved").textContent = "";
  showFieldErrors($("routes-hours-form"), $("routes-hours-error"), null);
}

async function reload({ refill = false } = {}) {
  try {
    routes = (await api("query.routes", after())).routes;
    showError($("routes-error"), null);
  } catch (e) {
    showError($("routes-error"), e);
    return;
  }
  const moved = render();
  if (moved || refill) fillHours();
  await slots();
}

let asked = 0; // the latest slots read: an earlier answer arriving late is not shown

async function slots() {
  const mine = ++asked;
  const route = $("routes-hours-route").value;
  const summary = $("routes-slots-summary");
  if (!route) {
    summary.textContent = t("routes.slots_none");
    $("routes-slots-rows").replaceChildren();
    return;
  }
  const from = new Date();
  const to = new Date(from.getTime() + 7 * 24 * 3600 * 1000);
  try {
    const reply = await api("query.slots", { route, from: from.toISOString(), to: to.toISOString(), ...after() });
    if (mine !== asked) return;
    const capacity = orNone(reply.slot_capacity, "routes.no_limit");
    summary.textContent = t("routes.slots_summary", {
      route: reply.route,
      zone: reply.timezone,
      minutes: reply.slot_minutes,
      capacity,
      count: reply.slots.length,
    });
    const rows = reply.slots.map((s) =>
      el(
        "tr",
        {},
        el("td", {}, s.start.slice(0, 10)),
        el("td", {}, s.start.slice(11, 16)),
        el("td", {}, s.end.slice(11, 16)),
        el("td", { class: "n" }, orNone(s.remaining, "routes.no_limit")),
      ),
    );
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 4, class: "muted" }, t("none"))));
    $("routes-slots-rows").replaceChildren(...rows);
    showError($("routes-slots-error"), null);
  } catch (e) {
    if (mine === asked) showError($("routes-slots-error"), e);
  }
}

const number = (id) => ($(id).value.trim() === "" ? null : Number($(id).value));

async function save(event) {
  event.preventDefault();
  const form = $("routes-form");
  const policy = {};
  for (const field of POLICY) {
    const value = number(`routes-policy-${field}`);
    if (value !== null) policy[field] = value;
  }
  const check = $("routes-policy-duplicate_check").value;
  if (check) policy.duplicate_check = check === "true";
  const payload = {
    route: $("routes-id").value.trim(),
    name: $("routes-name").value.trim(),
    distribution: $("routes-distribution").value,
    ownership_minutes: number("routes-ownership"),
    slot_capacity: number("routes-slot-capacity"),
    policy,
  };
  const zone = $("routes-timezone").value.trim();
  if (zone) payload.timezone = zone;
  if (number("routes-offer") !== null) payload.offer_timeout_seconds = number("routes-offer");
  if (number("routes-slot-minutes") !== null) payload.slot_minutes = number("routes-slot-minutes");
  try {
    const reply = await api("admin.route-upsert", payload);
    written = reply.log_position ?? written;
    const word = reply.created ? "routes.created" : reply.changed ? "routes.changed" : "routes.unchanged";
    showFieldErrors(form, $("routes-form-error"), null);
    await reload();
    if (reply.created) await chooseHours({ route: reply.route });
    $("routes-saved").textContent = t(word, { route: reply.route }); // once all is shown
  } catch (e) {
    $("routes-saved").textContent = "";
    showFieldErrors(form, $("routes-form-error"), e);
  }
}

async function saveHours(event) {
  event.preventDefault();
  const form = $("routes-hours-form");
  const weekly = {};
  for (const d of DAYS) {
    const text = $(`routes-hours-${d}`).value.trim();
    if (text) weekly[d] = intervals(text);
  }
  const payload = {
    route: $("routes-hours-route").value,
    weekly,
    holidays: $("routes-holidays").value.split(/[\s,]+/).filter(Boolean),
    exceptions: exceptions($("routes-exceptions").value),
  };
  try {
    const reply = await api("admin.hours-set", payload);
    written = reply.log_position ?? written;
    const word = reply.changed ? "routes.hours_saved" : "routes.unchanged";
    showFieldErrors(form, $("routes-hours-error"), null);
    await reload({ refill: true });
    $("routes-hours-saved").textContent = t(word, { route: reply.route });
  } catch (e) {
    $("routes-hours-saved").textContent = "";
    showFieldErrors(form, $("routes-hours-error"), e);
  }
}

$("routes-form").addEventListener("submit", save);
$("routes-form").addEventListener("reset", () => {
  $("routes-saved").textContent = "";
  showFieldErrors($("routes-form"), $("routes-form-error"), null);
});
$("routes-hours-form").addEventListener("submit", saveHours);
$("routes-hours-route").addEventListener("change", () => {
  fillHours();
  slots();
});
const later = debounce(reload, 500);
live((kind) => {
  if (kind === "changed") later();
});
reload();
