// The login page: a form posting to /api/login, which sets the HttpOnly session cookie.

import { post } from './api.js';
import { h } from './ui.js';

export function mount(container, ctx) {
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit' }, 'Log in');
  const form = h('form', { class: 'login card', id: 'login-form' },
    h('h1', {}, 'Log in to opsbus'),
    h('label', {}, 'User name', user),
    h('label', {}, 'Password', pass),
    error,
    button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    button.disabled = true;
    try {
      await post('/api/login', { username: user.value.trim(), password: pass.value });
      await ctx.onLoggedIn();
    } catch (e) {
      error.textContent = ctx.explain(e, 'Login refused');
      error.hidden = false;
      button.disabled = false;
      pass.select();
    }
  });
  container.append(form);
  user.focus();
  return () => {};
}
