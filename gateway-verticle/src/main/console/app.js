// The console's shell: who is logged in, the one bus connection and its indicator, the version banner,
// and the hash routes (#/, #/host/<id>, #/terminal/<sid>, #/login), each a view module with
// mount(container, ctx) returning its cleanup.

import { Bus } from './bus.js';
import { BUILD } from './build.js';
import { get, post, onAnswer } from './api.js';
import { explain, isAuthProblem, codeOf, causeOf, loadErrorCodes } from './errors.js';
import { h, clear, toast, clearToasts } from './ui.js';
import * as login from './login.js';
import * as dashboard from './dashboard.js';
import * as host from './host.js';
import * as terminal from './terminal.js';
import * as hosts from './hosts.js';
import * as users from './users.js';
import * as sessions from './sessions.js';
import * as schedules from './schedules.js';
import * as activity from './activity.js';
import * as recordings from './recordings.js';
import * as notifications from './notifications.js';

/** The pages of the menu: hash route, module, who sees the link (index.html holds the links, data-page). */
const PAGES = {
  hosts: { module: hosts, may: () => ctx.isAdmin() },
  users: { module: users, may: () => ctx.isAdmin() },
  sessions: { module: sessions, may: () => !!me },
  schedules: { module: schedules, may: () => ctx.isAdmin() },
  activity: { module: activity, may: () => ctx.isAdmin() },
  recordings: { module: recordings, may: () => ctx.isAdmin() },
};

const view = document.getElementById('view');
const conn = document.getElementById('conn');
const who = document.getElementById('who');
const logoutButton = document.getElementById('logout');
const nav = document.getElementById('nav');
const banner = document.getElementById('banner');

let me = null;
let bus = null;
let cleanup = null;
let refreshTimer = null;
let versionUnsub = null;
let notificationsStop = null;

const ctx = {
  get me() { return me; },
  get bus() { return bus; },
  isAdmin: () => !!me && me.roles.includes('admin'),
  mayOperate: () => !!me && (me.roles.includes('admin') || me.roles.includes('operator')),
  toast,
  explain,
  /** A refusal, said in words; a lost session sends the person to the login page. */
  fail(err, what) {
    if (isAuthProblem(err)) {
      sessionEnded();
      return;
    }
    // shown once, and taken away when its cause is gone (errors.js causeOf)
    toast(explain(err, what), 'error', causeOf(err));
  },
  navigate(hash) {
    if (location.hash === hash) route(); else location.hash = hash;
  },
};

