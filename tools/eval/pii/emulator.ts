// Runs corpus records through the real pii-filter module in the host emulator, as Produce
// requests (one batch of up to 100 records per request), and returns each record as the
// broker would store it.
import { PluginHost } from "../../testing/index.js";
import { Dissector } from "../../dissector/dissector.js";
import { rootPath } from "../../lib/paths.js";
import { batchOf, parseBatch } from "../../../tests/tools/batches.js";
import { Sample } from "./sample.js";
import { Outcome } from "./score.js";

export const PII_MODULE = rootPath("build", "pii-filter.wasm");

function produceFrame(d: Dissector, batch: Buffer, corr: number): Buffer {
  const body = d.encodeBody(0, 9, false, JSON.stringify({ transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: "eval", partitionData: [{ index: 0, records: batch.toString("base64") }] }] }));
  if (!body.ok) throw new Error(body.text);
  const h = Buffer.alloc(8); h.writeInt16BE(0, 0); h.writeInt16BE(9, 2); h.writeInt32BE(corr, 4);
  const rest = Buffer.concat([h, Buffer.from([0, 4]), Buffer.from("eval"), Buffer.from([0]), body.bytes]);
  const size = Buffer.alloc(4); size.writeInt32BE(rest.length);
  return Buffer.concat([size, rest]);
}

/** Masks `samples` with `configuration` through `module`; the records come back in order. */
export async function maskInEmulator(samples: Sample[], configuration = "{}", module = PII_MODULE): Promise<Outcome[]> {
  const d = await Dissector.load();
  const host = await PluginHost.load(module, { configuration });
  if (!host.configured) throw new Error("pii-filter refused the configuration: " + host.logs.map((l) => l.message).join("; "));
  const conn = host.connect();
  const out: Outcome[] = [];
  const per = 100;
  for (let at = 0, corr = 1; at < samples.length; at += per, corr++) {
    const group = samples.slice(at, at + per);
    const frame = conn.fromClient(produceFrame(d, batchOf(group.map((s) => Buffer.from(s.value))), corr));
    if (host.trapped) throw host.trapped;
    if (conn.closed) throw new Error(`pii-filter closed the connection on records ${at}..${at + group.length - 1}: ${host.logs.map((l) => l.message).join("; ")}`);
    const json = JSON.parse(d.decodeBody(0, 9, false, frame.subarray(4 + d.requestHeaderLength(frame.subarray(4)))).text);
    const batch = parseBatch(Buffer.from(json.topicData[0].partitionData[0].records, "base64"));
    if (batch.count !== group.length) throw new Error(`expected ${group.length} records back, got ${batch.count}`);
    batch.records.forEach((r, i) => out.push({ sample: group[i], masked: Buffer.from(r.value ?? Buffer.alloc(0)) }));
    conn.fromBroker(ack(corr));
  }
  return out;
}

/** A minimal Produce v9 response header (correlation id, no tags) so the filter's in-flight queue stays short. */
function ack(corr: number): Buffer {
  const b = Buffer.alloc(9);
  b.writeInt32BE(5, 0);
  b.writeInt32BE(corr, 4);
  return b;
}
