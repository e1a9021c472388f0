// Events: motion events live over /ws (snapshot, then motion updates), or filtered from GET /api/events
// with "Load more" paging. While a filter is set, live events that do not match it are not inserted.
import { api, handled } from '../api.js';
import { inSite, selectedSite, siteCameras } from '../sites.js';
import * as socket from '../socket.js';
import { h, fill, field, timeEl, toDate, q, query } from '../dom.js';

const PAGE = 50;
const MAX_LIVE_ROWS = 500;

export function mount(root, { signal }) {
  const cameraSelect = h('select', { id: 'events-camera' }, h('option', { value: '' }, 'All cameras'));
  const from = h('input', { id: 'events-from', type: 'datetime-local' });
  const to = h('input', { id: 'events-to', type: 'datetime-local' });
  const filterError = h('p', { id: 'events-filter-error', class: 'error', role: 'alert' });
  const mode = h('p', { id: 'events-mode', class: 'muted', role: 'status' });
  const list = h('ul', { id: 'event-list', class: 'event-list', 'aria-live': 'polite', 'aria-label': 'Motion events' });
  const empty = h('p', { id: 'events-empty', class: 'muted' });
  const more = h('button', { id: 'events-more', type: 'button', class: 'secondary' }, 'Load more');
  const form = h('form', { id: 'events-filter', class: 'filters', 'aria-label': 'Filter events' },
    field('Camera', cameraSelect), field('From', from), field('To', to),
    h('div', { class: 'actions' },
      h('button', { id: 'events-apply', type: 'submit' }, 'Apply'),
      h('button', { id: 'events-clear', type: 'button', class: 'secondary' }, 'Clear')),
    filterError);
  fill(root, h('h1', null, 'Events'), form, mode, list, empty, more);

  const names = new Map();
  const rows = new Map(); // eventId → {ev, li}
  let filter = null; // {camera, from: Date|null, to: Date|null} while filtering
  let cursor; // undefined: first page not asked for yet; null: no more pages
  let generation = 0; // bumped on every reset so answers for an old filter are dropped

  const nameOf = (id) => names.get(id) || id;

  const matches = (ev) => {
    if (!inSite(ev)) return false;
    if (!filter) return true;
    const t = toDate(ev.startedAt);
    return (!filter.camera || ev.cameraId === filter.camera)
      && (!filter.from || (t && t >= filter.from)) && (!filter.to || (t && t <= filter.to));
  };

  const refreshEmpty = () => {
    empty.hidden = rows.size > 0;
    empty.textContent = filter ? 'No events match the filter.' : 'No motion events yet.';
  };

  const add = (ev, where) => {
    const li = eventRow(ev, nameOf(ev.cameraId));
    rows.set(ev.eventId, { ev, li });
    if (where === 'top') list.prepend(li); else insertByTime(list, li, ev.startedAt);
    refreshEmpty();
  };

  const update = (row, changes) => {
    const next = { ...row.ev, ...changes, hasSnapshot: row.ev.hasSnapshot || Boolean(changes.hasSnapshot) };
    if (next.hasSnapshot && !row.ev.hasSnapshot) {
      const li = eventRow(next, nameOf(next.cameraId));
      row.li.replaceWith(li);
      row.li = li;
    } else {
      setRowState(row.li, next);
    }
    row.ev = next;
  };

  /** Stored events (snapshot or a page): update known rows, insert the rest in time order. */
  const merge = (stored) => {
    for (const ev of stored) {
      const row = rows.get(ev.eventId);
      if (row) update(row, ev);
      else if (matches(ev)) add(ev, 'ordered');
    }
  };

  const reset = (newFilter) => {
    generation++;
    filter = newFilter;
    cursor = undefined;
    rows.clear();
    fill(list);
    more.hidden = false;
    mode.textContent = filter
      ? 'Showing events that match the filter. New live events appear only if they match it.'
      : 'Showing live motion events, newest first.';
    refreshEmpty();
  };

  const loadPage = async () => {
    const gen = generation;
    more.disabled = true;
    try {
      const page = await api(`/api/events${query({
        site: selectedSite(), camera: filter && filter.camera, from: filter && filter.from && filter.from.toISOString(),
        to: filter && filter.to && filter.to.toISOString(), limit: PAGE, cursor,
      })}`, { signal });
      if (gen !== generation) return;
      merge(page.items || []);
      cursor = page.next || null;
      more.hidden = cursor === null;
    } catch (e) {
      if (!handled(e)) throw e;
    } finally {
      more.disabled = false;
    }
  };

  const showLive = () => {
    reset(null);
    merge(socket.latestEvents());
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = { camera: cameraSelect.value, from: toDate(from.value), to: toDate(to.value) };
    if (f.from && f.to && f.from > f.to) {
      filterError.textContent = '"From" must be before "To".';
      return;
    }
    filterError.textContent = '';
    if (!f.camera && !f.from && !f.to) { showLive(); return; }
    reset(f);
    loadPage();
  });
  form.querySelector('#events-clear').addEventListener('click', () => {
    form.reset();
    filterError.textContent = '';
    showLive();
  });
  more.addEventListener('click', loadPage);

  const offSnapshot = socket.on('snapshot', (msg) => merge(msg.events || []));
  const offMotion = socket.on('motion', (m) => {
    const row = rows.get(m.eventId);
    if (row) {
      update(row, {
        lastAt: m.at, score: Math.max(Number(row.ev.score) || 0, Number(m.score) || 0),
        endedAt: m.phase === 'end' ? m.at : row.ev.endedAt,
      });
      return;
    }
    const ev = fromMotion(m);
    if (!matches(ev)) return;
    add(ev, 'top');
    if (!filter && rows.size > MAX_LIVE_ROWS) dropOldest(list, rows);
  });

  showLive();
  siteCameras({ signal }).then((cameras) => {
    for (const cam of cameras) {
      names.set(cam.id, cam.name || cam.id);
      cameraSelect.append(h('option', { value: cam.id }, cam.name || cam.id));
    }
    for (const el of list.querySelectorAll('[data-camera] .ev-camera')) {
      el.textContent = nameOf(el.closest('[data-camera]').dataset.camera);
    }
  }).catch((e) => { if (!handled(e)) throw e; });

  return () => { offSnapshot(); offMotion(); };
}

