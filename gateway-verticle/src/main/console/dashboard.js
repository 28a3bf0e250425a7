// The dashboard: the cluster's nodes with live sparklines, totals and server status, hosts with health
// badges, running operations, the activity feed (admins) and who is connected.

import { get, post } from './api.js';
import { h, clear, badge, fmtDuration, fmtNumber, fmtTime } from './ui.js';
import { drawSparkline, Series } from './sparkline.js';
import { OperationBook, operationRow, ACTIVE } from './ops.js';
import { causeData } from './errors.js';

const NODE_SILENT_MS = 10_000;
const ACTIVITY_MAX = 100;
const RECENT_FINISHED = 8;

export function mount(container, ctx) {
  const unsubs = [];
  const timers = [];
  const bus = ctx.bus;
  bus.setView('dashboard');

  // ---- layout
  const statusCard = h('section', { class: 'card', id: 'cluster-card' }, h('h2', {}, 'Cluster'));
  const statusBody = h('div', { class: 'cluster-body' }, h('p', { class: 'muted' }, 'waiting for the first cluster report…'));
  statusCard.append(statusBody);
  const presenceCard = h('section', { class: 'card', id: 'presence-card' }, h('h2', {}, 'Who is connected'));
  const presenceBody = h('ul', { class: 'presence' }, h('li', { class: 'muted' }, 'loading…'));
  presenceCard.append(presenceBody);
  const nodesBody = h('tbody');
  const nodesCard = h('section', { class: 'card wide', id: 'nodes-card' }, h('h2', {}, 'Nodes'),
    h('table', { class: 'nodes' },
      h('thead', {}, h('tr', {}, h('th', {}, 'node'), h('th', {}, 'version'), h('th', {}, 'uptime'),
        h('th', {}, 'CPU %'), h('th', {}, 'memory (RSS MB)'), h('th', {}, 'connections'))),
      nodesBody),
    h('p', { class: 'muted small' }, 'Sparklines: the last 5 minutes, one sample every 2 s.'));
  const hostsBody = h('ul', { class: 'hosts' }, h('li', { class: 'muted' }, 'loading…'));
  const hostsCard = h('section', { class: 'card', id: 'hosts-card' }, h('h2', {}, 'Hosts'), hostsBody);
  const opsBody = h('tbody');
  const opsEmpty = h('p', { class: 'muted' }, 'No operations yet.');
  const opsCard = h('section', { class: 'card wide', id: 'ops-card' }, h('h2', {}, 'Operations'),
    h('table', { class: 'ops' }, h('thead', {}, h('tr', {}, h('th', {}, 'type'), h('th', {}, 'host'), h('th', {}, 'status'),
      h('th', {}, 'progress'), h('th', {}, 'message'), h('th', {}, 'by'), h('th', {}, 'started'), h('th', {}))), opsBody), opsEmpty);
  const grid = h('div', { class: 'grid' }, statusCard, presenceCard, nodesCard, hostsCard, opsCard);
  container.append(grid);

  // ---- nodes, live from metrics.node
  const nodes = new Map();
  function nodeRow(m) {
    let n = nodes.get(m.nodeId);
    if (!n) {
      const cells = {
        version: h('td'), uptime: h('td', { class: 'uptime' }),
        cpu: h('span', { class: 'value cpu' }), mem: h('span', { class: 'value mem' }), conn: h('span', { class: 'value conns' }),
        cpuCanvas: h('canvas', { class: 'spark' }), memCanvas: h('canvas', { class: 'spark' }), connCanvas: h('canvas', { class: 'spark' }),
      };
      const row = h('tr', { dataset: { nodeId: m.nodeId, samples: '0' } },
        h('td', { class: 'node-id' }, m.nodeId), cells.version, cells.uptime,
        h('td', {}, cells.cpu, cells.cpuCanvas), h('td', {}, cells.mem, cells.memCanvas), h('td', {}, cells.conn, cells.connCanvas));
      n = { row, cells, cpu: new Series(), mem: new Series(), conn: new Series(), samples: 0, lastAt: 0 };
      nodes.set(m.nodeId, n);
      nodesBody.append(row);
    }
    return n;
  }
  function drawNode(n) {
    drawSparkline(n.cells.cpuCanvas, n.cpu.points, { max: 100 });
    drawSparkline(n.cells.memCanvas, n.mem.points, { color: '#7a4fd1' });
    drawSparkline(n.cells.connCanvas, n.conn.points, { color: '#1f9d6b' });
  }
  unsubs.push(bus.subscribe('metrics.node', (err, m) => {
    if (err) { ctx.fail(err, 'Node metrics'); return; }
    const n = nodeRow(m);
    const t = m.ts ? new Date(m.ts).getTime() : Date.now();
    n.cpu.add(t, m.cpuPercent || 0);
    n.mem.add(t, m.rssMb || 0);
    n.conn.add(t, m.connections || 0);
    n.samples++;
    n.lastAt = Date.now();
    n.row.dataset.samples = String(n.samples);
    n.row.classList.remove('silent');
    n.cells.version.textContent = m.version || '';
    n.cells.uptime.textContent = fmtDuration(m.uptimeSeconds);
    n.cells.cpu.textContent = fmtNumber(m.cpuPercent);
    n.cells.mem.textContent = String(m.rssMb) + (m.heapUsedMb != null ? ' (heap ' + m.heapUsedMb + ')' : '');
    n.cells.conn.textContent = String(m.connections);
    drawNode(n);
  }));
  timers.push(setInterval(() => {
    for (const n of nodes.values()) n.row.classList.toggle('silent', Date.now() - n.lastAt > NODE_SILENT_MS);
  }, 2000));

  // ---- cluster totals and server status
  let serverStatus = null;
  let cluster = null;
  function drawCluster() {
    clear(statusBody);
    statusBody.append(h('div', { class: 'server-status', id: 'server-status' },
      'Server: ', badge(serverStatus ? serverStatus.status : 'unknown'), ' ', h('span', { class: 'muted' }, serverStatus ? serverStatus.message || '' : 'waiting…')));
    if (cluster) {
      statusBody.append(h('dl', { class: 'totals' },
        h('dt', {}, 'nodes'), h('dd', { id: 'total-nodes' }, String(cluster.nodeCount)),
        h('dt', {}, 'connections'), h('dd', { id: 'total-connections' }, String(cluster.connections)),
        h('dt', {}, 'terminal sessions'), h('dd', { id: 'total-sessions' }, String(cluster.sshSessions)),
        h('dt', {}, 'relays online'), h('dd', { id: 'relays' }, cluster.relaysOnline + ' / ' + cluster.relaysTotal),
        h('dt', {}, 'CPU average'), h('dd', {}, fmtNumber(cluster.cpuPercentAvg) + ' %'),
        h('dt', {}, 'memory (RSS)'), h('dd', {}, cluster.rssMbTotal + ' MB')));
      // nodes that left the cluster leave the table
      const live = new Set((cluster.nodes || []).map((x) => x.nodeId));
      for (const [id, n] of nodes) {
        if (live.size && !live.has(id) && Date.now() - n.lastAt > NODE_SILENT_MS) { n.row.remove(); nodes.delete(id); }
      }
    }
  }
  drawCluster();
  unsubs.push(bus.subscribe('metrics.cluster', (err, m) => { if (!err) { cluster = m; drawCluster(); } }));
  unsubs.push(bus.subscribe('status.server', (err, m) => { if (!err) { serverStatus = m; drawCluster(); } }));

  // ---- hosts and their health
  const hostItems = new Map();
  get('/api/hosts').then((hosts) => {
    clear(hostsBody);
    if (!hosts.length) hostsBody.append(h('li', { class: 'muted' }, 'You are not granted any host.'));
    for (const host of hosts) {
      const health = h('span', { class: 'health' }, badge('unknown', 'waiting for a health reading'));
      const detail = h('span', { class: 'muted small detail' });
      const li = h('li', { dataset: { hostId: host.id } }, h('a', { href: '#/host/' + encodeURIComponent(host.id) }, host.name || host.id), ' ', health, ' ', detail);
      hostItems.set(host.id, li);
      hostsBody.append(li);
      unsubs.push(bus.subscribe('metrics.host.' + host.id, (err, m) => {
        if (err) { clear(health).append(badge('unknown', 'not allowed')); return; }
        clear(health).append(badge(m.status, m.status));
        detail.textContent = [m.message || (m.reachable ? 'SSH in ' + m.latencyMs + ' ms' : 'unreachable'),
          m.load1 != null ? 'load ' + fmtNumber(m.load1, 2) : null,
          m.diskUsedPercent != null ? 'disk ' + m.diskUsedPercent + ' %' : null].filter(Boolean).join(' · ');
      }));
      if (!ctx.isAdmin()) {
        unsubs.push(bus.subscribe('ops.updates.host.' + host.id, onOpUpdate, { resync: true }));
      }
    }
  }).catch((e) => { clear(hostsBody).append(h('li', { class: 'err', dataset: causeData(e) }, ctx.explain(e, 'Hosts'))); });

  // ---- operations: HTTP for what happened before, the bus for every change since
  const book = new OperationBook();
  function drawOps() {
    const all = book.all();
    const active = all.filter((o) => ACTIVE.has(o.status));
    const finished = all.filter((o) => !ACTIVE.has(o.status)).slice(0, RECENT_FINISHED);
    clear(opsBody);
    for (const op of [...active, ...finished]) {
      opsBody.append(operationRow(op, { onCancel: ctx.mayOperate() ? cancel : null }));
    }
    opsEmpty.hidden = active.length + finished.length > 0;
  }
  function onOpUpdate(err, op) {
    if (err) { ctx.fail(err, 'Operation updates'); return; }
    book.merge(op);
  }
  async function cancel(op) {
    try {
      await post('/api/operations/' + encodeURIComponent(op.id) + '/cancel');
    } catch (e) {
      ctx.fail(e, 'Cancel ' + op.operationType);
    }
  }
  unsubs.push(book.onChange(drawOps));
  if (ctx.isAdmin()) unsubs.push(bus.subscribe('ops.updates.all', onOpUpdate, { resync: true }));
  get('/api/operations?limit=30').then((r) => (r.operations || []).forEach((op) => book.merge(op)))
    .catch((e) => ctx.fail(e, 'Operation history'));

  // ---- activity: admins only, and the server refuses it to anyone else anyway
  if (ctx.isAdmin()) {
    const feed = h('ol', { class: 'activity' });
    const activityCard = h('section', { class: 'card wide', id: 'activity-card' }, h('h2', {}, 'Activity'), feed);
    grid.append(activityCard);
    const seen = new Set();
    const addEvent = (ev, atTop) => {
      const key = ev.id || (ev.ts + ev.action + ev.username);
      if (seen.has(key)) return;
      seen.add(key);
      const li = h('li', { class: ev.code ? 'refused' : '' },
        h('span', { class: 'when' }, fmtTime(ev.ts)), ' ',
        h('strong', {}, ev.username || 'system'), ' ', h('span', { class: 'action' }, ev.action), ' ',
        h('span', { class: 'muted' }, ev.message || ''), ev.code ? h('span', { class: 'code' }, ' ' + ev.code) : null);
      if (atTop) feed.prepend(li); else feed.append(li);
      while (feed.children.length > ACTIVITY_MAX) feed.lastChild.remove();
    };
    unsubs.push(bus.subscribe('activity.events', (err, ev) => {
      if (err) { ctx.fail(err, 'Activity'); return; }
      addEvent(ev, true);
    }));
    get('/api/activity?limit=30').then((r) => {
      // without a cursor the log answers its newest entries first
      const events = (r.entries || []).slice().sort((a, b) => (b.seq || 0) - (a.seq || 0));
      events.forEach((ev) => addEvent(ev, false));
    }).catch((e) => ctx.fail(e, 'Activity'));
  }

  // ---- presence: one line per user, tabs merged
  function drawPresence(list) {
    clear(presenceBody);
    const users = (list && list.users) || [];
    if (!users.length) presenceBody.append(h('li', { class: 'muted' }, 'nobody'));
    for (const u of users) {
      const tabs = u.tabs || 0;
      presenceBody.append(h('li', { dataset: { username: u.username, tabs: String(tabs) } },
        h('strong', {}, u.username), ' ',
        h('span', { class: 'tabs' }, tabs + (tabs === 1 ? ' tab' : ' tabs')), ' ',
        h('span', { class: 'muted small' }, [(u.views || []).join(', '), (u.nodes || []).length ? 'on ' + u.nodes.join(', ') : ''].filter(Boolean).join(' · '))));
    }
  }
  unsubs.push(bus.subscribe('presence.changes', (err, list) => {
    if (err) { clear(presenceBody).append(h('li', { class: 'err' }, ctx.explain(err, 'Presence'))); return; }
    drawPresence(list);
  }));
  const askPresence = () => bus.request('presence.list', {}).then(drawPresence)
    .catch((err) => clear(presenceBody).append(h('li', { class: 'muted' }, ctx.explain(err, 'Presence'))));
  if (bus.state === 'connected') askPresence();
  unsubs.push(bus.onOpen(askPresence));

  return () => {
    unsubs.forEach((u) => u());
    timers.forEach((t) => clearInterval(t));
  };
}
