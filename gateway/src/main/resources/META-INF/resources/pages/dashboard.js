// Dashboard: the cameras grouped by site, each site with its contact, clock and storage (refreshed every 5 s), one
// tile per camera with its live state, and the system status panel (refreshed every 15 s).
import { api, handled } from '../api.js';
import { selectedSite, siteCameras } from '../sites.js';
import * as socket from '../socket.js';
import { h, fill, timeEl, bytes, STATE_TEXT, stateOf } from '../dom.js';

const REFRESH_MS = 15000;
const SITES_REFRESH_MS = 5000;

export function mount(root, { signal }) {
  const groups = h('div', { id: 'camera-tiles', class: 'site-groups' });
  const status = h('div', { id: 'system-status', class: 'panel' }, h('p', { class: 'muted' }, 'Loading…'));
  fill(root,
    h('h1', null, 'Dashboard'),
    h('section', { 'aria-labelledby': 'cameras-heading' },
      h('h2', { id: 'cameras-heading' }, selectedSite() ? `Cameras of site ${selectedSite()}` : 'Cameras by site'),
      groups),
    h('section', { 'aria-labelledby': 'status-heading' },
      h('h2', { id: 'status-heading' }, 'System status'), status));

  const cameras = new Map();
  const sites = new Map(); // site → its status from /api/sites/status
  let loaded = false;
  const groupOf = (site) => {
    let group = groups.querySelector(`[data-site="${CSS.escape(site)}"]`);
    if (!group) {
      group = h('section', { class: 'site-group', 'data-site': site, 'aria-label': `Site ${site}` },
        h('header', { class: 'site-header' }), h('ul', { class: 'tiles', 'aria-label': `Cameras of site ${site}` }));
      groups.append(group);
    }
    return group;
  };
  const renderSite = (site) => fill(groupOf(site).querySelector('.site-header'), siteHeader(site, sites.get(site)));
  const renderTile = (cam) => {
    const tile = cameraTile(cam, socket.cameraStates.get(cam.id));
    const list = groupOf(cam.site).querySelector('.tiles');
    const old = list.querySelector(`[data-camera="${CSS.escape(cam.id)}"]`);
    if (old) old.replaceWith(tile); else list.append(tile);
  };
  const renderAll = () => {
    fill(groups);
    const names = new Set([...sites.keys()].filter((s) => !selectedSite() || s === selectedSite()));
    for (const cam of cameras.values()) names.add(cam.site);
    for (const site of [...names].sort()) renderSite(site);
    for (const cam of cameras.values()) renderTile(cam);
    if (loaded && !cameras.size) groups.append(h('p', { class: 'empty' }, 'No cameras in your sites.'));
  };

  siteCameras({ signal }).then((list) => {
    for (const cam of list) cameras.set(cam.id, cam);
    loaded = true;
    renderAll();
  }).catch((e) => {
    fill(groups, h('p', { class: 'empty' }, 'Cameras could not be loaded.'));
    if (!handled(e)) throw e;
  });

  const loadSites = () => api(`/api/sites/status${selectedSite() ? `?site=${encodeURIComponent(selectedSite())}` : ''}`,
    { signal, quiet: true })
    .then((list) => {
      const known = sites.size;
      for (const s of list) sites.set(s.site, s);
      if (known !== sites.size) renderAll(); else for (const s of list) renderSite(s.site);
    })
    .catch((e) => {
      if (e.name === 'AbortError') return;
      for (const site of sites.keys()) sites.set(site, null);
      for (const site of sites.keys()) renderSite(site);
    });
  loadSites();
  const sitesTimer = setInterval(loadSites, SITES_REFRESH_MS);

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
    clearInterval(sitesTimer);
    offStatus();
    offSnapshot();
  };
}

const SITE_STATE_TEXT = { connected: 'Connected', disconnected: 'Disconnected', unknown: 'No contact yet' };

/** A site's heading: its name, whether central hears from it (since when not), its clock and its storage. */
function siteHeader(site, s) {
  const state = s ? s.state : 'unknown';
  const skewS = s && typeof s.skewMs === 'number' ? Math.round(s.skewMs / 100) / 10 : null;
  return [
    h('h3', null, `Site ${site}`),
    h('p', { class: `site-state site-${state}`, 'data-state': state },
      s ? SITE_STATE_TEXT[state] : 'Status unavailable',
      state === 'disconnected' && s.lastContact ? [' since ', timeEl(s.lastContact)] : null,
      state === 'connected' && s.lastContact ? h('span', { class: 'muted small' }, ' · last contact ',
        timeEl(s.lastContact, 'time')) : null),
    s && s.skewed ? h('p', { class: 'warning site-skew' },
      `Clock ${Math.abs(skewS)} s ${skewS > 0 ? 'behind' : 'ahead of'} central: this site's times are off, and its `
      + 'exports say so.') : null,
    s && s.storageTotalBytes ? h('p', { class: 'muted site-storage' },
      `${bytes(s.storageFreeBytes)} free of ${bytes(s.storageTotalBytes)} · ${s.camerasRecording} recording`) : null,
  ];
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
