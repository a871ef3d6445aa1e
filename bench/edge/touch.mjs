// Touch N distinct objects: <METHOD> /ns/<NS>/name/<PREFIX><i><SUFFIX> for i in 1..N, CONC requests in flight.
// Usage: node bench/edge/touch.mjs <METHOD> <NS> <PREFIX> <SUFFIX> [N=10000] [CONC=50] [base=http://127.0.0.1:8787]
// Prints "TOUCH ok=.. failed=.. seconds=.. rate=.." (rate = objects/s).
import http from "node:http";

const [method, ns, prefix, suffix] = process.argv.slice(2, 6);
const n = Number(process.argv[6] ?? 10000);
const conc = Number(process.argv[7] ?? 50);
const base = new URL(process.argv[8] ?? "http://127.0.0.1:8787");
const agent = new http.Agent({ keepAlive: true, maxSockets: conc });

let next = 1, ok = 0, bad = 0;
function one(i) {
  return new Promise((resolve) => {
    const req = http.request(
      { host: base.hostname, port: base.port, path: `/ns/${ns}/name/${prefix}${i}${suffix}`, method, agent },
      (res) => { res.resume(); res.on("end", () => { res.statusCode === 200 ? ok++ : bad++; resolve(); }); });
    req.on("error", () => { bad++; resolve(); });
    req.end();
  });
}
async function worker() { while (next <= n) await one(next++); }

const t0 = performance.now();
await Promise.all(Array.from({ length: conc }, worker));
const secs = (performance.now() - t0) / 1000;
agent.destroy();
console.log(`TOUCH ok=${ok} failed=${bad} seconds=${secs.toFixed(2)} rate=${(ok / secs).toFixed(1)}`);
