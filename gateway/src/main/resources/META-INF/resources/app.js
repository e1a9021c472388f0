'use strict';
// Minimal operator page for the walking skeleton: sign in, then cameras and motion events live over /ws.
// All server text is inserted with textContent, never as HTML.
(() => {
  const $ = (id) => document.getElementById(id);
  const cameras = new Map();
  let socket;

  async function me() {
    const r = await fetch('/api/auth/me', { credentials: 'same-origin' });
    return r.ok ? r.json() : null;
  }

  function show(user) {
    $('login-view').hidden = !!user;
    $('live-view').hidden = !user;
    $('logout').hidden = !user;
    $('who').textContent = user ? `${user.username} (${user.role})` : '';
    if (user) connect();
  }

  function connect() {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    socket = new WebSocket(`${proto}://${location.host}/ws`);
    socket.onopen = () => { $('connection').textContent = 'Live'; };
    socket.onclose = () => {
      $('connection').textContent = 'Disconnected, retrying…';
      setTimeout(async () => { if (await me()) connect(); else show(null); }, 3000);
    };
    socket.onmessage = (m) => handle(JSON.parse(m.data));
  }

  function handle(msg) {
    if (msg.type === 'status') {
      cameras.set(msg.status.cameraId, msg.status);
      renderCameras();
    } else if (msg.type === 'motion' && msg.motion.phase === 'start') {
      const li = document.createElement('li');
      const t = new Date(msg.motion.startedAt).toLocaleTimeString();
      li.textContent = `${t} — motion on ${msg.motion.cameraId} (${msg.site})`;
      $('events').prepend(li);
      while ($('events').children.length > 100) $('events').lastChild.remove();
    }
  }

  function renderCameras() {
    const list = $('cameras');
    list.replaceChildren();
    for (const s of [...cameras.values()].sort((a, b) => a.cameraId.localeCompare(b.cameraId))) {
      const li = document.createElement('li');
      li.className = s.state;
      const name = document.createElement('div');
      name.textContent = s.cameraId;
      const state = document.createElement('div');
      state.className = 'state';
      state.textContent = s.state.replace('_', ' ');
      const facts = document.createElement('div');
      facts.className = 'muted';
      facts.textContent = s.state === 'online' ? `${s.codec} ${s.width}×${s.height} · ${s.fps.toFixed(1)} fps` : (s.lastError || '');
      li.append(name, state, facts);
      list.append(li);
    }
  }

  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('login-error').textContent = '';
    const r = await fetch('/api/auth/login', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, credentials: 'same-origin',
      body: JSON.stringify({ username: $('username').value, password: $('password').value }),
    });
    const body = await r.json().catch(() => ({}));
    if (r.ok) { $('password').value = ''; show(body); } else { $('login-error').textContent = body.message || 'Sign-in failed.'; }
  });

  $('logout').addEventListener('click', async () => {
    await fetch('/api/auth/logout', { method: 'POST', credentials: 'same-origin' });
    if (socket) { socket.onclose = null; socket.close(); }
    show(null);
  });

  me().then(show);
})();
