// The one door to the server: JSON in and out, the CSRF header on writes,
// errors turned into ApiError {status, code, message} with the server's localized message.

import { getLang, t } from './i18n.js';

const BASE = '/api/v1';
const SIGNED_OUT_CODES = new Set(['not_authenticated', 'session_expired']);
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, code, message, body = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

// app.js decides what "signed out" means for the page (show the login screen).
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)tack_csrf=([^;]*)/);
  return match ? decodeURIComponent(match[1]) : '';
}

export function url(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, value);
  }
  const qs = params.toString();
  return BASE + path + (qs ? `?${qs}` : '');
}

async function request(method, path, { body, query, form, headers: extra } = {}) {
  const headers = { 'Accept-Language': getLang(), Accept: 'application/json', ...extra };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken();
  let payload;
  if (form) payload = form; // FormData: the browser sets the multipart boundary itself
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url(path, query), { method, headers, body: payload, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', t('error.network'));
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (response.ok) return data;
  const error = new ApiError(response.status, data.code || 'http_' + response.status, data.message || t('error.generic'), data);
  if (response.status === 401 && SIGNED_OUT_CODES.has(error.code)) onSignedOut(error);
  throw error;
}

export const api = {
  get: (path, query) => request('GET', path, { query }),
  // headers: e.g. an Idempotency-Key, so that a retried send is not sent twice
  post: (path, body, headers) => request('POST', path, { body, headers }),
  patch: (path, body) => request('PATCH', path, { body }),
  put: (path, body) => request('PUT', path, { body }),
  del: (path) => request('DELETE', path),
  upload: (path, form) => request('POST', path, { form }),
};
