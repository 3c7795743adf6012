// SASL: after SaslHandshake v0 the tokens travel as raw size-prefixed frames with no Kafka
// header; the stream layer must pass them through and keep request/response matching intact.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PluginHost } from "../../tools/testing/index.js";
import { OBSERVE_WASM } from "../tools/replay.js";

function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}
function str16(s: string): Buffer { const b = Buffer.alloc(2); b.writeInt16BE(Buffer.byteLength(s)); return Buffer.concat([b, Buffer.from(s)]); }
/** A request header v1: api key, version, correlation id, client id. */
function requestHeader(api: number, version: number, corr: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeInt16BE(api, 0); h.writeInt16BE(version, 2); h.writeInt32BE(corr, 4);
  return Buffer.concat([h, str16("sasl-test")]);
}
function responseHeader(corr: number): Buffer { const h = Buffer.alloc(4); h.writeInt32BE(corr); return h; }
const i16 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };

/** SaslHandshake v0 for `mechanism`, answered OK; then `rounds` raw token exchanges; then Metadata v1 (empty topic list). */
function session(mechanism: string, rounds: number): { client: Buffer[]; broker: Buffer[] } {
  const client: Buffer[] = [], broker: Buffer[] = [];
  client.push(frame(Buffer.concat([requestHeader(17, 0, 1), str16(mechanism)])));
  broker.push(frame(Buffer.concat([responseHeader(1), i16(0), i32(1), str16(mechanism)])));
  for (let r = 0; r < rounds; r++) {
    // Raw tokens: arbitrary bytes that would be nonsense as Kafka headers.
    client.push(frame(Buffer.from(`\u0000user\u0000pass-${r}-token-that-is-not-a-header`)));
    broker.push(frame(Buffer.from(r === rounds - 1 ? "" : `server-first-${r}`)));
  }
  client.push(frame(Buffer.concat([requestHeader(3, 1, 2), i32(0)])));
  broker.push(frame(Buffer.concat([responseHeader(2), i32(0), i32(-1), i32(0)])));
  return { client, broker };
}

for (const [mechanism, rounds] of [["PLAIN", 1], ["SCRAM-SHA-256", 2], ["SCRAM-SHA-512", 2]] as [string, number][]) {
  test(`SaslHandshake v0 with ${mechanism}: ${rounds} raw round trip(s) pass through, matching stays in step`, async () => {
    const host = await PluginHost.load(OBSERVE_WASM, { configuration: "{}" });
    const conn = host.connect();
    const s = session(mechanism, rounds);
    for (let i = 0; i < s.client.length; i++) {
      assert.ok(conn.fromClient(s.client[i]).equals(s.client[i]), `client frame ${i} changed`);
      assert.ok(conn.fromBroker(s.broker[i]).equals(s.broker[i]), `broker frame ${i} changed`);
    }
    const m = host.metricsByName();
    assert.equal(conn.closed, false);
    assert.equal(m["kafka_stream.kafka_observe.malformed_frames"] ?? 0, 0);
    assert.equal(m["kafka_stream.kafka_observe.unmatched_responses"] ?? 0, 0);
    assert.equal(m["kafka_observe.requests.api_SaslHandshake"], 1);
    assert.equal(m["kafka_observe.requests.api_Metadata"], 1);
    assert.equal(m["kafka_observe.responses.api_Metadata"], 1, "the Metadata response after the raw tokens matched its request");
  });
}

test("a mechanism with an unknown number of raw rounds switches to passthrough under that policy", async () => {
  const host = await PluginHost.load(OBSERVE_WASM, { configuration: JSON.stringify({ on_malformed: "passthrough" }) });
  const conn = host.connect();
  const s = session("GSSAPI", 3);
  const sent = Buffer.concat(s.client), got: Buffer[] = [];
  for (let i = 0; i < s.client.length; i++) { got.push(conn.fromClient(s.client[i])); conn.fromBroker(s.broker[i]); }
  assert.ok(Buffer.concat(got).equals(sent));
  assert.equal(host.metric("kafka_stream.kafka_observe.passthrough_connections"), 1n);
});

test("a raw GSSAPI token as the very first frame is not parsed as a request", async () => {
  const host = await PluginHost.load(OBSERVE_WASM, { configuration: "{}" });
  const conn = host.connect();
  conn.fromClient(frame(Buffer.from([0x60, 0x82, 0x01, 0x2a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02])));
  assert.equal(conn.closed, true, "closed under the default policy");
  assert.ok(host.logs.some((l) => l.message.includes("raw GSSAPI token")));
});
