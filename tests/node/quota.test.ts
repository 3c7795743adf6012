// examples/topic-quota (the library's quota engine, assembly/quota) in the emulator: throttle
// times as Kafka computes them, patched into every Produce and Fetch version that carries the
// field (whole frames and Fetch responses streamed in pieces), a broker's larger throttle kept,
// Fetch limits lowered in place, counters shared by two worker VMs, the bounded key table,
// reconfiguration on open connections, configuration errors naming the field, and fuzz.
// Frames are built and read with the testing kit's codec, never by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PluginHost, SharedState, KafkaCodec, splitFrames, WasmTrap } from "../../tools/testing/index.js";
import { rootPath } from "../../tools/lib/paths.js";
import { prng } from "../tools/prng.js";
import { Clock, T0, kafkaThrottle, batchOfBytes, produceRequest, produceResponse, fetchRequest, fetchResponse, learnIds } from "../tools/quota_frames.js";

const WASM = rootPath("build", "examples", "topic-quota.wasm");
const PRODUCE_VERSIONS = Array.from({ length: 14 }, (_, i) => i); // 0..13
const FETCH_VERSIONS = Array.from({ length: 19 }, (_, i) => i); // 0..18

let codecP: Promise<KafkaCodec> | null = null;
const codec = () => (codecP ??= KafkaCodec.load());

/** The key a shared slot tracks: its last bytes, as long as the length at offset 8 says. */
function keyOf(slot: Buffer): string { return slot.subarray(slot.length - slot.readUInt32LE(8)).toString(); }

async function load(config: object, opts: { shared?: SharedState; clock?: Clock } = {}): Promise<{ host: PluginHost; clock: Clock }> {
  const clock = opts.clock ?? new Clock();
  const host = await PluginHost.load(WASM, { configuration: JSON.stringify(config), shared: opts.shared, now: clock.ns, pluginName: "topic_quota" });
  assert.equal(host.configured, true, host.logs.map((l) => l.message).join("\n"));
  return { host, clock };
}

/** Calls on_configure again on the running root, as Envoy does with a new configuration. */
function reconfigure(host: PluginHost, config: object | string): boolean {
  const h = host as any;
  const text = Buffer.from(typeof config === "string" ? config : JSON.stringify(config));
  h.buffers.set(7, text); // PLUGIN_CONFIGURATION
  try {
    return h.withContext({ id: h.rootId, kind: "root" }, () => h.exportsMap.proxy_on_configure(h.rootId, text.length)) !== 0;
  } finally { h.buffers.delete(7); }
}

/** Kafka's client-quota measure (sampled windows); the token bucket has tests of its own below. */
const TOPIC_PRODUCE = { quotas: { algorithm: "sampled_rate", topics: [{ topic: "slow", produce_bytes_per_second: 10000 }] } };

for (const version of PRODUCE_VERSIONS) {
  test(`Produce v${version}: a topic over its quota gets Kafka's throttle time in the response; another topic's response passes untouched`, async () => {
    const c = await codec();
    const { host } = await load(TOPIC_PRODUCE);
    const conn = host.connect();
    learnIds(c, conn);
    const records = batchOfBytes(200_000);
    const req = produceRequest(c, version, 1, [{ topic: "slow", records }]);
    assert.ok(conn.fromClient(req).equals(req), "the request passes unchanged");
    const resp = produceResponse(c, version, 1, ["slow"]);
    const out = conn.fromBroker(resp);
    const expected = kafkaThrottle(records.length, 10000);
    assert.ok(expected > 0);
    if (version >= 1) {
      assert.equal(out.length, resp.length, "same length");
      const back = c.decodeResponse(out, "Produce", version);
      assert.equal(back.body.throttleTimeMs, expected);
      const unpatched = c.decodeResponse(resp, "Produce", version).body as any;
      assert.deepEqual({ ...back.body, throttleTimeMs: 0 }, { ...unpatched, throttleTimeMs: 0 }, "nothing else changed");
      assert.equal(host.metric("topic_quota.produce_throttle_ms.topic_slow"), BigInt(expected));
    } else {
      assert.ok(out.equals(resp), "v0 has no throttle field");
    }
    const free = produceRequest(c, version, 2, [{ topic: "free", records }]);
    conn.fromClient(free);
    const freeResp = produceResponse(c, version, 2, ["free"]);
    assert.ok(conn.fromBroker(freeResp).equals(freeResp), "a topic without a quota is not throttled");
    assert.equal(conn.closed, false);
  });
}

