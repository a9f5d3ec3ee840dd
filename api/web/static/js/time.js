// Times in the site's zone (IANA), whatever the browser's zone: Intl does the conversion.
const cache = new Map();
function fmt(tz, opts) {
  const k = tz + JSON.stringify(opts);
  if (!cache.has(k)) cache.set(k, new Intl.DateTimeFormat("en-GB", { timeZone: tz, ...opts }));
  return cache.get(k);
}
function parts(ts, tz) {
  const o = {};
  for (const p of fmt(tz, { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
    minute: "2-digit", weekday: "short", hourCycle: "h23" }).formatToParts(new Date(ts * 1000))) o[p.type] = p.value;
  return o;
}
/** Epoch seconds of an ISO 8601 timestamp with offset. */
export const epoch = (iso) => Date.parse(iso) / 1000;
/** Local date "YYYY-MM-DD" in tz. */
export function localDate(ts, tz) { const p = parts(ts, tz); return `${p.year}-${p.month}-${p.day}`; }
/** Minutes since local midnight in tz. */
export function localMinutes(ts, tz) { const p = parts(ts, tz); return Number(p.hour) * 60 + Number(p.minute); }
/** "Mon 08:30" */
export function dayTime(ts, tz) { const p = parts(ts, tz); return `${p.weekday} ${p.hour}:${p.minute}`; }
/** "08:30" */
export function hm(ts, tz) { const p = parts(ts, tz); return `${p.hour}:${p.minute}`; }
/** "Mon 01 Mar" for a local date string. */
export function dayLabel(date) {
  const d = new Date(`${date}T12:00:00Z`);
  return fmt("UTC", { weekday: "short", day: "2-digit", month: "short" }).format(d);
}
/** Short zone name at ts, e.g. "GMT+2". */
export function zoneName(ts, tz) {
  const p = fmt(tz, { timeZoneName: "short" }).formatToParts(new Date(ts * 1000));
  const z = p.find((x) => x.type === "timeZoneName");
  return z ? z.value : tz;
}
/** Minutes "HH:MM" -> number. */
export function clockMinutes(s) { const [h, m] = s.split(":").map(Number); return h * 60 + (m || 0); }
/** Nice "1.2 s / 3 min" for elapsed seconds. */
export function duration(s) {
  if (s === null || s === undefined) return "-";
  return s < 120 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
