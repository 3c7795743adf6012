// The broker-rewrite plugin in the host emulator. Random response bodies of every API and
// version a broker listener serves (tests/tools/random_messages.ts writes them from the
// descriptors, not with the codec) go through it. The test finds the addresses on its own, in the
// dissector's JSON (any object with "host" and "port", its node id beside it or in the object
// around it), and works out what must come out: every address the proxy's, every other byte as
// the codec writes the message. Responses with no addresses must come out byte for byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fetchDescriptorJars } from "../../schemas/fetch.js";
import { loadSource, mergeApis } from "../../codegen/load.js";
import { mergeDescriptors } from "../../codegen/merge.js";
import { Descriptor } from "../../codegen/descriptor.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { PluginHost } from "../../tools/testing/index.js";
import { rootPath } from "../../tools/lib/paths.js";
import { prng } from "../tools/prng.js";
import { RandomMessages } from "../tools/random_messages.js";

const WASM = rootPath("build", "broker-rewrite.wasm");
const PER_VERSION = 12;

/** The mapping every test loads: a table entry, a rule, and a default for the rest. */
const CONFIG = {
  broker_addresses: {
    nodes: { "7": "proxy-seven.example:29007" },
    host: "127.0.0.1", port_base: 19100,
    unmapped: "default", default: "bootstrap.example:19092",
  },
};

/** What CONFIG maps a node to. */
function proxyAddress(nodeId: number): { host: string; port: number } {
  if (nodeId === 7) return { host: "proxy-seven.example", port: 29007 };
  if (nodeId >= 0 && 19100 + nodeId <= 65535) return { host: "127.0.0.1", port: 19100 + nodeId };
  return { host: "bootstrap.example", port: 19092 };
}

interface ApiDescriptors { key: number; name: string; request: Descriptor; response: Descriptor; brokerServed: boolean }

async function apis(): Promise<ApiDescriptors[]> {
  const perRelease = (await fetchDescriptorJars()).map(loadSource);
  const merged = (name: string) => mergeDescriptors(perRelease.map((ds) => ds.find((x) => x.name === name)).filter((x): x is Descriptor => x !== undefined));
  return mergeApis(perRelease).map((a) => ({
    key: a.key, name: a.name, request: merged(`${a.name}Request`), response: merged(`${a.name}Response`),
    brokerServed: a.request.listeners.length === 0 || a.request.listeners.includes("broker"),
  }));
}

// ---- JSON with int64 values beyond 2^53 kept exactly ----