test("Produce: a broker's larger throttle is kept, a smaller one is raised", async () => {
  const c = await codec();
  const { host } = await load(TOPIC_PRODUCE);
  const conn = host.connect();
  const records = batchOfBytes(200_000);
  const ours = kafkaThrottle(records.length, 10000);
  conn.fromClient(produceRequest(c, 9, 1, [{ topic: "slow", records }]));
  assert.equal(c.decodeResponse(conn.fromBroker(produceResponse(c, 9, 1, ["slow"], ours + 5000)), "Produce", 9).body.throttleTimeMs, ours + 5000);
  conn.fromClient(produceRequest(c, 9, 2, [{ topic: "slow", records: batchOfBytes(100) }]));
  const second = c.decodeResponse(conn.fromBroker(produceResponse(c, 9, 2, ["slow"], 3)), "Produce", 9).body.throttleTimeMs as number;
  assert.ok(second > 3 && second >= ours, `raised from the broker's 3 ms: ${second}`);
});

test("Produce: the rate is measured over Kafka's window; the throttle falls as windows pass, and is capped at max_throttle_ms", async () => {
  const c = await codec();
  const { host, clock } = await load({ quotas: { algorithm: "sampled_rate", topics: [{ topic: "slow", produce_bytes_per_second: 10000 }], max_throttle_ms: 15000 } });
  const conn = host.connect();
  const throttleAfter = (corr: number, bytes: number): number => {
    conn.fromClient(produceRequest(c, 9, corr, [{ topic: "slow", records: batchOfBytes(bytes) }]));
    return c.decodeResponse(conn.fromBroker(produceResponse(c, 9, corr, ["slow"])), "Produce", 9).body.throttleTimeMs as number;
  };
  const first = batchOfBytes(150_000).length;
  assert.equal(throttleAfter(1, 150_000), kafkaThrottle(first, 10000, 10000, 15000));
  // 5.5 s later: the same bytes over the same minimum span (fewer than 10 whole windows elapsed).
  clock.ms += 5500;
  const small = batchOfBytes(100).length;
  assert.equal(throttleAfter(2, 100), kafkaThrottle(first + small, 10000, 10000 + 500, 15000));
  // 11 s after the first: its window has left the 11 retained ones; only the small ones remain.
  clock.ms = T0 + 11_000;
  assert.equal(throttleAfter(3, 100), 0);
  // The cap: far over the quota.
  assert.equal(throttleAfter(4, 900_000), 15000);
});

const TENANT_FETCH = { quotas: { algorithm: "sampled_rate", tenants: [{ tenant: "consumer*", fetch_bytes_per_second: 10000 }] } };

for (const version of FETCH_VERSIONS) {
  test(`Fetch v${version}: a tenant over its fetch quota gets the throttle in the response, whole or streamed in pieces from a 9-byte head`, async () => {
    const c = await codec();
    for (const pieces of [1, 3]) {
      const { host } = await load(TENANT_FETCH);
      const conn = host.connect();
      learnIds(c, conn);
      conn.fromClient(fetchRequest(c, version, 7, ["slow"]));
      const resp = fetchResponse(c, version, 7, [{ topic: "slow", records: batchOfBytes(150_000) }]);
      const cuts = pieces === 1 ? [resp] : [resp.subarray(0, 9), resp.subarray(9, 5000), resp.subarray(5000)];
      const out = Buffer.concat(cuts.map((p) => conn.fromBroker(p)));
      assert.equal(out.length, resp.length);
      const expected = kafkaThrottle(resp.length, 10000);
      if (version >= 1) {
        const back = c.decodeResponse(out, "Fetch", version).body as any;
        assert.equal(back.throttleTimeMs, expected, `${pieces} piece(s)`);
        const diff = [...out].flatMap((b, i) => (b !== resp[i] ? [i] : []));
        assert.ok(diff.length > 0 && diff.length <= 4, `only the 4 bytes of the field changed: ${diff}`);
        assert.equal(host.metric("topic_quota.fetch_throttle_ms.tenant_consumer"), BigInt(expected));
      } else {
        assert.ok(out.equals(resp), "v0 has no throttle field");
      }
      assert.equal(conn.closed, false);
    }
  });
}

