// plugins/guard in the emulator. Property tests: for every version the codec knows of
// CreateTopics, CreatePartitions, AlterConfigs, IncrementalAlterConfigs and DeleteTopics, random
// requests whose resources pass or break random rules: the broker sees exactly the resources that
// pass, in order (the request byte-identical when all pass, nothing when none does), and the
// client gets one response with every resource in request order, the broker's results for the
// ones it saw and the rule's code and message for the others. Also Metadata auto-creation, the
// produce and client rules, the audit log and the configuration's checks. Frames are built and
// read by the codec (the dissector), not by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { PluginHost, KafkaCodec, splitFrames, FakeBroker, recordBatch } from "../../tools/testing/index.js";
import type { Body } from "../../tools/testing/index.js";
import { rootPath } from "../../tools/lib/paths.js";
import { prng } from "../tools/prng.js";

/** GUARD_WASM: another build of the plugin (a mutant, when checking that these tests catch one). */
const WASM = process.env.GUARD_WASM ?? rootPath("build", "guard.wasm");
const POLICY_VIOLATION = 44, INVALID_CONFIG = 40, INVALID_PARTITIONS = 37, INVALID_REPLICATION_FACTOR = 38;
const TOPIC_ALREADY_EXISTS = 36, INVALID_TOPIC_EXCEPTION = 17, UNKNOWN_TOPIC_OR_PARTITION = 3;
const INVALID_REQUIRED_ACKS = 21, UNSUPPORTED_COMPRESSION_TYPE = 76, MESSAGE_TOO_LARGE = 10, INVALID_RECORD = 87, INVALID_GROUP_ID = 24;
const API_VERSIONS = 18;

const CONFIG = {
  topics: { name_pattern: "[a-z]+\\.events", min_partitions: 2, max_partitions: 10, min_replication_factor: 2, protected: ["keep\\..*"] },
  configs: { ranges: { "retention.ms": { min: 1000, max: 604800000 } }, sets: { "cleanup.policy": ["delete", "compact"] }, immutable: ["min.insync.replicas"] },
};

