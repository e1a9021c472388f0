// Settings: a sub-navigation over sections; admin-only sections are neither linked nor rendered for others
// (the gateway refuses their calls anyway, this just keeps the page honest).
import { api, atLeast, handled } from '../api.js';
import { h, fill, timeEl, bytes, field, hhmm, localDay } from '../dom.js';
import * as users from './users.js';
import * as tokens from './tokens.js';
import * as cameras from './cameras.js';

const SECTIONS = [
  { path: '/settings/users', title: 'Users & sites', admin: true, mount: users.mount,
    about: 'Accounts, roles and which sites each user may see.' },
  { path: '/settings/tokens', title: 'API tokens', admin: true, mount: tokens.mount,
    about: 'Tokens for scripts and integrations.' },
  { path: '/settings/cameras', title: 'Cameras', admin: false, mount: cameras.mount,
    about: 'The cameras of your sites: add, test, edit, zones and privacy masks.' },
  { path: '/settings/storage', title: 'Storage', admin: true, mount: storage,
    about: 'Where recordings are kept and how much space stays free.' },
  { path: '/settings/retention', title: 'Retention & legal holds', admin: false, mount: retention,
    about: 'How long recordings are kept, and legal holds.' },
];

export function mount(root, ctx) {
  const isAdmin = atLeast(ctx.me.role, 'admin');
  const visible = SECTIONS.filter((s) => isAdmin || !s.admin);
  const section = SECTIONS.find((s) => s.path === ctx.path);
  const content = h('div', { class: 'settings-content' });
  fill(root,
    h('h1', null, 'Settings'),
    h('nav', { class: 'subnav', 'aria-label': 'Settings sections' }, h('ul', null, visible.map((s) =>
      h('li', null, h('a', { href: `#${s.path}`, 'aria-current': s === section ? 'page' : null }, s.title))))),
    content);

  if (!section) {
    fill(content,
      h('ul', { class: 'overview' }, visible.map((s) =>
        h('li', null, h('a', { href: `#${s.path}` }, s.title), ' — ', s.about))),
      isAdmin ? null : adminNote());
    return null;
  }
  if (section.admin && !isAdmin) {
    fill(content, adminNote());
    return null;
  }
  return section.mount(content, ctx);
}

function adminNote() {
  return h('p', { class: 'note', id: 'settings-admin-note' },
    'Users, API tokens and storage are managed by administrators.');
}

const HOLD_KIND_TEXT = { range: 'Camera and time', event: 'Event', export: 'Export' };
const two = (n) => String(n).padStart(2, '0');
const localValue = (d) => `${localDay(d)}T${hhmm(d)}:${two(d.getSeconds())}`;

