// Glass-to-glass latency measurement for the synthetic camera (see "Burned-in timestamp" in ui-api.md):
// read the 48-bit millisecond code the camera drew into the frame and compare it with the clock at paint time.
const MAX_SAMPLES = 10000;
const MAX_SKEW_MS = 60000;

/** On when the page URL has latency=1 or localStorage.vigilLatency is '1'. */
export function latencyEnabled() {
  if (new URLSearchParams(location.search).get('latency') === '1') return true;
  try { return localStorage.getItem('vigilLatency') === '1'; } catch { return false; }
}

/**
 * The shared results object benchmarks read: {samples: [ms...], errors: n, delivery: [ms...]}. samples is glass to
 * glass (the camera drew the frame → it is painted here); delivery, the baseline, starts later, when the capture
 * service published the preview (its wall header), so samples − delivery is what the camera side adds.
 */
export function latencyStore() {
  if (!window.vigilLatency) window.vigilLatency = { samples: [], errors: 0, delivery: [] };
  return window.vigilLatency;
}

/**
 * Decodes the code from a 2D context holding a frame drawn at its natural size w×h.
 * Cells: 2 rows × 24 columns in x ∈ [0.64w, 0.99w), y ∈ [0, floor(0.12h)); bit 0 (most significant) top left.
 * Each cell's middle half is averaged and thresholded at luma 128. Returns epoch ms, or null if it cannot.
 */
export function decodeTimestamp(ctx, w, h) {
  const stripH = Math.floor(0.12 * h);
  const x0 = 0.64 * w;
  const cellW = (0.35 * w) / 24;
  const cellH = stripH / 2;
  if (cellW < 1 || cellH < 1) return null;
  const left = Math.floor(x0);
  const region = ctx.getImageData(left, 0, Math.ceil(0.99 * w) - left, stripH);
  let value = 0;
  for (let i = 0; i < 48; i++) {
    const row = Math.floor(i / 24);
    const col = i % 24;
    const xs = Math.round(x0 + (col + 0.25) * cellW) - left;
    const xe = Math.max(xs + 1, Math.round(x0 + (col + 0.75) * cellW) - left);
    const ys = Math.round((row + 0.25) * cellH);
    const ye = Math.max(ys + 1, Math.round((row + 0.75) * cellH));
    // 48 bits exceed JS bitwise ops (32 bit), so build the number arithmetically
    value = value * 2 + (meanLuma(region, xs, xe, ys, ye) >= 128 ? 1 : 0);
  }
  return value;
}

function meanLuma({ data, width }, xs, xe, ys, ye) {
  let sum = 0;
  for (let y = ys; y < ye; y++) {
    for (let x = xs; x < xe; x++) {
      const p = (y * width + x) * 4;
      sum += 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
    }
  }
  return sum / ((xe - xs) * (ye - ys));
}

/**
 * Called right after a frame was drawn on ctx: decodes its time code and, in the next animation frame
 * (when the browser actually paints it), records now − code. Bad or implausible codes count as errors.
 */
export function measureFrame(ctx, w, h, wallMicros) {
  const store = latencyStore();
  const ms = decodeTimestamp(ctx, w, h);
  if (ms == null || Math.abs(ms - Date.now()) > MAX_SKEW_MS) {
    store.errors++;
    return;
  }
  requestAnimationFrame(() => {
    const now = Date.now();
    push(store.samples, now - ms);
    if (typeof wallMicros === 'number') push(store.delivery, now - wallMicros / 1000);
  });
}

function push(list, value) {
  list.push(value);
  if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES);
}

/**
 * The same for native video (design 0019): called when a video frame is presented (requestVideoFrameCallback),
 * it copies the frame's time-code strip into a scratch canvas, decodes it and records now − code at once (the
 * callback runs as the frame goes to the screen). Returns the scratch canvas to pass again.
 */
export function measureVideoFrame(video, scratch) {
  const w = video.videoWidth;
  const h = video.videoHeight;
  if (!w || !h) return scratch;
  const strip = Math.floor(0.12 * h);
  const canvas = scratch || document.createElement('canvas');
  if (canvas.width !== w || canvas.height !== strip) {
    canvas.width = w;
    canvas.height = strip;
  }
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, w, strip, 0, 0, w, strip);
  const store = latencyStore();
  const ms = decodeTimestamp(ctx, w, h);
  if (ms == null || Math.abs(ms - Date.now()) > MAX_SKEW_MS) store.errors++;
  else push(store.samples, Date.now() - ms);
  return canvas;
}
