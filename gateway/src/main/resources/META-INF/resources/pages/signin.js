// Sign-in page: local user name/password, plus the single sign-on link when the gateway has OIDC enabled.
import { api } from '../api.js';
import { h, fill } from '../dom.js';

/**
 * Renders the form into container. next is the relative path to return to (also handed to the SSO flow);
 * onSignedIn(me) is called with the signed-in user.
 */
export function renderSignIn(container, { message, next, onSignedIn }) {
  const username = h('input', { id: 'login-username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', {
    id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true,
  });
  const submit = h('button', { id: 'login-submit', type: 'submit' }, 'Sign in');
  const error = h('p', { id: 'login-error', class: 'error', role: 'alert' }, message || '');
  const sso = h('div', { class: 'sso' });

  const form = h('form', { class: 'stack', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    if (!username.value || !password.value) {
      error.textContent = 'Enter your user name and password.';
      (username.value ? password : username).focus();
      return;
    }
    error.textContent = '';
    submit.disabled = true;
    try {
      const me = await api('/api/auth/login', {
        method: 'POST', body: { username: username.value, password: password.value }, auth: false, quiet: true,
      });
      password.value = '';
      onSignedIn(me);
    } catch (err) {
      error.textContent = signInError(err);
      password.select();
      password.focus();
    } finally {
      submit.disabled = false;
    }
  } },
  h('div', { class: 'field' }, h('label', { for: 'login-username' }, 'User name'), username),
  h('div', { class: 'field' }, h('label', { for: 'login-password' }, 'Password'), password),
  submit, error);

  fill(container, h('main', { class: 'signin-card', id: 'signin-main' },
    h('p', { class: 'brand' }, 'Vigil'),
    h('h1', null, 'Sign in'),
    form, sso));
  username.focus();
  showSso(sso, next);
}

function signInError(err) {
  if (err.status === 401) return 'Wrong user name or password.';
  if (err.status === 429) return err.message || 'Too many attempts: this account is locked for a while.';
  if (err.status === 503 && err.code === 'busy') return err.message;
  return err.message || 'Sign-in failed.';
}

async function showSso(container, next) {
  try {
    const providers = await api('/api/auth/providers', { auth: false, quiet: true });
    if (!providers || !providers.oidc || !providers.oidc.enabled) return;
    const href = `/auth/oidc/login?next=${encodeURIComponent(next || '/')}`;
    fill(container, h('p', { class: 'or' }, 'or'),
      h('a', { id: 'login-sso', class: 'button secondary', href }, providers.oidc.label || 'Single sign-on'));
  } catch {
    // without the provider list the local form still works; nothing to show
  }
}
