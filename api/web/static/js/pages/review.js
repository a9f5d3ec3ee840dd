// Review: how a past period really went against the plan that covered it (POST /v1/review),
// per interval and per day, with the intervals that missed the goal and their cause; and the
// intraday re-forecast of a plan day from the calls seen up to "now" (POST /v1/intraday).
import { get, postForm } from "../api.js";
import { columnsHook, intAxis, percentAxis, timeAxis, timeChart } from "../charts.js";
import { h, pct, fix, table, toast } from "../dom.js";
import { dayLabel, dayTime, epoch, localDate } from "../time.js";

let charts = [];
export function leave() { charts.forEach((c) => c.destroy()); charts = []; }

const ABANDONS = [["counted", "abandons count as misses"], ["short_excluded", "short abandons excluded"],
  ["excluded", "all abandons excluded"]];
const p100 = (v) => (v === null || v === undefined ? null : v * 100);
const pctValue = (u, v) => (v === null || v === undefined ? "-" : `${v.toFixed(1)} %`);

function planLabel(j) {
  const p = (j.result && j.result.plan) || {};
  return `${p.start || "?"} (${p.days || "?"} d) · plan ${j.id.slice(0, 8)}`;
}

export async function render(app, id) {
  const page = await get("/v1/jobs?kind=plan&status=done&limit=50");
  const plans = page.items;
  if (id && !plans.some((j) => j.id === id)) plans.unshift(await get(`/v1/plans/${encodeURIComponent(id)}`));
  const planSel = h("select#rv-plan", {}, plans.map((j) => h("option", { value: j.id }, planLabel(j))),
    h("option", { value: "" }, "no plan: actuals only (upload a plan TOML)"));
  planSel.value = id || (plans[0] ? plans[0].id : "");
  const actSrc = h("select#rv-actuals-source", {},
    h("option", { value: "plan" }, "the plan's own data file (e.g. the bundled call log)"),
    h("option", { value: "upload" }, "upload a call log or interval CSV"));
  const actFile = h("input#rv-actuals", { type: "file", accept: ".csv,text/csv" });
  const tomlFile = h("input#rv-toml", { type: "file", accept: ".toml" });
  const start = h("input#rv-start", { type: "date" });
  const days = h("input#rv-days", { type: "number", min: 1, max: 366, placeholder: "all" });
  const abandons = h("select#rv-abandons", {}, ABANDONS.map(([v, t]) => h("option", { value: v }, t)));
  const go = h("button#run-review", { type: "submit" }, "Review");
  const tomlBox = h("label", {}, "plan TOML (goals, site)", tomlFile);
  const fileBox = h("label", {}, "actuals CSV", actFile);
  const periodBox = h("div.row", {}, h("label", {}, "first day (blank: the plan's)", start), h("label", {}, "days", days));
  const results = h("div#rv-results");
  const sync = () => {
    const noPlan = planSel.value === "";
    if (noPlan) actSrc.value = "upload";
    actSrc.disabled = noPlan; tomlBox.hidden = !noPlan;
    fileBox.hidden = actSrc.value !== "upload";
  };
  planSel.addEventListener("change", sync); actSrc.addEventListener("change", sync); sync();
  const form = h("form.card#review-form", { onsubmit: async (ev) => {
    ev.preventDefault(); go.disabled = true;
    try {
      const fd = new FormData();
      if (planSel.value) fd.append("plan", planSel.value);
      else {
        if (!tomlFile.files[0]) throw new Error("without a plan, choose a plan TOML (its goals and site)");
        fd.append("config", tomlFile.files[0]);
      }
      if (actSrc.value === "upload") {
        if (!actFile.files[0]) throw new Error("choose the actuals CSV");
        fd.append("actuals", actFile.files[0]);
      }
      if (start.value) fd.append("start", start.value);
      if (days.value) fd.append("days", days.value);
      fd.append("abandons", abandons.value);
      results.dataset.ready = "false";
      const body = await postForm("/v1/review", fd);
      const plan = plans.find((j) => j.id === planSel.value) || null;
      showReview(results, body, plan);
      if (plan) intraday(results, plan, body);
      results.dataset.ready = "true";
    } catch (e) { toast(e.message); } finally { go.disabled = false; }
  } },
  h("div.row", {}, h("label", {}, "plan", planSel), h("label", {}, "actuals", actSrc), fileBox, tomlBox,
    h("label", {}, "service level", abandons), go), periodBox,
  h("p.muted", {}, "Pick a plan made for a past period (e.g. on the Plans page: first day 1999-02-22, the bank's last "
    + "bundled week) and the calls that really came; the review compares them interval by interval."));
  app.replaceChildren(h("h1", {}, "Review: actual vs plan"), form, results);
}