/** The versions the compiled codec knows for an API, from its generated table. */
function codecVersions(apiKey: number): number[] {
  const table = fs.readFileSync(rootPath("assembly", "kafka", "generated", "api_table.ts"), "utf8");
  const row = (name: string): number[] => JSON.parse(new RegExp(`const ${name}: StaticArray<i16> = (\\[[^\\]]*\\]);`).exec(table)![1]);
  const min = row("MIN_VERSION")[apiKey], max = row("MAX_VERSION")[apiKey];
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

let codecP: Promise<KafkaCodec> | null = null;
const codec = (): Promise<KafkaCodec> => (codecP ??= KafkaCodec.load());

async function guard(config: object = CONFIG): Promise<PluginHost> {
  const host = await PluginHost.load(WASM, { configuration: JSON.stringify(config) });
  assert.equal(host.configured, true, host.logs.map((l) => l.message).join("\n"));
  return host;
}

/** The audit entries the plugin wrote to the Envoy log. */
function auditLines(host: PluginHost): any[] {
  return host.logs.filter((l) => l.message.startsWith("audit ")).map((l) => JSON.parse(l.message.slice(6)));
}

/** One resource of a request: its entry, its key in results, and the code the rules give it (0: passes). */
interface Item { entry: Body; key: string; code: number }

interface Spec {
  api: string;
  apiKey: number;
  /** A random resource, unique by `i`. */
  item(rnd: () => number, i: number, version: number): Item;
  request(items: Body[], version: number): Body;
  /** The resources of a forwarded request, and each one's key. */
  forwarded(body: Body, version: number): string[];
  /** The broker's answer to the forwarded keys, with the code it gives each. */
  broker(keys: string[], codes: number[], version: number): Body;
  /** The response's results as [key, code, message]. */
  results(body: Body, version: number): [string, number, string | null | undefined][];
}

/** A unique lower-case name part for `i` (name_pattern allows letters only). */
const letters = (i: number): string => String.fromCharCode(97 + (i % 26)) + String.fromCharCode(97 + Math.floor(i / 26) % 26);

const pick = <T>(rnd: () => number, xs: T[]): T => xs[Math.floor(rnd() * xs.length)];

const createTopics: Spec = {
  api: "CreateTopics", apiKey: 19,
  item(rnd, i) {
    const name = `t${letters(i)}.events`;
    const kinds: [Body, number][] = [
      [{ name, numPartitions: 3, replicationFactor: 2, configs: [{ name: "retention.ms", value: "60000" }] }, 0],
      [{ name, numPartitions: 4, replicationFactor: 3, configs: [{ name: "cleanup.policy", value: "compact,delete" }] }, 0],
      [{ name: `T${i}_Bad`, numPartitions: 3, replicationFactor: 2, configs: [] }, POLICY_VIOLATION],
      [{ name, numPartitions: 1, replicationFactor: 2, configs: [] }, INVALID_PARTITIONS],
      [{ name, numPartitions: 11, replicationFactor: 2, configs: [] }, INVALID_PARTITIONS],
      [{ name, numPartitions: 3, replicationFactor: 1, configs: [] }, INVALID_REPLICATION_FACTOR],
      [{ name, numPartitions: 3, replicationFactor: 2, configs: [{ name: "retention.ms", value: "700000000" }] }, INVALID_CONFIG],
      [{ name, numPartitions: 3, replicationFactor: 2, configs: [{ name: "cleanup.policy", value: "archive" }] }, INVALID_CONFIG],
    ];
    const [entry, code] = pick(rnd, kinds);
    return { entry: { ...entry, assignments: [] }, key: entry.name as string, code };
  },
  request: (items) => ({ topics: items, timeoutMs: 1000, validateOnly: false }),
  forwarded: (b) => (b.topics as Body[]).map((t) => t.name as string),
  broker: (keys, codes) => ({ throttleTimeMs: 7, topics: keys.map((k, i) => ({ name: k, errorCode: codes[i], errorMessage: codes[i] ? "exists" : null, numPartitions: 3, replicationFactor: 2, configs: [] })) }),
  results: (b) => (b.topics as Body[]).map((t) => [t.name as string, t.errorCode as number, t.errorMessage as string | null | undefined]),
};

const createPartitions: Spec = {
  api: "CreatePartitions", apiKey: 37,
  item(rnd, i) {
    const count = pick(rnd, [4, 10, 11, 64]);
    return { entry: { name: `p${i}`, count, assignments: null }, key: `p${i}`, code: count > 10 ? INVALID_PARTITIONS : 0 };
  },
  request: (items) => ({ topics: items, timeoutMs: 1000, validateOnly: false }),
  forwarded: (b) => (b.topics as Body[]).map((t) => t.name as string),
  broker: (keys, codes) => ({ throttleTimeMs: 3, results: keys.map((k, i) => ({ name: k, errorCode: codes[i], errorMessage: null })) }),
  results: (b) => (b.results as Body[]).map((t) => [t.name as string, t.errorCode as number, t.errorMessage as string | null | undefined]),
};

function configItem(rnd: () => number, i: number, incremental: boolean): Item {
  // Broker resources (type 4) are not topics: no rule applies to them.
  const type = rnd() < 0.2 ? 4 : 2;
  const name = type === 2 ? `c${i}` : String(i);
  const set = (n: string, v: string) => incremental ? { name: n, configOperation: 0, value: v } : { name: n, value: v };
  const kinds: [Body[], number][] = [
    [[set("retention.ms", "86400000")], 0],
    [[set("cleanup.policy", "delete")], 0],
    [[set("retention.ms", "999999999999")], INVALID_CONFIG],
    [[set("retention.ms", "12abc")], INVALID_CONFIG],
    [[set("cleanup.policy", "delete,archive")], INVALID_CONFIG],
    [[set("retention.ms", "5000"), set("min.insync.replicas", "2")], POLICY_VIOLATION],
  ];
  if (incremental) kinds.push([[{ name: "min.insync.replicas", configOperation: 1, value: null }], POLICY_VIOLATION], [[{ name: "segment.ms", configOperation: 1, value: null }], 0]);
  const [configs, code] = pick(rnd, kinds);
  return { entry: { resourceType: type, resourceName: name, configs }, key: `${type}/${name}`, code: type === 2 ? code : 0 };
}

function configSpec(api: string, apiKey: number, incremental: boolean): Spec {
  return {
    api, apiKey,
    item: (rnd, i) => configItem(rnd, i, incremental),
    request: (items) => ({ resources: items, validateOnly: false }),
    forwarded: (b) => (b.resources as Body[]).map((r) => `${r.resourceType}/${r.resourceName}`),
    broker: (keys, codes) => ({ throttleTimeMs: 5, responses: keys.map((k, i) => ({ errorCode: codes[i], errorMessage: codes[i] ? "broker says no" : null, resourceType: Number(k.split("/")[0]), resourceName: k.slice(k.indexOf("/") + 1) })) }),
    results: (b) => (b.responses as Body[]).map((r) => [`${r.resourceType}/${r.resourceName}`, r.errorCode as number, r.errorMessage as string | null | undefined]),
  };
}

const deleteTopics: Spec = {
  api: "DeleteTopics", apiKey: 20,
  item(rnd, i) {
    const name = rnd() < 0.4 ? `keep.t${i}` : `old.t${i}`;
    return { entry: { name }, key: name, code: name.startsWith("keep.") ? POLICY_VIOLATION : 0 };
  },
  request: (items, v) => v >= 6 ? { topics: items.map((t) => ({ name: t.name, topicId: Buffer.alloc(16) })), timeoutMs: 1000 } : { topicNames: items.map((t) => t.name), timeoutMs: 1000 },
  forwarded: (b, v) => v >= 6 ? (b.topics as Body[]).map((t) => t.name as string) : (b.topicNames as string[]),
  broker: (keys, codes) => ({ throttleTimeMs: 1, responses: keys.map((k, i) => ({ name: k, topicId: Buffer.alloc(16), errorCode: codes[i], errorMessage: null })) }),
  results: (b) => (b.responses as Body[]).map((r) => [r.name as string, r.errorCode as number, r.errorMessage as string | null | undefined]),
};

const SPECS = [createTopics, createPartitions, configSpec("AlterConfigs", 33, false), configSpec("IncrementalAlterConfigs", 44, true), deleteTopics];

for (const spec of SPECS) {
  for (const version of codecVersions(spec.apiKey)) {
    test(`${spec.api} v${version}: random splits reach the broker in order and merge into one response in request order`, async () => {
      const c = await codec();
      const host = await guard();
      const conn = host.connect();
      const rnd = prng(spec.apiKey * 1000 + version);
      let corr = 100;
      const seen = { split: 0, allPass: 0, nonePass: 0 };
      for (let round = 0; round < 25; round++) {
        const n = 1 + Math.floor(rnd() * 6);
        const items = Array.from({ length: n }, (_, i) => spec.item(rnd, round * 10 + i, version));
        const sentFrame = c.request(spec.apiKey, version, spec.request(items.map((x) => x.entry), version), { correlationId: ++corr, lenient: true });
        const out = splitFrames(conn.fromClient(sentFrame));
        assert.equal(out.length, 1);
        const passing = items.filter((x) => x.code === 0);
        const brokerCodes = passing.map(() => (rnd() < 0.25 ? TOPIC_ALREADY_EXISTS : 0));
        let responseFrame: Buffer;
        if (passing.length === 0) {
          seen.nonePass++;
          // Nothing for the broker: a harmless ApiVersions v0 stands in, answered by the proxy.
          assert.equal(out[0].readInt16BE(4), API_VERSIONS, "no request of the API reaches the broker");
          assert.equal(out[0].readInt32BE(8), corr);
          responseFrame = c.response(API_VERSIONS, 0, corr, { errorCode: 0, apiKeys: [] });
        } else {
          const fwd = c.decodeRequest(out[0]);
          assert.equal(fwd.apiKey, spec.apiKey);
          assert.equal(fwd.correlationId, corr);
          assert.deepEqual(spec.forwarded(fwd.body, version), passing.map((x) => x.key), "the broker sees exactly the resources that pass, in order");
          if (passing.length === items.length) { seen.allPass++; assert.ok(out[0].equals(sentFrame), "a request that passes is forwarded byte-identical"); }
          else seen.split++;
          responseFrame = c.response(spec.apiKey, version, corr, spec.broker(passing.map((x) => x.key), brokerCodes, version), { lenient: true });
        }
        const back = splitFrames(conn.fromBroker(responseFrame));
        assert.equal(back.length, 1);
        const resp = c.decodeResponse(back[0], spec.apiKey, version);
        assert.equal(resp.correlationId, corr);
        const results = spec.results(resp.body, version);
        assert.deepEqual(results.map((r) => r[0]), items.map((x) => x.key), "one result per resource, in request order");
        let b = 0;
        for (let i = 0; i < items.length; i++) {
          const expected = items[i].code === 0 ? brokerCodes[b++] : items[i].code;
          assert.equal(results[i][1], expected, `${items[i].key}: ${JSON.stringify(items[i].entry)}`);
          if (items[i].code !== 0 && results[i][2] !== undefined) assert.match(results[i][2] ?? "", /breaks rule (topics|configs)\./, "the message names the rule");
        }
        if (passing.length === items.length && passing.length > 0) assert.ok(back[0].equals(responseFrame), "a response to an unsplit request is forwarded as the broker sent it");
      }
      assert.ok(seen.split > 0 && seen.nonePass + seen.allPass > 0, `the random rounds cover splits and whole answers: ${JSON.stringify(seen)}`);
      assert.equal(conn.closed, false);
      assert.equal(host.trapped, null);
    });
  }
}

test("CreateTopics: the audit log has one entry per topic with the outcome the client got, and the refusal counted per rule", async () => {
  const c = await codec();
  const host = await guard();
  const conn = host.connect();
  const req = c.request(19, 7, { topics: [
    { name: "a.events", numPartitions: 3, replicationFactor: 2, assignments: [], configs: [] },
    { name: "Bad_Name", numPartitions: 3, replicationFactor: 2, assignments: [], configs: [] },
    { name: "b.events", numPartitions: 3, replicationFactor: 2, assignments: [], configs: [] },
  ], timeoutMs: 1000, validateOnly: false }, { correlationId: 5, clientId: "admin-tool" });
  conn.fromClient(req);
  conn.fromBroker(c.response(19, 7, 5, { topics: [
    { name: "a.events", errorCode: 0, errorMessage: null, numPartitions: 3, replicationFactor: 2, configs: [] },
    { name: "b.events", errorCode: TOPIC_ALREADY_EXISTS, errorMessage: "exists", numPartitions: 3, replicationFactor: 2, configs: [] },
  ] }));
  const entries = auditLines(host).filter((e) => e.api === "CreateTopics");
  assert.deepEqual(entries.map((e) => [e.resources[0], e.outcome, e.error_code]), [["a.events", "succeeded", 0], ["Bad_Name", "refused", POLICY_VIOLATION], ["b.events", "failed", TOPIC_ALREADY_EXISTS]]);
  assert.equal(entries[1].rule, "topics.name_pattern");
  assert.equal(entries[0].client_id, "admin-tool");
  assert.equal(entries[0].api_version, 7);
  assert.equal(host.metric("guard.refused.rule_topics_name_pattern"), 1n);
});

test("DeleteTopics v6 by topic id: a protected topic the proxy learnt from Metadata is refused, an unknown id too, with the id", async () => {
  const c = await codec();
  const host = await guard();
  const conn = host.connect();
  const keepId = Buffer.alloc(16, 7), otherId = Buffer.alloc(16, 9), unknownId = Buffer.alloc(16, 3);
  // The proxy learns names from Metadata responses.
  conn.fromClient(c.request(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, { correlationId: 1 }));
  conn.fromBroker(c.response(3, 12, 1, { brokers: [], clusterId: null, controllerId: 1, topics: [
    { errorCode: 0, name: "keep.me", topicId: keepId, isInternal: false, partitions: [] },
    { errorCode: 0, name: "old.one", topicId: otherId, isInternal: false, partitions: [] },
  ] }, { lenient: true }));
  const req = c.request(20, 6, { topics: [{ name: null, topicId: keepId }, { name: null, topicId: otherId }, { name: null, topicId: unknownId }], timeoutMs: 1000 }, { correlationId: 2 });
  const fwd = c.decodeRequest(splitFrames(conn.fromClient(req))[0]);
  assert.deepEqual((fwd.body.topics as Body[]).map((t) => (t.topicId as Buffer).toString("hex")), [otherId.toString("hex")]);
  const resp = c.decodeResponse(splitFrames(conn.fromBroker(c.response(20, 6, 2, { responses: [{ name: "old.one", topicId: otherId, errorCode: 0, errorMessage: null }] })))[0], 20, 6);
  const rs = resp.body.responses as Body[];
  assert.deepEqual(rs.map((r) => [r.name, (r.topicId as Buffer).toString("hex"), r.errorCode]), [
    ["keep.me", keepId.toString("hex"), POLICY_VIOLATION], ["old.one", otherId.toString("hex"), 0], [null, unknownId.toString("hex"), POLICY_VIOLATION]]);
  assert.match(rs[0].errorMessage as string, /breaks rule topics\.protected: it matches keep\\\.\.\* and may not be deleted/);
  assert.match(rs[2].errorMessage as string, /does not know this id's name/);
});

test("CreateTopics: required configs, and a name given twice is answered once and refused whole if one entry breaks a rule", async () => {
  const c = await codec();
  const host = await guard({ ...CONFIG, configs: { ...CONFIG.configs, required: ["retention.ms"] } });
  const conn = host.connect();
  const t = (name: string, partitions: number, configs: Body[]) => ({ name, numPartitions: partitions, replicationFactor: 2, assignments: [], configs });
  const req = c.request(19, 5, { topics: [t("a.events", 3, []), t("b.events", 3, [{ name: "retention.ms", value: "5000" }]), t("b.events", 1, [{ name: "retention.ms", value: "5000" }])], timeoutMs: 1, validateOnly: false }, { correlationId: 3 });
  conn.fromClient(req);
  const resp = c.decodeResponse(splitFrames(conn.fromBroker(c.response(API_VERSIONS, 0, 3, { errorCode: 0, apiKeys: [] })))[0], 19, 5);
  const topics = resp.body.topics as Body[];
  assert.deepEqual(topics.map((x) => [x.name, x.errorCode]), [["a.events", POLICY_VIOLATION], ["b.events", INVALID_PARTITIONS]]);
  assert.match(topics[0].errorMessage as string, /breaks rule configs\.required: config retention\.ms must be set/);
});

for (const version of codecVersions(3)) {
  test(`Metadata v${version}: auto-creation cannot create a name the rules refuse; existing topics are still described`, async () => {
    const c = await codec();
    const host = await guard({ topics: { name_pattern: "[a-z]+\\.events" } });
    const conn = host.connect();
    const body = { topics: [{ name: "good.events", topicId: Buffer.alloc(16) }, { name: "Bad_Name", topicId: Buffer.alloc(16) }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
    const sent = c.request(3, version, body, { correlationId: 9, lenient: true });
    const out = splitFrames(conn.fromClient(sent));
    const fwd = c.decodeRequest(out[0]);
    const names = (fwd.body.topics as Body[]).map((t) => t.name);
    if (version >= 4) {
      assert.equal(fwd.body.allowAutoTopicCreation, false, "auto-creation turned off");
      assert.deepEqual(names, ["good.events", "Bad_Name"], "every topic stays in the request");
    } else {
      assert.deepEqual(names, ["good.events"], "before v4 the refused name leaves the request");
    }
    const brokerTopics = names.map((n) => ({ errorCode: UNKNOWN_TOPIC_OR_PARTITION, name: n, topicId: Buffer.alloc(16), isInternal: false, partitions: [] }));
    const resp = c.decodeResponse(splitFrames(conn.fromBroker(c.response(3, version, 9, { brokers: [], clusterId: null, controllerId: 1, topics: brokerTopics }, { lenient: true })))[0], 3, version);
    const got = new Map((resp.body.topics as Body[]).map((t) => [t.name as string, t.errorCode as number]));
    assert.equal(got.get("Bad_Name"), INVALID_TOPIC_EXCEPTION);
    assert.equal(got.get("good.events"), UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(auditLines(host).filter((e) => e.kind === "policy" && e.resources.includes("topic:Bad_Name")).length, 1);
  });
}

test("Produce: acks=1 under an acks=all rule is answered INVALID_REQUIRED_ACKS for every partition; acks=all passes byte-identical", async () => {
  const c = await codec();
  const broker = await FakeBroker.start(WASM, { configuration: JSON.stringify({ produce: { acks: "all" } }) });
  broker.createTopic("orders", 2);
  const refused = broker.produce("orders", [{ value: "x" }], { acks: 1, clientId: "p1" });
  assert.equal(refused.errorCode, INVALID_REQUIRED_ACKS);
  assert.match(refused.errorMessage ?? "", /acks=1 breaks rule produce\.acks: acks=all is required/);
  assert.equal(broker.stored("orders").length, 0, "nothing stored");
  const ok = broker.produce("orders", [{ value: "y" }], { acks: -1 });
  assert.equal(ok.errorCode, 0);
  assert.equal(broker.stored("orders").length, 1);
  const e = auditLines(broker.host).filter((x) => x.kind === "policy");
  assert.equal(e.length, 1);
  assert.equal(e[0].rule, "produce.acks");
  assert.equal(e[0].client_id, "p1");
  // acks=0 has no answer to carry the error: the connection is closed.
  const frame = c.request(0, 9, { transactionalId: null, acks: 0, timeoutMs: 1000, topicData: [{ name: "orders", partitionData: [{ index: 0, records: recordBatch([{ value: "z" }]) }] }] }, { correlationId: 50 });
  broker.conn.fromClient(frame);
  assert.equal(broker.conn.closed, true);
});

test("Produce under an acks rule alone, arriving in pieces: acks=all streams through as it arrives, acks=1 is held and refused", async () => {
  const c = await codec();
  const host = await PluginHost.load(WASM, { configuration: JSON.stringify({ produce: { acks: "all" } }), pluginName: "guard" });
  const big = (acks: number, corr: number): Buffer => c.request(0, 9, { transactionalId: null, acks, timeoutMs: 1000,
    topicData: [{ name: "orders", partitionData: [{ index: 0, records: recordBatch(Array.from({ length: 40 }, (_, i) => ({ value: "v".repeat(1000) + i }))) }] }] }, { correlationId: corr });
  const inPieces = (conn: ReturnType<PluginHost["connect"]>, frame: Buffer): Buffer => {
    const out: Buffer[] = [];
    for (let at = 0; at < frame.length; at += 1000) out.push(conn.fromClient(frame.subarray(at, at + 1000)));
    return Buffer.concat(out);
  };
  const streamedBefore = host.metric("kafka_stream.guard.streamed_frames") ?? 0n;
  const ok = big(-1, 1);
  const conn = host.connect();
  const first = conn.fromClient(ok.subarray(0, 1000));
  assert.ok(first.length > 0, "acks=all: bytes go on before the request is whole");
  assert.ok(Buffer.concat([first, inPieces(conn, ok.subarray(1000))]).equals(ok), "acks=all: forwarded byte-identical");
  assert.equal((host.metric("kafka_stream.guard.streamed_frames") ?? 0n) - streamedBefore, 1n, "streamed, not held");
  const refused = inPieces(host.connect(), big(1, 2));
  // What the broker gets instead is the stream layer's small stand-in request, which keeps responses in order.
  assert.ok(refused.length < 64 && !refused.includes(Buffer.from("vvvv")), `acks=1: the request does not reach the broker (${refused.length} bytes went on)`);
  const e = auditLines(host).filter((x) => x.kind === "policy");
  assert.equal(e.length, 1);
  assert.equal(e[0].rule, "produce.acks");
});

test("Produce: per-partition rules refuse only the partitions that break them, with Kafka's codes, merged into the broker's response", async () => {
  const c = await codec();
  const broker = await FakeBroker.start(WASM, { configuration: JSON.stringify({ produce: { compression: ["none", "zstd"], idempotence_required: true, max_batch_bytes: 400, max_record_bytes: 150 } }) });
  broker.createTopic("t", 5);
  const idem = { producerId: 7, producerEpoch: 0, baseSequence: 0 };
  const parts = [
    { index: 0, records: recordBatch([{ value: "ok" }], idem) },
    { index: 1, records: recordBatch([{ value: "gz" }], { ...idem, compression: "gzip" }) },
    { index: 2, records: recordBatch([{ value: "no pid" }]) },
    { index: 3, records: recordBatch(Array.from({ length: 6 }, () => ({ value: "v".repeat(90) })), idem) },
    { index: 4, records: recordBatch([{ value: "r".repeat(200) }], idem) },
  ];
  const resp = broker.request("Produce", 9, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: "t", partitionData: parts }] }, { clientId: "p" })!;
  const got = ((resp.body.responses as Body[])[0].partitionResponses as Body[]).map((p) => [p.index, p.errorCode]).sort((a, b) => (a[0] as number) - (b[0] as number));
  assert.deepEqual(got, [[0, 0], [1, UNSUPPORTED_COMPRESSION_TYPE], [2, INVALID_RECORD], [3, MESSAGE_TOO_LARGE], [4, MESSAGE_TOO_LARGE]]);
  assert.equal(broker.stored("t", 0).length, 1);
  for (const p of [1, 2, 3, 4]) assert.equal(broker.stored("t", p).length, 0, `partition ${p} stores nothing`);
  const rules = auditLines(broker.host).filter((x) => x.kind === "policy").map((x) => x.rule).sort();
  assert.deepEqual(rules, ["produce.compression", "produce.idempotence_required", "produce.max_batch_bytes", "produce.max_record_bytes"]);
  void c;
});

test("Clients: a client.id that breaks the pattern closes the connection; a refused group gets INVALID_GROUP_ID from FindCoordinator and JoinGroup", async () => {
  const c = await codec();
  const host = await guard({ clients: { client_id_pattern: "app-[a-z]+", group_id_pattern: "app-[a-z]+-group" } });
  const bad = host.connect();
  bad.fromClient(c.request(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, { clientId: "rogue" }));
  assert.equal(bad.closed, true);
  const conn = host.connect();
  for (const v of codecVersions(10)) {
    const body = v >= 4 ? { keyType: 0, coordinatorKeys: ["app-x-group", "other"] } : { key: "other", keyType: 0 };
    const out = splitFrames(conn.fromClient(c.request(10, v, body, { correlationId: 70 + v, clientId: "app-x", lenient: true })));
    let resp;
    if (v >= 4) {
      const fwd = c.decodeRequest(out[0]);
      assert.deepEqual(fwd.body.coordinatorKeys, ["app-x-group"]);
      resp = c.decodeResponse(splitFrames(conn.fromBroker(c.response(10, v, 70 + v, { coordinators: [{ key: "app-x-group", nodeId: 1, host: "h", port: 9092, errorCode: 0, errorMessage: null }] })))[0], 10, v);
      assert.deepEqual((resp.body.coordinators as Body[]).map((x) => [x.key, x.errorCode]), [["app-x-group", 0], ["other", INVALID_GROUP_ID]]);
    } else {
      assert.equal(out[0].readInt16BE(4), API_VERSIONS);
      resp = c.decodeResponse(splitFrames(conn.fromBroker(c.response(API_VERSIONS, 0, 70 + v, { errorCode: 0, apiKeys: [] })))[0], 10, v);
      assert.equal(resp.body.errorCode, INVALID_GROUP_ID);
    }
  }
  conn.fromClient(c.request(11, 5, { groupId: "other", sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, memberId: "", groupInstanceId: null, protocolType: "consumer", protocols: [] }, { correlationId: 99, clientId: "app-x" }));
  const join = c.decodeResponse(splitFrames(conn.fromBroker(c.response(API_VERSIONS, 0, 99, { errorCode: 0, apiKeys: [] })))[0], 11, 5);
  assert.equal(join.body.errorCode, INVALID_GROUP_ID);
  assert.equal(conn.closed, false);
  // A Heartbeat for a refused group has no error it could carry: the connection is closed.
  conn.fromClient(c.request(12, 4, { groupId: "other", generationId: 1, memberId: "m", groupInstanceId: null }, { correlationId: 100, clientId: "app-x" }));
  assert.equal(conn.closed, true);
});

test("Audit: entries go to the collector in batches, retried while it fails, bounded, and the counters say so", async () => {
  const c = await codec();
  const host = await guard({ ...CONFIG, audit: { collector_cluster: "audit", max_pending_entries: 3, max_batch_entries: 2, log: false } });
  const conn = host.connect();
  for (let i = 0; i < 4; i++) {
    conn.fromClient(c.request(19, 7, { topics: [{ name: `Bad${i}`, numPartitions: 3, replicationFactor: 2, assignments: [], configs: [] }], timeoutMs: 1, validateOnly: false }, { correlationId: 10 + i }));
    conn.fromBroker(c.response(API_VERSIONS, 0, 10 + i, { errorCode: 0, apiKeys: [] }));
  }
  assert.equal(auditLines(host).length, 0, "log: false keeps entries out of the Envoy log");
  assert.equal(host.metric("guard.audit.dropped"), 1n, "past max_pending_entries the oldest is dropped");
  host.tick();
  assert.equal(host.httpCalls.length, 1);
  const first = host.httpCalls[0];
  assert.equal(first.cluster, "audit");
  assert.deepEqual(first.body.toString().trim().split("\n").map((l) => JSON.parse(l).resources[0]), ["Bad1", "Bad2"]);
  host.tick();
  assert.equal(host.httpCalls.length, 1, "one batch in flight at a time");
  host.respondHttpCall(first.token, 503);
  assert.equal(host.metric("guard.audit.retried"), 2n);
  host.tick();
  const again = host.httpCalls[1];
  assert.deepEqual(again.body.toString().trim().split("\n").map((l) => JSON.parse(l).resources[0]), ["Bad1", "Bad2"], "the same entries again, first");
  assert.notEqual(again.headers.find((h) => h[0] === "idempotency-key")![1], first.headers.find((h) => h[0] === "idempotency-key")![1]);
  host.respondHttpCall(again.token, 200);
  assert.equal(host.metric("guard.audit.sent"), 2n);
  host.tick();
  host.respondHttpCall(host.httpCalls[2].token, 204);
  assert.equal(host.metric("guard.audit.sent"), 3n);
  host.tick();
  assert.equal(host.httpCalls.length, 3, "nothing left to send");
});

test("Audit: SASL outcomes are recorded with the user, and the password never appears", async () => {
  const c = await codec();
  const host = await guard({});
  const conn = host.connect();
  const secret = "s3cr3t-Pa55word";
  const attempt = (corr: number, code: number) => {
    conn.fromClient(c.request(17, 1, { mechanism: "PLAIN" }, { correlationId: corr }));
    conn.fromBroker(c.response(17, 1, corr, { errorCode: 0, mechanisms: ["PLAIN"] }));
    conn.fromClient(c.request(36, 2, { authBytes: Buffer.from(`\u0000alice\u0000${secret}`) }, { correlationId: corr + 1 }));
    conn.fromBroker(c.response(36, 2, corr + 1, { errorCode: code, errorMessage: code ? "Authentication failed" : null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 }));
  };
  attempt(1, 58);
  attempt(3, 0);
  const auth = auditLines(host).filter((e) => e.kind === "auth");
  assert.deepEqual(auth.map((e) => [e.principal, e.outcome, e.error_code]), [["alice", "failed", 58], ["alice", "succeeded", 0]]);
  for (const l of host.logs) assert.ok(!l.message.includes(secret), "the password never appears in a log line");
});

test("Configuration: a bad rule fails on_configure with a message naming the field", async () => {
  const cases: [object, RegExp][] = [
    [{ topics: { name_pattern: "(" } }, /topics\.name_pattern: /],
    [{ topics: { max_partitions: 0 } }, /topics\.max_partitions: must be a whole number from 1/],
    [{ topics: { min_partitions: 5, max_partitions: 2 } }, /topics\.min_partitions: is above topics\.max_partitions/],
    [{ topics: { protected: ["ok", ""] } }, /topics\.protected\[1\]: must be a non-empty string/],
    [{ topics: { colour: 1 } }, /topics\.colour: unknown setting/],
    [{ configs: { ranges: { "retention.ms": { min: 10, max: 1 } } } }, /configs\.ranges\.retention\.ms: min is above max/],
    [{ configs: { ranges: { "retention.ms": { most: 1 } } } }, /configs\.ranges\.retention\.ms\.most: unknown setting/],
    [{ configs: { sets: { "cleanup.policy": [] } } }, /configs\.sets\.cleanup\.policy: must list at least one value/],
    [{ configs: { allowed: ["a"], required: ["b"] } }, /configs\.required: b is required but not in configs\.allowed/],
    [{ produce: { acks: 2 } }, /produce\.acks: must be "all"/],
    [{ produce: { compression: ["gzip", "brotli"] } }, /produce\.compression\[1\]: must be one of none, gzip, snappy, lz4, zstd/],
    [{ produce: { max_batch_bytes: -1 } }, /produce\.max_batch_bytes: must be a whole number/],
    [{ clients: { group_id_pattern: 7 } }, /clients\.group_id_pattern: must be a non-empty string/],
    [{ audit: { collector_path: "audit" } }, /audit\.collector_path: must be a path starting with \//],
    [{ quotas: { topics: [{ topic: "a", produce_bytes_per_second: -1 }] } }, /quotas\.topics\[0\]\.produce_bytes_per_second: must be a number/],
    [{ max_frame_bytes: "big" }, /max_frame_bytes/],
    [{ surprise: true }, /surprise: unknown setting/],
  ];
  for (const [config, message] of cases) {
    const host = await PluginHost.load(WASM, { configuration: JSON.stringify(config) });
    assert.equal(host.configured, false, JSON.stringify(config));
    assert.ok(host.logs.some((l) => message.test(l.message)), `${JSON.stringify(config)}: ${host.logs.map((l) => l.message).join(" | ")}`);
  }
});

test("docs/guard.md: every json block configures the plugin", async () => {
  const doc = fs.readFileSync(rootPath("docs", "guard.md"), "utf8");
  const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 5, `only ${blocks.length} json blocks`);
  for (const b of blocks) {
    const host = await PluginHost.load(WASM, { configuration: b });
    assert.equal(host.configured, true, `${b}\n${host.logs.map((l) => l.message).join("\n")}`);
  }
});

test("Audit: other admin operations are recorded with their resources and outcome, never a SCRAM salt or salted password", async () => {
  const c = await codec();
  const host = await guard({});
  const conn = host.connect();
  const salt = Buffer.from("NaCl-9f1d2c3b"), salted = Buffer.from("SaltedPw-77e0aa41");
  conn.fromClient(c.request(51, 0, { deletions: [{ name: "bob", mechanism: 2 }], upsertions: [{ name: "alice", mechanism: 1, iterations: 8192, salt, saltedPassword: salted }] }, { correlationId: 1, clientId: "ops" }));
  conn.fromBroker(c.response(51, 0, 1, { throttleTimeMs: 0, results: [{ user: "bob", errorCode: 0, errorMessage: null }, { user: "alice", errorCode: 0, errorMessage: null }] }));
  conn.fromClient(c.request(30, 3, { creations: [{ resourceType: 2, resourceName: "orders", resourcePatternType: 3, principal: "User:carol", host: "*", operation: 3, permissionType: 3 }] }, { correlationId: 2, clientId: "ops" }));
  conn.fromBroker(c.response(30, 3, 2, { throttleTimeMs: 0, results: [{ errorCode: 31, errorMessage: "not authorized" }] }));
  const entries = auditLines(host).filter((e) => e.kind === "admin");
  assert.deepEqual(entries.map((e) => [e.api, e.resources, e.outcome, e.error_code]), [
    ["AlterUserScramCredentials", ["scram-user:bob:delete:mechanism2", "scram-user:alice:upsert:mechanism1"], "succeeded", 0],
    ["CreateAcls", ["acl:2:orders:User:carol:op3:perm3"], "failed", 31],
  ]);
  for (const l of host.logs) {
    for (const secret of [salt, salted]) {
      assert.ok(!l.message.includes(secret.toString()) && !l.message.includes(secret.toString("base64")) && !l.message.includes(secret.toString("hex")), l.message);
    }
  }
});
