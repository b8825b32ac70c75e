// tether.js: the Tether browser client. One ES module, no dependencies, no build step.
// It speaks the frame protocol over WebSocket (subprotocol tether.v1, one frame per binary message,
// docs/PROTOCOL.md "WebSocket") and keeps a connection alive the way the Java client does: an
// application heartbeat fitted to the server's WELCOME, a dead server declared when nothing arrives
// in time, reconnects with full-jitter backoff across several servers, a reconnect at once when the
// page becomes visible or the network comes back, a bounded send queue, and resume with the token
// and sequence numbers, so every message arrives exactly once and in order across blips.

const SUBPROTOCOL = 'tether.v1';
const T = { HELLO: 1, WELCOME: 2, DATA: 3, PING: 4, PONG: 5, CLOSE: 6, NOTICE: 7, SEQ_DATA: 8, ACK: 9 };
const TOO_MANY_PINGS = 1;
const utf8 = new TextEncoder();
/** Milliseconds on a monotonic clock: a wall clock stepped by NTP must not make a server look dead. */
const now = () => (globalThis.performance ? performance.now() : Date.now());
const fromUtf8 = new TextDecoder();

/** Tether close codes (docs/PROTOCOL.md), as WebSocket codes they are 4000 + (code - 1000). */
export const CloseCodes = Object.freeze({
  PEER_CLOSED: 1000, IDLE_TIMEOUT: 1002, PING_TIMEOUT: 1005, CLOSED_BY_SERVER: 1006, CLOSED_BY_CLIENT: 1007,
  PROTOCOL_ERROR: 1008, SHUTDOWN: 1009, LIMIT_REACHED: 1010, TOO_MANY_PINGS: 1011, SLOW_CONSUMER: 1014, ERROR: 1099,
  SESSION_REPLACED: 1101, SESSION_REFUSED: 1102, REPLAY_OVERFLOW: 1103, RESUME_REFUSED: 1104, TAKEN_OVER: 1105, UNRECOVERABLE: 1106,
});

/** The Tether close code a WebSocket close code stands for (4000-4999), else 0. */
export function tetherCode(webSocketCode) {
  return webSocketCode >= 4000 && webSocketCode <= 4999 ? webSocketCode - 3000 : 0;
}

// ---------------------------------------------------------------- frames

function frame(type, payload) {
  const out = new Uint8Array(5 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint8(0, type);
  v.setUint32(1, payload.length);
  out.set(payload, 5);
  return out;
}

function u64(n) {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

function u32(n) {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0);
  return b;
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function tlv(tag, value) {
  const head = new Uint8Array(3);
  head[0] = tag;
  new DataView(head.buffer).setUint16(1, value.length);
  return concat([head, value]);
}

/** HELLO: name, heartbeat, and for a sequenced session the token (resume) and received seq. */
export function encodeHello({ name = 'tether.js', heartbeatMs = 0, token = null, receivedSeq = null }) {
  const fields = [tlv(1, utf8.encode(name)), tlv(2, u32(heartbeatMs))];
  if (token) fields.push(tlv(3, token));
  if (receivedSeq !== null) fields.push(tlv(4, u64(receivedSeq)));
  return frame(T.HELLO, concat(fields));
}

/** One frame from one binary message; throws when the message is not exactly one frame. */
export function decodeFrame(bytes) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 5) throw new Error('protocol error: a message shorter than a frame header');
  const type = v.getUint8(0);
  const length = v.getUint32(1);
  if (length !== bytes.length - 5) throw new Error(`protocol error: frame length ${length} in a message of ${bytes.length - 5} payload bytes`);
  const p = bytes.subarray(5);
  const pv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const num = (at) => Number(pv.getBigUint64(at));
  switch (type) {
    case T.WELCOME: return { type, ...decodeWelcome(p) };
    case T.DATA: return { type, payload: p };
    case T.PING: return { type, id: num(0) };
    case T.PONG: return { type, id: num(0), healthy: pv.getUint8(8) === 0, detail: fromUtf8.decode(p.subarray(9)) };
    case T.CLOSE: return { type, code: pv.getUint16(0), reason: fromUtf8.decode(p.subarray(2)) };
    case T.NOTICE: return { type, code: pv.getUint16(0), value: pv.getUint32(2), text: fromUtf8.decode(p.subarray(6)) };
    case T.SEQ_DATA: return { type, seq: num(0), payload: p.subarray(8) };
    case T.ACK: return { type, seq: num(0) };
    default: throw new Error(`protocol error: unknown frame type ${type}`);
  }
}

