// Native live video (design 0019 §5): a camera's own H.264 as fMP4 fragments from /ws into Media Source Extensions.
// One fragment per frame arrives; they are appended in order, the buffer is trimmed to the last 10 s, and latency is
// kept low by playing a little faster while behind and jumping to the live edge after a gap or when far behind.

const KEEP_SECONDS = 10;
const JUMP_BEHIND = 1; // seconds behind the newest frame past which playback jumps to it (a start's burst, a stall)
const TARGET_BEHIND = 0.12; // at most this far behind, play at normal speed (two frames at 15 fps)

/** Whether this browser can play native video at all (MSE, or Safari's ManagedMediaSource). */
export function nativeSupported() {
  return Boolean(window.ManagedMediaSource || window.MediaSource);
}

/**
 * A player on `video`. push(message) takes the socket's 'native' messages of one camera. onFallback(text) is called
 * once when this stream cannot be played here (its codec, or a media error): the caller shows the preview instead.
 * Returns {push, dispose}. For tests and the latency probe, video.dataset.frames counts the frames painted,
 * video.dataset.received the fragments received and video.dataset.jumps the jumps to the live edge while playing.
 */
export function createPlayer(video, { onFallback, onFrame } = {}) {
  const Source = window.ManagedMediaSource || window.MediaSource;
  let source = null;
  let buffer = null;
  let queue = [];
  let seekToNewest = true;
  let failed = false;
  let frames = 0;
  let frameRequest = 0;

  const fail = (text) => {
    if (failed) return;
    failed = true;
    teardown();
    if (onFallback) onFallback(text);
  };

  const teardown = () => {
    queue = [];
    buffer = null;
    if (source && source.readyState === 'open') {
      try { source.endOfStream(); } catch { /* closing anyway */ }
    }
    source = null;
    video.removeAttribute('src');
    video.load();
  };

  const countFrames = () => {
    if (!video.requestVideoFrameCallback) return;
    const tick = (now, meta) => {
      video.dataset.frames = String(++frames);
      video.dataset.width = String(meta.width);
      video.dataset.height = String(meta.height);
      if (onFrame) onFrame(meta);
      frameRequest = video.requestVideoFrameCallback(tick);
    };
    frameRequest = video.requestVideoFrameCallback(tick);
  };

  // a new init segment (a new stream, or new SPS/PPS): a fresh MediaSource, then the fragments that follow
  const start = (mime, data) => {
    if (!Source.isTypeSupported(mime)) {
      fail(`This browser cannot play this camera's video (${mime.replace(/^.*codecs="?([^"]*)"?$/, '$1')}); `
        + 'its preview is shown instead.');
      return;
    }
    teardown();
    source = new Source();
    video.disableRemotePlayback = true;
    video.muted = true;
    video.playsInline = true;
    video.src = URL.createObjectURL(source);
    queue = [data];
    seekToNewest = true;
    source.addEventListener('sourceopen', () => {
      if (!source) return;
      URL.revokeObjectURL(video.src);
      try {
        buffer = source.addSourceBuffer(mime);
      } catch {
        fail('This browser refused the camera\'s video; its preview is shown instead.');
        return;
      }
      buffer.mode = 'segments';
      buffer.addEventListener('updateend', afterAppend);
      buffer.addEventListener('error', () => fail('The camera\'s video could not be decoded; its preview is shown '
        + 'instead.'));
      appendNext();
    }, { once: true });
  };

  const appendNext = () => {
    if (!buffer || buffer.updating || !queue.length) return;
    try {
      buffer.appendBuffer(queue.shift());
    } catch (e) {
      if (e.name === 'QuotaExceededError') { trim(0); queue = []; seekToNewest = true; return; }
      fail('The camera\'s video could not be played; its preview is shown instead.');
    }
  };

  const trim = (keep) => {
    const ranges = buffer.buffered;
    if (!ranges.length) return;
    const end = ranges.end(ranges.length - 1);
    if (ranges.start(0) < end - keep && !buffer.updating) buffer.remove(ranges.start(0), end - keep);
  };

  const afterAppend = () => {
    if (!buffer) return;
    const ranges = buffer.buffered;
    if (ranges.length) {
      const start = ranges.start(ranges.length - 1);
      const end = ranges.end(ranges.length - 1);
      if (seekToNewest || video.currentTime < start || end - video.currentTime > JUMP_BEHIND) {
        // the newest key frame's run: after a start, a skip, or when far behind
        if (!seekToNewest) video.dataset.jumps = String(Number(video.dataset.jumps || 0) + 1);
        video.currentTime = Math.max(start, end - TARGET_BEHIND);
        seekToNewest = false;
        video.play().catch(() => { /* autoplay of a muted video: allowed; a refusal leaves the poster */ });
      } else {
        const behind = end - video.currentTime;
        video.playbackRate = behind > TARGET_BEHIND ? 1 + Math.min(0.5, behind) : 1;
      }
      if (ranges.start(0) < end - KEEP_SECONDS - 2 && !queue.length) { trim(KEEP_SECONDS); return; }
    }
    appendNext();
  };

  video.addEventListener('error', () => fail('The camera\'s video could not be decoded; its preview is shown instead.'));
  countFrames();

  return {
    push(m) {
      if (failed) return;
      if (m.kind === 'unsupported') { fail(m.message || 'This camera\'s video is not sent natively.'); return; }
      if (m.kind === 'init') { start(m.mime, m.data); return; }
      if (m.kind !== 'fmp4' || !source) return;
      if (m.skipped) seekToNewest = true; // a gap before this key frame: play from it
      video.dataset.received = String(Number(video.dataset.received || 0) + 1);
      queue.push(m.data);
      appendNext();
    },
    dispose() {
      failed = true;
      if (frameRequest && video.cancelVideoFrameCallback) video.cancelVideoFrameCallback(frameRequest);
      teardown();
    },
  };
}
