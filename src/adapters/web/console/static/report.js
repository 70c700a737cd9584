// 처리율 (report): treatment rate by day or month, as a table with totals and an SVG bar
// chart drawn with DOM methods (no chart library, no inline styles: CSS classes only).
import { api, t, el, live, debounce, showError, dayText } from "/static/console.js";

const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
const errorBox = $("report-error");
const COUNTS = ["assigned", "completed", "unprocessed", "failed", "released"];

function query() {
  const q = { from: $("report-from").value, to: $("report-to").value, by: $("report-by").value };
  for (const name of ["route", "team", "agent", "phone"]) {
    const value = $(`report-${name}`).value.trim();
    if (value) q[name] = value;
  }
  return q;
}

const percent = (rate) => (rate === null || rate === undefined ? "–" : `${(rate * 100).toFixed(1)}%`);

function row(cells) {
  const [period, ...rest] = cells;
  return el(
    "tr",
    {},
    el("th", { scope: "row" }, period),
    ...rest.map((value) => el("td", { class: "n" }, value)),
  );
}

function renderTable(rows) {
  const body = rows.map((r) => row([r.period, ...COUNTS.map((c) => r[c]), percent(r.rate)]));
  if (!body.length) body.push(el("tr", {}, el("td", { colspan: 7, class: "muted" }, t("none"))));
  $("report-rows").replaceChildren(...body);
  const sums = COUNTS.map((c) => rows.reduce((n, r) => n + (r[c] || 0), 0));
  const rate = sums[0] ? sums[1] / sums[0] : null;
  $("report-totals").replaceChildren(row([t("report.total"), ...sums, percent(rate)]));
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function renderChart(rows) {
  const width = Math.max(600, rows.length * 28 + 60);
  const height = 260;
  const left = 44;
  const bottom = 36;
  const top = 12;
  const plotW = width - left - 10;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...rows.map((r) => r.assigned), ...rows.map((r) => r.completed));
  const y = (value) => top + plotH - (value / max) * plotH;
  const sums = COUNTS.slice(0, 2).map((c) => rows.reduce((n, r) => n + r[c], 0));
  const label = t("report.chart_label", { first: rows[0]?.period || "", last: rows.at(-1)?.period || "" });
  const chart = svg("svg", {
    class: "chart",
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": label,
    "aria-describedby": "report-chart-desc",
  });
  chart.append(
    svg("title", {}, label),
    svg("desc", { id: "report-chart-desc" }, t("report.chart_desc", { assigned: sums[0], completed: sums[1], periods: rows.length })),
  );
  for (const value of [0, Math.round(max / 2), max]) {
    chart.append(
      svg("line", { class: "grid", x1: left, x2: width - 10, y1: y(value), y2: y(value) }),
      svg("text", { x: left - 6, y: y(value) + 4, "text-anchor": "end" }, value),
    );
  }
  chart.append(svg("line", { class: "axis", x1: left, x2: left, y1: top, y2: top + plotH }));
  const slot = plotW / Math.max(1, rows.length);
  const bar = Math.max(2, Math.min(22, slot * 0.38));
  const every = Math.ceil(rows.length / Math.max(1, Math.floor(plotW / 70)));
  rows.forEach((r, i) => {
    const x = left + i * slot + slot / 2;
    [
      ["bar", r.assigned, x - bar, "report.assigned"],
      ["bar second", r.completed, x, "report.completed"],
    ].forEach(([cls, value, at, word]) => {
      if (!value) return;
      const rect = svg("rect", { class: cls, x: at, y: y(value), width: bar, height: top + plotH - y(value) });
      rect.append(svg("title", {}, `${r.period} ${t(word)} ${value}`));
      chart.append(rect);
    });
    if (i % every === 0) {
      chart.append(svg("text", { x, y: top + plotH + 16, "text-anchor": "middle" }, r.period.slice(r.period.length > 7 ? 5 : 0)));
    }
  });
  chart.append(svg("line", { class: "axis", x1: left, x2: width - 10, y1: top + plotH, y2: top + plotH }));
  $("report-chart").replaceChildren(chart);
}

async function reload() {
  try {
    const reply = await api("query.treatment-rate", query());
    $("report-zone").textContent = t("report.zone", { zone: reply.timezone });
    renderTable(reply.rows);
    renderChart(reply.rows);
    showError(errorBox, null);
  } catch (e) {
    showError(errorBox, e);
  }
}

$("report-from").value = dayText(-6);
$("report-to").value = dayText();
$("report-search").addEventListener("submit", (e) => {
  e.preventDefault();
  reload();
});
$("report-by").addEventListener("change", () => {
  if ($("report-by").value === "month") $("report-from").value = `${dayText().slice(0, 8)}01`;
});
const later = debounce(reload, 1000);
live((type) => {
  if (type === "changed" || type === "received" || type === "notify") later();
});
reload();
