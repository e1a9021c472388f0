// Vigil operator UI — entry module.
//
// Structure (plain ES modules, no build step; all DOM is built with dom.js's h(), never innerHTML):
//   app.js        this file: session start-up, sign-in/sign-out, the shell (nav, user, connection indicator,
//                 alert area) and the hash router that mounts one page at a time
//   api.js        fetch wrapper: cookies, X-CSRF-Token, 401 → sign-in, error messages → alert area
//   socket.js     the single /ws client: reconnect with backoff, watch set, camera states, listeners
//   sites.js      the shell's site filter: the chosen site, and the cameras in it
//   latency.js    burned-in timestamp decoder for the live-latency measurement (?latency=1)
//   dom.js        h()/fill() DOM helpers, time/size formatting, shared form widgets
//   pages/*.js    one module per page; each exports mount(root, ctx) and may return a cleanup function.
//                 ctx = {me, path, params (URLSearchParams of the hash query), signal (aborts on leave)}
import { api, setHandlers } from './api.js';
import * as socket from './socket.js';
import { h, fill } from './dom.js';
import { mountSiteFilter } from './sites.js';
import { renderSignIn } from './pages/signin.js';
import * as dashboard from './pages/dashboard.js';
import * as live from './pages/live.js';
import * as events from './pages/events.js';
import * as recordings from './pages/recordings.js';
import * as exportsPage from './pages/exports.js';
import * as settings from './pages/settings.js';

// path → [nav section, page title, page module]
const ROUTES = {
  '/dashboard': ['dashboard', 'Dashboard', dashboard],
  '/live': ['live', 'Live', live],
  '/events': ['events', 'Events', events],
  '/recordings': ['recordings', 'Recordings', recordings],
  '/exports': ['exports', 'Exports', exportsPage],
  '/settings': ['settings', 'Settings', settings],
  '/settings/users': ['settings', 'Users & sites', settings],
  '/settings/tokens': ['settings', 'API tokens', settings],
  '/settings/cameras': ['settings', 'Cameras', settings],
  '/settings/storage': ['settings', 'Storage', settings],
  '/settings/retention': ['settings', 'Retention & legal holds', settings],
};
const NOT_FOUND = [null, 'Not found', { mount: notFound }];

const $ = (id) => document.getElementById(id);
let me = null;
let current = null;

// ---- session ----

/** The ?next= target, only a same-origin relative path ("/…", not "//…" or "/\…"), else null. */
function safeNext(value) {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return null;
  }
  return new URL(value, location.origin).origin === location.origin ? value : null;
}

/** location.search without next, for building URLs that keep flags such as latency=1. */
function searchWithoutNext() {
  const params = new URLSearchParams(location.search);
  params.delete('next');
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Shows sign-in; keepRoute remembers where the user was (as ?next=) so sign-in returns there. */
function showSignIn(message, keepRoute = true) {
  leavePage();
  socket.stop();
  me = null;
  const params = new URLSearchParams(location.search);
  const next = keepRoute ? params.get('next') || `${location.pathname}${searchWithoutNext()}${location.hash}` : '/';
  params.delete('next');
  if (next !== '/') params.set('next', next);
  const s = params.toString();
  history.replaceState(null, '', `${location.pathname}${s ? `?${s}` : ''}`);
  $('shell').hidden = true;
  $('signin').hidden = false;
  document.title = 'Sign in · Vigil';
  renderSignIn($('signin'), { message, next, onSignedIn: (user) => enter(user, next) });
}

/** Enters the app as user; next (when given) is where to go, falling back to the dashboard if unsafe. */
function enter(user, next) {
  me = user;
  if (next !== undefined) {
    history.replaceState(null, '', safeNext(next) || `${location.pathname}${searchWithoutNext()}#/dashboard`);
  }
  fill($('signin'));
  $('signin').hidden = true;
  $('shell').hidden = false;
  $('user-name').textContent = user.username;
  $('user-role').textContent = user.role;
  socket.start();
  mountSiteFilter($('site-filter'), () => renderRoute(false));
  renderRoute(false);
}

async function signOut() {
  try {
    await api('/api/auth/logout', { method: 'POST', auth: false, quiet: true });
  } catch {
    // the session may already be gone; signing out locally is still right
  }
  showSignIn(null, false);
}

// ---- shell ----

function showError(message) {
  $('alert').textContent = message;
  $('alert').classList.add('has-message');
  $('alert-dismiss').hidden = false;
}

function clearError() {
  $('alert').textContent = '';
  $('alert').classList.remove('has-message');
  $('alert-dismiss').hidden = true;
}

const CONNECTION_TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', degraded: 'Degraded',
  ended: 'Session ended' };

function renderConnection({ state, message }) {
  const el = $('connection');
  el.dataset.state = state;
  el.textContent = CONNECTION_TEXT[state];
  if (message) el.title = message; else el.removeAttribute('title');
}

function markNav(section) {
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// ---- router ----

function parseHash() {
  const raw = location.hash.replace(/^#/, '');
  const [path, queryString = ''] = raw.split('?');
  return { path: path.replace(/(.)\/+$/, '$1') || '/dashboard', params: new URLSearchParams(queryString) };
}

function leavePage() {
  if (!current) return;
  current.controller.abort();
  if (typeof current.cleanup === 'function') current.cleanup();
  current = null;
}

/** Mounts the page of the current hash; moveFocus puts focus on its heading (after in-app navigation). */
function renderRoute(moveFocus) {
  if (!me) return;
  leavePage();
  clearError();
  const { path, params } = parseHash();
  const [section, title, page] = ROUTES[path] || NOT_FOUND;
  const root = h('div', { class: 'page' });
  fill($('view'), root);
  const controller = new AbortController();
  let cleanup = null;
  try {
    cleanup = page.mount(root, { me, path, params, signal: controller.signal });
  } catch (e) {
    console.error(e);
    showError('This page could not be shown.');
  }
  current = { controller, cleanup };
  document.title = `${title} · Vigil`;
  markNav(section);
  const heading = root.querySelector('h1');
  if (heading) {
    heading.tabIndex = -1;
    if (moveFocus) heading.focus();
  }
}

function notFound(root, { path }) {
  fill(root, h('h1', null, 'Not found'),
    h('p', null, 'There is no page at ', h('code', null, path), '.'),
    h('p', null, h('a', { href: '#/dashboard' }, 'Go to the dashboard')));
}

// ---- start ----

async function boot() {
  setHandlers({
    unauthorized: () => { if (me) showSignIn('Your session ended. Please sign in again.'); },
    error: showError,
  });
  socket.on('connection', renderConnection);
  $('logout').addEventListener('click', signOut);
  $('alert-dismiss').addEventListener('click', () => { clearError(); $('main').focus(); });
  // the skip link must not change the hash (that is the router's), so it moves focus itself
  $('skip-link').addEventListener('click', (e) => { e.preventDefault(); $('main').focus(); });
  window.addEventListener('hashchange', () => renderRoute(true));

  let user = null;
  let message = null;
  try {
    user = await api('/api/auth/me', { auth: false, quiet: true });
  } catch (e) {
    if (e.status !== 401) message = e.message;
  }
  $('boot').remove();
  const next = new URLSearchParams(location.search).get('next');
  if (user) enter(user, next === null ? undefined : next);
  else showSignIn(message);
}

boot();