function kpis(list) {
  return h("div.kpis", {}, list.map(([k, v]) => h("div.kpi", { dataset: { k } }, h("b", {}, v), h("span", {}, k))));
}

function showReview(el, body, plan) {
  leave();
  const s = body.summary; const tz = body.tz;
  const rows = body.intervals.map((r) => ({ ...r, t: epoch(r.interval_start) }));
  const hasPlan = rows.some((r) => r.forecast_calls !== undefined && r.forecast_calls !== null);
  const dates = [...new Set(rows.map((r) => localDate(r.t, tz)))];
  const causes = Object.entries(s.causes || {}).sort((a, b) => b[1] - a[1]);
  const tabs = h("div.tabs#rv-day-tabs"); const plots = h("div#rv-charts");
  el.replaceChildren(
    h("h2", {}, `${s.start} to ${dates[dates.length - 1] || s.start} `, h("span.muted", {}, `(${tz}${plan ? `, ${planLabel(plan)}` : ""})`)),
    h("p.muted#rv-definition", {}, s.definition),
    kpis([["offered", fix(s.offered, 0)], ["menu hang-ups", fix(s.menu_hangups, 0)], ["answered", fix(s.answered, 0)],
      ["abandoned", `${fix(s.abandoned, 0)} (${pct(s.abandon_rate)})`], ["actual SL", pct(s.service_level)],
      ["ASA", `${fix(s.asa_s, 1)} s`], ["AHT", `${fix(s.aht_s, 0)} s`], ["occupancy", pct(s.occupancy)]]),
    hasPlan ? kpis([["forecast calls", fix(s.forecast_calls, 0)], ["WAPE", pct(s.wape)], ["bias", pct(s.bias)],
      ["band coverage", pct(s.band_coverage)], ["predicted SL", pct(s.predicted_sl)],
      ["intervals meeting goal", `${pct(s.share_met)} (plan ${pct(s.share_predicted_met)})`],
      ["agent-h scheduled / on phone / staffed", `${fix(s.scheduled_hours, 0)} / ${fix(s.planned_net_hours, 0)} / ${fix(s.staffed_hours, 0)}`]])
      : h("p.muted", {}, "No plan: actuals only."),
    tabs, plots,
    h("h2", {}, "Per day"), dayTable(body, hasPlan),
    h("h2", {}, `Intervals that missed the goal (${s.intervals_missed})`),
    causes.length ? h("p#rv-causes", {}, "causes: ", causes.map(([c, n]) => `${c} ${n}`).join(", ")) : null,
    missTable(body, tz, hasPlan),
    h("div#rv-intraday-box"),
  );
  const show = (day) => {
    for (const b of tabs.children) b.classList.toggle("active", b.dataset.day === day);
    drawCharts(plots, rows, tz, s, day === "all" ? rows : rows.filter((r) => localDate(r.t, tz) === day), hasPlan);
  };
  tabs.append(h("button", { type: "button", dataset: { day: "all" }, onclick: () => show("all") }, "Whole period"),
    ...dates.map((d) => h("button", { type: "button", dataset: { day: d }, onclick: () => show(d) }, dayLabel(d))));
  show(dates.length > 1 ? "all" : dates[0]);
}

