// Schedule: one row per agent (tour) with its shifts and breaks drawn on the week's time line,
// filters by template and day, per-agent totals, and the plan's CSV / Excel / ICS downloads.
import { h, fix, table } from "../dom.js";
import { loadPlan, noPlan, num, resolvePlanId } from "../plandata.js";
import { clockMinutes, dayLabel, epoch, hm, localMinutes } from "../time.js";

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"];

export async function render(app, id) {
  id = await resolvePlanId(id);
  if (!id) return noPlan(app, "Schedule");
  const P = await loadPlan(id, ["shifts.csv", "coverage.csv"]);
  const { tz, job } = P;
  const shifts = P.shifts.map((r) => {
    const start = epoch(r.start); const end = epoch(r.end);
    const startMin = clockMinutes(hm(start, tz));
    const breaks = (r.breaks || "").split(";").filter(Boolean).map((b) => {
      const [a, z] = b.split("-").map(clockMinutes);
      const off = (m) => ((m - startMin + 1440) % 1440) * 60;  // minutes after the shift start
      return { from: start + off(a), to: start + off(z), text: b };
    });
    return { agent: r.agent, date: r.date, template: r.template, start, end, breaks, paid: num(r.paid_hours) || 0, raw: r };
  });
  const templates = [...new Set(shifts.map((s) => s.template))].sort();
  const color = new Map(templates.map((t, i) => [t, COLORS[i % COLORS.length]]));
  const tplSel = h("select#filter-template", {}, h("option", { value: "" }, "all templates"), templates.map((t) => h("option", { value: t }, t)));
  const daySel = h("select#filter-day", {}, h("option", { value: "" }, "whole week"), P.days.map((d) => h("option", { value: d }, dayLabel(d))));
  const gantt = h("div.gantt-wrap#gantt"); const totals = h("div#agent-totals");
  const links = job.links;
  const dl = (name, label) => (links[name] ? h("a", { href: links[name], download: name }, label) : null);
  app.replaceChildren(
    h("h1", {}, `Schedule, week of ${P.summary.plan.start} `, h("span.muted", {}, `(${tz}, plan ${id.slice(0, 8)})`)),
    h("div.row.card", {}, h("label", {}, "template", tplSel), h("label", {}, "day", daySel),
      h("span.muted", {}, "skills: single queue (no skills in this plan)"),
      h("div.downloads", {}, "Download: ", dl("shifts.csv", "shifts.csv"), dl("tours.csv", "tours.csv"), dl("plan.xlsx", "plan.xlsx (Excel)"), dl("shifts.ics", "shifts.ics (calendar)"))),
    h("div.legend-box", {}, templates.map((t) => h("span", {}, h("i.swatch", { style: { background: color.get(t) } }), t)),
      h("span", {}, h("i.swatch", { style: { background: "repeating-linear-gradient(45deg,#fff,#fff 2px,#555 2px,#555 4px)" } }), "break")),
    gantt, h("h2", {}, "Per agent"), totals,
  );
  const draw = () => {
    const tpl = tplSel.value; const day = daySel.value;
    const sel = shifts.filter((s) => (!tpl || s.template === tpl) && (!day || s.date === day));
    drawGantt(gantt, sel, P, day, color);
    drawTotals(totals, sel);
  };
  tplSel.addEventListener("change", draw); daySel.addEventListener("change", draw);
  draw();
}

function range(P, day) {
  const ts = P.coverage.map((r) => r.t);
  const step = P.freqMin * 60;
  if (!day) return [Math.min(...ts), Math.max(...ts) + step];
  const inDay = P.coverage.filter((r) => r.interval_start.startsWith(day)).map((r) => r.t);
  return [Math.min(...inDay), Math.max(...inDay) + step];
}