function showConnection(state, b) {
  conn.dataset.state = state;
  clear(conn);
  const labels = { connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…', disconnected: 'Disconnected', idle: '' };
  conn.append(h('span', { class: 'dot' }), h('span', { class: 'label' }, labels[state] || state));
  if (state === 'reconnecting' || state === 'disconnected') {
    const secs = Math.max(0, Math.round((b.nextAt - Date.now()) / 1000));
    if (!b.stopped) {
      conn.append(h('span', { class: 'hint' }, ' retry in ' + secs + ' s '),
        h('button', { type: 'button', class: 'link', onclick: () => b.retryNow() }, 'retry now'));
    }
  }
}

function startBus() {
  bus = new Bus(location.origin + '/eventbus');
  bus.onState(showConnection);
  bus.onOpen((b) => {
    clearToasts('live'); clearToasts('server'); clearToasts('sub:*');
    // back after an outage: a view that could not load a part while the server was away is drawn again
    if (b.opens > 1 && view.querySelector('[data-cause="server"]')) route();
  });
  bus.onRecover((address) => clearToasts('sub:' + address));
  bus.onError((err) => {
    // refusals the server could not tie to an address: tell the person, unless it is a lost session
    const code = codeOf(err);
    if (isAuthProblem(err)) {
      checkSession();
    } else if (code === 'unavailable' || code === 'slow_consumer' || code === 'node_draining') {
      // the server is closing this tab's connection on purpose; the indicator shows the reconnect
      toast('The server closed this tab\'s live connection' + (err.message ? ' (' + err.message + ')' : '') + '; reconnecting.', 'info', 'live');
    } else if (code !== 'unknown_address') {
      toast(explain(err), 'error', 'live');
    }
  });
  versionUnsub = bus.subscribe('status.version', (err, body) => {
    if (err || !body) return;
    if (body.type === 'build') {
      // told at every (re)connect: the build of the server, against the build this page came from
      if (BUILD && body.version && body.version !== BUILD) {
        body = { newVersion: body.version, message: 'This page is opsbus ' + BUILD + '; the server runs ' + body.version + ' now.' };
      } else {
        return;
      }
    }
    clear(banner);
    banner.append(
      h('span', {}, body.message || ('opsbus ' + body.newVersion + ' is running now.')),
      ' ',
      h('button', { type: 'button', onclick: () => location.reload() }, 'Reload to get version ' + (body.newVersion || 'new')),
      h('button', { type: 'button', class: 'link', onclick: () => { banner.hidden = true; } }, 'later'));
    banner.hidden = false;
  });
  notificationsStop = notifications.start(bus, me.username);
  bus.start();
  conn.hidden = false;
}

// a server that answers again takes away what said it could not be reached
onAnswer(() => clearToasts('server'));

// the countdown in the indicator
setInterval(() => {
  if (bus && (bus.state === 'reconnecting' || bus.state === 'disconnected')) showConnection(bus.state, bus);
}, 1000);

async function checkSession() {
  try {
    me = await get('/api/me');
  } catch (e) {
    if (isAuthProblem(e)) sessionEnded();
  }
}

function sessionEnded() {
  if (!me) return;
  me = null;
  stopSession();
  toast('Your session ended. Please log in again.', 'error');
  ctx.navigate('#/login');
}

function stopSession() {
  if (cleanup) { cleanup(); cleanup = null; }
  if (versionUnsub) { versionUnsub(); versionUnsub = null; }
  if (notificationsStop) { notificationsStop(); notificationsStop = null; }
  if (bus) { bus.stop(); bus = null; }
  clearTimeout(refreshTimer);
  conn.hidden = true;
  who.hidden = true;
  logoutButton.hidden = true;
  nav.hidden = true;
}

/** Renews the cookie before it expires: the token's lifetime is short. */
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  if (!me || !me.expiresAt) return;
  const left = new Date(me.expiresAt).getTime() - Date.now();
  const wait = Math.max(10_000, left * 0.6);
  refreshTimer = setTimeout(async () => {
    try {
      const renewed = await post('/api/token/refresh');
      // the open bus connection gets the new token too: it would be closed at the old one's expiry
      if (bus && renewed && renewed.token) bus.renewToken(renewed.token);
      me = await get('/api/me');
      scheduleRefresh();
    } catch (e) {
      if (isAuthProblem(e)) sessionEnded(); else refreshTimer = setTimeout(scheduleRefresh, 30_000);
    }
  }, wait);
}

async function loggedIn(user) {
  me = user;
  loadErrorCodes(); // again, in case the server could not be reached when the page loaded
  who.textContent = me.username + ' (' + me.roles.join(', ') + ')';
  who.hidden = false;
  logoutButton.hidden = false;
  nav.hidden = false;
  for (const link of nav.querySelectorAll('a[data-page]')) link.hidden = !(PAGES[link.dataset.page] && PAGES[link.dataset.page].may());
  scheduleRefresh();
  if (!bus) startBus();
}

logoutButton.addEventListener('click', async () => {
  try {
    await post('/api/logout');
  } catch (e) {
    // the cookie is cleared below by going to the login page anyway
  }
  me = null;
  stopSession();
  ctx.navigate('#/login');
});

function parseHash() {
  const parts = (location.hash || '#/').replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  return parts;
}

async function route() {
  const parts = parseHash();
  if (cleanup) { cleanup(); cleanup = null; }
  clear(view);
  if (parts[0] === 'login') {
    stopSession();
    cleanup = login.mount(view, { ...ctxBase(), onLoggedIn: async () => {
      await loggedIn(await get('/api/me'));
      const back = sessionStorage.getItem('opsbus.after-login');
      sessionStorage.removeItem('opsbus.after-login');
      ctx.navigate(back && back !== '#/login' ? back : '#/');
    } });
    return;
  }
  if (!me) {
    try {
      await loggedIn(await get('/api/me'));
    } catch (e) {
      sessionStorage.setItem('opsbus.after-login', location.hash || '#/');
      ctx.navigate('#/login');
      return;
    }
  }
  if (parts[0] === 'host' && parts[1]) {
    cleanup = host.mount(view, ctx, parts[1]);
  } else if (parts[0] === 'terminal' && parts[1]) {
    cleanup = terminal.mount(view, ctx, parts[1], parts[2] || 'write');
  } else if (PAGES[parts[0]]) {
    cleanup = PAGES[parts[0]].module.mount(view, ctx, parts.slice(1));
  } else {
    cleanup = dashboard.mount(view, ctx);
  }
}

function ctxBase() {
  return { toast, explain };
}

window.addEventListener('hashchange', route);
// for people (and tests) looking at a running console from the devtools
window.opsbus = { get bus() { return bus; }, get me() { return me; } };
// the server's code table first, so the first refusal is already read right
loadErrorCodes().then(route);
