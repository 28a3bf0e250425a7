// The activity log (admins): filters by user, kind, host and time, newest first, a page at a time
// (GET /api/activity with beforeSeq), and new entries live from activity.events while on the first page.

import { get } from './api.js';
import { h, clear } from './ui.js';

const PAGE = 50;

export function mount(container, ctx) {
  const bus = ctx.bus;
  bus.setView('activity');
  const unsubs = [];
  const user = h('input', { name: 'user', 'aria-label': 'user', placeholder: 'user' });
  const kind = h('input', { name: 'action', 'aria-label': 'kind', placeholder: 'kind, e.g. login', list: 'activity-kinds' });
  const kinds = h('datalist', { id: 'activity-kinds' }, ['login', 'login_failed', 'logout', 'access_denied', 'user_created', 'user_updated',
    'user_disabled', 'user_deleted', 'host_created', 'host_updated', 'host_deleted', 'host_key_pinned', 'ssh_connect', 'ssh_disconnect',
    'operation_started', 'operation_finished'].map((k) => h('option', { value: k })));
  const host = h('input', { name: 'hostId', 'aria-label': 'host', placeholder: 'host' });
  const from = h('input', { name: 'from', type: 'datetime-local', 'aria-label': 'from' });
  const until = h('input', { name: 'until', type: 'datetime-local', 'aria-label': 'until' });
  const filters = h('form', { id: 'activity-filters', class: 'row filters' }, user, kind, kinds, host,
    h('label', { class: 'small' }, 'from ', from), h('label', { class: 'small' }, 'until ', until),
    h('button', { type: 'submit' }, 'Filter'), h('button', { type: 'button', class: 'link', id: 'activity-clear' }, 'clear'));
  const body = h('tbody');
  const more = h('button', { type: 'button', id: 'activity-more', hidden: true }, 'Older entries');
  const pageNote = h('span', { class: 'muted small', id: 'activity-count' });
  container.append(h('div', { class: 'activity-page' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Activity')),
    h('section', { class: 'card wide' }, filters,
      h('table', { class: 'activity-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'time'), h('th', {}, 'user'), h('th', {}, 'kind'),
        h('th', {}, 'host'), h('th', {}, 'what'), h('th', {}, 'code'))), body),
      h('div', { class: 'row' }, more, pageNote))));

  let oldest = null;
  let shown = 0;
  let query = {};

  function row(ev) {
    const data = ev.data || {};
    return h('tr', { class: ev.code ? 'refused' : '', dataset: { seq: String(ev.seq || ''), action: ev.action, username: ev.username || '' } },
      h('td', { class: 'small' }, new Date(ev.ts).toLocaleString()),
      h('td', {}, ev.username || 'system'),
      h('td', {}, ev.action),
      h('td', {}, data.hostId || ''),
      h('td', {}, ev.message || ''),
      h('td', { class: 'err small' }, ev.code || ''));
  }

  function matches(ev) {
    if (query.user && ev.username !== query.user) return false;
    if (query.action && ev.action !== query.action) return false;
    if (query.hostId && !(ev.data && ev.data.hostId === query.hostId)) return false;
    if (query.until) return false; // a window that ends in the past gets nothing new
    return true;
  }

  function iso(input) {
    return input.value ? new Date(input.value).toISOString() : null;
  }

  async function page(first) {
    const q = new URLSearchParams({ limit: String(PAGE) });
    for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
    if (!first && oldest != null) q.set('beforeSeq', String(oldest));
    try {
      const r = await get('/api/activity?' + q);
      const entries = r.entries || [];
      if (first) { clear(body); shown = 0; }
      for (const ev of entries) {
        body.append(row(ev));
        oldest = ev.seq;
        shown++;
      }
      more.hidden = entries.length < PAGE;
      pageNote.textContent = shown + (shown === 1 ? ' entry' : ' entries') + (more.hidden ? '' : ' so far');
    } catch (e) {
      ctx.fail(e, 'Activity');
    }
  }

  function apply() {
    query = { user: user.value.trim(), action: kind.value.trim(), hostId: host.value.trim(), from: iso(from), until: iso(until) };
    oldest = null;
    page(true);
  }

  filters.addEventListener('submit', (ev) => { ev.preventDefault(); apply(); });
  filters.querySelector('#activity-clear').addEventListener('click', () => {
    for (const i of [user, kind, host, from, until]) i.value = '';
    apply();
  });
  more.addEventListener('click', () => page(false));
  unsubs.push(bus.subscribe('activity.events', (err, ev) => {
    if (err || !ev || !matches(ev)) return;
    body.prepend(row(ev));
    shown++;
    pageNote.textContent = shown + (shown === 1 ? ' entry' : ' entries');
  }));
  apply();
  return () => unsubs.forEach((u) => u());
}
