// HTTP calls to the gateway, same origin, with the HttpOnly session cookie; errors become ApiError values.

export class ApiError extends Error {
  constructor(code, message, status) {
    super(message || code);
    this.code = code;
    this.status = status;
  }
}

const answerListeners = new Set();

/** Called after every answer of the server below 500 (a refusal included): it is reachable and ready again. */
export function onAnswer(fn) { answerListeners.add(fn); return () => answerListeners.delete(fn); }

export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError('unavailable', 'the server cannot be reached', 0);
  }
  if (res.status < 500) for (const fn of answerListeners) fn();
  const text = await res.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch (e) {
      json = null;
    }
  }
  if (!res.ok) {
    throw new ApiError((json && json.error) || 'http_' + res.status, (json && json.message) || res.statusText, res.status);
  }
  return json;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body === undefined ? {} : body);
export const del = (path) => api('DELETE', path);
export const put = (path, body) => api('PUT', path, body === undefined ? {} : body);
