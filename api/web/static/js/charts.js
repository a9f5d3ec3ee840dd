// Charts: uPlot (vendored) for time series, a canvas heatmap; times in the site's zone.
import { dayTime, hm, localDate, zoneName } from "./time.js";

/** Charts by name, for people and tests to inspect (window.staffingCharts[name].data). */
window.staffingCharts = window.staffingCharts || {};

const INT_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000];

/** x axis: "HH:MM" ticks, the weekday added where a new local day starts. */
export function timeAxis(tz) {
  return {
    label: `time (${tz})`, labelSize: 18,
    values: (u, splits) => {
      let prev = null;
      return splits.map((ts, i) => {
        const d = localDate(ts, tz);
        const out = (i === 0 || d !== prev) ? dayTime(ts, tz) : hm(ts, tz);
        prev = d;
        return out;
      });
    },
    space: 70,
  };
}

export const intAxis = (label) => ({ label, labelSize: 18, incrs: INT_INCRS,
  values: (u, s) => s.map((v) => v.toFixed(0)) });

export const percentAxis = (label) => ({ label, labelSize: 18,
  values: (u, s) => s.map((v) => `${v.toFixed(0)} %`) });

function width(el) { return Math.max(320, (el.clientWidth || 900) - 4); }

/** A uPlot chart in el; opts are uPlot options minus width/tzDate. */
export function timeChart(el, name, tz, opts, data) {
  const u = new uPlot({
    width: width(el), height: opts.height || 220,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), tz),
    cursor: { sync: { key: "week" } },
    legend: { live: true },
    ...opts,
  }, data, el);
  window.staffingCharts[name] = u;
  return u;
}

/** Draw hook filling [x, x+step) columns where pred(i) with color (behind the series). */
export function columnsHook(step, pred, color) {
  return (u) => {
    const { ctx } = u; const xs = u.data[0];
    const top = u.bbox.top; const h = u.bbox.height;
    ctx.save(); ctx.fillStyle = color;
    for (let i = 0; i < xs.length; i++) {
      if (!pred(i)) continue;
      const x0 = u.valToPos(xs[i], "x", true); const x1 = u.valToPos(xs[i] + step, "x", true);
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), h);
    }
    ctx.restore();
  };
}

/** Draw hook shading between required (series a) and scheduled (series b) per interval:
 * under-staffing red, over-staffing green. */
export function gapHook(step, a, b) {
  return (u) => {
    const { ctx } = u; const xs = u.data[0];
    ctx.save();
    for (let i = 0; i < xs.length; i++) {
      const r = u.data[a][i]; const s = u.data[b][i];
      if (r === null || s === null || r === s) continue;
      ctx.fillStyle = s < r ? "rgba(198,40,40,0.45)" : "rgba(46,125,50,0.22)";
      const x0 = u.valToPos(xs[i], "x", true); const x1 = u.valToPos(xs[i] + step, "x", true);
      const y0 = u.valToPos(r, "y", true); const y1 = u.valToPos(s, "y", true);
      ctx.fillRect(x0, Math.min(y0, y1), Math.max(1, x1 - x0), Math.abs(y1 - y0));
    }
    ctx.restore();
  };
}

/** Day x interval heatmap of scheduled - required (agents): red under, green over. */
export function heatmap(el, name, { days, slots, values, freqMin, tz }) {
  const cell = Math.max(4, Math.min(12, Math.floor((width(el) - 110) / slots.length)));
  const left = 104; const top = 22; const rowH = 22;
  const canvas = document.createElement("canvas");
  const w = left + cell * slots.length + 10; const h = top + rowH * days.length + 6;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = w * ratio; canvas.height = h * ratio;
  canvas.style.width = `${w}px`; canvas.style.height = `${h}px`;
  canvas.className = "heat";
  const ctx = canvas.getContext("2d"); ctx.scale(ratio, ratio);
  let max = 1;
  for (const row of values) for (const v of row) if (v !== null) max = Math.max(max, Math.abs(v));
  ctx.font = "11px system-ui, sans-serif"; ctx.fillStyle = "#647083"; ctx.textBaseline = "middle";
  slots.forEach((m, j) => {
    if (m % 120 === 0) ctx.fillText(`${String(m / 60).padStart(2, "0")}:00`, left + j * cell, top - 10);
  });
  days.forEach((d, i) => {
    ctx.fillStyle = "#1d2430"; ctx.fillText(d.label, 4, top + i * rowH + rowH / 2);
    values[i].forEach((v, j) => {
      const x = left + j * cell; const y = top + i * rowH;
      if (v === null) { ctx.fillStyle = "#eef1f5"; }
      else if (v < 0) { const a = 0.25 + 0.75 * Math.min(1, -v / max); ctx.fillStyle = `rgba(198,40,40,${a})`; }
      else if (v > 0) { const a = 0.15 + 0.7 * Math.min(1, v / max); ctx.fillStyle = `rgba(46,125,50,${a})`; }
      else ctx.fillStyle = "#ffffff";
      ctx.fillRect(x, y + 1, cell - 1, rowH - 2);
    });
  });
  canvas.addEventListener("mousemove", (ev) => {
    const r = canvas.getBoundingClientRect();
    const j = Math.floor((ev.clientX - r.left - left) / cell); const i = Math.floor((ev.clientY - r.top - top) / rowH);
    if (i < 0 || j < 0 || i >= days.length || j >= slots.length) { canvas.title = ""; return; }
    const v = values[i][j]; const m = slots[j];
    const t = `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
    canvas.title = `${days[i].label} ${t} (${freqMin} min): ${v === null ? "no data"
      : v < 0 ? `${-v} under` : v > 0 ? `${v} over` : "exact"}`;
  });
  el.replaceChildren(canvas);
  window.staffingCharts[name] = { days, slots, values, tz };
  return canvas;
}

export { zoneName };
