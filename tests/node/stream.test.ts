// The stream layer, exercised through kafka-observe in the host emulator with
// recorded sessions of real clients (kcat, kafkajs) against a real broker.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { PluginHost } from "../../tools/testing/index.js";
import {
  sessionFiles, loadSession, replay, whole, byteByByte, randomSplitter, concatDirection, prng, OBSERVE_WASM,
} from "../tools/replay.js";

const load = (configuration = "{}") => PluginHost.load(OBSERVE_WASM, { configuration });

function requestCounts(host: PluginHost): Record<string, number> {
  return Object.fromEntries(Object.entries(host.metricsByName()).filter(([k]) => k.startsWith("kafka_observe.")));
}

test("there are recorded sessions to replay", () => {
  assert.ok(sessionFiles().length >= 4, "record them with node dist/tests/tools/record-sessions.js");
});

for (const file of sessionFiles()) {
  const name = path.basename(file);
  const chunks = loadSession(file);

  test(`${name}: forwarded unchanged, every frame counted`, async () => {
    const host = await load();
    const r = replay(host, chunks, whole);
    assert.ok(r.toBroker.equals(concatDirection(chunks, true)), "client bytes changed");
    assert.ok(r.toClient.equals(concatDirection(chunks, false)), "broker bytes changed");
    const m = host.metricsByName();
    assert.equal(m["kafka_observe.bytes.direction_request"], r.toBroker.length);
    assert.equal(m["kafka_observe.bytes.direction_response"], r.toClient.length);
    assert.equal(m["kafka_stream.kafka_observe.malformed_frames"] ?? 0, 0);
    assert.equal(m["kafka_stream.kafka_observe.unmatched_responses"] ?? 0, 0);
    assert.equal(r.conn.closed, false);
  });

  test(`${name}: random chunking gives byte-identical output and equal counts`, async () => {
    const base = await load();
    const expected = replay(base, chunks, whole);
    const expectedCounts = requestCounts(base);
    for (let seed = 1; seed <= 25; seed++) {
      const host = await load();
      const r = replay(host, chunks, randomSplitter(seed, seed % 5 === 0 ? 3 : 700));
      assert.ok(r.toBroker.equals(expected.toBroker), `requests differ with seed ${seed}`);
      assert.ok(r.toClient.equals(expected.toClient), `responses differ with seed ${seed}`);
      assert.deepEqual(requestCounts(host), expectedCounts, `counts differ with seed ${seed}`);
    }
  });

  test(`${name}: one byte at a time`, async () => {
    const host = await load();
    const r = replay(host, chunks, byteByByte);
    assert.ok(r.toBroker.equals(concatDirection(chunks, true)));
    assert.ok(r.toClient.equals(concatDirection(chunks, false)));
    // kafka-observe reads no bodies, so split frames stream through; ApiVersions responses are
    // held whole for the clamp, so some are reassembled too.
    assert.ok((host.metric("kafka_stream.kafka_observe.streamed_frames") ?? 0n) > 0n, "1-byte chunks must stream frames");
    assert.ok((host.metric("kafka_stream.kafka_observe.reassembled_frames") ?? 0n) > 0n, "1-byte chunks must reassemble the frames held whole");
  });
}

test("pipelined frames in one chunk per direction", async () => {
  const chunks = loadSession(sessionFiles().find((f) => f.includes("kcat-produce-0"))!);
  const host = await load();
  const conn = host.connect();
  const req = concatDirection(chunks, true), resp = concatDirection(chunks, false);
  assert.ok(conn.fromClient(req).equals(req));
  assert.ok(conn.fromBroker(resp).equals(resp));
  assert.equal(host.metric("kafka_stream.kafka_observe.unmatched_responses") ?? 0n, 0n);
  assert.ok((host.metric("kafka_observe.requests.api_Produce") ?? 0n) >= 1n);
});

test("produce with acks=0 gets no response and does not desynchronise matching", async () => {
  const chunks = loadSession(sessionFiles().find((f) => f.includes("acks0"))!);
  const host = await load();
  const r = replay(host, chunks, randomSplitter(7, 50));
  assert.ok(r.toClient.equals(concatDirection(chunks, false)));
  const m = host.metricsByName();
  assert.ok(m["kafka_observe.requests.api_Produce"] >= 1);
  assert.equal(m["kafka_observe.responses.api_Produce"] ?? 0, 0);
  assert.equal(m["kafka_stream.kafka_observe.unmatched_responses"] ?? 0, 0);
  // Requests after the acks=0 produces still matched their responses.
  assert.equal(m["kafka_observe.requests.api_Metadata"], m["kafka_observe.responses.api_Metadata"]);
});

