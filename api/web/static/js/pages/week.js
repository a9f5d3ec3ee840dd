// Week view: per day (or the whole week) calls with the forecast band, required vs scheduled
// agents (under red, over green), predicted and simulated service level against the goal
// (intervals missing it shaded), a day x interval heatmap of over/under, and a day table.
import { columnsHook, gapHook, heatmap, intAxis, percentAxis, timeAxis, timeChart } from "../charts.js";
import { get, file } from "../api.js";
import { parseCsv } from "../csv.js";
import { h, pct, fix, table } from "../dom.js";
import { loadPlan, noPlan, num, resolvePlanId } from "../plandata.js";
import { dayLabel, epoch, localDate, localMinutes } from "../time.js";

let charts = [];
export function leave() { charts.forEach((c) => c.destroy()); charts = []; }

export async function render(app, id) {
  id = await resolvePlanId(id);
  if (!id) return noPlan(app, "Week");
  const job = await get(`/v1/plans/${encodeURIComponent(id)}`);
  if (job.links && job.links["queue_intervals.csv"]) return renderQueues(app, job);
  const P = await loadPlan(id, ["forecast.csv", "coverage.csv", "service.csv", "service_days.csv"]);
  const { tz, days } = P;
  const s = P.summary;
  const tabs = h("div.tabs#day-tabs");
  const plots = h("div#week-charts");
  const dayTable = buildDayTable(P);
  app.replaceChildren(
    h("h1", {}, `Week of ${s.plan.start} `, h("span.muted", {}, `(${tz}, ${P.freqMin}-minute intervals, plan ${id.slice(0, 8)})`)),
    h("div.kpis", {}, [["cost", Number(s.cost).toLocaleString("en-US", { maximumFractionDigits: 0 })],
      ["agent-hours", fix(s.agent_hours)], ["predicted SL", pct(s.service_level)],
      ["simulated SL", pct(s.simulated_service_level)], ["goal", `${pct(P.goal, 0)} in ${s.evaluation ? s.evaluation.answer_s : "?"} s`],
      ["intervals missing goal", s.evaluation ? `${s.evaluation.intervals_missed} of ${s.evaluation.intervals_with_calls}` : "-"],
    ].map(([k, v]) => h("div.kpi", {}, h("b", {}, v), h("span", {}, k)))),
    tabs, plots,
    h("h2", {}, "Over / under staffing, day x interval"),
    h("div.legend-box", {}, h("span", {}, h("i.swatch", { style: { background: "rgba(198,40,40,.8)" } }), "under (scheduled < required)"),
      h("span", {}, h("i.swatch", { style: { background: "rgba(46,125,50,.6)" } }), "over"),
      h("span", {}, h("i.swatch", { style: { background: "#fff", border: "1px solid #ccc" } }), "exact")),
    h("div.heat-wrap#heatmap"),
    h("h2", {}, "Per day"), dayTable,
  );
  const show = (day) => {
    for (const b of tabs.children) b.classList.toggle("active", b.dataset.day === day);
    drawCharts(plots, P, day);
  };
  tabs.append(h("button", { type: "button", dataset: { day: "week" }, onclick: () => show("week") }, "Whole week"),
    ...days.map((d) => h("button", { type: "button", dataset: { day: d }, onclick: () => show(d) }, dayLabel(d))));
  show(days.length > 1 ? "week" : days[0]);
  drawHeatmap(document.getElementById("heatmap"), P);
}

function pick(rows, day, tz) { return day === "week" ? rows : rows.filter((r) => localDate(r.t, tz) === day); }

