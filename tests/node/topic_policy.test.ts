// examples/topic-policy in the emulator: CreateTopics of every version the codec knows (rules
// answered with POLICY_VIOLATION, the rest forwarded, one merged response in request order),
// Metadata auto-creation of forbidden names turned off, and the configuration's checks.
// Frames are encoded and decoded by the codec (the dissector), not by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { PluginHost, EmulatedConnection } from "../../tools/testing/index.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { rootPath } from "../../tools/lib/paths.js";
import { prng } from "../tools/prng.js";

const WASM = rootPath("build", "examples", "topic-policy.wasm");
const CREATE_TOPICS = 19, METADATA = 3;
const POLICY_VIOLATION = 44, INVALID_TOPIC_EXCEPTION = 17, UNKNOWN_TOPIC_OR_PARTITION = 3;
const CONFIG = { name_pattern: "[a-z0-9-]+\\.(events|commands)", min_partitions: 3, min_replication_factor: 2 };
/** The same rules, on brokers whose defaults meet them: auto-creation is then checked by name only. */
const WITH_DEFAULTS = { ...CONFIG, default_partitions: 3, default_replication_factor: 2 };

/** The versions the compiled codec knows for an API, from its generated table. */
function codecVersions(apiKey: number): number[] {
  const table = fs.readFileSync(rootPath("assembly", "kafka", "generated", "api_table.ts"), "utf8");
  const row = (name: string): number[] => JSON.parse(new RegExp(`const ${name}: StaticArray<i16> = (\\[[^\\]]*\\]);`).exec(table)![1]);
  const min = row("MIN_VERSION")[apiKey], max = row("MAX_VERSION")[apiKey];
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

let dissector: Dissector | null = null;
async function codec(): Promise<Dissector> { return dissector ??= await Dissector.load(); }

/**
 * Encodes `body` at `version`, leaving out the fields the codec says that version lacks (the
 * tests describe a message once, with every field, for all versions).
 */
function encodeAt(d: Dissector, apiKey: number, version: number, response: boolean, body: object): Buffer {
  const value = structuredClone(body) as any;
  for (let attempt = 0; attempt < 20; attempt++) {
    const b = d.encodeBody(apiKey, version, response, JSON.stringify(value));
    if (b.ok) return b.bytes;
    const absent = [...b.text.matchAll(/^(\S+): is not in version \d+ of this message$/gm)].map((m) => m[1]);
    assert.ok(absent.length > 0, b.text);
    for (const path of absent) {
      // "CreateTopicsResponse.Topics[0].ErrorMessage": the message name, then fields and indexes.
      const steps = path.split(".").slice(1).flatMap((s) => s.split(/[[\]]/).filter((x) => x !== ""));
      let at = value;
      for (let i = 0; i < steps.length - 1 && at != null; i++) at = at[/^\d+$/.test(steps[i]) ? Number(steps[i]) : steps[i][0].toLowerCase() + steps[i].slice(1)];
      const last = steps[steps.length - 1];
      if (at != null) delete at[last[0].toLowerCase() + last.slice(1)];
    }
  }
  throw new Error("could not encode " + JSON.stringify(body));
}

function requestFrame(d: Dissector, apiKey: number, version: number, corr: number, body: object): Buffer {
  const h = d.encodeHeader(d.requestHeaderVersion(apiKey, version), false, JSON.stringify({ requestApiKey: apiKey, requestApiVersion: version, correlationId: corr, clientId: "test" }));
  const b = { bytes: encodeAt(d, apiKey, version, false, body) };
  assert.ok(h.ok, h.text);
  const size = Buffer.alloc(4); size.writeInt32BE(h.bytes.length + b.bytes.length);
  return Buffer.concat([size, h.bytes, b.bytes]);
}

function responseFrame(d: Dissector, apiKey: number, version: number, corr: number, body: object): Buffer {
  const b = { bytes: encodeAt(d, apiKey, version, true, body) };
  const tagged = d.responseHeaderVersion(apiKey, version) >= 1 ? Buffer.from([0]) : Buffer.alloc(0);
  const head = Buffer.alloc(8); head.writeInt32BE(4 + tagged.length + b.bytes.length, 0); head.writeInt32BE(corr, 4);
  return Buffer.concat([head, tagged, b.bytes]);
}

/** Every whole frame in `bytes`. */
function frames(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 0; p + 4 <= bytes.length;) { const n = bytes.readInt32BE(p); out.push(bytes.subarray(p, p + 4 + n)); p += 4 + n; }
  return out;
}

