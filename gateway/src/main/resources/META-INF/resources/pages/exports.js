// Exports: evidence packages (signed ZIPs of original recordings, events and audit trail) of one or more cameras
// over a time range, their jobs with progress, event-data downloads and the public signing key for auditors.
// Everything below the access check exists only when GET /api/exports/access says canExport: a viewer sees
// just the note naming the role it takes, never an export control.
import { api, handled } from '../api.js';
import { siteCameras } from '../sites.js';
import { h, fill, field, uid, timeEl, toDate, bytes, hhmm, localDay, query } from '../dom.js';

const MAX_RANGE_MS = 24 * 60 * 60 * 1000;
const DEFAULT_RANGE_MS = 15 * 60 * 1000;
const FAST_POLL_MS = 2000; // while a job is queued or running
const SLOW_POLL_MS = 15000;
const REASON_MIN = 3;
const REASON_MAX = 500;
const CASE_MAX = 100;
const MAX_CAMERAS = 16; // the export service's limit per package

const ACTIVE = new Set(['queued', 'running']);
const STATE_TEXT = { queued: 'Queued', running: 'Running', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' };
// request body field (400 "field") → form control key
const FIELD_KEYS = { cameras: 'cameras', camera: 'cameras', from: 'from', to: 'to', reason: 'reason', caseId: 'caseId' };

const enc = encodeURIComponent;
const two = (n) => String(n).padStart(2, '0');
/** The value of an <input type=datetime-local> (local time, seconds) for a Date. */
const localValue = (d) => `${localDay(d)}T${hhmm(d)}:${two(d.getSeconds())}`;
const shortSha = (sha) => (sha.length > 16 ? `${sha.slice(0, 16)}…` : sha);
const shortId = (id) => (String(id).length > 13 ? `${String(id).slice(0, 8)}…` : String(id)); // UUIDs; full in title

/** "UTC+01:00" for the browser's offset at d. */
function utcOffset(d) {
  const m = -d.getTimezoneOffset();
  return `UTC${m < 0 ? '−' : '+'}${two(Math.floor(Math.abs(m) / 60))}:${two(Math.abs(m) % 60)}`;
}

export function mount(root, ctx) {
  const body = h('div', { id: 'exports-access' }, h('p', { class: 'muted' }, 'Loading…'));
  fill(root, h('h1', null, 'Exports'), body);
  let cleanup = null;

  api('/api/exports/access', { signal: ctx.signal }).then((access) => {
    if (ctx.signal.aborted) return;
    if (access && access.canExport) {
      cleanup = exportsUi(body, access, ctx);
    } else {
      fill(body, h('p', { id: 'export-denied', class: 'note' },
        `Exporting needs the ${(access && access.requiredRole) || 'operator'} role or higher. `
        + 'Ask an administrator if you need it.'));
    }
  }).catch((e) => {
    fill(body, h('p', { class: 'muted' }, 'Export access could not be checked. Reload the page to try again.'));
    if (!handled(e)) throw e;
  });

  return () => { if (cleanup) cleanup(); };
}

/** The operator/admin page; returns its cleanup. */
function exportsUi(body, access, { signal }) {
  const names = new Map(); // camera id → name
  const nameOf = (id) => names.get(id) || id;
  const camerasText = (ids) => (ids || []).map(nameOf).join(', ') || '—';

  const status = h('p', { id: 'export-status', class: 'muted', role: 'status' }); // job state changes
  const submitted = h('p', { id: 'export-submitted', class: 'ok', role: 'status' }); // the form's own result
  const sites = (access.sites || []).includes('*') ? 'all sites' : (access.sites || []).join(', ');

  // ---- new export form ----
  const cameraList = h('div', { class: 'export-camera-list' }, h('p', { class: 'muted' }, 'Loading cameras…'));
  const cameraSet = h('fieldset', { id: 'export-cameras', class: 'export-cameras' },
    h('legend', null, 'Cameras'), cameraList);
  const now = new Date();
  const from = h('input', { id: 'export-from', type: 'datetime-local', step: 1, required: true,
    value: localValue(new Date(now.getTime() - DEFAULT_RANGE_MS)) });
  const to = h('input', { id: 'export-to', type: 'datetime-local', step: 1, required: true, value: localValue(now) });
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const rangeHint = h('p', { id: 'export-range-hint', class: 'hint' },
    `In your local time (${zone ? `${zone}, ` : ''}${utcOffset(now)}). At most 24 hours.`);
  const rangeUtc = h('p', { id: 'export-range-utc', class: 'hint' });
  from.setAttribute('aria-describedby', `${rangeHint.id} ${rangeUtc.id}`);
  to.setAttribute('aria-describedby', `${rangeHint.id} ${rangeUtc.id}`);
  const reason = h('textarea', { id: 'export-reason', required: true, rows: 3, minlength: REASON_MIN,
    maxlength: REASON_MAX, autocomplete: 'off' });
  const caseId = h('input', { id: 'export-case', autocomplete: 'off', spellcheck: 'false', maxlength: CASE_MAX });
  const mp4 = h('input', { id: 'export-mp4', type: 'checkbox' });
  const submit = h('button', { id: 'export-submit', type: 'submit' }, 'Start export');
  const formError = h('div', { id: 'export-error', class: 'error', role: 'alert' });
  const form = h('form', { id: 'export-form', class: 'stack export-form', novalidate: true,
    'aria-labelledby': 'export-form-heading' },
  cameraSet,
  h('div', { class: 'export-range' }, field('From', from), field('To', to)),
  rangeHint, rangeUtc,
  field('Reason', reason, `Why the footage is needed (${REASON_MIN}–${REASON_MAX} characters). `
    + 'It is written into the signed package and the audit log.'),
  field('Case or incident number (optional)', caseId, `At most ${CASE_MAX} characters.`),
  h('div', { class: 'check' }, mp4, h('label', { for: 'export-mp4' },
    'Also include an MP4 copy per camera, for any video player (the originals stay the evidence)')),
  h('div', { class: 'actions' }, submit, submitted), formError);
  const controls = { cameras: cameraSet, from, to, reason, caseId };

  const newButton = h('button', { id: 'export-new', type: 'button', 'aria-controls': 'export-form' }, 'New export');

  // ---- export data ----
  const dataLinks = h('div', { id: 'export-data-links', class: 'export-data-links' });

  // ---- jobs ----
  const jobsStatus = h('p', { id: 'export-jobs-status', class: 'warning', hidden: true });
  const jobsEmpty = h('p', { id: 'export-jobs-empty', class: 'muted' }, 'Loading…');
  const tbody = h('tbody');
  const jobsTable = h('table', { id: 'export-jobs', class: 'export-jobs', hidden: true },
    h('caption', { class: 'visually-hidden' }, 'Export jobs, newest first'),
    h('thead', null, h('tr', null, ['Cameras', 'Range', 'Reason / case', 'Requested by', 'Created', 'State',
      'Package'].map((c) => h('th', { scope: 'col' }, c)))),
    tbody);
  const jobsHeading = h('h2', { id: 'export-jobs-heading', tabindex: -1 }, 'Export jobs');

  // ---- signing key ----
  const keyBox = h('div', { id: 'export-key', class: 'panel export-key' }, h('p', { class: 'muted' }, 'Loading…'));

  fill(body,
    h('p', null, `You may export video from: ${sites || 'no sites'}.`),
    h('div', { class: 'actions' }, newButton),
    h('section', { 'aria-labelledby': 'export-form-heading' },
      h('h2', { id: 'export-form-heading' }, 'New export'),
      h('p', { class: 'muted' }, 'A package holds the original recordings, the motion events and the audit trail '
        + 'of the chosen cameras and range, signed by the export service.'),
      form),
    h('section', { 'aria-labelledby': 'export-data-heading' },
      h('h2', { id: 'export-data-heading' }, 'Export data'),
      h('p', { class: 'muted' }, 'Only the motion events of the cameras and range chosen above, as CSV or JSON '
        + '(no video, not signed).'),
      dataLinks),
    h('section', { 'aria-labelledby': 'export-jobs-heading' }, jobsHeading, status, jobsStatus, jobsEmpty,
      jobsTable),
    h('section', { 'aria-labelledby': 'export-key-heading' },
      h('h2', { id: 'export-key-heading' }, 'Signing key'), keyBox));

  newButton.addEventListener('click', () => {
    const first = cameraSet.querySelector('input:not(:disabled)') || from;
    first.focus();
    first.scrollIntoView({ block: 'nearest' });
  });

  const checkedCameras = () => [...cameraSet.querySelectorAll('input[type=checkbox]:checked')].map((b) => b.value);

  /** The chosen range as Dates, or an error message per field. */
  const readRange = () => {
    const f = from.value ? toDate(from.value) : null;
    const t = to.value ? toDate(to.value) : null;
    const errors = [];
    if (!f) errors.push(['from', from.value ? '"From" is not a valid date and time.' : 'Enter the start ("From").']);
    if (!t) errors.push(['to', to.value ? '"To" is not a valid date and time.' : 'Enter the end ("To").']);
    if (f && t && t <= f) errors.push(['to', '"To" must be after "From".']);
    else if (f && t && t - f > MAX_RANGE_MS) errors.push(['to', 'The range may be at most 24 hours; shorten it or make several exports.']);
    return { from: f, to: t, errors };
  };

  const renderRangeUtc = () => {
    const r = readRange();
    rangeUtc.textContent = r.from && r.to ? `Sent as ${r.from.toISOString()} – ${r.to.toISOString()} (UTC).` : '';
  };

  const renderDataLinks = () => {
    const cams = checkedCameras();
    const r = readRange();
    if (!cams.length) {
      fill(dataLinks, h('p', { class: 'hint' }, 'Choose at least one camera above.'));
      return;
    }
    if (!r.from || !r.to || r.to <= r.from) {
      fill(dataLinks, h('p', { class: 'hint' }, 'Choose a valid range above ("To" after "From").'));
      return;
    }
    const range = { from: r.from.toISOString(), to: r.to.toISOString() };
    fill(dataLinks, h('ul', { class: 'export-data-list' }, cams.map((cam) => h('li', { 'data-camera': cam },
      h('span', { class: 'export-data-camera' }, nameOf(cam)),
      ['csv', 'json'].map((format) => h('a', {
        class: 'button secondary small', download: true, 'data-export-data': format, 'data-camera': cam,
        href: `/api/exports/events.${format}${query({ camera: cam, ...range })}`,
      }, `Events (${format.toUpperCase()})`,
      h('span', { class: 'visually-hidden' }, ` of ${nameOf(cam)}`)))))));
  };

  const clearInvalid = () => {
    for (const el of Object.values(controls)) el.removeAttribute('aria-invalid');
  };

  /** Shows messages (strings or nodes) in the alert under the form and marks and focuses the first bad control. */
  const showFormError = (items, key) => {
    fill(formError, items.map((item) => h('p', null, item)));
    if (key && controls[key]) {
      const el = controls[key];
      el.setAttribute('aria-invalid', 'true');
      (key === 'cameras' ? el.querySelector('input:not(:disabled)') || el : el).focus();
    }
  };

  const onInput = (e) => {
    const bad = e.target.closest('[aria-invalid]');
    if (bad) bad.removeAttribute('aria-invalid');
    if (e.target !== reason && e.target !== caseId) submitted.textContent = '';
    renderRangeUtc();
    renderDataLinks();
  };
  form.addEventListener('input', onInput);
  form.addEventListener('change', onInput);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearInvalid();
    fill(formError);
    submitted.textContent = '';
    const cams = checkedCameras();
    const r = readRange();
    const why = reason.value.trim();
    const errors = [];
    if (!cams.length) errors.push(['cameras', 'Choose at least one camera.']);
    else if (cams.length > MAX_CAMERAS) errors.push(['cameras', `One export holds at most ${MAX_CAMERAS} cameras.`]);
    errors.push(...r.errors);
    if (why.length < REASON_MIN) errors.push(['reason', `Enter a reason of at least ${REASON_MIN} characters.`]);
    else if (why.length > REASON_MAX) errors.push(['reason', `The reason may be at most ${REASON_MAX} characters.`]);
    if (caseId.value.trim().length > CASE_MAX) errors.push(['caseId', `The case number may be at most ${CASE_MAX} characters.`]);
    if (errors.length) {
      for (const [key] of errors) controls[key].setAttribute('aria-invalid', 'true');
      showFormError(errors.map(([, m]) => m), errors[0][0]);
      return;
    }
    const request = { cameras: cams, from: r.from.toISOString(), to: r.to.toISOString(), reason: why,
      caseId: caseId.value.trim() || null, includeMp4: mp4.checked };
    submit.disabled = true;
    try {
      const job = await api('/api/exports', { method: 'POST', body: request, signal, quiet: true });
      reason.value = '';
      caseId.value = '';
      if (job && job.id) upsert(job, true);
      submitted.textContent = `Export of ${camerasText(cams)} queued; its progress is shown under Export jobs.`;
      schedule(FAST_POLL_MS);
    } catch (err) {
      if (err.name === 'AbortError') return;
      showFormError(...serverError(err));
      if (!handled(err)) throw err;
    } finally {
      submit.disabled = false;
    }
  });

  // ---- jobs: rows keyed by id, updated in place so focus and open details survive a refresh ----
  const rows = new Map(); // id → {tr, job, stateKey, actionKey}
  const announced = new Set();
  let loadedOnce = false;

  const cancel = async (job, button) => {
    const what = `${camerasText(job.cameras)} (${rangeText(job)})`;
    if (!window.confirm(`Cancel the export of ${what}? It stops and no package is kept.`)) return;
    const cell = button.closest('td');
    button.disabled = true;
    button.textContent = 'Cancelling…';
    try {
      const updated = await api(`/api/exports/${enc(job.id)}/cancel`, { method: 'POST', signal });
      if (updated && updated.id) upsert(updated, false);
      if (updated && ACTIVE.has(updated.state)) status.textContent = `Cancelling the export of ${what}…`;
    } catch (e) {
      if (e.name === 'AbortError') return;
      button.disabled = false;
      button.textContent = 'Cancel';
      if (!handled(e)) throw e;
    } finally {
      // disabling or replacing the button dropped focus: put it back in the row (keyboard users)
      const active = document.activeElement;
      if (!signal.aborted && (!active || active === document.body || active === button)) {
        (cell.querySelector('a, button:not(:disabled), summary') || jobsHeading).focus();
      }
    }
    schedule(0);
  };

  /** Adds or updates one job's row; prepend puts a new row first (a job just created here). */
  const upsert = (job, prepend) => {
    let row = rows.get(job.id);
    if (!row) {
      row = { tr: jobRow(job, nameOf), job: null, stateKey: null, actionKey: null };
      rows.set(job.id, row);
      if (prepend) tbody.prepend(row.tr); else tbody.append(row.tr);
    }
    const before = row.job;
    row.job = job;
    row.tr.dataset.state = job.state;
    const stateKey = JSON.stringify([job.state, job.percent, job.bytesDone, job.bytesTotal, job.error, job.finishedAt]);
    if (stateKey !== row.stateKey) {
      fill(row.tr.querySelector('.job-state-cell'), stateCell(job));
      row.stateKey = stateKey;
    }
    const actionKey = JSON.stringify([job.state, job.size, job.sha256]);
    if (actionKey !== row.actionKey) {
      const cell = row.tr.querySelector('.job-actions');
      const hadFocus = cell.contains(document.activeElement);
      fill(cell, actionCell(job, nameOf, cancel));
      row.actionKey = actionKey;
      if (hadFocus) (cell.querySelector('a, button, summary') || jobsHeading).focus();
    }
    if (before && ACTIVE.has(before.state) && !ACTIVE.has(job.state) && !announced.has(job.id)) {
      announced.add(job.id);
      announce(job);
    }
    jobsTable.hidden = false;
    jobsEmpty.hidden = true;
  };

  const pending = [];
  const announce = (job) => {
    const what = `Export of ${camerasText(job.cameras)}`;
    if (job.state === 'done') pending.push(`${what} finished${typeof job.size === 'number' ? ` (${bytes(job.size)})` : ''}; ready to download.`);
    else if (job.state === 'failed') pending.push(`${what} failed${job.error ? `: ${job.error}` : '.'}`);
    else if (job.state === 'cancelled') pending.push(`${what} cancelled.`);
    else pending.push(`${what}: ${STATE_TEXT[job.state] || job.state}.`);
    queueMicrotask(() => {
      if (!pending.length) return;
      status.textContent = pending.splice(0).join(' ');
    });
  };

  const applyList = (list) => {
    const seen = new Set();
    for (const job of list) {
      if (!job || job.id == null) continue;
      seen.add(job.id);
      upsert(job, false);
      // keep the server's order (newest first), moving only rows that are out of place (moving blurs)
      const tr = rows.get(job.id).tr;
      const at = tbody.children[seen.size - 1];
      if (at !== tr) tbody.insertBefore(tr, at || null);
    }
    for (const [id, row] of rows) {
      if (!seen.has(id)) { row.tr.remove(); rows.delete(id); }
    }
    loadedOnce = true;
    const empty = rows.size === 0;
    jobsTable.hidden = empty;
    jobsEmpty.hidden = !empty;
    jobsEmpty.textContent = 'No exports yet.';
  };

  let timer = null;
  let loading = false;
  let again = false;
  const schedule = (ms) => {
    if (signal.aborted) return;
    clearTimeout(timer);
    timer = setTimeout(loadJobs, ms);
  };
  const anyActive = () => [...rows.values()].some((r) => ACTIVE.has(r.job.state));

  async function loadJobs() {
    if (signal.aborted) return;
    if (loading) { again = true; return; }
    loading = true;
    clearTimeout(timer);
    try {
      const list = await api('/api/exports', { signal, quiet: true });
      applyList(Array.isArray(list) ? list : []);
      jobsStatus.hidden = true;
    } catch (e) {
      if (e.name === 'AbortError') return;
      jobsStatus.textContent = `The export jobs could not be ${loadedOnce ? 'refreshed' : 'loaded'}: ${e.message} `
        + 'Trying again shortly.';
      jobsStatus.hidden = false;
      if (!loadedOnce) jobsEmpty.hidden = true;
      if (!handled(e)) throw e;
    } finally {
      loading = false;
      if (!signal.aborted) {
        if (again) { again = false; schedule(0); } else schedule(anyActive() ? FAST_POLL_MS : SLOW_POLL_MS);
      }
    }
  }

  // ---- cameras ----
  siteCameras({ signal }).then((cameras) => {
    for (const cam of cameras) names.set(cam.id, cam.name || cam.id);
    if (!cameras.length) {
      fill(cameraList, h('p', { class: 'muted' }, 'No cameras in your sites.'));
    } else {
      fill(cameraList, cameras.map((cam) => {
        const box = h('input', { type: 'checkbox', name: 'camera', value: cam.id, id: uid('export-cam'),
          'data-camera': cam.id });
        return h('div', { class: 'check' }, box, h('label', { for: box.id },
          cam.name || cam.id, h('span', { class: 'muted' }, ` · ${cam.site}`),
          cam.recording === false ? h('span', { class: 'muted' }, ' · not recording now') : null));
      }));
    }
    for (const row of rows.values()) row.tr.querySelector('.job-cameras').textContent = camerasText(row.job.cameras);
    renderDataLinks();
  }).catch((e) => {
    fill(cameraList, h('p', { class: 'warning' }, 'Cameras could not be loaded.'));
    if (!handled(e)) throw e;
  });

  // ---- signing key ----
  let keyUrl = null;
  api('/api/exports/keys', { signal, quiet: true }).then((key) => {
    if (signal.aborted) return;
    const pem = key && typeof key.publicKeyPem === 'string' ? key.publicKeyPem : '';
    if (pem) keyUrl = URL.createObjectURL(new Blob([pem.endsWith('\n') ? pem : `${pem}\n`], { type: 'application/x-pem-file' }));
    fill(keyBox,
      h('p', null, 'Every package is signed by the export service. Auditors check a package offline, without access '
        + 'to Vigil, with the public key:'),
      h('pre', { class: 'export-verify' }, h('code', null, 'vigil verify --key signing-key.pem export.zip')),
      h('dl', { class: 'facts' },
        h('dt', null, 'Algorithm'), h('dd', { id: 'export-key-algorithm' }, (key && key.algorithm) || '—'),
        h('dt', null, 'Fingerprint'),
        h('dd', null, h('code', { id: 'export-key-fingerprint' }, (key && key.fingerprint) || '—'))),
      h('p', { class: 'hint' }, 'The fingerprint must match the one in the package\'s manifest.json; compare it with '
        + 'the key you received through a trusted channel.'),
      keyUrl ? h('p', null, h('a', { id: 'export-key-download', class: 'button secondary', href: keyUrl,
        download: 'signing-key.pem' }, 'Download public key')) : h('p', { class: 'muted' }, 'No public key available.'));
  }).catch((e) => {
    if (e.name === 'AbortError') return;
    fill(keyBox, h('p', { class: 'warning' }, `The signing key could not be loaded: ${e.message}`));
    if (!handled(e)) throw e;
  });

  renderRangeUtc();
  renderDataLinks();
  loadJobs();

  return () => {
    clearTimeout(timer);
    if (keyUrl) URL.revokeObjectURL(keyUrl);
  };
}