test("Fetch: a topic's fetch quota throttles the responses after the ones that took it over, and only connections fetching it", async () => {
  const c = await codec();
  const { host } = await load({ quotas: { algorithm: "sampled_rate", topics: [{ topic: "slow", fetch_bytes_per_second: 10000 }] } });
  const conn = host.connect();
  learnIds(c, conn);
  const records = batchOfBytes(150_000);
  const throttleOf = (version: number, corr: number, topic: "slow" | "free"): number => {
    conn.fromClient(fetchRequest(c, version, corr, [topic]));
    return c.decodeResponse(conn.fromBroker(fetchResponse(c, version, corr, [{ topic, records }])), "Fetch", version).body.throttleTimeMs as number;
  };
  assert.equal(throttleOf(13, 1, "slow"), 0, "nothing fetched before");
  assert.equal(throttleOf(13, 2, "slow"), kafkaThrottle(records.length, 10000), "the first response's records count");
  const other = host.connect();
  other.fromClient(fetchRequest(c, 12, 3, ["free"]));
  const freeResp = fetchResponse(c, 12, 3, [{ topic: "free", records }]);
  assert.ok(other.fromBroker(freeResp).equals(freeResp), "a consumer of another topic is not throttled");
});

for (const version of FETCH_VERSIONS) {
  test(`Fetch v${version}: max_bytes and partition limits are lowered in place for a topic under a fetch quota`, async () => {
    const c = await codec();
    const { host } = await load({ quotas: { topics: [{ topic: "slow", fetch_bytes_per_second: 100000 }], fetch_max_bytes_seconds: 2 } });
    const conn = host.connect();
    learnIds(c, conn);
    const req = fetchRequest(c, version, 5, ["slow"], 52428800, 8388608);
    const out = conn.fromClient(req);
    assert.equal(out.length, req.length);
    const body = c.decodeRequest(out).body as any;
    if (version >= 3) {
      assert.equal(body.maxBytes, 200000, "2 s of the quota");
      assert.equal(body.topics[0].partitions[0].partitionMaxBytes, 1048588, "never below a default-sized batch");
      assert.equal(host.metric("topic_quota.limited_fetches"), 1n);
    } else {
      assert.ok(out.equals(req), "v0–v2 cannot be lowered safely (no KIP-74)");
    }
    const { host: h2 } = await load({ quotas: { topics: [{ topic: "slow", fetch_bytes_per_second: 100000 }] } });
    const mixed = h2.connect();
    learnIds(c, mixed);
    const both = fetchRequest(c, version, 6, ["slow", "free"], 52428800, 8388608);
    const b2 = c.decodeRequest(mixed.fromClient(both)).body as any;
    if (version >= 3) {
      assert.equal(b2.maxBytes, 52428800, "a free topic in the same fetch keeps the response's limit");
      assert.deepEqual(b2.topics.map((t: any) => t.partitions[0].partitionMaxBytes), [1048588, 8388608]);
    }
  });
}

test("a tenant's fetch quota lowers max_bytes of every fetch it makes", async () => {
  const c = await codec();
  const { host } = await load({ quotas: { tenants: [{ tenant: "consumer", fetch_bytes_per_second: 50000 }] } });
  const conn = host.connect();
  const body = c.decodeRequest(conn.fromClient(fetchRequest(c, 12, 1, ["free"]))).body as any;
  assert.equal(body.maxBytes, 50000);
  const other = host.connect();
  const req = fetchRequest(c, 12, 1, ["free"], 52428800, 1048576, "someone-else");
  assert.ok(other.fromClient(req).equals(req));
});

