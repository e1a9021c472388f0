// DOM building and formatting helpers. Everything that may carry server text goes through
// createTextNode / setAttribute here, so no page ever needs innerHTML.

/**
 * h('button', {type: 'button', onclick: fn, 'aria-pressed': false}, 'Text', childNode, [more])
 * Attributes: functions under on* become listeners; null/undefined (and false, except for aria-*) are skipped;
 * true becomes an empty attribute (aria-* get "true"/"false"). Children: strings/numbers become text nodes, null/false are skipped.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value == null || (value === false && !name.startsWith('aria-'))) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true && !name.startsWith('aria-') ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content (text-safe, like h's children). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let nextId = 0;
/** A unique id for label/input pairs built at run time. */
export const uid = (prefix) => `${prefix}-${++nextId}`;

/** A labelled form row; the control gets the given id (or a fresh one) so the label points at it. */
export function field(labelText, control, hint) {
  if (!control.id) control.id = uid('f');
  const hintEl = hint ? h('p', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, labelText), control, hintEl);
}

const pad = (n) => String(n).padStart(2, '0');

/** Local "HH:MM" of a Date. */
export const hhmm = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;

/** Local yyyy-mm-dd of a Date (the value format of <input type=date>). */
export const localDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** Parses a server timestamp; null when absent or invalid. */
export function toDate(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * <time> showing a server timestamp in the browser's local time, with the UTC ISO form in title
 * (control rooms often compare against UTC logs). style: 'datetime' | 'time'.
 */
export function timeEl(iso, style = 'datetime') {
  const d = toDate(iso);
  if (!d) return h('span', { class: 'muted' }, '—');
  const utc = d.toISOString();
  const text = style === 'time' ? d.toLocaleTimeString() : d.toLocaleString();
  return h('time', { datetime: utc, title: utc }, text);
}

/** Human size in binary units (the recorder reports bytes). */
export function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** encodeURIComponent that keeps ':' readable (allowed in a query) so ISO times stay legible in links. */
export const q = (v) => encodeURIComponent(String(v)).replace(/%3A/gi, ':');

/** A query string from an object, skipping empty values. */
export function query(params) {
  const parts = Object.entries(params)
    .filter(([, v]) => v != null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${q(v)}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

const SVG_NS = 'http://www.w3.org/2000/svg';
/** An SVG element with attributes (values as strings). */
export function svgEl(tag, attrs = {}) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** An <svg> over a picture in its 0..1 coordinates (scaled to 1000 units, stretched to the box). */
export const pictureSvg = (attrs) => svgEl('svg', { viewBox: '0 0 1000 1000', preserveAspectRatio: 'none', ...attrs });

/** SVG polygon points for points in 0..1 picture coordinates. */
export const polygonPoints = (points) => points.map((p) => `${p.x * 1000},${p.y * 1000}`).join(' ');

/** Camera state as shown everywhere: text plus a class for colour (never colour alone). */
export const STATE_TEXT = { online: 'Online', offline: 'Offline', no_signal: 'No signal', disabled: 'Disabled',
  no_capture_node: 'No capture node', unknown: 'Unknown' };
export const stateOf = (status) => (status && STATE_TEXT[status.state] && status.state !== 'unknown' ? status.state : 'unknown');

/** Checkboxes for a user's or token's sites: "All sites" ("*") or any of the known sites. */
export function sitePicker(sites, selected = [], legend = 'Sites') {
  const all = h('input', { type: 'checkbox', value: '*', id: uid('site') });
  const boxes = sites.map((s) => h('input', { type: 'checkbox', value: s, id: uid('site') }));
  all.checked = selected.includes('*');
  for (const b of boxes) b.checked = selected.includes(b.value);
  // "All sites" already covers every site, so the single ones are switched off while it is ticked
  const sync = () => { for (const b of boxes) b.disabled = all.checked; };
  all.addEventListener('change', sync);
  sync();
  const row = (input, text) => h('div', { class: 'check' }, input, h('label', { for: input.id }, text));
  const el = h('fieldset', { class: 'sites' }, h('legend', null, legend),
    row(all, 'All sites'), boxes.map((b) => row(b, b.value)),
    sites.length ? null : h('p', { class: 'hint' }, 'No sites with cameras yet.'));
  const value = () => (all.checked ? ['*'] : boxes.filter((b) => b.checked).map((b) => b.value));
  return { el, value };
}

/** A user's or token's sites as text. */
export const sitesText = (sites) => ((sites || []).includes('*') ? 'All sites' : (sites || []).join(', ') || 'none');

/** A <select> of roles. */
export function roleSelect(current = 'viewer') {
  const select = h('select', { id: uid('role') },
    ['viewer', 'operator', 'admin'].map((r) => h('option', { value: r, selected: r === current }, r)));
  return select;
}
