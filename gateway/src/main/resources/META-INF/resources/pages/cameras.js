// Settings → Cameras (design 0018 §8): a paged, searchable list grouped by site; for admins, add and edit with a
// connection test (the probe's facts and snapshot shown before saving), disable, remove, and a polygon editor for
// zones and privacy masks drawn on a fresh snapshot. Keyboard: Tab to a point, arrow keys move it by 1 % (Shift:
// 5 %), Enter adds a point after it, Delete removes it, Escape ends the shape.
import { api, atLeast, handled, ApiError } from '../api.js';
import * as socket from '../socket.js';
import { h, fill, field, timeEl, STATE_TEXT, stateOf, svgEl, pictureSvg, polygonPoints } from '../dom.js';

const PAGE_SIZE = 50;
const REASON_TEXT = {
  unauthorized: 'The camera refused the user name and password.',
  not_found: 'The camera has no stream at that path.',
  unreachable: 'The camera cannot be reached from its site (no route, refused, or no answer in time).',
  not_video: 'Something answered, but not with a video stream.',
  no_picture: 'Connected, but no picture came in time.',
  codec_not_recordable: 'The camera sends a codec an AVI segment cannot hold.',
  substream_scene_differs: 'The sub-stream shows another scene shape than the main stream.',
  cannot_open: 'The stream cannot be opened.',
};

