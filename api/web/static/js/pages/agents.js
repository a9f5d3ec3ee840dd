// Agents: a schedule for named people (POST /v1/agents): start one from a plan's requirement
// (or an uploaded requirements.csv) with the bundled or uploaded agents, contracts and plan
// TOML; watch it; then one row per person with shifts, breaks and activities, filters by skill,
// template and day, per-agent totals, the penalty report, coverage and the downloads.
import { del, file, get, getText, postForm, watch } from "../api.js";
import { gapHook, intAxis, timeAxis, timeChart } from "../charts.js";
import { num, parseCsv } from "../csv.js";
import { h, fix, money, pct, statusBadge, table, toast } from "../dom.js";
import { drawGantt, legend, parseShifts, templateColors } from "../gantt.js";
import { dayLabel, duration, epoch, localDate } from "../time.js";

const SAMPLE_FILES = [["config", "plan.toml"], ["contracts", "agents_contracts.toml"], ["agents", "agents.csv"]];
let alive = false; let charts = [];
export function leave() { alive = false; charts.forEach((c) => c.destroy()); charts = []; }

export async function render(app, id) {
  alive = true;
  if (id) return showJob(app, id);
  const [samples, plans] = await Promise.all([get("/v1/samples"), get("/v1/jobs?kind=plan&status=done&limit=20")]);
  const bundled = samples.filter((s) => s.available && s.agents);
  const reqSrc = h("select#ag-req-source", {},
    plans.items.map((j) => h("option", { value: `plan:${j.id}` }, `plan ${j.id.slice(0, 8)}: ${j.result?.plan?.start || "?"} (${j.result?.plan?.days || "?"} d), its requirements.csv`)),
    h("option", { value: "upload" }, "upload a requirements.csv"));
  const reqFile = h("input#ag-req", { type: "file", accept: ".csv,text/csv" });
  const people = h("select#ag-people-source", {},
    bundled.map((s) => h("option", { value: `sample:${s.name}` }, `bundled: ${s.name} (${SAMPLE_FILES.map((f) => f[1]).join(", ")})`)),
    h("option", { value: "upload" }, "upload plan TOML, contracts TOML and agents CSV"));
  const up = Object.fromEntries(SAMPLE_FILES.map(([part, name]) => [part, h(`input#ag-${part}`, { type: "file", accept: name.endsWith(".csv") ? ".csv,text/csv" : ".toml" })]));
  const cyclic = h("input#ag-cyclic", { type: "checkbox" });
  const reqBox = h("label", {}, "requirements CSV (interval_start, agents_required)", reqFile);
  const upBox = h("div.row", {}, h("label", {}, "plan TOML ([site], [[templates]], [solver])", up.config),
    h("label", {}, "contracts TOML", up.contracts), h("label", {}, "agents CSV", up.agents));
  const sync = () => { reqBox.hidden = reqSrc.value !== "upload"; upBox.hidden = people.value !== "upload"; };
  reqSrc.addEventListener("change", sync); people.addEventListener("change", sync); sync();
  const live = h("div.card#ag-live", { hidden: true });
  const list = h("div#ag-jobs");
  const go = h("button#start-agents", { type: "submit" }, "Schedule the agents");
  const form = h("form.card#agents-form", { onsubmit: async (ev) => {
    ev.preventDefault(); go.disabled = true;
    try {
      const fd = new FormData();
      if (people.value === "upload") {
        for (const [part] of SAMPLE_FILES) {
          if (!up[part].files[0]) throw new Error("choose the plan TOML, the contracts TOML and the agents CSV");
          fd.append(part, up[part].files[0]);
        }
      } else {
        const name = people.value.slice(7);
        const texts = await Promise.all(SAMPLE_FILES.map(([, f]) => getText(`/v1/samples/${name}/files/${f}`)));
        SAMPLE_FILES.forEach(([part, f], i) => fd.append(part, new Blob([texts[i]]), f));
      }
      if (reqSrc.value === "upload") {
        if (!reqFile.files[0]) throw new Error("choose the requirements CSV");
        fd.append("requirements", reqFile.files[0]);
      } else {
        const plan = await get(`/v1/plans/${reqSrc.value.slice(5)}`);
        fd.append("requirements", new Blob([await file(plan, "requirements.csv")]), "requirements.csv");
      }
      if (cyclic.checked) fd.append("cyclic", "true");
      follow(await postForm("/v1/agents", fd), live, list);
    } catch (e) { toast(e.message); } finally { go.disabled = false; }
  } },
  h("div.row", {}, h("label", {}, "requirement", reqSrc), reqBox, h("label", {}, "agents and contracts", people),
    h("label", {}, "rotation (cyclic)", cyclic), go), upBox,
  h("p.muted", {}, "Contracts, availability, time off, wishes and fairness per person (staffing.agents); the solver's time limit is the plan TOML's [solver] time_limit_s."));
  app.replaceChildren(h("h1", {}, "Agents: schedules for named people"), form, live, h("h2", {}, "Past schedules"), list);
  await showJobs(list);
}

