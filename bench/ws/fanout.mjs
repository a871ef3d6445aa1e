// Broadcast fan-out: N raw sockets in one chat room; one of them sends a message, the time until the last of the N
// sockets received it is one sample (the chat stores the message first, so a commit is included). Repeats R times.
// Usage: node fanout.mjs [sockets=1000] [rounds=30] [base=ws://127.0.0.1:8787]
import WebSocket from "ws";

const n = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 30);
const base = process.argv[4] ?? "ws://127.0.0.1:8787";
const room = `fan${Date.now()}`;
let pending = 0, done = null;
const sockets = [];
for (let i = 0; i < n; i++) {
  const ws = new WebSocket(`${base}/ns/chat/name/${room}/websocket`, { perMessageDeflate: false });
  ws.on("message", () => { if (--pending === 0) done(); });
  sockets.push(new Promise((resolve, reject) => { ws.on("open", () => resolve(ws)); ws.on("error", reject); }));
}
const open = await Promise.all(sockets);
const samples = [];
for (let r = 0; r < rounds; r++) {
  pending = n;
  const finished = new Promise((resolve) => { done = resolve; });
  const t0 = performance.now();
  open[r % n].send(`round ${r}`);
  await finished;
  samples.push(performance.now() - t0);
}
samples.sort((a, b) => a - b);
const pct = (p) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
console.log(`FANOUT sockets=${n} rounds=${rounds} p50_ms=${pct(50).toFixed(2)} p99_ms=${pct(99).toFixed(2)} max_ms=${samples.at(-1).toFixed(2)}`);
open.forEach((ws) => ws.close());
setTimeout(() => process.exit(0), 300);
