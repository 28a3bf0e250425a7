// A host: its health, the operations a person may start there (a running one shows its progress on
// its button, and clicking again follows it rather than starting another), the host's history,
// terminals, and a live log tail with pause and a bounded buffer.

import { get, post } from './api.js';
import { h, clear, badge, progressBar, fmtNumber } from './ui.js';
import { OperationBook, operationRow, ACTIVE } from './ops.js';
import { describeFailure, isAuthProblem, causeData } from './errors.js';
import { paramFields } from './paramform.js';

const LOG_MAX_LINES = 1000;

/** Friendlier labels for the built-in types; the list itself, with each parameter's kind, comes from the server. */
const LABELS = { ssh_test: 'SSH test', service_restart: 'Restart a service', certificate_renewal: 'Renew a certificate' };

/** A button definition from one entry of GET /api/operation-types (ops.types). */
function definition(t) {
  return { type: t.name, label: LABELS[t.name] || t.name.replace(/_/g, ' '), spec: t };
}

export function mount(container, ctx, hostId) {
  const unsubs = [];
  const bus = ctx.bus;
  bus.setView('host:' + hostId);
  const book = new OperationBook();

  const title = h('h1', {}, 'Host ', h('span', { id: 'host-id' }, hostId));
  const health = h('span', { id: 'host-health' }, badge('unknown', 'waiting for a health reading'));
  const healthDetail = h('span', { class: 'muted small' });
  const head = h('div', { class: 'host-head' }, title, health, ' ', healthDetail);
  const actions = h('div', { class: 'actions', id: 'actions' });
  const actionNote = h('p', { class: 'muted small', id: 'action-note' });
  const opsCard = h('section', { class: 'card wide', id: 'host-ops' }, h('h2', {}, 'Operations'), actions, actionNote);
  const historyBody = h('tbody');
  const historyCard = h('section', { class: 'card wide', id: 'history-card' }, h('h2', {}, 'History'),
    h('table', { class: 'ops' }, h('thead', {}, h('tr', {}, h('th', {}, 'type'), h('th', {}, 'status'), h('th', {}, 'progress'),
      h('th', {}, 'message'), h('th', {}, 'by'), h('th', {}, 'started'), h('th', {}))), historyBody));
  const termCard = h('section', { class: 'card', id: 'terminals-card' }, h('h2', {}, 'Terminals'));
  const logsCard = h('section', { class: 'card wide', id: 'logs-card' }, h('h2', {}, 'Logs'));
  container.append(h('div', { class: 'host-page' }, head, h('div', { class: 'grid' }, opsCard, termCard, historyCard, logsCard)));

  unsubs.push(bus.subscribe('metrics.host.' + hostId, (err, m) => {
    if (err) { ctx.fail(err, 'Health of ' + hostId); return; }
    clear(health).append(badge(m.status, m.status));
    healthDetail.textContent = [m.message || (m.reachable ? 'SSH in ' + m.latencyMs + ' ms' : 'unreachable'), m.load1 != null ? 'load ' + fmtNumber(m.load1, 2) : null,
      m.memUsedMb != null ? 'memory ' + m.memUsedMb + ' MB' : null, m.diskUsedPercent != null ? 'disk ' + m.diskUsedPercent + ' %' : null]
      .filter(Boolean).join(' · ');
  }));

  // ---- operation buttons
  const cards = new Map(); // type -> {button, inputs, status}
  function actionCard(def) {
    if (cards.has(def.type)) return;
    const form = paramFields(def.spec);
    const inputs = form.fields;
    const button = h('button', { type: 'button', class: 'op-button', dataset: { opType: def.type } }, def.label || def.type);
    const status = h('div', { class: 'op-status', dataset: { opType: def.type }, 'aria-live': 'polite' });
    const card = { def, button, inputs, form, status };
    button.addEventListener('click', () => start(card));
    cards.set(def.type, card);
    actions.append(h('div', { class: 'action' }, h('div', { class: 'action-row' }, button, ...inputs), status));
    drawCard(card);
  }
  function drawCard(card) {
    const op = book.active(hostId, card.def.type);
    clear(card.button);
    card.button.classList.toggle('running', !!op);
    card.button.dataset.state = op ? 'running' : 'idle';
    if (op) {
      card.button.append(h('span', {}, (card.def.label || card.def.type) + ' — running, click to follow'), progressBar(op.progress, op.status));
    } else {
      card.button.append(card.def.label || card.def.type);
    }
  }
  function showOpStatus(card, op, note) {
    clear(card.status);
    card.status.dataset.opId = op.id;
    card.status.dataset.status = op.status;
    // append() writes a null as the text "null": leave the missing parts out
    card.status.append(...[progressBar(op.progress, op.status),
      h('span', { class: 'op-state' }, op.status === 'completed' ? 'completed' : op.status === 'in_progress' ? 'running' : op.status),
      note ? h('span', { class: 'note' }, ' ' + note) : null,
      op.error ? h('span', { class: 'err' }, ' ' + describeFailure(op)) : op.message ? h('span', { class: 'muted' }, ' ' + op.message) : null]
      .filter(Boolean));
  }
  async function start(card) {
    // a running operation of this type: the button follows it instead of asking for another start
    const running = book.active(hostId, card.def.type);
    if (running) {
      card.followId = running.id;
      card.status.dataset.answer = 'already_running';
      card.note = 'Already running: following the operation started by ' + (running.requestedBy || running.createdBy || 'someone') + '.';
      showOpStatus(card, running, card.note);
      return;
    }
    const read = card.form.read();
    if (read.error) {
      read.field.focus();
      clear(card.status).append(h('span', { class: 'err', role: 'alert' }, 'Cannot start ' + card.def.label + ': ' + read.error + '.'));
      return;
    }
    const params = read.params;
    card.button.disabled = true;
    try {
      const r = await post('/api/hosts/' + encodeURIComponent(hostId) + '/operations', { type: card.def.type, params });
      book.merge(r.operation);
      card.followId = r.operationId;
      const note = r.status === 'already_running'
        ? 'Already running: attached to the operation started by ' + (r.operation.requestedBy || r.operation.createdBy || 'someone') + ' instead of starting another.'
        : 'Started.';
      card.status.dataset.answer = r.status;
      showOpStatus(card, book.ops.get(r.operationId) || r.operation, note);
      card.note = note;
    } catch (e) {
      clear(card.status).append(h('span', { class: 'err', role: 'alert' }, ctx.explain(e, 'Could not start ' + card.def.type)));
      // said once, beside the button; only a lost session goes further (to the login page)
      if (isAuthProblem(e)) ctx.fail(e, 'Start ' + card.def.type);
    } finally {
      card.button.disabled = false;
    }
  }

  if (ctx.mayOperate()) {
    // every type the server knows (built-in and configured) that this user's roles may start
    get('/api/operation-types').then((r) => {
      const mine = (r.types || []).filter((t) => t.mayStart);
      mine.forEach((t) => actionCard(definition(t)));
      if (!mine.length) actionNote.textContent = 'Your roles may start no operation type.';
    }).catch((e) => {
      actionNote.append(h('span', { class: 'err', role: 'alert', dataset: causeData(e) }, ctx.explain(e, 'Could not list the operation types')));
    });
  } else {
    actionNote.textContent = 'Your role (' + ctx.me.roles.join(', ') + ') may watch operations here but not start them.';
  }

  // ---- history and live updates
  function drawHistory(changed) {
    clear(historyBody);
    for (const op of book.all().filter((o) => o.hostId === hostId).slice(0, 50)) {
      historyBody.append(operationRow(op, { showHost: false, onCancel: ctx.mayOperate() ? cancel : null }));
    }
    for (const card of cards.values()) {
      drawCard(card);
      if (changed && card.followId === changed.id) showOpStatus(card, changed, ACTIVE.has(changed.status) || card.status.dataset.answer === 'already_running' ? card.note : null);
    }
  }
  async function cancel(op) {
    try {
      await post('/api/operations/' + encodeURIComponent(op.id) + '/cancel');
    } catch (e) {
      ctx.fail(e, 'Cancel ' + op.operationType);
    }
  }
  unsubs.push(book.onChange(drawHistory));
  unsubs.push(bus.subscribe('ops.updates.host.' + hostId, (err, op) => {
    if (err) { ctx.fail(err, 'Operation updates of ' + hostId); return; }
    book.merge(op);
  }, { resync: true }));
  get('/api/operations?hostId=' + encodeURIComponent(hostId) + '&limit=50')
    .then((r) => { (r.operations || []).forEach((op) => book.merge(op)); drawHistory(); })
    .catch((e) => ctx.fail(e, 'History of ' + hostId));

  // ---- terminals
  const termList = h('ul', { class: 'terminals' });
  const openButton = h('button', { type: 'button', id: 'open-terminal' }, 'Open a terminal');
  termCard.append(ctx.mayOperate() ? openButton : h('p', { class: 'muted small' }, 'Viewers may join terminals they are shown, read-only.'), termList);
  openButton.addEventListener('click', async () => {
    openButton.disabled = true;
    try {
      const r = await post('/api/hosts/' + encodeURIComponent(hostId) + '/terminals', { cols: 120, rows: 32 });
      ctx.navigate('#/terminal/' + encodeURIComponent(r.sessionId));
    } catch (e) {
      ctx.fail(e, 'Open a terminal on ' + hostId);
      openButton.disabled = false;
    }
  });
  get('/api/terminals').then((r) => {
    const sessions = (Array.isArray(r) ? r : (r.sessions || [])).filter((s) => s.hostId === hostId && s.status !== 'closed');
    for (const s of sessions) {
      termList.append(h('li', {}, h('a', { href: '#/terminal/' + encodeURIComponent(s.sessionId) }, 'session of ' + s.owner),
        ' ', h('span', { class: 'muted small' }, (s.participants || []).map((p) => p.username + ' (' + p.role + ')').join(', '))));
    }
  }).catch(() => { /* no terminals to list for this role */ });

  // ---- log tail
  get('/api/hosts/' + encodeURIComponent(hostId)).then((host) => {
    const streams = (host.logs || []).map((l) => l.stream);
    if (!streams.length) {
      logsCard.append(h('p', { class: 'muted' }, 'No log files are configured for this host.'));
      return;
    }
    logsCard.append(logTail(ctx, hostId, streams, unsubs));
  }).catch((e) => { logsCard.append(h('p', { class: 'err', dataset: causeData(e) }, ctx.explain(e, 'Host ' + hostId))); });

  return () => unsubs.forEach((u) => u());
}

