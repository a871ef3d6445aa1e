// Holds N idle sockets on echo objects (N / perObject objects), waits until the node passivated them (hibernation),
// then reads the node's memory from /proc and checks that every socket still echoes. Memory per socket is
// (RSS with N sockets, objects hibernated - RSS before connecting) / N.
// Usage: node hold.mjs <node pid> [sockets=10000] [perObject=100] [waitSeconds=8] [base=ws://127.0.0.1:8787]
// HOLD_SNAPSHOT="<command>" runs "<command> before" before connecting and "<command> held" after hibernation (the heap
// split in bench/README.md); its own memory then counts in the RSS figure, so take RSS from runs without it.
import { execSync } from "node:child_process";
import { readFileSync } from "node:fs";
import WebSocket from "ws";

const pid = process.argv[2];
const n = Number(process.argv[3] ?? 10000);
const perObject = Number(process.argv[4] ?? 100);
const wait = Number(process.argv[5] ?? 8);
const base = process.argv[6] ?? "ws://127.0.0.1:8787";
const rssKiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
const metric = async (name) => {
  const text = await (await fetch(base.replace(/^ws/, "http") + "/metrics")).text();
  return text.split("\n").filter((l) => l.startsWith(name)).map((l) => Number(l.split(" ").at(-1))).reduce((a, b) => a + b, 0);
};

const snapshot = (label) => process.env.HOLD_SNAPSHOT && execSync(`${process.env.HOLD_SNAPSHOT} ${label}`, { stdio: "inherit" });
const before = rssKiB();
snapshot("before");
const sockets = [];
for (let i = 0; i < n; i += 500) {
  const batch = [];
  for (let j = i; j < Math.min(n, i + 500); j++) {
    const ws = new WebSocket(`${base}/ns/echo/name/hold${Math.floor(j / perObject)}/websocket`, { perMessageDeflate: false });
    batch.push(new Promise((resolve, reject) => { ws.on("open", () => resolve(ws)); ws.on("error", reject); }));
  }
  sockets.push(...(await Promise.all(batch)));
}
const open = sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length;
const activeAfterConnect = await metric("durable_objects_active");
await new Promise((r) => setTimeout(r, wait * 1000));
const activeAfterIdle = await metric("durable_objects_active");
const held = rssKiB();
snapshot("held");
// Every socket still answers after hibernation.
let echoed = 0;
await Promise.all(sockets.map((ws) => new Promise((resolve) => { ws.once("message", () => { echoed++; resolve(); }); ws.send("still there?"); })));
console.log(`HOLD sockets=${n} open=${open} objects=${Math.ceil(n / perObject)} active_after_connect=${activeAfterConnect} ` +
  `active_after_idle=${activeAfterIdle} rss_before_kib=${before} rss_held_kib=${held} per_socket_bytes=${(((held - before) * 1024) / n).toFixed(0)} echoed_after_hibernation=${echoed}`);
sockets.forEach((ws) => ws.terminate());
setTimeout(() => process.exit(0), 300);
