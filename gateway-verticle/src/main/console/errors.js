// Turns a refusal (an HTTP error, a bridge err frame, a terminal error frame) into a sentence a person understands.

const SENTENCES = {
  access_denied: 'You do not have permission to do this.',
  not_logged_in: 'You are not logged in (or your session ended). Please log in again.',
  token_expired: 'Your session has expired. Please log in again.',
  token_revoked: 'Your session was ended (you logged out elsewhere, or your account was changed or removed). Please log in again.',
  key_expired: 'This service key has expired: an admin must make a new one.',
  invalid_token: 'Your session is no longer valid. Please log in again.',
  invalid_credentials: 'Wrong user name or password.',
  rate_limited: 'Too many requests: you are being rate limited. Wait a moment and try again.',
  too_many_connections: 'Too many open connections for your user: close some tabs and try again.',
  too_many_subscriptions: 'This tab watches too many things at once: close some views and try again.',
  too_many_sessions: 'Too many terminal sessions are open: close one first.',
  host_unreachable: 'The host cannot be reached over SSH right now.',
  host_key_mismatch: 'The host\'s SSH key has changed since it was pinned: opsbus refuses to connect. An admin must check the host and pin its new key.',
  host_key_unknown: 'The host\'s SSH key is not pinned yet: an admin must pin it before anyone can connect.',
  ssh_auth_failed: 'Logging in to the host over SSH failed (its stored credentials were refused).',
  session_closed: 'This terminal session has ended.',
  not_found: 'It does not exist (any more).',
  already_exists: 'It already exists.',
  timeout: 'The server did not answer in time. Try again.',
  unavailable: 'The service is unavailable right now. Try again in a moment.',
  no_handler: 'No server is handling this right now. Try again in a moment.',
  store_unavailable: 'The database is unavailable right now. Try again in a few seconds.',
  node_draining: 'This server is shutting down. Reconnecting to another one.',
  node_full: 'This server has as many connections as it can hold. Reconnecting to another one.',
  slow_consumer: 'This tab could not keep up with the updates and was reconnected.',
  origin_not_allowed: 'This page is not allowed to connect from its origin.',
  too_large: 'The request is too large.',
  unsupported_media_type: 'The request was not sent as JSON.',
  cancelled: 'It was cancelled.',
  session_lost: 'The server that held this terminal was lost; the session ended.',
  invalid_request: 'The request was refused as invalid.',
  invalid_json: 'The server could not read what this page sent (not valid JSON).',
  invalid_frame: 'The server could not understand what this page sent.',
  unknown_address: 'The server does not know what this page asked for.',
  internal_error: 'The server hit an internal error.',
};

// Bus failure code -> wire name, from the server's own table (GET /api/error-codes), never a copy.
let byFailureCode = {};
let loaded = null;

/** Reads the server's code table once; a failed read is tried again at the next call. */
export function loadErrorCodes() {
  if (!loaded) {
    loaded = fetch('/api/error-codes', { credentials: 'same-origin' })
      .then((res) => (res.ok ? res.json() : Promise.reject(new Error('status ' + res.status))))
      .then((rows) => {
        const map = {};
        for (const row of rows) map[row.failureCode] = row.code;
        byFailureCode = map;
      })
      .catch(() => { loaded = null; });
  }
  return loaded || Promise.resolve();
}

/** The code of an error of any of our transports. */
export function codeOf(err) {
  if (!err) return 'internal_error';
  if (err.code) return err.code;
  if (err.failureType && err.failureType !== 'RECIPIENT_FAILURE') return err.failureType;
  if (err.failureCode && byFailureCode[err.failureCode]) return byFailureCode[err.failureCode];
  return 'internal_error';
}

/** One or two sentences: what happened in plain words, then the server's own detail when it adds something. */
export function explain(err, what) {
  const code = codeOf(err);
  const base = SENTENCES[code] || 'It was refused (' + code + ').';
  // the server's text follows when it adds something (which host, which rule), not when it repeats the sentence
  const letters = (t) => String(t).toLowerCase().replace(/[^a-z]/g, '');
  const repeats = err && err.message && letters(base).includes(letters(err.message));
  const detail = err && err.message && err.message !== code && !repeats ? ' (' + err.message + ')' : '';
  return (what ? what + ': ' : '') + base + detail;
}

// Failures that end when the server is back (or the connection is): their message goes when it is.
const TRANSIENT = new Set(['unavailable', 'timeout', 'no_handler', 'node_draining', 'store_unavailable', 'slow_consumer']);

/**
 * What an error is about, so that its message goes when that is over (see ui.js clearToasts):
 * 'sub:<address>' for a refused or failed subscription (gone when the address delivers again),
 * 'live' for a refusal or failure on the live connection (gone when it reconnects), 'server' when the
 * server could not be reached or was not ready over HTTP (gone at its next answer), and null for a
 * refusal the person must read and dismiss.
 */
export function causeOf(err) {
  if (!err) return null;
  if (err.address) return 'sub:' + err.address;
  if (err.status === undefined) return 'live';
  if (err.status === 0 || err.status === 502 || err.status === 503 || err.status === 504 || TRANSIENT.has(codeOf(err))) return 'server';
  return null;
}

/** The dataset of an inline error: marked with its cause, so that the view can be drawn again once that is gone. */
export function causeData(err) {
  const cause = causeOf(err);
  return cause ? { cause } : null;
}

export function isAuthProblem(err) {
  const c = codeOf(err);
  return c === 'not_logged_in' || c === 'token_expired' || c === 'token_revoked' || c === 'invalid_token';
}

// Reasons an operation fails that are not refusals (no ErrorCode): said in words as well.
const OPERATION_REASONS = {
  node_lost: 'The node that ran it stopped responding, so another node marked it failed.',
  run_lost: 'The node that owns it no longer runs it (it was restarted while it ran), so it was marked failed.',
};

// "node_lost: node a ..." -> ["node_lost", "node a ..."]: the coded prefix the server writes before its text
const CODED = /^([a-z][a-z0-9]*(?:_[a-z0-9]+)+):\s*(.*)$/s;

/**
 * Why an operation failed: its coded reason (metadata.reason, e.g. host_key_mismatch) in words, with
 * the server's own text after it (without the code it starts with: "node_lost: node a ..." adds
 * "node a ..."); an uncoded failure as it came.
 */
export function describeFailure(op) {
  const error = op.error == null ? '' : String(op.error);
  const coded = CODED.exec(error);
  const reason = (op.metadata && op.metadata.reason) || (coded ? coded[1] : null) || (SENTENCES[error] ? error : null);
  // the server's own text, without the code it starts with and not when it only repeats the code
  let detail = error === reason ? '' : error;
  if (reason && detail.startsWith(reason + ':')) detail = detail.slice(reason.length + 1).trim();
  else if (coded) detail = coded[2].trim();
  const s = SENTENCES[reason] || OPERATION_REASONS[reason];
  if (s) return s + (detail ? ' (' + detail + ')' : '');
  // no sentence for it: the short message, then the detail, each once ("node lost: node a ..." not "node lost: node_lost: node a ...")
  const message = op.message && op.message !== reason ? String(op.message) : '';
  if (!detail || detail === message) return message || (reason ? reason.replace(/_/g, ' ') : '');
  return message && !detail.toLowerCase().startsWith(message.toLowerCase()) ? message + ': ' + detail : detail;
}
