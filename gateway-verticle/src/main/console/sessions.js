// Live terminal sessions of the whole cluster: host, owner, participants with their roles, state,
// start, last activity, duration, node. Admins and operators watch ssh.sessions: the bridge first
// replays the current list (ssh.list), then every change follows, merged by version. Viewers ask
// ssh.list (the relay shows them the sessions of hosts they are granted) when the page opens and at
// every reconnect. Anyone may join a session they may see as viewer, or ask to write (the server
// decides the role); admins and the owner close.

import { del } from './api.js';
import { h, clear, badge, fmtDuration, fmtTime } from './ui.js';

export function mount(container, ctx) {
  const bus = ctx.bus;
  bus.setView('sessions');
  const unsubs = [];
  const sessions = new Map(); // sessionId -> snapshot (highest version)
  const body = h('tbody');
  const empty = h('p', { class: 'muted', id: 'sessions-empty' }, 'No terminal session is open in the cluster.');
  const note = h('p', { class: 'muted small', id: 'sessions-note' });
  container.append(h('div', { class: 'sessions-page' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Live sessions')),
    h('section', { class: 'card wide', id: 'sessions-card' },
      h('table', { class: 'sessions-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'host'), h('th', {}, 'owner'), h('th', {}, 'participants'),
        h('th', {}, 'state'), h('th', {}, 'started'), h('th', {}, 'last activity'), h('th', {}, 'duration'), h('th', {}, 'node'), h('th', {}))), body),
      empty, note)));

  const live = ctx.isAdmin() || ctx.mayOperate();

  function merge(s) {
    if (!s || !s.sessionId) return;
    const cur = sessions.get(s.sessionId);
    if (cur && (cur.version || 0) > (s.version || 0)) return;
    if (s.status === 'closed' || s.status === 'disconnected') sessions.delete(s.sessionId);
    else sessions.set(s.sessionId, s);
    draw();
  }

  function seconds(from, to) {
    if (!from) return null;
    return Math.max(0, ((to ? new Date(to).getTime() : Date.now()) - new Date(from).getTime()) / 1000);
  }

  function draw() {
    clear(body);
    const all = [...sessions.values()].sort((a, b) => String(b.openedAt).localeCompare(String(a.openedAt)));
    for (const s of all) {
      const mine = (s.participants || []).find((p) => p.username === ctx.me.username);
      const mayClose = ctx.isAdmin() || s.owner === ctx.me.username;
      const quiet = seconds(s.lastActivityAt);
      body.append(h('tr', { dataset: { sessionId: s.sessionId, hostId: s.hostId, status: s.status } },
        h('td', {}, h('a', { href: '#/host/' + encodeURIComponent(s.hostId) }, s.hostId)),
        h('td', { class: 'owner' }, s.owner),
        h('td', { class: 'participants' }, (s.participants || []).map((p) => h('span', { class: 'participant', dataset: { username: p.username, role: p.role } },
          h('span', { class: 'badge role ' + p.role }, p.role), ' ', p.username, p.attached ? '' : h('span', { class: 'muted small' }, ' (away)'), ' '))),
        h('td', { class: 'state' }, badge(s.status === 'active' ? 'up' : s.status === 'idle' ? 'degraded' : 'unknown', s.status)),
        h('td', {}, fmtTime(s.openedAt)),
        h('td', { class: 'activity' }, s.lastActivityAt ? fmtTime(s.lastActivityAt) + (quiet != null && quiet >= 60 ? ' (' + fmtDuration(quiet) + ' ago)' : '') : '–'),
        h('td', { class: 'duration' }, fmtDuration(seconds(s.openedAt))),
        h('td', { class: 'muted small' }, s.node || ''),
        h('td', { class: 'row-actions' },
          h('a', { class: 'button small', href: '#/terminal/' + encodeURIComponent(s.sessionId) + '/view', dataset: { action: 'view' } }, mine ? 'Open' : 'Join as viewer'),
          mine && mine.role !== 'viewer' ? null
            : h('a', { class: 'button small', href: '#/terminal/' + encodeURIComponent(s.sessionId) + '/write', dataset: { action: 'write' } }, 'Ask to write'),
          mayClose ? h('button', { type: 'button', class: 'small danger', dataset: { action: 'close' }, onclick: () => closeSession(s) }, 'Close') : null)));
    }
    empty.hidden = all.length > 0;
  }

  async function closeSession(s) {
    try {
      await del('/api/terminals/' + encodeURIComponent(s.sessionId));
      ctx.toast('Closed the session of ' + s.owner + ' on ' + s.hostId + '.', 'info');
    } catch (e) {
      ctx.fail(e, 'Close the session');
    }
  }

  if (live) {
    note.textContent = 'Live: every change of every session in the cluster shows here as it happens.';
    unsubs.push(bus.subscribe('ssh.sessions', (err, s) => {
      if (err) { note.textContent = ctx.explain(err, 'Live sessions'); return; }
      merge(s);
    }));
    // a reconnect replays the whole list again: sessions closed while away must go
    unsubs.push(bus.onOpen(() => { sessions.clear(); draw(); }));
  } else {
    note.textContent = 'Sessions on the hosts you are granted, as of when this page opened or reconnected.';
    const ask = () => bus.request('ssh.list', {}).then((list) => { sessions.clear(); (list || []).forEach(merge); draw(); })
      .catch((err) => { note.textContent = ctx.explain(err, 'Sessions'); });
    if (bus.state === 'connected') ask();
    unsubs.push(bus.onOpen(ask));
  }
  draw();
  // durations and "ago" move on
  const tick = setInterval(draw, 5000);

  return () => {
    unsubs.forEach((u) => u());
    clearInterval(tick);
  };
}