function decodeWelcome(p) {
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const w = { connectionId: 0, idleTimeoutMs: 0, serverPingIntervalMs: 0, serverPingTimeoutMs: 0, minPingIntervalMs: 0,
    maxFrameLength: 0, serverName: '', token: null, resumed: false, receivedSeq: null };
  for (let at = 0; at < p.length;) {
    const tag = v.getUint8(at);
    const len = v.getUint16(at + 1);
    const val = p.subarray(at + 3, at + 3 + len);
    const vv = new DataView(val.buffer, val.byteOffset, val.byteLength);
    switch (tag) {
      case 1: w.connectionId = Number(vv.getBigUint64(0)); break;
      case 2: w.idleTimeoutMs = vv.getUint32(0); break;
      case 3: w.serverPingIntervalMs = vv.getUint32(0); break;
      case 4: w.serverPingTimeoutMs = vv.getUint32(0); break;
      case 5: w.minPingIntervalMs = vv.getUint32(0); break;
      case 6: w.maxFrameLength = vv.getUint32(0); break;
      case 7: w.serverName = fromUtf8.decode(val); break;
      case 8: w.token = val.slice(); break;
      case 9: w.resumed = vv.getUint8(0) === 1; break;
      case 10: w.receivedSeq = Number(vv.getBigUint64(0)); break;
      default: break; // unknown tags are skipped (docs/PROTOCOL.md, TLV fields)
    }
    at += 3 + len;
  }
  return w;
}

// ---------------------------------------------------------------- the client

/**
 * A connection to one of `urls` (ws:// or wss://, the servers' websocket_path), kept alive.
 * Events (`client.on(type, listener)`): `state` {state, previous, reason, code}, `message` {data},
 * `rtt` {ms}, `session` {resumed}, `notice` {code, value, text}.
 * States: connecting, open, reconnecting, closed.
 */
export class TetherClient {
  constructor(urls, options = {}) {
    this.urls = Array.isArray(urls) ? urls.slice() : [urls];
    if (this.urls.length === 0) throw new Error('TetherClient needs at least one URL');
    this.options = {
      name: 'tether.js',
      heartbeatMs: 15000,      // most time between pings when nothing arrives; fitted to the WELCOME
      pingTimeoutMs: 5000,     // a server silent this long after our ping is dead
      connectTimeoutMs: 5000,  // socket open + WELCOME
      resume: true,            // a sequenced, resumable session
      queueLimit: 1000,        // messages queued and unacknowledged, at most
      backoffInitialMs: 200,
      backoffMaxMs: 10000,
      binary: false,           // deliver messages as Uint8Array instead of strings
      WebSocket: globalThis.WebSocket,
      random: Math.random,     // the backoff's jitter, in [0, 1)
      ...options,
    };
    if (!this.options.WebSocket) throw new Error('no WebSocket: pass options.WebSocket (Node.js before 22: the ws package)');
    this.state = 'closed';
    this.rttMs = null;
    this.welcome = null;
    this.heartbeatMs = null;       // the heartbeat in use, fitted to the WELCOME
    this.reconnects = 0;
    this.resumes = 0;
    this._listeners = new Map();
    this._urlIndex = 0;
    this._attempt = 0;
    this._ws = null;
    this._timers = new Set();
    this._queue = [];              // [{bytes, resolve, reject}] not sent yet
    this._unacked = [];            // [{seq, bytes, resolve, reject}] sent on the session, not acknowledged
    this._token = null;
    this._received = 0;            // server sequence delivered in order
    this._nextSeq = 1;
    this._pingId = 0;
    this._pingSentAt = 0;
    this._lastRx = 0;
    this._lastTx = 0;
    this._ackTimer = null;
    this._wake = () => this._wakeUp();
  }

  on(type, listener) {
    if (!this._listeners.has(type)) this._listeners.set(type, new Set());
    this._listeners.get(type).add(listener);
    return () => this._listeners.get(type).delete(listener);
  }

  _emit(type, detail) {
    for (const l of this._listeners.get(type) ?? []) {
      try { l(detail); } catch (e) { setTimeout(() => { throw e; }); }
    }
  }