test("counters are shared by two worker VMs: bytes produced through either count against one quota", async () => {
  const c = await codec();
  const shared = new SharedState();
  const clock = new Clock();
  const a = await load(TOPIC_PRODUCE, { shared, clock });
  const b = await load(TOPIC_PRODUCE, { shared, clock });
  const ca = a.host.connect(), cb = b.host.connect();
  const records = batchOfBytes(80_000);
  ca.fromClient(produceRequest(c, 9, 1, [{ topic: "slow", records }]));
  const ta = c.decodeResponse(ca.fromBroker(produceResponse(c, 9, 1, ["slow"])), "Produce", 9).body.throttleTimeMs;
  assert.equal(ta, 0, "80 kB over 10 s is within 10 kB/s");
  cb.fromClient(produceRequest(c, 9, 1, [{ topic: "slow", records }]));
  const tb = c.decodeResponse(cb.fromBroker(produceResponse(c, 9, 1, ["slow"])), "Produce", 9).body.throttleTimeMs;
  assert.equal(tb, kafkaThrottle(2 * records.length, 10000), "the second VM sees the first VM's bytes");
});

test("the shared table holds at most max_tracked_keys keys; a new key takes over the least recently used slot", async () => {
  const c = await codec();
  const shared = new SharedState();
  const { host, clock } = await load({ quotas: { topics: [{ topic: "*", produce_bytes_per_second: 10000 }], max_tracked_keys: 8 } }, { shared });
  const conn = host.connect();
  for (let i = 0; i < 100; i++) {
    clock.ms += 10;
    const req = c.request("Produce", 9, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: `t${i}`, partitionData: [{ index: 0, records: batchOfBytes(200) }] }] }, { correlationId: i + 1, clientId: "app" });
    conn.fromClient(req);
    conn.fromBroker(c.response("Produce", 9, i + 1, { throttleTimeMs: 0, responses: [{ name: `t${i}`, partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 0n, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null }] }] }));
  }
  const slots = [...shared.data.keys()].filter((k) => /^topic_quota\.(rate|bucket)/.test(k));
  assert.ok(slots.length <= 8 && slots.length >= 4, `slots: ${slots.join(",")}`);
  const held = slots.map((k) => keyOf(shared.data.get(k)!.value));
  assert.ok(held.includes("p.t.t99"), `the newest key is tracked: ${held.join(",")}`);
  assert.equal(conn.closed, false);
});

test("reconfiguration applies to open connections without closing them; a bad configuration is refused and the running one kept", async () => {
  const c = await codec();
  const { host } = await load(TOPIC_PRODUCE);
  const conn = host.connect();
  const records = batchOfBytes(200_000);
  const throttle = (corr: number): number => {
    conn.fromClient(produceRequest(c, 9, corr, [{ topic: "slow", records: batchOfBytes(100) }]));
    return c.decodeResponse(conn.fromBroker(produceResponse(c, 9, corr, ["slow"])), "Produce", 9).body.throttleTimeMs as number;
  };
  conn.fromClient(produceRequest(c, 9, 1, [{ topic: "slow", records }]));
  conn.fromBroker(produceResponse(c, 9, 1, ["slow"]));
  assert.ok(throttle(2) > 0);
  assert.equal(reconfigure(host, { quotas: { topics: [{ topic: "slow", produce_bytes_per_second: 0.5e9 }] } }), true);
  assert.equal(throttle(3), 0, "the raised quota applies at once, the bytes already counted stay");
  assert.equal(reconfigure(host, { quotas: { topics: [{ topic: "slow", produce_bytes_per_second: -1 }] } }), false);
  assert.match(host.logs.map((l) => l.message).join("\n"), /quotas\.topics\[0\]\.produce_bytes_per_second: must be a number from 0/);
  assert.equal(throttle(4), 0, "the refused configuration changed nothing");
  assert.equal(reconfigure(host, TOPIC_PRODUCE), true);
  assert.ok(throttle(5) > 0, "the lower quota again, with the counted bytes");
  assert.equal(conn.closed, false);
});

