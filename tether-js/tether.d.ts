// Type declarations for tether.js (docs/WEBSOCKET.md).

export declare const CloseCodes: Readonly<{
  PEER_CLOSED: 1000; IDLE_TIMEOUT: 1002; PING_TIMEOUT: 1005; CLOSED_BY_SERVER: 1006; CLOSED_BY_CLIENT: 1007;
  PROTOCOL_ERROR: 1008; SHUTDOWN: 1009; LIMIT_REACHED: 1010; TOO_MANY_PINGS: 1011; SLOW_CONSUMER: 1014; ERROR: 1099;
  SESSION_REPLACED: 1101; SESSION_REFUSED: 1102; REPLAY_OVERFLOW: 1103; RESUME_REFUSED: 1104; TAKEN_OVER: 1105; UNRECOVERABLE: 1106;
}>;

/** The Tether close code a WebSocket close code stands for (4000-4999 -> 1000-1999), else 0. */
export declare function tetherCode(webSocketCode: number): number;

export type State = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface StateChange {
  state: State;
  previous: State;
  /** Why, in words: "connected", "resumed", "server silent: no answer to a ping for 1003 ms", the server's close reason... */
  reason: string;
  /** The Tether close code behind it (docs/PROTOCOL.md), 0 when none. */
  code: number;
  /** The server URL of the connection this is about. */
  url?: string;
}

export interface Options {
  /** Client name sent in HELLO (for the server's logs). Default "tether.js". */
  name?: string;
  /** Longest silence before the client pings; fitted to at most half the server's idle timeout. Default 15000. */
  heartbeatMs?: number;
  /** A server that sends nothing for this long after a ping is declared dead. Default 5000. */
  pingTimeoutMs?: number;
  /** Socket open plus WELCOME must take at most this. Default 5000. */
  connectTimeoutMs?: number;
  /** A sequenced, resumable session: every message exactly once, in order, across reconnects. Default true. */
  resume?: boolean;
  /** Most messages queued and unacknowledged; send() rejects past it. Default 1000. */
  queueLimit?: number;
  /** Full-jitter backoff: a random delay up to min(max, initial * 2^attempt). Defaults 200 and 10000. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Deliver messages as Uint8Array instead of strings. Default false. */
  binary?: boolean;
  /** The WebSocket class; default globalThis.WebSocket (browsers, Node.js 22). */
  WebSocket?: unknown;
  /** The backoff's jitter source, returning [0, 1); default Math.random (tests pin it). */
  random?: () => number;
}

export interface Welcome {
  connectionId: number;
  idleTimeoutMs: number;
  serverPingIntervalMs: number;
  serverPingTimeoutMs: number;
  minPingIntervalMs: number;
  maxFrameLength: number;
  serverName: string;
  resumed: boolean;
  receivedSeq: number | null;
}

export interface EventMap {
  state: StateChange;
  message: { data: string | Uint8Array };
  rtt: { ms: number; healthy: boolean; detail: string };
  session: { resumed: boolean; connectionId: number; serverName: string };
  notice: { code: number; value: number; text: string };
}

export declare class TetherClient {
  constructor(urls: string | string[], options?: Options);
  readonly state: State;
  /** The last measured ping round trip, in ms. */
  readonly rttMs: number | null;
  /** The heartbeat in use, fitted to the WELCOME. */
  readonly heartbeatMs: number | null;
  readonly welcome: Welcome | null;
  readonly url: string | undefined;
  readonly reconnects: number;
  readonly resumes: number;
  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof EventMap>(type: K, listener: (detail: EventMap[K]) => void): () => void;
  start(): this;
  /** Resolves when the server acknowledged it (resume on) or it was written; rejects when the queue is full or its session ended. */
  send(data: string | Uint8Array): Promise<void>;
  ping(): void;
  close(): void;
}

export declare function encodeHello(fields: { name?: string; heartbeatMs?: number; token?: Uint8Array | null; receivedSeq?: number | null }): Uint8Array;
export declare function decodeFrame(bytes: Uint8Array): { type: number; [field: string]: unknown };
