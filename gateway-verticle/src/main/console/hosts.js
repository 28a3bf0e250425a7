// Hosts (admins): add, edit, delete; scan the key a host offers, show its fingerprint and pin it on
// confirmation; a changed key is shown with the pinned and the offered fingerprint and takes an
// explicit re-pin. Secrets (password, private key) are write-only: the server never sends them back,
// and an edit that leaves them empty keeps what is stored. Who is granted each host is shown beside it.
// Everything goes through /api/hosts and /api/users, as a script would.

import { get, post, put, del } from './api.js';
import { h, clear, badge } from './ui.js';

export function mount(container, ctx) {
  ctx.bus.setView('hosts');
  let hosts = [];
  let users = [];
  const body = h('tbody');
  const note = h('p', { class: 'muted small', id: 'hosts-note' });
  const formCard = h('section', { class: 'card', id: 'host-form-card' });
  const keyCard = h('section', { class: 'card', id: 'host-key-card', hidden: true });
  container.append(h('div', { class: 'hosts-page' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Hosts'),
      h('button', { type: 'button', id: 'add-host', onclick: () => showForm(null) }, 'Add a host')),
    h('div', { class: 'grid' },
      h('section', { class: 'card wide', id: 'hosts-table-card' },
        h('table', { class: 'hosts-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'id'), h('th', {}, 'name'), h('th', {}, 'address'),
          h('th', {}, 'login'), h('th', {}, 'host key'), h('th', {}, 'granted to'), h('th', {}))), body), note),
      formCard, keyCard)));

  if (!ctx.isAdmin()) {
    note.textContent = 'Only admins manage hosts; the dashboard shows the hosts you are granted.';
  }

  function grantedTo(hostId) {
    return users.filter((u) => (u.hosts || []).includes(hostId) || (u.hosts || []).includes('*') || (u.roles || []).includes('admin'))
      .map((u) => u.username + ((u.roles || []).includes('admin') ? ' (admin)' : (u.hosts || []).includes('*') ? ' (all hosts)' : ''));
  }

  function draw() {
    clear(body);
    for (const hst of hosts) {
      const pinned = hst.hostKey && hst.hostKey.pinned;
      body.append(h('tr', { dataset: { hostId: hst.id } },
        h('td', {}, h('a', { href: '#/host/' + encodeURIComponent(hst.id) }, hst.id)),
        h('td', {}, hst.name || ''),
        h('td', {}, hst.address + ':' + hst.port),
        h('td', {}, hst.username + ' ', h('span', { class: 'muted small' }, '(' + (hst.authType === 'key' ? 'private key' : 'password') + ')')),
        h('td', { class: 'key' }, pinned ? h('code', { class: 'fp' }, pinned) : badge('down', 'not pinned')),
        h('td', { class: 'grants small' }, grantedTo(hst.id).join(', ') || h('span', { class: 'muted' }, 'nobody but admins')),
        h('td', { class: 'row-actions' }, ctx.isAdmin() ? [
          h('button', { type: 'button', class: 'small', dataset: { action: 'key' }, onclick: () => scan(hst.id) }, 'Check key'),
          h('button', { type: 'button', class: 'small', dataset: { action: 'edit' }, onclick: () => showForm(hst) }, 'Edit'),
          h('button', { type: 'button', class: 'small danger', dataset: { action: 'delete' }, onclick: (ev) => confirmDelete(hst, ev.target) }, 'Delete'),
        ] : null)));
    }
    if (!hosts.length) body.append(h('tr', {}, h('td', { colspan: '7', class: 'muted' }, 'No hosts yet.')));
  }

  async function load() {
    try {
      const [hs, us] = await Promise.all([get('/api/hosts'), ctx.isAdmin() ? get('/api/users') : Promise.resolve([])]);
      hosts = hs || [];
      users = us || [];
      draw();
    } catch (e) {
      ctx.fail(e, 'Hosts');
    }
  }

  // ---- add and edit
  function showForm(hst) {
    const editing = !!hst;
    const f = (name, attrs, value) => h('input', { name, 'aria-label': name, value: value == null ? '' : String(value), ...attrs });
    const id = f('id', { required: true, pattern: '[a-z0-9][a-z0-9_-]{0,62}', placeholder: 'web-1', readonly: editing }, hst && hst.id);
    const name = f('name', { placeholder: 'Web server 1' }, hst && hst.name);
    const address = f('address', { required: true, placeholder: '10.0.0.5' }, hst && hst.address);
    const port = f('port', { type: 'number', min: '1', max: '65535', step: '1' }, hst ? hst.port : 22);
    const username = f('username', { required: true, placeholder: 'deploy' }, hst && hst.username);
    const authType = h('select', { name: 'authType', 'aria-label': 'log in with' },
      h('option', { value: 'password' }, 'password'), h('option', { value: 'key' }, 'private key'));
    if (hst && hst.authType === 'key') authType.value = 'key';
    const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', 'aria-label': 'password',
      placeholder: editing ? 'unchanged' : '' });
    const privateKey = h('textarea', { name: 'privateKey', rows: '4', 'aria-label': 'private key', placeholder: editing ? 'unchanged' : '-----BEGIN OPENSSH PRIVATE KEY-----' });
    const passLabel = h('label', {}, 'Password', password);
    const keyLabel = h('label', {}, 'Private key', privateKey);
    const logs = h('textarea', { name: 'logs', rows: '3', 'aria-label': 'log files', placeholder: 'app=/var/log/app.log' },
      hst ? (hst.logs || []).map((l) => l.stream + '=' + l.path).join('\n') : '');
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const showAuth = () => { passLabel.hidden = authType.value !== 'password'; keyLabel.hidden = authType.value !== 'key'; };
    authType.addEventListener('change', showAuth);
    showAuth();
    const form = h('form', { id: 'host-form', class: 'stacked' },
      h('h2', {}, editing ? 'Edit host ' + hst.id : 'Add a host'),
      h('label', {}, 'Id', id), h('label', {}, 'Name', name),
      h('div', { class: 'row' }, h('label', {}, 'Address', address), h('label', {}, 'Port', port)),
      h('label', {}, 'SSH user', username), h('label', {}, 'Log in with', authType), passLabel, keyLabel,
      h('p', { class: 'muted small' }, editing
        ? 'The stored secret is never shown. Leave it empty to keep it; type a new one to replace it.'
        : 'The secret is stored encrypted and never shown again.'),
      h('label', {}, 'Log files (one stream=path a line)', logs),
      error,
      h('div', { class: 'row' }, h('button', { type: 'submit' }, editing ? 'Save' : 'Add host'),
        h('button', { type: 'button', class: 'link', onclick: () => { clear(formCard); formCard.hidden = true; } }, 'Cancel')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      const b = { name: name.value.trim() || undefined, address: address.value.trim(), port: Number(port.value || 22), username: username.value.trim() };
      const secret = authType.value === 'password' ? password.value : privateKey.value.trim();
      if (secret) b[authType.value === 'password' ? 'password' : 'privateKey'] = secret;
      const lines = logs.value.split('\n').map((l) => l.trim()).filter(Boolean);
      const parsed = lines.map((l) => { const i = l.indexOf('='); return i > 0 ? { stream: l.slice(0, i).trim(), path: l.slice(i + 1).trim() } : null; });
      if (parsed.includes(null)) { error.textContent = 'Each log line reads stream=path, e.g. app=/var/log/app.log.'; error.hidden = false; return; }
      b.logs = parsed;
      try {
        if (editing) {
          await put('/api/hosts/' + encodeURIComponent(hst.id), b);
          ctx.toast('Host ' + hst.id + ' saved.', 'info');
        } else {
          if (!secret) { error.textContent = 'Give the password or the private key opsbus logs in with.'; error.hidden = false; return; }
          b.id = id.value.trim();
          await post('/api/hosts', b);
          ctx.toast('Host ' + b.id + ' added. Check and pin its key before anyone connects.', 'info');
        }
        clear(formCard);
        formCard.hidden = true;
        await load();
        if (!editing) scan(b.id);
      } catch (e) {
        error.textContent = ctx.explain(e, editing ? 'Not saved' : 'Not added');
        error.hidden = false;
      }
    });
    clear(formCard).append(form);
    formCard.hidden = false;
    (editing ? name : id).focus();
  }

  // ---- host keys
  async function scan(hostId) {
    clear(keyCard).append(h('h2', {}, 'Host key of ' + hostId), h('p', { class: 'muted' }, 'asking the host which key it offers…'));
    keyCard.hidden = false;
    keyCard.dataset.hostId = hostId;
    let k;
    try {
      k = await get('/api/hosts/' + encodeURIComponent(hostId) + '/host-key');
    } catch (e) {
      clear(keyCard).append(h('h2', {}, 'Host key of ' + hostId), h('p', { class: 'err', role: 'alert' }, ctx.explain(e, 'Could not read the key ' + hostId + ' offers')),
        h('button', { type: 'button', onclick: () => scan(hostId) }, 'Try again'));
      return;
    }
    const offered = h('code', { class: 'fp', id: 'offered-fp' }, k.offered);
    const parts = [h('h2', {}, 'Host key of ' + hostId)];
    if (k.matches) {
      keyCard.dataset.state = 'pinned';
      parts.push(h('p', { class: 'ok', id: 'key-verdict' }, 'The key the host offers is the pinned one.'), h('p', {}, 'Fingerprint: ', offered));
    } else if (!k.pinned) {
      keyCard.dataset.state = 'unpinned';
      parts.push(h('p', { id: 'key-verdict' }, 'No key is pinned yet: opsbus will not connect to ' + hostId + ' until one is.'),
        h('p', {}, 'The host offers: ', offered),
        h('p', { class: 'muted small' }, 'Compare it with the host\'s own (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host) before you pin it.'),
        h('button', { type: 'button', id: 'pin-key', onclick: () => pin(hostId, k.offered) }, 'Pin this key'));
    } else {
      keyCard.dataset.state = 'changed';
      const confirmBox = h('input', { type: 'checkbox', id: 'repin-confirm' });
      const repin = h('button', { type: 'button', class: 'danger', id: 'repin-key', disabled: true, onclick: () => pin(hostId, k.offered) }, 'Re-pin to the new key');
      confirmBox.addEventListener('change', () => { repin.disabled = !confirmBox.checked; });
      parts.push(h('p', { class: 'err', role: 'alert', id: 'key-verdict' }, 'The host offers a different key than the pinned one. opsbus refuses to connect until an admin re-pins.'),
        h('dl', { class: 'fps' }, h('dt', {}, 'pinned (old)'), h('dd', {}, h('code', { class: 'fp', id: 'pinned-fp' }, k.pinned)),
          h('dt', {}, 'offered (new)'), h('dd', {}, offered)),
        h('label', { class: 'check' }, confirmBox, ' I checked on the host that its key really changed to the new fingerprint.'), repin);
    }
    clear(keyCard).append(...parts);
  }

  async function pin(hostId, fingerprint) {
    try {
      await post('/api/hosts/' + encodeURIComponent(hostId) + '/host-key', { fingerprint });
      ctx.toast('Pinned ' + fingerprint + ' for ' + hostId + '.', 'info');
      await load();
      await scan(hostId);
    } catch (e) {
      ctx.fail(e, 'Pin the key of ' + hostId);
    }
  }

  function confirmDelete(hst, button) {
    const cell = button.parentElement;
    const keep = [...cell.childNodes];
    const yes = h('button', { type: 'button', class: 'small danger', dataset: { action: 'confirm-delete' } }, 'Delete ' + hst.id);
    const no = h('button', { type: 'button', class: 'small link', onclick: () => { clear(cell).append(...keep); } }, 'keep it');
    yes.addEventListener('click', async () => {
      try {
        await del('/api/hosts/' + encodeURIComponent(hst.id));
        ctx.toast('Host ' + hst.id + ' deleted.', 'info');
        if (keyCard.dataset.hostId === hst.id) keyCard.hidden = true;
        await load();
      } catch (e) {
        ctx.fail(e, 'Delete ' + hst.id);
      }
    });
    clear(cell).append(h('span', { class: 'small' }, 'Sure? '), yes, no);
  }

  formCard.hidden = true;
  load();
  return () => {};
}
