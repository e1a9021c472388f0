// The one WebSocket of the UI (/ws): reconnects with backoff, re-sends the watch set after every reconnect,
// keeps the latest camera states and snapshot events for pages that open later, and fans messages out to
// listeners: 'hello', 'snapshot', 'motion', 'status', 'segment', 'frame' and 'connection'.
import { api } from './api.js';

const listeners = new Map();
/** cameraId → latest CameraStatus/StatusChange seen (snapshot, then updates). */
export const cameraStates = new Map();
let snapshotEvents = [];

let ws = null;
let wanted = false;
let attempt = 0;
let retryTimer = 0;
let watching = [];
let watchingNative = [];
let watchingSub = [];
const utf8 = new TextDecoder();

/** Subscribes fn to a message type; returns the unsubscribe function (pages call it when they leave). */
export function on(type, fn) {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type).add(fn);
  return () => listeners.get(type).delete(fn);
}

function emit(type, data) {
  for (const fn of listeners.get(type) || []) {
    try { fn(data); } catch (e) { console.error(`listener for ${type} failed`, e); }
  }
}

/** Events of the latest snapshot, newest first. */
export const latestEvents = () => snapshotEvents;

export function start() {
  if (wanted) return;
  wanted = true;
  attempt = 0;
  open();
}

/** Closes for good (signed out); state is dropped so the next user starts clean. */
export function stop() {
  wanted = false;
  clearTimeout(retryTimer);
  if (ws) {
    ws.onclose = null;
    ws.close(1000);
    ws = null;
  }
  cameraStates.clear();
  snapshotEvents = [];
  watching = [];
  watchingNative = [];
  watchingSub = [];
  setConnection('connecting');
}

/**
 * Replaces the set of cameras whose video this client wants ([] stops video), of those the ones it shows natively
 * (the camera's own stream as fMP4, design 0019; the others come as previews), and of those the ones it shows from
 * their sub-stream (the grid; a camera without one sends its main stream).
 */
export function watch(cameraIds, nativeIds = [], subIds = []) {
  watching = [...cameraIds];
  watchingNative = nativeIds.filter((id) => watching.includes(id));
  watchingSub = subIds.filter((id) => watchingNative.includes(id));
  send(watchMessage());
}

function watchMessage() {
  return { type: 'watch', cameras: watching, native: watchingNative, sub: watchingSub };
}

function send(msg) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

function setConnection(state, message = null) {
  emit('connection', { state, message });
}

function open() {
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  socket.binaryType = 'arraybuffer';
  ws = socket;
  let opened = false;
  socket.onopen = () => {
    opened = true;
    attempt = 0;
    setConnection('live');
    if (watching.length) send(watchMessage());
  };
  socket.onmessage = (m) => (typeof m.data === 'string' ? onText(m.data) : onFrame(m.data));
  socket.onclose = (e) => {
    if (ws !== socket) return;
    ws = null;
    // 4401: the session expired; 4403: it was ended (signed out elsewhere, password reset, access changed).
    // Reconnecting cannot help: /me answers 401 and the shell shows sign-in.
    if (e.code === 4401 || e.code === 4403) {
      wanted = false;
      setConnection('ended', e.reason || 'Your session ended.');
      api('/api/auth/me', { quiet: true }).catch(() => {});
      return;
    }
    setConnection('reconnecting');
    // 4008 (too slow) and 4408 (a ping went unanswered): come back at once; otherwise 1 s → 10 s
    const delay = e.code === 4008 || e.code === 4408 ? 0 : Math.min(10000, 1000 * 2 ** attempt++);
    retryTimer = setTimeout(open, delay);
    // a refused upgrade may mean the session is gone: /me answers 401 and the shell shows sign-in
    if (!opened) api('/api/auth/me', { quiet: true }).catch(() => {});
  };
}

function onText(text) {
  let msg;
  try { msg = JSON.parse(text); } catch { return; }
  if (Array.isArray(msg)) {
    for (const update of msg) onUpdate(update);
  } else if (msg.type === 'hello') {
    emit('hello', msg);
  } else if (msg.type === 'snapshot') {
    cameraStates.clear();
    for (const s of msg.statuses || []) cameraStates.set(s.cameraId, s);
    snapshotEvents = msg.events || [];
    emit('snapshot', msg);
  } else if (msg.type === 'watching') {
    emit('watching', msg); // the answer to a watch: the cameras refused (unknown, or of another site)
  } else if (msg.type === 'status' && msg.live) {
    setConnection(msg.live === 'degraded' ? 'degraded' : 'live', msg.message || null);
  } else {
    onUpdate(msg);
  }
}

function onUpdate(u) {
  if (!u) return;
  if (u.type === 'motion' && u.motion) emit('motion', u.motion);
  else if (u.type === 'segment' && u.segment) emit('segment', u.segment);
  else if (u.type === 'status' && u.status) {
    const prev = cameraStates.get(u.status.cameraId);
    // updates can overtake a snapshot; keep whichever is newer
    if (prev && prev.at && u.status.at && new Date(prev.at) > new Date(u.status.at)) return;
    cameraStates.set(u.status.cameraId, u.status);
    emit('status', u.status);
  }
}

/**
 * Binary frame: [u16 BE n][n bytes JSON header][payload]. A preview (no kind: a JPEG) is a 'frame'; native video
 * (kind init, fmp4 or unsupported) is a 'native' message with its payload as data.
 */
function onFrame(buffer) {
  if (buffer.byteLength < 2) return;
  const n = new DataView(buffer).getUint16(0);
  if (2 + n > buffer.byteLength) return;
  let header;
  try { header = JSON.parse(utf8.decode(new Uint8Array(buffer, 2, n))); } catch { return; }
  if (header.kind) emit('native', { ...header, data: new Uint8Array(buffer, 2 + n) });
  else emit('frame', { ...header, jpeg: new Uint8Array(buffer, 2 + n) });
}
