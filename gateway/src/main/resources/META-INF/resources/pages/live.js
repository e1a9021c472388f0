// Live: a grid of camera tiles, and a single view that plays one camera's own stream natively (design 0019). A tile
// plays the camera's sub-stream natively where it has one (a 360p stream costs the browser little to decode), else
// draws the JPEG previews /ws sends; the preview is also every native tile's fallback.
import { api, atLeast, handled } from '../api.js';
import { createPlayer, nativeSupported } from '../live-player.js';
import { siteCameras } from '../sites.js';
import * as socket from '../socket.js';
import { h, fill, field, STATE_TEXT, stateOf, svgEl, pictureSvg, polygonPoints } from '../dom.js';
import { latencyEnabled, latencyStore, measureFrame, measureVideoFrame } from '../latency.js';

const LAYOUT_KEY = 'vigil.layout';

export function mount(root, { me, signal }) {
  const grid = h('ul', { id: 'live-grid', class: 'live-grid', 'aria-label': 'Live cameras' });
  const single = h('section', { id: 'live-single', class: 'live-single', hidden: true, 'aria-label': 'One camera' });
  // layouts (design 0020 §4): the user's saved camera groups, with their columns
  const layoutSelect = h('select', { id: 'live-layout' }, h('option', { value: '' }, 'All cameras'));
  const editLayout = h('button', { type: 'button', id: 'live-layout-edit', class: 'secondary' }, 'Save as layout…');
  const removeLayout = h('button', { type: 'button', id: 'live-layout-delete', class: 'secondary', hidden: true },
    'Remove layout');
  const fullScreen = h('button', { type: 'button', id: 'live-fullscreen', class: 'secondary',
    'aria-pressed': 'false' }, 'Full screen');
  const layoutName = h('input', { id: 'layout-name', type: 'text', maxlength: 64, required: true, autocomplete: 'off' });
  const layoutColumns = h('select', { id: 'layout-columns' }, h('option', { value: '0' }, 'As many as fit'),
    [1, 2, 3, 4, 5, 6].map((n) => h('option', { value: String(n) }, String(n))));
  const layoutCameras = h('fieldset', { id: 'layout-cameras', class: 'camera-picker' },
    h('legend', null, 'Cameras, in this order'));
  const layoutError = h('p', { id: 'layout-error', class: 'error', role: 'alert' });
  const editor = h('form', { id: 'live-layout-editor', class: 'filters layout-editor', hidden: true,
    'aria-label': 'Save a layout' }, field('Name', layoutName), field('Columns', layoutColumns), layoutCameras,
  h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'layout-save' }, 'Save layout'),
    h('button', { type: 'button', id: 'layout-cancel', class: 'secondary' }, 'Cancel')), layoutError);
  // on the full screen itself, a way out besides Escape (the page's own button is under it then)
  const leaveFullScreen = h('button', { type: 'button', id: 'live-fullscreen-exit', class: 'secondary fs-exit',
    hidden: true }, 'Leave full screen');
  const area = h('div', { id: 'live-area', class: 'live-area' }, leaveFullScreen, grid, single);
  fill(root, h('div', { class: 'live-top' }, h('h1', null, 'Live'),
    h('div', { class: 'live-layouts' }, field('Layout', layoutSelect), editLayout, removeLayout, fullScreen)),
  editor, area);
  const measure = latencyEnabled();
  if (measure) latencyStore();
  const canToggle = atLeast(me.role, 'operator');
  const tiles = new Map();
  let view = null; // the single view open now: {cam, player, preview, opener}
  const watchGrid = () => {
    const natively = [...tiles.values()].filter((t) => t.natively()).map((t) => t.cam.id);
    socket.watch([...tiles.keys()], natively, natively);
  };

  const close = () => {
    if (!view) return;
    const { player, opener } = view;
    view = null;
    player.dispose();
    fill(single);
    single.hidden = true;
    grid.hidden = false;
    watchGrid();
    if (opener) opener.focus();
  };

  // one camera, full size: its own stream natively where this browser can play it, else its preview
  const open = (cam, opener) => {
    if (view) close();
    const name = cam.name || cam.id;
    const video = h('video', { 'data-native': cam.id, muted: true, autoplay: true, playsinline: true,
      'aria-label': `Live video of ${name}` });
    const canvas = h('canvas', { 'data-live': cam.id, 'data-frames': '0', hidden: true, role: 'img',
      'aria-label': `Live preview of ${name}` });
    const note = h('p', { id: 'live-single-note', class: 'note', role: 'status', hidden: true });
    const back = h('button', { type: 'button', id: 'live-single-back', class: 'secondary', onclick: close },
      'Back to all cameras');
    fill(single, h('div', { class: 'live-head' }, h('h2', null, name), back),
      h('div', { class: 'video' }, video, canvas, maskOverlay(cam.masks)), note);
    const showPreview = (text) => {
      note.textContent = text;
      note.hidden = false;
      video.hidden = true;
      canvas.hidden = false;
      socket.watch([cam.id]); // previews from now on
    };
    let scratch = null;
    const player = createPlayer(video, { onFallback: showPreview,
      onFrame: measure ? () => { scratch = measureVideoFrame(video, scratch); } : null });
    const refused = (reason) => {
      player.dispose();
      video.hidden = true;
      note.textContent = `No live video: ${reason}.`;
      note.hidden = false;
    };
    view = { cam, player, preview: previewCanvas(canvas), opener, refused };
    grid.hidden = true;
    single.hidden = false;
    if (nativeSupported()) socket.watch([cam.id], [cam.id]);
    else showPreview('This browser cannot play native video (no Media Source Extensions); the preview is shown.');
    back.focus();
  };

  const onKey = (e) => { if (e.key === 'Escape' && view) { e.preventDefault(); close(); } };
  document.addEventListener('keydown', onKey);

  let allCameras = [];
  let layouts = [];
  const showTiles = (cameras, columns) => {
    if (view) close();
    for (const t of tiles.values()) t.dispose();
    tiles.clear();
    fill(grid);
    grid.style.gridTemplateColumns = columns ? `repeat(${columns}, minmax(0, 1fr))` : '';
    grid.dataset.columns = String(columns || 0);
    if (!cameras.length) grid.append(h('li', { class: 'empty' }, 'No cameras in your sites.'));
    for (const cam of cameras) {
      const tile = liveTile(cam, { canToggle, measure, open, changed: () => { if (!view) watchGrid(); } });
      tiles.set(cam.id, tile);
      grid.append(tile.el);
    }
    watchGrid();
    watchSites();
  };
  const applyLayout = () => {
    const chosen = layouts.find((l) => l.name === layoutSelect.value);
    if (chosen) sessionStorage.setItem(LAYOUT_KEY, chosen.name); else sessionStorage.removeItem(LAYOUT_KEY);
    removeLayout.hidden = !chosen;
    editLayout.textContent = chosen ? 'Edit layout…' : 'Save as layout…';
    if (!chosen) { showTiles(allCameras, 0); return; }
    const byId = new Map(allCameras.map((c) => [c.id, c]));
    showTiles(chosen.cameras.map((id) => byId.get(id)).filter(Boolean), chosen.columns);
  };
  const loadLayouts = async (select) => {
    layouts = await api('/api/layouts', { signal, quiet: true }).catch(() => []);
    fill(layoutSelect, h('option', { value: '' }, 'All cameras'),
      layouts.map((l) => h('option', { value: l.name }, l.name)));
    layoutSelect.value = layouts.some((l) => l.name === select) ? select : '';
  };
  layoutSelect.addEventListener('change', applyLayout);
  editLayout.addEventListener('click', () => {
    const current = layouts.find((l) => l.name === layoutSelect.value);
    const inLayout = current ? current.cameras : [...tiles.keys()];
    layoutName.value = current ? current.name : '';
    layoutColumns.value = String(current ? current.columns : 0);
    fill(layoutCameras, h('legend', null, 'Cameras, in this order'),
      [...allCameras].sort((a, b) => (inLayout.indexOf(a.id) + 1 || 1e9) - (inLayout.indexOf(b.id) + 1 || 1e9))
        .map((c) => h('label', { class: 'inline' }, h('input', { type: 'checkbox', value: c.id,
          'data-layout-camera': c.id, checked: inLayout.includes(c.id) }), ` ${c.name || c.id}`)));
    layoutError.textContent = '';
    editor.hidden = false;
    layoutName.focus();
  });
  editor.querySelector('#layout-cancel').addEventListener('click', () => { editor.hidden = true; editLayout.focus(); });
  editor.addEventListener('submit', async (e) => {
    e.preventDefault();
    const cameras = [...layoutCameras.querySelectorAll('input:checked')].map((c) => c.value);
    const name = layoutName.value.trim();
    if (!name) { layoutError.textContent = 'Give the layout a name.'; return; }
    if (!cameras.length) { layoutError.textContent = 'Choose at least one camera.'; return; }
    try {
      await api(`/api/layouts/${encodeURIComponent(name)}`, { method: 'PUT',
        body: { cameras, columns: Number(layoutColumns.value) } });
      editor.hidden = true;
      await loadLayouts(name);
      applyLayout();
      layoutSelect.focus();
    } catch (err) {
      layoutError.textContent = err.message || 'The layout could not be saved.';
      if (!handled(err)) throw err;
    }
  });
  removeLayout.addEventListener('click', async () => {
    const name = layoutSelect.value;
    if (!name) return;
    try {
      await api(`/api/layouts/${encodeURIComponent(name)}`, { method: 'DELETE' });
      await loadLayouts('');
      applyLayout();
    } catch (err) {
      if (!handled(err)) throw err;
    }
  });
  // full screen: the grid (or the single view) alone on the screen; Escape or the button leaves it
  fullScreen.addEventListener('click', () => {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else if (area.requestFullscreen) area.requestFullscreen().catch(() => {});
  });
  leaveFullScreen.addEventListener('click', () => { if (document.fullscreenElement) document.exitFullscreen(); });
  const onFullScreen = () => {
    leaveFullScreen.hidden = document.fullscreenElement !== area;
    fullScreen.setAttribute('aria-pressed', String(document.fullscreenElement === area));
    fullScreen.textContent = document.fullscreenElement === area ? 'Leave full screen' : 'Full screen';
  };
  document.addEventListener('fullscreenchange', onFullScreen);

  Promise.all([siteCameras({ signal }), loadLayouts(sessionStorage.getItem(LAYOUT_KEY))]).then(([cameras]) => {
    if (signal.aborted) return; // left while the answer was parsed: do not start video for a gone page
    allCameras = cameras;
    applyLayout();
  }).catch((e) => { if (!handled(e)) throw e; });

  // a site central has lost contact with sends no pictures: each of its tiles says so, and since when
  async function watchSites() {
    const sites = await api('/api/sites/status', { quiet: true, signal }).catch(() => null);
    if (!sites || signal.aborted) return;
    const lost = new Map(sites.filter((s) => s.state === 'disconnected').map((s) => [s.site, s.lastContact]));
    for (const t of tiles.values()) t.site(lost.has(t.cam.site), lost.get(t.cam.site));
  }
  const siteTimer = setInterval(watchSites, 5000);

  const offFrame = socket.on('frame', (f) => {
    if (view && view.cam.id === f.camera) view.preview(f);
    const t = tiles.get(f.camera);
    if (t) t.frame(f);
  });
  const offNative = socket.on('native', (m) => {
    if (view) {
      if (view.cam.id === m.camera) view.player.push(m);
      return; // the grid is hidden: what was under way for its tiles is of no use
    }
    const t = tiles.get(m.camera);
    if (t) t.push(m);
  });
  const offWatching = socket.on('watching', (w) => {
    const refused = (w.refused || []).find((r) => view && r.camera === view.cam.id);
    if (refused) view.refused(refused.reason);
  });
  const offStatus = socket.on('status', (s) => { const t = tiles.get(s.cameraId); if (t) t.status(s); });
  const offSnapshot = socket.on('snapshot', () => {
    for (const [id, t] of tiles) t.status(socket.cameraStates.get(id));
  });
  return () => {
    clearInterval(siteTimer);
    document.removeEventListener('fullscreenchange', onFullScreen);
    if (document.fullscreenElement === area) document.exitFullscreen().catch(() => {});
    document.removeEventListener('keydown', onKey);
    if (view) view.player.dispose();
    socket.watch([]);
    offFrame();
    offNative();
    offWatching();
    offStatus();
    offSnapshot();
    for (const t of tiles.values()) t.dispose();
  };
}

