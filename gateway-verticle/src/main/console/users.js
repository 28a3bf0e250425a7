// Users (admins): create one with roles and host grants, change roles and grants, disable and enable,
// reset a password, delete. Through /api/users, as a script would; passwords are write-only.
// Below them the service keys (servicekeys.js); #/users/keys goes straight there.

import { get, post, put, del } from './api.js';
import { h, clear, badge, fmtTime } from './ui.js';
import * as serviceKeys from './servicekeys.js';

const ROLES = ['admin', 'operator', 'viewer', 'service'];

export function mount(container, ctx, args) {
  ctx.bus.setView('users');
  let users = [];
  let hosts = [];
  let loading = null; // the form offers the hosts of the first load: it waits for it
  const body = h('tbody');
  const formCard = h('section', { class: 'card', id: 'user-form-card', hidden: true });
  container.append(h('div', { class: 'users-page' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Users'), h('button', { type: 'button', id: 'add-user', onclick: () => loading.then(() => showForm(null)) }, 'Create a user'),
      h('a', { href: '#/users/keys', id: 'to-service-keys' }, 'Service keys')),
    h('div', { class: 'grid' },
      h('section', { class: 'card wide' }, h('table', { class: 'users-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'user'), h('th', {}, 'roles'), h('th', {}, 'hosts'), h('th', {}, 'state'), h('th', {}, 'changed'), h('th', {}))),
        body)),
      formCard)));

  function draw() {
    clear(body);
    for (const u of users) {
      const self = u.username === ctx.me.username;
      body.append(h('tr', { dataset: { username: u.username, disabled: String(!!u.disabled) } },
        h('td', {}, h('strong', {}, u.username), self ? h('span', { class: 'muted small' }, ' (you)') : null),
        h('td', { class: 'roles' }, (u.roles || []).map((r) => h('span', { class: 'badge role' }, r))),
        h('td', { class: 'grants' }, (u.hosts || []).length ? u.hosts.map((x) => x === '*' ? 'all hosts' : x).join(', ')
          : h('span', { class: 'muted' }, (u.roles || []).includes('admin') ? 'all (admin)' : 'none')),
        h('td', { class: 'state' }, u.disabled ? badge('down', 'disabled') : badge('up', 'active')),
        h('td', { class: 'muted small' }, fmtTime(u.updatedAt)),
        h('td', { class: 'row-actions' },
          h('button', { type: 'button', class: 'small', dataset: { action: 'edit' }, onclick: () => showForm(u) }, 'Edit'),
          self ? null : h('button', { type: 'button', class: 'small', dataset: { action: u.disabled ? 'enable' : 'disable' },
            onclick: () => setDisabled(u, !u.disabled) }, u.disabled ? 'Enable' : 'Disable'),
          self ? null : h('button', { type: 'button', class: 'small danger', dataset: { action: 'delete' }, onclick: (ev) => confirmDelete(u, ev.target) }, 'Delete'))));
    }
  }

  async function load() {
    try {
      const [us, hs] = await Promise.all([get('/api/users'), get('/api/hosts')]);
      users = us || [];
      hosts = hs || [];
      draw();
    } catch (e) {
      ctx.fail(e, 'Users');
    }
  }

  function showForm(u) {
    const editing = !!u;
    const username = h('input', { name: 'username', 'aria-label': 'user name', required: true, readonly: editing, value: u ? u.username : '',
      pattern: '[a-z0-9][a-z0-9._-]{0,62}', placeholder: 'ana' });
    const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', 'aria-label': 'password',
      placeholder: editing ? 'unchanged (type to reset)' : 'at least 12 characters' });
    const roleBoxes = ROLES.map((r) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name: 'role', value: r, checked: u ? (u.roles || []).includes(r) : r === 'viewer' }), ' ' + r));
    const granted = new Set(u ? u.hosts || [] : []);
    const hostBoxes = [h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'host', value: '*', checked: granted.has('*') }), ' all hosts')]
      .concat(hosts.map((x) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'host', value: x.id, checked: granted.has(x.id) }), ' ' + x.id)));
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = h('form', { id: 'user-form', class: 'stacked' },
      h('h2', {}, editing ? 'Edit ' + u.username : 'Create a user'),
      h('label', {}, 'User name', username),
      h('label', {}, editing ? 'New password' : 'Password', password),
      h('fieldset', { class: 'roles' }, h('legend', {}, 'Roles'), roleBoxes),
      h('fieldset', { class: 'hosts' }, h('legend', {}, 'Host grants'), hostBoxes,
        h('p', { class: 'muted small' }, 'Admins reach every host whatever is granted here.')),
      error,
      h('div', { class: 'row' }, h('button', { type: 'submit' }, editing ? 'Save' : 'Create user'),
        h('button', { type: 'button', class: 'link', onclick: () => { clear(formCard); formCard.hidden = true; } }, 'Cancel')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      const checked = (name) => [...form.querySelectorAll('input[name=' + name + ']:checked')].map((i) => i.value);
      const b = { roles: checked('role'), hosts: checked('host') };
      if (password.value) b.password = password.value;
      try {
        if (editing) {
          await put('/api/users/' + encodeURIComponent(u.username), b);
          ctx.toast('Saved ' + u.username + (b.password ? ' (password reset)' : '') + '.', 'info');
        } else {
          b.username = username.value.trim();
          await post('/api/users', b);
          ctx.toast('Created ' + b.username + '.', 'info');
        }
        clear(formCard);
        formCard.hidden = true;
        await load();
      } catch (e) {
        error.textContent = ctx.explain(e, editing ? 'Not saved' : 'Not created');
        error.hidden = false;
      }
    });
    clear(formCard).append(form);
    formCard.hidden = false;
    (editing ? password : username).focus();
  }

  async function setDisabled(u, disabled) {
    try {
      await put('/api/users/' + encodeURIComponent(u.username), { disabled });
      ctx.toast(u.username + (disabled ? ' is disabled: no new logins or token refreshes.' : ' is enabled again.'), 'info');
      await load();
    } catch (e) {
      ctx.fail(e, (disabled ? 'Disable ' : 'Enable ') + u.username);
    }
  }

  function confirmDelete(u, button) {
    const cell = button.parentElement;
    const keep = [...cell.childNodes];
    const yes = h('button', { type: 'button', class: 'small danger', dataset: { action: 'confirm-delete' } }, 'Delete ' + u.username);
    yes.addEventListener('click', async () => {
      try {
        await del('/api/users/' + encodeURIComponent(u.username));
        ctx.toast('Deleted ' + u.username + '.', 'info');
        await load();
      } catch (e) {
        ctx.fail(e, 'Delete ' + u.username);
      }
    });
    clear(cell).append(h('span', { class: 'small' }, 'Sure? '), yes, h('button', { type: 'button', class: 'small link', onclick: () => clear(cell).append(...keep) }, 'keep'));
  }

  loading = load();
  const page = container.querySelector('.users-page');
  const stopKeys = serviceKeys.mount(page, ctx);
  if (args && args[0] === 'keys') page.querySelector('#service-keys').scrollIntoView();
  return () => { stopKeys(); };
}
