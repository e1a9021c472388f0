// Exports: filled in by the export service's issue. For now it only tells who may export; the "New export"
// control exists only when the gateway says canExport, so viewers never see an export control.
import { api, handled } from '../api.js';
import { h, fill } from '../dom.js';

export function mount(root, { signal }) {
  const body = h('div', { id: 'exports-access' }, h('p', { class: 'muted' }, 'Loading…'));
  fill(root, h('h1', null, 'Exports'),
    h('p', null, 'Evidence exports arrive with the export service.'), body);

  api('/api/exports/access', { signal }).then((access) => {
    if (access.canExport) {
      const note = h('p', { id: 'export-note', class: 'muted', role: 'status' });
      const sites = (access.sites || []).includes('*') ? 'all sites' : (access.sites || []).join(', ');
      fill(body,
        h('p', null, `You may export video from: ${sites || 'no sites'}.`),
        h('button', { id: 'export-new', type: 'button', onclick: () => {
          note.textContent = 'Creating an export becomes available with the export service.';
        } }, 'New export'),
        note);
    } else {
      fill(body, h('p', { id: 'export-denied', class: 'note' },
        `Creating exports needs the ${access.requiredRole || 'operator'} role or higher. Ask an administrator if you need it.`));
    }
  }).catch((e) => {
    fill(body, h('p', { class: 'muted' }, 'Export access could not be checked.'));
    if (!handled(e)) throw e;
  });
}
