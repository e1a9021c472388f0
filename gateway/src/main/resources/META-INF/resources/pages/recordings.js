// Recordings: pick a camera and a (local) day, see its recorded segments on a 24-hour timeline, play a clip.
// Links from events arrive as #/recordings?camera=<id>&at=<ISO> and start playing 30 s before that moment.
import { api, atLeast, handled, reportError } from '../api.js';
import { siteCameras } from '../sites.js';
import * as socket from '../socket.js';
import { h, fill, field, hhmm, localDay, toDate, query } from '../dom.js';

const MAX_CLIP_MS = 60 * 60 * 1000; // the recorder serves at most 60 minutes per request
const LEAD_IN_MS = 30 * 1000;

/** Local midnight to the next local midnight (23 or 25 hours on DST days). */
function dayRange(value) {
  const [y, m, d] = value.split('-').map(Number);
  return { start: new Date(y, m - 1, d), end: new Date(y, m - 1, d + 1) };
}

export function mount(root, { me, params, signal }) {
  const at = toDate(params.get('at'));
  const cameraSelect = h('select', { id: 'rec-camera' });
  const day = h('input', { id: 'rec-day', type: 'date', value: localDay(at || new Date()), required: true });
  const summary = h('p', { id: 'rec-summary', class: 'muted', role: 'status' }, 'Loading…');
  const track = h('div', { class: 'track' });
  const scale = h('div', { class: 'scale', 'aria-hidden': 'true' });
  const timeline = h('div', { id: 'timeline', class: 'timeline', role: 'group' }, track, scale);
  const video = h('video', { id: 'playback', controls: true, preload: 'metadata' });
  const info = h('p', { id: 'playback-info', class: 'muted', role: 'status' }, 'Choose a segment on the timeline.');
  const download = atLeast(me.role, 'operator')
    ? h('a', { id: 'download', class: 'button secondary', download: true, hidden: true }, 'Download clip') : null;
  fill(root,
    h('h1', null, 'Recordings'),
    h('div', { class: 'filters' }, field('Camera', cameraSelect), field('Day', day, 'Shown in your local time.')),
    h('section', { 'aria-labelledby': 'timeline-heading' },
      h('h2', { id: 'timeline-heading' }, 'Timeline'), summary, timeline),
    h('section', { 'aria-labelledby': 'playback-heading' },
      h('h2', { id: 'playback-heading' }, 'Playback'), video, info, download));

  const blocks = new Map(); // segmentId → button
  let range = null;
  let generation = 0;

  const addBlock = (seg) => {
    const s = toDate(seg.startedAt);
    const e = toDate(seg.endedAt) || s;
    if (!s || blocks.has(seg.segmentId) || e <= range.start || s >= range.end) return;
    const span = range.end - range.start;
    const from = Math.max(s, range.start);
    const label = `${hhmm(s)}–${hhmm(e)}`;
    const block = h('button', { type: 'button', class: 'seg', 'aria-label': label, title: label,
      'data-segment': seg.segmentId, 'data-start': seg.startedAt, 'data-end': seg.endedAt });
    block.style.left = `${((from - range.start) / span) * 100}%`;
    block.style.width = `${((Math.min(e, range.end) - from) / span) * 100}%`;
    block.addEventListener('click', () => play(s, new Date(Math.min(e, s.getTime() + MAX_CLIP_MS)), block));
    blocks.set(seg.segmentId, block);
    track.append(block);
  };

  const describe = () => {
    summary.textContent = blocks.size
      ? `${blocks.size} recorded segment${blocks.size === 1 ? '' : 's'} on ${day.value}.`
      : 'No recordings on this day.';
  };

  const play = (from, to, block) => {
    const url = `/api/recorder/playback/${encodeURIComponent(cameraSelect.value)}.mp4${query({
      from: from.toISOString(), to: to.toISOString() })}`;
    for (const b of track.querySelectorAll('[aria-current]')) b.removeAttribute('aria-current');
    if (block) block.setAttribute('aria-current', 'true');
    video.src = url;
    video.play().catch(() => {}); // autoplay can be refused; the controls are there
    fill(info, `${cameraName()}: ${from.toLocaleString()} – ${to.toLocaleTimeString()}`);
    info.title = `${from.toISOString()} – ${to.toISOString()}`;
    if (download) {
      download.href = `${url}&download=1`;
      download.hidden = false;
    }
  };

  const cameraName = () => (cameraSelect.selectedOptions[0] || {}).textContent || cameraSelect.value;

  const load = async () => {
    const gen = ++generation;
    if (!day.value || !cameraSelect.value) return;
    range = dayRange(day.value);
    blocks.clear();
    fill(track);
    renderScale(scale, range);
    timeline.setAttribute('aria-label', `Recorded segments of ${cameraName()} on ${day.value}`);
    summary.textContent = 'Loading…';
    try {
      const segments = await api(`/api/segments${query({
        camera: cameraSelect.value, from: range.start.toISOString(), to: range.end.toISOString() })}`, { signal });
      if (gen !== generation) return;
      segments.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt)).forEach(addBlock);
      describe();
    } catch (e) {
      summary.textContent = 'Recordings could not be loaded.';
      if (!handled(e)) throw e;
    }
  };

  video.addEventListener('error', async () => {
    const src = video.getAttribute('src');
    if (!src) return; // the page removed it on leaving
    // the video element does not say why; ask once for one byte, whose error answer does
    // (e.g. "site north has been unreachable since …", or "no recording of … between …")
    const why = await fetch(src, { headers: { Range: 'bytes=0-0' }, credentials: 'same-origin', signal })
      .then(async (r) => (r.ok ? null : ((await r.json().catch(() => null)) || {}).message))
      .catch(() => null);
    if (signal.aborted || video.getAttribute('src') !== src) return;
    reportError(why ? `This clip could not be played: ${why}`
      : 'This clip could not be played: the recorder may have no video for that time.');
  });
  cameraSelect.addEventListener('change', load);
  day.addEventListener('change', load);

  // Space plays or pauses the clip from anywhere on the page but a control (which keeps Space for itself)
  const onKey = (e) => {
    if (e.key !== ' ' || e.ctrlKey || e.metaKey || e.altKey
      || e.target.closest('input, select, textarea, button, a, video, [role="button"]')) return;
    if (!video.getAttribute('src')) return;
    e.preventDefault();
    if (video.paused) video.play().catch(() => {}); else video.pause();
  };
  document.addEventListener('keydown', onKey);

  const offSegment = socket.on('segment', (seg) => {
    if (range && seg.cameraId === cameraSelect.value) { addBlock(seg); describe(); }
  });

  // from an event: start a little before it so the lead-up is visible, and ask for the most one request
  // may cover (60 minutes) since a link from an event does not know how long the recording runs
  const playAt = (moment) => {
    const from = new Date(moment.getTime() - LEAD_IN_MS);
    const block = [...blocks.values()].find((b) => Date.parse(b.dataset.start) <= moment
      && moment < Date.parse(b.dataset.end));
    play(from, new Date(from.getTime() + MAX_CLIP_MS), block);
  };

  siteCameras({ signal }).then(async (cameras) => {
    for (const cam of cameras) cameraSelect.append(h('option', { value: cam.id }, cam.name || cam.id));
    const wanted = params.get('camera');
    if (wanted && cameras.some((c) => c.id === wanted)) cameraSelect.value = wanted;
    else if (wanted) reportError(`Camera "${wanted}" is not available to you.`);
    if (!cameras.length) { summary.textContent = 'No cameras in your sites.'; return; }
    await load();
    if (at && cameraSelect.value === wanted) playAt(at);
  }).catch((e) => { if (!handled(e)) throw e; });

  return () => {
    document.removeEventListener('keydown', onKey);
    offSegment();
    video.removeAttribute('src');
    video.load(); // stops the download of the clip
  };
}

function renderScale(scale, { start, end }) {
  fill(scale);
  const span = end - start;
  for (let hour = 0; hour < 24; hour += 3) {
    const t = new Date(start.getFullYear(), start.getMonth(), start.getDate(), hour);
    const tick = h('span', null, `${String(hour).padStart(2, '0')}:00`);
    tick.style.left = `${((t - start) / span) * 100}%`;
    scale.append(tick);
  }
}
