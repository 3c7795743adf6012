// `kafka-proxy-wasm decode`: prints a captured Kafka frame as JSON, using the same
// generated wasm codec plugins use.
import fs from "node:fs";
import { parseArgs } from "node:util";
import { Dissector } from "./dissector/dissector.js";
import { indentJson } from "./dissector/json_text.js";

const USAGE = `kafka-proxy-wasm decode (--request | --response --api <key|name> --version <v>) [--hex <hex>] [--raw]

Reads one frame (binary on stdin, or --hex), with or without its 4-byte size prefix
(detected when it equals the bytes that follow; --raw says there is none), and prints
{"header": …, "body": …} as JSON that \`encode\` turns back into the same bytes
(docs/dissector-json.md). A request names its API and version in its header; a response
does not, so give --api and --version for it.
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
  let apiKey: number, version: number, headerVersion: number;
  if (values.request) {
    if (frame.length < 8) { process.stderr.write(`decode: ${frame.length} bytes is too short for a request header\n`); return 1; }
    apiKey = frame.readInt16BE(0);
    version = frame.readInt16BE(2);
    if (values.api !== undefined && resolveApi(values.api) !== apiKey) { process.stderr.write(`decode: --api ${values.api} does not match the header's api key ${apiKey}\n`); return 1; }
    headerVersion = d.requestHeaderVersion(apiKey, version);
  } else {
    if (values.api === undefined || values.version === undefined) { process.stderr.write(`decode: a response needs --api and --version\n\n${USAGE}`); return 2; }
    const key = resolveApi(values.api);
    if (key < 0) { process.stderr.write(`decode: unknown API "${values.api}"\n`); return 2; }
    apiKey = key;
    version = Number(values.version);
    headerVersion = d.responseHeaderVersion(apiKey, version);
  }
  const header = d.decodeHeader(headerVersion, values.response, frame);
  if (header.length < 0) { process.stderr.write(`decode: the ${values.request ? "request" : "response"} header does not decode: ${header.text}\n`); return 1; }
  const body = d.decodeBody(apiKey, version, values.response, frame.subarray(header.length));
  if (!body.ok) { process.stderr.write(`decode: ${body.text}\n`); return 1; }
  // Indented as text: JSON.parse would lose -0.0 and int64 values above 2^53.
  process.stdout.write(indentJson(`{"header":${header.text},"body":${body.text}}`) + "\n");
  return 0;
}

const ENCODE_USAGE = `kafka-proxy-wasm encode (--request | --response) --api <key|name> --version <v> [--correlation-id <n>] [--client-id <id>] [--hex] [--verbose]

Reads JSON on stdin, either what \`decode\` prints ({"header": …, "body": …}) or just the
body, and writes the whole frame (size prefix, header, body) to stdout, binary or --hex.
Fields the JSON leaves out take their defaults; --verbose names each one on stderr.
Values in --correlation-id/--client-id win over the JSON header. The JSON forms are in
docs/dissector-json.md.
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
      verbose: { type: "boolean", short: "v", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) { process.stdout.write(ENCODE_USAGE); return 0; }
  if (values.request === values.response) { process.stderr.write(`encode: give exactly one of --request or --response\n\n${ENCODE_USAGE}`); return 2; }
  if (values.api === undefined || values.version === undefined) { process.stderr.write(`encode: --api and --version are required\n\n${ENCODE_USAGE}`); return 2; }
  const apiKey = resolveApi(values.api);
  if (apiKey < 0) { process.stderr.write(`encode: unknown API "${values.api}"\n`); return 2; }
  const version = Number(values.version);
  const text = fs.readFileSync(0, "utf8");
  // Parsed here only to find the body and read the header (int16, int32 and string values,
  // which JavaScript holds exactly); the body goes to the codec as text, so no value is rounded.
  let doc: any;
  try { doc = JSON.parse(text); } catch (e) { process.stderr.write(`encode: stdin is not JSON: ${(e as Error).message}\n`); return 1; }
  const wrapped = doc !== null && typeof doc === "object" && !Array.isArray(doc) && "body" in doc;
  const header: Record<string, unknown> = wrapped && doc.header && typeof doc.header === "object" ? { ...doc.header } : {};
  const d = await Dissector.load();
  const headerVersion = values.request ? d.requestHeaderVersion(apiKey, version) : d.responseHeaderVersion(apiKey, version);
  const problems: string[] = [];
  if (values.request) {
    for (const [k, want] of [["requestApiKey", apiKey], ["requestApiVersion", version]] as const) {
      if (k in header && header[k] !== want) problems.push(`RequestHeader.${k[0].toUpperCase()}${k.slice(1)}: ${JSON.stringify(header[k])} does not match --${k === "requestApiKey" ? "api" : "version"} (${want})`);
      header[k] = want;
    }
    if (values["client-id"] !== undefined && headerVersion >= 1) header.clientId = values["client-id"];
  }
  if (values["correlation-id"] !== undefined) header.correlationId = Number(values["correlation-id"]);
  const builtHeader = d.encodeHeader(headerVersion, values.response, JSON.stringify(header));
  if (!builtHeader.ok) problems.push(...builtHeader.text.split("\n"));
  const built = d.encodeBody(apiKey, version, values.response, text, wrapped);
  if (!built.ok) problems.push(...built.text.split("\n"));
  if (problems.length > 0) { process.stderr.write(problems.map((p) => `encode: ${p}\n`).join("")); return 1; }
  if (values.verbose) {
    for (const f of [...builtHeader.filled, ...built.filled]) process.stderr.write(`encode: ${f} is not in the JSON; it takes its default\n`);
  }
  const size = Buffer.alloc(4);
  size.writeInt32BE(builtHeader.bytes.length + built.bytes.length);
  const out = Buffer.concat([size, builtHeader.bytes, built.bytes]);
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