async function follow(job, live, list) {
  live.hidden = false;
  const body = h("div");
  const cancel = h("button.danger#cancel-agents", { type: "button", onclick: () => del(`/v1/agents/${job.id}`).catch((e) => toast(e.message)) }, "Cancel");
  live.replaceChildren(h("h2", {}, `Schedule ${job.id.slice(0, 8)}`), body, cancel);
  live.dataset.job = job.id; live.dataset.status = job.status;
  const done = await watch(`/v1/agents/${job.id}`, (j) => {
    if (!alive) return;
    const p = j.progress || {};
    body.replaceChildren(h("div.kpis.progress-line", {}, [["status", statusBadge(j.status)], ["stage", p.stage || "-"],
      ["incumbent", money(p.incumbent)], ["bound", money(p.bound)], ["gap", p.gap === null || p.gap === undefined ? "-" : pct(p.gap, 2)],
      ["elapsed", duration(p.elapsed_s)]].map(([k, v]) => h("div.kpi", {}, h("b", {}, v), h("span", {}, k)))),
    h("p.muted", {}, p.detail || ""), ...(j.error ? [h("p.error", {}, j.error.detail)] : []),
    ...(j.status === "done" ? [h("p", {}, h("a#ag-open", { href: `#/agents/${j.id}` }, "Open the schedule"))] : []));
    live.dataset.status = j.status; cancel.hidden = ["done", "failed", "cancelled"].includes(j.status);
  });
  if (alive) await showJobs(list);
  return done;
}

async function showJobs(el) {
  const page = await get("/v1/jobs?kind=agents&limit=10");
  if (!page.items.length) { el.replaceChildren(h("p.muted", {}, "None yet.")); return; }
  el.replaceChildren(table([
    { key: "created_at", label: "created (UTC)", cls: "l", fmt: (v) => v.replace("T", " ").slice(0, 19) },
    { key: "status", label: "status", cls: "l", fmt: (v) => statusBadge(v) },
    { key: "agents", label: "agents", fmt: (_, j) => String(j.result?.agents ?? "-") },
    { key: "days", label: "days", fmt: (_, j) => String(j.result?.days ?? "-") },
    { key: "obj", label: "objective", fmt: (_, j) => money(j.result?.objective) },
    { key: "gap", label: "gap", fmt: (_, j) => (j.result ? pct(j.result.gap, 2) : "-") },
    { key: "id", label: "", cls: "l", fmt: (id, j) => (j.status === "done" ? h("a", { href: `#/agents/${id}` }, "show") : "") },
  ], page.items, { id: "ag-jobs-table" }));
}