function decodeRequest(d: Dissector, frame: Buffer): { apiKey: number; version: number; corr: number; body: any } {
  const f = frame.subarray(4);
  const apiKey = f.readInt16BE(0), version = f.readInt16BE(2), corr = f.readInt32BE(4);
  const body = d.decodeBody(apiKey, version, false, f.subarray(d.requestHeaderLength(f)));
  assert.ok(body.ok, body.text);
  return { apiKey, version, corr, body: JSON.parse(body.text) };
}

function decodeResponse(d: Dissector, apiKey: number, version: number, frame: Buffer): { corr: number; body: any } {
  const f = frame.subarray(4);
  const body = d.decodeBody(apiKey, version, true, f.subarray(d.responseHeaderLength(apiKey, version, f)));
  assert.ok(body.ok, body.text);
  return { corr: f.readInt32BE(0), body: JSON.parse(body.text) };
}

async function policy(config: object = CONFIG): Promise<PluginHost> {
  const host = await PluginHost.load(WASM, { configuration: JSON.stringify(config) });
  assert.equal(host.configured, true, host.logs.map((l) => l.message).join("\n"));
  return host;
}

/** What the broker says to the topics it was asked to create: success, as the request asked. */
function brokerCreated(forwarded: any): object {
  return { throttleTimeMs: 7, topics: forwarded.topics.map((t: any) => ({ name: t.name, errorCode: 0, errorMessage: null, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor, configs: [] })) };
}

const GOOD_A = { name: "orders.events", numPartitions: 3, replicationFactor: 2 };
const BAD_NAME = { name: "Orders_Events", numPartitions: 3, replicationFactor: 2 };
const FEW_PARTITIONS = { name: "payments.commands", numPartitions: 1, replicationFactor: 2 };
const GOOD_B = { name: "users.events", numPartitions: 6, replicationFactor: 3 };

for (const version of codecVersions(CREATE_TOPICS)) {
  test(`CreateTopics v${version}: rejected topics get POLICY_VIOLATION, the others reach the broker, one response in request order`, async () => {
    const d = await codec();
    const host = await policy();
    const conn = host.connect();
    const request = { topics: [GOOD_A, BAD_NAME, FEW_PARTITIONS, GOOD_B], timeoutMs: 1000, validateOnly: false };
    const sent = frames(conn.fromClient(requestFrame(d, CREATE_TOPICS, version, 11, request)));
    assert.equal(sent.length, 1);
    const forwarded = decodeRequest(d, sent[0]);
    assert.equal(forwarded.apiKey, CREATE_TOPICS);
    assert.equal(forwarded.corr, 11);
    assert.deepEqual(forwarded.body.topics.map((t: any) => t.name), ["orders.events", "users.events"], "only the topics that pass reach the broker");
    assert.equal(forwarded.body.timeoutMs, 1000);
    const back = frames(conn.fromBroker(responseFrame(d, CREATE_TOPICS, version, 11, brokerCreated(forwarded.body))));
    assert.equal(back.length, 1);
    const resp = decodeResponse(d, CREATE_TOPICS, version, back[0]);
    assert.equal(resp.corr, 11);
    const topics = resp.body.topics;
    assert.deepEqual(topics.map((t: any) => t.name), ["orders.events", "Orders_Events", "payments.commands", "users.events"], "request order");
    assert.deepEqual(topics.map((t: any) => t.errorCode), [0, POLICY_VIOLATION, POLICY_VIOLATION, 0]);
    if (version >= 1) {
      assert.match(topics[1].errorMessage, /breaks rule name_pattern: names must match \[a-z0-9-\]\+\\\.\(events\|commands\)/);
      assert.match(topics[2].errorMessage, /"payments\.commands" breaks rule min_partitions: partition count 1 is below the minimum of 3/);
    }
    if (version >= 2) assert.equal(resp.body.throttleTimeMs, 7, "the broker's throttle time is kept");
    if (version >= 5) assert.equal(topics[3].numPartitions, 6, "the broker's results are kept");
    assert.equal(host.metric("topic_policy.rejected_topics"), 2n);
    assert.equal(host.metric("topic_policy.forwarded_topics"), 2n);
    assert.equal(conn.closed, false);
  });

  test(`CreateTopics v${version}: when every topic breaks a rule, the plugin answers and the broker creates nothing`, async () => {
    const d = await codec();
    const host = await policy();
    const conn = host.connect();
    const request = { topics: [BAD_NAME, { name: "audit.events", numPartitions: 3, replicationFactor: 1 }], timeoutMs: 1000, validateOnly: false };
    const sent = frames(conn.fromClient(requestFrame(d, CREATE_TOPICS, version, 12, request)));
    // What reaches the broker is a harmless stand-in (ApiVersions v0), never a CreateTopics.
    assert.equal(sent.length, 1);
    assert.equal(sent[0].readInt16BE(4), 18);
    assert.equal(sent[0].readInt32BE(8), 12);
    const apiVersionsAnswer = responseFrame(d, 18, 0, 12, { errorCode: 0, apiKeys: [] });
    const resp = decodeResponse(d, CREATE_TOPICS, version, frames(conn.fromBroker(apiVersionsAnswer))[0]);
    assert.equal(resp.corr, 12);
    assert.deepEqual(resp.body.topics.map((t: any) => [t.name, t.errorCode]), [["Orders_Events", POLICY_VIOLATION], ["audit.events", POLICY_VIOLATION]]);
    if (version >= 1) assert.match(resp.body.topics[1].errorMessage, /breaks rule min_replication_factor: replication factor 1 is below the minimum of 2/);
  });
}

