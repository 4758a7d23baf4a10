// Event recorders for the Socket.IO and SSE clients: every event a client
// receives is kept in order, and tests wait for conditions on that record (with
// a failure deadline, never a fixed sleep).
import { io } from 'socket.io-client';
import { checkEvent } from './apidoc.mjs';

export const WAIT_MS = 10000;

export class Recorder {
  constructor(name) {
    this.name = name;
    this.events = []; // {event, data, id?}
    this.waiters = new Set();
  }

  push(e) {
    this.events.push(e);
    for (const w of this.waiters) w();
  }

  // until resolves with the record once pred(events) is truthy.
  until(pred, what = 'condition') {
    return new Promise((resolve, reject) => {
      const check = () => {
        let v;
        try { v = pred(this.events); } catch (err) { cleanup(); reject(err); return; }
        if (v) { cleanup(); resolve(v); }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name}: timed out waiting for ${what}; got ${JSON.stringify(this.events.map((e) => e.event))}`));
      }, WAIT_MS);
      const cleanup = () => { clearTimeout(timer); this.waiters.delete(check); };
      this.waiters.add(check);
      check();
    });
  }

  // take waits for n events after index from, and returns them.
  async take(from, n, what) {
    await this.until((ev) => ev.length >= from + n, what ?? `${n} events after #${from}`);
    return this.events.slice(from, from + n);
  }

  // next waits for the first event named name after index from.
  async next(name, from = 0) {
    return this.until((ev) => ev.slice(from).find((e) => e.event === name), `event ${name}`);
  }
}

// connectSocket opens a Socket.IO client on one transport, recording every event.
export async function connectSocket(url, { transport, auth, name, extraHeaders } = {}) {
  const socket = io(url, {
    transports: [transport],
    upgrade: false,
    auth,
    extraHeaders,
    forceNew: true,
    reconnection: false,
    timeout: WAIT_MS,
  });
  const rec = new Recorder(name ?? transport);
  socket.onAny((event, ...args) => {
    checkEvent(event, args[0], `socket ${rec.name}:`);
    rec.push({ event, data: args[0] });
  });
  socket.on('disconnect', (reason) => rec.push({ event: 'disconnect', data: reason }));
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', (err) => { socket.close(); reject(err); });
  });
  return { socket, rec, close: () => socket.close() };
}

// emitAck emits an event with an acknowledgement callback and resolves with the
// object the server acknowledged.
export function emitAck(socket, event, ...args) {
  return socket.timeout(WAIT_MS).emitWithAck(event, ...args);
}