  /** Starts connecting; the page's visibility and the network's coming back wake a waiting reconnect. */
  start() {
    if (this.state !== 'closed') return this;
    this._stopped = false;
    globalThis.document?.addEventListener?.('visibilitychange', this._wake);
    globalThis.addEventListener?.('online', this._wake);
    this._connect('start');
    return this;
  }

  /**
   * Sends a message (string or Uint8Array). Resolves when the server has acknowledged it (resume on),
   * or once handed to the socket; rejects when the queue is full or the session that carried it ended.
   */
  send(data) {
    const bytes = typeof data === 'string' ? utf8.encode(data) : data;
    return new Promise((resolve, reject) => {
      if (this._stopped) return reject(new Error('client closed'));
      if (this._queue.length + this._unacked.length >= this.options.queueLimit) {
        return reject(new Error(`send queue full (${this.options.queueLimit} messages)`));
      }
      this._queue.push({ bytes, resolve, reject });
      this._flush();
    });
  }

  /** Pings now; the `rtt` event reports the round trip. */
  ping() {
    if (this.state === 'open' && !this._pingSentAt) this._sendPing();
  }

  /** Leaves for good: a CLOSE (the session ends at once), then the WebSocket's close. */
  close() {
    this._stopped = true;
    globalThis.document?.removeEventListener?.('visibilitychange', this._wake);
    globalThis.removeEventListener?.('online', this._wake);
    const ws = this._ws;
    if (ws && ws.readyState === 1) {
      ws.send(frame(T.CLOSE, concat([new Uint8Array([0x03, 0xEF]), utf8.encode('bye')]))); // 1007 closed by client
      ws.close(4007, 'closed by client');
    }
    this._drop();
    for (const m of [...this._unacked, ...this._queue]) m.reject(new Error('client closed'));
    this._unacked = [];
    this._queue = [];
    this._setState('closed', 'closed by client', CloseCodes.CLOSED_BY_CLIENT);
  }

  // ---------------------------------------------------------------- connection

  _connect(reason) {
    this._setState(this.state === 'closed' && reason === 'start' ? 'connecting' : 'reconnecting', reason);
    const url = this.urls[this._urlIndex % this.urls.length];
    let ws;
    try {
      ws = new this.options.WebSocket(url, SUBPROTOCOL);
    } catch (e) {
      this._lost(`cannot open ${url}: ${e.message}`, 0);
      return;
    }
    ws.binaryType = 'arraybuffer';
    this._ws = ws;
    this.url = url;
    const connectTimer = this._after(this.options.connectTimeoutMs, () => {
      if (this._ws === ws && this.state !== 'open') this._lost(`no WELCOME from ${url} within ${this.options.connectTimeoutMs} ms`, 0);
    });
    ws.onopen = () => {
      if (this._ws !== ws) return;
      const resume = this.options.resume;
      ws.send(encodeHello({
        name: this.options.name,
        heartbeatMs: this.options.heartbeatMs,
        token: resume ? this._token : null,
        receivedSeq: resume ? (this._token ? this._received : 0) : null,
      }));
    };
    ws.onmessage = (e) => {
      if (this._ws !== ws) return;
      this._lastRx = now(); // any message is life
      this._pingDue();
      if (!(e.data instanceof ArrayBuffer)) {
        this._fail('protocol error: a text message on tether.v1');
        return;
      }
      let f;
      try {
        f = decodeFrame(new Uint8Array(e.data));
      } catch (err) {
        this._fail(err.message);
        return;
      }
      if (f.type === T.WELCOME) {
        this._clear(connectTimer);
        this._welcomed(f);
      } else {
        this._frame(f);
      }
    };
    ws.onclose = (e) => {
      if (this._ws !== ws) return;
      const code = tetherCode(e.code);
      this._closedByServer(code, e.reason || (code ? '' : `WebSocket closed with ${e.code}`), e.code);
    };
    ws.onerror = () => { /* onclose follows with the code */ };
  }

