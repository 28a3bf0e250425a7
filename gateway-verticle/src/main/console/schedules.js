// Schedules (admins): list, create (host, operation type with its typed parameters, cron), pause,
// resume, delete. Through /api/schedules; the scheduler checks the type, the parameters and the cron.

import { get, post, del } from './api.js';
import { h, clear, badge, fmtTime } from './ui.js';
import { paramFields } from './paramform.js';

export function mount(container, ctx) {
  ctx.bus.setView('schedules');
  let types = [];
  const body = h('tbody');
  const empty = h('p', { class: 'muted', id: 'schedules-empty', hidden: true }, 'No schedules yet.');
  const formCard = h('section', { class: 'card', id: 'schedule-form-card' });
  container.append(h('div', { class: 'schedules-page' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Schedules')),
    h('div', { class: 'grid' },
      h('section', { class: 'card wide' }, h('table', { class: 'schedules-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'host'), h('th', {}, 'operation'), h('th', {}, 'parameters'), h('th', {}, 'cron'),
          h('th', {}, 'state'), h('th', {}, 'next run'), h('th', {}, 'last run'), h('th', {}, 'by'), h('th', {}))), body), empty),
      formCard)));

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : '–';
  }

  async function load() {
    try {
      const r = await get('/api/schedules');
      clear(body);
      const list = r.schedules || [];
      for (const s of list) {
        const state = s.broken ? badge('down', 'broken') : s.enabled ? badge('up', 'active') : badge('degraded', 'paused');
        body.append(h('tr', { dataset: { scheduleId: s.id, hostId: s.hostId, type: s.type, enabled: String(!!s.enabled) } },
          h('td', {}, s.hostId), h('td', {}, s.type),
          h('td', { class: 'small' }, Object.entries(s.params || {}).map(([k, v]) => k + '=' + JSON.stringify(v)).join(', ')),
          h('td', {}, h('code', {}, s.cron)),
          h('td', { class: 'state', title: s.broken || '' }, state),
          h('td', { class: 'small' }, s.enabled ? when(s.nextRunAt) : '–'),
          h('td', { class: 'small' }, when(s.lastRunAt)),
          h('td', {}, s.createdBy || ''),
          h('td', { class: 'row-actions' },
            h('button', { type: 'button', class: 'small', dataset: { action: s.enabled ? 'pause' : 'resume' },
              onclick: () => act(s, s.enabled ? 'pause' : 'resume') }, s.enabled ? 'Pause' : 'Resume'),
            h('button', { type: 'button', class: 'small danger', dataset: { action: 'delete' }, onclick: () => remove(s) }, 'Delete'))));
      }
      empty.hidden = list.length > 0;
    } catch (e) {
      ctx.fail(e, 'Schedules');
    }
  }

  async function act(s, what) {
    try {
      await post('/api/schedules/' + encodeURIComponent(s.id) + '/' + what);
      await load();
    } catch (e) {
      ctx.fail(e, (what === 'pause' ? 'Pause' : 'Resume') + ' the schedule');
    }
  }

  async function remove(s) {
    try {
      await del('/api/schedules/' + encodeURIComponent(s.id));
      ctx.toast('Deleted the schedule of ' + s.type + ' on ' + s.hostId + '.', 'info');
      await load();
    } catch (e) {
      ctx.fail(e, 'Delete the schedule');
    }
  }

  function form(hosts) {
    const host = h('select', { name: 'hostId', 'aria-label': 'host' }, hosts.map((x) => h('option', { value: x.id }, x.id)));
    const type = h('select', { name: 'type', 'aria-label': 'operation' }, types.map((t) => h('option', { value: t.name }, t.name)));
    const paramBox = h('div', { class: 'row', id: 'schedule-params' });
    const cron = h('input', { name: 'cron', 'aria-label': 'cron', placeholder: '0 3 * * *', required: true });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    let fields = null;
    const showParams = () => {
      const t = types.find((x) => x.name === type.value);
      fields = paramFields(t || { params: [] });
      clear(paramBox).append(...fields.fields);
    };
    type.addEventListener('change', showParams);
    showParams();
    const f = h('form', { id: 'schedule-form', class: 'stacked' }, h('h2', {}, 'Create a schedule'),
      h('label', {}, 'Host', host), h('label', {}, 'Operation', type), paramBox,
      h('label', {}, 'Cron (minute hour day-of-month month day-of-week, UTC)', cron), error,
      h('button', { type: 'submit' }, 'Create schedule'));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      const read = fields.read();
      if (read.error) { error.textContent = read.error + '.'; error.hidden = false; return; }
      try {
        const r = await post('/api/schedules', { hostId: host.value, type: type.value, params: read.params, cron: cron.value.trim() });
        ctx.toast('Scheduled ' + type.value + ' on ' + host.value + '; next run ' + when(r.nextRunAt) + '.', 'info');
        cron.value = '';
        await load();
      } catch (e) {
        error.textContent = ctx.explain(e, 'Not created');
        error.hidden = false;
      }
    });
    return f;
  }

  Promise.all([get('/api/hosts'), get('/api/operation-types')]).then(([hosts, t]) => {
    types = t.types || [];
    clear(formCard).append(form(hosts || []));
  }).catch((e) => ctx.fail(e, 'Schedules'));
  load();
  return () => {};
}
