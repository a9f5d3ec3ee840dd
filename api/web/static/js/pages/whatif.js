// What-if: run named scenarios (overrides of a base plan: the bundled sample, an earlier plan
// job or an uploaded plan TOML + data CSV) and a cost-vs-service curve as one job, then
// compare them side by side (table and bar charts) and draw the curve.
import { del, get, post, postForm, watch } from "../api.js";
import { h, money, pct, fix, statusBadge, table, toast } from "../dom.js";
import { duration } from "../time.js";

const PRESETS = [
  ["volume +10%", { volume_scale: 1.1 }],
  ["AHT +15 s", { aht_delta_s: 15 }],
  ["90/15", { service_level: 0.9, answer_s: 15 }],
  ["shrinkage 35%", { shrinkage: 0.35 }],
];
const KEYS = ["volume_scale", "aht_delta_s", "service_level", "answer_s", "shrinkage", "max_occupancy"];
let alive = false; let plots = [];
export function leave() { alive = false; plots.forEach((p) => p.destroy()); plots = []; }

export async function render(app, id) {
  alive = true;
  const samples = (await get("/v1/samples")).filter((s) => s.available);
  const rowsEl = h("tbody#scenario-rows");
  const addRow = (name = "", ov = {}) => rowsEl.append(h("tr", {},
    h("td", {}, h("input", { type: "text", name: "name", value: name, placeholder: "name" })),
    KEYS.map((k) => h("td", {}, h("input", { type: "number", step: "any", name: k, value: ov[k] ?? "", style: { width: "80px" } }))),
    h("td", {}, h("button.secondary", { type: "button", onclick: (ev) => ev.target.closest("tr").remove() }, "remove"))));
  PRESETS.slice(0, 2).forEach(([n, o]) => addRow(n, o));
  const plans = (await get("/v1/jobs?kind=plan&status=done&limit=20")).items;
  const base = h("select#wi-base", {},
    samples.map((s) => h("option", { value: `sample:${s.name}` }, `bundled: ${s.name}`)),
    plans.map((j) => h("option", { value: `plan:${j.id}` },
      `plan ${j.id.slice(0, 8)}: ${j.result?.plan?.start || "?"} (${j.result?.plan?.days || "?"} d)`)),
    h("option", { value: "upload" }, "upload a plan TOML + data CSV"));
  const days = h("input#wi-days", { type: "number", min: 1, max: 28, value: 7 });
  const limit = h("input#wi-time-limit", { type: "number", min: 1, value: 30 });
  const sim = h("input#wi-simulate", { type: "checkbox" });
  const tomlFile = h("input#wi-toml", { type: "file", accept: ".toml" });
  const dataFile = h("input#wi-data", { type: "file", accept: ".csv,text/csv" });
  const curve = h("input#wi-curve", { type: "text", value: "0.7, 0.8, 0.9", size: 18 });
  const live = h("div.card#wi-live", { hidden: true });
  const results = h("div#wi-results");
  const past = h("div#wi-past");
  const go = h("button#run-scenarios", { type: "submit" }, "Run scenarios");
  const sampleBox = h("div.row", {}, h("label", {}, "days", days),
    h("label", {}, "solver time limit per solve (s)", limit), h("label", {}, "simulate", sim));
  const uploadBox = h("div.row", {}, h("label", {}, "plan TOML", tomlFile), h("label", {}, "history or call log (CSV)", dataFile));
  const asIs = h("p.muted#wi-base-note", {}, "");
  const sync = () => {
    const kind = base.value.split(":")[0];
    sampleBox.hidden = kind !== "sample"; uploadBox.hidden = kind !== "upload";
    asIs.textContent = kind === "plan" ? "The plan's config and data as that plan job was run (days, time limit, simulation)."
      : kind === "upload" ? "The TOML is used as it is: its [plan] days, [solver] time_limit_s and [simulation]; it is checked by the server (errors name the key)." : "";
  };
  base.addEventListener("change", sync);
  if (!samples.length) base.value = plans.length ? `plan:${plans[0].id}` : "upload";
  sync();
  const form = h("form.card#whatif-form", { onsubmit: async (ev) => {
    ev.preventDefault(); go.disabled = true;
    try {
      const scenarios = [...rowsEl.children].map((tr) => {
        const name = tr.querySelector("[name=name]").value.trim();
        const overrides = {};
        for (const k of KEYS) { const v = tr.querySelector(`[name=${k}]`).value; if (v !== "") overrides[k] = Number(v); }
        return { name, overrides };
      }).filter((x) => x.name);
      const targets = curve.value.split(",").map((x) => x.trim()).filter(Boolean).map(Number);
      const [kind, ref] = [base.value.split(":")[0], base.value.split(":").slice(1).join(":")];
      let job;
      if (kind === "sample") {
        const s = await get(`/v1/samples/${ref}`);
        const config = structuredClone(s.config);
        config.plan = { ...config.plan, days: Number(days.value) };
        config.solver = { ...config.solver, time_limit_s: Number(limit.value) };
        config.simulation = { ...config.simulation, enabled: sim.checked, replications: Math.min(config.simulation?.replications || 10, 10) };
        job = await post("/v1/scenarios", { config, data: s.data, scenarios, curve: targets.length ? targets : null });
      } else {
        const fd = new FormData();
        if (kind === "plan") fd.append("plan", ref);
        else {
          if (!tomlFile.files[0] || !dataFile.files[0]) throw new Error("choose both a plan TOML and a data CSV");
          fd.append("config", tomlFile.files[0]); fd.append("data", dataFile.files[0]);
        }
        fd.append("scenarios", JSON.stringify(scenarios));
        if (targets.length) fd.append("curve", JSON.stringify(targets));
        job = await postForm("/v1/scenarios", fd);
      }
      follow(job, live, results, past);
    } catch (e) { toast(e.message); } finally { go.disabled = false; }
  } },
  h("div.row", {}, h("label", {}, "base plan", base),
    h("label", {}, "cost-vs-service targets (fractions)", curve)), sampleBox, uploadBox, asIs,
  h("h2", {}, "Scenarios (blank = unchanged; the base plan is added)"),
  h("table.scenario-rows", {}, h("thead", {}, h("tr", {}, h("th.l", {}, "name"), KEYS.map((k) => h("th", {}, k)), h("th"))), rowsEl),
  h("div.row", { style: { marginTop: "8px" } },
    h("button.secondary", { type: "button", onclick: () => addRow() }, "add scenario"),
    PRESETS.map(([n, o]) => h("button.secondary", { type: "button", onclick: () => addRow(n, o) }, `+ ${n}`)), go));
  app.replaceChildren(h("h1", {}, "What-if"), form, live, results,
    h("h2", {}, "Past comparisons"), past);
  // the sample's own days and time limit, filled in before the page counts as ready
  const prefill = samples[0] ? get(`/v1/samples/${samples[0].name}`).then((s) => {
    days.value = s.config.plan?.days || 7; limit.value = s.config.solver?.time_limit_s || 30;
  }).catch((e) => toast(e.message)) : null;
  await Promise.all([showPast(past, live, results), prefill]);
  if (id) { const job = await get(`/v1/scenarios/${encodeURIComponent(id)}`); showResult(results, job); }
}

