// Plans: start a plan (bundled sample or uploaded files), watch it live, cancel, list past jobs.
import { del, get, post, postForm, watch } from "../api.js";
import { h, money, pct, fix, statusBadge, table, toast } from "../dom.js";
import { duration } from "../time.js";

const PAGE = 10;
let alive = false;

export function leave() { alive = false; }

export async function render(app) {
  alive = true;
  const samples = await get("/v1/samples");
  const usable = samples.filter((s) => s.available);
  const live = h("div#live.card", { hidden: true });
  const list = h("div#jobs");
  app.replaceChildren(
    h("h1", {}, "Plans"),
    startForm(usable, live, list),
    live,
    h("h2", {}, "Past plans"),
    list,
  );
  await showJobs(list, 0);
}

function field(label, input) { return h("label", {}, label, input); }

function startForm(samples, live, list) {
  const src = h("select#source", {},
    samples.map((s) => h("option", { value: `sample:${s.name}` }, `bundled: ${s.name}`)),
    h("option", { value: "upload" }, "upload files"));
  const start = h("input#start", { type: "date" });
  const days = h("input#days", { type: "number", min: 1, max: 28, value: 7 });
  const limit = h("input#time-limit", { type: "number", min: 1, max: 3600, value: 30, step: 1 });
  const sim = h("input#simulate", { type: "checkbox", checked: true });
  const reps = h("input#replications", { type: "number", min: 2, max: 200, value: 10 });
  const dataFile = h("input#data-file", { type: "file", accept: ".csv,text/csv" });
  const tomlFile = h("input#toml-file", { type: "file", accept: ".toml" });
  const desc = h("p.muted#sample-desc", {}, samples[0] ? samples[0].description : "No bundled data installed: upload a history or call log and a plan TOML.");
  const sampleBox = h("div.row", {}, field("first day", start), field("days", days),
    field("solver time limit (s)", limit), field("simulate", sim), field("replications", reps));
  const uploadBox = h("div.row", { hidden: true },
    field("history or call log (CSV)", dataFile), field("plan TOML", tomlFile));
  const go = h("button#start-plan", { type: "submit" }, "Start plan");
  const sync = () => {
    const up = src.value === "upload";
    sampleBox.hidden = up; uploadBox.hidden = !up; desc.hidden = up;
  };
  src.addEventListener("change", sync);
  if (!samples.length) src.value = "upload";
  sync();
  const cache = {};
  const loadSample = async (name) => (cache[name] ||= await get(`/v1/samples/${name}`));
  if (samples[0]) loadSample(samples[0].name).then((s) => {
    start.value = s.config.plan?.start || ""; days.value = s.config.plan?.days || 7;
    limit.value = s.config.solver?.time_limit_s || 30;
    reps.value = s.config.simulation?.replications || 10;
  }).catch((e) => toast(e.message));

  const form = h("form.card#plan-form", {
    onsubmit: async (ev) => {
      ev.preventDefault(); go.disabled = true;
      try {
        let job;
        if (src.value === "upload") {
          if (!dataFile.files[0] || !tomlFile.files[0]) throw new Error("choose both a data CSV and a plan TOML");
          const fd = new FormData();
          fd.append("config", tomlFile.files[0]); fd.append("data", dataFile.files[0]);
          job = await postForm("/v1/plans", fd);
        } else {
          const s = await loadSample(src.value.slice(7));
          const config = structuredClone(s.config);
          config.plan = { ...config.plan, start: start.value, days: Number(days.value) };
          config.solver = { ...config.solver, time_limit_s: Number(limit.value) };
          config.simulation = { ...config.simulation, enabled: sim.checked, replications: Number(reps.value) };
          job = await post("/v1/plans", { config, data: s.data });
        }
        follow(job, live, list);
      } catch (e) { toast(e.message); } finally { go.disabled = false; }
    },
  }, h("div.row", {}, field("data", src), go), desc, sampleBox, uploadBox);
  return form;
}

