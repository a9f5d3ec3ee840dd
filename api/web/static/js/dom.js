// Tiny DOM helpers (no framework): h("tag.class", {attrs}, ...children).
export function h(tag, attrs = {}, ...kids) {
  const m = tag.match(/#([\w-]+)/);
  const id = m ? m[1] : null;
  const [name, ...classes] = tag.replace(/#[\w-]+/, "").split(".");
  const el = document.createElement(name || "div");
  if (id) el.id = id;
  if (classes.length) el.className = classes.join(" ");
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

/** A table from column specs [{key, label, fmt, cls}] and row objects. */
export function table(cols, rows, { rowClass, id } = {}) {
  return h("table", { id },
    h("thead", {}, h("tr", {}, cols.map((c) => h(`th${c.cls ? "." + c.cls : ""}`, {}, c.label)))),
    h("tbody", {}, rows.map((r) => h("tr", { class: rowClass ? rowClass(r) : null },
      cols.map((c) => h(`td${c.cls ? "." + c.cls : ""}`, {},
        c.fmt ? c.fmt(r[c.key], r) : (r[c.key] ?? "")))))));
}

export const pct = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v)) ? "-" : `${(v * 100).toFixed(d)} %`;
export const fix = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v)) ? "-" : Number(v).toFixed(d);
export const money = (v) => (v === null || v === undefined) ? "-" : Number(v).toLocaleString("en-US", { maximumFractionDigits: 0 });

export function toast(msg) {
  const t = document.getElementById("toast");
  t.textContent = msg; t.hidden = false;
  clearTimeout(toast.timer); toast.timer = setTimeout(() => { t.hidden = true; }, 8000);
}

export function statusBadge(s) { return h(`span.status.${s}`, {}, s); }