/** [messages, control key] for a failed POST /api/exports. The error body's extra fields are read from
 * err.details (api.js attaches the parsed body there when it does; otherwise only the message is known). */
function serverError(err) {
  const d = (err && (err.details || err.data || err.body)) || {};
  const msg = err.message;
  switch (err.status) {
    case 400:
      return [[msg], FIELD_KEYS[d.field] || null];
    case 403:
      return [[msg, `Exporting needs the ${d.requiredRole || 'operator'} role or higher.`], null];
    case 404:
      return [[msg || 'There is no recording of the chosen cameras in this range.',
        'Check the cameras and range on the Recordings page.'], null];
    case 409:
      if (err.code === 'missing_segment' || d.segment) {
        return [[msg, d.segment ? h('span', null, 'Missing recording: ', h('code', { id: 'export-missing-segment' },
          d.segment)) : null, 'The index lists this recording but its file is not on disk. Ask an administrator to '
          + 'check the recordings volume, or choose a range without it.'].filter(Boolean), null];
      }
      return [[msg], null];
    case 507:
      return [[msg, typeof d.freeBytes === 'number' || typeof d.neededBytes === 'number'
        ? h('span', { id: 'export-space' }, `Free: ${bytes(d.freeBytes)} · needed: ${bytes(d.neededBytes)}.`) : null,
      'Export a shorter range or fewer cameras, or ask an administrator to free space.'].filter(Boolean), null];
    default:
      return [[msg], null];
  }
}