test("CreateTopics: validate_only is forwarded as sent, and rejected topics are still answered", async () => {
  const d = await codec();
  const host = await policy();
  const conn = host.connect();
  const sent = frames(conn.fromClient(requestFrame(d, CREATE_TOPICS, 7, 3, { topics: [BAD_NAME, GOOD_A], timeoutMs: 100, validateOnly: true })));
  const forwarded = decodeRequest(d, sent[0]);
  assert.equal(forwarded.body.validateOnly, true);
  assert.deepEqual(forwarded.body.topics.map((t: any) => t.name), ["orders.events"]);
  const resp = decodeResponse(d, CREATE_TOPICS, 7, frames(conn.fromBroker(responseFrame(d, CREATE_TOPICS, 7, 3, brokerCreated(forwarded.body))))[0]);
  assert.deepEqual(resp.body.topics.map((t: any) => [t.name, t.errorCode]), [["Orders_Events", POLICY_VIOLATION], ["orders.events", 0]]);
});

test("CreateTopics that passes every rule is forwarded byte-identical and its response is not read", async () => {
  const d = await codec();
  const host = await policy();
  const conn = host.connect();
  const frame = requestFrame(d, CREATE_TOPICS, 7, 4, { topics: [GOOD_A, GOOD_B], timeoutMs: 100, validateOnly: false });
  assert.ok(conn.fromClient(frame).equals(frame));
  const answer = responseFrame(d, CREATE_TOPICS, 7, 4, { topics: [{ name: "orders.events", errorCode: 36, errorMessage: "exists" }] });
  assert.ok(conn.fromBroker(answer).equals(answer));
});

