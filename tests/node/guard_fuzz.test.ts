// plugins/guard never traps: random and mutated frames of every API it reads (admin requests,
// Metadata, Produce, group requests, SASL), in both directions, under a configuration that turns
// every rule on. A frame the plugin cannot read may close the connection (a policy never lets an
// unread request through); the VM must stay alive and go on serving new connections.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PluginHost, KafkaCodec, recordBatch } from "../../tools/testing/index.js";
import type { Body } from "../../tools/testing/index.js";
import { rootPath } from "../../tools/lib/paths.js";
import { prng } from "../tools/prng.js";

/** GUARD_WASM: another build of the plugin (a mutant, when checking that these tests catch one). */
const WASM = process.env.GUARD_WASM ?? rootPath("build", "guard.wasm");
const CONFIG = {
  topics: { name_pattern: "[a-z]+\\.events", min_partitions: 2, max_partitions: 10, min_replication_factor: 1, default_partitions: 3, default_replication_factor: 1, protected: ["keep\\..*"] },
  configs: { required: ["retention.ms"], ranges: { "retention.ms": { min: 1000, max: 604800000 } }, sets: { "cleanup.policy": ["delete", "compact"] }, immutable: ["min.insync.replicas"] },
  produce: { acks: "all", compression: ["none", "gzip"], idempotence_required: true, max_batch_bytes: 100000, max_record_bytes: 5000 },
  clients: { client_id_pattern: "[a-z-]+", group_id_pattern: "g-[a-z]+" },
  audit: { collector_cluster: "audit" },
};
const RUNS = 4000;

/** A valid request of each API guard reads, as seeds for mutation. */
function seeds(c: KafkaCodec): Buffer[] {
  const idem = { producerId: 1, producerEpoch: 0, baseSequence: 0 };
  const reqs: [number, number, Body][] = [
    [19, 7, { topics: [{ name: "a.events", numPartitions: 3, replicationFactor: 1, assignments: [], configs: [{ name: "retention.ms", value: "5000" }] }, { name: "Bad", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1, validateOnly: false }],
    [19, 2, { topics: [{ name: "a.events", numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1, validateOnly: false }],
    [37, 3, { topics: [{ name: "a.events", count: 20, assignments: null }, { name: "b.events", count: 4, assignments: null }], timeoutMs: 1, validateOnly: false }],
    [33, 2, { resources: [{ resourceType: 2, resourceName: "a.events", configs: [{ name: "retention.ms", value: "1" }] }], validateOnly: false }],
    [44, 1, { resources: [{ resourceType: 2, resourceName: "a.events", configs: [{ name: "min.insync.replicas", configOperation: 0, value: "2" }] }, { resourceType: 2, resourceName: "b.events", configs: [{ name: "retention.ms", configOperation: 0, value: "5000" }] }], validateOnly: false }],
    [20, 6, { topics: [{ name: "keep.x", topicId: Buffer.alloc(16) }, { name: null, topicId: Buffer.alloc(16, 1) }], timeoutMs: 1 }],
    [20, 4, { topicNames: ["keep.x", "old"], timeoutMs: 1 }],
    [3, 12, { topics: [{ name: "Bad", topicId: Buffer.alloc(16) }, { name: "a.events", topicId: Buffer.alloc(16) }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false }],
    [3, 1, { topics: [{ name: "Bad" }] }],
    [0, 9, { transactionalId: null, acks: -1, timeoutMs: 1, topicData: [{ name: "a.events", partitionData: [{ index: 0, records: recordBatch([{ value: "x" }], idem) }, { index: 1, records: recordBatch([{ value: "y" }]) }] }] }],
    [0, 9, { transactionalId: null, acks: 1, timeoutMs: 1, topicData: [{ name: "a.events", partitionData: [{ index: 0, records: recordBatch([{ value: "x" }], idem) }] }] }],
    [10, 4, { keyType: 0, coordinatorKeys: ["g-a", "bad"] }],
    [10, 2, { key: "bad", keyType: 0 }],
    [11, 7, { groupId: "bad", sessionTimeoutMs: 1, rebalanceTimeoutMs: 1, memberId: "", groupInstanceId: null, protocolType: "consumer", protocols: [], reason: null }],
    [9, 8, { groups: [{ groupId: "g-a", memberId: null, memberEpoch: -1, topics: null }], requireStable: false }],
    [30, 3, { creations: [{ resourceType: 2, resourceName: "a", resourcePatternType: 3, principal: "User:x", host: "*", operation: 2, permissionType: 3 }] }],
    [51, 0, { deletions: [], upsertions: [{ name: "alice", mechanism: 1, iterations: 4096, salt: Buffer.from("salt"), saltedPassword: Buffer.from("secret") }] }],
    [17, 1, { mechanism: "PLAIN" }],
    [36, 2, { authBytes: Buffer.from("\u0000alice\u0000pw") }],
  ];
  return reqs.map(([k, v, b], i) => c.request(k, v, b, { correlationId: i + 1, clientId: "fuzz-client", lenient: true }));
}

/** Valid responses of the APIs guard merges or reads, to mutate as the broker's answers (by API key). */
function responseSeeds(c: KafkaCodec): Map<number, (version: number, corr: number) => Buffer> {
  const z = Buffer.alloc(16);
  const bodies: [number, Body][] = [
    [19, { throttleTimeMs: 1, topics: [{ name: "a.events", topicId: z, errorCode: 0, errorMessage: null, numPartitions: 3, replicationFactor: 1, configs: [] }] }],
    [37, { throttleTimeMs: 1, results: [{ name: "b.events", errorCode: 0, errorMessage: null }] }],
    [33, { throttleTimeMs: 1, responses: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: "a.events" }] }],
    [44, { throttleTimeMs: 1, responses: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: "b.events" }] }],
    [20, { throttleTimeMs: 1, responses: [{ name: "old", topicId: z, errorCode: 0, errorMessage: null }] }],
    [3, { throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: 1, topics: [{ errorCode: 3, name: "Bad", topicId: z, isInternal: false, partitions: [] }] }],
    [0, { responses: [{ name: "a.events", topicId: z, partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 5, logAppendTimeMs: -1, logStartOffset: 0, recordErrors: [], errorMessage: null }] }], throttleTimeMs: 0 }],
    [10, { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: "h", port: 1, coordinators: [{ key: "g-a", nodeId: 1, host: "h", port: 1, errorCode: 0, errorMessage: null }] }],
    [30, { throttleTimeMs: 0, results: [{ errorCode: 0, errorMessage: null }] }],
    [51, { throttleTimeMs: 0, results: [{ user: "alice", errorCode: 0, errorMessage: null }] }],
    [36, { errorCode: 0, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 }],
  ];
  return new Map(bodies.map(([k, b]) => [k, (v: number, corr: number) => c.response(k, v, corr, b, { lenient: true })]));
}

