// The public HTTP API, and nothing else: every request goes to this server's /v1 routes.
const KEY = "staffing.apiKey";

export function apiKey() { return sessionStorage.getItem(KEY) || ""; }
export function setApiKey(v) {
  if (v) sessionStorage.setItem(KEY, v); else sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(status, body) {
    const detail = body && body.detail !== undefined ? body.detail : body;
    const text = typeof detail === "string" ? detail : JSON.stringify(detail);
    super(`${status}: ${text}${body && body.field ? ` (field ${body.field})` : ""}`);
    this.status = status; this.body = body;
  }
}

async function request(method, url, { json, form } = {}) {
  const headers = { Accept: "application/json" };
  const opts = { method, headers };
  if (method !== "GET" && apiKey()) headers["X-API-Key"] = apiKey();
  if (json !== undefined) { headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(json); }
  if (form !== undefined) opts.body = form;
  const res = await fetch(url, opts);
  const type = res.headers.get("content-type") || "";
  const body = type.includes("json") ? await res.json() : await res.text();
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

export const get = (url) => request("GET", url);
export const post = (url, json) => request("POST", url, { json });
export const postForm = (url, form) => request("POST", url, { form });
export const del = (url) => request("DELETE", url);

/** Text of a job's file (CSV, JSON); null when the job has no such file. */
export async function file(job, name) {
  const url = job.links && job.links[name];
  if (!url) return null;
  const res = await fetch(url);
  if (!res.ok) throw new ApiError(res.status, await res.text());
  return res.text();
}

/** Text of a GET (a bundled sample file). */
export async function getText(url) {
  const res = await fetch(url);
  if (!res.ok) throw new ApiError(res.status, await res.text());
  return res.text();
}

export const jobUrl = { plan: "/v1/plans", scenarios: "/v1/scenarios", roster: "/v1/roster-jobs", agents: "/v1/agents" };

/** Poll a job until it finishes; onUpdate(job) after every read. */
export async function watch(url, onUpdate, { intervalMs = 700, signal } = {}) {
  for (;;) {
    const job = await get(url);
    onUpdate(job);
    if (["done", "failed", "cancelled"].includes(job.status)) return job;
    if (signal && signal.aborted) return job;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