function drawCharts(el, all, tz, s, sel, hasPlan) {
  charts.forEach((c) => c.destroy()); charts = [];
  const step = all.length > 1 ? all[1].t - all[0].t : 900;
  const xs = sel.map((r) => r.t);
  const col = (k, f = (v) => v) => sel.map((r) => (r[k] === null || r[k] === undefined ? null : f(r[k])));
  const stepped = uPlot.paths.stepped({ align: 1 });
  const c1 = h("div.chart#rv-chart-calls", {}, h("h3", {}, "Calls offered: actual vs forecast (with its band)"));
  const c2 = h("div.chart#rv-chart-agents", {}, h("h3", {}, "Agents: scheduled, planned on the phone and actually staffed (from the agent column)"));
  const c3 = h("div.chart#rv-chart-service", {}, h("h3", {}, `Service level (% answered in ${s.answer_s} s): actual vs predicted; intervals that missed the goal shaded`));
  el.replaceChildren(c1, c2, c3);
  const line = (label, stroke, extra = {}) => ({ label, stroke, width: 1.5, paths: stepped, ...extra });
  charts.push(timeChart(c1, "review-calls", tz, {
    series: [{}, line("actual", "#222", { width: 2 }), line("forecast", "#1f5fa8", { show: hasPlan }),
      line("band low", "rgba(31,95,168,0.35)", { show: hasPlan }), line("band high", "rgba(31,95,168,0.35)", { show: hasPlan })],
    bands: hasPlan ? [{ series: [4, 3], fill: "rgba(31,95,168,0.16)" }] : [],
    axes: [timeAxis(tz), { label: "calls", labelSize: 18 }],
  }, [xs, col("offered"), col("forecast_calls"), col("calls_lower"), col("calls_upper")]));
  charts.push(timeChart(c2, "review-agents", tz, {
    series: [{}, line("scheduled", "#1f5fa8", { show: hasPlan }), line("planned on the phone", "#7e57c2", { show: hasPlan, dash: [5, 3] }),
      line("staffed (actual)", "#ef6c00", { width: 2 })],
    axes: [timeAxis(tz), intAxis("agents")],
    scales: { y: { range: (u, min, max) => [0, Math.max(1, Math.ceil(max * 1.05))] } },
  }, [xs, col("scheduled"), col("planned_net"), col("agents_staffed")]));
  const missed = sel.map((r) => r.meets_goal === false);
  // no calls forecast, no promise: the plan's SL of an empty interval is not drawn
  const predicted = sel.map((r) => (r.forecast_calls > 0 && r.predicted_sl !== null ? r.predicted_sl * 100 : null));
  const goal = s.goal_service_level;
  charts.push(timeChart(c3, "review-service", tz, {
    series: [{}, { label: "actual", stroke: "#222", width: 1.5, value: pctValue },
      { label: "predicted (plan)", stroke: "#1f5fa8", width: 1.5, show: hasPlan, value: pctValue },
      { label: `goal ${Math.round(goal * 100)} %`, stroke: "#c62828", dash: [6, 4], width: 1 }],
    axes: [timeAxis(tz), percentAxis("service level")],
    scales: { y: { range: [0, 100] } },
    hooks: { drawClear: [columnsHook(step, (i) => missed[i], "rgba(198,40,40,0.14)")] },
  }, [xs, col("service_level", p100), predicted, xs.map(() => goal * 100)]));
  el.dataset.points = String(xs.length); el.dataset.missed = String(missed.filter(Boolean).length);
}

function dayTable(body, hasPlan) {
  const weeks = body.weeks.length > 1 || body.days.length > 1
    ? body.weeks.map((w) => ({ ...w, date: `week of ${w.week}` })) : [];
  const cols = [
    { key: "date", label: "day", cls: "l", fmt: (v) => (v.startsWith("week") ? v : dayLabel(v)) },
    { key: "offered", label: "offered", fmt: (v) => fix(v, 0) },
    ...(hasPlan ? [{ key: "forecast_calls", label: "forecast", fmt: (v) => fix(v, 0) },
      { key: "wape", label: "WAPE", fmt: (v) => pct(v) }, { key: "bias", label: "bias", fmt: (v) => pct(v) }] : []),
    { key: "service_level", label: "actual SL", fmt: (v) => pct(v) },
    ...(hasPlan ? [{ key: "predicted_sl", label: "predicted SL", fmt: (v) => pct(v) }] : []),
    { key: "asa_s", label: "ASA s", fmt: (v) => fix(v, 1) }, { key: "abandon_rate", label: "abandon", fmt: (v) => pct(v) },
    { key: "aht_s", label: "AHT s", fmt: (v) => fix(v, 0) },
    ...(hasPlan ? [{ key: "scheduled_hours", label: "scheduled agent-h", fmt: (v) => fix(v, 1) },
      { key: "planned_net_hours", label: "on the phone (plan) agent-h", fmt: (v) => fix(v, 1) }] : []),
    { key: "staffed_hours", label: "staffed agent-h", fmt: (v) => fix(v ?? null, 1) },
    { key: "share_met", label: "intervals meeting goal", fmt: (v, r) => (hasPlan ? `${pct(v, 0)} (plan ${pct(r.share_predicted_met, 0)})` : pct(v, 0)) },
  ];
  return table(cols, [...body.days, ...weeks], { id: "rv-day-table",
    rowClass: (r) => (r.service_level !== null && r.service_level < body.summary.goal_service_level ? "miss" : null) });
}

function missTable(body, tz, hasPlan) {
  const cols = [
    { key: "interval_start", label: "interval", cls: "l", fmt: (v) => dayTime(epoch(v), tz) },
    { key: "offered", label: "offered", fmt: (v) => fix(v, 0) },
    ...(hasPlan ? [{ key: "forecast_calls", label: "forecast", fmt: (v) => fix(v, 1) }] : []),
    { key: "service_level", label: "SL", fmt: (v) => pct(v, 0) },
    ...(hasPlan ? [{ key: "predicted_sl", label: "predicted", fmt: (v) => pct(v, 0) }] : []),
    { key: "aht_s", label: "AHT s", fmt: (v) => fix(v, 0) },
    { key: "agents_staffed", label: "staffed", fmt: (v) => fix(v, 1) },
    ...(hasPlan ? [{ key: "planned_net", label: "on the phone (plan)", fmt: (v) => fix(v, 1) },
      { key: "cause", label: "cause", cls: "l" }, { key: "cause_detail", label: "detail", cls: "l wrap" }] : []),
  ];
  return h("div.scroll", {}, table(cols, body.misses, { id: "rv-miss-table" }));
}

