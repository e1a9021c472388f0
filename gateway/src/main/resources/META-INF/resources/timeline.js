// The timeline's arithmetic (design 0020 §3), apart from the page: zoom levels, the view around a moment, axis
// ticks. Times are epoch milliseconds; the display is the viewer's local time. Spans (segments merged where they meet)
// come from the event service (GET /api/segments/spans).

/** The zoom levels, widest first: 24 h down to 1 min. */
export const ZOOMS = [
  { ms: 24 * 3600e3, label: '24 h', tick: 3 * 3600e3 },
  { ms: 6 * 3600e3, label: '6 h', tick: 3600e3 },
  { ms: 3600e3, label: '1 h', tick: 10 * 60e3 },
  { ms: 15 * 60e3, label: '15 min', tick: 2 * 60e3 },
  { ms: 5 * 60e3, label: '5 min', tick: 60e3 },
  { ms: 60e3, label: '1 min', tick: 10e3 },
];

/** The view of width zoom.ms around `at`, kept inside [dayStart, dayEnd]. */
export function viewAround(at, zoom, dayStart, dayEnd) {
  const width = Math.min(zoom.ms, dayEnd - dayStart);
  let start = at - width / 2;
  start = Math.max(dayStart, Math.min(start, dayEnd - width));
  return { start, end: start + width };
}

/** Tick times (ms) of a view: on whole multiples of the zoom's tick in local time. */
export function ticks(view, zoom) {
  const out = [];
  const offset = new Date(view.start).getTimezoneOffset() * 60e3; // local time's whole units
  let t = Math.ceil((view.start - offset) / zoom.tick) * zoom.tick + offset;
  for (; t <= view.end; t += zoom.tick) out.push(t);
  return out;
}

const pad = (n) => String(n).padStart(2, '0');

/** A tick's label: hours and minutes, with seconds when the ticks are under a minute apart. */
export function tickLabel(t, zoom) {
  const d = new Date(t);
  return zoom.tick < 60e3 ? `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
    : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Local "HH:MM:SS" of a moment, for labels (the UTC form goes in a title). */
export function clock(t) {
  const d = new Date(t);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Where `t` lies in the view, as a percentage of its width (may fall outside 0..100). */
export function percent(t, view) {
  return ((t - view.start) / (view.end - view.start)) * 100;
}
