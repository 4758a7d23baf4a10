// The API document as a test oracle: every REST response and every real-time
// event the suites receive is validated against api/openapi.json and
// api/events/*.json (docs/api.md, docs/events.md), in the strict form the Go
// tests use — an object schema that lists its properties admits no others
// unless it says additionalProperties itself — so a field the server sends but
// the document does not name fails the suite. Mismatches are collected and fail
// the file's run at its end (an event arrives on a socket's callback, where a
// throw would not reach the test).
import { readFileSync, readdirSync } from 'node:fs';
import { after } from 'node:test';
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const root = new URL('../../api/', import.meta.url);

// strict adds additionalProperties: false where a schema lists properties and
// is silent about others (as api/apitest/strict.go does).
export function strict(v) {
  if (Array.isArray(v)) return v.map(strict);
  if (v === null || typeof v !== 'object') return v;
  const out = {};
  for (const [k, e] of Object.entries(v)) out[k] = strict(e);
  if (v.properties && typeof v.properties === 'object' && !('additionalProperties' in v) && !('unevaluatedProperties' in v)) {
    out.additionalProperties = false;
  }
  return out;
}

const doc = JSON.parse(readFileSync(new URL('openapi.json', root), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// The components, standalone: #/components/schemas/X becomes #/$defs/X.
const defs = JSON.parse(JSON.stringify(strict(doc.components.schemas)).replaceAll('"#/components/schemas/', '"#/$defs/'));
ajv.addSchema({ $id: 'mem:///components.json', $defs: defs });
const schemaOf = (s) => (s ? ajv.compile(JSON.parse(JSON.stringify(strict(s)).replaceAll('"#/components/schemas/', '"mem:///components.json#/$defs/'))) : null);

const events = new Map();
for (const f of readdirSync(new URL('events/', root))) {
  if (!f.endsWith('.json')) continue;
  const s = strict(JSON.parse(readFileSync(new URL(`events/${f}`, root), 'utf8')));
  events.set(f.slice(0, -5), ajv.compile(s));
}

const resolve = (o) => {
  while (o && o.$ref) o = o.$ref.split('/').slice(1).reduce((a, k) => a[k], doc);
  return o;
};

// The documented routes as regular expressions, literal paths first.
const routes = Object.entries(doc.paths)
  .map(([p, item]) => ({ p, item, re: new RegExp(`^${p.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`) }))
  .sort((a, b) => a.p.includes('{') - b.p.includes('{'));

const compiled = new Map();
const errorSchema = schemaOf({ $ref: '#/components/schemas/Error' });
const mismatches = [];

after(() => {
  assert.deepEqual(mismatches, [], `responses or events that do not match the API document:\n${mismatches.join('\n')}`);
});

function report(msg) {
  mismatches.push(msg);
}

const explain = (v) => ajv.errorsText(v.errors, { separator: '; ' });

// checkResponse validates one REST response (status, content type, body text).
export function checkResponse(method, url, status, contentType, text) {
  const path = new URL(url, 'http://x').pathname;
  const where = `${method} ${path} → ${status}`;
  const mt = (contentType || '').split(';')[0].trim().toLowerCase();
  const route = routes.find((r) => r.re.test(path));
  const op = route && route.item[method.toLowerCase() === 'head' ? 'get' : method.toLowerCase()];
  if (!op) {
    // Not a documented operation: only the error envelope of an unknown route.
    const allowed = { 404: ['NOT_FOUND', 'PATIENT_NOT_FOUND'], 405: ['METHOD_NOT_ALLOWED'], 413: ['PAYLOAD_TOO_LARGE'] }[status];
    if (mt !== 'application/json') {
      if (status !== 404 && status !== 405) report(`${where}: route not in api/openapi.yaml`);
      return;
    }
    let body;
    try { body = JSON.parse(text); } catch { report(`${where}: body is not JSON`); return; }
    if (!allowed || !errorSchema(body) || !allowed.includes(body.error.code)) report(`${where}: route not in api/openapi.yaml: ${text.slice(0, 300)}`);
    return;
  }
  const resp = resolve(op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`]);
  if (!resp) { report(`${where}: status not documented`); return; }
  if (!resp.content || status === 304 || method === 'HEAD') return;
  const media = resp.content[mt] ?? resp.content['*/*'];
  if (!media) { report(`${where}: content type ${mt} not documented`); return; }
  if (mt !== 'application/json') return;
  const key = `${route.p} ${method} ${status} ${mt}`;
  if (!compiled.has(key)) compiled.set(key, schemaOf(media.schema));
  const validate = compiled.get(key);
  let body;
  try { body = JSON.parse(text); } catch { report(`${where}: body is not JSON`); return; }
  if (validate && !validate(body)) report(`${where} does not match api/openapi.yaml: ${explain(validate)}; body ${text.slice(0, 500)}`);
}

// checkEvent validates one event payload against api/events/<name>.json.
// Socket.IO's own events (connect, disconnect, …) are not the server's payloads.
export function checkEvent(name, data, where = '') {
  const validate = events.get(name);
  if (!validate) { report(`${where} event ${name}: no schema in api/events/`); return; }
  if (!validate(data)) report(`${where} event ${name} does not match api/events/${name}.json: ${explain(validate)}; payload ${JSON.stringify(data).slice(0, 500)}`);
}

// checkedFetch is fetch that checks the response (its body is read here; the
// returned Response is a copy the caller can read again).
export async function checkedFetch(url, init = {}) {
  const res = await fetch(url, init);
  const mt = (res.headers.get('content-type') || '').split(';')[0].trim();
  if (mt === 'text/event-stream' || res.status === 101) return res;
  const text = await res.clone().text();
  checkResponse(init.method ?? 'GET', url, res.status, res.headers.get('content-type'), text);
  return res;
}

// callAPI calls the JSON API at base and checks the answer against the API
// document: body is sent as JSON, form as a form, token as a staff Bearer
// token. It answers the status and the parsed body.
export async function callAPI(base, method, path, { body, token, form, headers = {} } = {}) {
  const h = { ...headers };
  let payload;
  if (form) { h['content-type'] = 'application/x-www-form-urlencoded'; payload = new URLSearchParams(form).toString(); }
  else if (body !== undefined) { h['content-type'] = 'application/json'; payload = JSON.stringify(body); }
  if (token) h.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers: h, body: payload });
  const text = await res.text();
  checkResponse(method, base + path, res.status, res.headers.get('content-type'), text);
  return { status: res.status, json: JSON.parse(text) };
}
