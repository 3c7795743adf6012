// `kafka-proxy-wasm decode`: prints a captured Kafka frame as JSON, using the same
// generated wasm codec plugins use.
import fs from "node:fs";
import { parseArgs } from "node:util";
import { Dissector } from "./dissector/dissector.js";

const USAGE = `kafka-proxy-wasm decode (--request | --response --api <key|name> --version <v>) [--hex <hex>] [--raw]

Reads one frame (binary on stdin, or --hex), with or without its 4-byte size prefix
(detected when it equals the bytes that follow; --raw says there is none), and prints {"header": …, "body": …} as JSON. A request names its API and version in its
header; a response does not, so give --api and --version for it.
Exit status: 0 decoded, 1 the frame did not decode (the error names the field and offset), 2 usage.
`;

export async function decodeMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      request: { type: "boolean", default: false },
      response: { type: "boolean", default: false },
      api: { type: "string" },
      version: { type: "string" },
      hex: { type: "string" },
      raw: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) { process.stdout.write(USAGE); return 0; }
  if (values.request === values.response) { process.stderr.write(`decode: give exactly one of --request or --response\n\n${USAGE}`); return 2; }
  let frame: Buffer;
  if (values.hex !== undefined) {
    const clean = values.hex.replace(/\s+/g, "");
    if (!/^([0-9a-fA-F]{2})*$/.test(clean)) { process.stderr.write("decode: --hex is not an even-length hex string\n"); return 2; }
    frame = Buffer.from(clean, "hex");
  } else {
    frame = fs.readFileSync(0);
  }
  if (!values.raw && frame.length >= 4 && frame.readInt32BE(0) === frame.length - 4) frame = frame.subarray(4);
  const d = await Dissector.load();
  let apiKey: number, version: number, header: Record<string, unknown>, headerLen: number;
  if (values.request) {
    if (frame.length < 8) { process.stderr.write(`decode: ${frame.length} bytes is too short for a request header\n`); return 1; }
    apiKey = frame.readInt16BE(0);
    version = frame.readInt16BE(2);
    headerLen = d.requestHeaderLength(frame);
    if (headerLen < 0) { process.stderr.write("decode: the request header does not decode\n"); return 1; }
    const idLen = frame.length >= 10 && headerLen >= 10 ? frame.readInt16BE(8) : -1;
    header = { requestApiKey: apiKey, requestApiVersion: version, correlationId: frame.readInt32BE(4), clientId: idLen < 0 ? null : frame.toString("utf8", 10, 10 + idLen) };
    if (values.api !== undefined && resolveApi(values.api) !== apiKey) { process.stderr.write(`decode: --api ${values.api} does not match the header's api key ${apiKey}\n`); return 1; }
  } else {
    if (values.api === undefined || values.version === undefined) { process.stderr.write(`decode: a response needs --api and --version\n\n${USAGE}`); return 2; }
    const key = resolveApi(values.api);
    if (key < 0) { process.stderr.write(`decode: unknown API "${values.api}"\n`); return 2; }
    apiKey = key;
    version = Number(values.version);
    if (frame.length < 4) { process.stderr.write(`decode: ${frame.length} bytes is too short for a response header\n`); return 1; }
    headerLen = d.responseHeaderLength(apiKey, version, frame);
    if (headerLen < 0) { process.stderr.write("decode: the response header does not decode\n"); return 1; }
    header = { correlationId: frame.readInt32BE(0) };
  }
  const body = d.decodeBody(apiKey, version, values.response, frame.subarray(headerLen));
  if (!body.ok) { process.stderr.write(`decode: ${body.text}\n`); return 1; }
  process.stdout.write(JSON.stringify({ header, body: JSON.parse(body.text) }, null, 2) + "\n");
  return 0;
}

const ENCODE_USAGE = `kafka-proxy-wasm encode (--request | --response) --api <key|name> --version <v> [--correlation-id <n>] [--client-id <id>] [--hex]

Reads JSON on stdin, either what \`decode\` prints ({"header": …, "body": …}) or just the
body, and writes the whole frame (size prefix, header, body) to stdout, binary or --hex.
Values in --correlation-id/--client-id win over the JSON header.
Exit status: 0 encoded, 1 the JSON does not fit the message (each problem is named), 2 usage.
`;

export async function encodeMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      request: { type: "boolean", default: false },
      response: { type: "boolean", default: false },
      api: { type: "string" },
      version: { type: "string" },
      "correlation-id": { type: "string" },
      "client-id": { type: "string" },
      hex: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) { process.stdout.write(ENCODE_USAGE); return 0; }
  if (values.request === values.response) { process.stderr.write(`encode: give exactly one of --request or --response\n\n${ENCODE_USAGE}`); return 2; }
  if (values.api === undefined || values.version === undefined) { process.stderr.write(`encode: --api and --version are required\n\n${ENCODE_USAGE}`); return 2; }
  const apiKey = resolveApi(values.api);
  if (apiKey < 0) { process.stderr.write(`encode: unknown API "${values.api}"\n`); return 2; }
  const version = Number(values.version);
  let doc: any;
  try { doc = JSON.parse(fs.readFileSync(0, "utf8")); } catch (e) { process.stderr.write(`encode: stdin is not JSON: ${(e as Error).message}\n`); return 1; }
  const body = doc && typeof doc === "object" && "body" in doc ? doc.body : doc;
  const header = doc && typeof doc === "object" && "header" in doc ? doc.header : {};
  const d = await Dissector.load();
  const built = d.encodeBody(apiKey, version, values.response, JSON.stringify(body));
  if (!built.ok) { process.stderr.write(`encode: ${built.text.split("\n").join("\nencode: ")}\n`); return 1; }
  const corr = Number(values["correlation-id"] ?? header.correlationId ?? 0);
  const parts: Buffer[] = [];
  const i16 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
  const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };
  if (values.request) {
    const hv = d.requestHeaderVersion(apiKey, version);
    parts.push(i16(apiKey), i16(version), i32(corr));
    if (hv >= 1) {
      const id = values["client-id"] ?? header.clientId ?? null;
      if (id === null) parts.push(i16(-1));
      else { const b = Buffer.from(String(id)); parts.push(i16(b.length), b); }
    }
    if (hv >= 2) parts.push(Buffer.from([0]));
  } else {
    parts.push(i32(corr));
    if (d.responseHeaderVersion(apiKey, version) >= 1) parts.push(Buffer.from([0]));
  }
  parts.push(built.bytes);
  const frame = Buffer.concat(parts);
  const out = Buffer.concat([i32(frame.length), frame]);
  process.stdout.write(values.hex ? out.toString("hex") + "\n" : out);
  return 0;
}

/** An API by key ("0") or name ("Produce", case-insensitive); -1 when unknown. */
function resolveApi(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const names = fs.readFileSync(new URL("../../assembly/kafka/generated/api_table.ts", import.meta.url), "utf8");
  const m = /NAME_ENDS: StaticArray<u16> = \[([^\]]*)\]/.exec(names);
  const bytes = /memory\.data<u8>\(\[([^\]]*)\]\)/.exec(names);
  if (!m || !bytes) return -1;
  const ends = m[1].split(",").map(Number);
  const blob = Buffer.from(bytes[1].split(",").map(Number));
  for (let k = 0; k < ends.length; k++) {
    const name = blob.toString("utf8", k === 0 ? 0 : ends[k - 1], ends[k]);
    if (name.toLowerCase() === text.toLowerCase()) return k;
  }
  return -1;
}