function intraday(el, plan, review) {
  const box = el.querySelector("#rv-intraday-box");
  const first = review.summary.start;
  const now = h("input#rv-now", { type: "datetime-local", value: `${first}T12:00` });
  const prior = h("input#rv-prior", { type: "number", min: 0, max: 100000, value: 100 });
  const out = h("div#rv-intraday");
  const go = h("button#run-intraday", { type: "submit" }, "Re-forecast the rest of the day");
  box.replaceChildren(h("h2", {}, "Intraday: re-forecast the rest of a day from the calls seen so far"),
    h("form.card.row#intraday-form", { onsubmit: async (ev) => {
      ev.preventDefault(); go.disabled = true; out.dataset.ready = "false";
      try {
        const fd = new FormData();
        fd.append("plan", plan.id); fd.append("now", now.value); fd.append("prior_calls", prior.value);
        showIntraday(out, await postForm("/v1/intraday", fd));
        out.dataset.ready = "true";
      } catch (e) { toast(e.message); } finally { go.disabled = false; }
    } }, h("label", {}, `now (local time, ${review.tz})`, now), h("label", {}, "prior weight (calls)", prior), go),
    out);
}

function showIntraday(el, body) {
  const s = body.summary; const tz = body.tz;
  const rows = body.intervals.map((r) => ({ ...r, t: epoch(r.interval_start) }));
  const chart = h("div.chart#rv-chart-intraday", {}, h("h3", {}, "Rest of the day: calls (plan vs re-forecast) and predicted service level"));
  const risk = rows.filter((r) => r.at_risk || r.action);
  el.replaceChildren(
    kpis([["calls so far", `${fix(s.observed_calls, 0)} (plan ${fix(s.expected_calls, 0)})`], ["volume ratio", fix(s.ratio, 2)],
      ["AHT ratio", fix(s.aht_ratio, 2)], ["rest of day calls", `${fix(s.rest_calls, 0)} (plan ${fix(s.rest_plan_calls, 0)})`],
      ["rest of day SL", `${pct(s.rest_service_level)} (plan ${pct(s.rest_plan_service_level)})`],
      ["intervals at risk", String(s.intervals_at_risk)]]),
    chart,
    h("h3", {}, "Intervals needing action"),
    risk.length ? table([
      { key: "interval_start", label: "interval", cls: "l", fmt: (v) => dayTime(epoch(v), tz) },
      { key: "calls", label: "calls (re-forecast)", fmt: (v) => fix(v, 1) }, { key: "plan_calls", label: "plan calls", fmt: (v) => fix(v, 1) },
      { key: "scheduled", label: "scheduled", fmt: (v) => fix(v, 0) }, { key: "agents_required", label: "required", fmt: (v) => fix(v, 0) },
      { key: "service_level", label: "SL", fmt: (v) => pct(v, 0) }, { key: "action", label: "action", cls: "l" },
    ], risk, { id: "rv-intraday-table", rowClass: (r) => (r.at_risk ? "miss" : null) }) : h("p.muted", {}, "None."));
  const xs = rows.map((r) => r.t);
  const stepped = uPlot.paths.stepped({ align: 1 });
  charts.push(timeChart(chart, "review-intraday", tz, {
    series: [{}, { label: "plan calls", stroke: "#1f5fa8", paths: stepped, width: 1.5 },
      { label: "re-forecast calls", stroke: "#222", paths: stepped, width: 2 },
      { label: "SL plan", scale: "sl", stroke: "#7e57c2", dash: [5, 3], value: pctValue },
      { label: "SL re-forecast", scale: "sl", stroke: "#c62828", value: pctValue }],
    axes: [timeAxis(tz), { label: "calls", labelSize: 18 },
      { scale: "sl", side: 1, grid: { show: false }, values: (u, v) => v.map((x) => `${x.toFixed(0)} %`) }],
    scales: { sl: { range: [0, 100] } },
  }, [xs, rows.map((r) => r.plan_calls), rows.map((r) => r.calls), rows.map((r) => p100(r.plan_sl)), rows.map((r) => p100(r.service_level))]));
}
