// WebSocket echo benchmark, the workerd anchor's bench/ws-bench.mjs with a URL template so it can target our routes.
// Usage: node ws-bench.mjs [conns=50] [objects=1] [seconds=10] [template=ws://127.0.0.1:8787/ns/echo/name/w{i}/websocket]
// Each connection runs a closed loop: send one 32-byte message, wait for the echo, repeat. Connection i goes to object
// "w<i % objects>". Prints one line starting with "WS ".
import WebSocket from "ws";

const conns = Number(process.argv[2] ?? 50);
const objects = Number(process.argv[3] ?? 1);
const seconds = Number(process.argv[4] ?? 10);
const template = process.argv[5] ?? "ws://127.0.0.1:8787/ns/echo/name/w{i}/websocket";
const warmupMs = 1000;
const payload = "x".repeat(32);

const lat = [];
let roundTrips = 0, errors = 0, measuring = false, stopping = false;

function open(i) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(template.replace("{i}", String(i % objects)), { perMessageDeflate: false });
    let sentAt = 0;
    const send = () => { sentAt = performance.now(); ws.send(payload); };
    ws.on("open", () => resolve({ ws, send }));
    ws.on("message", () => {
      if (measuring) { lat.push(performance.now() - sentAt); roundTrips++; }
      if (!stopping) send();
    });
    ws.on("error", (e) => { errors++; reject(e); });
  });
}

const sockets = await Promise.all(Array.from({ length: conns }, (_, i) => open(i)));
sockets.forEach((s) => s.send());
await new Promise((r) => setTimeout(r, warmupMs));
measuring = true;
const t0 = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
measuring = false;
stopping = true;
const elapsed = (performance.now() - t0) / 1000;
sockets.forEach((s) => s.ws.close());

lat.sort((a, b) => a - b);
const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] : NaN);
console.log(
  `WS rtps=${(roundTrips / elapsed).toFixed(1)} p50_ms=${pct(50).toFixed(3)} p99_ms=${pct(99).toFixed(3)} ` +
  `max_ms=${(lat.at(-1) ?? NaN).toFixed(3)} roundtrips=${roundTrips} conns=${conns} objects=${objects} errors=${errors}`
);
setTimeout(() => process.exit(0), 200);