  _welcomed(w) {
    const fresh = !w.resumed;
    this.welcome = w;
    this._attempt = 0;
    if (w.receivedSeq !== null) {
      if (fresh && this._token) this._newSession('the server started a new session');
      this._token = w.token;
      if (fresh) this._received = 0;
      // Drop what the server already has; what it lacks is resent first, in order.
      while (this._unacked.length && this._unacked[0].seq <= w.receivedSeq) this._unacked.shift().resolve();
      for (const m of this._unacked) this._tx(frame(T.SEQ_DATA, concat([u64(m.seq), m.bytes])));
      if (w.resumed) this.resumes++;
    }
    // The heartbeat: at most half the server's idle timeout, never more often than its minimum interval.
    let hb = this.options.heartbeatMs;
    if (w.idleTimeoutMs > 0) hb = Math.min(hb, Math.floor(w.idleTimeoutMs / 2));
    hb = Math.max(hb, w.minPingIntervalMs, 50);
    this.heartbeatMs = hb;
    this._setState('open', w.resumed ? 'resumed' : 'connected', 0);
    this._emit('session', { resumed: w.resumed, connectionId: w.connectionId, serverName: w.serverName });
    this._pingDue();
    this._sendPing(); // a first round trip, for the rtt
    this._flush();
  }

  _frame(f) {
    switch (f.type) {
      case T.PING:
        this._tx(frame(T.PONG, concat([u64(f.id), new Uint8Array([0])])));
        break;
      case T.PONG:
        if (this._pingSentAt && f.id === this._pingId) {
          this.rttMs = Math.round(now() - this._pingSentAt);
          this._pingSentAt = 0;
          this._emit('rtt', { ms: this.rttMs, healthy: f.healthy, detail: f.detail });
        }
        break;
      case T.DATA:
        this._deliver(f.payload);
        break;
      case T.SEQ_DATA:
        if (f.seq <= this._received) { this._ackSoon(); break; } // a replay: already delivered
        if (f.seq !== this._received + 1) {
          this._fail(`protocol error: SEQ_DATA ${f.seq} after ${this._received}: sequence numbers must not skip`, true);
          return;
        }
        this._received = f.seq;
        this._ackSoon();
        this._deliver(f.payload);
        break;
      case T.ACK:
        while (this._unacked.length && this._unacked[0].seq <= f.seq) this._unacked.shift().resolve();
        break;
      case T.CLOSE:
        this._closedByServer(f.code, f.reason, 0);
        break;
      case T.NOTICE:
        if (f.code === TOO_MANY_PINGS) this.heartbeatMs *= 2; // as gRPC clients do on too_many_pings
        this._emit('notice', { code: f.code, value: f.value, text: f.text });
        break;
      default:
        this._fail(`protocol error: unexpected frame type ${f.type}`);
    }
  }

  /** Sends one frame on the current socket; what was sent last decides when the next ping is due. */
  _tx(bytes) {
    this._lastTx = now();
    this._ws.send(bytes);
  }

  _deliver(bytes) {
    this._emit('message', { data: this.options.binary ? bytes.slice() : fromUtf8.decode(bytes) });
  }

  _ackSoon() {
    if (this._ackTimer) return;
    this._ackTimer = setTimeout(() => {
      this._ackTimer = null;
      if (this.state === 'open' && this._ws?.readyState === 1) this._tx(frame(T.ACK, u64(this._received)));
    }, 0);
  }

  _flush() {
    if (this.state !== 'open' || this._ws?.readyState !== 1) return;
    while (this._queue.length) {
      const m = this._queue.shift();
      if (this.welcome.receivedSeq !== null) {
        const seq = this._nextSeq++;
        this._unacked.push({ seq, ...m });
        this._tx(frame(T.SEQ_DATA, concat([u64(seq), m.bytes])));
      } else {
        this._tx(frame(T.DATA, m.bytes));
        m.resolve();
      }
    }
  }

  // ---------------------------------------------------------------- liveness

  /** Looks again when a ping is due (nothing received for the heartbeat) or a ping's answer is overdue. */
  _pingDue() {
    this._clear(this._liveTimer);
    if (this.state !== 'open') return;
    const t = now();
    // Any message is life: a ping's answer is overdue only when nothing at all arrived for the timeout.
    // A ping is due when nothing was received, or nothing sent (the server's idle deadline counts only
    // what it receives), for the heartbeat.
    const due = this._pingSentAt ? Math.max(this._pingSentAt, this._lastRx) + this.options.pingTimeoutMs
      : Math.min(this._lastRx, this._lastTx) + this.heartbeatMs;
    this._liveTimer = this._after(Math.max(0, due - t), () => {
      if (this.state !== 'open') return;
      if (this._pingSentAt && now() - this._lastRx >= this.options.pingTimeoutMs
          && now() - this._pingSentAt >= this.options.pingTimeoutMs) {
        this._lost(`server silent: no answer to a ping for ${Math.round(now() - this._pingSentAt)} ms`, CloseCodes.PING_TIMEOUT);
      } else if (!this._pingSentAt && now() - Math.min(this._lastRx, this._lastTx) >= this.heartbeatMs) {
        this._sendPing();
      } else {
        this._pingDue();
      }
    });
  }

