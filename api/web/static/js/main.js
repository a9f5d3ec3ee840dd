// Hash router of the web view: #/plans, #/week/<plan id>, #/schedule/<plan id>, #/whatif,
// #/review/<plan id>, #/agents[/<agents job id>].
import { apiKey, setApiKey } from "./api.js";
import { h, toast } from "./dom.js";
import * as agents from "./pages/agents.js";
import * as plans from "./pages/plans.js";
import * as review from "./pages/review.js";
import * as schedule from "./pages/schedule.js";
import * as week from "./pages/week.js";
import * as whatif from "./pages/whatif.js";

const PAGES = { plans, week, schedule, whatif, review, agents };
let current = null;

async function route() {
  const [, name = "plans", id = ""] = location.hash.split("/");
  const page = PAGES[name] || plans;
  for (const a of document.querySelectorAll("#nav a[data-page]")) {
    a.classList.toggle("active", a.dataset.page === name);
    if (["week", "schedule"].includes(a.dataset.page)) {
      const last = sessionStorage.getItem("staffing.lastPlan");
      a.href = `#/${a.dataset.page}${last ? "/" + last : ""}`;
    }
  }
  if (current && current.leave) current.leave();
  current = page;
  const app = document.getElementById("app");
  app.replaceChildren(h("p.muted", {}, "Loading..."));
  app.dataset.page = name; app.dataset.ready = "false";
  try {
    await page.render(app, decodeURIComponent(id));
  } catch (err) {
    console.error(err);  // the browser tests fail on console errors
    app.replaceChildren(h("p.error", {}, String(err.message || err)));
    toast(String(err.message || err));
  }
  app.dataset.readyMs = String(Math.round(performance.now()));  // since navigation start
  app.dataset.ready = "true";
}

function keyBox() {
  const input = document.getElementById("api-key"); const state = document.getElementById("key-state");
  input.value = apiKey();
  const show = () => { state.textContent = apiKey() ? "kept for this session" : ""; };
  input.addEventListener("change", () => { setApiKey(input.value.trim()); show(); });
  show();
}

window.addEventListener("hashchange", route);
window.addEventListener("unhandledrejection", (ev) => toast(String(ev.reason && ev.reason.message || ev.reason)));
keyBox();
route();
