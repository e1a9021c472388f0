// Recordings: a timeline of one local day for up to four cameras played in step (design 0020 §3). Each camera's
// segments are merged into spans (gaps stay gaps), its motion events and bookmarks are markers; zoom runs from 24 h
// to 1 min around the playhead; hovering a row shows the frame at that moment; speeds 0.5x to 16x, a frame step, and
// the previous or next event. Times are the viewer's local time, UTC in each title.
// Links from events arrive as #/recordings?camera=<id>&at=<ISO> and start playing 30 s before that moment.
import { api, atLeast, handled, reportError } from '../api.js';
import { siteCameras } from '../sites.js';
import * as socket from '../socket.js';
import { h, fill, field, localDay, toDate, query } from '../dom.js';
import { ZOOMS, viewAround, ticks, tickLabel, clock, percent } from '../timeline.js';

const MAX_CAMERAS = 4;
const WINDOW_BEFORE_MS = 60e3; // a camera's clip: from a minute before the playhead…
const WINDOW_AFTER_MS = 29 * 60e3; // …to 29 minutes after it (the recorder serves at most 60 minutes at once)
const LEAD_IN_MS = 30e3;
const DRIFT_S = 0.25; // a follower further than this from the leader is put back in step
const SPEEDS = [0.5, 1, 2, 4, 8, 16];

/** Local midnight to the next local midnight (23 or 25 hours on DST days). */
function dayRange(value) {
  const [y, m, d] = value.split('-').map(Number);
  return { start: new Date(y, m - 1, d).getTime(), end: new Date(y, m - 1, d + 1).getTime() };
}