test("configuration errors name the field", async () => {
  const cases: [object, RegExp][] = [
    [{ quotas: [] }, /quotas: must be an object/],
    [{ quotas: { tenant_key: "user" } }, /quotas\.tenant_key: must be one of client_id, sasl_principal, source_address, sni/],
    [{ quotas: { samples: 1 } }, /quotas\.samples: must be a whole number from 2 to 100/],
    [{ quotas: { window_seconds: 0.5 } }, /quotas\.window_seconds: must be a whole number/],
    [{ quotas: { max_throttle_ms: 0 } }, /quotas\.max_throttle_ms/],
    [{ quotas: { max_tracked_keys: 0 } }, /quotas\.max_tracked_keys/],
    [{ quotas: { fetch_max_bytes_seconds: 0 } }, /quotas\.fetch_max_bytes_seconds: must be a number above 0/],
    [{ quotas: { topicz: [] } }, /quotas\.topicz: unknown setting/],
    [{ quotas: { topics: {} } }, /quotas\.topics: must be an array/],
    [{ quotas: { topics: [{ produce_bytes_per_second: 1 }] } }, /quotas\.topics\[0\]\.topic: must be a non-empty name or glob/],
    [{ quotas: { topics: [{ topic: "a", produce_bytes_per_second: 1 }, { topic: "b" }] } }, /quotas\.topics\[1\]: needs produce_bytes_per_second or fetch_bytes_per_second/],
    [{ quotas: { tenants: [{ tenant: "x", fetch_bytes_per_second: "1MB" }] } }, /quotas\.tenants\[0\]\.fetch_bytes_per_second: must be a number/],
    [{ quotas: { tenants: [{ tenant: "x", fetch_bytes_per_sec: 1 }] } }, /quotas\.tenants\[0\]\.fetch_bytes_per_sec: unknown setting/],
  ];
  for (const [config, message] of cases) {
    const host = await PluginHost.load(WASM, { configuration: JSON.stringify(config) });
    assert.equal(host.configured, false, JSON.stringify(config));
    assert.match(host.logs.map((l) => l.message).join("\n"), message);
  }
});

test("fuzz: mutated and random frames through every quota path never trap the VM", async () => {
  const c = await codec();
  const rand = prng(16016);
  const config = { quotas: { topics: [{ topic: "*", produce_bytes_per_second: 1000, fetch_bytes_per_second: 1000 }], tenants: [{ tenant: "*", produce_bytes_per_second: 1000, fetch_bytes_per_second: 1000 }] } };
  const { host, clock } = await load(config);
  const seeds: [Buffer, Buffer][] = [];
  for (const v of [1, 3, 9, 13]) seeds.push([produceRequest(c, v, 1, [{ topic: "slow", records: batchOfBytes(300) }]), produceResponse(c, v, 1, ["slow"])]);
  for (const v of [1, 4, 7, 12, 13, 16, 18]) seeds.push([fetchRequest(c, v, 1, ["slow", "free"]), fetchResponse(c, v, 1, [{ topic: "slow", records: batchOfBytes(300) }])]);
  let survived = 0;
  for (let i = 0; i < 3000; i++) {
    clock.ms += Math.floor(rand() * 300);
    const [req, resp] = seeds[Math.floor(rand() * seeds.length)];
    const mreq = Buffer.from(req), mresp = Buffer.from(resp);
    const flips = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < flips; k++) {
      const target = rand() < 0.5 ? mreq : mresp;
      // Mostly past the size prefix and correlation id, so the frame still reaches the quota code.
      const at = 8 + Math.floor(rand() * (target.length - 12));
      // Half the time a byte, half the time a whole length or count made extreme.
      if (rand() < 0.5) target[at] = Math.floor(rand() * 256);
      else target.writeUInt32BE([0x7fffffff, 0x80000000, 0xffffffff, 0x00ffffff, Math.floor(rand() * 2 ** 32)][Math.floor(rand() * 5)], at);
    }
    const conn = host.connect();
    try {
      conn.fromClient(mreq);
      const cut = 1 + Math.floor(rand() * (mresp.length - 1));
      if (!conn.closed) conn.fromBroker(mresp.subarray(0, cut));
      if (!conn.closed) conn.fromBroker(mresp.subarray(cut));
      survived++;
    } catch (e) {
      if (e instanceof WasmTrap) throw e;
      throw e;
    } finally {
      if (!conn.closed) conn.close();
    }
  }
  assert.equal(survived, 3000);
  // Random bytes as whole frames, too.
  for (let i = 0; i < 300; i++) {
    const conn = host.connect();
    const junk = Buffer.from(Array.from({ length: 8 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
    conn.fromClient(junk);
    if (!conn.closed) conn.fromBroker(junk);
    if (!conn.closed) conn.close();
  }
});

test("splitFrames sanity: the example forwards one frame per frame", async () => {
  const c = await codec();
  const { host } = await load(TOPIC_PRODUCE);
  const conn = host.connect();
  const two = Buffer.concat([produceRequest(c, 9, 1, [{ topic: "free", records: batchOfBytes(100) }]), produceRequest(c, 9, 2, [{ topic: "slow", records: batchOfBytes(100) }])]);
  assert.equal(splitFrames(conn.fromClient(two)).length, 2);
});

test("eviction takes the least recently used key: a key used again survives, the oldest goes", async () => {
  const c = await codec();
  const shared = new SharedState();
  // Four slots and four probes: every key may use every slot.
  const { host, clock } = await load({ quotas: { topics: [{ topic: "*", produce_bytes_per_second: 10000 }], max_tracked_keys: 4 } }, { shared });
  const conn = host.connect();
  let corr = 0;
  const produce = (topic: string) => {
    clock.ms += 100;
    corr++;
    conn.fromClient(c.request("Produce", 9, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batchOfBytes(200) }] }] }, { correlationId: corr, clientId: "app" }));
    conn.fromBroker(c.response("Produce", 9, corr, { throttleTimeMs: 0, responses: [{ name: topic, partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 0n, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null }] }] }));
  };
  const tracked = () => [...shared.data.entries()].filter(([k]) => /^topic_quota\.(rate|bucket)/.test(k)).map(([, e]) => keyOf(e.value)).sort();
  for (const t of ["a", "b", "c", "d"]) produce(t);
  assert.deepEqual(tracked(), ["p.t.a", "p.t.b", "p.t.c", "p.t.d"]);
  produce("a");
  produce("e");
  assert.deepEqual(tracked(), ["p.t.a", "p.t.c", "p.t.d", "p.t.e"], "b, the least recently used, was evicted");
});

