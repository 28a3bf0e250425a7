// Service keys (admins), a section of the users page: every key with its scope (roles, host grants,
// address grants), who made it and when, its last use, its expiry and its state (live, expired,
// revoked); make one, whose secret is shown here once and never again; revoke one after a confirm.
// Through /api/service-keys, as a script would.

import { get, post, del } from './api.js';
import { h, clear, badge } from './ui.js';

const ROLES = ['admin', 'operator', 'viewer', 'service'];
/** The directions a key's grants name address patterns for (KeyGrants on the server). */
const DIRECTIONS = ['publish', 'send', 'request', 'serve'];
const MAX_DAYS = 3650;

function fmtWhen(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleDateString() + ' ' + d.toLocaleTimeString();
}

/** live, expired or revoked: a revoked key stays listed (its name is never reused). */
export function stateOf(k) {
  if (k.revoked || k.revokedAt) return 'revoked';
  if (k.expired) return 'expired';
  return 'live';
}

/** "metrics.custom.**, status.server" or one a line -> ['metrics.custom.**', 'status.server'] */
function patterns(text) {
  return String(text || '').split(/[\s,]+/).filter((p) => p);
}

function hostGrants(k) {
  if ((k.hosts || []).length) return k.hosts.map((x) => x === '*' ? 'all hosts' : x).join(', ');
  return h('span', { class: 'muted' }, (k.roles || []).includes('admin') ? 'all (admin)' : 'none');
}

function addressGrants(k) {
  const g = k.grants || {};
  const lines = DIRECTIONS.filter((d) => (g[d] || []).length).map((d) =>
    h('div', { class: 'grant', dataset: { direction: d } }, h('span', { class: 'muted small' }, d + ' '),
      g[d].flatMap((p, i) => [i ? ', ' : null, h('code', {}, p)])));
  return lines.length ? lines : h('span', { class: 'muted' }, 'none (roles only)');
}