function retention(root, { me, signal }) {
  const isAdmin = atLeast(me.role, 'admin');
  if (!atLeast(me.role, 'operator')) {
    fill(root, h('h2', null, 'Retention & legal holds'),
      h('p', { class: 'note', id: 'holds-denied' }, 'Legal holds are placed by operators and released by admins.'));
    return null;
  }
  const holdsBody = h('div', { id: 'holds' }, h('p', { class: 'muted' }, 'Loading…'));
  const dry = h('div', { id: 'retention-dry-run', 'aria-live': 'polite' });
  const load = () => api('/api/retention/holds', { signal }).then((list) => {
    if (!list.length) { fill(holdsBody, h('p', { id: 'holds-empty' }, 'No legal holds on your sites.')); return; }
    fill(holdsBody, h('table', { id: 'hold-table' },
      h('caption', { class: 'visually-hidden' }, 'Legal holds'),
      h('thead', null, h('tr', null, ['Cameras', 'Held', 'Footage', 'Case', 'Reason', 'Placed', 'State', ''].map((c) =>
        h('th', { scope: 'col' }, c)))),
      h('tbody', null, list.map((hold) => h('tr', { 'data-hold': hold.id, 'data-active': String(!hold.releasedAt) },
        h('th', { scope: 'row' }, hold.cameras.join(', ')),
        h('td', null, HOLD_KIND_TEXT[hold.kind] || hold.kind,
          hold.eventId || hold.exportId ? h('span', { class: 'muted small', title: hold.eventId || hold.exportId },
            ` ${String(hold.eventId || hold.exportId).slice(0, 8)}…`) : null),
        h('td', null, timeEl(hold.from), ' – ', timeEl(hold.to)),
        h('td', null, hold.caseId), h('td', null, hold.reason),
        h('td', null, timeEl(hold.placedAt), ` by ${hold.placedBy}`),
        h('td', null, hold.releasedAt ? h('span', null, 'Released ', timeEl(hold.releasedAt), ` by ${hold.releasedBy}`)
          : (hold.expiresAt ? h('span', null, 'Active until ', timeEl(hold.expiresAt)) : 'Active')),
        h('td', null, isAdmin && !hold.releasedAt ? h('button', {
          type: 'button', 'data-action': 'release',
          'aria-label': `Release the hold on ${hold.cameras.join(', ')}, case ${hold.caseId}`,
          onclick: () => {
            if (!confirm(`Release the legal hold for case ${hold.caseId}? Its footage becomes subject to retention again.`)) return;
            api(`/api/retention/holds/${encodeURIComponent(hold.id)}/release`, { method: 'POST', signal }).then(load)
              .catch((e) => { if (!handled(e)) throw e; });
          },
        }, 'Release') : null))))));
  }).catch((e) => { if (!handled(e)) throw e; });
  fill(root, h('h2', null, 'Retention & legal holds'),
    h('p', { class: 'note' }, 'Recordings, events and detector data older than their retention period are deleted, '
      + 'as are the oldest recordings when a quota is exceeded or the disk runs low — never anything under a legal '
      + 'hold. Operators place holds; admins release them. Both are audited.'),
    h('h3', null, 'Legal holds'), holdsBody,
    holdForm(load, signal),
    isAdmin ? h('section', { 'aria-labelledby': 'dry-run-heading' },
      h('h3', { id: 'dry-run-heading' }, 'What the next run would delete'),
      h('button', { type: 'button', id: 'retention-dry-run-button', onclick: () => {
        fill(dry, h('p', { class: 'muted' }, 'Checking…'));
        // recordings are retention-service's; the event store's days are event-service's own retention
        Promise.all([api('/api/retention/dry-run', { signal }), api('/api/events/retention/dry-run', { signal })])
          .then(([r, e]) => fill(dry, dryRunReport(r, e)))
          .catch((e) => { if (!handled(e)) throw e; });
      } }, 'Dry run'), dry) : null);
  load();
  return null;
}

/**
 * A dry run's figures: recordings by path (retention-service), then event-store rows by table (event-service, whose
 * errors, such as holds it cannot read, are shown). Nothing was deleted.
 */