export function mount(root, { me, params, signal }) {
  const at = toDate(params.get('at'));
  const operator = atLeast(me.role, 'operator');
  const picker = h('fieldset', { id: 'rec-cameras', class: 'camera-picker' },
    h('legend', null, `Cameras (up to ${MAX_CAMERAS})`));
  const day = h('input', { id: 'rec-day', type: 'date', value: localDay(at || new Date()), required: true });
  const zoomSelect = h('select', { id: 'tl-zoom' }, ZOOMS.map((z, i) => h('option', { value: String(i) }, z.label)));
  const speed = h('select', { id: 'tl-speed' }, SPEEDS.map((s) => h('option', { value: String(s), selected: s === 1 },
    `${s}×`)));
  const playPause = h('button', { type: 'button', id: 'tl-play', class: 'secondary' }, 'Play');
  const prevEvent = h('button', { type: 'button', id: 'tl-prev-event', class: 'secondary' }, '◀ Event');
  const nextEvent = h('button', { type: 'button', id: 'tl-next-event', class: 'secondary' }, 'Event ▶');
  const stepBack = h('button', { type: 'button', id: 'tl-step-back', class: 'secondary',
    'aria-label': 'One frame back' }, '◀|');
  const stepFwd = h('button', { type: 'button', id: 'tl-step', class: 'secondary', 'aria-label': 'One frame on' }, '|▶');
  const zoomOut = h('button', { type: 'button', id: 'tl-zoom-out', class: 'secondary', 'aria-label': 'Zoom out' }, '−');
  const zoomIn = h('button', { type: 'button', id: 'tl-zoom-in', class: 'secondary', 'aria-label': 'Zoom in' }, '+');
  const summary = h('p', { id: 'rec-summary', class: 'muted', role: 'status' }, 'Loading…');
  const axis = h('div', { class: 'tl-axis', 'aria-hidden': 'true' });
  const rowsEl = h('div', { class: 'tl-rows' });
  const playhead = h('div', { class: 'tl-playhead', 'aria-hidden': 'true' });
  const thumbCanvas = h('canvas', { width: 160, height: 90 });
  const thumbTime = h('span');
  const thumb = h('div', { id: 'tl-thumb', class: 'tl-thumb', hidden: true, 'aria-hidden': 'true' }, thumbCanvas,
    thumbTime);
  const timeline = h('div', { id: 'timeline', class: 'timeline', role: 'group' }, axis, rowsEl, playhead, thumb);
  const videos = h('div', { id: 'tl-videos', class: 'tl-videos' });
  const info = h('p', { id: 'playback-info', class: 'muted', role: 'status' }, 'Choose a moment on the timeline.');
  const download = operator
    ? h('a', { id: 'download', class: 'button secondary', download: true, hidden: true }, 'Download clip') : null;
  const note = operator ? h('input', { id: 'bm-note', type: 'text', maxlength: 500, autocomplete: 'off' }) : null;
  const bookmarkButton = operator ? h('button', { type: 'button', id: 'bm-add', class: 'secondary' },
    'Bookmark this moment') : null;
  const search = h('input', { id: 'bm-search', type: 'search', maxlength: 200 });
  const results = h('ul', { id: 'bm-results', class: 'bm-results', 'aria-label': 'Bookmarks found' });
  fill(root,
    h('h1', null, 'Recordings'),
    h('div', { class: 'filters' }, picker, field('Day', day, 'Shown in your local time; UTC on hover.')),
    h('section', { 'aria-labelledby': 'timeline-heading' },
      h('h2', { id: 'timeline-heading' }, 'Timeline'), summary,
      h('div', { class: 'tl-controls', role: 'toolbar', 'aria-label': 'Playback' },
        prevEvent, stepBack, playPause, stepFwd, nextEvent, field('Speed', speed), zoomOut, field('Zoom', zoomSelect),
        zoomIn),
      timeline,
      h('p', { class: 'hint' }, 'Keys: Space play or pause, , and . one frame, p and n previous or next event, '
        + '- and + zoom.')),
    h('section', { 'aria-labelledby': 'playback-heading' },
      h('h2', { id: 'playback-heading' }, 'Playback'), videos, info, download),
    h('section', { 'aria-labelledby': 'bookmarks-heading' },
      h('h2', { id: 'bookmarks-heading' }, 'Bookmarks'),
      operator ? h('div', { class: 'filters' }, field('Note', note), h('div', { class: 'actions' }, bookmarkButton))
        : null,
      h('form', { class: 'filters', id: 'bm-search-form', role: 'search' }, field('Search bookmarks', search),
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Search'))),
      results));

  let cameras = [];
  const names = new Map();
  let chosen = []; // camera ids shown, in order; the first leads playback
  let range = null; // the day, in ms
  let zoom = 0;
  let view = null;
  let cursor = null; // the playhead (ms)
  let generation = 0;
  const rows = new Map(); // camera → {el, spans, events, bookmarks}
  const players = new Map(); // camera → {video, start (ms), end, fps, from, to, scrub}

  const name = (id) => names.get(id) || id;
  const leader = () => players.get(chosen[0]);
  const wallOf = (p) => (p && p.start != null ? p.start + p.video.currentTime * 1000 : null);

  // -- the timeline ------------------------------------------------------------------------------------------------

  const place = (el, t, width) => {
    const left = percent(t, view);
    el.style.left = `${left}%`;
    if (width != null) el.style.width = `${Math.max(0.15, percent(t + width, view) - left)}%`;
    el.hidden = left > 100 || (width == null ? left < 0 : percent(t + width, view) < 0);
  };

  const render = () => {
    if (!range) return;
    view = viewAround(cursor == null ? range.start + (range.end - range.start) / 2 : cursor, ZOOMS[zoom],
      range.start, range.end);
    timeline.dataset.viewMs = String(Math.round(view.end - view.start));
    timeline.dataset.viewStart = new Date(view.start).toISOString();
    fill(axis, ticks(view, ZOOMS[zoom]).map((t) => {
      const tick = h('span', { title: new Date(t).toISOString() }, tickLabel(t, ZOOMS[zoom]));
      tick.style.left = `${percent(t, view)}%`;
      return tick;
    }));
    for (const [cam, row] of rows) {
      for (const el of row.el.querySelectorAll('[data-t]')) {
        place(el, Number(el.dataset.t), el.dataset.w == null ? null : Number(el.dataset.w));
      }
      row.el.setAttribute('aria-label', `Recordings of ${name(cam)} from ${clock(view.start)} to ${clock(view.end)}`);
    }
    drawPlayhead();
  };

  const drawPlayhead = () => {
    if (!view || cursor == null) { playhead.hidden = true; return; }
    const left = percent(cursor, view);
    playhead.hidden = left < 0 || left > 100;
    playhead.style.left = `calc(var(--tl-name) + (100% - var(--tl-name)) * ${left / 100})`;
  };

  const spanButton = (cam, s) => {
    const label = `${clock(s.start)}–${clock(s.end)}`;
    const b = h('button', { type: 'button', class: 'seg', 'aria-label': `${name(cam)} recorded ${label}`,
      title: `${new Date(s.start).toISOString()} – ${new Date(s.end).toISOString()}`, 'data-t': s.start,
      'data-w': s.end - s.start, 'data-start': new Date(s.start).toISOString(),
      'data-end': new Date(s.end).toISOString() });
    b.addEventListener('click', (e) => {
      // a click lands where it points; Enter on a focused span starts the span
      const rect = b.parentElement.getBoundingClientRect();
      const t = e.detail && rect.width ? view.start + ((e.clientX - rect.left) / rect.width) * (view.end - view.start)
        : s.start;
      seek(Math.max(s.start, Math.min(t, s.end - 1000)));
    });
    return b;
  };

  const marker = (kind, t, label, title) => {
    const b = h('button', { type: 'button', class: `tl-${kind}`, 'data-t': t, 'aria-label': label, title });
    b.addEventListener('click', () => seek(Math.max(range.start, t - 5000)));
    return b;
  };

  /** What names a span or a marker across redraws: a span's start stays while its end grows. */
  const focusKey = (el) => el.dataset.start || (el.dataset.event && `e${el.dataset.event}`)
    || (el.dataset.bookmark && `b${el.dataset.bookmark}`) || null;

  const loadRow = async (cam, gen) => {
    const from = new Date(range.start).toISOString();
    const to = new Date(range.end).toISOString();
    const [found, events, bookmarks] = await Promise.all([
      api(`/api/segments/spans${query({ camera: cam, from, to })}`, { signal }),
      api(`/api/events${query({ camera: cam, from, to, limit: 500 })}`, { signal }).catch(() => ({ items: [] })),
      api(`/api/bookmarks${query({ camera: cam, from, to, limit: 500 })}`, { signal }).catch(() => []),
    ]);
    if (gen !== generation) return;
    const row = rows.get(cam);
    row.spans = found.map((s) => ({ start: Date.parse(s.start), end: Date.parse(s.end), segments: s.segments }));
    row.events = (events.items || []).map((e) => ({ t: Date.parse(e.startedAt), e }));
    row.bookmarks = bookmarks.map((b) => ({ t: Date.parse(b.at), b }));
    const track = row.el.querySelector('.tl-track');
    // a new segment redraws the row: whoever had a span or a marker focused (by keyboard) keeps it focused
    const had = track.contains(document.activeElement) ? focusKey(document.activeElement) : null;
    fill(track,
      row.spans.map((s) => spanButton(cam, s)),
      row.events.map(({ t, e }) => {
        const labels = e.labels && e.labels.length ? e.labels.join(', ') : 'motion';
        const m = marker(e.labels && e.labels.length ? 'event detection' : 'event', t,
          `${labels} on ${name(cam)} at ${clock(t)}`, `${labels} · ${new Date(t).toISOString()}`);
        m.dataset.event = e.eventId;
        return m;
      }),
      row.bookmarks.map(({ t, b }) => {
        const m = marker('bookmark', t, `Bookmark on ${name(cam)} at ${clock(t)}: ${b.note}`,
          `${b.note} (${b.createdBy}) · ${new Date(t).toISOString()}`);
        m.dataset.bookmark = b.bookmarkId;
        return m;
      }));
    const again = had && [...track.children].find((el) => focusKey(el) === had);
    if (again) again.focus({ preventScroll: true });
    render();
  };

  const describe = () => {
    const counts = chosen.map((c) => `${name(c)}: ${(rows.get(c).spans || []).length} span(s)`);
    summary.textContent = chosen.length ? `${day.value} · ${counts.join(' · ')}` : 'Choose a camera.';
  };

  const load = async () => {
    const gen = ++generation;
    if (!day.value) return;
    range = dayRange(day.value);
    if (cursor == null || cursor < range.start || cursor >= range.end) cursor = null;
    fill(rowsEl);
    rows.clear();
    for (const cam of chosen) {
      const el = h('div', { class: 'tl-row', 'data-camera': cam, role: 'group' },
        h('span', { class: 'tl-name' }, name(cam)), h('div', { class: 'tl-track' }));
      el.querySelector('.tl-track').addEventListener('mousemove', (e) => hover(cam, e));
      el.querySelector('.tl-track').addEventListener('click', (e) => {
        if (e.target !== e.currentTarget || !view) return; // a span or a marker handles its own
        const rect = e.currentTarget.getBoundingClientRect();
        seek(view.start + ((e.clientX - rect.left) / rect.width) * (view.end - view.start));
      });
      el.querySelector('.tl-track').addEventListener('mouseleave', () => { thumb.hidden = true; });
      rows.set(cam, { el, spans: [], events: [], bookmarks: [] });
      rowsEl.append(el);
    }
    timeline.setAttribute('aria-label', `Recordings on ${day.value}`);
    summary.textContent = 'Loading…';
    render();
    try {
      await Promise.all(chosen.map((c) => loadRow(c, gen)));
      if (gen !== generation) return;
      describe();
    } catch (e) {
      summary.textContent = 'Recordings could not be loaded.';
      if (!handled(e)) throw e;
    }
  };

  // -- playback ----------------------------------------------------------------------------------------------------

  const clipUrl = (cam, from, to) => `/api/recorder/playback/${encodeURIComponent(cam)}.mp4${query({
    from: new Date(from).toISOString(), to: new Date(to).toISOString() })}`;

  let opening = 0; // seeks under way: the playhead follows the leader again once none is
  /** Opens each camera's clip around t and puts every video at t; playing goes on if it was. */
  const seek = async (t, { play } = {}) => {
    cursor = t;
    render();
    opening++;
    const wasPlaying = play !== undefined ? play : (leader() && !leader().video.paused);
    const jobs = chosen.map(async (cam) => {
      const p = players.get(cam);
      if (p.start != null && t >= p.start && t < p.end - 2000 && t >= p.from && t < p.to) {
        p.video.currentTime = (t - p.start) / 1000;
        return;
      }
      const from = Math.max(range.start - 3600e3, t - WINDOW_BEFORE_MS);
      const to = t + WINDOW_AFTER_MS;
      const url = clipUrl(cam, from, to);
      p.note.hidden = true;
      // where the clip really starts (the key frame at or before `from`): its frames are timed from there
      const head = await fetch(url, { method: 'HEAD', credentials: 'same-origin', signal }).catch(() => null);
      if (!head || !head.ok) {
        p.start = null;
        p.video.removeAttribute('src');
        p.video.load();
        p.note.textContent = head && head.status === 404 ? 'Nothing recorded around this moment.'
          : 'The recording could not be opened.';
        p.note.hidden = false;
        return;
      }
      const start = Date.parse(head.headers.get('X-Vigil-Start'));
      const end = Date.parse(head.headers.get('X-Vigil-End'));
      const frames = Number(head.headers.get('X-Vigil-Frames')) || 0;
      Object.assign(p, { start, end, from, to, fps: frames > 1 && end > start ? frames / ((end - start) / 1000) : 15 });
      p.video.dataset.start = new Date(start).toISOString(); // the clip's first frame, in wall time
      p.video.src = url;
      p.scrub.src = url;
      await new Promise((resolve) => p.video.addEventListener('loadedmetadata', resolve, { once: true }));
      p.video.currentTime = Math.max(0, (t - start) / 1000);
      if (cam === chosen[0] && download) {
        download.href = `${url}&download=1`;
        download.hidden = false;
      }
    });
    await Promise.all(jobs).finally(() => { opening--; });
    for (const p of players.values()) p.video.playbackRate = Number(speed.value);
    if (wasPlaying) playAll(); else syncPlayButton();
    showInfo();
  };

  const playAll = () => {
    for (const p of players.values()) if (p.start != null) p.video.play().catch(() => {});
    syncPlayButton(true);
  };
  const pauseAll = () => {
    for (const p of players.values()) p.video.pause();
    syncPlayButton(false);
  };
  const syncPlayButton = (playing = leader() && !leader().video.paused) => {
    playPause.textContent = playing ? 'Pause' : 'Play';
    playPause.setAttribute('aria-pressed', String(Boolean(playing)));
  };
  const showInfo = () => {
    if (cursor == null) return;
    info.textContent = `${chosen.map(name).join(', ')}: ${new Date(cursor).toLocaleString()}`;
    info.title = new Date(cursor).toISOString();
  };

  // the leader's time is the playhead; followers are put back in step when they drift
  const follow = () => {
    const lead = leader();
    const t = wallOf(lead);
    if (t == null || lead.video.seeking || opening > 0) return;
    cursor = t;
    for (const [cam, p] of players) {
      if (cam === chosen[0] || p.start == null || p.video.seeking) continue;
      const want = (t - p.start) / 1000;
      if (want < 0 || want > p.video.duration) continue;
      if (Math.abs(p.video.currentTime - want) > DRIFT_S * Math.max(1, Number(speed.value))) p.video.currentTime = want;
      if (p.video.paused !== lead.video.paused) {
        if (lead.video.paused) p.video.pause(); else p.video.play().catch(() => {});
      }
    }
    // near the end of the clip's window, the next window from where the playhead is (a clip that ends before its
    // window is the recording's end: there is nothing more to fetch)
    if (!lead.video.paused && t > lead.to - 5000) seek(t, { play: true });
    drawPlayhead();
    timeline.dataset.cursor = new Date(t).toISOString();
  };
  const followTimer = setInterval(follow, 200);

  const step = (frames) => {
    pauseAll();
    const lead = leader();
    if (!lead || lead.start == null) return;
    lead.video.currentTime = Math.max(0, lead.video.currentTime + frames / lead.fps);
    lead.video.addEventListener('seeked', () => { follow(); showInfo(); }, { once: true });
  };

  const allEvents = () => chosen.flatMap((c) => (rows.get(c) ? rows.get(c).events : [])).map((e) => e.t)
    .sort((a, b) => a - b);
  const jumpEvent = (dir) => {
    const now = cursor == null ? range.start : cursor;
    const list = allEvents();
    // an event is shown from 5 s before it: "next" skips the one the playhead stands at
    const t = dir > 0 ? list.find((x) => x - 5000 > now + 500) : [...list].reverse().find((x) => x - 5000 < now - 500);
    if (t == null) { summary.textContent = `No ${dir > 0 ? 'later' : 'earlier'} event on ${day.value}.`; return; }
    seek(Math.max(range.start, t - 5000));
  };

  // hovering a row: the frame at that moment, from a hidden copy of the camera's clip
  let scrubbing = false;
  let scrubWanted = null;
  const hover = (cam, e) => {
    if (!view) return;
    const track = e.currentTarget;
    const rect = track.getBoundingClientRect();
    const t = view.start + ((e.clientX - rect.left) / rect.width) * (view.end - view.start);
    thumb.hidden = false;
    const outer = timeline.getBoundingClientRect();
    thumb.style.left = `${Math.max(0, Math.min(outer.width - 170, e.clientX - outer.left - 80))}px`;
    thumb.style.top = `${rect.bottom - outer.top + 4}px`;
    thumbTime.textContent = clock(t);
    thumb.title = new Date(t).toISOString();
    const p = players.get(cam);
    if (!p || p.start == null || t < p.start || t > p.end) {
      thumbCanvas.hidden = true;
      return;
    }
    thumbCanvas.hidden = false;
    scrubWanted = { p, t };
    if (!scrubbing) scrubNext();
  };
  const scrubNext = () => {
    if (!scrubWanted) { scrubbing = false; return; }
    scrubbing = true;
    const { p, t } = scrubWanted;
    scrubWanted = null;
    p.scrub.addEventListener('seeked', () => {
      thumbCanvas.getContext('2d').drawImage(p.scrub, 0, 0, thumbCanvas.width, thumbCanvas.height);
      thumb.dataset.frameAt = new Date(p.start + p.scrub.currentTime * 1000).toISOString();
      scrubNext();
    }, { once: true });
    p.scrub.currentTime = (t - p.start) / 1000;
  };

  const setZoom = (z) => {
    zoom = Math.max(0, Math.min(ZOOMS.length - 1, z));
    zoomSelect.value = String(zoom);
    render();
  };

  // -- cameras -----------------------------------------------------------------------------------------------------

  const setCameras = (ids, { play } = {}) => {
    // a video taken out of the page pauses: whether the leader played decides whether all play again
    const wasPlaying = Boolean(play) || Boolean(leader() && !leader().video.paused);
    chosen = ids.slice(0, MAX_CAMERAS);
    for (const [cam, p] of players) {
      if (!chosen.includes(cam)) {
        p.video.removeAttribute('src');
        p.video.load();
        p.scrub.removeAttribute('src');
        players.delete(cam);
      }
    }
    fill(videos);
    chosen.forEach((cam, i) => {
      let p = players.get(cam);
      if (!p) {
        const video = h('video', { id: i === 0 ? 'playback' : null, 'data-camera': cam, preload: 'metadata',
          muted: true, playsinline: true, 'aria-label': `Recording of ${name(cam)}` });
        const scrub = h('video', { preload: 'metadata', muted: true, hidden: true, 'aria-hidden': 'true' });
        const noteEl = h('p', { class: 'note', hidden: true });
        video.addEventListener('error', () => {
          if (!video.getAttribute('src')) return;
          reportError(`The recording of ${name(cam)} could not be played: the recorder may have no video then.`);
        });
        p = { video, scrub, note: noteEl, start: null };
        players.set(cam, p);
      }
      p.video.id = i === 0 ? 'playback' : `playback-${i}`;
      p.video.controls = i === 0;
      videos.append(h('figure', { class: 'tl-video' }, p.video, p.scrub, h('figcaption', null, name(cam)), p.note));
    });
    for (const box of picker.querySelectorAll('input[type=checkbox]')) {
      box.checked = chosen.includes(box.value);
      box.disabled = !box.checked && chosen.length >= MAX_CAMERAS;
    }
    load().then(() => { if (cursor != null) seek(cursor, { play: wasPlaying }); });
  };

  // -- wiring ------------------------------------------------------------------------------------------------------

  playPause.addEventListener('click', () => {
    if (cursor == null) { const first = rows.get(chosen[0]); if (first && first.spans.length) seek(first.spans[0].start, { play: true }); return; }
    if (leader() && leader().video.paused) playAll(); else pauseAll();
  });
  speed.addEventListener('change', () => { for (const p of players.values()) p.video.playbackRate = Number(speed.value); });
  prevEvent.addEventListener('click', () => jumpEvent(-1));
  nextEvent.addEventListener('click', () => jumpEvent(1));
  stepBack.addEventListener('click', () => step(-1));
  stepFwd.addEventListener('click', () => step(1));
  zoomOut.addEventListener('click', () => setZoom(zoom - 1));
  zoomIn.addEventListener('click', () => setZoom(zoom + 1));
  zoomSelect.addEventListener('change', () => setZoom(Number(zoomSelect.value)));
  day.addEventListener('change', () => { cursor = null; load(); });
  rowsEl.addEventListener('wheel', (e) => {
    if (!e.ctrlKey) return; // plain scrolling scrolls the page
    e.preventDefault();
    setZoom(zoom + (e.deltaY < 0 ? 1 : -1));
  }, { passive: false });

  const onKey = (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey
      || e.target.closest('input, select, textarea, button, a, video, [role="button"]')) return;
    const keys = { ' ': () => (leader() && leader().video.paused ? playAll() : pauseAll()), ',': () => step(-1),
      '.': () => step(1), p: () => jumpEvent(-1), n: () => jumpEvent(1), '-': () => setZoom(zoom - 1),
      '+': () => setZoom(zoom + 1), '=': () => setZoom(zoom + 1) };
    const action = keys[e.key];
    if (!action || !leader() || (e.key === ' ' && leader().start == null)) return;
    e.preventDefault();
    action();
  };
  document.addEventListener('keydown', onKey);

  if (bookmarkButton) {
    bookmarkButton.addEventListener('click', async () => {
      const text = note.value.trim();
      if (!text) { reportError('Write a note for the bookmark first.'); note.focus(); return; }
      if (cursor == null) { reportError('Choose a moment on the timeline first.'); return; }
      try {
        const b = await api('/api/bookmarks', { method: 'POST', body: { camera: chosen[0],
          at: new Date(cursor).toISOString(), note: text } });
        note.value = '';
        const row = rows.get(b.cameraId);
        if (row) {
          const t = Date.parse(b.at);
          row.bookmarks.push({ t, b });
          const m = marker('bookmark', t, `Bookmark on ${name(b.cameraId)} at ${clock(t)}: ${b.note}`,
            `${b.note} (${b.createdBy}) · ${new Date(t).toISOString()}`);
          m.dataset.bookmark = b.bookmarkId;
          row.el.querySelector('.tl-track').append(m);
          render();
        }
        summary.textContent = `Bookmarked ${name(b.cameraId)} at ${clock(Date.parse(b.at))}.`;
      } catch (e) {
        if (!handled(e)) throw e;
      }
    });
  }
  root.querySelector('#bm-search-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = search.value.trim();
    if (!text) return;
    try {
      const found = await api(`/api/bookmarks${query({ q: text, limit: 100 })}`, { signal });
      fill(results, found.length ? found.map((b) => h('li', { 'data-bookmark': b.bookmarkId },
        h('a', { href: `#/recordings?camera=${encodeURIComponent(b.cameraId)}&at=${encodeURIComponent(b.at)}`,
          title: b.at }, `${name(b.cameraId)} · ${new Date(b.at).toLocaleString()}`), ` — ${b.note} (${b.createdBy})`))
        : h('li', { class: 'muted' }, 'No bookmark matches.'));
    } catch (err) {
      if (!handled(err)) throw err;
    }
  });

  const offSegment = socket.on('segment', (seg) => {
    const row = rows.get(seg.cameraId);
    if (!row || !range || Date.parse(seg.startedAt) >= range.end) return;
    // a new segment: the row's spans again (cheap, and merging stays in one place)
    loadRow(seg.cameraId, generation).then(describe).catch(() => {});
  });

  siteCameras({ signal }).then((list) => {
    cameras = list;
    for (const cam of cameras) {
      names.set(cam.id, cam.name || cam.id);
      const box = h('input', { type: 'checkbox', value: cam.id, 'data-camera-choice': cam.id });
      box.addEventListener('change', () => {
        setCameras(box.checked ? [...chosen, cam.id] : chosen.filter((c) => c !== cam.id));
      });
      picker.append(h('label', { class: 'inline' }, box, ` ${cam.name || cam.id}`));
    }
    if (!cameras.length) { summary.textContent = 'No cameras in your sites.'; return; }
    const wanted = params.get('camera');
    if (wanted && !cameras.some((c) => c.id === wanted)) reportError(`Camera "${wanted}" is not available to you.`);
    if (at) {
      cursor = at.getTime() - LEAD_IN_MS;
      zoom = 2; // an hour around the event
      zoomSelect.value = String(zoom);
    }
    setCameras([wanted && cameras.some((c) => c.id === wanted) ? wanted : cameras[0].id], { play: Boolean(at) });
  }).catch((e) => { if (!handled(e)) throw e; });

  return () => {
    clearInterval(followTimer);
    document.removeEventListener('keydown', onKey);
    offSegment();
    for (const p of players.values()) {
      p.video.removeAttribute('src');
      p.video.load(); // stops the download of the clip
      p.scrub.removeAttribute('src');
      p.scrub.load();
    }
  };
}
