// Settings → API tokens (admin): list, create (the secret is shown exactly once), revoke.
import { api, handled } from '../api.js';
import { h, fill, field, timeEl, sitePicker, roleSelect, sitesText } from '../dom.js';

export function mount(root, { signal }) {
  const status = h('p', { id: 'tokens-status', class: 'muted', role: 'status' });
  const table = h('div', { id: 'tokens' }, h('p', { class: 'muted' }, 'Loading…'));
  const secret = h('div', { id: 'token-created-box' });
  const create = h('div', { id: 'token-create-box' });
  fill(root, h('h2', null, 'API tokens'), status, secret, table, h('h2', null, 'New token'), create);

  const load = async () => {
    try {
      fill(table, tokensTable(await api('/api/tokens', { signal }), revoke));
    } catch (e) {
      if (!handled(e)) throw e;
    }
  };

  const revoke = async (token) => {
    if (!window.confirm(`Revoke the token "${token.name}"? Programs using it stop working at once.`)) return;
    try {
      await api(`/api/tokens/${encodeURIComponent(token.id)}`, { method: 'DELETE', signal });
      status.textContent = `Token ${token.name} revoked.`;
      await load();
    } catch (e) {
      if (!handled(e)) throw e;
    }
  };

  const showSecret = (created) => {
    const input = h('input', { id: 'token-secret', readonly: true, value: created.token, autocomplete: 'off',
      spellcheck: 'false' });
    const copied = h('span', { id: 'token-copied', class: 'muted', role: 'status' });
    const copy = h('button', { id: 'token-copy', type: 'button' }, 'Copy');
    copy.addEventListener('click', async () => {
      input.select();
      try {
        await navigator.clipboard.writeText(created.token);
        copied.textContent = 'Copied.';
      } catch {
        // clipboard API refused (e.g. plain http): the text is selected for Ctrl+C
        copied.textContent = 'Press Ctrl+C to copy the selected token.';
      }
    });
    fill(secret, h('div', { id: 'token-created', class: 'panel secret' },
      h('h3', null, `Token "${created.name}" created`),
      h('p', null, 'Copy it now: it will not be shown again.'),
      field('Token secret', input), h('div', { class: 'actions' }, copy, copied)));
    input.focus();
    input.select();
  };

  const createForm = (sites) => {
    const name = h('input', { id: 'token-name', required: true, autocomplete: 'off' });
    const role = roleSelect('viewer');
    role.id = 'token-role';
    const picker = sitePicker(sites, []);
    const days = h('input', { id: 'token-expires', type: 'number', min: 1, step: 1 });
    const error = h('p', { id: 'token-create-error', class: 'error', role: 'alert' });
    const submit = h('button', { id: 'token-create', type: 'submit' }, 'Create token');
    const form = h('form', { id: 'token-create-form', class: 'stack' },
      field('Name', name), field('Role', role), picker.el,
      field('Expires after (days)', days, 'Leave empty for a token that does not expire.'), submit, error);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      const body = { name: name.value.trim(), role: role.value, sites: picker.value() };
      if (days.value) body.expiresInDays = Number(days.value);
      submit.disabled = true;
      try {
        const created = await api('/api/tokens', { method: 'POST', body, signal, quiet: true });
        form.reset();
        showSecret(created);
        await load();
      } catch (err) {
        error.textContent = err.message;
        if (!handled(err)) throw err;
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  };

  api('/api/sites', { signal }).then((sites) => fill(create, createForm(sites)))
    .catch((e) => { if (!handled(e)) throw e; });
  load();
}

function tokensTable(list, revoke) {
  if (!list.length) return h('p', null, 'No API tokens yet.');
  return h('table', { id: 'token-table' },
    h('caption', { class: 'visually-hidden' }, 'API tokens'),
    h('thead', null, h('tr', null, ['Name', 'Role', 'Sites', 'Created', 'Expires', 'Last used', 'Status', 'Actions']
      .map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, list.map((t) => h('tr', { 'data-token': t.id },
      h('th', { scope: 'row' }, t.name),
      h('td', null, t.role),
      h('td', null, sitesText(t.sites)),
      h('td', null, timeEl(t.createdAt), t.createdBy ? ` by ${t.createdBy}` : null),
      h('td', null, t.expiresAt ? timeEl(t.expiresAt) : 'never'),
      h('td', null, t.lastUsedAt ? timeEl(t.lastUsedAt) : 'never'),
      h('td', null, t.revokedAt ? ['Revoked ', timeEl(t.revokedAt)] : 'Active'),
      h('td', { class: 'actions' }, t.revokedAt ? null : h('button', {
        type: 'button', class: 'danger small', 'data-action': 'revoke', 'aria-label': `Revoke ${t.name}`,
        onclick: () => revoke(t) }, 'Revoke'))))));
}
