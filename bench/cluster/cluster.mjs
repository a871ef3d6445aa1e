// Helpers for bench/cluster/run.sh (Node 20, no packages). Every answer is read from the nodes' GET /cluster
// ({"node","shards","unassigned","rebalancing","nodes":[{"address","status","shards","entities","shardIds":{ns:[...]}}]}).
//
//   node cluster.mjs wait <url> <nodes> <timeout-s> [start-epoch-ms] [namespace]
//       Polls <url>/cluster every 50 ms until <nodes> members are up, no shard is rebalancing, and for <namespace>
//       (default counter; it must have placed shards) every up node's region answered and holds at least
//       floor(shards / nodes) of its placed shards (Akka's least-shard allocation balances to within one). Prints
//       "SETTLED ms=<since start-epoch-ms or the call> up_ms=<all members up> every_node_holds_ms=<each up node holds a
//       shard of it> shards=<port:count,...> polls=<n> max_rebalancing=<most shards seen moving at once>"; exits 1 on
//       timeout.
//   node cluster.mjs shard <id-hex> [shards]
//       The object's shard as Akka's HashCodeMessageExtractor computes it: |MurmurHash.StringHash(id)| % shards.
//   node cluster.mjs failover <run> <url-A> <url-C> <pid-C> [shards]
//       Picks a counter whose shard C holds, increments it once through A, SIGKILLs C, then POSTs the increment through
//       A every 20 ms until one answers 200. Prints "FAILOVER run=<run> ms=<kill to first 200> attempts=<n> shard=<s>
//       object=<name> statuses=<code:count,...>".
//   node cluster.mjs owners <url> <namespace> <prefix> <n> <out-dir> [shards]
//       For names <prefix>1..<prefix><n>: writes each name to <out-dir>/<owner's HTTP port>.names, one a line (the
//       objects each node's shards hold now, so a client can send each request straight to its owner). Nodes are told
//       apart by their Akka address; <out-dir>/ports maps "akka-address http-port" per line (written by run.sh).
//       Prints "OWNERS <port>:<count>,...".
import { readFileSync, writeFileSync } from "node:fs";

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// Akka.Util.MurmurHash.StringHash (the 32-bit Scala-style MurmurHash over UTF-16 code units, two per step).
const VISIBLE_MAGIC = 0x971e137b, HIDDEN_MAGIC_A = 0x95543787, HIDDEN_MAGIC_B = 0x2ad7eb25, VISIBLE_MIXER = 0x52dce729;
const HIDDEN_MIXER_A = 0x7b7d159c, HIDDEN_MIXER_B = 0x6bce6396, FINAL_MIXER_1 = 0x85ebca6b, FINAL_MIXER_2 = 0xc2b2ae35;
const STRING_SEED = 0x331df49;
const rotl = (x, r) => ((x << r) | (x >>> (32 - r))) >>> 0;
const extend = (h, v, a, b) => (Math.imul((h ^ Math.imul(rotl(Math.imul(v, a) >>> 0, 11), b)) >>> 0, 3) + VISIBLE_MIXER) >>> 0;
export function stringHash(s) {
  let h = (Math.imul(s.length, STRING_SEED) >>> 0) ^ VISIBLE_MAGIC;
  let a = HIDDEN_MAGIC_A, b = HIDDEN_MAGIC_B, j = 0;
  const next = () => { a = (Math.imul(a, 5) + HIDDEN_MIXER_A) >>> 0; b = (Math.imul(b, 5) + HIDDEN_MIXER_B) >>> 0; };
  for (; j + 1 < s.length; j += 2) { h = extend(h, ((s.charCodeAt(j) << 16) + s.charCodeAt(j + 1)) >>> 0, a, b); next(); }
  if (j < s.length) h = extend(h, s.charCodeAt(j), a, b);
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, FINAL_MIXER_1) >>> 0; h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, FINAL_MIXER_2) >>> 0; h = (h ^ (h >>> 16)) >>> 0;
  return h | 0;
}
export const shardOf = (idHex, shards = 64) => Math.abs(stringHash(idHex)) % shards;

async function status(url) {
  const response = await fetch(`${url}/cluster`, { signal: AbortSignal.timeout(5000) });
  return response.json();
}

// shard -> Akka address of the node holding it, for one namespace
function owners(s, ns) {
  const map = new Map();
  for (const n of s.nodes) for (const shard of n.shardIds?.[ns] ?? []) map.set(shard, n.address);
  return map;
}

async function idOf(url, ns, name) {
  const response = await fetch(`${url}/ns/${ns}/name/${name}/`);
  await response.arrayBuffer();
  const id = response.headers.get("x-durable-id");
  if (!id) throw new Error(`${url}/ns/${ns}/name/${name}/ answered ${response.status} without X-Durable-Id`);
  return id;
}