function drawCharts(el, P, day) {
  leave();
  const { tz, freqMin, goal } = P;
  const step = freqMin * 60;
  const fc = pick(P.forecast, day, tz); const cov = pick(P.coverage, day, tz);
  const svcBy = new Map(P.service.map((r) => [r.t, r]));
  const xs = cov.map((r) => r.t);
  const fcBy = new Map(fc.map((r) => [r.t, r]));
  const calls = xs.map((t) => num(fcBy.get(t)?.calls)); const lo = xs.map((t) => num(fcBy.get(t)?.calls_lower));
  const hi = xs.map((t) => num(fcBy.get(t)?.calls_upper));
  const req = cov.map((r) => num(r.required)); const sch = cov.map((r) => num(r.scheduled));
  const pred = cov.map((r) => { const v = num(svcBy.get(r.t)?.predicted_sl ?? r.service_level); return v === null ? null : v * 100; });
  const sim = xs.map((t) => { const v = num(svcBy.get(t)?.simulated_sl); return v === null ? null : v * 100; });
  const miss = xs.map((t, i) => { const r = svcBy.get(t); if (r && r.meets_goal !== undefined && r.meets_goal !== "") return r.meets_goal === "False";
    return (calls[i] || 0) > 0 && pred[i] !== null && goal && pred[i] < goal * 100; });
  const goalLine = xs.map(() => (goal ? goal * 100 : null));
  const hasSim = sim.some((v) => v !== null);
  const band = "rgba(31,95,168,0.16)";
  const c1 = h("div.chart#chart-calls", {}, h("h3", {}, `Calls offered per ${freqMin} min: forecast with ${Math.round((P.summary.forecast?.level || 0.8) * 100)} % band`));
  const c2 = h("div.chart#chart-agents", {}, h("h3", {}, "Agents: required vs scheduled (red: under, green: over)"));
  const c3 = h("div.chart#chart-service", {}, h("h3", {}, `Service level (% answered in ${P.summary.evaluation?.answer_s ?? "?"} s; intervals missing the goal shaded)`));
  el.replaceChildren(c1, c2, c3);
  const stepped = uPlot.paths.stepped({ align: 1 });
  charts.push(timeChart(c1, "week-calls", tz, {
    series: [{}, { label: "forecast", stroke: "#1f5fa8", width: 1.5, paths: stepped },
      { label: "band low", stroke: "rgba(31,95,168,0.35)", paths: stepped },
      { label: "band high", stroke: "rgba(31,95,168,0.35)", paths: stepped }],
    bands: [{ series: [3, 2], fill: band }],
    axes: [timeAxis(tz), { label: "calls", labelSize: 18 }],
  }, [xs, calls, lo, hi]));
  charts.push(timeChart(c2, "week-agents", tz, {
    series: [{}, { label: "required", stroke: "#222", width: 1.5, paths: stepped },
      { label: "scheduled", stroke: "#1f5fa8", width: 2, paths: stepped }],
    axes: [timeAxis(tz), intAxis("agents")],
    scales: { y: { range: (u, min, max) => [0, Math.max(1, Math.ceil(max * 1.05))] } },
    hooks: { drawSeries: [], draw: [gapHook(step, 1, 2)] },
  }, [xs, req, sch]));
  const missColor = "rgba(198,40,40,0.14)";
  charts.push(timeChart(c3, "week-service", tz, {
    series: [{}, { label: "predicted (Erlang)", stroke: "#1f5fa8", width: 1.5, value: (u, v) => (v === null ? "-" : `${v.toFixed(1)} %`) },
      { label: "simulated", stroke: "#ef6c00", width: 1.5, show: hasSim, value: (u, v) => (v === null ? "-" : `${v.toFixed(1)} %`) },
      { label: `goal ${goal ? Math.round(goal * 100) : "?"} %`, stroke: "#c62828", dash: [6, 4], width: 1 }],
    axes: [timeAxis(tz), percentAxis("service level")],
    scales: { y: { range: [0, 100] } },
    hooks: { drawClear: [columnsHook(step, (i) => miss[i], missColor)] },
  }, [xs, pred, sim, goalLine]));
  el.dataset.day = day; el.dataset.points = String(xs.length);
  el.dataset.missed = String(miss.filter(Boolean).length);
}

function drawHeatmap(el, P) {
  const { tz, freqMin } = P;
  const slots = []; for (let m = 0; m < 1440; m += freqMin) slots.push(m);
  const idx = new Map(slots.map((m, j) => [m, j]));
  const values = P.days.map(() => slots.map(() => null));
  const dayIdx = new Map(P.days.map((d, i) => [d, i]));
  for (const r of P.coverage) {
    const i = dayIdx.get(localDate(r.t, tz)); const j = idx.get(localMinutes(r.t, tz));
    if (i === undefined || j === undefined) continue;
    values[i][j] = num(r.scheduled) - num(r.required);
  }
  heatmap(el, "week-heatmap", { days: P.days.map((d) => ({ date: d, label: dayLabel(d) })), slots, values, freqMin, tz });
}

function buildDayTable(P) {
  // per-day service as the API computed it (service_days.csv: Erlang per day, simulation
  // volume-weighted within each replication); agent-hours summed from coverage.csv
  const { tz, freqMin } = P;
  const per = new Map(P.days.map((d) => [d, { date: d, calls: 0, req: 0, sch: 0, under: 0, missed: 0 }]));
  const fcBy = new Map(P.forecast.map((r) => [r.t, r]));
  for (const r of P.coverage) {
    const d = per.get(localDate(r.t, tz)); if (!d) continue;
    d.calls += num(fcBy.get(r.t)?.calls) || 0;
    d.req += (num(r.required) || 0) * freqMin / 60; d.sch += (num(r.scheduled) || 0) * freqMin / 60;
    d.under += (num(r.under) || 0) > 0 ? 1 : 0;
  }
  for (const r of P.service) { const d = per.get(localDate(r.t, tz)); if (d && r.meets_goal === "False") d.missed += 1; }
  const days = new Map(P.service_days.map((r) => [r.date, r]));
  const rows = [...per.values()].map((d) => {
    const a = days.get(d.date) || {};
    return { ...d, pred: num(a.predicted_sl), sim: num(a.simulated_sl), lo: num(a.simulated_sl_low), hi: num(a.simulated_sl_high) };
  });
  const wk = days.get("week");
  if (wk && rows.length > 1) {
    const sum = (k) => rows.reduce((x, r) => x + r[k], 0);
    rows.push({ date: "week", calls: sum("calls"), req: sum("req"), sch: sum("sch"), under: sum("under"), missed: sum("missed"),
      pred: num(wk.predicted_sl), sim: num(wk.simulated_sl), lo: num(wk.simulated_sl_low), hi: num(wk.simulated_sl_high) });
  }
  const goal = P.goal;
  return table([
    { key: "date", label: "day", cls: "l", fmt: (v) => (v === "week" ? "week" : dayLabel(v)) },
    { key: "calls", label: "calls", fmt: (v) => fix(v, 0) },
    { key: "req", label: "required agent-h", fmt: (v) => fix(v, 1) },
    { key: "sch", label: "scheduled agent-h", fmt: (v) => fix(v, 1) },
    { key: "under", label: "intervals under", fmt: (v) => String(v) },
    { key: "pred", label: "predicted SL", fmt: (v) => pct(v) },
    { key: "sim", label: "simulated SL [95 % CI]", fmt: (v, r) => (v === null ? "-" : `${pct(v)} [${pct(r.lo)}, ${pct(r.hi)}]`) },
    { key: "missed", label: "intervals missing goal", fmt: (v) => String(v) },
  ], rows, { id: "day-table", rowClass: (r) => (goal && r.pred !== null && r.pred < goal ? "miss" : null) });
}