function rangeText(job) {
  const f = toDate(job.from);
  const t = toDate(job.to);
  if (!f || !t) return '—';
  return `${f.toLocaleString()} – ${localDay(f) === localDay(t) ? t.toLocaleTimeString() : t.toLocaleString()}`;
}

/** "42% · 1.2 GiB of 2.9 GiB" */
function progressText(job) {
  const pct = Math.max(0, Math.min(100, Math.round(Number(job.percent) || 0)));
  const done = typeof job.bytesDone === 'number' ? job.bytesDone : null;
  const total = typeof job.bytesTotal === 'number' && job.bytesTotal > 0 ? job.bytesTotal : null;
  if (total !== null) return [pct, `${pct}% · ${bytes(done || 0)} of ${bytes(total)}`];
  return [pct, done !== null ? `${pct}% · ${bytes(done)}` : `${pct}%`];
}

function jobRow(job, nameOf) {
  const f = toDate(job.from);
  const t = toDate(job.to);
  const sameDay = f && t && localDay(f) === localDay(t);
  return h('tr', { 'data-export-id': job.id, 'data-state': job.state },
    h('th', { scope: 'row' }, h('span', { class: 'job-cameras' }, (job.cameras || []).map(nameOf).join(', ') || '—'),
      h('span', { class: 'muted small job-id' }, 'ID ', h('code', { title: String(job.id) }, shortId(job.id)))),
    h('td', { class: 'job-range' }, timeEl(job.from), ' – ', timeEl(job.to, sameDay ? 'time' : 'datetime')),
    h('td', { class: 'job-reason' }, h('span', null, job.reason || '—'),
      job.caseId ? h('span', { class: 'muted small job-case' }, 'Case ', job.caseId) : null),
    h('td', null, job.requestedBy || '—'),
    h('td', null, timeEl(job.createdAt)),
    h('td', { class: 'job-state-cell' }),
    h('td', { class: 'job-actions' }));
}