export function mount(root, { me, signal }) {
  const admin = atLeast(me.role, 'admin');
  const status = h('p', { id: 'cameras-status', class: 'muted', role: 'status' });
  const search = h('input', { id: 'camera-search', type: 'search', autocomplete: 'off', placeholder: 'ID or name' });
  const siteFilter = h('select', { id: 'camera-site' }, h('option', { value: '' }, 'All sites'));
  const list = h('div', { id: 'camera-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const pager = h('nav', { id: 'camera-pager', class: 'actions', 'aria-label': 'Camera list pages' });
  const editor = h('div', { id: 'camera-editor' });
  const add = admin ? h('button', { id: 'camera-add', type: 'button', onclick: () => edit(null) }, 'Add camera') : null;
  // while a camera is added or edited, the form takes the list's place (it would sit below 50 rows otherwise)
  const browse = h('div', { id: 'camera-browse' },
    h('div', { class: 'filters' }, field('Search', search), field('Site', siteFilter), add), list, pager);
  fill(root, h('h2', null, 'Cameras'), status, browse, editor);

  let page = 1;
  let sites = [];
  let loading = null;
  const load = async () => {
    loading?.abort();
    const mine = new AbortController();
    loading = mine;
    signal.addEventListener('abort', () => mine.abort(), { once: true });
    const q = new URLSearchParams({ page, size: PAGE_SIZE, order: 'site' });
    if (search.value.trim()) q.set('q', search.value.trim());
    if (siteFilter.value) q.set('site', siteFilter.value);
    try {
      const { items, total } = await api(`/api/cameras?${q}`, { signal: mine.signal, withTotal: true });
      const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
      if (page > pages) { page = pages; load(); return; }
      fill(list, items.length ? table(items) : h('p', null, total ? 'No camera on this page.' : 'No cameras match.'));
      fill(pager,
        h('button', { id: 'camera-prev', type: 'button', class: 'secondary', disabled: page <= 1,
          onclick: () => { page -= 1; load(); } }, 'Previous'),
        h('span', { id: 'camera-page' }, `Page ${page} of ${pages} (${total} camera${total === 1 ? '' : 's'})`),
        h('button', { id: 'camera-next', type: 'button', class: 'secondary', disabled: page >= pages,
          onclick: () => { page += 1; load(); } }, 'Next'));
    } catch (e) {
      if (!handled(e)) throw e;
    }
  };

  const table = (items) => {
    const groups = new Map();
    for (const cam of items) {
      if (!groups.has(cam.site)) groups.set(cam.site, []);
      groups.get(cam.site).push(cam);
    }
    const columns = ['Name', 'ID', 'State', 'Recording', 'Changed', admin ? 'Actions' : null].filter(Boolean);
    return h('table', { id: 'camera-table' },
      h('caption', { class: 'visually-hidden' }, 'Cameras, grouped by site'),
      h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c)))),
      [...groups.entries()].map(([site, cams]) => h('tbody', { class: 'site-group', 'data-site': site },
        h('tr', null, h('th', { scope: 'rowgroup', colspan: columns.length, class: 'site-heading' },
          `Site ${site}`)),
        cams.map(row))));
  };

  const row = (cam) => {
    const state = cam.enabled === false ? 'disabled' : stateOf(socket.cameraStates.get(cam.id));
    const label = cam.name || cam.id;
    return h('tr', { 'data-camera': cam.id },
      h('th', { scope: 'row' }, label), h('td', null, cam.id),
      h('td', null, h('span', { class: `state-badge state-${state}` }, STATE_TEXT[state] || state)),
      h('td', null, cam.recording ? 'On' : 'Off'),
      h('td', null, timeEl(cam.updatedAt), cam.updatedBy ? ` by ${cam.updatedBy}` : null),
      admin ? h('td', null, h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'small secondary', 'data-action': 'edit', 'aria-label': `Edit ${label}`,
          onclick: () => edit(cam) }, 'Edit'),
        h('button', { type: 'button', class: 'small secondary', 'data-action': 'toggle',
          'aria-label': `${cam.enabled ? 'Disable' : 'Enable'} ${label}`, onclick: () => toggle(cam) },
          cam.enabled ? 'Disable' : 'Enable'),
        h('button', { type: 'button', class: 'small danger', 'data-action': 'remove', 'aria-label': `Remove ${label}`,
          onclick: (e) => confirmRemove(cam, e.currentTarget) }, 'Remove'))) : null);
  };

  const toggle = async (cam) => {
    try {
      await api(`/api/cameras/${encodeURIComponent(cam.id)}/enabled`, { method: 'PUT', body: { enabled: !cam.enabled },
        signal });
      status.textContent = `${cam.id} ${cam.enabled ? 'disabled: capture stops it, its footage stays' : 'enabled'}.`;
      await load();
    } catch (e) {
      if (!handled(e)) throw e;
    }
  };

  const confirmRemove = (cam, opener) => {
    const cell = opener.closest('td');
    const keep = cell.firstChild;
    const cancel = () => { fill(cell, keep); opener.focus(); };
    const yes = h('button', { type: 'button', class: 'small danger', 'data-action': 'confirm-remove',
      onclick: async () => {
        try {
          await api(`/api/cameras/${encodeURIComponent(cam.id)}`, { method: 'DELETE', signal });
          status.textContent = `${cam.id} removed; its footage stays until retention takes it.`;
          await load();
        } catch (e) {
          if (!handled(e)) throw e;
        }
      } }, 'Remove');
    fill(cell, h('div', { class: 'actions', role: 'group', 'aria-label': `Remove ${cam.id}?` },
      h('span', null, `Remove ${cam.id}? Footage stays.`), yes,
      h('button', { type: 'button', class: 'small secondary', onclick: cancel }, 'Keep')));
    yes.focus();
  };

  const edit = async (cam) => {
    let details = null;
    if (cam) {
      try {
        details = await api(`/api/cameras/${encodeURIComponent(cam.id)}`, { signal });
      } catch (e) {
        if (!handled(e)) throw e;
        return;
      }
    }
    browse.hidden = true;
    fill(editor, cameraForm(details, sites, {
      signal,
      saved: async (c, created) => {
        status.textContent = `${c.id} ${created ? 'added' : 'saved'}.`;
        fill(editor);
        browse.hidden = false;
        // show the camera just saved, wherever it falls among hundreds: the list is searched for it
        search.value = c.id;
        siteFilter.value = '';
        page = 1;
        await load();
        document.querySelector(`#camera-table tr[data-camera="${CSS.escape(c.id)}"] [data-action="edit"]`)?.focus();
      },
      cancel: () => { fill(editor); browse.hidden = false; add?.focus(); },
    }));
    editor.querySelector('h2')?.focus();
  };

  let typing;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => { page = 1; load(); }, 250);
  });
  siteFilter.addEventListener('change', () => { page = 1; load(); });
  // a camera's state changes in place (a reload per status would redraw 500 rows every few seconds)
  const off = socket.on('status', (s) => {
    const badge = list.querySelector(`tr[data-camera="${CSS.escape(s.cameraId)}"] .state-badge`);
    if (!badge || badge.classList.contains('state-disabled')) return;
    const state = stateOf(s);
    badge.className = `state-badge state-${state}`;
    badge.textContent = STATE_TEXT[state] || state;
  });
  signal.addEventListener('abort', () => { off(); clearTimeout(typing); }, { once: true });

  (admin ? api('/api/sites', { signal }) : Promise.resolve(null)).then((known) => {
    sites = known || [];
    for (const s of sites) siteFilter.append(h('option', { value: s }, s));
    if (!admin) siteFilter.closest('.field').hidden = true;
  }).catch((e) => { if (!handled(e)) throw e; });
  load();
  return null;
}

