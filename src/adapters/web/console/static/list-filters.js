// The callback list's filters as a form holds them, shared by the list (list.js) and bulk
// cancel (cancel.js): read a form into `query.list` filters, keep them in the address bar,
// and turn the contact center's wall-clock times into times with their offset.
import { api, el, timezone } from "/static/console.js";

const pad = (n) => String(n).padStart(2, "0");

/** Minutes east of UTC of `zone` at the instant `ms`. */
function offsetAt(ms, zone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(ms));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((wall - ms) / 60000);
}

/** A datetime-local value ("2026-11-30T09:00"), read on the contact center's clock, as
 * ISO 8601 with its offset ("2026-11-30T09:00:00+09:00"); undefined when empty. */
export function zonedIso(local, zone = timezone || "UTC") {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(local || "");
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v || 0));
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  let offset = offsetAt(wall, zone);
  offset = offsetAt(wall - offset * 60000, zone); // the offset in force at that wall time
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${m[1]}-${m[2]}-${m[3]}T${pad(h)}:${pad(mi)}:${pad(s)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Comma- or space-separated words as a list; one word alone as itself. */
function oneOrMany(text) {
  const values = String(text || "")
    .split(/[,\s]+/)
    .map((v) => v.trim())
    .filter(Boolean);
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : values;
}

const TEXT = ["phone", "phone_suffix", "agent", "agent_team", "assigner", "assigner_team", "team"];

/** The `query.list` filters the form `form` holds (its fields are named as the filters;
 * `period_by` says which time `period_from`/`period_to` bound). */
export function readFilters(form) {
  const data = new FormData(form);
  const filters = {};
  const by = data.get("period_by") || "requested";
  const from = zonedIso(data.get("period_from"));
  const to = zonedIso(data.get("period_to"));
  if (by === "desired") {
    if (from) filters.desired_from = from;
    if (to) filters.desired_to = to;
  } else {
    if (from) filters.from = from;
    if (to) filters.to = to;
  }
  const route = oneOrMany(data.get("route"));
  if (route) filters.route = route;
  for (const name of ["state", "status"]) {
    const chosen = data.getAll(name).filter(Boolean);
    if (chosen.length) filters[name] = chosen.length === 1 ? chosen[0] : chosen;
  }
  if (data.get("type")) filters.type = data.get("type");
  if (data.get("overdue")) filters.overdue = data.get("overdue") === "true";
  for (const name of TEXT) {
    const value = String(data.get(name) || "").trim();
    if (value) filters[name] = value;
  }
  return filters;
}

/** The form's fields as an address bar query (what was typed, not the filters). */
export function keepInAddress(form) {
  const query = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (value && typeof value === "string") query.append(name, value);
  }
  const text = query.toString();
  history.replaceState(null, "", text ? `${location.pathname}?${text}` : location.pathname);
}

/** Fills the form from the address bar's query (as keepInAddress wrote it). */
export function fillFromAddress(form) {
  const query = new URLSearchParams(location.search);
  for (const field of form.elements) {
    if (!field.name || !query.has(field.name)) continue;
    const values = query.getAll(field.name);
    if (field.type === "checkbox" || field.type === "radio") {
      field.checked = values.includes(field.value);
    } else {
      field.value = values[0];
    }
  }
  return query;
}

/** The agents and teams of `query.agent-counts` as suggestions of the datalists
 * `<p>-agents` and `<p>-teams` (a caller who may not read them gets none). */
export async function fillSuggestions(p) {
  const agents = document.getElementById(`${p}-agents`);
  const teams = document.getElementById(`${p}-teams`);
  if (!agents || !teams) return;
  try {
    const data = await api("query.agent-counts", {});
    const teamIds = new Set(data.agents.flatMap((a) => a.teams || []));
    agents.replaceChildren(...data.agents.map((a) => el("option", { value: a.agent_id }, a.name || a.agent_id)));
    teams.replaceChildren(...[...teamIds].sort().map((team) => el("option", { value: team })));
  } catch (e) {
    /* suggestions only: the fields take any text */
  }
}
