// Drives the official `phoenix` client against a running node: two sockets join chat:<room>, one pushes new_msg,
// both see it; the join reply carries history; an unknown namespace is refused. Exits 0 on success, 1 with a message.
// Usage: node phoenix-client.mjs http://127.0.0.1:PORT
import { Socket } from "phoenix";
import WebSocket from "ws";

const base = process.argv[2];
const room = `node${Date.now()}`;
const fail = (message) => { console.error(`FAIL: ${message}`); process.exit(1); };
setTimeout(() => fail("timed out after 20 s"), 20_000).unref();

const connect = () => {
  // The client drops a socket whose heartbeat reply is later than the next heartbeat: 2 s leaves room for a loaded
  // 2-core machine (first heartbeats meet a cold JIT) while the wait below still covers two heartbeats.
  const socket = new Socket(`${base.replace(/^http/, "ws")}/socket`, { transport: WebSocket, heartbeatIntervalMs: 2000 });
  socket.connect();
  return socket;
};
const join = (channel) => new Promise((resolve, reject) =>
  channel.join().receive("ok", resolve).receive("error", reject).receive("timeout", () => reject(new Error("join timeout"))));

const a = connect(), b = connect();
const ca = a.channel(`chat:${room}`, {}), cb = b.channel(`chat:${room}`, {});
const first = await join(ca);
if (!Array.isArray(first.messages) || first.messages.length !== 0) fail(`fresh room history: ${JSON.stringify(first)}`);
await join(cb);

const seenByB = new Promise((resolve) => cb.on("new_msg", resolve));
const seenByA = new Promise((resolve) => ca.on("new_msg", resolve));
const reply = await new Promise((resolve, reject) => ca.push("new_msg", { body: "hello from node" }).receive("ok", resolve).receive("error", reject));
if (JSON.stringify(reply) !== "{}") fail(`new_msg reply: ${JSON.stringify(reply)}`);
for (const [who, seen] of [["b", seenByB], ["a", seenByA]]) {
  const msg = await seen;
  if (msg.body !== "hello from node" || typeof msg.at !== "number") fail(`${who} saw ${JSON.stringify(msg)}`);
}

const c = connect();
const history = await join(c.channel(`chat:${room}`, {}));
if (history.messages.length !== 1 || history.messages[0].body !== "hello from node") fail(`history: ${JSON.stringify(history)}`);

const refused = await join(c.channel("nosuch:room", {})).then(() => fail("unknown namespace joined"), (e) => e);
if (refused.reason !== "unknown topic") fail(`unknown namespace refusal: ${JSON.stringify(refused)}`);

// Heartbeats keep the socket open; leave ends the membership.
await new Promise((r) => setTimeout(r, 4500));
if (!a.isConnected()) fail("socket a disconnected despite heartbeats");
await new Promise((resolve, reject) => ca.leave().receive("ok", resolve).receive("error", reject));

console.log("OK phoenix client: join, push, broadcast, history, unknown topic, heartbeat, leave");
for (const s of [a, b, c]) s.disconnect();
process.exit(0);