/**
 * The camera's privacy masks, drawn opaque over the live picture (design 0018 §4): what they hide is not shown here,
 * and the recording keeps the original picture. Null when it has none.
 */
function maskOverlay(masks) {
  if (!masks || !masks.length) return null;
  const svg = pictureSvg({ class: 'mask-overlay', 'aria-hidden': 'true' });
  for (const m of masks) svg.append(svgEl('polygon', { points: polygonPoints(m.polygon), 'data-mask': m.name }));
  return svg;
}

/** A canvas drawing preview frames as they come (the newest while one decodes); returns frame(f). */
function previewCanvas(canvas) {
  const ctx = canvas.getContext('2d');
  let busy = false;
  let pending = null;
  const draw = async (f) => {
    busy = true;
    try {
      const bitmap = await createImageBitmap(new Blob([f.jpeg], { type: 'image/jpeg' }));
      if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
        canvas.width = bitmap.width;
        canvas.height = bitmap.height;
      }
      ctx.drawImage(bitmap, 0, 0);
      bitmap.close();
      canvas.dataset.frames = String(Number(canvas.dataset.frames) + 1);
    } catch { /* an undecodable preview: the next one */ } finally {
      busy = false;
      if (pending) { const p = pending; pending = null; draw(p); }
    }
  };
  return (f) => { if (busy) pending = f; else draw(f); };
}