// A multi-queue plan ([[queues]]): one queue at a time (selector), from queue_intervals.csv.
async function renderQueues(app, job) {
  const r = job.result || {}; const tz = r.tz || "UTC";
  const rowsAll = parseCsv(await file(job, "queue_intervals.csv") || "").map((x) => ({ ...x, t: epoch(x.interval_start) }));
  const queues = (r.queues || []).map((q) => q.queue);
  const sel = h("select#queue-select", {}, queues.map((q) => h("option", { value: q }, q)));
  const plots = h("div#week-charts");
  app.replaceChildren(
    h("h1", {}, "Multi-queue plan ", h("span.muted", {}, `(${tz}, plan ${job.id.slice(0, 8)})`)),
    table([{ key: "queue", label: "queue", cls: "l" }, { key: "channel", label: "channel", cls: "l" }, { key: "goal", label: "goal", cls: "l" },
      { key: "calls", label: "contacts", fmt: (v) => fix(v, 0) }, { key: "required_agent_hours", label: "required agent-h", fmt: (v) => fix(v, 1) },
      { key: "allocated_agent_hours", label: "allocated agent-h", fmt: (v) => fix(v, 1) },
      { key: "predicted_sl", label: "predicted SL", fmt: (v) => pct(v) }, { key: "simulated_sl", label: "simulated SL", fmt: (v) => pct(v) }],
    r.queues || [], { id: "queue-table" }),
    h("div.row.card", {}, h("label", {}, "queue", sel)), plots);
  const show = () => {
    leave();
    const q = sel.value; const rows = rowsAll.filter((x) => x.queue === q);
    const xs = rows.map((x) => x.t);
    const step = xs.length > 1 ? xs[1] - xs[0] : 900;
    const col = (k, f = (v) => v) => rows.map((x) => { const v = num(x[k]); return v === null ? null : f(v); });
    const c1 = h("div.chart#chart-calls", {}, h("h3", {}, `${q}: contacts per interval`));
    const c2 = h("div.chart#chart-agents", {}, h("h3", {}, `${q}: agents required vs allocated (red: under, green: over)`));
    const c3 = h("div.chart#chart-service", {}, h("h3", {}, `${q}: predicted and simulated service level`));
    plots.replaceChildren(c1, c2, c3);
    const stepped = uPlot.paths.stepped({ align: 1 });
    charts.push(timeChart(c1, "queue-calls", tz, { series: [{}, { label: "contacts", stroke: "#1f5fa8", width: 1.5, paths: stepped }],
      axes: [timeAxis(tz), { label: "contacts", labelSize: 18 }] }, [xs, col("calls")]));
    charts.push(timeChart(c2, "queue-agents", tz, {
      series: [{}, { label: "required", stroke: "#222", width: 1.5, paths: stepped }, { label: "allocated", stroke: "#1f5fa8", width: 2, paths: stepped }],
      axes: [timeAxis(tz), { label: "agents", labelSize: 18 }],
      scales: { y: { range: (u, min, max) => [0, Math.max(1, Math.ceil(max * 1.05))] } },
      hooks: { draw: [gapHook(step, 1, 2)] } }, [xs, col("required"), col("allocated")]));
    const sl = (u, v) => (v === null ? "-" : `${v.toFixed(1)} %`);
    charts.push(timeChart(c3, "queue-service", tz, {
      series: [{}, { label: "predicted", stroke: "#1f5fa8", width: 1.5, value: sl }, { label: "simulated", stroke: "#ef6c00", width: 1.5, value: sl }],
      axes: [timeAxis(tz), percentAxis("service level")], scales: { y: { range: [0, 100] } } },
    [xs, col("predicted_sl", (v) => v * 100), col("simulated_sl", (v) => v * 100)]));
    plots.dataset.queue = q; plots.dataset.points = String(xs.length);
  };
  sel.addEventListener("change", show);
  if (queues.length) show();
}
