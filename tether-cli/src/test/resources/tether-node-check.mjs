// tether.js on Node.js (20 with --experimental-websocket, 22 as is): connect, send three messages,
// get their echoes, a round trip, then close. Prints one JSON line for WebSocketNodeTest.
const [, , modulePath, url] = process.argv;
const { TetherClient } = await import(modulePath);
const client = new TetherClient(url, { name: 'node check', heartbeatMs: 1000 });
const got = [];
const states = [];
let rtt = null;
client.on('state', (s) => states.push(s.state + ':' + s.reason));
client.on('rtt', (r) => { rtt = r.ms; });
client.on('message', ({ data }) => got.push(data));
client.start();
const acks = ['a', 'b', 'c'].map((m) => client.send(m));
await Promise.all(acks);
const deadline = Date.now() + 10000;
while ((got.length < 3 || rtt === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
client.close();
console.log(JSON.stringify({ got, rtt, states, heartbeatMs: client.heartbeatMs }));
process.exit(0);
