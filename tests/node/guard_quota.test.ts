// plugins/guard's quotas (the library's quota engine under the prefix guard.quota) in the
// emulator, next to its rules: a produce over its topic quota gets Kafka's throttle_time_ms while
// another topic's does not, in every Produce version; a tenant over its fetch quota is throttled
// (whole responses and responses streamed from a 9-byte head) and its Fetch max_bytes lowered; a
// topic's fetch quota counts the bytes its responses delivered; guard's own refusals answer as
// they do without quotas, and a request guard answers itself never counts against a quota.
// The engine's arithmetic has its own tests (tests/node/quota.test.ts); these prove guard's wiring.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PluginHost, KafkaCodec, FakeBroker } from "../../tools/testing/index.js";
import type { Body } from "../../tools/testing/index.js";
import { rootPath } from "../../tools/lib/paths.js";
import { Clock, kafkaThrottle, batchOfBytes, produceRequest, produceResponse, fetchRequest, fetchResponse, learnIds } from "../tools/quota_frames.js";

/** GUARD_WASM: another build of the plugin (a mutant, when checking that these tests catch one). */
const WASM = process.env.GUARD_WASM ?? rootPath("build", "guard.wasm");
const INVALID_REQUIRED_ACKS = 21, POLICY_VIOLATION = 44;
const QUOTA = 10000;

/**
 * Rules and quotas side by side, as a deployment has them. Quotas are measured as Kafka's client
 * quotas are (sampled windows), so every expected throttle is Kafka's formula.
 */
const CONFIG = {
  topics: { name_pattern: "[a-z]+\\.events", min_partitions: 1, min_replication_factor: 1 },
  produce: { acks: "all" },
  quotas: {
    algorithm: "sampled_rate",
    topics: [{ topic: "slow", produce_bytes_per_second: QUOTA, fetch_bytes_per_second: QUOTA }],
    tenants: [{ tenant: "consumer*", fetch_bytes_per_second: QUOTA }, { tenant: "heavy-*", produce_bytes_per_second: QUOTA }],
  },
};

let codecP: Promise<KafkaCodec> | null = null;
const codec = (): Promise<KafkaCodec> => (codecP ??= KafkaCodec.load());

async function guard(config: object = CONFIG, clock = new Clock()): Promise<PluginHost> {
  const host = await PluginHost.load(WASM, { configuration: JSON.stringify(config), now: clock.ns });
  assert.equal(host.configured, true, host.logs.map((l) => l.message).join("\n"));
  return host;
}

for (let version = 3; version <= 13; version++) {
  test(`Produce v${version} through guard: a topic over its quota gets Kafka's throttle time; another topic's response passes untouched`, async () => {
    const c = await codec();
    const host = await guard();
    const conn = host.connect();
    learnIds(c, conn);
    const records = batchOfBytes(200_000);
    const req = produceRequest(c, version, 1, [{ topic: "slow", records }]);
    assert.ok(conn.fromClient(req).equals(req), "the request passes unchanged (acks=all passes the rule)");
    const resp = produceResponse(c, version, 1, ["slow"]);
    const out = conn.fromBroker(resp);
    const expected = kafkaThrottle(records.length, QUOTA);
    assert.ok(expected > 0);
    assert.equal(out.length, resp.length, "same length");
    const back = c.decodeResponse(out, "Produce", version).body as Body;
    assert.equal(back.throttleTimeMs, expected);
    const unpatched = c.decodeResponse(resp, "Produce", version).body as Body;
    assert.deepEqual({ ...back, throttleTimeMs: 0 }, { ...unpatched, throttleTimeMs: 0 }, "nothing else changed");
    assert.equal(host.metric("guard.quota.produce_throttle_ms.topic_slow"), BigInt(expected));
    assert.equal(host.metric("guard.quota.throttled_responses"), 1n);

    const free = produceRequest(c, version, 2, [{ topic: "free", records }]);
    assert.ok(conn.fromClient(free).equals(free));
    const freeResp = produceResponse(c, version, 2, ["free"]);
    assert.ok(conn.fromBroker(freeResp).equals(freeResp), "a topic without a quota is not throttled");
    assert.equal(host.metric("guard.allowed.check_produce"), 2n, "the acks rule checked both");
    assert.equal(conn.closed, false);
  });
}