export function mount(container, ctx) {
  let keys = [];
  let hosts = [];
  let loading = null;
  const body = h('tbody');
  const empty = h('p', { class: 'muted', id: 'service-keys-empty', hidden: true }, 'No service key yet.');
  const formCard = h('section', { class: 'card', id: 'key-form-card', hidden: true });
  const secretCard = h('section', { class: 'card wide secret-card', id: 'key-secret-card', role: 'region', 'aria-label': 'new key secret', hidden: true });
  const section = h('section', { class: 'service-keys', id: 'service-keys' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Service keys'),
      // the form offers the hosts of the first load: it waits for it
      h('button', { type: 'button', id: 'add-key', onclick: () => loading.then(showForm) }, 'Create a key')),
    h('p', { class: 'muted small' }, 'A key lets a script or service use the HTTP API and the bridges as ',
      h('code', {}, 'key:<name>'), ' with ', h('code', {}, 'Authorization: Bearer <secret>'),
      ': the permission rules for its roles and hosts, plus the address patterns granted here (',
      h('code', {}, '*'), ' is one segment, a final ', h('code', {}, '**'), ' the rest). See docs/SERVICES.md.'),
    h('div', { class: 'grid' },
      secretCard,
      h('section', { class: 'card wide' }, h('table', { class: 'keys-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'key'), h('th', {}, 'roles'), h('th', {}, 'hosts'), h('th', {}, 'addresses'),
          h('th', {}, 'created'), h('th', {}, 'last used'), h('th', {}, 'expires'), h('th', {}, 'state'), h('th', {}))),
        body), empty),
      formCard));
  container.append(section);

  function draw() {
    clear(body);
    empty.hidden = keys.length > 0;
    for (const k of keys) {
      const state = stateOf(k);
      body.append(h('tr', { dataset: { key: k.name, state } },
        h('td', {}, h('strong', {}, k.name), h('div', { class: 'muted small' }, k.principal || 'key:' + k.name)),
        h('td', { class: 'roles' }, (k.roles || []).map((r) => h('span', { class: 'badge role' }, r))),
        h('td', { class: 'grants' }, hostGrants(k)),
        h('td', { class: 'addresses' }, addressGrants(k)),
        h('td', { class: 'created small' }, k.createdBy || '', h('div', { class: 'muted' }, fmtWhen(k.createdAt))),
        h('td', { class: 'last-used small', title: k.lastUsedAt || '' }, k.lastUsedAt ? fmtWhen(k.lastUsedAt) : h('span', { class: 'muted' }, 'never')),
        h('td', { class: 'expires small', title: k.expiresAt || '' }, k.expiresAt ? fmtWhen(k.expiresAt) : h('span', { class: 'muted' }, 'never')),
        h('td', { class: 'state' }, state === 'live' ? badge('up', 'live') : state === 'expired' ? badge('degraded', 'expired')
          : [badge('down', 'revoked'), h('div', { class: 'muted small' }, fmtWhen(k.revokedAt))]),
        h('td', { class: 'row-actions' }, state === 'revoked' ? null
          : h('button', { type: 'button', class: 'small danger', dataset: { action: 'revoke' }, onclick: (ev) => confirmRevoke(k, ev.target) }, 'Revoke'))));
    }
  }

  async function load() {
    try {
      const [ks, hs] = await Promise.all([get('/api/service-keys'), get('/api/hosts')]);
      keys = ks || [];
      hosts = hs || [];
      draw();
    } catch (e) {
      ctx.fail(e, 'Service keys');
    }
  }

  function showForm() {
    const name = h('input', { name: 'name', 'aria-label': 'key name', required: true, pattern: '[a-z0-9][a-z0-9_-]{0,62}', placeholder: 'inventory' });
    const roleBoxes = ROLES.map((r) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name: 'role', value: r, checked: r === 'service' }), ' ' + r));
    const hostBoxes = [h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'host', value: '*' }), ' all hosts')]
      .concat(hosts.map((x) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'host', value: x.id }), ' ' + x.id)));
    const grantInputs = {};
    const grantLabels = DIRECTIONS.map((d) => {
      grantInputs[d] = h('input', { name: d, 'aria-label': d + ' address patterns', autocomplete: 'off', spellcheck: 'false',
        placeholder: { publish: 'metrics.custom.**', send: '', request: 'notifications.send', serve: 'svc.inventory.*' }[d] });
      return h('label', {}, d, grantInputs[d]);
    });
    const expiry = h('select', { name: 'expiry', 'aria-label': 'expiry' },
      h('option', { value: 'never' }, 'never'), h('option', { value: 'days' }, 'after a number of days'), h('option', { value: 'at' }, 'at a date and time'));
    const days = h('input', { name: 'expiresInDays', type: 'number', min: '1', max: String(MAX_DAYS), step: '1', value: '90', 'aria-label': 'days', hidden: true });
    const at = h('input', { name: 'expiresAt', type: 'datetime-local', 'aria-label': 'expires at', hidden: true });
    expiry.addEventListener('change', () => {
      days.hidden = expiry.value !== 'days';
      at.hidden = expiry.value !== 'at';
    });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = h('form', { id: 'key-form', class: 'stacked' },
      h('h2', {}, 'Create a service key'),
      h('label', {}, 'Key name', name),
      h('fieldset', { class: 'roles' }, h('legend', {}, 'Roles'), roleBoxes),
      h('fieldset', { class: 'hosts' }, h('legend', {}, 'Host grants'), hostBoxes),
      h('fieldset', { class: 'address-grants' }, h('legend', {}, 'Address grants'), grantLabels,
        h('p', { class: 'muted small' }, 'Patterns separated by commas or spaces; serving only inside the configured service namespaces.')),
      h('fieldset', { class: 'expiry' }, h('legend', {}, 'Expires'), h('div', { class: 'row' }, expiry, days, at)),
      error,
      h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Create key'),
        h('button', { type: 'button', class: 'link', onclick: () => { clear(formCard); formCard.hidden = true; } }, 'Cancel')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      const checked = (n) => [...form.querySelectorAll('input[name=' + n + ']:checked')].map((i) => i.value);
      const b = { name: name.value.trim(), roles: checked('role'), hosts: checked('host') };
      const grants = {};
      for (const d of DIRECTIONS) {
        const list = patterns(grantInputs[d].value);
        if (list.length) grants[d] = list;
      }
      if (Object.keys(grants).length) b.grants = grants;
      if (expiry.value === 'days') b.expiresInDays = Number(days.value);
      if (expiry.value === 'at') {
        const t = new Date(at.value);
        if (!at.value || isNaN(t)) {
          error.textContent = 'Not created: give the date and time the key expires at.';
          error.hidden = false;
          return;
        }
        b.expiresAt = t.toISOString();
      }
      try {
        const made = await post('/api/service-keys', b);
        clear(formCard);
        formCard.hidden = true;
        showSecret(made);
        await load();
      } catch (e) {
        error.textContent = ctx.explain(e, 'Not created');
        error.hidden = false;
      }
    });
    clear(formCard).append(form);
    formCard.hidden = false;
    name.focus();
  }

  /** The secret of a new key, this once: copy it, then close; it is not kept anywhere in the page. */
  function showSecret(made) {
    const value = h('input', { id: 'key-secret', class: 'secret', readonly: true, value: made.secret, 'aria-label': 'secret of ' + made.name,
      spellcheck: 'false', autocomplete: 'off' });
    const copied = h('span', { class: 'small', id: 'key-secret-copied', role: 'status' });
    const copy = h('button', { type: 'button', id: 'copy-secret' }, 'Copy');
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(value.value);
        copied.textContent = 'Copied.';
      } catch (e) {
        // no clipboard (an insecure origin, a refused permission): selected, for Ctrl+C
        value.select();
        copied.textContent = 'Selected: press Ctrl+C to copy.';
      }
    });
    value.addEventListener('focus', () => value.select());
    const done = h('button', { type: 'button', class: 'link', id: 'close-secret', onclick: () => { clear(secretCard); secretCard.hidden = true; } },
      'I have stored it: close');
    clear(secretCard).append(
      h('h2', {}, 'Secret of ' + made.name),
      h('p', { class: 'secret-notice', role: 'alert' }, h('strong', {}, 'Copy it now: it will not be shown again.'),
        ' Only its hash is stored; if it is lost, revoke this key and make a new one.'),
      h('div', { class: 'row' }, value, copy, copied),
      h('p', { class: 'muted small' }, 'Use it as ', h('code', {}, 'Authorization: Bearer <secret>'), ' on HTTP and the bridges.'),
      done);
    secretCard.hidden = false;
    ctx.toast('Created service key ' + made.name + '.', 'info');
  }

  function confirmRevoke(k, button) {
    const cell = button.parentElement;
    const keep = [...cell.childNodes];
    const yes = h('button', { type: 'button', class: 'small danger', dataset: { action: 'confirm-revoke' } }, 'Revoke ' + k.name);
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      try {
        await del('/api/service-keys/' + encodeURIComponent(k.name));
        ctx.toast('Revoked ' + k.name + ': it is refused from now on and its open connections are closed.', 'info');
        await load();
      } catch (e) {
        ctx.fail(e, 'Revoke ' + k.name);
        await load();
      }
    });
    clear(cell).append(h('span', { class: 'small' }, 'Revoke for good? '), yes,
      h('button', { type: 'button', class: 'small link', dataset: { action: 'keep' }, onclick: () => clear(cell).append(...keep) }, 'keep'));
  }

  loading = load();
  return () => { clear(secretCard); };
}