/** The add or edit form, with the connection test and the zone editor. */
function cameraForm(cam, sites, { signal, saved, cancel }) {
  const creating = cam === null;
  const c = cam || { enabled: true, recording: true, sensitivity: 0.5, minObjectArea: 0, zones: [], masks: [], labels: [] };
  const input = (id, value, attrs = {}) => h('input', { id, value: value ?? '', autocomplete: 'off', ...attrs });
  const f = {
    id: input('cam-id', c.id, { required: true, readonly: !creating, pattern: '[a-z0-9][a-z0-9-]*' }),
    name: input('cam-name', c.name, { required: true }),
    site: h('select', { id: 'cam-site', required: true }, (sites.length ? sites : [c.site]).filter(Boolean)
      .map((s) => h('option', { value: s, selected: s === c.site }, s))),
    url: input('cam-url', c.url, { required: true, type: 'text', spellcheck: 'false' }),
    subStreamUrl: input('cam-sub', c.subStreamUrl, { spellcheck: 'false' }),
    username: input('cam-user', c.username),
    password: input('cam-password', '', { type: 'password', autocomplete: 'new-password',
      placeholder: c.hasPassword ? 'unchanged' : '' }),
    enabled: h('input', { id: 'cam-enabled', type: 'checkbox', checked: c.enabled !== false }),
    recording: h('input', { id: 'cam-recording', type: 'checkbox', checked: c.recording !== false }),
    sensitivity: input('cam-sensitivity', c.sensitivity, { type: 'number', min: 0, max: 1, step: 0.05 }),
    minObjectArea: input('cam-min-area', c.minObjectArea, { type: 'number', min: 0, max: 1, step: 0.005 }),
    labels: input('cam-labels', (c.labels || []).join(', ')),
    retentionDays: input('cam-retention', c.retentionDays, { type: 'number', min: 1, max: 3650 }),
  };
  const clearPassword = c.hasPassword ? h('input', { id: 'cam-password-clear', type: 'checkbox' }) : null;
  const errors = h('div', { id: 'camera-errors', class: 'error', role: 'alert' });
  const probeOut = h('div', { id: 'camera-probe', 'aria-live': 'polite' });
  const zones = zoneEditor(c.zones || [], c.masks || []);

  const body = () => {
    const out = {
      id: f.id.value.trim(), name: f.name.value.trim(), site: f.site.value, url: f.url.value.trim(),
      subStreamUrl: f.subStreamUrl.value.trim() || null, username: f.username.value.trim() || null,
      enabled: f.enabled.checked, recording: f.recording.checked,
      sensitivity: f.sensitivity.value === '' ? null : Number(f.sensitivity.value),
      minObjectArea: f.minObjectArea.value === '' ? null : Number(f.minObjectArea.value),
      labels: f.labels.value.split(',').map((l) => l.trim()).filter(Boolean),
      retentionDays: f.retentionDays.value === '' ? null : Number(f.retentionDays.value),
      zones: zones.value().zones, masks: zones.value().masks,
    };
    if (out.labels.length === 0) out.labels = null;
    if (clearPassword?.checked) out.password = '';
    else if (f.password.value) out.password = f.password.value;
    return out;
  };

  const FIELD_OF = { id: 'id', name: 'name', site: 'site', url: 'url', subStreamUrl: 'subStreamUrl',
    username: 'username', password: 'password', sensitivity: 'sensitivity', minObjectArea: 'minObjectArea',
    labels: 'labels', retentionDays: 'retentionDays' };
  const showProblems = (message, problems) => {
    Object.values(f).forEach((el) => el.removeAttribute('aria-invalid'));
    fill(errors, h('p', null, message), problems && problems.length ? h('ul', null, problems.map((p) =>
      h('li', { 'data-field': p.field }, `${p.field}: ${p.message}`))) : null);
    for (const p of problems || []) {
      const el = f[FIELD_OF[p.field.replace(/[[.].*$/, '')]];
      if (el) el.setAttribute('aria-invalid', 'true');
    }
  };

  const test = h('button', { id: 'camera-test', type: 'button', class: 'secondary', onclick: async () => {
    test.disabled = true;
    fill(probeOut, h('p', { class: 'muted' }, 'Testing the connection from the camera\'s site…'));
    try {
      const r = await api('/api/cameras/probe', { method: 'POST', body: body(), signal, quiet: true });
      fill(errors);
      showProbe(probeOut, r, f);
      if (r.snapshot) zones.picture(`data:image/jpeg;base64,${r.snapshot}`, r.main);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      fill(probeOut);
      showProblems(e.message, e.details?.problems);
    } finally {
      test.disabled = false;
    }
  } }, c.id ? 'Test connection and take a snapshot' : 'Test connection');

  // confirm: the code of a 409 confirmation_required (retention would delete footage sooner), sent back as is
  const store = async (confirm) => {
    const save = form.querySelector('#camera-save');
    save.disabled = true;
    try {
      const b = body();
      const q = confirm ? `?confirm=${encodeURIComponent(confirm)}` : '';
      const stored = creating ? await api(`/api/cameras${q}`, { method: 'POST', body: b, signal, quiet: true })
        : await api(`/api/cameras/${encodeURIComponent(c.id)}${q}`, { method: 'PUT', body: b, signal, quiet: true });
      await saved(stored, creating);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 409 && err.code === 'confirmation_required') {
        showConfirmation(err.message, err.details.confirm);
      } else {
        showProblems(err.message, err.details?.problems);
      }
    } finally {
      save.disabled = false;
    }
  };

  const showConfirmation = (message, code) => {
    const yes = h('button', { id: 'camera-confirm-retention', type: 'button', class: 'danger',
      onclick: () => store(code) }, 'Save, and let retention delete it');
    // the API's own hint (send it again with the code) is this button here
    fill(errors, h('div', { class: 'panel' }, h('p', { class: 'warning' }, message.replace(/ Send it again.*$/, '')),
      h('div', { class: 'actions' }, yes)));
    yes.focus();
  };

  const form = h('form', { id: 'camera-form', class: 'stack', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    await store(null);
  } },
  h('h2', { tabindex: -1 }, creating ? 'Add a camera' : `Edit ${c.name || c.id}`),
  field('ID', f.id, creating ? 'Lower-case letters, digits and "-"; it cannot change later.' : null),
  field('Name', f.name), field('Site', f.site),
  field('Main stream', f.url, 'rtsp://, rtsps://, http(s):// (MJPEG) or a USB index; no user or password in it.'),
  field('Sub-stream (optional)', f.subStreamUrl, 'A smaller stream of the same scene, analysed instead.'),
  field('User name', f.username), field('Password', f.password, c.hasPassword
    ? 'Leave empty to keep the stored password. It is sealed and never shown again.'
    : 'Sealed before it is stored; never shown again.'),
  clearPassword ? h('label', { class: 'check' }, clearPassword, 'Remove the stored password') : null,
  h('label', { class: 'check' }, f.enabled, 'Enabled (capture runs)'),
  h('label', { class: 'check' }, f.recording, 'Recording on'),
  field('Motion sensitivity (0 to 1)', f.sensitivity), field('Minimum object size (share of the picture)',
    f.minObjectArea), field('Detector labels', f.labels, 'Comma-separated, e.g. person, car; empty: every label.'),
  field('Retention (days)', f.retentionDays, 'Empty: the site\'s policy.'),
  h('div', { class: 'actions' }, test), probeOut, zones.el, errors,
  h('div', { class: 'actions' }, h('button', { id: 'camera-save', type: 'submit' }, creating ? 'Add camera' : 'Save'),
    h('button', { type: 'button', class: 'secondary', onclick: cancel }, 'Cancel')));
  return form;
}

