// 상담원 (agents, ADMIN): the agent directory; adding or changing an agent
// (admin.agent-upsert) and setting a password (admin.password-set).
import { api, t, el, live, debounce, showError } from "/static/console.js";

const $ = (id) => document.getElementById(id);
const errorBox = $("agents-error");
let written = null; // the log position of this page's last write: reads wait for it
const after = () => (written === null ? {} : { min_position: written });

function edit(a) {
  $("agents-id").value = a.agent_id;
  $("agents-name").value = a.name || "";
  $("agents-teams").value = a.teams.join(", ");
  $("agents-call").checked = a.permissions.includes("call");
  $("agents-assign").checked = a.permissions.includes("assign");
  $("agents-password-user").value = a.agent_id;
  $("agents-saved").textContent = "";
  $("agents-name").focus();
}

function render(agents) {
  const rows = agents.map((a) =>
    el(
      "tr",
      { dataset: { agent: a.agent_id } },
      el("td", {}, a.agent_id),
      el("td", {}, a.name || ""),
      el("td", {}, a.teams.join(", ")),
      el("td", {}, a.permissions.map((p) => t(`agents.perm_${p}`)).join(", ")),
      el("td", {}, a.logged_in ? t("agents.logged_in") : t("agents.logged_out")),
      el("td", { class: "n" }, a.incomplete),
      el(
        "td",
        {},
        el("button", { type: "button", class: "quiet", "aria-label": t("agents.edit_one", { agent: a.agent_id }), onclick: () => edit(a) }, t("agents.edit_button")),
      ),
    ),
  );
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 7, class: "muted" }, t("none"))));
  $("agents-rows").replaceChildren(...rows);
}

async function reload() {
  try {
    render((await api("query.agent-counts", after())).agents);
    showError(errorBox, null);
  } catch (e) {
    showError(errorBox, e);
  }
}

async function save(event) {
  event.preventDefault();
  const box = $("agents-form-error");
  const payload = {
    agent_id: $("agents-id").value.trim(),
    name: $("agents-name").value.trim(),
    teams: $("agents-teams").value.split(",").map((s) => s.trim()).filter(Boolean),
    permissions: ["agents-call", "agents-assign"].filter((id) => $(id).checked).map((id) => $(id).value),
  };
  try {
    const reply = await api("admin.agent-upsert", payload);
    written = reply.log_position ?? written;
    const word = reply.created ? "agents.created" : reply.changed ? "agents.changed" : "agents.unchanged";
    $("agents-saved").textContent = t(word, { agent: reply.agent_id });
    $("agents-password-user").value = reply.agent_id;
    showError(box, null);
    await reload();
  } catch (e) {
    $("agents-saved").textContent = "";
    showError(box, e);
  }
}

async function setPassword(event) {
  event.preventDefault();
  const box = $("agents-password-error");
  try {
    const reply = await api("admin.password-set", {
      user: $("agents-password-user").value.trim(),
      password: $("agents-password").value,
    });
    $("agents-password").value = "";
    $("agents-password-done").textContent = t("agents.password_done", { user: reply.user });
    showError(box, null);
  } catch (e) {
    $("agents-password-done").textContent = "";
    showError(box, e);
  }
}

$("agents-form").addEventListener("submit", save);
$("agents-form").addEventListener("reset", () => {
  $("agents-saved").textContent = "";
  showError($("agents-form-error"), null);
});
$("agents-password-form").addEventListener("submit", setPassword);
const later = debounce(reload, 500);
live((type) => {
  if (type === "changed" || type === "received" || type === "notify") later();
});
reload();