async function showJob(app, id) {
  const job = await get(`/v1/agents/${encodeURIComponent(id)}`);
  if (job.status !== "done") throw new Error(`agents job ${id.slice(0, 8)} is ${job.status}, not done`);
  const r = job.result || {};
  const [shiftText, sumText, covText] = await Promise.all(["agent_shifts.csv", "agent_summary.csv", "agent_coverage.csv"].map((n) => file(job, n)));
  const tz = r.tz || "UTC";
  const shifts = parseShifts(parseCsv(shiftText || ""), tz);
  const summary = parseCsv(sumText || "");
  const coverage = parseCsv(covText || "").map((c) => ({ ...c, t: epoch(c.interval_start) }));
  const skillsOf = new Map(summary.map((s) => [s.agent, (s.skills || "").split(";").map((x) => x.trim().split(":")[0]).filter(Boolean)]));
  const skills = [...new Set([...skillsOf.values()].flat())].sort();
  const templates = [...new Set(shifts.map((s) => s.template))].sort();
  const days = [...new Set(coverage.map((c) => localDate(c.t, tz)))];
  const color = templateColors(templates);
  const skillSel = h("select#ag-filter-skill", {}, h("option", { value: "" }, "all skills"), skills.map((s) => h("option", { value: s }, s)));
  const tplSel = h("select#ag-filter-template", {}, h("option", { value: "" }, "all templates"), templates.map((t) => h("option", { value: t }, t)));
  const daySel = h("select#ag-filter-day", {}, h("option", { value: "" }, "whole horizon"), days.map((d) => h("option", { value: d }, dayLabel(d))));
  const gantt = h("div.gantt-wrap#ag-gantt"); const totals = h("div#ag-totals");
  const dl = (name, label) => (job.links[name] ? h("a", { href: job.links[name], download: name }, label) : null);
  const covEl = h("div.chart#ag-chart-coverage", {}, h("h3", {}, "Agents: required vs scheduled (red: under, green: over)"));
  app.replaceChildren(
    h("h1", {}, `Agents schedule ${id.slice(0, 8)} `, h("span.muted", {}, `(${tz}, ${days.length} days, ${r.agents} agents)`)),
    h("div.kpis", {}, [["status", r.status], ["objective", money(r.objective)], ["bound", money(r.bound)], ["gap", pct(r.gap, 2)],
      ["shifts", String(r.shifts)], ["under agent-intervals", fix(r.under_agent_intervals, 0)], ["solve", duration(r.solve_s)]]
      .map(([k, v]) => h("div.kpi", {}, h("b", {}, v), h("span", {}, k)))),
    h("div.row.card", {}, h("label", {}, "skill", skillSel), h("label", {}, "template", tplSel), h("label", {}, "day", daySel),
      h("div.downloads", {}, "Download: ", dl("agent_shifts.csv", "agent_shifts.csv"), dl("agent_schedule.xlsx", "agent_schedule.xlsx (Excel)"),
        dl("agent_calendars.zip", "agent_calendars.zip (ICS per agent)"), dl("agent_summary.csv", "agent_summary.csv"), dl("penalties.txt", "penalties.txt"))),
    legend(color, { activities: shifts.some((x) => x.activities.length) }), gantt,
    h("h2", {}, "Per agent"), totals,
    h("h2", {}, "Penalty report"),
    (r.penalties || []).length ? h("ul#ag-penalties", {}, r.penalties.map((p) => h("li", {}, p))) : h("p.muted#ag-penalties", {}, "No penalties."),
    covEl);
  const span = coverage.length ? [coverage[0].t, coverage[coverage.length - 1].t + (coverage.length > 1 ? coverage[1].t - coverage[0].t : 900)] : [0, 1];
  const draw = () => {
    const sk = skillSel.value; const tpl = tplSel.value; const day = daySel.value;
    const who = (a) => !sk || (skillsOf.get(a) || []).includes(sk);
    const sel = shifts.filter((s) => who(s.agent) && (!tpl || s.template === tpl) && (!day || s.date === day));
    const inDay = day ? coverage.filter((c) => localDate(c.t, tz) === day).map((c) => c.t) : [];
    const [t0, t1] = day && inDay.length ? [Math.min(...inDay), Math.max(...inDay) + (span[1] - coverage[coverage.length - 1].t)] : span;
    drawGantt(gantt, sel, { t0, t1, tz, day, color });
    drawTotals(totals, summary.filter((s) => who(s.agent)), sel);
  };
  for (const s of [skillSel, tplSel, daySel]) s.addEventListener("change", draw);
  draw();
  if (coverage.length) {
    const xs = coverage.map((c) => c.t);
    const stepped = uPlot.paths.stepped({ align: 1 });
    charts.push(timeChart(covEl, "agents-coverage", tz, {
      series: [{}, { label: "required", stroke: "#222", width: 1.5, paths: stepped }, { label: "scheduled", stroke: "#1f5fa8", width: 2, paths: stepped }],
      axes: [timeAxis(tz), intAxis("agents")],
      scales: { y: { range: (u, min, max) => [0, Math.max(1, Math.ceil(max * 1.05))] } },
      hooks: { draw: [gapHook(span[1] - xs[xs.length - 1], 1, 2)] },
    }, [xs, coverage.map((c) => num(c.required)), coverage.map((c) => num(c.scheduled))]));
  }
}

function drawTotals(el, summary, sel) {
  // the solver's per-agent figures (agent_summary.csv) beside what the filter shows
  const shown = new Map();
  for (const s of sel) shown.set(s.agent, (shown.get(s.agent) || 0) + s.paid);
  el.replaceChildren(table([
    { key: "agent", label: "agent", cls: "l" }, { key: "name", label: "name", cls: "l" },
    { key: "contract", label: "contract", cls: "l" }, { key: "skills", label: "skills", cls: "l" },
    { key: "shifts", label: "shifts" }, { key: "paid_hours", label: "paid hours", fmt: (v) => fix(num(v), 1) },
    { key: "hours_per_week", label: "hours per week", cls: "l" },
    { key: "weekends_worked", label: "weekends worked" },
    { key: "day_off_wishes_granted", label: "day-off wishes granted", fmt: (v, r) => `${v} of ${r.day_off_wishes}` },
    { key: "penalty", label: "penalty", fmt: (v) => fix(num(v), 1) },
    { key: "agent", label: "paid hours shown", fmt: (v) => fix(shown.get(v) || 0, 1) },
  ], summary, { id: "ag-summary-table" }));
}
