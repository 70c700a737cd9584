// SMS 템플릿 관리 (sms, ADMIN): sender numbers (admin.sms.sender-upsert), the two-level
// category tree (admin.sms.category-upsert) and the SMS/MMS templates under its second
// level (admin.sms.template-upsert, admin.sms.template-delete), read with
// query.sms.templates. The byte counters only inform: the server counts and refuses.
import { api, t, el, live, debounce, showError, showFieldErrors } from "/static/console.js";

const $ = (id) => document.getElementById(id);
const LIMITS = { SMS: { body: 90 }, MMS: { body: 2000, subject: 40 } };
let catalog = { senders: [], categories: [] };
let written = null; // the log position of this page's last write: reads wait for it
const after = () => (written === null ? {} : { min_position: written });
const yesNo = (flag, yes, no) => t(flag ? yes : no);

/** Bytes as Korean carriers count them (CP949): ASCII 1, any other character 2. */
export function bytes(text) {
  let n = 0;
  for (const ch of text) n += ch.codePointAt(0) < 0x80 ? 1 : 2;
  return n;
}

const type = () => (document.querySelector('input[name="sms-type"]:checked') || {}).value || "SMS";

function count() {
  const limits = LIMITS[type()];
  const body = bytes($("sms-template-body").value);
  $("sms-body-bytes").textContent = t("sms.bytes", { n: body, max: limits.body });
  $("sms-body-bytes").classList.toggle("over", body > limits.body);
  const subject = bytes($("sms-template-subject").value);
  $("sms-subject-bytes").textContent = t("sms.bytes", { n: subject, max: LIMITS.MMS.subject });
  $("sms-subject-bytes").classList.toggle("over", subject > LIMITS.MMS.subject);
}

function showType() {
  const mms = type() === "MMS";
  $("sms-mms-subject").hidden = !mms;
  $("sms-mms-images").hidden = !mms;
  count();
}

const seconds = () => catalog.categories.flatMap((c) => c.children.map((s) => ({ ...s, parent: c })));

function editCategory(c) {
  $("sms-category-id").value = c.category_id;
  $("sms-category-name").value = c.name;
  $("sms-category-parent").value = c.parent_id || "";
  $("sms-category-in-use").checked = c.in_use;
  $("sms-category-saved").textContent = "";
  $("sms-category-name").focus();
}

function newTemplate(sub) {
  $("sms-template-form").reset();
  $("sms-template-category").value = sub.category_id;
  $("sms-template-id").focus();
}

function editTemplate(tpl) {
  $("sms-template-id").value = tpl.template_id;
  $("sms-template-category").value = tpl.category_id;
  $(tpl.type === "MMS" ? "sms-type-mms" : "sms-type-sms").checked = true;
  $("sms-template-in-use").checked = tpl.in_use;
  $("sms-template-editable").checked = tpl.editable;
  $("sms-template-name").value = tpl.name;
  $("sms-template-description").value = tpl.description;
  $("sms-template-sender").value = tpl.sender;
  $("sms-template-subject").value = tpl.subject || "";
  $("sms-template-body").value = tpl.body;
  $("sms-images-kept").textContent = tpl.images.length
    ? t("sms.images_kept", { names: tpl.images.map((i) => `${i.name} (${i.size})`).join(", ") })
    : "";
  $("sms-template-saved").textContent = "";
  showType();
  $("sms-template-name").focus();
}

const inUse = (flag) => el("span", { class: flag ? "flag on" : "flag off" }, yesNo(flag, "sms.used", "sms.unused"));

function renderTree() {
  const button = (label, word, values, onclick) =>
    el("button", { type: "button", class: "quiet small", "aria-label": t(word, values), onclick }, label);
  const items = catalog.categories.map((c) =>
    el(
      "li",
      { dataset: { category: c.category_id } },
      el("span", { class: "node" }, c.name, " ", inUse(c.in_use), " ", button(t("sms.edit_button"), "sms.edit_category", { name: c.name }, () => editCategory(c))),
      el(
        "ul",
        {},
        c.children.map((s) =>
          el(
            "li",
            { dataset: { category: s.category_id } },
            el(
              "span",
              { class: "node" },
              s.name,
              " ",
              inUse(s.in_use),
              ` (${t("sms.template_count", { n: s.templates.length })}) `,
              button(t("sms.edit_button"), "sms.edit_category", { name: s.name }, () => editCategory(s)),
              button(t("sms.add_template"), "sms.add_template_to", { name: s.name }, () => newTemplate(s)),
            ),
          ),
        ),
      ),
    ),
  );
  if (!items.length) items.push(el("li", { class: "muted" }, t("sms.no_categories")));
  $("sms-tree").replaceChildren(...items);
}

function renderTemplates() {
  const rows = seconds().flatMap((s) =>
    s.templates.map((tpl) =>
      el(
        "tr",
        { dataset: { template: tpl.template_id } },
        el("td", {}, el("input", { type: "checkbox", value: tpl.template_id, "aria-label": t("sms.select_one", { name: tpl.name }) })),
        el("td", {}, `${s.parent.name} › ${s.name}`),
        el("td", {}, tpl.name, tpl.description ? el("div", { class: "muted" }, tpl.description) : null),
        el("td", {}, tpl.type),
        el("td", {}, yesNo(tpl.in_use, "sms.used", "sms.unused")),
        el("td", {}, yesNo(tpl.editable, "sms.possible", "sms.impossible")),
        el("td", {}, yesNo(tpl.usable, "sms.yes", "sms.no")),
        el("td", {}, tpl.sender),
        el("td", {}, el("button", { type: "button", class: "quiet", "aria-label": t("sms.edit_template", { name: tpl.name }), onclick: () => editTemplate(tpl) }, t("sms.edit_button"))),
      ),
    ),
  );
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 9, class: "muted" }, t("none"))));
  $("sms-template-rows").replaceChildren(...rows);
}

