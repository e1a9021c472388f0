// Events: motion events live over /ws (snapshot, then motion updates), or filtered from GET /api/events
// with "Load more" paging. While a filter is set, live events that do not match it are not inserted.
// Review (design 0020): each event shows whether you reviewed it and whether the team did; events are marked one by
// one or in bulk, and the keyboard works a shift: j/k next or previous event, r reviewed, t reviewed for the team,
// x select, Enter plays the recording.
import { api, atLeast, handled } from '../api.js';
import { inSite, selectedSite, siteCameras } from '../sites.js';
import * as socket from '../socket.js';
import { h, fill, field, timeEl, toDate, q, query } from '../dom.js';

const PAGE = 50;
const MAX_LIVE_ROWS = 500;

export function mount(root, { me, signal }) {
  const teamAllowed = atLeast(me.role, 'operator');
  const cameraSelect = h('select', { id: 'events-camera' }, h('option', { value: '' }, 'All cameras'));
  const label = h('input', { id: 'events-label', type: 'text', list: 'events-labels', autocomplete: 'off',
    pattern: '[a-z][a-z0-9_-]{0,31}', placeholder: 'e.g. person' });
  const labels = h('datalist', { id: 'events-labels' },
    ['person', 'car', 'truck', 'bicycle', 'motorcycle', 'bus', 'dog', 'cat'].map((l) => h('option', { value: l })));
  const zone = h('input', { id: 'events-zone', type: 'text', maxlength: 64, autocomplete: 'off' });
  const reviewed = h('select', { id: 'events-reviewed' },
    h('option', { value: '' }, 'Any'), h('option', { value: 'notmine' }, 'Not reviewed by me'),
    h('option', { value: 'mine' }, 'Reviewed by me'), h('option', { value: 'notteam' }, 'Not reviewed by the team'),
    h('option', { value: 'team' }, 'Reviewed by the team'));
  const from = h('input', { id: 'events-from', type: 'datetime-local' });
  const to = h('input', { id: 'events-to', type: 'datetime-local' });
  const filterError = h('p', { id: 'events-filter-error', class: 'error', role: 'alert' });
  const mode = h('p', { id: 'events-mode', class: 'muted', role: 'status' });
  const list = h('ul', { id: 'event-list', class: 'event-list', 'aria-live': 'polite', 'aria-label': 'Motion events' });
  const empty = h('p', { id: 'events-empty', class: 'muted' });
  const more = h('button', { id: 'events-more', type: 'button', class: 'secondary' }, 'Load more');
  const form = h('form', { id: 'events-filter', class: 'filters', 'aria-label': 'Filter events' },
    field('Camera', cameraSelect), field('Label', label), labels, field('Zone', zone), field('Review', reviewed),
    field('From', from), field('To', to),
    h('div', { class: 'actions' },
      h('button', { id: 'events-apply', type: 'submit' }, 'Apply'),
      h('button', { id: 'events-clear', type: 'button', class: 'secondary' }, 'Clear')),
    filterError);
  const selectAll = h('input', { id: 'events-select-all', type: 'checkbox' });
  const markMine = h('button', { id: 'events-mark', type: 'button', disabled: true }, 'Mark reviewed');
  const markTeam = teamAllowed ? h('button', { id: 'events-mark-team', type: 'button', class: 'secondary',
    disabled: true }, 'Mark reviewed for the team') : null;
  const bulkStatus = h('p', { id: 'events-bulk-status', class: 'muted', role: 'status' });
  const bulk = h('div', { id: 'events-bulk', class: 'bulk', role: 'group', 'aria-label': 'Selected events' },
    h('label', { class: 'inline' }, selectAll, ' Select all shown'), markMine, markTeam, bulkStatus);
  const keys = h('p', { class: 'hint', id: 'events-keys' }, 'Keys: j / k next or previous event, r reviewed, '
    + (teamAllowed ? 't reviewed for the team, ' : '') + 'x select, Enter play.');
  fill(root, h('h1', null, 'Events'), form, mode, bulk, keys, list, empty, more);

  const names = new Map();
  const rows = new Map(); // eventId → {ev, li}
  let filter = null; // {camera, label, zone, reviewed, from: Date|null, to: Date|null} while filtering
  let cursor; // undefined: first page not asked for yet; null: no more pages
  let generation = 0; // bumped on every reset so answers for an old filter are dropped

  const nameOf = (id) => names.get(id) || id;

  const matches = (ev) => {
    if (!inSite(ev)) return false;
    if (!filter) return true;
    const t = toDate(ev.startedAt);
    // a new event has no labels yet and nobody has reviewed it
    return (!filter.camera || ev.cameraId === filter.camera) && (!filter.zone || ev.zone === filter.zone)
      && (!filter.label || (ev.labels || []).includes(filter.label))
      && (!filter.reviewed || filter.reviewed.startsWith('not'))
      && (!filter.from || (t && t >= filter.from)) && (!filter.to || (t && t <= filter.to));
  };

  const refreshEmpty = () => {
    empty.hidden = rows.size > 0;
    empty.textContent = filter ? 'No events match the filter.' : 'No motion events yet.';
  };

  const selected = () => [...list.querySelectorAll('input[data-select]:checked')]
    .map((c) => c.closest('[data-event-id]').dataset.eventId);
  const refreshBulk = () => {
    const n = selected().length;
    markMine.disabled = n === 0;
    if (markTeam) markTeam.disabled = n === 0;
    selectAll.checked = n > 0 && n === rows.size;
  };

  /** Marks events reviewed (or not) by me, and for the team with team; the rows show it once the store has it. */
  const review = async (ids, value, team) => {
    if (!ids.length) return;
    bulkStatus.textContent = `Saving ${ids.length} event${ids.length === 1 ? '' : 's'}…`;
    try {
      await api('/api/events/reviews', { method: 'POST', body: { events: ids, reviewed: value, team } });
      for (const id of ids) {
        const row = rows.get(id);
        if (!row) continue;
        const changes = { reviewed: value };
        if (team) Object.assign(changes, value ? { teamReviewedBy: me.username, teamReviewedAt: new Date().toISOString() }
          : { teamReviewedBy: null, teamReviewedAt: null });
        update(row, changes);
        const box = row.li.querySelector('input[data-select]');
        if (box) box.checked = false;
      }
      bulkStatus.textContent = `${ids.length} event${ids.length === 1 ? '' : 's'} marked ${value ? '' : 'not '}`
        + `reviewed${team ? ' for the team' : ''}.`;
    } catch (e) {
      bulkStatus.textContent = '';
      if (!handled(e)) throw e;
    }
    refreshBulk();
  };

  const add = (ev, where) => {
    const li = eventRow(ev, nameOf(ev.cameraId), { teamAllowed, review });
    rows.set(ev.eventId, { ev, li });
    if (where === 'top') list.prepend(li); else insertByTime(list, li, ev.startedAt);
    refreshEmpty();
  };

  const update = (row, changes) => {
    const next = { ...row.ev, ...changes, hasSnapshot: row.ev.hasSnapshot || Boolean(changes.hasSnapshot) };
    if (next.hasSnapshot && !row.ev.hasSnapshot) {
      const li = eventRow(next, nameOf(next.cameraId), { teamAllowed, review });
      row.li.replaceWith(li);
      row.li = li;
    } else {
      setRowState(row.li, next);
    }
    row.ev = next;
  };

  /**
   * Stored events (the socket's snapshot, or a page the server filtered: fromPage): update known rows, insert the
   * rest in time order.
   */
  const merge = (stored, fromPage) => {
    for (const ev of stored) {
      const row = rows.get(ev.eventId);
      if (row) update(row, ev);
      else if (fromPage || matches(ev)) add(ev, 'ordered');
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
        site: selectedSite(), camera: filter && filter.camera, type: filter && filter.label,
        zone: filter && filter.zone, reviewed: filter && filter.reviewed,
        from: filter && filter.from && filter.from.toISOString(),
        to: filter && filter.to && filter.to.toISOString(), limit: PAGE, cursor,
      })}`, { signal });
      if (gen !== generation) return;
      merge(page.items || [], true);
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
    const f = { camera: cameraSelect.value, label: label.value.trim(), zone: zone.value.trim(),
      reviewed: reviewed.value, from: toDate(from.value), to: toDate(to.value) };
    if (f.from && f.to && f.from > f.to) {
      filterError.textContent = '"From" must be before "To".';
      return;
    }
    if (f.label && !/^[a-z][a-z0-9_-]{0,31}$/.test(f.label)) {
      filterError.textContent = 'A label is a lower-case word such as person.';
      return;
    }
    filterError.textContent = '';
    if (!f.camera && !f.label && !f.zone && !f.reviewed && !f.from && !f.to) { showLive(); return; }
    reset(f);
    loadPage();
  });
  form.querySelector('#events-clear').addEventListener('click', () => {
    form.reset();
    filterError.textContent = '';
    showLive();
  });
  more.addEventListener('click', loadPage);
  list.addEventListener('change', (e) => { if (e.target.matches('input[data-select]')) refreshBulk(); });
  selectAll.addEventListener('change', () => {
    for (const c of list.querySelectorAll('input[data-select]')) c.checked = selectAll.checked;
    refreshBulk();
  });
  markMine.addEventListener('click', () => review(selected(), true, false));
  if (markTeam) markTeam.addEventListener('click', () => review(selected(), true, true));

  // the keyboard, outside form fields: move between events, mark, select, play
  const onKey = (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest('input, select, textarea')) return;
    const items = [...list.children].filter((li) => li.dataset.eventId);
    if (!items.length) return;
    const at = items.indexOf(document.activeElement && document.activeElement.closest('[data-event-id]'));
    const current = at >= 0 ? items[at] : null;
    const go = (i) => { const li = items[Math.max(0, Math.min(items.length - 1, i))]; li.focus(); };
    if (e.key === 'j' || (e.key === 'ArrowDown' && current)) { e.preventDefault(); go(at + 1); return; }
    if (e.key === 'k' || (e.key === 'ArrowUp' && current)) { e.preventDefault(); go(at < 0 ? 0 : at - 1); return; }
    if (!current || e.target !== current) return;
    const row = rows.get(current.dataset.eventId);
    if (e.key === 'r') { e.preventDefault(); review([row.ev.eventId], !row.ev.reviewed, false); }
    else if (e.key === 't' && teamAllowed) {
      e.preventDefault();
      review([row.ev.eventId], !row.ev.teamReviewedBy, true);
    } else if (e.key === 'x') {
      e.preventDefault();
      const box = current.querySelector('input[data-select]');
      box.checked = !box.checked;
      refreshBulk();
    } else if (e.key === 'Enter') { e.preventDefault(); current.querySelector('a.play').click(); }
  };
  document.addEventListener('keydown', onKey);

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

  return () => { offSnapshot(); offMotion(); document.removeEventListener('keydown', onKey); };
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

function eventRow(ev, cameraName, { teamAllowed, review }) {
  const started = toDate(ev.startedAt);
  const when = started ? started.toLocaleString() : '';
  const mine = h('button', { type: 'button', class: 'small secondary ev-review', 'data-review': ev.eventId,
    'aria-pressed': 'false', onclick: () => review([ev.eventId], mine.getAttribute('aria-pressed') !== 'true', false) },
  'Reviewed', h('span', { class: 'visually-hidden' }, ` motion on ${cameraName} at ${when}`));
  const team = teamAllowed ? h('button', { type: 'button', class: 'small secondary ev-team', 'data-team': ev.eventId,
    'aria-pressed': 'false', onclick: () => review([ev.eventId], team.getAttribute('aria-pressed') !== 'true', true) },
  'Team', h('span', { class: 'visually-hidden' }, ` reviewed motion on ${cameraName} at ${when}`)) : null;
  const li = h('li', { class: 'event', tabindex: '-1', 'data-event-id': ev.eventId, 'data-camera': ev.cameraId,
    'data-started': ev.startedAt },
  h('input', { type: 'checkbox', 'data-select': ev.eventId, class: 'ev-select',
    'aria-label': `Select motion on ${cameraName} at ${when}` }),
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
      ' · labels: ', h('span', { class: 'ev-labels' }, labelsText(ev.labels))),
    h('p', { class: 'event-review muted' }, h('span', { class: 'ev-team-state' }))),
  h('div', { class: 'event-actions' }, mine, team,
    h('a', { class: 'button secondary play', href: `#/recordings?camera=${q(ev.cameraId)}&at=${q(ev.startedAt)}` },
      'Play', h('span', { class: 'visually-hidden' }, ` recording of ${cameraName} at ${when}`))));
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
  li.dataset.reviewed = ev.reviewed ? 'true' : 'false';
  li.dataset.teamReviewed = ev.teamReviewedBy ? 'true' : 'false';
  li.querySelector('.ev-review').setAttribute('aria-pressed', String(Boolean(ev.reviewed)));
  const team = li.querySelector('.ev-team');
  if (team) team.setAttribute('aria-pressed', String(Boolean(ev.teamReviewedBy)));
  const teamState = li.querySelector('.ev-team-state');
  teamState.textContent = ev.teamReviewedBy ? `Reviewed for the team by ${ev.teamReviewedBy}` : '';
  if (ev.teamReviewedAt) teamState.title = new Date(ev.teamReviewedAt).toISOString();
}
