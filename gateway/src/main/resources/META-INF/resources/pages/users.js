// Settings → Users & sites (admin): list, create, change role/sites, disable/enable, reset password.
import { api, handled } from '../api.js';
import { h, fill, field, timeEl, sitePicker, roleSelect, sitesText } from '../dom.js';

export function mount(root, { signal }) {
  const status = h('p', { id: 'users-status', class: 'muted', role: 'status' });
  const table = h('div', { id: 'users' }, h('p', { class: 'muted' }, 'Loading…'));
  const create = h('div', { id: 'user-create-box' });
  fill(root, h('h2', null, 'Users & sites'), status, table,
    h('h2', null, 'New user'), create);

  let sites = [];
  const load = async () => {
    try {
      const [list, known] = await Promise.all([api('/api/users', { signal }), api('/api/sites', { signal })]);
      sites = known;
      fill(table, usersTable(list, actions));
      if (!create.firstChild) fill(create, createForm());
    } catch (e) {
      if (!handled(e)) throw e;
    }
  };

  // dialogs show their own errors (quiet); the disable/enable button uses the page's alert area
  const patch = async (username, body, what, quiet) => {
    await api(`/api/users/${encodeURIComponent(username)}`, { method: 'PATCH', body, signal, quiet });
    status.textContent = `${what} for ${username}.`;
    await load();
  };

  const actions = {
    edit: (user, opener) => {
      const role = roleSelect(user.role);
      const picker = sitePicker(sites, user.sites || []);
      openDialog(opener, `Role and sites of ${user.username}`, [field('Role', role), picker.el], 'Save',
        () => patch(user.username, { role: role.value, sites: picker.value() }, 'Role and sites saved', true));
    },
    toggle: async (user) => {
      if (!user.disabled && !window.confirm(`Disable ${user.username}? They can no longer sign in.`)) return;
      try {
        await patch(user.username, { disabled: !user.disabled },
          user.disabled ? 'Account enabled' : 'Account disabled', false);
        refocus(user.username, 'toggle');
      } catch (e) {
        if (!handled(e)) throw e;
      }
    },
    password: (user, opener) => {
      const password = h('input', { type: 'password', autocomplete: 'new-password', required: true });
      openDialog(opener, `New password for ${user.username}`, [field('New password', password)], 'Set password',
        () => patch(user.username, { password: password.value }, 'Password changed', true));
    },
    signOut: async (user) => {
      if (!window.confirm(`Sign ${user.username} out on every browser and device now?`)) return;
      try {
        const r = await api(`/api/users/${encodeURIComponent(user.username)}/sessions/end`,
          { method: 'POST', signal });
        status.textContent = `${user.username} signed out everywhere (${r.ended} session${r.ended === 1 ? '' : 's'}).`;
        refocus(user.username, 'sign-out');
      } catch (e) {
        if (!handled(e)) throw e;
      }
    },
  };

  const createForm = () => {
    const username = h('input', { id: 'user-new-username', autocomplete: 'off', required: true });
    const password = h('input', { id: 'user-new-password', type: 'password', autocomplete: 'new-password', required: true });
    const role = roleSelect('viewer');
    role.id = 'user-new-role';
    const picker = sitePicker(sites, []);
    const error = h('p', { id: 'user-create-error', class: 'error', role: 'alert' });
    const submit = h('button', { id: 'user-create', type: 'submit' }, 'Create user');
    const form = h('form', { id: 'user-create-form', class: 'stack' },
      field('User name', username), field('Password', password), field('Role', role), picker.el, submit, error);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      submit.disabled = true;
      try {
        await api('/api/users', { method: 'POST', signal, quiet: true,
          body: { username: username.value.trim(), password: password.value, role: role.value, sites: picker.value() } });
        status.textContent = `User ${username.value.trim()} created.`;
        fill(create, createForm());
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

  load();
  return () => { const open = document.getElementById('user-dialog'); if (open) open.close(); };
}

/** After the table was rebuilt, puts focus back on the same button of the same user. */
function refocus(username, action) {
  const button = document.querySelector(
    `#user-table tr[data-user="${CSS.escape(username)}"] [data-action="${action}"]`);
  if (button) button.focus();
}

function usersTable(list, actions) {
  if (!list.length) return h('p', null, 'No users.');
  return h('table', { id: 'user-table' },
    h('caption', { class: 'visually-hidden' }, 'Users'),
    h('thead', null, h('tr', null, ['User', 'Role', 'Sites', 'Status', 'Created', 'Actions'].map((c) =>
      h('th', { scope: 'col' }, c)))),
    h('tbody', null, list.map((u) => {
      const button = (text, action, name) => h('button', {
        type: 'button', class: 'secondary small', 'data-action': name, 'aria-label': `${text}: ${u.username}`,
        onclick: (e) => action(u, e.currentTarget) }, text);
      return h('tr', { 'data-user': u.username, 'data-disabled': String(Boolean(u.disabled)) },
        h('th', { scope: 'row' }, u.username),
        h('td', null, u.role),
        h('td', null, sitesText(u.sites)),
        h('td', null, [u.disabled ? 'Disabled' : 'Active', u.locked ? 'Locked' : null].filter(Boolean).join(', ')),
        h('td', null, timeEl(u.createdAt), u.createdBy ? ` by ${u.createdBy}` : null),
        h('td', { class: 'actions' },
          button('Edit', actions.edit, 'edit'),
          button(u.disabled ? 'Enable' : 'Disable', actions.toggle, 'toggle'),
          button('Reset password', actions.password, 'password'),
          button('Sign out everywhere', actions.signOut, 'sign-out')));
    })));
}

/**
 * A modal form (native <dialog>: focus stays inside, Escape closes). onSubmit may throw an ApiError, whose
 * message is shown inside the dialog because the page's alert area is inert behind it.
 */
function openDialog(opener, title, fields, submitText, onSubmit) {
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, submitText);
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const form = h('form', { class: 'stack' }, h('h2', { id: 'user-dialog-title' }, title), fields,
    h('div', { class: 'actions' }, submit, cancel), error);
  const dialog = h('dialog', { id: 'user-dialog', 'aria-labelledby': 'user-dialog-title' }, form);
  cancel.addEventListener('click', () => dialog.close());
  const { user } = opener.closest('tr').dataset;
  dialog.addEventListener('close', () => {
    dialog.remove();
    refocus(user, opener.dataset.action);
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      await onSubmit();
      dialog.close();
    } catch (err) {
      error.textContent = err.message;
      if (!handled(err)) throw err;
    } finally {
      submit.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
}