async function follow(job, live, results, past) {
  live.hidden = false;
  const body = h("div");
  const cancel = h("button.danger#cancel-scenarios", { type: "button", onclick: () => del(`/v1/scenarios/${job.id}`).catch((e) => toast(e.message)) }, "Cancel");
  live.replaceChildren(h("h2", {}, `Comparison ${job.id.slice(0, 8)}`), body, cancel);
  live.dataset.status = job.status;
  const done = await watch(`/v1/scenarios/${job.id}`, (j) => {
    if (!alive) return;
    const p = j.progress || {};
    body.replaceChildren(h("div.kpis.progress-line", {}, [["status", statusBadge(j.status)], ["stage", p.stage || "-"],
      ["incumbent", money(p.incumbent)], ["gap", p.gap === null || p.gap === undefined ? "-" : pct(p.gap, 2)], ["elapsed", duration(p.elapsed_s)]]
      .map(([k, v]) => h("div.kpi", {}, h("b", {}, v), h("span", {}, k)))), h("p.muted", {}, p.detail || ""),
    ...(j.error ? [h("p.error", {}, j.error.detail)] : []));
    live.dataset.status = j.status; cancel.hidden = ["done", "failed", "cancelled"].includes(j.status);
  });
  if (!alive) return;
  showResult(results, done);
  await showPast(past, live, results);
}

async function showPast(el, live, results) {
  const page = await get("/v1/jobs?kind=scenarios&limit=10");
  if (!page.items.length) { el.replaceChildren(h("p.muted", {}, "None yet.")); return; }
  el.replaceChildren(table([
    { key: "created_at", label: "created (UTC)", cls: "l", fmt: (v) => v.replace("T", " ").slice(0, 19) },
    { key: "status", label: "status", cls: "l", fmt: (v) => statusBadge(v) },
    { key: "n", label: "scenarios", fmt: (_, j) => String(j.result && j.result.scenarios ? j.result.scenarios.length : "-") },
    { key: "id", label: "", cls: "l", fmt: (id, j) => (j.result ? h("a", { href: `#/whatif/${id}` }, "show") : "") },
  ], page.items, { id: "wi-past-table" }));
}

