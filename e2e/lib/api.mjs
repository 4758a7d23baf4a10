// A small JSON client for the REST API (docs/api.md); every response is checked
// against the API document (apidoc.mjs).
import assert from 'node:assert/strict';
import { checkResponse } from './apidoc.mjs';
import { ADMIN_PASSWORD } from './server.mjs';

export class API {
  constructor(base) {
    this.base = base;
  }

  async req(method, path, { body, token, headers = {} } = {}) {
    const h = { ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    if (token) h.authorization = `Bearer ${token}`;
    const res = await fetch(this.base + path, {
      method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    checkResponse(method, this.base + path, res.status, res.headers.get('content-type'), text);
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, json, text, headers: res.headers };
  }

  async ok(method, path, opts) {
    const r = await this.req(method, path, opts);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
    return r.json;
  }

  async login(username = 'admin', password = ADMIN_PASSWORD) {
    const j = await this.ok('POST', '/api/staff/login', { body: { username, password } });
    return j.data.token;
  }

  async checkIn(name, phone, appointmentTime = '10:00') {
    return (await this.ok('POST', '/api/checkin', { body: { name, phone, appointmentTime } })).data;
  }
}

// Valid US numbers (libphonenumber): 415-555-26xx.
export function phone(i) {
  return `+1415555${String(2600 + i).padStart(4, '0')}`;
}
