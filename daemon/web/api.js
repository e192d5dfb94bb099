// The console's one way to the daemon: the JSON API under /api (documented in the README).
// Every request carries the token in a header; the daemon refuses changes without it.

const token = document.querySelector('meta[name="outlayer-token"]').content;

/** A refusal or failure from the API: HTTP status, error kind and message. */
export class ApiError extends Error {
  constructor(status, kind, message) {
    super(message);
    this.status = status;
    this.kind = kind;
  }
}

const enc = encodeURIComponent;

async function request(method, path, { query, json, body, type } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  }
  const headers = { 'X-Outlayer-Token': token };
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (body !== undefined) {
    headers['Content-Type'] = type ?? 'application/octet-stream';
  }
  const resp = await fetch(url, { method, headers, body, credentials: 'same-origin' });
  if (resp.status === 201 || resp.status === 204) return null;
  const data = await resp.json().catch(() => null);
  if (!resp.ok) {
    const err = data?.error ?? {};
    throw new ApiError(resp.status, err.kind ?? 'http', err.message ?? resp.statusText);
  }
  return data;
}

const account = (a) => `/api/accounts/${enc(a)}`;

export const api = {
  accounts: (after) => request('GET', '/api/accounts', { query: { after } }),
  createAccount: (id) => request('POST', '/api/accounts', { json: { account: id } }),
  keys: (a, prefix, after, limit) =>
    request('GET', `${account(a)}/keys`, { query: { prefix, after, limit } }),
  key: (a, name) => request('GET', `${account(a)}/keys/${enc(name)}`),
  putKey: (a, name, bytes) => request('PUT', `${account(a)}/keys/${enc(name)}`, { body: bytes }),
  deleteKey: (a, name) => request('DELETE', `${account(a)}/keys/${enc(name)}`),
  deploy: (a, file) =>
    request('POST', `${account(a)}/deploy`, { body: file, type: 'application/wasm' }),
  call: (a, spec) => request('POST', `${account(a)}/call`, { json: spec }),
  compare: (a, spec) => request('POST', `${account(a)}/compare`, { json: spec }),
  stats: () => request('GET', '/api/stats'),
};

/** Live changes: calls onChange(list of {account, keys, truncated, removed}) and onResync. */
export function watch({ onChange, onResync, onState }) {
  const source = new EventSource('/api/events');
  source.addEventListener('open', () => onState(true));
  source.addEventListener('error', () => onState(false));
  source.addEventListener('change', (e) => onChange(JSON.parse(e.data)));
  source.addEventListener('resync', () => onResync());
  return source;
}
