// Messages to this user (user.<name>.notifications): a bell in the header with the unread count, a
// list under it, and a toast when one arrives live. The server keeps the last 100 and replays them
// on subscribe, so what came while the person was away is counted at login. What was read is
// remembered in this browser (the highest seq seen when the list was opened).

import { h, clear, toast, fmtTime } from './ui.js';

const REPLAY_QUIET_MS = 1500;
/** A replayed notification this fresh is still news: it gets its toast like a live one. */
const FRESH_MS = 30_000;

export function start(bus, username) {
  const bell = document.getElementById('bell');
  const count = bell.querySelector('.count');
  const panel = document.getElementById('notifications');
  const readKey = 'opsbus.notifications.read.' + username;
  const items = [];
  const since = Date.now();
  let lastRead = Number(localStorage.getItem(readKey) || 0);
  let announced = false;

  const unread = () => items.filter((n) => n.seq > lastRead).length;
  function render() {
    const n = unread();
    count.textContent = String(n);
    count.hidden = n === 0;
    bell.setAttribute('aria-label', n + ' unread notifications');
    if (!panel.hidden) renderList();
  }
  function renderList() {
    clear(panel);
    if (items.length === 0) panel.append(h('p', { class: 'empty' }, 'No notifications.'));
    for (const n of [...items].reverse()) {
      panel.append(h('div', { class: 'notification ' + (n.level || 'info') + (n.seq > lastRead ? ' unread' : '') },
        h('strong', {}, n.title), n.text ? h('p', {}, n.text) : '',
        h('small', {}, fmtTime(n.at) + (n.sentBy ? ' · ' + n.sentBy : ''))));
    }
  }
  function onClick() {
    panel.hidden = !panel.hidden;
    if (!panel.hidden) {
      renderList();
      lastRead = items.reduce((m, n) => Math.max(m, n.seq), lastRead);
      localStorage.setItem(readKey, String(lastRead));
      render();
    }
  }
  bell.addEventListener('click', onClick);
  bell.hidden = false;

  const unsub = bus.subscribe('user.' + username + '.notifications', (err, body) => {
    if (err || !body || typeof body.seq !== 'number') return;
    if (items.some((n) => n.seq === body.seq)) return;
    items.push(body);
    while (items.length > 100) items.shift();
    const live = Date.now() - since > REPLAY_QUIET_MS || Date.now() - Date.parse(body.at) < FRESH_MS;
    if (live && body.seq > lastRead) {
      toast(body.title + (body.text ? ': ' + body.text : ''), body.level === 'error' ? 'warning' : (body.level || 'info'));
    }
    render();
  }, { resync: true });

  // once the replay is in, say how many came while away
  const t = setTimeout(() => {
    const n = unread();
    if (n > 0 && !announced) toast('You have ' + n + ' unread notification' + (n === 1 ? '' : 's') + ' (the bell above).', 'info');
    announced = true;
  }, REPLAY_QUIET_MS);

  return () => {
    clearTimeout(t);
    unsub();
    bell.removeEventListener('click', onClick);
    bell.hidden = true;
    panel.hidden = true;
  };
}
