// 문자 발송 (sms_send): a usable template chosen from the category tree
// (query.sms.templates usable_only), its sender, subject and body (read-only when the
// template is not editable), the recipients, now or reserved (admin.sms.send). The byte
// counter and the recipients' count only inform: the server counts, checks and refuses.
import { api, t, el, timezone, showError, showFieldErrors } from "/static/console.js";

const $ = (id) => document.getElementById(id);
const LIMITS = { SMS: { body: 90 }, MMS: { body: 2000, subject: 40 } };
const form = $("sms-send-form");
const errorBox = $("sms-send-error");
let templates = new Map(); // template_id -> template
let sendId = newSendId();

function newSendId() {
  const random = crypto.getRandomValues(new Uint8Array(16));
  return [...random].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Bytes as Korean carriers count them (CP949): ASCII 1, any other character 2. */
export function bytes(text) {
  let n = 0;
  for (const ch of text) n += ch.codePointAt(0) < 0x80 ? 1 : 2;
  return n;
}

/** The zone's offset (minutes east of UTC) at an instant. */
function offsetAt(instant) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: timezone, timeZoneName: "longOffset" }).formatToParts(instant);
  const name = parts.find((p) => p.type === "timeZoneName")?.value || "";
  const m = name.match(/([+-])(\d{2}):?(\d{2})?/);
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] || 0)) : 0;
}

const two = (n) => String(n).padStart(2, "0");

/** A datetime-local value on the contact center's clock as ISO 8601 with its offset. */
export function zoned(local) {
  const [day, time] = local.split("T");
  const [y, mo, d] = day.split("-").map(Number);
  const [h, mi] = time.split(":").map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  let minutes = offsetAt(new Date(wall));
  minutes = offsetAt(new Date(wall - minutes * 60000));
  const abs = Math.abs(minutes);
  return `${day}T${two(h)}:${two(mi)}:00${minutes < 0 ? "-" : "+"}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/** Now plus `minutes` on the contact center's clock, as a datetime-local value. */
function localIn(minutes) {
  const instant = new Date(Date.now() + minutes * 60000);
  return new Date(instant.getTime() + offsetAt(instant) * 60000).toISOString().slice(0, 16);
}

const chosen = () => templates.get($("sms-send-template").value) || null;
const type = () => chosen()?.type || "SMS";

function recipients() {
  const numbers = $("sms-send-recipients").value.split(",").map((r) => r.replace(/[\s-]/g, "")).filter(Boolean);
  return new Set(numbers).size;
}

function count() {
  const limits = LIMITS[type()];
  const body = bytes($("sms-send-body").value);
  $("sms-send-body-bytes").textContent = t("sms_send.bytes", { n: body, max: limits.body });
  $("sms-send-body-bytes").classList.toggle("over", body > limits.body);
  const subject = bytes($("sms-send-subject").value);
  $("sms-send-subject-bytes").textContent = t("sms_send.bytes", { n: subject, max: LIMITS.MMS.subject });
  $("sms-send-subject-bytes").classList.toggle("over", subject > LIMITS.MMS.subject);
  $("sms-send-count").textContent = t("sms_send.count", { n: recipients() });
}

function showTemplate() {
  const tpl = chosen();
  const locked = Boolean(tpl && !tpl.editable);
  $("sms-send-type").textContent = tpl ? tpl.type : "";
  $("sms-send-subject-box").hidden = type() !== "MMS";
  $("sms-send-subject").value = tpl?.subject || "";
  $("sms-send-body").value = tpl?.body || "";
  for (const id of ["sms-send-subject", "sms-send-body"]) $(id).readOnly = locked;
  $("sms-send-locked").hidden = !locked;
  if (tpl && [...$("sms-send-sender").options].some((o) => o.value === tpl.sender)) {
    $("sms-send-sender").value = tpl.sender;
  }
  const images = tpl?.images || [];
  $("sms-send-images").hidden = !images.length;
  $("sms-send-images").textContent = images.length
    ? t("sms_send.images", { names: images.map((i) => i.name).join(", ") })
    : "";
  count();
}

async function load() {
  let catalog;
  try {
    catalog = await api("query.sms.templates", { usable_only: true });
    showError($("sms-send-load-error"), null);
  } catch (e) {
    showError($("sms-send-load-error"), e);
    return;
  }
  templates = new Map();
  const groups = catalog.categories.flatMap((c) =>
    c.children
      .filter((s) => s.templates.length)
      .map((s) => {
        for (const tpl of s.templates) templates.set(tpl.template_id, tpl);
        return el(
          "optgroup",
          { label: `${c.name} › ${s.name}` },
          s.templates.map((tpl) => el("option", { value: tpl.template_id }, `${tpl.name} (${tpl.type})`)),
        );
      }),
  );
  const select = $("sms-send-template");
  const keep = select.value;
  select.replaceChildren(el("option", { value: "" }, t("sms_send.choose")), ...groups);
  if (templates.has(keep)) select.value = keep;
  $("sms-send-no-templates").hidden = templates.size > 0;
  const sender = $("sms-send-sender");
  sender.replaceChildren(...catalog.senders.map((s) => el("option", { value: s.number }, s.label ? `${s.number} (${s.label})` : s.number)));
  showTemplate();
}

function showWhen() {
  const reserve = $("sms-send-reserve").checked;
  const at = $("sms-send-reserve-at");
  at.disabled = !reserve;
  if (reserve && !at.value) at.value = localIn(60);
}

function payload() {
  const mms = type() === "MMS";
  const reserve = $("sms-send-reserve").checked;
  const at = $("sms-send-reserve-at").value;
  return {
    template_id: $("sms-send-template").value,
    type: type(),
    sender: $("sms-send-sender").value,
    recipients: $("sms-send-recipients").value,
    subject: mms ? $("sms-send-subject").value : null,
    body: $("sms-send-body").value,
    reserve_at: reserve && at ? zoned(at) : null,
    callback_id: $("sms-send-callback").value.trim() || null,
    send_id: sendId,
  };
}

function showResult(reply) {
  const rows = reply.messages.map((m) =>
    el(
      "tr",
      { dataset: { message: m.message_id } },
      el("td", {}, m.recipient),
      el("td", {}, t(`sms_messages.state.${m.state}`)),
      el("td", { class: "muted" }, m.message_id),
    ),
  );
  $("sms-send-rows").replaceChildren(...rows);
  $("sms-send-result").textContent = t("sms_send.result", { n: reply.messages.length });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = $("sms-send-submit");
  button.disabled = true;
  button.textContent = t("sms_send.sending");
  try {
    const body = payload();
    if ($("sms-send-reserve").checked && !body.reserve_at) body.reserve_at = "";
    const reply = await api("admin.sms.send", body);
    showFieldErrors(form, errorBox, null);
    sendId = newSendId();
    showResult(reply);
  } catch (e) {
    showFieldErrors(form, errorBox, e);
  } finally {
    button.disabled = false;
    button.textContent = t("sms_send.send");
  }
});

$("sms-send-template").addEventListener("change", showTemplate);
for (const id of ["sms-send-body", "sms-send-subject", "sms-send-recipients"]) $(id).addEventListener("input", count);
for (const id of ["sms-send-now", "sms-send-reserve"]) $(id).addEventListener("change", showWhen);
const asked = new URLSearchParams(window.location.search).get("callback_id");
if (asked) $("sms-send-callback").value = asked;
count();
load();