/**
 * One camera tile: its sub-stream played natively where it has one and this browser has MSE, else its previews.
 * Returns {el, cam, natively(), push(m), frame(f), status(s), site(lost, since), dispose()}; changed() is called when
 * it falls back to previews (the watch must say so).
 */
function liveTile(cam, { canToggle, measure, open, changed }) {
  const name = cam.name || cam.id;
  const canvas = h('canvas', {
    'data-live': cam.id, 'data-frames': '0', role: 'img', 'aria-label': `Live view of ${name}`,
    width: 640, height: 360,
  });
  let video = null;
  let player = null;
  const fallback = h('p', { class: 'note tile-note', role: 'status', hidden: true });
  if ((cam.subStream || cam.subStreamUrl) && nativeSupported()) {
    video = h('video', { 'data-native': cam.id, 'data-stream': 'sub', muted: true, autoplay: true, playsinline: true,
      'aria-label': `Live video of ${name}` });
    canvas.hidden = true;
    // the tile takes the picture's shape, so that masks drawn in picture coordinates sit where they belong
    video.addEventListener('resize', () => {
      if (video.videoWidth) video.parentElement.style.aspectRatio = `${video.videoWidth} / ${video.videoHeight}`;
    });
    player = createPlayer(video, {
      onFrame: () => {
        overlay.hidden = true;
        labelFrame();
      },
      onFallback: (text) => {
        player.dispose();
        player = null;
        video.hidden = true;
        canvas.hidden = false;
        fallback.textContent = text;
        fallback.hidden = false;
        changed();
      },
    });
  }
  // reading pixels back (latency) is much faster from a CPU-backed canvas; otherwise leave it on the GPU
  const ctx = canvas.getContext('2d', { willReadFrequently: measure });
  const overlay = h('p', { class: 'overlay' }, 'Waiting for video…');
  const badge = h('span', { class: 'state-badge' });
  const lastFrame = h('span', { class: 'last-frame' }, 'No frame yet');
  const opener = h('button', { type: 'button', class: 'small secondary', 'data-open': cam.id,
    'aria-label': `Open ${name} full size` }, 'Open');
  opener.addEventListener('click', () => open(cam, opener));
  const el = h('li', { class: 'live-tile', 'data-camera': cam.id },
    h('div', { class: 'live-head' }, h('h2', null, name), h('span', { class: 'live-actions' }, badge, opener)),
    h('div', { class: 'video' }, video, canvas, maskOverlay(cam.masks), overlay), fallback,
    h('div', { class: 'live-foot' }, h('span', null, 'Last frame: ', lastFrame), recordingControl(cam, canToggle)));

  let frames = 0;
  let busy = false;
  let pending = null;
  let disposed = false;
  let lastLabelAt = 0;

  // decoding is async; while one frame decodes only the newest waiting frame is kept, so a slow
  // client shows the present instead of a growing backlog
  const draw = async (f) => {
    busy = true;
    try {
      const bitmap = await createImageBitmap(new Blob([f.jpeg], { type: 'image/jpeg' }));
      if (disposed) { bitmap.close(); return; }
      if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
        canvas.width = bitmap.width;
        canvas.height = bitmap.height;
        // the tile takes the camera's shape, so that masks drawn in picture coordinates sit where they belong
        canvas.parentElement.style.aspectRatio = `${bitmap.width} / ${bitmap.height}`;
      }
      ctx.drawImage(bitmap, 0, 0);
      bitmap.close();
      canvas.dataset.frames = String(++frames);
      overlay.hidden = true;
      if (measure) measureFrame(ctx, canvas.width, canvas.height, f.wall);
      labelFrame(f.wall);
    } catch {
      if (measure) latencyStore().errors++;
    } finally {
      busy = false;
      if (pending && !disposed) { const p = pending; pending = null; draw(p); }
    }
  };

  // the clock text changes at most once a second: enough to read, cheap on layout
  const labelFrame = (wallMicros) => {
    const now = Date.now();
    if (now - lastLabelAt < 1000) return;
    lastLabelAt = now;
    const d = new Date(typeof wallMicros === 'number' ? wallMicros / 1000 : now);
    lastFrame.textContent = d.toLocaleTimeString();
    lastFrame.title = d.toISOString();
  };

  let lastStatus;
  let siteLost = null; // since when the camera's site is out of contact (a Date), or null
  const status = (s) => {
    lastStatus = s;
    const state = stateOf(s);
    el.dataset.state = state;
    badge.className = `state-badge state-${state}`;
    badge.textContent = STATE_TEXT[state];
    if (siteLost) {
      overlay.hidden = false;
      overlay.textContent = `Site ${cam.site} has been unreachable since ${siteLost.toLocaleString()}: `
        + 'its cameras go on recording there, and live view returns with the link.';
      return;
    }
    // an offline camera's last picture stays visible but is marked as stale
    const stale = state === 'offline' || state === 'no_signal' || state === 'no_capture_node';
    overlay.hidden = (frames > 0 || (video && Number(video.dataset.frames) > 0)) && !stale;
    overlay.textContent = stale ? STATE_TEXT[state] : 'Waiting for video…';
  };
  status(socket.cameraStates.get(cam.id));

  return {
    el,
    cam,
    natively: () => player !== null,
    push: (m) => { if (player) player.push(m); },
    frame: (f) => { if (busy) pending = f; else draw(f); },
    status,
    site: (lost, since) => {
      const was = siteLost;
      siteLost = lost ? new Date(since || Date.now()) : null;
      el.dataset.siteLost = lost ? 'true' : 'false';
      if (Boolean(was) !== lost || (was && siteLost && was.getTime() !== siteLost.getTime())) status(lastStatus);
    },
    dispose: () => {
      disposed = true;
      pending = null;
      if (player) player.dispose();
    },
  };
}

/** Operators and admins get a real toggle button; viewers only read the state. */
function recordingControl(cam, canToggle) {
  if (!canToggle) {
    return h('span', { class: cam.recording ? 'rec on' : 'rec' }, cam.recording ? 'Recording' : 'Not recording');
  }
  const button = h('button', {
    type: 'button', class: 'rec-toggle', 'data-recording': cam.id, 'aria-pressed': Boolean(cam.recording),
    'aria-label': `Recording ${cam.name || cam.id}`,
  }, 'Recording');
  button.addEventListener('click', async () => {
    const wanted = button.getAttribute('aria-pressed') !== 'true';
    button.disabled = true;
    try {
      const updated = await api(`/api/cameras/${encodeURIComponent(cam.id)}/recording`, {
        method: 'PUT', body: { recording: wanted },
      });
      button.setAttribute('aria-pressed', String(Boolean(updated ? updated.recording : wanted)));
    } catch (e) {
      if (!handled(e)) throw e;
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
