// Cold start: time from spawning the node until the first 200 from GET /ns/echo/name/cold/.
// Usage: node bench/edge/coldstart.mjs <runs> <data-dir> -- <command> <args...>   (fresh data dir per run)
// Prints "COLD ms=<each,...> median_ms=<m>".
import { spawn } from "node:child_process";
import http from "node:http";
import fs from "node:fs";

const runs = Number(process.argv[2]);
const dataDir = process.argv[3];
const [cmd, ...args] = process.argv.slice(process.argv.indexOf("--") + 1);

const get = () => new Promise((resolve) => {
  const req = http.get({ host: "127.0.0.1", port: Number(process.env.PORT ?? 8787), path: "/ns/echo/name/cold/", agent: false }, (res) => {
    res.resume(); res.on("end", () => resolve(res.statusCode));
  });
  req.on("error", () => resolve(0));
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const times = [];
for (let r = 0; r < runs; r++) {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const t0 = performance.now();
  const child = spawn(cmd, args, { stdio: "ignore" });
  let ms = NaN;
  while (performance.now() - t0 < 20000) {
    if ((await get()) === 200) { ms = performance.now() - t0; break; }
    await sleep(1);
  }
  times.push(ms);
  const exited = new Promise((res) => child.once("exit", res));
  child.kill("SIGTERM");
  await Promise.race([exited, sleep(5000)]);
  if (child.exitCode === null && child.signalCode === null) { child.kill("SIGKILL"); await exited; }
}
const sorted = [...times].sort((a, b) => a - b);
console.log(`COLD ms=${times.map((t) => t.toFixed(1)).join(",")} median_ms=${sorted[Math.floor(sorted.length / 2)].toFixed(1)}`);