function renderSenders() {
  const rows = catalog.senders.map((s) =>
    el(
      "tr",
      { dataset: { sender: s.number } },
      el("td", {}, s.number),
      el("td", {}, s.label),
      el("td", {}, el("button", {
        type: "button",
        class: "quiet",
        "aria-label": t("sms.edit_sender", { number: s.number }),
        onclick: () => {
          $("sms-sender-number").value = s.number;
          $("sms-sender-label").value = s.label;
          $("sms-sender-label").focus();
        },
      }, t("sms.edit_button"))),
    ),
  );
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 3, class: "muted" }, t("none"))));
  $("sms-sender-rows").replaceChildren(...rows);
}

function fillSelect(id, options) {
  const select = $(id);
  const chosen = select.value;
  select.replaceChildren(...options.map(([value, text]) => el("option", { value }, text)));
  if (options.some(([value]) => value === chosen)) select.value = chosen;
}

async function reload() {
  try {
    catalog = await api("query.sms.templates", { usable_only: false, ...after() });
    showError($("sms-error"), null);
  } catch (e) {
    showError($("sms-error"), e);
    return;
  }
  renderTree();
  renderTemplates();
  renderSenders();
  fillSelect("sms-category-parent", [["", t("sms.first_level")], ...catalog.categories.map((c) => [c.category_id, c.name])]);
  fillSelect("sms-template-category", seconds().map((s) => [s.category_id, `${s.parent.name} › ${s.name}`]));
  fillSelect("sms-template-sender", catalog.senders.map((s) => [s.number, s.label ? `${s.number} (${s.label})` : s.number]));
}

/** A form's write: `payload()` sent to `subject`; its reply said in `saved`, its refusal
 * shown by field. */
function writer(formId, subject, payload, saved, said) {
  const form = $(formId);
  const box = $(`${formId.replace(/-form$/, "")}-error`);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const reply = await api(subject, await payload());
      written = reply.log_position ?? written;
      showFieldErrors(form, box, null);
      await reload();
      $(saved).textContent = said(reply); // once all is shown
    } catch (e) {
      $(saved).textContent = "";
      showFieldErrors(form, box, e);
    }
  });
  form.addEventListener("reset", () => {
    $(saved).textContent = "";
    showFieldErrors(form, box, null);
    setTimeout(showType);
  });
}

const outcome = (reply, what) =>
  t(reply.created ? "sms.created" : reply.changed ? "sms.changed" : "sms.unchanged", { what });

function readImage(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve({ name: file.name, jpeg_base64: String(reader.result).split(",", 2)[1] || "" });
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

async function templatePayload() {
  const mms = type() === "MMS";
  const files = mms ? ["sms-image-1", "sms-image-2"].map((id) => $(id).files[0]).filter(Boolean) : [];
  return {
    template_id: $("sms-template-id").value.trim(),
    category_id: $("sms-template-category").value,
    type: type(),
    in_use: $("sms-template-in-use").checked,
    editable: $("sms-template-editable").checked,
    name: $("sms-template-name").value.trim(),
    description: $("sms-template-description").value.trim(),
    sender: $("sms-template-sender").value,
    subject: mms ? $("sms-template-subject").value : null,
    body: $("sms-template-body").value,
    images: await Promise.all(files.map(readImage)),
  };
}

async function deleteSelected() {
  const ids = [...document.querySelectorAll("#sms-template-rows input[type=checkbox]:checked")].map((c) => c.value);
  const box = $("sms-delete-error");
  try {
    const reply = await api("admin.sms.template-delete", { template_ids: ids });
    written = reply.log_position ?? written;
    showError(box, null);
    await reload();
    $("sms-deleted").textContent = t("sms.deleted", { n: reply.deleted.length, missing: reply.not_found.length });
  } catch (e) {
    $("sms-deleted").textContent = "";
    showError(box, e);
  }
}

writer("sms-sender-form", "admin.sms.sender-upsert", () => ({
  number: $("sms-sender-number").value.trim(),
  label: $("sms-sender-label").value.trim(),
}), "sms-sender-saved", (r) => outcome(r, r.number));
writer("sms-category-form", "admin.sms.category-upsert", () => ({
  category_id: $("sms-category-id").value.trim(),
  name: $("sms-category-name").value.trim(),
  parent_id: $("sms-category-parent").value || null,
  in_use: $("sms-category-in-use").checked,
}), "sms-category-saved", (r) => outcome(r, r.category_id));
writer("sms-template-form", "admin.sms.template-upsert", templatePayload, "sms-template-saved", (r) => outcome(r, r.template_id));

for (const id of ["sms-type-sms", "sms-type-mms"]) $(id).addEventListener("change", showType);
for (const id of ["sms-template-body", "sms-template-subject"]) $(id).addEventListener("input", count);
$("sms-delete").addEventListener("click", deleteSelected);
const later = debounce(reload, 500);
live((kind) => {
  if (kind === "changed") later();
});
showType();
reload();