function stateCell(job) {
  const badge = h('span', { class: 'job-state', 'data-state': job.state }, STATE_TEXT[job.state] || job.state);
  if (ACTIVE.has(job.state)) {
    const [pct, text] = progressText(job);
    const label = `Progress of export ${job.id}`;
    return [badge,
      h('div', { class: 'job-progress' },
        h('progress', { class: 'export-progress', max: 100, value: pct, 'aria-label': label }),
        h('span', { class: 'small' }, text))];
  }
  if (job.state === 'failed') return [badge, h('span', { class: 'job-error' }, job.error || 'No reason given.')];
  if (job.finishedAt) return [badge, h('span', { class: 'muted small' }, 'at ', timeEl(job.finishedAt))];
  return badge;
}

function actionCell(job, nameOf, cancel) {
  const what = `${(job.cameras || []).map(nameOf).join(', ')}, ${rangeText(job)}`;
  if (ACTIVE.has(job.state)) {
    const button = h('button', { type: 'button', class: 'danger small', 'data-action': 'cancel',
      'aria-label': `Cancel the export of ${what}` }, 'Cancel');
    button.addEventListener('click', () => cancel(job, button));
    return button;
  }
  if (job.state === 'done') {
    const sha = typeof job.sha256 === 'string' ? job.sha256 : '';
    return [
      h('a', { class: 'button small', 'data-action': 'download', download: true,
        href: `/api/exports/${enc(job.id)}/download` },
      'Download ZIP', typeof job.size === 'number' ? ` (${bytes(job.size)})` : null,
      h('span', { class: 'visually-hidden' }, ` of ${what}`)),
      sha ? h('details', { class: 'sha', 'data-sha256': sha },
        h('summary', null, 'SHA-256 ', h('code', { title: sha }, shortSha(sha))),
        h('code', { class: 'sha-full' }, sha)) : null,
    ];
  }
  return h('span', { class: 'muted' }, '—');
}
