// 콜백 분배 (assign): the search's summary, the agents, and assigning the search's
// unassigned QUEUED callbacks to the chosen agents, equally or all to one (manual).
import { api, t, el, live, debounce, showError, dayText, dayStart } from "/static/console.js";

const MAX_IDS = 1000; // admin.assign takes at most 1000 callback ids
const PAGE = 250;
const $ = (id) => document.getElementById(id);
const errorBox = $("assign-error");
const chosen = new Set();
let agents = [];
let written = null; // the log position of this page's last write: reads wait for it
const after = () => (written === null ? {} : { min_position: written });

function filters() {
  const f = {};
  const from = $("assign-from").value;
  const to = $("assign-to").value;
  const route = $("assign-route").value.trim();
  const phone = $("assign-phone").value.trim();
  if (from) f.from = dayStart(from);
  if (to) f.to = dayStart(to, 1);
  if (route) f.route = route;
  if (phone) f.phone = phone;
  return f;
}

/** The ids of the search's unassigned QUEUED callbacks (at most 1000), pages of query.list. */
async function queuedIds() {
  const ids = [];
  let cursor = null;
  do {
    const page = await api("query.list", { ...filters(), ...after(), state: "QUEUED", page_size: PAGE, cursor });
    ids.push(...page.items.filter((item) => !item.agent).map((item) => item.callback_id));
    cursor = page.next_cursor;
  } while (cursor && ids.length < MAX_IDS);
  return ids.slice(0, MAX_IDS);
}

async function loadSummary() {
  const s = await api("query.assignment-summary", { ...filters(), ...after() });
  $("assign-total").textContent = s.total;
  $("assign-assigned").textContent = s.assigned;
  $("assign-unassigned").textContent = s.unassigned;
  const queued = await api("query.list", { ...filters(), ...after(), state: "QUEUED", page_size: 1 });
  $("assign-queued").textContent = t("assign.queued", { count: Math.min(queued.total, MAX_IDS) });
}

function shown() {
  const ctiOnly = $("assign-cti").checked;
  const team = $("assign-team").value;
  return agents.filter((a) => (!ctiOnly || a.logged_in) && (!team || a.teams.includes(team)));
}

function renderTeams() {
  const select = $("assign-team");
  const current = select.value;
  const teams = [...new Set(agents.flatMap((a) => a.teams))].sort();
  select.replaceChildren(
    el("option", { value: "" }, t("assign.all_teams")),
    ...teams.map((team) => el("option", { value: team, selected: team === current }, team)),
  );
}

function renderAgents() {
  const rows = shown().map((a) => {
    const box = el("input", {
      type: "checkbox",
      "aria-label": t("assign.select_agent", { agent: a.agent_id }),
      checked: chosen.has(a.agent_id),
      onchange: (e) => {
        if (e.target.checked) chosen.add(a.agent_id);
        else chosen.delete(a.agent_id);
        renderAgents();
      },
    });
    return el(
      "tr",
      { class: chosen.has(a.agent_id) ? "chosen" : null, dataset: { agent: a.agent_id } },
      el("td", {}, box),
      el("td", {}, a.agent_id),
      el("td", {}, a.name || ""),
      el("td", {}, a.teams.join(", ")),
      el("td", { class: "n" }, a.incomplete),
      el("td", {}, a.logged_in ? t("assign.logged_in") : t("assign.logged_out")),
    );
  });
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 6, class: "muted" }, t("none"))));
  $("assign-agent-rows").replaceChildren(...rows);
  const all = $("assign-all-agents");
  const visible = shown();
  all.checked = visible.length > 0 && visible.every((a) => chosen.has(a.agent_id));
}

async function loadAgents() {
  agents = (await api("query.agent-counts", after())).agents;
  renderTeams();
  renderAgents();
}

async function reload() {
  try {
    await Promise.all([loadSummary(), loadAgents()]);
    showError(errorBox, null);
  } catch (e) {
    showError(errorBox, e);
  }
}

function report(reply) {
  const ok = reply.results.filter((r) => r.ok);
  const skipped = reply.results.filter((r) => !r.ok);
  const perAgent = {};
  for (const r of ok) perAgent[r.agent_id] = (perAgent[r.agent_id] || 0) + 1;
  const split = Object.entries(perAgent)
    .map(([agent, n]) => `${agent} ${n}`)
    .join(", ");
  $("assign-result").textContent = t("assign.done", { assigned: ok.length, skipped: skipped.length })
    + (split ? ` (${split})` : "");
  $("assign-skipped").replaceChildren(
    ...skipped.map((r) => el("li", {}, `${r.callback_id}: ${r.error?.code || ""} ${r.error?.message || ""}`)),
  );
}

async function assign(event) {
  event.preventDefault();
  const button = $("assign-submit");
  button.disabled = true;
  $("assign-result").textContent = t("loading");
  $("assign-skipped").replaceChildren();
  try {
    const ids = await queuedIds();
    const agentIds = shown().map((a) => a.agent_id).filter((id) => chosen.has(id));
    if (!ids.length) {
      $("assign-result").textContent = t("assign.nothing");
      showError(errorBox, null);
      return;
    }
    const reply = await api("admin.assign", {
      callback_ids: ids,
      agent_ids: agentIds,
      method: new FormData($("assign-form")).get("method"),
      only_logged_in: $("assign-cti").checked,
    });
    written = reply.log_position ?? written;
    showError(errorBox, null);
    report(reply);
    await reload();
  } catch (e) {
    $("assign-result").textContent = "";
    showError(errorBox, e);
  } finally {
    button.disabled = false;
  }
}

$("assign-from").value = dayText(-6);
$("assign-to").value = dayText();
$("assign-search").addEventListener("submit", (e) => {
  e.preventDefault();
  reload();
});
$("assign-cti").addEventListener("change", renderAgents);
$("assign-team").addEventListener("change", renderAgents);
$("assign-all-agents").addEventListener("change", (e) => {
  for (const a of shown()) {
    if (e.target.checked) chosen.add(a.agent_id);
    else chosen.delete(a.agent_id);
  }
  renderAgents();
});
$("assign-form").addEventListener("submit", assign);
const later = debounce(reload, 500);
live((type) => {
  if (type === "changed" || type === "received" || type === "notify") later();
});
reload();
