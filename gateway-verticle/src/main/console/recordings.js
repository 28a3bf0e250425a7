// Recordings (admins): every terminal session's asciicast, kept in the database and served by any
// node: host, owner, start, end, size, and whether it stopped at its size limit. Filter by host;
// Play opens it in asciinema-player (npm, copied into the jar like xterm.js), loaded on first use.
// #/recordings/<sessionId> opens that recording's player directly.

import { get, ApiError } from './api.js';
import { h, clear, badge, fmtTime } from './ui.js';

const PLAYER_JS = '/app/lib/asciinema-player/dist/bundle/asciinema-player.min.js';
const PLAYER_CSS = '/app/lib/asciinema-player/dist/bundle/asciinema-player.css';
let playerLoaded = null;

/** Adds the player's script and style once; resolves to window.AsciinemaPlayer. */
function loadPlayer() {
  if (!playerLoaded) {
    playerLoaded = new Promise((resolve, reject) => {
      document.head.append(h('link', { rel: 'stylesheet', href: PLAYER_CSS }));
      const s = h('script', { src: PLAYER_JS });
      s.addEventListener('load', () => resolve(window.AsciinemaPlayer));
      s.addEventListener('error', () => { playerLoaded = null; reject(new ApiError('unavailable', 'the player could not be loaded', 0)); });
      document.head.append(s);
    });
  }
  return playerLoaded;
}

function fmtBytes(n) {
  if (n == null) return '';
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
  return (n / 1024 / 1024).toFixed(1) + ' MB';
}

function fmtWhen(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleDateString() + ' ' + fmtTime(iso);
}

export function mount(container, ctx, args) {
  if (ctx.bus) ctx.bus.setView('recordings');
  let gone = false;
  let player = null;
  const body = h('tbody');
  const empty = h('p', { class: 'muted', id: 'recordings-empty', hidden: true }, 'No recording kept.');
  const host = h('input', { type: 'text', name: 'hostId', placeholder: 'all hosts', 'aria-label': 'host', size: 16 });
  const filter = h('form', { id: 'recordings-filter', class: 'inline-form' }, h('label', {}, 'Host ', host), ' ',
    h('button', { type: 'submit' }, 'Filter'));
  const title = h('h2', { id: 'player-title' });
  const info = h('p', { class: 'muted small', id: 'player-info' });
  const stage = h('div', { id: 'player', class: 'player' });
  const playerCard = h('section', { class: 'card wide', id: 'recording-player', hidden: true },
    h('div', { class: 'page-head' }, title, h('span', { class: 'spacer' }),
      h('a', { class: 'button small', id: 'player-download', download: '' }, 'Download .cast'),
      h('button', { type: 'button', class: 'link', id: 'player-close', onclick: () => { ctx.navigate('#/recordings'); } }, 'Close')),
    info, stage);
  container.append(h('div', { class: 'recordings-page' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Recordings'), h('span', { class: 'spacer' }), filter),
    playerCard,
    h('section', { class: 'card wide', id: 'recordings-card' },
      h('table', { class: 'recordings-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'host'), h('th', {}, 'owner'), h('th', {}, 'started'),
        h('th', {}, 'ended'), h('th', {}, 'size'), h('th', {}, 'session'), h('th', {}, 'node'), h('th', {}))), body),
      empty)));

  async function load() {
    const q = host.value.trim() ? '?hostId=' + encodeURIComponent(host.value.trim()) : '';
    try {
      const reply = await get('/api/recordings' + q);
      if (gone) return;
      draw(reply.recordings || []);
    } catch (e) {
      if (!gone) ctx.fail(e, 'Listing the recordings');
    }
  }

  function draw(list) {
    clear(body);
    empty.hidden = list.length > 0;
    for (const r of list) {
      const state = r.truncated
        ? badge('degraded', 'stopped: ' + (r.stopReason || 'limit'))
        : r.endedAt ? null : badge('up', 'recording');
      body.append(h('tr', { dataset: { sessionId: r.sessionId, hostId: r.hostId, truncated: String(!!r.truncated) } },
        h('td', {}, r.hostId),
        h('td', { class: 'owner' }, r.owner),
        h('td', {}, fmtWhen(r.startedAt)),
        h('td', { class: 'ended' }, r.endedAt ? fmtWhen(r.endedAt) : '–'),
        h('td', { class: 'size' }, fmtBytes(r.sizeBytes), ' ', state),
        h('td', { class: 'muted small' }, h('code', {}, r.sessionId.slice(0, 8))),
        h('td', { class: 'muted small' }, r.node || ''),
        h('td', { class: 'row-actions' },
          h('a', { class: 'button small', href: '#/recordings/' + encodeURIComponent(r.sessionId), dataset: { action: 'play' } }, 'Play'))));
    }
  }

  async function play(sid) {
    playerCard.hidden = false;
    title.textContent = 'Recording ' + sid.slice(0, 8);
    info.textContent = 'Loading…';
    const castUrl = '/api/recordings/' + encodeURIComponent(sid) + '/cast';
    playerCard.querySelector('#player-download').setAttribute('href', castUrl);
    try {
      const [entry, Player, text] = await Promise.all([
        get('/api/recordings/' + encodeURIComponent(sid)),
        loadPlayer(),
        fetch(castUrl, { credentials: 'same-origin' }).then(async (res) => {
          if (!res.ok) {
            let j = null;
            try { j = await res.json(); } catch (e) { j = null; }
            throw new ApiError((j && j.error) || 'http_' + res.status, (j && j.message) || res.statusText, res.status);
          }
          return res.text();
        }),
      ]);
      if (gone) return;
      title.textContent = entry.owner + ' on ' + entry.hostId;
      info.textContent = fmtWhen(entry.startedAt) + (entry.endedAt ? ' – ' + fmtWhen(entry.endedAt) : ' (still recording)') + ', '
        + fmtBytes(entry.sizeBytes) + (entry.truncated ? '; recording stopped: ' + (entry.stopReason || 'size limit') : '');
      playerCard.dataset.sessionId = sid;
      playerCard.dataset.truncated = String(!!entry.truncated);
      clear(stage);
      player = Player.create({ data: text }, stage, { autoPlay: true, fit: 'width', idleTimeLimit: 2, controls: true });
    } catch (e) {
      if (gone) return;
      info.textContent = '';
      playerCard.hidden = true;
      ctx.fail(e, 'Playing the recording');
    }
  }

  filter.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  load();
  if (args && args[0]) play(args[0]);

  return () => {
    gone = true;
    if (player) { try { player.dispose(); } catch (e) { /* gone with the page */ } }
  };
}
