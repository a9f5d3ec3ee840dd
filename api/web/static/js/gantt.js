// The schedule Gantt shared by the Schedule (anonymous tours) and Agents (named people)
// pages: one row per person, shifts coloured by template, breaks hatched, activities dotted,
// local midnight lines with weekday labels, in the site's zone.
import { h } from "./dom.js";
import { num } from "./csv.js";
import { clockMinutes, dayLabel, epoch, hm, localMinutes } from "./time.js";

export const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"];

/** "09:45-10:00 break; 12:30-13:00 lunch" (or "09:45-10:00;12:30-13:00") -> [{from, to, text}]
 * in epoch seconds within the shift that starts at `start` (breaks after midnight included). */
export function pieces(text, start, tz) {
  const startMin = clockMinutes(hm(start, tz));
  const off = (m) => ((m - startMin + 1440) % 1440) * 60;  // seconds after the shift start
  return (text || "").split(";").map((x) => x.trim()).filter(Boolean).map((b) => {
    const [span] = b.split(/\s+/);
    const [a, z] = span.split("-").map(clockMinutes);
    return { from: start + off(a), to: start + off(z), text: b };
  });
}

/** shifts.csv / agent_shifts.csv rows -> shift objects. */
export function parseShifts(rows, tz) {
  return rows.map((r) => {
    const start = epoch(r.start); const end = epoch(r.end);
    const skills = (r.skills || "").split(";").map((s) => s.trim().split(":")[0]).filter(Boolean);
    return { agent: r.agent, label: r.name ? `${r.agent} ${r.name}` : r.agent, date: r.date, template: r.template,
      start, end, breaks: pieces(r.breaks, start, tz), activities: pieces(r.activities, start, tz),
      paid: num(r.paid_hours) || 0, skills, raw: r };
  });
}

export function templateColors(templates) { return new Map(templates.map((t, i) => [t, COLORS[i % COLORS.length]])); }

export function legend(color, { activities = false } = {}) {
  return h("div.legend-box", {}, [...color].map(([t, c]) => h("span", {}, h("i.swatch", { style: { background: c } }), t)),
    h("span", {}, h("i.swatch", { style: { background: "repeating-linear-gradient(45deg,#fff,#fff 2px,#555 2px,#555 4px)" } }), "break"),
    activities ? h("span", {}, h("i.swatch.act"), "activity (meeting, training)") : null);
}

function isoDate(t, tz) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(t * 1000));
}

/** Draw the selected shifts in el over [t0, t1) (widened to fit every shift). */
export function drawGantt(el, sel, { t0, t1, tz, day, color }) {
  for (const s of sel) { t0 = Math.min(t0, s.start); t1 = Math.max(t1, s.end); }
  const span = t1 - t0;
  const pos = (t) => `${((t - t0) / span) * 100}%`;
  const first = new Map();
  for (const s of sel) if (!first.has(s.agent) || s.start < first.get(s.agent).start) first.set(s.agent, s);
  const agents = [...first.keys()].sort((a, b) => {
    const fa = first.get(a); const fb = first.get(b);
    return fa.template.localeCompare(fb.template) || fa.start - fb.start || a.localeCompare(b);
  });
  const ticks = [];
  const hourStep = (span > 2 * 86400 ? 12 : span > 86400 ? 4 : 2) * 3600;  // room for the day label
  const midnight = t0 - localMinutes(t0, tz) * 60;  // local midnight of the first day
  for (let t = midnight; t <= t1; t += hourStep) if (t >= t0) ticks.push(t);
  const isMidnight = (t) => localMinutes(t, tz) === 0;
  const frac = (t) => (t - t0) / span;
  const axis = h("div.g-row.g-axis", {}, h("div.g-label", {}, "agent"),
    h("div.g-track", {}, ticks.map((t) => h(`span.g-tick${isMidnight(t) ? ".day" : ""}`, { style: { left: pos(t) } },
      isMidnight(t) ? dayLabel(isoDate(t, tz)) : hm(t, tz)))));
  const lines = ticks.filter(isMidnight).map((t) => h("div.g-dayline", { style: { left: `calc(var(--g-label) + (100% - var(--g-label)) * ${frac(t)})` } }));
  const inner = (s, p, cls) => h(cls, { style: { left: `${((p.from - s.start) / (s.end - s.start)) * 100}%`, width: `${((p.to - p.from) / (s.end - s.start)) * 100}%` }, title: p.text });
  const rows = agents.map((a) => {
    const mine = sel.filter((s) => s.agent === a);
    return h("div.g-row", { dataset: { agent: a } }, h("div.g-label", { title: first.get(a).label }, first.get(a).label),
      h("div.g-track", {}, mine.map((s) => h("div.g-shift", {
        style: { left: pos(s.start), width: pos(t0 + (s.end - s.start)), background: color.get(s.template) },
        title: `${s.label} ${dayLabel(s.date)} ${hm(s.start, tz)}-${hm(s.end, tz)} ${s.template}, ${s.paid} paid h`
          + `${s.breaks.length ? `, breaks ${s.breaks.map((b) => b.text).join("; ")}` : ""}`
          + `${s.activities.length ? `, ${s.activities.map((b) => b.text).join("; ")}` : ""}`,
        dataset: { template: s.template, date: s.date },
      }, s.breaks.map((b) => inner(s, b, "div.g-break")), s.activities.map((b) => inner(s, b, "div.g-act"))))));
  });
  el.replaceChildren(h("div.gantt", { style: { minWidth: day ? "700px" : "1100px" } }, axis, ...rows, ...lines));
  el.dataset.rows = String(agents.length); el.dataset.shifts = String(sel.length);
}
