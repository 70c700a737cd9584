// 분배 취소 (unassign): each agent's incomplete count; an agent's assigned (ROUTING)
// callbacks, some or all of which go back to the queue.
import { api, t, el, live, debounce, showError, timeText } from "/static/console.js";

const MAX_IDS = 1000;
const PAGE = 250;
const $ = (id) => document.getElementById(id);
const errorBox = $("unassign-error");
const picked = new Set();
let items = [];
let written = null; // the log position of this page's last write: reads wait for it
const after = () => (written === null ? {} : { min_position: written });

function renderCounts(agents) {
  const rows = agents.map((a) =>
    el(
      "tr",
      { dataset: { agent: a.agent_id } },
      el("td", {}, a.agent_id),
      el("td", {}, a.name || ""),
      el("td", {}, a.teams.join(", ")),
      el("td", { class: "n" }, a.incomplete),
      el("td", {}, a.logged_in ? t("unassign.logged_in") : t("unassign.logged_out")),
    ),
  );
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 5, class: "muted" }, t("none"))));
  $("unassign-agent-rows").replaceChildren(...rows);
  const select = $("unassign-agent");
  const current = select.value;
  select.replaceChildren(
    el("option", { value: "" }, t("unassign.choose")),
    ...agents.map((a) =>
      el(
        "option",
        { value: a.agent_id, selected: a.agent_id === current },
        t("unassign.option", { agent: a.agent_id, name: a.name || a.agent_id, count: a.incomplete }),
      ),
    ),
  );
}

function renderItems() {
  const rows = items.map((item) =>
    el(
      "tr",
      { dataset: { callback: item.callback_id } },
      el(
        "td",
        {},
        el("input", {
          type: "checkbox",
          "aria-label": t("unassign.select", { phone: item.phone_national || item.phone, time: timeText(item.requested_at) }),
          checked: picked.has(item.callback_id),
          onchange: (e) => {
            if (e.target.checked) picked.add(item.callback_id);
            else picked.delete(item.callback_id);
            $("unassign-all").checked = items.length > 0 && items.every((i) => picked.has(i.callback_id));
          },
        }),
      ),
      el("td", {}, timeText(item.requested_at)),
      el("td", {}, item.route),
      el("td", {}, item.phone_national || item.phone),
      el("td", {}, t(`state.${item.state}`)),
      el("td", {}, item.assigner || ""),
    ),
  );
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 6, class: "muted" }, t("none"))));
  $("unassign-rows").replaceChildren(...rows);
  $("unassign-all").checked = items.length > 0 && items.every((i) => picked.has(i.callback_id));
}

async function loadItems() {
  const agent = $("unassign-agent").value;
  const found = [];
  let cursor = null;
  while (agent) {
    const page = await api("query.list", { ...after(), agent, state: "ROUTING", page_size: PAGE, cursor });
    found.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor || found.length >= MAX_IDS) break;
  }
  items = found.slice(0, MAX_IDS);
  const ids = new Set(items.map((i) => i.callback_id));
  for (const id of [...picked]) if (!ids.has(id)) picked.delete(id);
  renderItems();
}

async function reload() {
  try {
    renderCounts((await api("query.agent-counts", after())).agents);
    await loadItems();
    showError(errorBox, null);
  } catch (e) {
    showError(errorBox, e);
  }
}

async function unassign() {
  const ids = items.map((i) => i.callback_id).filter((id) => picked.has(id));
  $("unassign-skipped").replaceChildren();
  if (!ids.length) {
    $("unassign-result").textContent = t("unassign.none_selected");
    return;
  }
  const button = $("unassign-submit");
  button.disabled = true;
  try {
    const reply = await api("admin.unassign", { callback_ids: ids });
    written = reply.log_position ?? written;
    const skipped = reply.results.filter((r) => !r.ok);
    $("unassign-result").textContent = t("unassign.done", {
      unassigned: reply.results.length - skipped.length,
      skipped: skipped.length,
    });
    $("unassign-skipped").replaceChildren(
      ...skipped.map((r) => el("li", {}, `${r.callback_id}: ${r.error?.code || ""} ${r.error?.message || ""}`)),
    );
    picked.clear();
    showError(errorBox, null);
    await reload();
  } catch (e) {
    showError(errorBox, e);
  } finally {
    button.disabled = false;
  }
}

$("unassign-agent").addEventListener("change", () => {
  picked.clear();
  $("unassign-result").textContent = "";
  reload();
});
$("unassign-all").addEventListener("change", (e) => {
  for (const i of items) {
    if (e.target.checked) picked.add(i.callback_id);
    else picked.delete(i.callback_id);
  }
  renderItems();
});
$("unassign-submit").addEventListener("click", unassign);
const later = debounce(reload, 500);
live((type) => {
  if (type === "changed" || type === "received" || type === "notify") later();
});
reload();
