// A shared terminal: xterm.js (global Terminal, FitAddon) on /ws/terminal/<sid>, fitted to the window.
// The sid stays in the URL (#/terminal/<sid>), so a reload reattaches within the session's grace period
// and the server replays the scrollback. Viewers see a read-only banner; their typing is refused by
// the server, and the refusal is shown.

import { get, post, del } from './api.js';
import { h, clear } from './ui.js';
import { explain, isAuthProblem } from './errors.js';

const RETRY_SECONDS = [1, 2, 4, 8, 16];
const ROLE_TEXT = { driver: 'driver', writer: 'writer', viewer: 'viewer (read-only)' };

export function mount(container, ctx, sid, mode) {
  ctx.bus.setView('terminal:' + sid);
  let ws = null;
  let closedForGood = false;
  let retry = 0;
  let retryTimer = null;
  let role = null;
  let refusedTimer = null;
  const encoder = new TextEncoder();
  // /view watches, /write asks to write; without either, those who may operate ask to write
  const joinMode = mode === 'view' || mode === 'write' ? mode : (ctx.mayOperate() ? 'write' : 'view');
  const asks = h('ul', { class: 'write-requests', id: 'write-requests' });

  const roleBadge = h('span', { class: 'badge role', id: 'term-role' }, 'joining…');
  const state = h('span', { class: 'term-state', id: 'term-state', dataset: { state: 'connecting' } }, 'connecting…');
  const readOnly = h('div', { class: 'readonly-banner', id: 'readonly-banner', hidden: true },
    'Read-only: you are watching this terminal as a viewer. Your typing is not sent to the shell.');
  const refused = h('div', { class: 'refused', id: 'input-refused', role: 'alert', hidden: true });
  const hostLink = h('a', { href: '#/' }, '…');
  const screen = h('div', { class: 'xterm-host', id: 'terminal' });
  const participants = h('ul', { class: 'participants', id: 'participants' });
  const events = h('ol', { class: 'term-events muted small' });
  const shareUser = h('input', { name: 'username', placeholder: 'user name', 'aria-label': 'user to share with', required: true });
  const shareMode = h('select', { name: 'mode', 'aria-label': 'share as' }, h('option', { value: 'write' }, 'as writer'), h('option', { value: 'view' }, 'as viewer'));
  const shareNote = h('p', { class: 'small', id: 'share-note', 'aria-live': 'polite' });
  const share = h('form', { id: 'share-form', class: 'share' }, h('h3', {}, 'Share'), shareUser, shareMode, h('button', { type: 'submit' }, 'Invite'), shareNote);
  const closeButton = h('button', { type: 'button', class: 'danger', id: 'close-terminal' }, 'Close session');
  const side = h('aside', { class: 'term-side' }, h('h3', {}, 'Participants'), participants, asks, share, closeButton, h('h3', {}, 'Events'), events);
  container.append(h('div', { class: 'term-page' },
    h('div', { class: 'term-head' }, h('h1', {}, 'Terminal on ', hostLink), roleBadge, state),
    readOnly, refused,
    h('div', { class: 'term-body' }, screen, side)));

  const term = new Terminal({ cursorBlink: true, scrollback: 5000, fontSize: 14, convertEol: false });
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(screen);
  window.opsbus.terminalText = () => {
    const b = term.buffer.active;
    const out = [];
    for (let i = 0; i < b.length; i++) out.push(b.getLine(i).translateToString(true));
    return out.join('\n');
  };
  window.opsbus.terminalSize = () => ({ cols: term.cols, rows: term.rows });

  const fitAndTell = () => {
    if (role !== 'driver') return;
    try { fit.fit(); } catch (e) { return; }
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'resize', cols: term.cols, rows: term.rows }));
  };
  const observer = new ResizeObserver(() => fitAndTell());
  observer.observe(screen);

  term.onData((data) => {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(encoder.encode(data));
  });

  function setState(s, text) {
    state.dataset.state = s;
    state.textContent = text;
  }

  function note(text) {
    events.prepend(h('li', {}, new Date().toLocaleTimeString() + ' ' + text));
    while (events.children.length > 50) events.lastChild.remove();
  }

  function showRefused(text) {
    refused.textContent = text;
    refused.hidden = false;
    clearTimeout(refusedTimer);
    refusedTimer = setTimeout(() => { refused.hidden = true; }, 8000);
  }

  async function refreshParticipants() {
    try {
      const r = await get('/api/terminals');
      const s = (Array.isArray(r) ? r : (r.sessions || [])).find((x) => x.sessionId === sid);
      if (!s) return;
      hostLink.textContent = s.hostId;
      hostLink.href = '#/host/' + encodeURIComponent(s.hostId);
      clear(participants);
      for (const p of s.participants || []) {
        participants.append(h('li', { dataset: { username: p.username, role: p.role, attached: String(!!p.attached) } },
          h('span', { class: 'badge role ' + p.role }, p.role), ' ', p.username, p.username === s.owner ? ' (owner)' : '',
          p.attached ? '' : h('span', { class: 'muted small' }, ' · away')));
      }
      const mayManage = ctx.isAdmin() || s.owner === ctx.me.username;
      share.hidden = !mayManage;
      closeButton.hidden = !mayManage;
    } catch (e) {
      // the list is a nicety; the socket says what matters
    }
  }

  async function joinThenConnect() {
    try {
      // the server decides the role: the owner drives, invited users and admins get what they were given,
      // anyone else granted the host watches
      const grant = await post('/api/terminals/' + encodeURIComponent(sid) + '/join', { mode: joinMode });
      if (joinMode === 'write' && grant && grant.role === 'viewer') {
        note('you asked to write: the driver or a writer may let you');
        readOnly.textContent = 'Read-only: you asked to write, and watch until the driver or a writer lets you.';
      }
    } catch (e) {
      setState('closed', explain(e, 'Cannot join this terminal'));
      closedForGood = true;
      // said once, in the terminal's own status line; only a lost session goes further (to the login page)
      if (isAuthProblem(e)) ctx.fail(e, 'Join terminal');
      return;
    }
    connect();
  }

  function connect() {
    if (closedForGood) return;
    setState('connecting', retry ? 'reattaching…' : 'connecting…');
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(proto + '//' + location.host + '/ws/terminal/' + encodeURIComponent(sid));
    socket.binaryType = 'arraybuffer';
    ws = socket;
    socket.onmessage = (ev) => {
      if (typeof ev.data !== 'string') {
        term.write(new Uint8Array(ev.data));
        return;
      }
      let m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      onControl(m);
    };
    socket.onclose = (ev) => {
      if (ws !== socket) return;
      ws = null;
      if (closedForGood || ev.reason === 'session_closed') {
        closedForGood = true;
        setState('closed', 'session closed');
        return;
      }
      const delay = RETRY_SECONDS[Math.min(retry, RETRY_SECONDS.length - 1)] * 1000 * (0.5 + Math.random());
      retry++;
      setState('reconnecting', 'connection lost, reattaching in ' + Math.round(delay / 1000) + ' s…');
      retryTimer = setTimeout(connect, delay);
    };
  }

  /** Someone watching asks to write: the driver (or a writer, or an admin) may let them. */
  function askedToWrite(username) {
    if (asks.querySelector('li[data-username="' + CSS.escape(username) + '"]')) return;
    const let_ = h('button', { type: 'button', class: 'small', dataset: { action: 'let-write' } }, 'Let ' + username + ' write');
    let_.addEventListener('click', async () => {
      try {
        await post('/api/terminals/' + encodeURIComponent(sid) + '/invite', { username, mode: 'write' });
      } catch (e) {
        showRefused(explain(e, 'Invitation refused'));
      }
    });
    asks.append(h('li', { dataset: { username } }, h('strong', {}, username), ' asks to write ', let_));
  }

  /** Invited to write while watching: join again as writer and attach a new socket with that role. */
  async function rejoinAsWriter() {
    try {
      await post('/api/terminals/' + encodeURIComponent(sid) + '/join', { mode: 'write' });
    } catch (e) {
      showRefused(explain(e, 'Could not join as writer'));
      return;
    }
    const old = ws;
    ws = null;
    if (old) old.close(1000, 'rejoined');
    connect();
  }

  function onControl(m) {
    switch (m.type) {
      case 'ready':
        retry = 0;
        role = m.role;
        roleBadge.textContent = ROLE_TEXT[role] || role;
        roleBadge.className = 'badge role ' + role;
        roleBadge.dataset.role = role;
        readOnly.hidden = !m.readOnly;
        term.options.disableStdin = false; // typing is sent anyway: the server refuses it and says so
        setState('connected', 'attached');
        container.querySelector('.term-page').classList.toggle('read-only', !!m.readOnly);
        if (role === 'driver') fitAndTell(); else if (m.cols && m.rows) term.resize(m.cols, m.rows);
        term.focus();
        refreshParticipants();
        break;
      case 'resized':
        if (role !== 'driver' && m.cols && m.rows) term.resize(m.cols, m.rows);
        break;
      case 'input_refused':
        if (m.username === ctx.me.username) showRefused('Your typing was refused: you are a viewer of this terminal (read-only).');
        note(m.username + '\'s typing was refused');
        break;
      case 'error':
        if (m.code === 'access_denied') showRefused('Refused: ' + (m.message || 'you may not do this here') + '.');
        else showRefused(explain(m));
        if (m.code === 'session_closed' || m.code === 'not_found') closedForGood = true;
        break;
      case 'closed':
        closedForGood = true;
        setState('closed', 'session closed' + (m.reason ? ': ' + m.reason : ''));
        note('session closed' + (m.reason ? ' (' + m.reason + ')' : ''));
        break;
      case 'write_requested':
        note(m.username + ' asks to write');
        if ((role === 'driver' || role === 'writer' || ctx.isAdmin()) && m.username !== ctx.me.username) askedToWrite(m.username);
        break;
      case 'invited':
        if (m.username === ctx.me.username && m.role === 'writer' && role === 'viewer') rejoinAsWriter();
        for (const li of asks.querySelectorAll('li')) if (li.dataset.username === m.username) li.remove();
        // falls through: noted like the others
      case 'joined': case 'left': case 'attached': case 'detached':
        note((m.username || 'someone') + ' ' + m.type + (m.role ? ' as ' + m.role : '') + (m.by ? ' by ' + m.by : ''));
        refreshParticipants();
        break;
      default:
        break;
    }
  }

  share.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const username = shareUser.value.trim();
    if (!username) return;
    try {
      await post('/api/terminals/' + encodeURIComponent(sid) + '/invite', { username, mode: shareMode.value });
      shareNote.className = 'small ok';
      shareNote.textContent = username + ' is invited ' + (shareMode.value === 'write' ? 'as writer' : 'as viewer')
        + '. Send them this page\'s address.';
      shareUser.value = '';
    } catch (e) {
      shareNote.className = 'small err';
      shareNote.textContent = explain(e, 'Invitation refused');
    }
  });
  closeButton.addEventListener('click', async () => {
    try {
      await del('/api/terminals/' + encodeURIComponent(sid));
    } catch (e) {
      ctx.fail(e, 'Close terminal');
    }
  });

  refreshParticipants();
  joinThenConnect();

  return () => {
    closedForGood = true;
    clearTimeout(retryTimer);
    clearTimeout(refusedTimer);
    observer.disconnect();
    if (ws) { const s = ws; ws = null; s.close(1000, 'page_left'); }
    term.dispose();
    delete window.opsbus.terminalText;
    delete window.opsbus.terminalSize;
  };
}