  _sendPing() {
    this._pingId++;
    this._pingSentAt = now();
    this._tx(frame(T.PING, u64(this._pingId)));
    this._pingDue();
  }

  _wakeUp() {
    if (this._stopped) return;
    if (globalThis.document?.visibilityState === 'hidden') return;
    if (this.state === 'reconnecting' && this._backoffTimer) {
      this._clear(this._backoffTimer);
      this._backoffTimer = null;
      this._connect('page visible or network back');
    } else if (this.state === 'open') {
      this.ping(); // a socket that died while the page slept shows itself now
    }
  }

  // ---------------------------------------------------------------- ways out

  /** The server closed (CLOSE frame or WebSocket close): decide about the session, then reconnect. */
  _closedByServer(code, reason, wsCode) {
    const afterWelcome = this.state === 'open';
    const ends = [1006, 1009, 1101, 1102, 1103].includes(code) || (afterWelcome && (code === 1008 || code === 1011));
    if (code === 1104 || code === 1106) { // 1106: it existed and cannot come back; 1104: never known here
      this._newSession(`resume refused: ${reason}`);
      this._lost(reason, code, false, true); // the same server, at once: a new session there
      return;
    }
    if (ends) this._newSession(reason);
    this._lost(reason || `closed (${wsCode || code})`, code);
  }

  /** A protocol error: told to the server (CLOSE 1008), the session given up when `endsSession`. */
  _fail(reason, endsSession = false) {
    try {
      this._ws?.send(frame(T.CLOSE, concat([new Uint8Array([0x03, 0xF0]), utf8.encode(reason)])));
    } catch (e) { /* closing anyway */ }
    if (endsSession) this._newSession(reason);
    this._lost(reason, CloseCodes.PROTOCOL_ERROR);
  }

  /** The session is gone: forget the token; what it had not acknowledged fails (the server may or may not have it). */
  _newSession(reason) {
    this._token = null;
    this._received = 0;
    this._nextSeq = 1;
    for (const m of this._unacked) m.reject(new Error(`session ended before acknowledging: ${reason}`));
    this._unacked = [];
  }

  _drop(code = 0, reason = '') {
    const ws = this._ws;
    this._ws = null;
    for (const t of this._timers) clearTimeout(t);
    this._timers.clear();
    this._ackTimer && clearTimeout(this._ackTimer);
    this._ackTimer = null;
    this._pingSentAt = 0;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      // Not waited for: a frozen server would never finish the closing handshake.
      try { if (ws.readyState <= 1) ws.close(code >= 1000 ? code + 3000 : 1000, reason.slice(0, 100)); } catch (e) { /* closing */ }
    }
  }

  /**
   * This connection is over: reconnect after a full-jitter backoff. A live connection lost (a blip)
   * retries its server at once, where its session waits; a failed attempt or a server gone silent
   * fails over to the next server in the list.
   */
  _lost(reason, code, next = undefined, atOnce = false) {
    if (this._stopped) return;
    const wasOpen = this.state === 'open';
    this._drop(code, reason);
    if (next ?? (!wasOpen || code === CloseCodes.PING_TIMEOUT)) this._urlIndex++;
    const cap = Math.min(this.options.backoffMaxMs, this.options.backoffInitialMs * 2 ** this._attempt);
    this._attempt = Math.min(this._attempt + 1, 30);
    const delay = wasOpen || atOnce ? 0 : Math.floor(this.options.random() * cap);
    this.reconnects++;
    this._setState('reconnecting', reason, code);
    this._backoffTimer = this._after(delay, () => {
      this._backoffTimer = null;
      this._connect(reason);
    });
  }

  _setState(state, reason, code = 0) {
    const previous = this.state;
    this.state = state;
    if (previous !== state || state === 'reconnecting') this._emit('state', { state, previous, reason, code, url: this.url });
  }

  _after(ms, fn) {
    const t = setTimeout(() => { this._timers.delete(t); fn(); }, ms);
    this._timers.add(t);
    return t;
  }

  _clear(t) {
    if (t) {
      clearTimeout(t);
      this._timers.delete(t);
    }
  }
}