test("token bucket (the default): credit of quota × samples × window, then a throttle of the debt over the quota, refilled with time", async () => {
  const c = await codec();
  const { host, clock } = await load({ quotas: { topics: [{ topic: "slow", produce_bytes_per_second: 10000 }] } });
  const conn = host.connect();
  let corr = 0;
  const throttleAfter = (bytes: number): number => {
    corr++;
    conn.fromClient(produceRequest(c, 9, corr, [{ topic: "slow", records: batchOfBytes(bytes) }]));
    return c.decodeResponse(conn.fromBroker(produceResponse(c, 9, corr, ["slow"])), "Produce", 9).body.throttleTimeMs as number;
  };
  const burst = 10000 * 11; // 11 samples of 1 s
  const a = batchOfBytes(100_000).length;
  assert.equal(throttleAfter(100_000), 0, "within the credit");
  const b = batchOfBytes(50_000).length;
  assert.equal(throttleAfter(50_000), Math.round((a + b - burst) / 10000 * 1000), "the debt over the quota");
  clock.ms += 3000;
  const d = batchOfBytes(100).length;
  assert.equal(throttleAfter(100), Math.round((a + b + d - burst - 30000) / 10000 * 1000), "3 s refilled 30 kB");
  clock.ms += 60_000;
  assert.equal(throttleAfter(100), 0, "refilled up to the credit, never beyond");
  assert.equal(throttleAfter(burst - 2 * d - 1000), 0);
  assert.ok(throttleAfter(5000) > 0, "the credit is capped at quota × samples × window");
});

test("the configuration in docs/quotas.md and the example's README is accepted", async () => {
  const fs = await import("node:fs");
  const docs = fs.readFileSync(rootPath("docs", "quotas.md"), "utf8");
  const fromDocs = /cat > quota\.json <<'JSON'\n([\s\S]*?)\nJSON/.exec(docs)![1];
  const readme = fs.readFileSync(rootPath("examples", "topic-quota", "README.md"), "utf8");
  const fromReadme = /```json\n([\s\S]*?)\n```/.exec(readme)![1];
  for (const text of [fromDocs, fromReadme]) {
    const host = await PluginHost.load(WASM, { configuration: text });
    assert.equal(host.configured, true, host.logs.map((l) => l.message).join("\n"));
  }
});