test("garbage from a client closes the connection under the default policy", async () => {
  const host = await load();
  const conn = host.connect();
  const out = conn.fromClient(Buffer.from("GET / HTTP/1.1\r\nHost: kafka\r\n\r\n"));
  assert.equal(out.length, 0, "nothing of the garbage is forwarded");
  assert.equal(conn.closed, true);
  assert.equal(host.metric("kafka_stream.kafka_observe.malformed_frames"), 1n);
  assert.equal(host.metric("kafka_stream.kafka_observe.closed_connections"), 1n);
  assert.equal(host.logs.filter((l) => l.message.includes("malformed")).length, 1, "logged once");
  // Another connection on the same VM keeps working.
  const chunks = loadSession(sessionFiles()[0]);
  const r = replay(host, chunks, whole);
  assert.ok(r.toBroker.equals(concatDirection(chunks, true)));
});

test("passthrough policy forwards garbage and everything after it untouched", async () => {
  const host = await load(JSON.stringify({ on_malformed: "passthrough" }));
  const conn = host.connect();
  const valid = concatDirection(loadSession(sessionFiles()[0]), true);
  // A negative size prefix right after a whole frame: detectable the moment it arrives.
  const firstFrame = 4 + valid.readInt32BE(0);
  const garbage = Buffer.from("\xff\xff\xff\xf0not kafka at all", "latin1");
  const input = Buffer.concat([valid.subarray(0, firstFrame), garbage, valid]);
  assert.ok(firstFrame < 90, "the first frame must end inside the first read for this test");
  // Split so the garbage straddles chunks.
  const out = Buffer.concat([conn.fromClient(input.subarray(0, 90)), conn.fromClient(input.subarray(90, 130)), conn.fromClient(input.subarray(130))]);
  assert.ok(out.equals(input), "passthrough must forward every byte, in order");
  assert.equal(conn.closed, false);
  assert.equal(host.metric("kafka_stream.kafka_observe.passthrough_connections"), 1n);
});

test("an oversize frame gets the policy and is counted", async () => {
  const host = await load(JSON.stringify({ max_frame_bytes: 1000 }));
  const conn = host.connect();
  const chunks = loadSession(sessionFiles().find((f) => f.includes("kcat-produce-0"))!);
  const req = concatDirection(chunks, true);
  conn.fromClient(req);
  assert.equal(conn.closed, true);
  assert.equal(host.metric("kafka_stream.kafka_observe.oversize_frames"), 1n);
});

test("an invalid configuration is rejected at configure time", async () => {
  for (const bad of ['{"on_malformed": "ignore"}', '{"max_frame_bytes": -5}', "{not json"]) {
    const host = await load(bad);
    assert.equal(host.configured, false, bad);
    assert.ok(host.logs.some((l) => l.level === "error" && l.message.includes("kafka-observe")), `no error log for ${bad}`);
  }
});

test("memory stays bounded by the maximum frame size", async () => {
  const host = await load(JSON.stringify({ max_frame_bytes: 1 << 20 }));
  const conn = host.connect();
  const before = host.memoryBytes();
  // A size prefix just over the limit: refused before anything is allocated.
  const huge = Buffer.alloc(8);
  huge.writeInt32BE((1 << 20) + 1, 0);
  conn.fromClient(huge);
  assert.equal(conn.closed, true);
  assert.ok(host.memoryBytes() - before < 256 * 1024, "an oversize prefix must not allocate");
  // Many large frames, split across reads: memory stays within a few frames' worth.
  const c2 = host.connect();
  const frame = Buffer.alloc(4 + 900000);
  frame.writeInt32BE(900000, 0);
  frame.writeInt16BE(18, 4); // ApiVersions v0 header, then filler
  frame.writeInt32BE(1, 8);
  frame.writeInt16BE(-1, 12);
  const rnd = prng(3);
  for (let i = 0; i < 40; i++) {
    frame.writeInt32BE(i, 8);
    for (let p = 0; p < frame.length;) {
      const n = 1 + Math.floor(rnd() * 200000);
      c2.fromClient(frame.subarray(p, p + n));
      p += n;
    }
  }
  assert.equal(c2.closed, false);
  assert.ok(host.memoryBytes() < 24 * 1024 * 1024, `memory grew to ${host.memoryBytes()} bytes`);
});

test("fuzz: mutated and truncated sessions never trap", async () => {
  const sessions = sessionFiles().map(loadSession);
  const rnd = prng(20261122);
  let runs = 0;
  for (const policy of ["close", "passthrough"]) {
    const host = await load(JSON.stringify({ on_malformed: policy, max_frame_bytes: 1 << 20 }));
    for (let i = 0; i < 300; i++) {
      const chunks = sessions[i % sessions.length].map((c) => ({ fromClient: c.fromClient, data: Buffer.from(c.data) }));
      for (let m = 0; m < 1 + Math.floor(rnd() * 8); m++) {
        const c = chunks[Math.floor(rnd() * chunks.length)];
        if (c.data.length === 0) continue;
        const at = Math.floor(rnd() * c.data.length);
        const kind = rnd();
        if (kind < 0.6) c.data[at] = Math.floor(rnd() * 256);
        else if (kind < 0.8) c.data = c.data.subarray(0, at);
        else c.data.writeUInt8(0xff, at);
      }
      replay(host, chunks, randomSplitter(i, 300));
      runs++;
    }
    assert.equal(host.trapped, null, `trapped under policy ${policy}`);
  }
  assert.equal(runs, 600);
});