test("Produce through guard: a tenant over its produce quota is throttled on any topic; another client.id is not", async () => {
  const c = await codec();
  const host = await guard();
  const heavy = host.connect();
  const req = produceRequest(c, 9, 1, [{ topic: "free", records: batchOfBytes(200_000) }], "heavy-loader");
  heavy.fromClient(req);
  const back = c.decodeResponse(heavy.fromBroker(produceResponse(c, 9, 1, ["free"])), "Produce", 9).body;
  assert.equal(back.throttleTimeMs, kafkaThrottle(req.length, QUOTA), "the request's size on the wire counts against the tenant");
  assert.equal(host.metric("guard.quota.produce_throttle_ms.tenant_heavy-loader"), BigInt(back.throttleTimeMs as number));
  const light = host.connect();
  light.fromClient(produceRequest(c, 9, 1, [{ topic: "free", records: batchOfBytes(200_000) }], "light"));
  const resp = produceResponse(c, 9, 1, ["free"]);
  assert.ok(light.fromBroker(resp).equals(resp));
});

for (const version of [4, 7, 11, 12, 13, 16, 18]) {
  test(`Fetch v${version} through guard: a tenant over its fetch quota has max_bytes lowered and gets the throttle, whole or streamed from a 9-byte head`, async () => {
    const c = await codec();
    for (const pieces of [1, 3]) {
      const host = await guard();
      const conn = host.connect();
      learnIds(c, conn);
      const req = fetchRequest(c, version, 7, ["free"]);
      const sent = conn.fromClient(req);
      assert.equal(sent.length, req.length);
      const body = c.decodeRequest(sent).body as Body;
      assert.equal(body.maxBytes, QUOTA, "max_bytes lowered to one second of the tenant's quota");
      assert.equal(host.metric("guard.quota.limited_fetches"), 1n);
      const resp = fetchResponse(c, version, 7, [{ topic: "free", records: batchOfBytes(150_000) }]);
      const cuts = pieces === 1 ? [resp] : [resp.subarray(0, 9), resp.subarray(9, 5000), resp.subarray(5000)];
      const out = Buffer.concat(cuts.map((p) => conn.fromBroker(p)));
      assert.equal(out.length, resp.length);
      const expected = kafkaThrottle(resp.length, QUOTA);
      assert.equal((c.decodeResponse(out, "Fetch", version).body as Body).throttleTimeMs, expected, `${pieces} piece(s)`);
      const diff = [...out].flatMap((b, i) => (b !== resp[i] ? [i] : []));
      assert.ok(diff.length > 0 && diff.length <= 4, `only the 4 bytes of the field changed: ${diff}`);
      assert.equal(host.metric("guard.quota.fetch_throttle_ms.tenant_consumer"), BigInt(expected));
      // Another client's fetch keeps its limit and its response.
      const other = host.connect();
      const otherReq = fetchRequest(c, version, 8, ["free"], 52428800, 1048576, "reporting");
      assert.ok(other.fromClient(otherReq).equals(otherReq));
      const otherResp = fetchResponse(c, version, 8, [{ topic: "free", records: batchOfBytes(150_000) }]);
      assert.ok(other.fromBroker(otherResp).equals(otherResp));
      assert.equal(conn.closed || other.closed, false);
    }
  });
}

test("Fetch through guard: a topic's fetch quota counts the bytes its responses delivered and throttles the next ones", async () => {
  const c = await codec();
  const host = await guard({ quotas: { algorithm: "sampled_rate", topics: [{ topic: "slow", fetch_bytes_per_second: QUOTA }] } });
  const conn = host.connect();
  learnIds(c, conn);
  const records = batchOfBytes(150_000);
  const throttleOf = (version: number, corr: number): number => {
    conn.fromClient(fetchRequest(c, version, corr, ["slow"]));
    return c.decodeResponse(conn.fromBroker(fetchResponse(c, version, corr, [{ topic: "slow", records }])), "Fetch", version).body.throttleTimeMs as number;
  };
  assert.equal(throttleOf(13, 1), 0, "nothing fetched before");
  assert.equal(throttleOf(13, 2), kafkaThrottle(records.length, QUOTA), "the first response's records count");
  assert.equal(host.metric("guard.quota.fetch_throttle_ms.topic_slow"), BigInt(kafkaThrottle(records.length, QUOTA)));
});