function showResult(el, job) {
  plots.forEach((p) => p.destroy()); plots = [];
  const rows = (job.result && job.result.scenarios) || [];
  if (!rows.length) { el.replaceChildren(h("p.muted", {}, `No results (${job.status}).`)); return; }
  const cols = [
    { key: "scenario", label: "scenario", cls: "l" }, { key: "status", label: "roster", cls: "l" },
    { key: "calls", label: "calls", fmt: (v) => fix(v, 0) }, { key: "aht_s", label: "AHT s", fmt: (v) => fix(v, 0) },
    { key: "required_agent_hours", label: "required agent-h", fmt: (v) => fix(v, 1) },
    { key: "agent_hours", label: "paid agent-h", fmt: (v) => fix(v, 1) }, { key: "cost", label: "cost", fmt: money },
    { key: "headcount", label: "headcount" }, { key: "service_level", label: "pred. SL", fmt: (v) => pct(v) },
    { key: "simulated_service_level", label: "sim. SL", fmt: (v) => pct(v) },
    { key: "asa_s", label: "ASA s", fmt: (v) => fix(v, 1) }, { key: "abandon_rate", label: "abandon", fmt: (v) => pct(v) },
    { key: "intervals_under_goal", label: "intervals under goal" }, { key: "gap", label: "MIP gap", fmt: (v) => pct(v, 2) },
  ];
  const bars = h("div.chart#wi-bars", {}, h("h3", {}, "Cost (bars, left) and predicted service level (dots, right) per scenario"));
  const curveEl = h("div.chart#wi-curve-chart", {}, h("h3", {}, "Cost vs service: wage cost per predicted weekly service level"));
  const curve = (job.result.curve || []).filter((r) => r.service_level !== null && r.cost !== null)
    .sort((a, b) => a.service_level - b.service_level);
  el.replaceChildren(h("h2", {}, `Comparison ${job.id.slice(0, 8)}`), table(cols, rows, { id: "compare-table" }),
    h("div.grid2", {}, bars, curve.length ? curveEl : h("p.muted", {}, "No curve in this comparison.")),
    h("p.downloads", {}, Object.entries(job.links).filter(([k]) => k !== "self").map(([k, v]) => h("a", { href: v, download: k }, k))));
  const names = rows.map((r) => r.scenario);
  const w = Math.max(360, bars.clientWidth - 4);
  const xi = names.map((_, i) => i);
  const p1 = new uPlot({ width: w, height: 260, scales: { x: { time: false, range: [-0.6, names.length - 0.4] }, y: { range: (u, min, max) => [0, max * 1.1] }, sl: { range: [0, 100] } },
    series: [{ value: (u, v) => (v === null ? "" : names[Math.round(v)] ?? "") },
      { label: "cost", fill: "rgba(31,95,168,0.55)", stroke: "#1f5fa8", paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false } },
      { label: "predicted SL %", scale: "sl", stroke: "#c62828", width: 0, points: { show: true, size: 9, fill: "#c62828" }, value: (u, v) => (v === null ? "-" : `${v.toFixed(1)} %`) }],
    axes: [{ splits: () => xi, values: (u, s) => s.map((v) => names[v] ?? ""), gap: 6 },
      { label: "cost", labelSize: 18 }, { scale: "sl", side: 1, grid: { show: false }, values: (u, s) => s.map((v) => `${v.toFixed(0)} %`) }],
  }, [xi, rows.map((r) => r.cost), rows.map((r) => (r.service_level === null ? null : r.service_level * 100))], bars);
  plots.push(p1); window.staffingCharts["whatif-bars"] = p1;
  if (curve.length) {
    const p2 = new uPlot({ width: Math.max(360, curveEl.clientWidth - 4), height: 260, scales: { x: { time: false } },
      series: [{ label: "predicted SL", value: (u, v) => (v === null ? "-" : `${v.toFixed(1)} %`) },
        { label: "cost", stroke: "#1f5fa8", width: 2, points: { show: true, size: 8 } }],
      axes: [{ label: "predicted weekly service level", labelSize: 18, values: (u, s) => s.map((v) => `${v.toFixed(1)} %`) },
        { label: "cost", labelSize: 18 }],
    }, [curve.map((r) => r.service_level * 100), curve.map((r) => r.cost)], curveEl);
    plots.push(p2); window.staffingCharts["whatif-curve"] = p2;
  }
  el.dataset.job = job.id;
}
