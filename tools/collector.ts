// `kafka-proxy-wasm collector --port <p> --out <file>`: the reference collector for the
// billing plugin (and telemetry's flow edges). Usage batches are appended to the file once
// per idempotency key; the keys already stored are read back at start, so a batch retried
// after a restart is not counted twice.
//   POST /usage   billing batches (header idempotency-key, or the body's batch_id)
//   POST /flow    telemetry flow edges
//   GET  /totals  usage summed per tenant, as JSON
// An idempotent producer's batch is listed in the usage with its producer id, epoch, topic,
// partition and base sequence. Each Envoy bills such a batch once, but when a producer's retry
// went through another Envoy instance both bill it; the totals count each batch once.
import fs from "node:fs";
import http from "node:http";
import { parseArgs } from "node:util";

const USAGE = `kafka-proxy-wasm collector --port <p> --out <file> [--host 127.0.0.1]

Receives usage batches from the billing plugin (POST /usage) and flow edges from the
telemetry plugin (POST /flow), appends them to <file> as JSON lines, drops repeated
batches by idempotency key, and serves per-tenant totals at GET /totals.
`;

export interface TenantTotals {
  requests: number; produced_bytes: number; produced_records: number; fetched_bytes: number; fetched_records: number;
  /** Records of idempotent batches that another report (another Envoy instance) had billed already, not counted again. */
  duplicate_records: number;
}

/** An idempotent batch as billing lists it: [producer id, epoch, topic, partition, base sequence, records, bytes]. */
type ListedBatch = [string, number, string, number, number, number, number];

export function totalsFromFile(text: string): Record<string, TenantTotals> {
  const totals: Record<string, TenantTotals> = {};
  const billed = new Set<string>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    const rec = JSON.parse(line);
    if (rec.kind !== "usage") continue;
    for (const u of rec.batch.usage) {
      const t = (totals[u.tenant] ??= { requests: 0, produced_bytes: 0, produced_records: 0, fetched_bytes: 0, fetched_records: 0, duplicate_records: 0 });
      t.requests += u.requests; t.produced_bytes += u.produced_bytes; t.produced_records += u.produced_records;
      t.fetched_bytes += u.fetched_bytes; t.fetched_records += u.fetched_records;
      for (const b of (u.idempotent ?? []) as ListedBatch[]) {
        const key = `${b[0]}/${b[1]}/${b[2]}/${b[3]}/${b[4]}`;
        if (!billed.has(key)) { billed.add(key); continue; }
        t.produced_records -= b[5]; t.produced_bytes -= b[6]; t.duplicate_records += b[5];
      }
    }
  }
  return totals;
}

export async function collectorMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: {
    port: { type: "string" }, out: { type: "string" }, host: { type: "string", default: "127.0.0.1" },
    help: { type: "boolean", short: "h", default: false },
  } });
  if (values.help) { process.stdout.write(USAGE); return 0; }
  if (!values.port || !values.out) { process.stderr.write(`collector: --port and --out are required\n\n${USAGE}`); return 2; }
  const out = values.out;
  const seen = new Set<string>();
  if (fs.existsSync(out)) {
    for (const line of fs.readFileSync(out, "utf8").split("\n")) {
      if (line.startsWith("{")) { const rec = JSON.parse(line); if (rec.kind === "usage") seen.add(rec.key); }
    }
  }
  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/totals") {
      const text = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "";
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(totalsFromFile(text)));
      return;
    }
    if (req.method !== "POST" || (req.url !== "/usage" && req.url !== "/flow")) { res.writeHead(404); res.end(); return; }
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      let doc: any;
      try { doc = JSON.parse(body); } catch { res.writeHead(400); res.end("not JSON"); return; }
      const now = Date.now();
      if (req.url === "/flow") {
        fs.appendFileSync(out, JSON.stringify({ kind: "flow", received_at_ms: now, edges: doc.edges ?? [] }) + "\n");
        res.writeHead(200); res.end("ok");
        return;
      }
      const key = String(req.headers["idempotency-key"] ?? doc.batch_id ?? "");
      if (!key || !Array.isArray(doc.usage)) { res.writeHead(400); res.end("a usage batch needs an idempotency key and a usage list"); return; }
      if (seen.has(key)) { res.writeHead(200); res.end("duplicate"); return; }
      seen.add(key);
      fs.appendFileSync(out, JSON.stringify({ kind: "usage", key, received_at_ms: now, batch: doc }) + "\n");
      res.writeHead(200); res.end("stored");
    });
  });
  await new Promise<void>((resolve) => server.listen(Number(values.port), values.host, () => resolve()));
  process.stdout.write(`collector: listening on ${values.host}:${values.port}, writing ${out} (${seen.size} batches already stored)\nready\n`);
  await new Promise<void>((resolve) => { process.once("SIGINT", resolve); process.once("SIGTERM", resolve); });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return 0;
}