function progressView(job, seen = {}) {
  // the latest solver figures stay on screen through later stages (evaluate, simulate)
  for (const [k, v] of Object.entries(job.progress || {})) if (v !== null && v !== undefined) seen[k] = v;
  const r = job.result || {};
  const p = { ...seen, ...(job.status === "done" ? { incumbent: r.objective, bound: r.bound, gap: r.gap } : {}) };
  const kpis = [
    ["status", statusBadge(job.status)], ["stage", p.stage || "-"],
    ["incumbent", money(p.incumbent)], ["bound", money(p.bound)],
    ["gap", p.gap === null || p.gap === undefined ? "-" : pct(p.gap, 2)],
    ["elapsed", duration(p.elapsed_s)],
  ];
  const out = [h("div.kpis.progress-line", {}, kpis.map(([k, v]) => h("div.kpi", { dataset: { k } }, h("b", {}, v), h("span", {}, k))))];
  if (p.detail) out.push(h("p.muted", {}, p.detail));
  if (job.status === "done") {
    out.push(h("div.kpis", {}, [
      ["cost", money(r.cost)], ["agent-hours", fix(r.agent_hours, 1)],
      ["predicted SL", pct(r.service_level)], ["simulated SL", pct(r.simulated_service_level)],
      ["roster", r.status], ["MIP gap", pct(r.gap, 2)],
    ].map(([k, v]) => h("div.kpi", {}, h("b", {}, v), h("span", {}, k)))));
    out.push(h("p", {}, h("a", { href: `#/week/${job.id}` }, "Week view"), " · ",
      h("a", { href: `#/schedule/${job.id}` }, "Schedule"), " · ", h("a", { href: `#/review/${job.id}` }, "Review")));
  }
  if (job.error) out.push(h("p.error", {}, `${job.error.detail}${job.error.field ? ` (${job.error.field})` : ""}`));
  if (job.notes && job.notes.length) out.push(h("details", {}, h("summary", {}, `${job.notes.length} note(s)`), h("ul", {}, job.notes.map((n) => h("li", {}, n)))));
  return out;
}

async function follow(job, live, list) {
  sessionStorage.setItem("staffing.lastPlan", job.id);
  live.hidden = false;
  const cancel = h("button.danger#cancel-plan", { type: "button", onclick: async () => {
    try { await del(`/v1/plans/${job.id}`); } catch (e) { toast(e.message); }
  } }, "Cancel");
  const body = h("div");
  live.replaceChildren(h("h2", {}, `Plan ${job.id.slice(0, 8)}`), body, cancel);
  live.dataset.job = job.id; live.dataset.status = job.status;
  const seen = {};
  const done = await watch(`/v1/plans/${job.id}`, (j) => {
    if (!alive) return;
    body.replaceChildren(...progressView(j, seen)); live.dataset.status = j.status;
    cancel.hidden = ["done", "failed", "cancelled"].includes(j.status);
  });
  if (alive) await showJobs(list, 0);
  return done;
}

async function showJobs(list, offset) {
  const page = await get(`/v1/jobs?kind=plan&limit=${PAGE}&offset=${offset}`);
  if (!page.items.length) { list.replaceChildren(h("p.muted", {}, "No plans yet.")); return; }
  const cols = [
    { key: "created_at", label: "created (UTC)", cls: "l", fmt: (v) => v.replace("T", " ").slice(0, 19) },
    { key: "status", label: "status", cls: "l", fmt: (v) => statusBadge(v) },
    { key: "start", label: "week", cls: "l", fmt: (_, j) => (j.result && j.result.plan ? `${j.result.plan.start} (${j.result.plan.days} d)` : "-") },
    { key: "cost", label: "cost", fmt: (_, j) => money(j.result && j.result.cost) },
    { key: "sl", label: "pred. SL", fmt: (_, j) => pct(j.result && j.result.service_level) },
    { key: "sim", label: "sim. SL", fmt: (_, j) => pct(j.result && j.result.simulated_service_level) },
    { key: "gap", label: "gap", fmt: (_, j) => (j.result ? pct(j.result.gap, 2) : "-") },
    { key: "id", label: "", cls: "l", fmt: (id, j) => j.status === "done"
      ? h("span", {}, h("a", { href: `#/week/${id}` }, "week"), " ", h("a", { href: `#/schedule/${id}` }, "schedule"), " ", h("a", { href: `#/review/${id}` }, "review"))
      : (["queued", "running"].includes(j.status) ? h("a", { href: "#/plans", onclick: (ev) => { ev.preventDefault(); follow(j, document.getElementById("live"), list); } }, "watch") : "") },
  ];
  const nav = h("div.row", {},
    h("button.secondary", { type: "button", disabled: offset === 0, onclick: () => showJobs(list, Math.max(0, offset - PAGE)) }, "newer"),
    h("span.muted", {}, `${offset + 1}-${offset + page.items.length} of ${page.total}`),
    h("button.secondary", { type: "button", disabled: offset + PAGE >= page.total, onclick: () => showJobs(list, offset + PAGE) }, "older"));
  list.replaceChildren(table(cols, page.items, { id: "jobs-table" }), nav);
}