test("CreateTopics: manual assignments count as partitions and replicas; -1 is checked against the configured broker defaults", async () => {
  const d = await codec();
  const assigned = (name: string, partitions: number, replicas: number) => ({ name, numPartitions: -1, replicationFactor: -1,
    assignments: Array.from({ length: partitions }, (_, i) => ({ partitionIndex: i, brokerIds: Array.from({ length: replicas }, (_, b) => b + 1) })) });
  const cases: { config: object; topic: object; rule: RegExp | null }[] = [
    { config: CONFIG, topic: assigned("a.events", 3, 2), rule: null },
    { config: CONFIG, topic: assigned("a.events", 2, 2), rule: /min_partitions: partition count 2 is below the minimum of 3/ },
    { config: CONFIG, topic: assigned("a.events", 3, 1), rule: /min_replication_factor: replication factor 1 is below/ },
    { config: CONFIG, topic: { name: "a.events", numPartitions: -1, replicationFactor: 2 }, rule: /min_partitions: the request leaves the partition count to the broker's default, which this policy cannot check \(default_partitions is not set\)/ },
    { config: { ...CONFIG, default_partitions: 3 }, topic: { name: "a.events", numPartitions: -1, replicationFactor: 2 }, rule: null },
    { config: { ...CONFIG, default_replication_factor: 1 }, topic: { name: "a.events", numPartitions: 3, replicationFactor: -1 }, rule: /replication factor 1 \(the broker's default\) is below the minimum of 2/ },
  ];
  for (const c of cases) {
    const host = await policy(c.config);
    const conn = host.connect();
    const frame = requestFrame(d, CREATE_TOPICS, 7, 1, { topics: [c.topic], timeoutMs: 100, validateOnly: false });
    const out = conn.fromClient(frame);
    if (c.rule === null) { assert.ok(out.equals(frame), JSON.stringify(c)); continue; }
    const resp = decodeResponse(d, CREATE_TOPICS, 7, frames(conn.fromBroker(responseFrame(d, 18, 0, 1, { errorCode: 0, apiKeys: [] })))[0]);
    assert.equal(resp.body.topics[0].errorCode, POLICY_VIOLATION);
    assert.match(resp.body.topics[0].errorMessage, c.rule);
  }
});

test("name_pattern must match the whole name, not a part of it", async () => {
  const d = await codec();
  const host = await policy();
  const conn = host.connect();
  const names = ["orders.events", "old.orders.events.bak", "xorders.events-", "a.commands"];
  const sent = frames(conn.fromClient(requestFrame(d, CREATE_TOPICS, 7, 9, { topics: names.map((name) => ({ name, numPartitions: 3, replicationFactor: 2 })), timeoutMs: 100, validateOnly: false })));
  const forwarded = decodeRequest(d, sent[0]);
  // "old.orders.events.bak" holds a match ("orders.events") but is not one.
  assert.deepEqual(forwarded.body.topics.map((t: any) => t.name), ["orders.events", "a.commands"]);
});

test("CreateTopics naming a topic twice: the name is answered once, refused whole when one entry breaks a rule", async () => {
  const d = await codec();
  const host = await policy();
  const conn = host.connect();
  const sent = frames(conn.fromClient(requestFrame(d, CREATE_TOPICS, 7, 2, { topics: [GOOD_A, GOOD_B, { ...GOOD_A, numPartitions: 1 }], timeoutMs: 100, validateOnly: false })));
  const forwarded = decodeRequest(d, sent[0]);
  assert.deepEqual(forwarded.body.topics.map((t: any) => t.name), ["users.events"]);
  const resp = decodeResponse(d, CREATE_TOPICS, 7, frames(conn.fromBroker(responseFrame(d, CREATE_TOPICS, 7, 2, brokerCreated(forwarded.body))))[0]);
  assert.deepEqual(resp.body.topics.map((t: any) => [t.name, t.errorCode]), [["orders.events", POLICY_VIOLATION], ["users.events", 0]]);
});

/** A Metadata request body asking for these names at `version`. */
function metadataRequest(version: number, names: string[], allowAutoTopicCreation: boolean): object {
  return { topics: names.map((name) => ({ name })), allowAutoTopicCreation, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
}

/** The broker's answer: `existing` names have a partition, the rest are unknown. */
function metadataAnswer(names: string[], existing: string[]): object {
  return { brokers: [{ nodeId: 1, host: "127.0.0.1", port: 9092, rack: null }], clusterId: "c", controllerId: 1,
    topics: names.map((name) => existing.includes(name)
      ? { errorCode: 0, name, isInternal: false, partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }] }
      : { errorCode: UNKNOWN_TOPIC_OR_PARTITION, name, isInternal: false, partitions: [] }) };
}

for (const version of codecVersions(METADATA)) {
  test(`Metadata v${version}: a name breaking name_pattern is never auto-created; an existing one stays visible`, async () => {
    const d = await codec();
    const host = await policy(WITH_DEFAULTS);
    const conn = host.connect();
    const names = ["orders.events", "Bad_Name", "legacy_topic"];
    const sent = frames(conn.fromClient(requestFrame(d, METADATA, version, 21, metadataRequest(version, names, true))));
    const forwarded = decodeRequest(d, sent[0]);
    let asked: string[];
    if (version >= 4) {
      assert.equal(forwarded.body.allowAutoTopicCreation, false, "auto-creation is turned off for the request");
      asked = forwarded.body.topics.map((t: any) => t.name);
      assert.deepEqual(asked, names, "every topic is still asked for");
    } else {
      // Before v4 the broker always may auto-create: the forbidden names leave the request.
      asked = forwarded.body.topics.map((t: any) => t.name);
      assert.deepEqual(asked, ["orders.events"]);
    }
    const back = frames(conn.fromBroker(responseFrame(d, METADATA, version, 21, metadataAnswer(asked, ["orders.events", "legacy_topic"]))));
    const resp = decodeResponse(d, METADATA, version, back[0]);
    const byName = new Map<string, number>(resp.body.topics.map((t: any) => [t.name, t.errorCode]));
    assert.equal(byName.get("orders.events"), 0);
    assert.equal(byName.get("Bad_Name"), INVALID_TOPIC_EXCEPTION, "clients fail at once instead of waiting");
    // A topic that exists under a forbidden name is still served where the request can keep it (v4+).
    assert.equal(byName.get("legacy_topic"), version >= 4 ? 0 : INVALID_TOPIC_EXCEPTION);
    assert.equal(resp.body.brokers.length, 1);
    assert.equal(host.metric("topic_policy.auto_creation_blocked"), 1n);
  });
}

test("Metadata without auto-creation, or naming only allowed topics, is forwarded byte-identical", async () => {
  const d = await codec();
  const host = await policy(WITH_DEFAULTS);
  const conn = host.connect();
  for (const frame of [
    requestFrame(d, METADATA, 12, 1, metadataRequest(12, ["Bad_Name"], false)),
    requestFrame(d, METADATA, 12, 2, metadataRequest(12, ["orders.events"], true)),
    requestFrame(d, METADATA, 12, 3, { topics: null, allowAutoTopicCreation: true }),
    requestFrame(d, METADATA, 3, 4, metadataRequest(3, ["orders.events"], true)),
  ]) assert.ok(conn.fromClient(frame).equals(frame));
  assert.equal(host.metric("topic_policy.auto_creation_blocked") ?? 0n, 0n);
});

test("Metadata: when the broker's defaults are below a minimum (or not configured), no name is auto-created", async () => {
  const d = await codec();
  for (const config of [CONFIG, { ...CONFIG, default_partitions: 1, default_replication_factor: 2 }]) {
    const host = await policy(config);
    const conn = host.connect();
    // v12: the flag is turned off; the broker's answer (unknown: create it properly) passes unchanged.
    const sent = decodeRequest(d, frames(conn.fromClient(requestFrame(d, METADATA, 12, 1, metadataRequest(12, ["orders.events"], true))))[0]);
    assert.equal(sent.body.allowAutoTopicCreation, false, JSON.stringify(config));
    const answer = responseFrame(d, METADATA, 12, 1, metadataAnswer(["orders.events"], []));
    assert.ok(conn.fromBroker(answer).equals(answer));
    // v3 cannot turn it off: the name leaves the request and comes back unknown, not invalid.
    const old = decodeRequest(d, frames(conn.fromClient(requestFrame(d, METADATA, 3, 2, metadataRequest(3, ["orders.events", "users.events"], true))))[0]);
    assert.deepEqual(old.body.topics, []);
    const resp = decodeResponse(d, METADATA, 3, frames(conn.fromBroker(responseFrame(d, METADATA, 3, 2, metadataAnswer([], []))))[0]);
    assert.deepEqual(resp.body.topics.map((t: any) => [t.name, t.errorCode]), [["orders.events", UNKNOWN_TOPIC_OR_PARTITION], ["users.events", UNKNOWN_TOPIC_OR_PARTITION]]);
  }
});

test("Metadata v0 naming only forbidden topics is answered by the plugin (an empty v0 list would mean every topic)", async () => {
  const d = await codec();
  const host = await policy();
  const conn = host.connect();
  const sent = frames(conn.fromClient(requestFrame(d, METADATA, 0, 5, metadataRequest(0, ["Bad_Name"], true))));
  assert.equal(sent[0].readInt16BE(4), 18, "a harmless stand-in goes to the broker");
  const resp = decodeResponse(d, METADATA, 0, frames(conn.fromBroker(responseFrame(d, 18, 0, 5, { errorCode: 0, apiKeys: [] })))[0]);
  assert.deepEqual(resp.body.topics.map((t: any) => [t.name, t.errorCode]), [["Bad_Name", INVALID_TOPIC_EXCEPTION]]);
});

test("the configuration is checked, and each problem names its field", async () => {
  const bad: [object | string, RegExp][] = [
    ["not json", /configuration is not JSON/],
    [{}, /set at least one rule/],
    [{ name_pattern: "" }, /name_pattern: must be a non-empty string/],
    [{ name_pattern: "a(b" }, /name_pattern: /],
    [{ name_pattern: "a)|(b" }, /name_pattern: unbalanced \)/],
    [{ min_partitions: 0 }, /min_partitions: must be a whole number from 1 to 2147483647/],
    [{ min_replication_factor: 40000 }, /min_replication_factor: must be a whole number from 1 to 32767/],
    [{ min_partitions: 2.5 }, /min_partitions: must be a whole number/],
    [{ default_partitions: "3", min_partitions: 3 }, /default_partitions: must be a whole number/],
    [{ min_partitons: 3 }, /min_partitons: unknown setting/],
    [{ min_partitions: 3, on_malformed: "explode" }, /on_malformed: must be "close" or "passthrough"/],
  ];
  for (const [config, message] of bad) {
    const host = await PluginHost.load(WASM, { configuration: typeof config === "string" ? config : JSON.stringify(config) });
    assert.equal(host.configured, false, JSON.stringify(config));
    assert.match(host.logs.map((l) => l.message).join("\n"), message);
  }
  assert.equal((await PluginHost.load(WASM, { configuration: JSON.stringify({ ...CONFIG, max_frame_bytes: 1048576 }) })).configured, true);
});

test("unreadable CreateTopics and Metadata requests are refused (the connection closes), never forwarded unchecked", async () => {
  const d = await codec();
  const host = await policy();
  for (const [apiKey, version, body] of [[CREATE_TOPICS, 7, { topics: [GOOD_A], timeoutMs: 1, validateOnly: false }], [METADATA, 12, metadataRequest(12, ["x"], true)]] as const) {
    const whole = requestFrame(d, apiKey, version, 1, body);
    for (let cut = 14; cut < whole.length; cut += 3) {
      const conn = host.connect();
      const frame = Buffer.from(whole.subarray(0, cut));
      frame.writeInt32BE(cut - 4, 0);
      const out = conn.fromClient(frame);
      assert.equal(out.length, 0, `cut at ${cut}: nothing is forwarded`);
      assert.equal(conn.closed, true, `cut at ${cut}: closed`);
    }
  }
  assert.equal(host.trapped, null);
});

test("fuzz: mutated CreateTopics and Metadata requests, and mutated broker answers to rewritten ones, never trap", async () => {
  const d = await codec();
  const rnd = prng(4404);
  const host = await policy(WITH_DEFAULTS);
  const seeds: { apiKey: number; version: number; request: Buffer; answer: (fwd: Buffer) => Buffer }[] = [];
  for (const version of codecVersions(CREATE_TOPICS)) {
    seeds.push({ apiKey: CREATE_TOPICS, version, request: requestFrame(d, CREATE_TOPICS, version, 1, { topics: [GOOD_A, BAD_NAME, GOOD_B], timeoutMs: 100, validateOnly: false }),
      answer: (fwd) => responseFrame(d, CREATE_TOPICS, version, 1, brokerCreated(decodeRequest(d, fwd).body)) });
  }
  for (const version of codecVersions(METADATA)) {
    seeds.push({ apiKey: METADATA, version, request: requestFrame(d, METADATA, version, 1, metadataRequest(version, ["orders.events", "Bad_Name"], true)),
      answer: (fwd) => responseFrame(d, METADATA, version, 1, metadataAnswer(decodeRequest(d, fwd).body.topics.map((t: any) => t.name), ["orders.events"])) });
  }
  const mutate = (f: Buffer, from: number): Buffer => {
    const m = Buffer.from(f);
    for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) { const at = from + Math.floor(rnd() * (m.length - from)); m[at] = Math.floor(rnd() * 256); }
    return m;
  };
  let rewritten = 0;
  for (let i = 0; i < 1500; i++) {
    const seed = seeds[i % seeds.length];
    const conn = host.connect();
    if (i % 2 === 0) {
      // A mutated request (after its size and header), whole.
      conn.fromClient(mutate(seed.request, 4 + d.requestHeaderLength(seed.request.subarray(4))));
    } else {
      // A valid request the plugin rewrites, then a mutated broker answer (after the correlation id).
      const sent = frames(conn.fromClient(seed.request));
      if (sent.length === 1 && sent[0].readInt16BE(4) === seed.apiKey) {
        rewritten++;
        conn.fromBroker(mutate(seed.answer(sent[0]), 8));
      }
    }
    conn.close();
    assert.equal(host.trapped, null, `round ${i}`);
  }
  assert.ok(rewritten > 300, `${rewritten} rewritten requests answered`);
});