/** A live MotionEvent in the shape of a stored event (labels and snapshot come later, from the store). */
function fromMotion(m) {
  return {
    eventId: m.eventId, cameraId: m.cameraId, site: m.site, startedAt: m.startedAt || m.at, lastAt: m.at,
    endedAt: m.phase === 'end' ? m.at : null, score: m.score, zone: m.zone, labels: [], hasSnapshot: false,
  };
}

function insertByTime(list, li, startedAt) {
  const t = Date.parse(startedAt);
  for (const child of list.children) {
    if (Date.parse(child.dataset.started) < t) { list.insertBefore(li, child); return; }
  }
  list.append(li);
}

function dropOldest(list, rows) {
  const last = list.lastElementChild;
  if (!last) return;
  rows.delete(last.dataset.eventId);
  last.remove();
}

const scoreText = (score) => (typeof score === 'number' ? score.toFixed(2) : '—');
const labelsText = (labels) => (labels && labels.length ? labels.join(', ') : 'none');

function eventRow(ev, cameraName) {
  const started = toDate(ev.startedAt);
  const when = started ? started.toLocaleString() : '';
  const li = h('li', { class: 'event', 'data-event-id': ev.eventId, 'data-camera': ev.cameraId,
    'data-started': ev.startedAt },
  ev.hasSnapshot
    ? h('img', { class: 'thumb', src: `/api/events/${encodeURIComponent(ev.eventId)}/snapshot`, loading: 'lazy',
      width: 160, height: 90, alt: `Snapshot of motion on ${cameraName} at ${when}` })
    : h('div', { class: 'thumb none', 'aria-hidden': 'true' }),
  h('div', { class: 'event-body' },
    h('p', { class: 'event-title' }, h('span', { class: 'ev-camera' }, cameraName),
      h('span', { class: 'muted' }, ' · site '), h('span', { class: 'ev-site' }, ev.site)),
    h('p', { class: 'event-meta' }, timeEl(ev.startedAt),
      ' · score ', h('span', { class: 'ev-score' }, scoreText(ev.score)),
      ' · ', h('span', { class: 'ev-state' }),
      ev.zone ? [' · zone ', h('span', { class: 'ev-zone' }, ev.zone)] : null,
      ' · labels: ', h('span', { class: 'ev-labels' }, labelsText(ev.labels)))),
  h('a', { class: 'button secondary play', href: `#/recordings?camera=${q(ev.cameraId)}&at=${q(ev.startedAt)}` },
    'Play', h('span', { class: 'visually-hidden' }, ` recording of ${cameraName} at ${when}`)));
  setRowState(li, ev);
  return li;
}

/** The parts of a row that change while an event is running. */
function setRowState(li, ev) {
  li.querySelector('.ev-score').textContent = scoreText(ev.score);
  li.querySelector('.ev-labels').textContent = labelsText(ev.labels);
  const state = li.querySelector('.ev-state');
  state.textContent = ev.endedAt ? 'ended' : 'ongoing';
  li.dataset.ended = ev.endedAt ? 'true' : 'false';
}
