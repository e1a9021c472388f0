// fetch wrapper for the gateway API: same-origin cookies, the CSRF header on state-changing calls,
// one place that turns 401 into "show sign-in" and error bodies into a readable message.

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details; // the error body's other fields, e.g. field, segment, freeBytes
  }
}

let onUnauthorized = () => {};
let onError = () => {};

/** The app shell decides what a lost session and a failed call look like. */
export function setHandlers({ unauthorized, error }) {
  onUnauthorized = unauthorized;
  onError = error;
}

const ROLE_RANK = { viewer: 1, operator: 2, admin: 3 };
/** True when role is at least min (viewer < operator < admin). */
export const atLeast = (role, min) => (ROLE_RANK[role] || 0) >= ROLE_RANK[min];

function csrfToken() {
  for (const part of document.cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === 'vigil_csrf') return decodeURIComponent(rest.join('='));
  }
  return null;
}

function fallbackMessage(status, code) {
  if (code === 'csrf') return 'The security token of this session is missing or stale. Reload the page and try again.';
  if (status === 403) return 'You do not have permission to do that.';
  if (status === 404) return 'Not found.';
  if (status >= 500) return `The server could not complete the request (${status}).`;
  return `Request failed (${status}).`;
}

/**
 * api('/api/x', {method, body, signal, quiet, auth}) → parsed JSON, or null for an empty answer.
 * Throws ApiError (already shown in the alert area unless quiet) or the fetch AbortError when signal aborts.
 * auth: false for calls where 401 is an answer, not a lost session (sign-in, the first /me).
 */
export async function api(path, { method = 'GET', body, signal, quiet = false, auth = true, withTotal = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (!['GET', 'HEAD'].includes(method)) {
    const token = csrfToken();
    if (token) headers['X-CSRF-Token'] = token;
  }
  let res;
  try {
    res = await fetch(path, {
      method, headers, signal, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw report(new ApiError(0, 'network', 'Cannot reach the server. Check the network and try again.'), quiet);
  }
  if (res.status === 401 && auth) {
    onUnauthorized();
    throw new ApiError(401, 'unauthorized', 'Your session ended.');
  }
  if (!res.ok) {
    const data = await res.json().catch(() => null);
    const code = (data && data.error) || `http_${res.status}`;
    const message = (data && typeof data.message === 'string' && data.message) || fallbackMessage(res.status, code);
    throw report(new ApiError(res.status, code, message, data), quiet);
  }
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json() : null;
  // withTotal: a page of a list, with the size of the whole list (X-Total-Count)
  return withTotal ? { items: data, total: Number(res.headers.get('X-Total-Count') || 0) } : data;
}

function report(err, quiet) {
  if (!quiet) onError(err.message);
  return err;
}

/** Shows a message in the shell's alert area (for failures that are not API answers, e.g. playback). */
export const reportError = (message) => onError(message);

/** For page code: true when the error needs no further handling (aborted on leaving, or already reported). */
export const handled = (e) => e.name === 'AbortError' || e instanceof ApiError;