function showProbe(out, r, f) {
  const facts = (m) => `${m.codec.toUpperCase()} · ${m.width}×${m.height} · ${m.fps || '?'} fps · `
    + `${m.audio ? 'with audio (not recorded)' : 'no audio'}`;
  fill(out, h('div', { class: r.ok ? 'panel ok-probe' : 'panel failed-probe', 'data-ok': String(r.ok), 'data-reason': r.reason },
    h('p', { class: r.ok ? 'ok' : 'warning' }, r.ok ? 'Connection works.' : (REASON_TEXT[r.reason] || r.reason)),
    r.ok ? null : h('p', { class: 'hint' }, r.message),
    r.main ? h('p', { id: 'camera-probe-main' }, 'Main stream: ', facts(r.main)) : null,
    r.sub ? h('p', { id: 'camera-probe-sub' }, 'Sub-stream: ', facts(r.sub)) : null,
    h('p', { class: 'hint' }, `Tested in ${r.tookMs} ms from the camera's site.`)));
  const el = { url: f.url, subStreamUrl: f.subStreamUrl, password: f.password }[r.field];
  Object.values(f).forEach((x) => x.removeAttribute('aria-invalid'));
  if (!r.ok && el) el.setAttribute('aria-invalid', 'true');
}

/**
 * Zones (where motion counts) and privacy masks (hidden from analysis and drawn over the live view; the recording
 * keeps the original) as polygons in 0..1 picture coordinates, drawn in SVG over a snapshot.
 */
