// Small DOM helpers shared by the views: an element builder, toasts, and formatting.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/**
 * A message at the top right; errors stay until dismissed (a refusal must be read) or until their
 * cause is gone (see clearToasts), others fade. The same message already shown is not shown twice.
 * cause: what the message is about, e.g. 'live' for the live connection.
 */
export function toast(text, kind = 'info', cause = null) {
  const box = document.getElementById('toasts');
  const same = [...box.children].find((t) => t.classList.contains(kind) && t.querySelector('.text').textContent === text);
  if (same) return same;
  const close = h('button', { type: 'button', class: 'link', 'aria-label': 'dismiss' }, '×');
  const el = h('div', { class: 'toast ' + kind, role: kind === 'error' ? 'alert' : 'status', dataset: cause ? { cause } : null }, h('span', { class: 'text' }, text), close);
  close.addEventListener('click', () => el.remove());
  box.append(el);
  while (box.children.length > 5) box.firstChild.remove();
  if (kind !== 'error') setTimeout(() => el.remove(), 6000);
  return el;
}

/** Takes away the messages about a cause that is gone (the live connection is back, say); 'sub:*' takes every 'sub:...'. */
export function clearToasts(cause) {
  const prefix = cause.endsWith('*');
  for (const t of document.querySelectorAll('#toasts .toast[data-cause]')) {
    if (prefix ? t.dataset.cause.startsWith(cause.slice(0, -1)) : t.dataset.cause === cause) t.remove();
  }
}

export function fmtDuration(seconds) {
  if (seconds == null) return '';
  const s = Math.floor(seconds);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  const hrs = Math.floor(s / 3600);
  return hrs + ' h ' + Math.floor((s % 3600) / 60) + ' min';
}

export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleTimeString();
}

export function fmtNumber(v, digits = 1) {
  return v == null || Number.isNaN(v) ? '–' : Number(v).toFixed(digits);
}

export function progressBar(percent, status) {
  const p = Math.max(0, Math.min(100, Math.round(percent || 0)));
  const bar = h('div', { class: 'progress ' + (status || ''), role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(p) },
    h('div', { class: 'fill', style: 'width:' + p + '%' }),
    h('span', { class: 'label' }, p + '%'));
  return bar;
}

export function badge(status, text) {
  return h('span', { class: 'badge ' + (status || 'unknown'), dataset: { status: status || 'unknown' } }, text || status || 'unknown');
}
