// Unit tests of tether.js against a scripted WebSocket (no network): node --test tether-js/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TetherClient, encodeHello } from '../tether.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const until = async (cond, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(5);
  }
};

/** A WebSocket the test plays the server of: it records what the client sends. */
class FakeSocket {
  static all = [];
  constructor(url, protocol) {
    this.url = url;
    this.protocol = protocol;
    this.readyState = 0;
    this.sent = [];
    this.closed = null;
    this.createdAt = Date.now();
    FakeSocket.all.push(this);
  }
  send(bytes) { this.sent.push(new Uint8Array(bytes)); }
  close(code, reason) { this.closed = { code, reason }; this.readyState = 3; }
  open() { this.readyState = 1; this.onopen?.(); }
  receive(bytes) { this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) }); }
  drop(code = 1006, reason = '') { this.readyState = 3; this.onclose?.({ code, reason }); }
  types() { return this.sent.map((b) => b[0]); }
}

const cat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const u = (n, bytes) => {
  const b = new Uint8Array(bytes);
  const v = new DataView(b.buffer);
  if (bytes === 8) v.setBigUint64(0, BigInt(n)); else if (bytes === 4) v.setUint32(0, n); else if (bytes === 2) v.setUint16(0, n); else v.setUint8(0, n);
  return b;
};
const frame = (type, payload) => cat(u(type, 1), u(payload.length, 4), payload);
const tlv = (tag, value) => cat(u(tag, 1), u(value.length, 2), value);
const TOKEN = new Uint8Array(16).fill(7);
function welcome({ idle = 0, minPing = 0, token = null, resumed = false, receivedSeq = null } = {}) {
  const fields = [tlv(1, u(42, 8)), tlv(2, u(idle, 4)), tlv(3, u(0, 4)), tlv(4, u(10000, 4)), tlv(5, u(minPing, 4)), tlv(6, u(1 << 21, 4))];
  if (receivedSeq !== null) {
    if (token) fields.push(tlv(8, token));
    if (resumed) fields.push(tlv(9, u(1, 1)));
    fields.push(tlv(10, u(receivedSeq, 8)));
  }
  return frame(2, cat(...fields));
}
const seqData = (seq, text) => frame(8, cat(u(seq, 8), new TextEncoder().encode(text)));
const ack = (seq) => frame(9, u(seq, 8));
/** HELLO TLV tags present, and the received seq (tag 4) if any. */
function hello(bytes) {
  assert.equal(bytes[0], 1, 'a HELLO');
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  const tags = {};
  for (let at = 5; at < bytes.length;) {
    const tag = bytes[at];
    const len = v.getUint16(at + 1);
    tags[tag] = bytes.slice(at + 3, at + 3 + len);
    at += 3 + len;
  }
  return tags;
}
const seqOf = (bytes) => Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(5));

function client(options = {}) {
  FakeSocket.all = [];
  return new TetherClient(['ws://a/ws', 'ws://b/ws'], { WebSocket: FakeSocket, backoffInitialMs: 20, backoffMaxMs: 40, ...options });
}

test('the heartbeat is fitted to the WELCOME: at most half the idle timeout, never under the minimum ping interval', async () => {
  const c = client({ heartbeatMs: 15000 }).start();
  FakeSocket.all[0].open();
  FakeSocket.all[0].receive(welcome({ idle: 4000, minPing: 500, token: TOKEN, receivedSeq: 0 }));
  assert.equal(c.heartbeatMs, 2000);
  c.close();
  const d = client({ heartbeatMs: 15000 }).start();
  FakeSocket.all[0].open();
  FakeSocket.all[0].receive(welcome({ idle: 600, minPing: 500, token: TOKEN, receivedSeq: 0 }));
  assert.equal(d.heartbeatMs, 500);
  d.close();
});

test('the send queue is bounded: queued and unacknowledged messages at most queueLimit', async () => {
  const c = client({ queueLimit: 3 }).start();
  const sends = ['a', 'b', 'c'].map((m) => c.send(m));
  await assert.rejects(c.send('d'), /send queue full \(3 messages\)/);
  FakeSocket.all[0].open();
  FakeSocket.all[0].receive(welcome({ token: TOKEN, receivedSeq: 0 }));
  await assert.rejects(c.send('d'), /send queue full/, 'sent but unacknowledged still count');
  FakeSocket.all[0].receive(ack(3));
  await Promise.all(sends); // acknowledged: room again
  const d = c.send('d');
  assert.equal(FakeSocket.all[0].sent.filter((f) => f[0] === 8).length, 4);
  c.close();
  await assert.rejects(d, /client closed/);
});

test('a silent server is declared dead within heartbeat + timeout, and the client fails over to the next URL', async () => {
  const c = client({ heartbeatMs: 100, pingTimeoutMs: 150 }).start();
  const states = [];
  c.on('state', (s) => states.push({ ...s, at: Date.now() }));
  FakeSocket.all[0].open();
  FakeSocket.all[0].receive(welcome({ token: TOKEN, receivedSeq: 0 }));
  const lastByte = Date.now();
  await until(() => states.some((s) => s.state === 'reconnecting'));
  const dead = states.find((s) => s.state === 'reconnecting');
  assert.match(dead.reason, /^server silent: no answer to a ping for \d+ ms$/);
  const after = dead.at - lastByte;
  // The first ping goes out with the WELCOME (for the round trip): dead after its timeout, 150 ms,
  // and never later than heartbeat + timeout (250 ms); +150 ms for timers on a loaded machine.
  assert.ok(after >= 140 && after <= 400, `declared dead ${after} ms after the last byte`);
  assert.equal(FakeSocket.all[0].closed.code, 4005, 'the dead socket is dropped with ping timeout');
  await until(() => FakeSocket.all.length === 2);
  assert.equal(FakeSocket.all[1].url, 'ws://b/ws');
  c.close();
});