test("tenant_key source_address: the client's IP is the tenant, whatever its client.id", async () => {
  const c = await codec();
  const { host } = await load({ quotas: { algorithm: "sampled_rate", tenant_key: "source_address", tenants: [{ tenant: "10.1.2.*", produce_bytes_per_second: 10000 }] } });
  host.setProperty("source.address", "10.1.2.3:5555");
  const conn = host.connect();
  const records = batchOfBytes(200_000);
  const req = produceRequest(c, 9, 1, [{ topic: "free", records }], "any-client");
  conn.fromClient(req);
  const back = c.decodeResponse(conn.fromBroker(produceResponse(c, 9, 1, ["free"])), "Produce", 9).body;
  assert.equal(back.throttleTimeMs, kafkaThrottle(req.length, 10000), "the request's size on the wire counts against the tenant");
  assert.equal(host.metric("topic_quota.produce_throttle_ms.tenant_10_1_2_3"), BigInt(back.throttleTimeMs as number));
  host.setProperty("source.address", "10.9.9.9:5555");
  const other = host.connect();
  other.fromClient(produceRequest(c, 9, 1, [{ topic: "free", records }], "any-client"));
  const resp = produceResponse(c, 9, 1, ["free"]);
  assert.ok(other.fromBroker(resp).equals(resp), "another address has no quota");
});

test("tenant_key sasl_principal: the principal a SaslAuthenticate established is the tenant; before it, unauthenticated", async () => {
  const c = await codec();
  const { host } = await load({ quotas: { algorithm: "sampled_rate", tenant_key: "sasl_principal", tenants: [{ tenant: "alice", produce_bytes_per_second: 10000 }] } });
  const conn = host.connect();
  conn.fromClient(c.request("SaslHandshake", 1, { mechanism: "PLAIN" }, { correlationId: 1 }));
  conn.fromBroker(c.response("SaslHandshake", 1, 1, { errorCode: 0, mechanisms: ["PLAIN"] }));
  conn.fromClient(c.request("SaslAuthenticate", 2, { authBytes: Buffer.from("\0alice\0alice-secret") }, { correlationId: 2 }));
  conn.fromBroker(c.response("SaslAuthenticate", 2, 2, { errorCode: 0, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n }));
  const req = produceRequest(c, 9, 3, [{ topic: "free", records: batchOfBytes(200_000) }]);
  conn.fromClient(req);
  const back = c.decodeResponse(conn.fromBroker(produceResponse(c, 9, 3, ["free"])), "Produce", 9).body;
  assert.equal(back.throttleTimeMs, kafkaThrottle(req.length, 10000));
  assert.ok((host.metric("topic_quota.produce_throttle_ms.tenant_alice") ?? 0n) > 0n);
  assert.ok(!host.logs.some((l) => l.message.includes("alice-secret")), "the password is never logged");
});

test("a new root context with a new configuration (Envoy's way of reconfiguring) governs the open connections of the previous one", async () => {
  const c = await codec();
  const { host } = await load(TOPIC_PRODUCE);
  const old = host.connect();
  const records = batchOfBytes(200_000);
  old.fromClient(produceRequest(c, 9, 1, [{ topic: "slow", records }]));
  assert.ok((c.decodeResponse(old.fromBroker(produceResponse(c, 9, 1, ["slow"])), "Produce", 9).body.throttleTimeMs as number) > 0);
  // Envoy: the same VM, a second root context configured with the new plugin configuration.
  const h = host as any;
  const newRoot = 900;
  const text = Buffer.from(JSON.stringify({ quotas: { algorithm: "sampled_rate", topics: [{ topic: "slow", produce_bytes_per_second: 0.5e9 }] } }));
  h.withContext({ id: newRoot, kind: "root" }, () => h.exportsMap.proxy_on_context_create(newRoot, 0));
  h.buffers.set(7, text);
  const ok = h.withContext({ id: newRoot, kind: "root" }, () => h.exportsMap.proxy_on_configure(newRoot, text.length)) !== 0;
  h.buffers.delete(7);
  assert.equal(ok, true);
  old.fromClient(produceRequest(c, 9, 2, [{ topic: "slow", records: batchOfBytes(100) }]));
  assert.equal(c.decodeResponse(old.fromBroker(produceResponse(c, 9, 2, ["slow"])), "Produce", 9).body.throttleTimeMs, 0, "the old root's connection follows the new quota");
  assert.equal(old.closed, false);
});