function drawGantt(el, sel, P, day, color) {
  const { tz } = P;
  let [t0, t1] = range(P, day);
  for (const s of sel) { t0 = Math.min(t0, s.start); t1 = Math.max(t1, s.end); }
  const span = t1 - t0;
  const pos = (t) => `${((t - t0) / span) * 100}%`;
  const agents = [...new Set(sel.map((s) => s.agent))].sort((a, b) => {
    const fa = sel.find((s) => s.agent === a); const fb = sel.find((s) => s.agent === b);
    return fa.template.localeCompare(fb.template) || fa.start - fb.start || a.localeCompare(b);
  });
  const ticks = [];
  const hourStep = span > 2 * 86400 ? 12 * 3600 : 2 * 3600;  // room for the day label
  const midnight = t0 - localMinutes(t0, tz) * 60;  // local midnight of the first day
  for (let t = midnight; t <= t1; t += hourStep) if (t >= t0) ticks.push(t);
  const isMidnight = (t) => localMinutes(t, tz) === 0;
  const frac = (t) => (t - t0) / span;
  const axis = h("div.g-row.g-axis", {}, h("div.g-label", {}, "agent"),
    h("div.g-track", {}, ticks.map((t) => h(`span.g-tick${isMidnight(t) ? ".day" : ""}`, { style: { left: pos(t) } },
      isMidnight(t) ? dayLabel(isoDate(t, tz)) : hm(t, tz)))));
  const lines = ticks.filter(isMidnight).map((t) => h("div.g-dayline", { style: { left: `calc(90px + (100% - 90px) * ${frac(t)})` } }));
  const rows = agents.map((a) => {
    const mine = sel.filter((s) => s.agent === a);
    return h("div.g-row", { dataset: { agent: a } }, h("div.g-label", {}, a),
      h("div.g-track", {}, mine.map((s) => h("div.g-shift", {
        style: { left: pos(s.start), width: pos(t0 + (s.end - s.start)), background: color.get(s.template) },
        title: `${a} ${dayLabel(s.date)} ${hm(s.start, tz)}-${hm(s.end, tz)} ${s.template}, ${s.paid} paid h${s.breaks.length ? `, breaks ${s.raw.breaks}` : ""}`,
        dataset: { template: s.template, date: s.date },
      }, s.breaks.map((b) => h("div.g-break", { style: { left: `${((b.from - s.start) / (s.end - s.start)) * 100}%`, width: `${((b.to - b.from) / (s.end - s.start)) * 100}%` } }))))));
  });
  el.replaceChildren(h("div.gantt", { style: { minWidth: day ? "700px" : "1100px" } }, axis, ...rows, ...lines));
  el.dataset.rows = String(agents.length); el.dataset.shifts = String(sel.length);
}

function isoDate(t, tz) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(t * 1000));
}

function drawTotals(el, sel) {
  const by = new Map();
  for (const s of sel) {
    const a = by.get(s.agent) || { agent: s.agent, templates: new Set(), shifts: 0, paid: 0, span: 0, breaks: 0 };
    a.templates.add(s.template); a.shifts += 1; a.paid += s.paid; a.span += (s.end - s.start) / 3600;
    a.breaks += s.breaks.reduce((x, b) => x + (b.to - b.from) / 60, 0);
    by.set(s.agent, a);
  }
  const rows = [...by.values()].sort((a, b) => a.agent.localeCompare(b.agent));
  const total = rows.reduce((x, r) => ({ shifts: x.shifts + r.shifts, paid: x.paid + r.paid }), { shifts: 0, paid: 0 });
  el.replaceChildren(h("p.muted", {}, `${rows.length} agents, ${total.shifts} shifts, ${fix(total.paid, 1)} paid hours`),
    table([
      { key: "agent", label: "agent", cls: "l" },
      { key: "templates", label: "template", cls: "l", fmt: (v) => [...v].join(", ") },
      { key: "shifts", label: "shifts" },
      { key: "paid", label: "paid hours", fmt: (v) => fix(v, 1) },
      { key: "span", label: "on site hours", fmt: (v) => fix(v, 1) },
      { key: "breaks", label: "break minutes", fmt: (v) => fix(v, 0) },
    ], rows, { id: "totals-table" }));
}