/** Tenant quotas alone: a Produce's bytes are counted when it arrives (with a topic quota, from its skim). */
const TENANTS_ONLY = { ...CONFIG, quotas: { algorithm: "sampled_rate", tenants: [{ tenant: "*", produce_bytes_per_second: QUOTA }] } };

for (const [label, config] of [["topic and tenant quotas", CONFIG], ["tenant quotas only", TENANTS_ONLY]] as const) test(`guard's refusals answer as without quotas, and what guard answers itself never counts against a quota (${label})`, async () => {
  const c = await codec();
  const host = await guard(config);
  /** A client on its own connection (a tenant is named by its connection's client.id), with a broker behind it. */
  const client = (): FakeBroker => {
    const b = new FakeBroker(c, host.connect());
    b.createTopic("slow", 1);
    return b;
  };
  const big = { value: Buffer.alloc(200_000, 0x61) };
  // acks=1 under acks=all: refused by guard, five times over the topic's quota ("p1") and the
  // tenant's ("heavy-p", to the topic "slow" as well).
  const clients = new Map([["p1", client()], ["heavy-p", client()]]);
  for (const [clientId, b] of clients) {
    for (let i = 0; i < 5; i++) {
      const refused = b.produce("slow", [big], { acks: 1, clientId });
      assert.equal(refused.errorCode, INVALID_REQUIRED_ACKS);
      assert.match(refused.errorMessage ?? "", /breaks rule produce\.acks/);
      assert.equal(refused.response!.body.throttleTimeMs, 0, "a refusal carries no throttle");
    }
    assert.equal(b.stored("slow").length, 0, "nothing stored");
    assert.equal(b.received.filter((r) => r.apiKey === 0).length, 0, "the broker saw no Produce");
  }
  // A CreateTopics name rule, with quotas configured.
  const admin = client();
  const created = admin.request("CreateTopics", 7, {
    topics: [{ name: "Bad_Name", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
      { name: "orders.events", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 1000, validateOnly: false,
  }, { clientId: "admin" })!;
  assert.deepEqual((created.body.topics as Body[]).map((t) => [t.name, t.errorCode]), [["Bad_Name", POLICY_VIOLATION], ["orders.events", 0]]);
  // The same clients' first small produces that reach the broker: nothing was counted before them.
  for (const [clientId, b] of clients) {
    const ok = b.produce("slow", [{ value: "small" }], { acks: -1, clientId });
    assert.equal(ok.errorCode, 0);
    assert.equal(ok.response!.body.throttleTimeMs, 0, `${clientId}: the refused produces were not counted`);
    assert.equal(b.stored("slow").length, 1);
  }
  // And a produce over the quotas that reaches the broker is throttled on each connection.
  for (const [clientId, b] of clients) {
    const over = b.produce("slow", [big], { acks: -1, clientId });
    assert.equal(over.errorCode, 0);
    assert.ok((over.response!.body.throttleTimeMs as number) > 0, `${clientId}: the quota applies once bytes reach the broker`);
    assert.equal(b.conn.closed, false);
  }
  assert.ok((host.metric("guard.quota.produce_throttle_ms.tenant_heavy-p") ?? 0n) > 0n);
  assert.equal(host.metric("guard.quota.produce_throttle_ms.tenant_admin"), undefined);
  assert.equal(host.metric("guard.refused.rule_produce_acks"), 10n);
});

test("the quotas are checked at configure time with guard's other settings, naming the field", async () => {
  const cases: [object, RegExp][] = [
    [{ produce: { acks: "all" }, quotas: { topics: [{ topic: "a", fetch_bytes_per_second: "1MB" }] } }, /quotas\.topics\[0\]\.fetch_bytes_per_second: must be a number/],
    [{ quotas: { tenant_key: "user" } }, /quotas\.tenant_key: must be one of/],
    [{ quotas: { tenants: [{ tenant: "x", produce_bytes_per_sec: 1 }] } }, /quotas\.tenants\[0\]\.produce_bytes_per_sec: unknown setting/],
  ];
  for (const [config, message] of cases) {
    const host = await PluginHost.load(WASM, { configuration: JSON.stringify(config) });
    assert.equal(host.configured, false, JSON.stringify(config));
    assert.match(host.logs.map((l) => l.message).join("\n"), message);
  }
});
