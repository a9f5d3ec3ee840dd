// Schedule: one row per agent (tour) with its shifts and breaks drawn on the week's time line,
// filters by template and day, per-agent totals, and the plan's CSV / Excel / ICS downloads.
import { h, fix, table } from "../dom.js";
import { drawGantt, legend, parseShifts, templateColors } from "../gantt.js";
import { loadPlan, noPlan, resolvePlanId } from "../plandata.js";
import { dayLabel } from "../time.js";

export async function render(app, id) {
  id = await resolvePlanId(id);
  if (!id) return noPlan(app, "Schedule");
  const P = await loadPlan(id, ["shifts.csv", "coverage.csv"]);
  const { tz, job } = P;
  const shifts = parseShifts(P.shifts, tz);
  const templates = [...new Set(shifts.map((s) => s.template))].sort();
  const color = templateColors(templates);
  const tplSel = h("select#filter-template", {}, h("option", { value: "" }, "all templates"), templates.map((t) => h("option", { value: t }, t)));
  const daySel = h("select#filter-day", {}, h("option", { value: "" }, "whole week"), P.days.map((d) => h("option", { value: d }, dayLabel(d))));
  const gantt = h("div.gantt-wrap#gantt"); const totals = h("div#agent-totals");
  const links = job.links;
  const dl = (name, label) => (links[name] ? h("a", { href: links[name], download: name }, label) : null);
  app.replaceChildren(
    h("h1", {}, `Schedule, week of ${P.summary.plan.start} `, h("span.muted", {}, `(${tz}, plan ${id.slice(0, 8)})`)),
    h("div.row.card", {}, h("label", {}, "template", tplSel), h("label", {}, "day", daySel),
      h("span.muted", {}, "skills: anonymous tours have none (the Agents page filters named people by skill)"),
      h("div.downloads", {}, "Download: ", dl("shifts.csv", "shifts.csv"), dl("tours.csv", "tours.csv"), dl("plan.xlsx", "plan.xlsx (Excel)"), dl("shifts.ics", "shifts.ics (calendar)"))),
    legend(color),
    gantt, h("h2", {}, "Per agent"), totals,
  );
  const draw = () => {
    const tpl = tplSel.value; const day = daySel.value;
    const sel = shifts.filter((s) => (!tpl || s.template === tpl) && (!day || s.date === day));
    const [t0, t1] = range(P, day);
    drawGantt(gantt, sel, { t0, t1, tz, day, color });
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