function zoneEditor(initialZones, initialMasks) {
  const shapes = [
    ...initialZones.map((z) => ({ kind: 'zone', name: z.name, points: z.polygon.map((p) => ({ x: p.x, y: p.y })) })),
    ...initialMasks.map((z) => ({ kind: 'mask', name: z.name, points: z.polygon.map((p) => ({ x: p.x, y: p.y })) })),
  ];
  let active = null;
  const svg = pictureSvg({ class: 'zone-canvas', 'aria-label': 'Zones and masks over the snapshot', role: 'group' });
  const img = h('img', { id: 'camera-snapshot', alt: 'No snapshot yet: test the connection to take one', hidden: true });
  const stage = h('div', { class: 'zone-stage' }, img, svg);
  const listEl = h('ul', { id: 'shape-list', class: 'shape-list' });
  const live = h('p', { id: 'zone-live', class: 'visually-hidden', 'aria-live': 'polite' });
  const pct = (v) => `${Math.round(v * 100)} %`;
  const clamp = (v) => Math.min(1, Math.max(0, Math.round(v * 1000) / 1000));

  const draw = (focus) => {
    svg.replaceChildren();
    shapes.forEach((s, si) => {
      const g = svgEl('g', { class: `shape ${s.kind}${s === active ? ' active' : ''}`, 'data-shape': si });
      g.append(svgEl('polygon', { points: polygonPoints(s.points) }));
      s.points.forEach((p, pi) => {
        const c = svgEl('circle', { cx: p.x * 1000, cy: p.y * 1000, r: 14, tabindex: 0, role: 'button',
          'data-point': pi, 'aria-label': `Point ${pi + 1} of ${s.points.length} of ${s.kind} ${s.name}, at `
            + `${pct(p.x)} across and ${pct(p.y)} down` });
        c.addEventListener('keydown', (e) => key(e, s, pi));
        c.addEventListener('pointerdown', (e) => drag(e, s, pi));
        c.addEventListener('focus', () => { active = s; });
        g.append(c);
      });
      svg.append(g);
    });
    fill(listEl, shapes.map((s, si) => h('li', { 'data-shape': si, 'data-kind': s.kind },
      h('span', { class: `shape-kind ${s.kind}` }, s.kind === 'zone' ? 'Zone' : 'Privacy mask'), ' ',
      field('Name', h('input', { value: s.name, 'data-shape-name': si, oninput: (e) => { s.name = e.target.value; } })),
      ` ${s.points.length} points `,
      h('button', { type: 'button', class: 'small secondary', 'data-action': 'edit-shape',
        onclick: () => { active = s; draw({ si, pi: 0 }); } }, `Edit points of ${s.name}`),
      h('button', { type: 'button', class: 'small danger', 'data-action': 'remove-shape',
        onclick: () => { shapes.splice(si, 1); active = null; draw(); } }, `Remove ${s.name}`))));
    if (focus) svg.querySelector(`g[data-shape="${focus.si}"] circle[data-point="${focus.pi}"]`)?.focus();
  };

  const key = (e, s, pi) => {
    const step = e.shiftKey ? 0.05 : 0.01;
    const p = s.points[pi];
    const si = shapes.indexOf(s);
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[e.key]) {
      p.x = clamp(p.x + moves[e.key][0]);
      p.y = clamp(p.y + moves[e.key][1]);
      live.textContent = `${pct(p.x)} across, ${pct(p.y)} down`;
      draw({ si, pi });
    } else if (e.key === 'Enter') {
      const next = s.points[(pi + 1) % s.points.length];
      s.points.splice(pi + 1, 0, { x: clamp((p.x + next.x) / 2), y: clamp((p.y + next.y) / 2) });
      live.textContent = `Point added: ${s.points.length} points`;
      draw({ si, pi: pi + 1 });
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      if (s.points.length <= 3) { live.textContent = 'A shape keeps at least 3 points'; return; }
      s.points.splice(pi, 1);
      live.textContent = `Point removed: ${s.points.length} points`;
      draw({ si, pi: Math.min(pi, s.points.length - 1) });
    } else if (e.key === 'Escape') {
      active = null;
      live.textContent = `Done with ${s.kind} ${s.name}`;
      draw();
      listEl.querySelector(`li[data-shape="${si}"] [data-action="edit-shape"]`)?.focus();
    } else {
      return;
    }
    e.preventDefault();
  };

  const toPicture = (e) => {
    const r = svg.getBoundingClientRect();
    return { x: clamp((e.clientX - r.left) / r.width), y: clamp((e.clientY - r.top) / r.height) };
  };

  const drag = (e, s, pi) => {
    e.preventDefault();
    e.stopPropagation();
    const move = (ev) => { Object.assign(s.points[pi], toPicture(ev)); draw(); };
    const up = () => { window.removeEventListener('pointermove', move); window.removeEventListener('pointerup', up);
      draw({ si: shapes.indexOf(s), pi }); };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };

  // a click on the picture adds a point to the shape being edited, after its last
  svg.addEventListener('pointerdown', (e) => {
    if (!active || e.target.tagName === 'circle') return;
    active.points.push(toPicture(e));
    draw();
  });

  const addShape = (kind) => {
    const n = shapes.filter((s) => s.kind === kind).length + 1;
    // a small triangle in the middle, to move point by point (keyboard) or drag (pointer)
    const s = { kind, name: `${kind}-${n}`, points: [{ x: 0.4, y: 0.4 }, { x: 0.6, y: 0.4 }, { x: 0.5, y: 0.6 }] };
    shapes.push(s);
    active = s;
    draw({ si: shapes.length - 1, pi: 0 });
  };

  const el = h('fieldset', { id: 'zone-editor', class: 'zone-editor' },
    h('legend', null, 'Zones and privacy masks'),
    h('p', { class: 'hint' }, 'Zones limit where motion counts; privacy masks hide an area from analysis and from '
      + 'the live view (recordings keep the original picture). Tab to a point: arrow keys move it (Shift: faster), '
      + 'Enter adds a point after it, Delete removes it, Escape ends the shape. With a pointer, drag points, or click '
      + 'the picture to add one to the shape being edited.'),
    stage, live,
    h('div', { class: 'actions' },
      h('button', { id: 'add-zone', type: 'button', class: 'secondary', onclick: () => addShape('zone') }, 'Add zone'),
      h('button', { id: 'add-mask', type: 'button', class: 'secondary', onclick: () => addShape('mask') },
        'Add privacy mask')),
    listEl);
  draw();

  return {
    el,
    picture(src, main) {
      img.src = src;
      img.hidden = false;
      img.alt = `Snapshot of the camera, ${main.width}×${main.height}`;
      stage.style.aspectRatio = `${main.width} / ${main.height}`;
    },
    value() {
      const out = (kind) => shapes.filter((s) => s.kind === kind).map((s) => ({ name: s.name,
        polygon: s.points.map((p) => ({ x: p.x, y: p.y })) }));
      return { zones: out('zone'), masks: out('mask') };
    },
  };
}
