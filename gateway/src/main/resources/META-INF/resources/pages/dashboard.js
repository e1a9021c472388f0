// Dashboard: one tile per camera with its live state, and the system status panel (refreshed every 15 s).
import { api, handled } from '../api.js';
import * as socket from '../socket.js';
import { h, fill, timeEl, bytes, STATE_TEXT, stateOf } from '../dom.js';

const REFRESH_MS = 15000;

export function mount(root, { signal }) {
  const tiles = h('ul', { id: 'camera-tiles', class: 'tiles', 'aria-label': 'Cameras' });
  const status = h('div', { id: 'system-status', class: 'panel' }, h('p', { class: 'muted' }, 'Loading…'));
  fill(root,
    h('h1', null, 'Dashboard'),
    h('section', { 'aria-labelledby': 'cameras-heading' },
      h('h2', { id: 'cameras-heading' }, 'Cameras'), tiles),
    h('section', { 'aria-labelledby': 'status-heading' },
      h('h2', { id: 'status-heading' }, 'System status'), status));

  const cameras = new Map();
  const renderTile = (cam) => {
    const tile = cameraTile(cam, socket.cameraStates.get(cam.id));
    const old = tiles.querySelector(`[data-camera="${CSS.escape(cam.id)}"]`);
    if (old) old.replaceWith(tile); else tiles.append(tile);
  };
  const renderAll = () => {
    fill(tiles);
    for (const cam of cameras.values()) renderTile(cam);
    if (!cameras.size) tiles.append(h('li', { class: 'empty' }, 'No cameras in your sites.'));
  };

  api('/api/cameras', { signal }).then((list) => {
    for (const cam of list) cameras.set(cam.id, cam);
    renderAll();
  }).catch((e) => {
    fill(tiles, h('li', { class: 'empty' }, 'Cameras could not be loaded.'));
    if (!handled(e)) throw e;
  });

  const loadStatus = () => api('/api/system/status', { signal, quiet: true })
    .then((s) => renderStatus(status, s))
    .catch((e) => {
      if (e.name === 'AbortError') return;
      fill(status, h('p', { class: 'warning' }, `System status unavailable: ${e.message}`));
    });
  loadStatus();
  const timer = setInterval(loadStatus, REFRESH_MS);

  const offStatus = socket.on('status', (s) => { if (cameras.has(s.cameraId)) renderTile(cameras.get(s.cameraId)); });
  const offSnapshot = socket.on('snapshot', () => { if (cameras.size) renderAll(); });
  return () => {
    clearInterval(timer);
    offStatus();
    offSnapshot();
  };
}

function cameraTile(cam, status) {
  const state = stateOf(status);
  let detail = 'No status received yet.';
  if (status && state === 'online') {
    detail = [status.codec, status.width && status.height ? `${status.width}×${status.height}` : null,
      typeof status.fps === 'number' ? `${status.fps.toFixed(1)} fps` : null].filter(Boolean).join(' · ');
  } else if (status) {
    detail = status.lastError || 'No details.';
  }
  return h('li', { class: `tile state-${state}`, 'data-camera': cam.id, 'data-state': state },
    h('h3', null, cam.name || cam.id),
    h('p', { class: 'muted' }, `Site ${cam.site}`),
    h('p', { class: 'state-badge' }, STATE_TEXT[state]),
    h('p', { class: 'detail' }, detail),
    status && status.at ? h('p', { class: 'muted small' }, 'Since ', timeEl(status.at)) : null);
}

/** Retention's view of the recordings volume: used and held bytes, rate, headroom against the threshold. */
function retentionFacts(r) {
  if (!r) return null;
  const headroom = typeof r.headroomHours === 'number'
    ? `${r.headroomHours} hours of headroom (threshold ${r.thresholdHours} h)`
    : 'no recording indexed in the last day yet';
  return h('div', { id: 'retention-status' },
    typeof r.usedBytes === 'number' ? h('p', null, `Recordings: ${bytes(r.usedBytes)}`,
      r.heldBytes ? `, of which ${bytes(r.heldBytes)} under legal hold` : '') : null,
    h('p', null, `${bytes(r.bytesPerHour)} per hour · ${headroom}`),
    r.low ? h('p', { class: 'warning', id: 'low-disk-warning' }, r.warning,
      r.onlyHeldLeft ? '. Only footage under legal hold is left to delete: recording pauses rather than delete it.'
        : '. The oldest recordings are being deleted.') : null);
}

function renderStatus(el, s) {
  const storage = s.storage;
  const sync = s.timeSync || { status: 'unknown' };
  const services = s.services || [];
  fill(el,
    h('h3', null, 'Storage'),
    storage ? [
      h('p', null, `${bytes(storage.freeBytes)} free of ${bytes(storage.totalBytes)}`),
      storage.low ? h('p', { class: 'warning' },
        `Low disk space: less than ${bytes(storage.minFreeBytes)} free. Recording may stop.`) : null,
    ] : h('p', { class: 'muted' }, 'Storage status unknown.'),
    retentionFacts(s.retention),
    h('h3', null, 'Time synchronisation'),
    h('p', { class: sync.status === 'synced' ? 'ok' : 'warning' }, timeSyncText(sync)),
    h('h3', null, 'Services'),
    services.length ? h('ul', { class: 'services' }, services.map((svc) =>
      h('li', { class: `service service-${svc.status === 'up' ? 'up' : 'down'}`, 'data-service': svc.name },
        h('span', null, svc.name), h('span', { class: 'service-state' }, svc.status === 'up' ? 'Up' : 'Down'))))
      : h('p', { class: 'muted' }, 'No services reported.'),
    h('p', { class: 'muted small' }, 'Updated ', timeEl(new Date().toISOString(), 'time')));
}

function timeSyncText({ status, offsetMs, server }) {
  const base = { synced: 'Synchronised', unsynced: 'Not synchronised' }[status] || 'Unknown';
  const parts = [];
  if (typeof offsetMs === 'number') parts.push(`offset ${offsetMs} ms`);
  if (server) parts.push(`server ${server}`);
  return parts.length ? `${base} (${parts.join(', ')})` : base;
}
