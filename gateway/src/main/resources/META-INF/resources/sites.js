// The site filter in the shell. Every page shows only the chosen site's cameras and events ('' = every site the
// user may see); the choice lasts for the browser tab (sessionStorage). The sites offered are those central hears from
// (GET /api/sites/status) and those of the user's cameras; without either list, only "All sites" is offered.
import { api } from './api.js';
import { h, fill } from './dom.js';

const KEY = 'vigil.site';

/** The chosen site, or '' for every site. */
export function selectedSite() {
  return sessionStorage.getItem(KEY) || '';
}

/** Whether something with a site (a camera, an event) is shown under the current filter. */
export function inSite(item) {
  const site = selectedSite();
  return !site || (item && item.site === site);
}

/** The cameras the user may see, in the chosen site. */
export async function siteCameras(options) {
  const list = await api('/api/cameras', options);
  return list.filter(inSite);
}

/** Fills the shell's site select and calls onChange after the user picks another site. */
export async function mountSiteFilter(select, onChange) {
  const found = new Set();
  // the sites central hears from, and those of the cameras the user may see (a new camera reports after a while)
  const [status, cameras] = await Promise.allSettled([api('/api/sites/status', { quiet: true }),
    api('/api/cameras', { quiet: true })]);
  if (status.status === 'fulfilled') status.value.forEach((s) => found.add(s.site));
  if (cameras.status === 'fulfilled') cameras.value.forEach((c) => found.add(c.site));
  const sites = [...found].sort();
  const chosen = selectedSite();
  if (chosen && !sites.includes(chosen)) sessionStorage.removeItem(KEY);
  fill(select, h('option', { value: '' }, 'All sites'), sites.map((s) => h('option', { value: s }, s)));
  select.value = selectedSite();
  select.onchange = () => {
    if (select.value) sessionStorage.setItem(KEY, select.value); else sessionStorage.removeItem(KEY);
    onChange();
  };
}