function parseExact(text: string): any {
  return JSON.parse(text.replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"__int:$2"'));
}
function stringifyExact(v: any): string {
  return JSON.stringify(v).replace(/"__int:(-?\d+)"/g, "$1");
}

const NODE_KEYS = ["nodeId", "brokerId", "leaderId"];

/** Every address object (has "host" and "port") with the object holding its node id; none when no node id is around it. */
function addresses(root: any): { at: any; node: any; key: string }[] {
  const out: { at: any; node: any; key: string }[] = [];
  const walk = (v: any, parents: any[]) => {
    if (Array.isArray(v)) { for (const x of v) walk(x, parents); return; }
    if (v === null || typeof v !== "object") return;
    if ("host" in v && "port" in v) {
      for (const holder of [v, ...parents.slice().reverse()]) {
        const key = NODE_KEYS.find((k) => k in holder);
        if (key) { out.push({ at: v, node: holder, key }); break; }
      }
    }
    for (const [k, x] of Object.entries(v)) if (k !== "_unknownTagged") walk(x, [...parents, v]);
  };
  walk(root, []);
  return out;
}

function requestFrame(d: Dissector, api: ApiDescriptors, version: number, correlationId: number): Buffer {
  const headerVersion = d.requestHeaderVersion(api.key, version);
  const header = d.encodeHeader(headerVersion, false, JSON.stringify({ requestApiKey: api.key, requestApiVersion: version, correlationId, clientId: "rewrite-test" }));
  assert.ok(header.ok, header.text);
  // Produce must expect a response (acks != 0); the other bodies are never read.
  const body = d.encodeBody(api.key, version, false, api.key === 0 ? '{"acks": -1}' : "{}");
  assert.ok(body.ok, `${api.name} v${version} request: ${body.text}`);
  return withSize(Buffer.concat([header.bytes, body.bytes]));
}

function responseHeader(d: Dissector, api: ApiDescriptors, version: number, correlationId: number): Buffer {
  const h = d.encodeHeader(d.responseHeaderVersion(api.key, version), true, JSON.stringify({ correlationId }));
  assert.ok(h.ok, h.text);
  return h.bytes;
}

function withSize(b: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(b.length);
  return Buffer.concat([size, b]);
}

test("every address in every broker-served response and version is the proxy's; every other byte as the codec writes it", async () => {
  const dissector = await Dissector.load();
  const host = await PluginHost.load(WASM, { configuration: JSON.stringify(CONFIG), pluginName: "rewrite" });
  assert.ok(host.configured, host.logs.map((l) => l.message).join("\n"));
  const gen = new RandomMessages(prng(0x62726b72));
  const rnd = prng(0x6e6f6465);
  const failures: string[] = [];
  let withAddresses = 0, addressCount = 0, without = 0, correlationId = 0;
  const carrying = new Set<string>();
  for (const api of await apis()) {
    // The stream layer itself acts on ApiVersions (the clamp) and SaslHandshake v0 (raw tokens follow).
    if (!api.brokerServed || api.key === 17 || api.key === 18) continue;
    for (let version = api.response.validVersions.min; version <= api.response.validVersions.max; version++) {
      for (let n = 0; n < PER_VERSION; n++) {
        const random = gen.body(api.response, version);
        const decoded = dissector.decodeBody(api.key, version, true, random);
        assert.ok(decoded.ok, `${api.name} v${version}: ${decoded.text}`);
        const doc = parseExact(decoded.text);
        const found = addresses(doc);
        // Node ids the map covers every way: the rule, the table, the default, and "no node".
        for (const a of found) {
          const pick = Math.floor(rnd() * 10);
          if (pick === 9) { a.node[a.key] = -1; a.at.host = ""; }
          else a.node[a.key] = pick < 6 ? pick : pick === 6 ? 7 : pick === 7 ? 65000 : -5;
        }
        const input = found.length > 0 ? dissector.encodeBody(api.key, version, true, stringifyExact(doc)) : { ok: true, bytes: random, text: "" };
        assert.ok(input.ok, `${api.name} v${version}: ${input.text}`);
        for (const a of found) {
          const nodeId = a.node[a.key];
          // "No node" (FindCoordinator's error answer: -1, "", -1) has no address to hide.
          if (nodeId < 0 && a.at.host === "") continue;
          const to = proxyAddress(nodeId);
          a.at.host = to.host;
          a.at.port = to.port;
        }
        const expected = found.length > 0 ? dissector.encodeBody(api.key, version, true, stringifyExact(doc)) : input;
        assert.ok(expected.ok, expected.text);
        const where = `${api.name} v${version} #${n}`;
        if (found.length > 0) { withAddresses++; addressCount += found.length; carrying.add(`${api.name} v${version}`); } else without++;

        const conn = host.connect();
        correlationId++;
        conn.fromClient(requestFrame(dissector, api, version, correlationId));
        const header = responseHeader(dissector, api, version, correlationId);
        const out = conn.fromBroker(withSize(Buffer.concat([header, input.bytes])));
        const want = withSize(Buffer.concat([header, expected.bytes]));
        if (conn.closed) failures.push(`${where}: connection closed (${host.logs.slice(-1)[0]?.message})`);
        else if (!out.equals(want)) failures.push(`${where}: got ${out.toString("hex")}\n  want ${want.toString("hex")}`);
        conn.close();
      }
    }
  }
  assert.equal(host.trapped, null);
  console.log(`# broker rewrite: ${withAddresses} responses with ${addressCount} addresses (${carrying.size} API versions), ${without} without`);
  assert.deepEqual(failures.slice(0, 3), [], `${failures.length} responses came out wrong`);
  // Every API the issue names, in every version that carries addresses, was exercised.
  for (const v of [[0, 10, 13], [1, 16, 18], [3, 0, 13], [10, 0, 6], [60, 0, 2], [78, 0, 2], [79, 0, 2]]) {
    const name = (await apis()).find((a) => a.key === v[0])!.name;
    for (let version = v[1]; version <= v[2]; version++) assert.ok(carrying.has(`${name} v${version}`), `${name} v${version} never carried an address`);
  }
  const m = host.metricsByName();
  assert.ok(m["kafka_broker_rewrite.rewrite.rewritten_addresses"] > 0);
  assert.ok(m["kafka_broker_rewrite.rewrite.unmapped_addresses"] > 0, "the default address was never used");
});

/** A Metadata v12 response naming the given brokers, as the codec writes it. */
function metadataResponse(d: Dissector, brokers: { nodeId: number; host: string; port: number }[]): Buffer {
  const body = d.encodeBody(3, 12, true, JSON.stringify({ brokers: brokers.map((b) => ({ ...b, rack: null })), clusterId: "c", controllerId: 1, topics: [] }));
  assert.ok(body.ok, body.text);
  return body.bytes;
}

test("an unmapped node with unmapped=close: nothing reaches the client, the connection closes, counted, logged once", async () => {
  const dissector = await Dissector.load();
  const config = { broker_addresses: { nodes: { "1": "127.0.0.1:19101" }, unmapped: "close" } };
  const host = await PluginHost.load(WASM, { configuration: JSON.stringify(config), pluginName: "rewrite" });
  assert.ok(host.configured);
  const api = (await apis()).find((a) => a.key === 3)!;
  for (let i = 0; i < 2; i++) {
    const conn = host.connect();
    conn.fromClient(requestFrame(dissector, api, 12, 40 + i));
    const body = metadataResponse(dissector, [{ nodeId: 1, host: "10.9.8.7", port: 9092 }, { nodeId: 2, host: "10.9.8.6", port: 9092 }]);
    const out = conn.fromBroker(withSize(Buffer.concat([responseHeader(dissector, api, 12, 40 + i), body])));
    assert.equal(out.length, 0, "bytes of a response naming an unmapped node reached the client");
    assert.equal(conn.closed, true);
  }
  const m = host.metricsByName();
  assert.equal(m["kafka_broker_rewrite.rewrite.unmapped_addresses"], 2);
  assert.equal(m["kafka_broker_rewrite.rewrite.refused_responses"], 2);
  const lines = host.logs.filter((l) => l.message.includes("node 2") && l.message.includes("no proxy address"));
  assert.equal(lines.length, 1, host.logs.map((l) => l.message).join("\n"));

  // Mapped only: rewritten, connection open.
  const conn = host.connect();
  conn.fromClient(requestFrame(dissector, api, 12, 50));
  const out = conn.fromBroker(withSize(Buffer.concat([responseHeader(dissector, api, 12, 50), metadataResponse(dissector, [{ nodeId: 1, host: "10.9.8.7", port: 9092 }])])));
  assert.equal(conn.closed, false);
  const text = dissector.decodeBody(3, 12, true, out.subarray(4 + 5)).text;
  assert.match(text, /"host": ?"127\.0\.0\.1"/);
  assert.match(text, /"port": ?19101/);
  assert.doesNotMatch(text, /10\.9\.8\.7/);
});

test("responses that cannot name brokers stream past as they arrive; so do Fetch versions without leader hints", async () => {
  const dissector = await Dissector.load();
  const host = await PluginHost.load(WASM, { configuration: JSON.stringify(CONFIG), pluginName: "rewrite" });
  const fetch = (await apis()).find((a) => a.key === 1)!;
  const gen = new RandomMessages(prng(7));
  for (const version of [15, 16]) {
    const conn = host.connect();
    conn.fromClient(requestFrame(dissector, fetch, version, 9));
    let body = gen.body(fetch.response, version);
    while (body.length < 64) body = gen.body(fetch.response, version);
    const frame = withSize(Buffer.concat([responseHeader(dissector, fetch, version, 9), body]));
    const first = conn.fromBroker(frame.subarray(0, 40));
    const rest = conn.fromBroker(frame.subarray(40));
    if (version === 15) {
      // Streamed: the first bytes go on at once.
      assert.deepEqual(first, frame.subarray(0, 40));
      assert.deepEqual(rest, frame.subarray(40));
    } else {
      // v16 can carry leader hints: held until whole.
      assert.equal(first.length, 0);
      assert.ok(rest.length > 0);
    }
  }
});

test("broker_addresses settings are checked, naming the field", async () => {
  const cases: [unknown, RegExp][] = [
    [{}, /broker_addresses: missing/],
    [{ broker_addresses: { host: "h" } }, /"host" and "port_base" go together/],
    [{ broker_addresses: { nodes: { x: "h:1" } } }, /nodes: key "x" is not a node id/],
    [{ broker_addresses: { nodes: { "1": "h" } } }, /nodes\.1: must be "host:port"/],
    [{ broker_addresses: { host: "h", port_base: 70000 } }, /port_base: must be a whole number/],
    [{ broker_addresses: { host: "h", port_base: 9000, unmapped: "default" } }, /default: needed/],
    [{ broker_addresses: { host: "h", port_base: 9000, unmapped: "open" } }, /unmapped: must be "close" or "default"/],
  ];
  for (const [config, problem] of cases) {
    const host = await PluginHost.load(WASM, { configuration: JSON.stringify(config) });
    assert.equal(host.configured, false, JSON.stringify(config));
    assert.match(host.logs.map((l) => l.message).join("\n"), problem);
  }
});

test("a response that does not decode, or of a version the codec does not know, is refused, never forwarded unread", async () => {
  const dissector = await Dissector.load();
  const host = await PluginHost.load(WASM, { configuration: JSON.stringify(CONFIG), pluginName: "rewrite" });
  const api = (await apis()).find((a) => a.key === 3)!;
  const body = metadataResponse(dissector, [{ nodeId: 1, host: "10.9.8.7", port: 9092 }]);
  // Cut inside the broker's host name: the codec stops there.
  const cut = body.subarray(0, body.indexOf(Buffer.from("10.9.8")) + 3);
  const conn = host.connect();
  conn.fromClient(requestFrame(dissector, api, 12, 60));
  const out = conn.fromBroker(withSize(Buffer.concat([responseHeader(dissector, api, 12, 60), cut])));
  assert.equal(out.length, 0);
  assert.equal(conn.closed, true);
  assert.match(host.logs.map((l) => l.message).join("\n"), /Metadata v12 response does not decode/);

  // Metadata v14: a version this codec does not know (a raw header: the dissector cannot make one).
  const unknown = host.connect();
  const header = Buffer.alloc(10);
  header.writeInt16BE(3, 0); header.writeInt16BE(api.response.validVersions.max + 1, 2); header.writeInt32BE(61, 4); header.writeInt16BE(-1, 8);
  unknown.fromClient(withSize(Buffer.concat([header, Buffer.from([0x01, 0x00, 0x00])])));
  const reply = unknown.fromBroker(withSize(Buffer.concat([Buffer.from([0, 0, 0, 61, 0]), body])));
  assert.equal(reply.length, 0, "a response of an unknown version was forwarded");
  assert.equal(unknown.closed, true);
  assert.equal(host.metricsByName()["kafka_broker_rewrite.rewrite.refused_responses"], 2);
});

test("fetch_leader_hints=hide: ApiVersions offers Fetch up to v15 and nothing else changes; by default it is left alone", async () => {
  const dissector = await Dissector.load();
  const api = (await apis()).find((a) => a.key === 18)!;
  const keys = [{ apiKey: 0, minVersion: 3, maxVersion: 13 }, { apiKey: 1, minVersion: 4, maxVersion: 17 }, { apiKey: 3, minVersion: 0, maxVersion: 13 }];
  const body = (k: typeof keys) => dissector.encodeBody(18, 3, true, JSON.stringify({ errorCode: 0, apiKeys: k })).bytes;
  for (const hide of [true, false]) {
    const config = { broker_addresses: { ...CONFIG.broker_addresses, ...(hide ? { fetch_leader_hints: "hide" } : {}) } };
    const host = await PluginHost.load(WASM, { configuration: JSON.stringify(config), pluginName: "rewrite" });
    assert.ok(host.configured);
    const conn = host.connect();
    conn.fromClient(requestFrame(dissector, api, 3, 70));
    const header = responseHeader(dissector, api, 3, 70);
    const out = conn.fromBroker(withSize(Buffer.concat([header, body(keys)])));
    const want = hide ? keys.map((k) => (k.apiKey === 1 ? { ...k, maxVersion: 15 } : k)) : keys;
    assert.deepEqual(out, withSize(Buffer.concat([header, body(want)])), hide ? "Fetch offered up to v15" : "left alone");
  }
  const bad = await PluginHost.load(WASM, { configuration: JSON.stringify({ broker_addresses: { ...CONFIG.broker_addresses, fetch_leader_hints: "drop" } }) });
  assert.equal(bad.configured, false);
  assert.match(bad.logs.map((l) => l.message).join("\n"), /fetch_leader_hints: must be "rewrite" or "hide"/);
});

test("a Metadata response of millions of tiny brokers cannot decode past the VM's budget: the connection closes, the VM stays small", async () => {
  const { KafkaCodec } = await import("../../tools/testing/index.js");
  const codec = await KafkaCodec.load();
  const host = await PluginHost.load(WASM, { configuration: JSON.stringify({ broker_addresses: { host: "proxy.example", port_base: 19100 }, vm_memory_budget_bytes: 64 << 20 }) });
  const conn = host.connect({ keepForwarded: false });
  conn.fromClient(codec.request("Metadata", 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, { correlationId: 1, clientId: "c" }));
  // Metadata v12 body: throttle, 2,000,000 brokers of 11 bytes (node id, empty host, port, null rack,
  // no tags), null cluster id, controller id, no topics, no tags: 22 MB that would decode to over 300 MB.
  const n = 2_000_000;
  const brokers = Buffer.alloc(11 * n);
  for (let i = 0; i < n; i++) { const o = i * 11; brokers.writeInt32BE(i % 1000, o); brokers[o + 4] = 1; brokers.writeInt32BE(9092, o + 5); }
  const count = [];
  for (let v = n + 1; ; v >>>= 7) { if (v < 0x80) { count.push(v); break; } count.push((v & 0x7f) | 0x80); }
  const body = Buffer.concat([Buffer.alloc(4), Buffer.from(count), brokers, Buffer.from([0]), Buffer.from([0, 0, 0, 1]), Buffer.from([1]), Buffer.from([0])]);
  const head = Buffer.alloc(9);
  head.writeInt32BE(5 + body.length, 0);
  head.writeInt32BE(1, 4);
  const frame = Buffer.concat([head, body]);
  const before = host.memoryBytes();
  let out = 0;
  for (let at = 0; at < frame.length; at += 1 << 20) out += conn.fromBroker(frame.subarray(at, at + (1 << 20))).length;
  assert.equal(host.trapped, null);
  assert.ok(conn.closed, "closed: the response cannot be rewritten, so it never reaches the client");
  assert.equal(out, 0);
  const grew = host.memoryBytes() - before;
  assert.ok(grew < 3 * frame.length, `the VM grew ${grew} bytes for a ${frame.length}-byte response`);
  assert.match(host.logs.map((l) => l.message).join("\n"), /more elements than the memory budget can decode/);
});

test("DescribeConfigs about a broker: advertised.listeners, listeners and the quorum's addresses are hidden as Kafka hides a sensitive config", async () => {
  const { KafkaCodec } = await import("../../tools/testing/index.js");
  const codec = await KafkaCodec.load();
  const host = await PluginHost.load(WASM, { configuration: JSON.stringify({ broker_addresses: { host: "proxy.example", port_base: 19100 } }) });
  const conn = host.connect();
  const cfg = (name: string, value: string | null, synonyms: { name: string; value: string | null; source: number }[] = []) =>
    ({ name, value, readOnly: true, configSource: 4, isSensitive: false, synonyms, configType: 0, documentation: null });
  for (const version of [1, 4]) {
    conn.fromClient(codec.request("DescribeConfigs", version, { resources: [{ resourceType: 4, resourceName: "1", configurationKeys: null }], includeSynonyms: true, includeDocumentation: false }, { correlationId: version, lenient: true }));
    const answer = codec.response("DescribeConfigs", version, version, {
      throttleTimeMs: 0,
      results: [
        { errorCode: 0, errorMessage: null, resourceType: 4, resourceName: "1", configs: [
          cfg("advertised.listeners", "PLAINTEXT://real-broker-1.internal:9092", [{ name: "advertised.listeners", value: "PLAINTEXT://real-broker-1.internal:9092", source: 4 }]),
          cfg("listeners", "PLAINTEXT://0.0.0.0:9092"),
          cfg("controller.quorum.voters", "1@real-controller.internal:9093"),
          cfg("num.network.threads", "3"),
        ] },
        { errorCode: 0, errorMessage: null, resourceType: 2, resourceName: "orders", configs: [cfg("listeners", "not an address here")] },
      ],
    }, { lenient: true });
    const out = conn.fromBroker(answer);
    assert.ok(!out.includes(Buffer.from("real-broker-1.internal")) && !out.includes(Buffer.from("real-controller.internal")), `v${version}: no broker address reaches the client`);
    const body = codec.decodeBody("DescribeConfigs", version, true, out.subarray(version >= 4 ? 9 : 8)) as any;
    const broker = body.results[0].configs;
    assert.deepEqual(broker.map((c: any) => [c.name, c.value, c.isSensitive]), [
      ["advertised.listeners", null, true], ["listeners", null, true], ["controller.quorum.voters", null, true], ["num.network.threads", "3", false],
    ], `v${version}`);
    assert.equal(broker[0].synonyms[0].value, null, `v${version}: synonyms too`);
    assert.equal(body.results[1].configs[0].value, "not an address here", `v${version}: a topic's configs are left alone`);
  }
  assert.equal(conn.closed, false);
});

test("broker-rewrite refuses the passthrough policies: a response passed on unread would carry the brokers' own addresses", async () => {
  for (const key of ["on_malformed", "on_over_budget"]) {
    const host = await PluginHost.load(WASM, { configuration: JSON.stringify({ broker_addresses: { host: "proxy.example", port_base: 19100 }, [key]: "passthrough" }) });
    assert.equal(host.configured, false, key);
    assert.match(host.logs.map((l) => l.message).join("\n"), new RegExp(`${key}: passthrough would forward responses the proxy has not rewritten`));
    const closing = await PluginHost.load(WASM, { configuration: JSON.stringify({ broker_addresses: { host: "proxy.example", port_base: 19100 }, [key]: "close" }) });
    assert.equal(closing.configured, true, `${key}: close is taken`);
  }
});