function dryRunReport(r, e) {
  const path = (label, d) => h('tr', null, h('th', { scope: 'row' }, label), h('td', null, String(d.segments)),
    h('td', null, bytes(d.bytes)), h('td', null, d.oldest ? [timeEl(d.oldest), ' – ', timeEl(d.newest)] : '—'));
  const rows = Object.entries(e.events || {});
  return [
    h('table', { id: 'dry-run-recordings' },
      h('caption', null, 'Recordings'),
      h('thead', null, h('tr', null, ['Why', 'Recordings', 'Size', 'Footage'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, path('Older than their retention period', r.byAge),
        path('Over a camera or site quota', r.byQuota), path('Low disk space (oldest first)', r.byLowDisk))),
    rows.length ? h('table', { id: 'dry-run-events' },
      h('caption', null, 'Events and detector data (whole days)'),
      h('thead', null, h('tr', null, ['Table', 'Rows', 'Kept: under a legal hold'].map((c) =>
        h('th', { scope: 'col' }, c)))),
      h('tbody', null, rows.map(([table, x]) => h('tr', null, h('th', { scope: 'row' }, table),
        h('td', null, String(x.deleted)), h('td', null, String(x.keptHeld)))))) : null,
    ...(e.errors || []).map((msg) => h('p', { class: 'error', role: 'alert' }, msg)),
    h('p', null, `In all ${r.segments} recordings, ${bytes(r.bytes)}; each reason is counted as if it ran alone. `
      + 'Nothing was deleted.'),
  ];
}

/** Placing a legal hold: on a camera and time range, on an event, or on an export (operators and admins). */
function holdForm(reload, signal) {
  const kind = h('select', { id: 'hold-kind', name: 'kind' },
    h('option', { value: 'range' }, 'A camera and time range'),
    h('option', { value: 'event' }, 'An event'),
    h('option', { value: 'export' }, 'An export'));
  const now = new Date();
  const camera = h('input', { id: 'hold-camera', name: 'cameraId', autocomplete: 'off' });
  const from = h('input', { id: 'hold-from', type: 'datetime-local', step: 1,
    value: localValue(new Date(now.getTime() - 3600e3)) });
  const to = h('input', { id: 'hold-to', type: 'datetime-local', step: 1, value: localValue(now) });
  const eventId = h('input', { id: 'hold-event', name: 'eventId', autocomplete: 'off' });
  const exportId = h('input', { id: 'hold-export', name: 'exportId', autocomplete: 'off' });
  const caseId = h('input', { id: 'hold-case', name: 'caseId', required: true, maxlength: 100, autocomplete: 'off' });
  const reason = h('input', { id: 'hold-reason', name: 'reason', required: true, minlength: 3, maxlength: 500 });
  const expires = h('input', { id: 'hold-expires', type: 'datetime-local', step: 1 });
  const status = h('p', { id: 'hold-status', role: 'status', class: 'muted' });
  const groups = {
    range: h('div', { class: 'stack' }, field('Camera ID', camera), field('From', from), field('To', to)),
    event: h('div', { class: 'stack', hidden: true }, field('Event ID', eventId, 'From the event list or the API.')),
    export: h('div', { class: 'stack', hidden: true }, field('Export ID', exportId,
      'A finished export: every camera of it, over its range, is held.')),
  };
  kind.addEventListener('change', () => {
    for (const [k, g] of Object.entries(groups)) g.hidden = k !== kind.value;
  });
  const form = h('form', { id: 'hold-form', class: 'stack', 'aria-labelledby': 'hold-heading' },
    h('h3', { id: 'hold-heading' }, 'Place a legal hold'),
    field('What to hold', kind), groups.range, groups.event, groups.export,
    field('Case ID', caseId), field('Reason', reason, 'Why the footage must be kept (3 to 500 characters).'),
    field('Expires (optional)', expires, 'Leave empty to keep it until an admin releases it.'),
    h('button', { type: 'submit', id: 'hold-submit' }, 'Place hold'), status);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = { caseId: caseId.value.trim(), reason: reason.value.trim() };
    if (kind.value === 'range') {
      if (!from.value || !to.value) { fill(status, 'Give the start and end of the footage.'); return; }
      Object.assign(body, { cameraId: camera.value.trim(), from: new Date(from.value).toISOString(),
        to: new Date(to.value).toISOString() });
    } else if (kind.value === 'event') {
      body.eventId = eventId.value.trim();
    } else {
      body.exportId = exportId.value.trim();
    }
    if (expires.value) body.expiresAt = new Date(expires.value).toISOString();
    fill(status, 'Placing…');
    api('/api/retention/holds', { method: 'POST', body, signal, quiet: true }).then((hold) => {
      fill(status, `Hold placed for case ${hold.caseId} on ${hold.cameras.join(', ')}.`);
      reload();
    }).catch((e) => {
      if (e.name === 'AbortError') return;
      fill(status, h('span', { class: 'warning' }, e.message));
    });
  });
  return form;
}

