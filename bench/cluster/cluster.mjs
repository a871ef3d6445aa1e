// Helpers for bench/cluster/run.sh (Node 20, no packages; PostgreSQL through `psql`, which reads PGHOST, PGPORT,
// PGUSER, PGDATABASE and PGOPTIONS="-c search_path=<schema>" from the environment).
//
//   node cluster.mjs wait <url> <nodes> <timeout-s> [start-epoch-ms]
//       Polls GET <url>/cluster every 50 ms until <nodes> nodes are up, no shard is unassigned or rebalancing and every
//       up node holds at least floor(shards / nodes) shards (the allocator balances to within one). Prints
//       "SETTLED ms=<since start-epoch-ms or since the call> shards=<per node>"; exits 1 on timeout.
//   node cluster.mjs shard <namespace> <id-hex> [shards]
//       The object's shard, computed as src/Durable.Cluster/ShardId.cs does (FNV-1a 32 over ns, 0, id hex).
//   node cluster.mjs failover <run> <url-A> <url-C> <pid-C>
//       Picks a counter owned by C (id from X-Durable-Id through A, shard computed here, owner from shard_leases),
//       increments it once through A, SIGKILLs C, then POSTs the increment through A every 20 ms until one answers 200.
//       Prints "FAILOVER run=<run> ms=<kill to first 200> attempts=<n> shard=<s> object=<name> statuses=<code:count,...>".
//   node cluster.mjs owners <url> <namespace> <prefix> <n> <out-dir>
//       For names <prefix>1..<prefix><n>: writes each name to <out-dir>/<owner port>.names, one a line (the objects each
//       node owns now, so a client can send every request straight to the owner). Prints "OWNERS <port>:<count>,...".
import { spawnSync } from "node:child_process";

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

export function shardOf(ns, idHex, shards = 1024) {
  let hash = 2166136261;
  const mix = bytes => { for (const b of bytes) hash = Math.imul(hash ^ b, 16777619) >>> 0; };
  mix(Buffer.from(ns, "utf8"));
  mix([0]);
  mix(Buffer.from(idHex, "utf8"));
  return hash % shards;
}

function psql(sql) {
  const result = spawnSync("psql", ["-v", "ON_ERROR_STOP=1", "-qtAF", "\t", "-c", sql], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`psql failed (${sql}): ${result.stderr}`);
  return result.stdout.trim().split("\n").filter(Boolean).map(line => line.split("\t"));
}

async function status(url) {
  const response = await fetch(`${url}/cluster`, { signal: AbortSignal.timeout(2000) });
  return response.json();
}

async function wait(url, nodes, timeoutS, startMs) {
  const start = startMs ?? Date.now();
  const deadline = Date.now() + timeoutS * 1000;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const s = await status(url);
      const up = s.nodes.filter(n => n.status === "up");
      const floor = Math.floor(s.shards / nodes);
      last = `up=${up.length} unassigned=${s.unassigned} rebalancing=${s.rebalancing} shards=${up.map(n => n.shards).join("/")}`;
      if (up.length === nodes && s.unassigned === 0 && s.rebalancing === 0 && up.every(n => n.shards >= floor)) {
        console.log(`SETTLED ms=${Date.now() - start} shards=${up.map(n => `${n.url.replace(/.*:/, "")}:${n.shards}`).join(",")}`);
        return;
      }
    } catch {
      // the node is starting or gone; keep polling
    }
    await sleep(50);
  }
  console.error(`cluster.mjs wait: ${nodes} nodes at ${url} did not settle within ${timeoutS} s (last: ${last})`);
  process.exit(1);
}

async function failover(run, urlA, urlC, pidC) {
  const owners = new Map(psql(
    "SELECT l.shard, n.url FROM shard_leases l JOIN cluster_nodes n ON n.id = l.owner WHERE l.expires_at > now()")
    .map(([shard, url]) => [Number(shard), url.replace(/\/$/, "")]));
  let name, shard;
  for (let i = 1; i <= 200 && name === undefined; i++) {
    const candidate = `fo${run}-${i}`;
    const response = await fetch(`${urlA}/ns/counter/name/${candidate}/`);
    await response.arrayBuffer();
    const s = shardOf("counter", response.headers.get("x-durable-id"));
    if (owners.get(s) === urlC) [name, shard] = [candidate, s];
  }
  if (name === undefined) throw new Error(`no object of 200 tried is owned by ${urlC}`);
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

async function owners(url, ns, prefix, n, outDir) {
  const { writeFileSync } = await import("node:fs");
  const byUrl = new Map(psql(
    "SELECT l.shard, n.url FROM shard_leases l JOIN cluster_nodes n ON n.id = l.owner WHERE l.expires_at > now()")
    .map(([shard, owner]) => [Number(shard), owner.replace(/\/$/, "")]));
  const names = new Map();
  for (let i = 1; i <= n; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, n - i + 1) }, async (_, k) => {
      const name = `${prefix}${i + k}`;
      const response = await fetch(`${url}/ns/${ns}/name/${name}/`);
      await response.arrayBuffer();
      const port = byUrl.get(shardOf(ns, response.headers.get("x-durable-id"))).replace(/.*:/, "");
      names.set(port, [...(names.get(port) ?? []), name]);
    }));
  }
  for (const [port, list] of names) writeFileSync(`${outDir}/${port}.names`, list.join("\n") + "\n");
  console.log(`OWNERS ${[...names].map(([port, list]) => `${port}:${list.length}`).join(",")}`);
}

const [verb, ...args] = process.argv.slice(2);
switch (verb) {
  case "wait": await wait(args[0], Number(args[1]), Number(args[2]), args[3] ? Number(args[3]) : undefined); break;
  case "shard": console.log(shardOf(args[0], args[1], args[2] ? Number(args[2]) : 1024)); break;
  case "failover": await failover(args[0], args[1], args[2], Number(args[3])); break;
  case "owners": await owners(args[0], args[1], args[2], Number(args[3]), args[4]); break;
  default: console.error("usage: node cluster.mjs wait|shard|failover|owners ..."); process.exit(2);
}