async function wait(url, nodes, timeoutS, startMs, ns = "counter") {
  const start = startMs ?? Date.now();
  const deadline = Date.now() + timeoutS * 1000;
  let last = "no answer", polls = 0, maxRebalancing = 0, upMs, everyHoldsMs;
  while (Date.now() < deadline) {
    try {
      const s = await status(url);
      polls++;
      maxRebalancing = Math.max(maxRebalancing, s.rebalancing);
      const up = s.nodes.filter(n => n.status === "up");
      const held = up.map(n => (n.shardIds?.[ns] ?? []).length);
      const total = held.reduce((x, y) => x + y, 0);
      const floor = Math.floor(total / nodes);
      const ports = up.map((n, i) => `${n.address.replace(/.*:/, "")}:${held[i]}`).join(",");
      last = `up=${up.length} rebalancing=${s.rebalancing} unassigned=${s.unassigned} ${ns}_shards=${ports}`;
      // every up node's region answered for the namespace (a node whose stats did not come back lists no shardIds)
      const answered = up.every(n => n.shardIds && ns in n.shardIds);
      if (upMs === undefined && up.length === nodes && s.nodes.length === nodes) upMs = Date.now() - start;
      if (everyHoldsMs === undefined && up.length === nodes && answered && held.every(h => h > 0)) everyHoldsMs = Date.now() - start;
      if (up.length === nodes && s.nodes.length === nodes && answered && total > 0 && s.rebalancing === 0 && held.every(h => h >= floor)) {
        console.log(`SETTLED ms=${Date.now() - start} up_ms=${upMs} every_node_holds_ms=${everyHoldsMs} shards=${ports} polls=${polls} max_rebalancing=${maxRebalancing}`);
        return;
      }
    } catch {
      // the node is starting or busy; keep polling
    }
    await sleep(50);
  }
  console.error(`cluster.mjs wait: ${nodes} nodes at ${url} did not settle within ${timeoutS} s (last: ${last})`);
  process.exit(1);
}

async function failover(run, urlA, urlC, pidC, shards) {
  const self = (await status(urlC)).node;
  const byShard = owners(await status(urlA), "counter");
  let name, shard;
  for (let i = 1; i <= 400 && name === undefined; i++) {
    const candidate = `fo${run}-${i}`;
    const s = shardOf(await idOf(urlA, "counter", candidate), shards);
    if (byShard.get(s) === self) [name, shard] = [candidate, s];
  }
  if (name === undefined) throw new Error(`no counter of 400 tried is on a shard ${urlC} holds`);
  const path = `${urlA}/ns/counter/name/${name}/increment`;
  const warm = await fetch(path, { method: "POST" });
  if (warm.status !== 200) throw new Error(`increment of ${name} through ${urlA} answered ${warm.status} before the kill`);
  await warm.arrayBuffer();

  process.kill(pidC, "SIGKILL");
  const killed = performance.now();
  const statuses = new Map();
  for (let attempts = 1; ; attempts++) {
    let code;
    try {
      const response = await fetch(path, { method: "POST", signal: AbortSignal.timeout(5000) });
      await response.arrayBuffer();
      code = response.status;
    } catch (e) {
      code = e.name === "TimeoutError" ? "timeout" : "neterr";
    }
    if (code === 200) {
      const ms = Math.round(performance.now() - killed);
      const seen = [...statuses].map(([c, n]) => `${c}:${n}`).join(",") || "none";
      console.log(`FAILOVER run=${run} ms=${ms} attempts=${attempts} shard=${shard} object=${name} statuses=${seen}`);
      return;
    }
    statuses.set(code, (statuses.get(code) ?? 0) + 1);
    if (performance.now() - killed > 60_000) throw new Error(`${name} (shard ${shard}) not served through ${urlA} within 60 s of the kill`);
    await sleep(20);
  }
}

async function ownersOf(url, ns, prefix, n, outDir, shards) {
  const port = new Map(readFileSync(`${outDir}/ports`, "utf8").trim().split("\n").map(line => line.split(" ")));
  const byShard = owners(await status(url), ns);
  const names = new Map();
  for (let i = 1; i <= n; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, n - i + 1) }, async (_, k) => {
      const name = `${prefix}${i + k}`;
      const s = shardOf(await idOf(url, ns, name), shards);
      const owner = port.get(byShard.get(s));
      if (owner === undefined) throw new Error(`${name}: shard ${s} is held by no node /cluster lists (${byShard.get(s)})`);
      names.set(owner, [...(names.get(owner) ?? []), name]);
    }));
  }
  for (const [p, list] of names) writeFileSync(`${outDir}/${p}.names`, list.join("\n") + "\n");
  console.log(`OWNERS ${[...names].map(([p, list]) => `${p}:${list.length}`).sort().join(",")}`);
}

const [verb, ...args] = process.argv.slice(2);
const num = (v, fallback) => (v === undefined || v === "" ? fallback : Number(v));
switch (verb) {
  case "wait": await wait(args[0], Number(args[1]), Number(args[2]), args[3] ? Number(args[3]) : undefined, args[4] || undefined); break;
  case "shard": console.log(shardOf(args[0], num(args[1], 64))); break;
  case "failover": await failover(args[0], args[1], args[2], Number(args[3]), num(args[4], 64)); break;
  case "owners": await ownersOf(args[0], args[1], args[2], Number(args[3]), args[4], num(args[5], 64)); break;
  default: console.error("usage: node cluster.mjs wait|shard|failover|owners ..."); process.exit(2);
}
