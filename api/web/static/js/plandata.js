// A finished plan job's files, read through the API and parsed once per page.
import { file, get } from "./api.js";
import { num, parseCsv } from "./csv.js";
import { h } from "./dom.js";
import { epoch, localDate } from "./time.js";

/** Pick a plan when none is in the URL: the newest finished one. */
export async function resolvePlanId(id) {
  if (id) return id;
  const last = sessionStorage.getItem("staffing.lastPlan");
  if (last) return last;
  const page = await get("/v1/jobs?kind=plan&status=done&limit=1");
  return page.items.length ? page.items[0].id : "";
}

export function noPlan(app, title) {
  app.replaceChildren(h("h1", {}, title), h("p", {}, "No finished plan yet: ",
    h("a", { href: "#/plans" }, "start one on the Plans page"), "."));
}

/** {job, tz, freqMin, goal, forecast, coverage, service, shifts, days} for a done plan. */
export async function loadPlan(id, names) {
  const job = await get(`/v1/plans/${encodeURIComponent(id)}`);
  if (job.status !== "done") throw new Error(`plan ${id.slice(0, 8)} is ${job.status}, not done`);
  sessionStorage.setItem("staffing.lastPlan", id);
  const r = job.result || {};
  const tz = (r.plan && r.plan.tz) || (r.forecast && r.forecast.tz) || "UTC";
  const freqMin = (r.plan && r.plan.interval_min) || (r.forecast && r.forecast.freq_min) || 15;
  const goal = r.evaluation ? r.evaluation.goal_service_level : (r.plan && r.plan.goals && r.plan.goals.service_level);
  const out = { job, tz, freqMin, goal, summary: r };
  const texts = await Promise.all(names.map((n) => file(job, n)));
  names.forEach((n, i) => {
    const rows = texts[i] === null ? [] : parseCsv(texts[i]);
    for (const row of rows) if (row.interval_start) row.t = epoch(row.interval_start);
    out[n.replace(".csv", "")] = rows;
  });
  const first = out.coverage || out.forecast || [];
  out.days = [...new Set(first.map((row) => localDate(row.t, tz)))];
  return out;
}

export { num };