test('reconnects wait a full-jitter backoff: random x min(max, initial x 2^attempt)', async () => {
  FakeSocket.all = [];
  const c = new TetherClient('ws://a/ws', { WebSocket: FakeSocket, backoffInitialMs: 200, backoffMaxMs: 10000, random: () => 0.5 }).start();
  FakeSocket.all[0].drop(1006); // refused before it opened
  await until(() => FakeSocket.all.length === 2);
  FakeSocket.all[1].drop(1006);
  await until(() => FakeSocket.all.length === 3);
  const first = FakeSocket.all[1].createdAt - FakeSocket.all[0].createdAt;
  const second = FakeSocket.all[2].createdAt - FakeSocket.all[1].createdAt;
  assert.ok(first >= 95 && first < 180, `first wait ${first} ms, expected 0.5 x 200`);
  assert.ok(second >= 195 && second < 300, `second wait ${second} ms, expected 0.5 x 400`);
  c.close();
});

test('after a blip it resumes: HELLO with the token and what it received, resends only what the server lacks', async () => {
  const c = client().start();
  const got = [];
  c.on('message', ({ data }) => got.push(data));
  const a = FakeSocket.all[0];
  a.open();
  a.receive(welcome({ token: TOKEN, receivedSeq: 0 }));
  const sends = [c.send('one'), c.send('two')];
  sends.forEach((p) => p.catch(() => {})); // 'two' is still unacknowledged at the close
  a.receive(seqData(1, 's1'));
  a.receive(ack(1));
  await sleep(10);
  a.drop(1006); // a live connection lost: retried at once, on the same server
  await until(() => FakeSocket.all.length === 2);
  const b = FakeSocket.all[1];
  assert.equal(b.url, 'ws://a/ws');
  b.open();
  const h = hello(b.sent[0]);
  assert.deepEqual([...h[3]], [...TOKEN]);
  assert.equal(Number(new DataView(h[4].buffer).getBigUint64(0)), 1, 'received seq: the server message it delivered');
  b.receive(welcome({ token: new Uint8Array(16).fill(9), resumed: true, receivedSeq: 1 }));
  const resent = b.sent.filter((f) => f[0] === 8);
  assert.deepEqual(resent.map(seqOf), [2], 'only "two": the server acknowledged "one"');
  b.receive(seqData(1, 's1')); // a replay: dropped
  b.receive(seqData(2, 's2'));
  assert.deepEqual(got, ['s1', 's2']);
  assert.equal(c.resumes, 1);
  c.close();
});

test('a sequence gap ends the session: CLOSE 1008, and the next HELLO starts a new one', async () => {
  const c = client().start();
  const a = FakeSocket.all[0];
  a.open();
  a.receive(welcome({ token: TOKEN, receivedSeq: 0 }));
  a.receive(seqData(2, 'skipped 1'));
  const close = a.sent.find((f) => f[0] === 6);
  assert.ok(close, 'a CLOSE frame');
  assert.equal(new DataView(close.buffer).getUint16(5), 1008);
  await until(() => FakeSocket.all.length === 2);
  FakeSocket.all[1].open();
  const h = hello(FakeSocket.all[1].sent[0]);
  assert.equal(h[3], undefined, 'no token');
  assert.equal(Number(new DataView(h[4].buffer).getBigUint64(0)), 0);
  c.close();
});

test('the network coming back ends a backoff wait at once', async () => {
  FakeSocket.all = [];
  const target = new EventTarget();
  globalThis.addEventListener = target.addEventListener.bind(target);
  globalThis.removeEventListener = target.removeEventListener.bind(target);
  try {
    const c = new TetherClient('ws://a/ws', { WebSocket: FakeSocket, backoffInitialMs: 600000, random: () => 0.99 }).start();
    FakeSocket.all[0].drop(1006);
    await sleep(20);
    assert.equal(FakeSocket.all.length, 1, 'waiting out a 594 s backoff');
    target.dispatchEvent(new Event('online'));
    assert.equal(FakeSocket.all.length, 2);
    c.close();
  } finally {
    delete globalThis.addEventListener;
    delete globalThis.removeEventListener;
  }
});

test('the round trip is whole milliseconds, from the PING to its PONG', async () => {
  const c = client().start();
  const rtts = [];
  c.on('rtt', (r) => rtts.push(r.ms));
  const a = FakeSocket.all[0];
  a.open();
  a.receive(welcome({ token: TOKEN, receivedSeq: 0 }));
  const ping = a.sent.find((f) => f[0] === 4); // the first ping goes out with the WELCOME
  await sleep(30);
  a.receive(frame(5, cat(ping.subarray(5, 13), u(0, 1))));
  assert.equal(rtts.length, 1);
  assert.ok(Number.isInteger(rtts[0]) && rtts[0] >= 25 && rtts[0] < 500, `rtt ${rtts[0]}`);
  c.close();
});

test('encodeHello lays out the TLV fields as docs/PROTOCOL.md says', () => {
  const b = encodeHello({ name: 'demo', heartbeatMs: 5000 });
  assert.deepEqual([...b], [0x01, 0, 0, 0, 0x0E, 0x01, 0, 4, 0x64, 0x65, 0x6D, 0x6F, 0x02, 0, 4, 0, 0, 0x13, 0x88]);
});