function logTail(ctx, hostId, streams, unsubs) {
  const select = h('select', { 'aria-label': 'log stream' }, streams.map((s) => h('option', { value: s }, s)));
  const pause = h('button', { type: 'button', id: 'log-pause' }, 'Pause');
  const counter = h('span', { class: 'muted small' });
  const pre = h('pre', { class: 'log', id: 'log-lines' });
  let lines = [];
  let held = [];
  let paused = false;
  let dropped = 0;
  let unsub = null;
  const render = () => {
    pre.textContent = lines.join('\n');
    pre.scrollTop = pre.scrollHeight;
    counter.textContent = (paused ? held.length + (held.length === 1 ? ' new line' : ' new lines') + ' held while paused' : '') + (dropped ? ' · ' + dropped + ' older lines dropped (buffer ' + LOG_MAX_LINES + ')' : '');
  };
  const bounded = (arr) => {
    if (arr.length > LOG_MAX_LINES) { dropped += arr.length - LOG_MAX_LINES; return arr.slice(arr.length - LOG_MAX_LINES); }
    return arr;
  };
  const watch = (stream) => {
    if (unsub) { unsub(); unsubs.splice(unsubs.indexOf(unsub), 1); }
    lines = []; held = []; dropped = 0;
    render();
    unsub = ctx.bus.subscribe('logs.host.' + hostId + '.' + stream, (err, batch) => {
      if (err) { pre.textContent = ctx.explain(err, 'Log ' + stream); return; }
      if (paused) held = bounded(held.concat(batch.lines || []));
      else lines = bounded(lines.concat(batch.lines || []));
      render();
    }, { resync: true }); // the server replays the log's last lines on subscribe; after a reconnect only what was missed
    unsubs.push(unsub);
  };
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    if (!paused) { lines = bounded(lines.concat(held)); held = []; }
    render();
  });
  select.addEventListener('change', () => watch(select.value));
  watch(streams[0]);
  return h('div', {}, h('div', { class: 'log-controls' }, select, pause, counter), pre);
}