function storage(root, { signal }) {
  const facts = h('dl', { id: 'storage-facts', class: 'facts' });
  const dir = h('input', { id: 'storage-dir', name: 'recordingsDir', required: true, autocomplete: 'off' });
  const minFree = h('input', { id: 'storage-min-free', name: 'minFreeGiB', type: 'number', min: 0, step: 0.1 });
  const done = h('p', { id: 'storage-status', class: 'muted', role: 'status' });
  const save = h('button', { id: 'storage-save', type: 'submit', disabled: true }, 'Save');
  const form = h('form', { id: 'storage-form', class: 'stack' },
    field('Recordings directory', dir, 'New recordings go here; older ones stay readable where they are.'),
    field('Minimum free space (GiB)', minFree, 'Recording stops before the disk gets fuller than this.'),
    save, done);
  fill(root, h('h2', null, 'Storage'), facts, form);

  let current = null;
  let shownMinFree = ''; // compared as text: the GiB field is rounded, so bytes would always differ
  const show = (s) => {
    current = s;
    save.disabled = false;
    dir.value = s.recordingsDir || '';
    minFree.value = typeof s.minFreeBytes === 'number' ? (s.minFreeBytes / 2 ** 30).toFixed(1) : '';
    shownMinFree = minFree.value;
    fill(facts,
      h('dt', null, 'Recordings directory'), h('dd', null, h('code', null, s.recordingsDir || '—')),
      h('dt', null, 'Free space'), h('dd', null, `${bytes(s.freeBytes)} of ${bytes(s.totalBytes)}`),
      h('dt', null, 'Minimum free space'), h('dd', null, bytes(s.minFreeBytes)),
      h('dt', null, 'Former directories'), h('dd', null, (s.formerDirs || []).length
        ? h('ul', null, s.formerDirs.map((d) => h('li', null, h('code', null, d)))) : 'none'));
  };

  const confirmBox = h('div', { id: 'storage-confirm', class: 'note', hidden: true });
  form.append(confirmBox);
  let pending = null; // a change retention would delete footage for, waiting for the admin's yes

  const send = async (body) => {
    save.disabled = true;
    try {
      const updated = await api('/api/recorder/storage', { method: 'PUT', body, signal, quiet: true });
      pending = null;
      confirmBox.hidden = true;
      show(updated || { ...current, ...body });
      done.textContent = 'Storage settings saved.';
    } catch (err) {
      if (err.code === 'confirmation_required') {
        // the change would make retention delete footage: show what, and make the admin say yes to exactly that
        pending = { ...body, confirm: err.details.confirm };
        const w = err.details.wouldDelete;
        fill(confirmBox,
          h('p', { class: 'warning' }, err.message),
          w ? h('p', null, `${w.segments} recordings, ${bytes(w.bytes)}`,
            w.oldest ? ` (from ${new Date(w.oldest).toLocaleString()} to ${new Date(w.newest).toLocaleString()})` : '',
            ', oldest first; footage under legal hold is never deleted.') : null,
          h('button', { id: 'storage-confirm-yes', type: 'button', class: 'danger',
            onclick: () => send(pending) }, 'Delete that footage and save'),
          h('button', { type: 'button', onclick: () => { pending = null; confirmBox.hidden = true; } }, 'Cancel'));
        confirmBox.hidden = false;
        done.textContent = '';
      } else if (handled(err)) {
        done.textContent = err.message;
      } else {
        throw err;
      }
    } finally {
      save.disabled = false;
    }
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    if (dir.value.trim() && dir.value.trim() !== current.recordingsDir) body.recordingsDir = dir.value.trim();
    if (minFree.value !== '' && minFree.value !== shownMinFree) {
      body.minFreeBytes = Math.round(Number(minFree.value) * 2 ** 30);
    }
    if (!Object.keys(body).length) { done.textContent = 'Nothing changed.'; return; }
    if (!body.recordingsDir) body.recordingsDir = current.recordingsDir;
    await send(body);
  });

  api('/api/recorder/storage', { signal }).then(show).catch((e) => {
    done.textContent = 'Storage settings could not be loaded.';
    if (!handled(e)) throw e;
  });
}
