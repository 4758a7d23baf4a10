// A minimal Server-Sent Events client over fetch, keeping ids, event names,
// payloads and comments, so tests can check the wire format exactly.
import { Recorder } from './events.mjs';
import { checkEvent, checkResponse } from './apidoc.mjs';

export async function openStream(url, { headers = {}, name = 'sse' } = {}) {
  const ctrl = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ctrl.signal });
  const rec = new Recorder(name);
  rec.comments = [];
  rec.ended = false;
  const stream = { res, rec, close: () => ctrl.abort() };
  if (res.status !== 200) {
    stream.body = await res.text();
    checkResponse('GET', url, res.status, res.headers.get('content-type'), stream.body);
    return stream;
  }
  checkResponse('GET', url, res.status, res.headers.get('content-type'), '');
  (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const e = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) { rec.comments.push(line); rec.push({ event: ':comment', data: line }); continue; }
            const j = line.indexOf(':');
            const field = line.slice(0, j);
            const value = line.slice(j + 1).replace(/^ /, '');
            if (field === 'data') e.data = JSON.parse(value);
            else if (field === 'id') e.id = value;
            else if (field === 'event') e.event = value;
            else if (field === 'retry') e.retry = value;
          }
          if (e.event) {
            checkEvent(e.event, e.data, `stream ${name}:`);
            rec.push(e);
          }
        }
      }
    } catch {
      // aborted by the test
    }
    rec.ended = true;
    rec.push({ event: ':end' });
  })();
  return stream;
}

// events returns the recorded real events (no comments, no end marker).
export function realEvents(rec) {
  return rec.events.filter((e) => !e.event.startsWith(':'));
}
