// twilio.mjs is a tiny Node fake of Twilio's Messages API (docs/sms.md) for the
// suites that follow texts end to end: it records every request, checks basic
// auth and the form, fails the next `failNext` requests with 503, and notifies
// waiters.
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';

export const SID = 'AC00000000000000000000000000000001';
export const TOKEN = 'e2e-twilio-token';
export const FROM = '+15005550006';
export const PUBLIC_URL = 'https://clinic.example';
const WAIT_MS = 20000;
// startTwilio is the fake: it records every request, checks basic auth and the
// form, fails the next `failNext` requests with 503, and notifies waiters.
export async function startTwilio() {
  const fake = { messages: [], requests: 0, failNext: 0, problems: [], waiters: new Set() };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => { raw += d; });
    req.on('end', () => {
      fake.requests++;
      const form = new URLSearchParams(raw);
      const auth = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      const reply = (status, body) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
        for (const w of fake.waiters) w();
      };
      if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${SID}/Messages.json`) {
        fake.problems.push(`${req.method} ${req.url}`);
        return reply(404, { code: 20404, status: 404 });
      }
      if (auth !== `${SID}:${TOKEN}`) {
        fake.problems.push('bad basic auth');
        return reply(401, { code: 20003, status: 401 });
      }
      const m = { to: form.get('To'), from: form.get('From'), body: form.get('Body'), callback: form.get('StatusCallback') };
      if (!/^\+[1-9]\d{6,14}$/.test(m.to ?? '') || m.from !== FROM || !m.body || [...m.body].length > 160) {
        fake.problems.push(`bad form ${JSON.stringify(m)}`);
      }
      if (fake.failNext > 0) {
        fake.failNext--;
        return reply(503, { status: 503, message: 'Service Unavailable' });
      }
      m.sid = `SM${String(fake.messages.length + 1).padStart(32, '0')}`;
      fake.messages.push(m);
      reply(201, { sid: m.sid, status: 'queued' });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${server.address().port}`;
  fake.close = () => new Promise((r) => server.close(r));
  fake.until = (pred, what) => new Promise((resolveWait, reject) => {
    const check = () => { if (pred(fake)) { done(); resolveWait(); } };
    const timer = setTimeout(() => { done(); reject(new Error(`twilio fake: timed out waiting for ${what}; got ${JSON.stringify(fake.messages)}`)); }, WAIT_MS);
    const done = () => { clearTimeout(timer); fake.waiters.delete(check); };
    fake.waiters.add(check);
    check();
  });
  return fake;
}

// twilioSignature is X-Twilio-Signature as Twilio documents it:
// base64(HMAC-SHA1(auth token, url + each form key and value, keys sorted)).
export function twilioSignature(url, params) {
  const data = Object.keys(params).sort().reduce((s, k) => s + k + params[k], url);
  return createHmac('sha1', TOKEN).update(data).digest('base64');
}

// sendText is the fake's incoming-message webhook: a patient's text from
// `from`, posted to the server at appURL and signed for publicURL (what the
// Twilio console would be set to). It answers the response.
let inboundSeq = 0;
export async function sendText(appURL, publicURL, from, body) {
  const params = { MessageSid: `SMin${String(++inboundSeq).padStart(28, '0')}`, AccountSid: SID, From: from, To: FROM, Body: body };
  const res = await fetch(`${appURL}/api/sms/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(`${publicURL}/api/sms/inbound`, params) },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text(), sid: params.MessageSid };
}

// twilioEnv is the configuration that points the binary at the fake.
export function twilioEnv(fake) {
  return { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_PHONE_NUMBER: FROM, TWILIO_API_URL: fake.url };
}