function mutate(rnd: () => number, f: Buffer): Buffer {
  const b = Buffer.from(f);
  const kind = rnd();
  if (kind < 0.3) {
    for (let m = 0; m < 1 + Math.floor(rnd() * 4); m++) { const at = 4 + Math.floor(rnd() * (b.length - 4)); b[at] ^= 1 << Math.floor(rnd() * 8); }
  } else if (kind < 0.6) {
    const at = 12 + Math.floor(rnd() * Math.max(1, b.length - 12));
    if (at < b.length) b[at] = rnd() < 0.5 ? 0x7f : 0xff;
    if (at + 1 < b.length) b[at + 1] = 0xff;
  } else if (kind < 0.8) {
    // The body cut short, the size prefix kept consistent.
    const keep = 12 + Math.floor(rnd() * Math.max(1, b.length - 12));
    const cut = b.subarray(0, Math.min(keep, b.length));
    cut.writeInt32BE(cut.length - 4, 0);
    return Buffer.from(cut);
  } else {
    // Random bytes after a valid header of a random guarded API.
    const body = Buffer.alloc(Math.floor(rnd() * 200));
    for (let i = 0; i < body.length; i++) body[i] = Math.floor(rnd() * 256);
    return Buffer.concat([b.subarray(0, 12), body]).fill(0, 0, 0);
  }
  return b;
}

test(`fuzz: ${RUNS} mutated requests and responses never trap guard`, async () => {
  const c = await KafkaCodec.load();
  const host = await PluginHost.load(WASM, { configuration: JSON.stringify(CONFIG) });
  assert.equal(host.configured, true, host.logs.map((l) => l.message).join("\n"));
  const base = seeds(c);
  const responses = responseSeeds(c);
  const rnd = prng(0x67756172);
  let closed = 0, conn = host.connect();
  for (let i = 0; i < RUNS; i++) {
    if (conn.closed) { closed++; conn = host.connect(); }
    let f = mutate(rnd, base[Math.floor(rnd() * base.length)]);
    f.writeInt32BE(f.length - 4, 0);
    conn.fromClient(f);
    if (conn.closed) continue;
    // An answer to whatever is in flight, with the request's correlation id: a valid response of
    // its API, as it is or mutated, or random bytes.
    const corr = f.length >= 12 ? f.readInt32BE(8) : 0;
    const valid = f.length >= 12 ? responses.get(f.readInt16BE(4)) : undefined;
    let resp: Buffer;
    const choice = rnd();
    if (valid && choice < 0.7) {
      try { resp = valid(f.readInt16BE(6), corr); } catch { resp = Buffer.alloc(8); }
      if (choice < 0.45 && resp.length > 8) resp = mutate(rnd, resp);
    } else {
      resp = Buffer.alloc(8 + Math.floor(rnd() * 120));
      for (let j = 8; j < resp.length; j++) resp[j] = Math.floor(rnd() * 256);
    }
    resp.writeInt32BE(resp.length - 4, 0);
    resp.writeInt32BE(corr, 4);
    conn.fromBroker(resp);
    if (i % 500 === 0) host.tick();
    assert.equal(host.trapped, null, `trapped at run ${i}`);
  }
  assert.equal(host.trapped, null);
  // Still serving: a valid request on a new connection goes through.
  const fresh = host.connect();
  const ok = c.request(19, 7, { topics: [{ name: "z.events", numPartitions: 3, replicationFactor: 1, assignments: [], configs: [{ name: "retention.ms", value: "5000" }] }], timeoutMs: 1, validateOnly: false }, { correlationId: 1, clientId: "fuzz-client" });
  assert.ok(fresh.fromClient(ok).equals(ok));
  console.log(`# guard fuzz: ${RUNS} frames, ${closed} connections closed by the plugin, 0 traps`);
});
