// Operations as a view knows them: merged by id, keeping the highest version, whichever way a snapshot
// arrived (HTTP list, live update, replay after a reconnect).

import { h, progressBar, fmtTime } from './ui.js';
import { describeFailure } from './errors.js';

export const ACTIVE = new Set(['pending', 'in_progress']);

export class OperationBook {
  constructor() {
    this.ops = new Map();
    this.listeners = new Set();
  }

  onChange(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }

  merge(op) {
    if (!op || !op.id) return;
    const cur = this.ops.get(op.id);
    if (cur && (cur.version || 0) > (op.version || 0)) return;
    this.ops.set(op.id, op);
    for (const fn of this.listeners) fn(op);
  }

  all() {
    return [...this.ops.values()].sort((a, b) => String(b.createdAt || '').localeCompare(String(a.createdAt || '')));
  }

  active(hostId, type) {
    return this.all().find((o) => ACTIVE.has(o.status) && (!hostId || o.hostId === hostId) && (!type || o.operationType === type));
  }
}

const STATUS_TEXT = { pending: 'pending', in_progress: 'running', completed: 'completed', failed: 'failed', cancelled: 'cancelled' };

/** One operation as a table row: type, host, status, progress, what it says, who, when. */
export function operationRow(op, { showHost = true, onCancel = null } = {}) {
  const status = STATUS_TEXT[op.status] || op.status;
  return h('tr', { class: 'op ' + op.status, dataset: { opId: op.id, opType: op.operationType, status: op.status } },
    h('td', {}, op.operationType),
    showHost ? h('td', {}, h('a', { href: '#/host/' + encodeURIComponent(op.hostId) }, op.hostId)) : null,
    h('td', { class: 'status' }, status),
    h('td', {}, progressBar(op.progress, op.status)),
    h('td', { class: 'msg' }, op.error ? h('span', { class: 'err' }, describeFailure(op)) : (op.message || '')),
    h('td', {}, op.requestedBy || op.createdBy || ''),
    h('td', {}, fmtTime(op.createdAt)),
    h('td', {}, onCancel && ACTIVE.has(op.status) ? h('button', { type: 'button', class: 'small', onclick: () => onCancel(op) }, 'Cancel') : null));
}
