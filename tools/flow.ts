// `kafka-proxy-wasm flow`: renders who produces to which topic and which group consumes it,
// as an HTML page with an SVG graph (producers → topics → consumer groups), from the
// telemetry plugin's edges: Envoy's admin /stats, or a collector's JSON-lines file.
import fs from "node:fs";
import { parseArgs } from "node:util";

export interface Edge { kind: "produce" | "consume"; from: string; to: string; bytes: number }

const USAGE = `kafka-proxy-wasm flow (--admin <url> | --file <collector.jsonl>) [--out <file.html>]

Draws producers → topics → consumer groups from the telemetry plugin's flow edges, with
line widths by bytes. --admin reads Envoy's /stats (metric names: dots in names show as _);
--file reads what the collector stored (exact names). Writes flow.html unless --out says otherwise.
`;

/** Edges from Envoy's /stats text (telemetry's kafka.flow.* counters). */
export function edgesFromStats(text: string): Edge[] {
  const out: Edge[] = [];
  for (const line of text.split("\n")) {
    let m = /^wasmcustom\.kafka\.flow\.produce_bytes\.client_(.+)\.topic_([^.]+): (\d+)$/.exec(line);
    if (m) { out.push({ kind: "produce", from: m[1], to: m[2], bytes: Number(m[3]) }); continue; }
    m = /^wasmcustom\.kafka\.flow\.consume_bytes\.topic_(.+)\.group_([^.]+): (\d+)$/.exec(line);
    if (m) out.push({ kind: "consume", from: m[1], to: m[2], bytes: Number(m[3]) });
  }
  return out;
}

/** Edges from a collector file: one JSON document per line, each {"edges": [...]}; bytes are summed. */
export function edgesFromFile(text: string): Edge[] {
  const sum = new Map<string, Edge>();
  for (const line of text.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    const doc = JSON.parse(line);
    for (const e of (doc.edges ?? doc.body?.edges ?? []) as Edge[]) {
      const key = `${e.kind}\t${e.from}\t${e.to}`;
      const prev = sum.get(key);
      if (prev) prev.bytes += e.bytes; else sum.set(key, { ...e });
    }
  }
  return [...sum.values()];
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

/** The page: three columns of nodes, edges as curves whose width grows with the bytes they carry. */
export function renderFlow(edges: Edge[], title = "Kafka data flow"): string {
  const producers = [...new Set(edges.filter((e) => e.kind === "produce").map((e) => e.from))].sort();
  const topics = [...new Set(edges.map((e) => (e.kind === "produce" ? e.to : e.from)))].sort();
  const groups = [...new Set(edges.filter((e) => e.kind === "consume").map((e) => e.to))].sort();
  const rowH = 56, colX = [40, 420, 800], boxW = 260, boxH = 36;
  const rows = Math.max(producers.length, topics.length, groups.length, 1);
  const height = rows * rowH + 80, width = colX[2] + boxW + 40;
  const pos = new Map<string, { x: number; y: number }>();
  const place = (names: string[], col: number, kind: string) => names.forEach((n, i) => pos.set(`${kind}:${n}`, { x: colX[col], y: 60 + i * rowH + ((rows - names.length) * rowH) / 2 }));
  place(producers, 0, "producer");
  place(topics, 1, "topic");
  place(groups, 2, "group");
  const max = Math.max(1, ...edges.map((e) => e.bytes));
  const paths = edges.map((e) => {
    const a = pos.get(e.kind === "produce" ? `producer:${e.from}` : `topic:${e.from}`)!;
    const b = pos.get(e.kind === "produce" ? `topic:${e.to}` : `group:${e.to}`)!;
    const x1 = a.x + boxW, y1 = a.y + boxH / 2, x2 = b.x, y2 = b.y + boxH / 2, mx = (x1 + x2) / 2;
    const w = 1.5 + 10 * Math.sqrt(e.bytes / max);
    return `<path class="edge ${e.kind}" data-from="${esc(e.from)}" data-to="${esc(e.to)}" d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}" stroke-width="${w.toFixed(1)}"><title>${esc(e.from)} → ${esc(e.to)}: ${human(e.bytes)}</title></path>` +
      `<text class="edge-label" x="${mx}" y="${(y1 + y2) / 2 - 6}">${human(e.bytes)}</text>`;
  }).join("\n");
  const nodes = [...pos].map(([key, p]) => {
    const [kind, ...rest] = key.split(":");
    const name = rest.join(":");
    return `<g class="node ${kind}" data-name="${esc(name)}"><rect x="${p.x}" y="${p.y}" width="${boxW}" height="${boxH}" rx="6"/><text x="${p.x + 12}" y="${p.y + 23}">${esc(name)}</text></g>`;
  }).join("\n");
  const total = (k: string) => human(edges.filter((e) => e.kind === k).reduce((n, e) => n + e.bytes, 0));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 24px; color: #1d2330; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  p { color: #566; margin: 0 0 16px; }
  .node rect { stroke-width: 1.5; }
  .producer rect { fill: #e8f1ff; stroke: #3b73c4; }
  .topic rect { fill: #fff5e0; stroke: #c48a1b; }
  .group rect { fill: #e9f7ec; stroke: #2f8a4a; }
  .edge { fill: none; opacity: .55; }
  .edge.produce { stroke: #3b73c4; }
  .edge.consume { stroke: #2f8a4a; }
  .edge-label { font-size: 11px; fill: #566; text-anchor: middle; }
  .column { font-size: 12px; font-weight: 600; fill: #566; text-transform: uppercase; letter-spacing: .05em; }
</style></head>
<body>
<h1>${esc(title)}</h1>
<p>${producers.length} producers, ${topics.length} topics, ${groups.length} consumer groups; ${total("produce")} produced, ${total("consume")} consumed.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<text class="column" x="${colX[0]}" y="30">Producers (client.id)</text>
<text class="column" x="${colX[1]}" y="30">Topics</text>
<text class="column" x="${colX[2]}" y="30">Consumer groups</text>
${paths}
${nodes}
</svg>
</body></html>
`;
}

export async function flowMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: {
    admin: { type: "string" }, file: { type: "string" }, out: { type: "string", default: "flow.html" },
    help: { type: "boolean", short: "h", default: false },
  } });
  if (values.help) { process.stdout.write(USAGE); return 0; }
  if ((values.admin === undefined) === (values.file === undefined)) { process.stderr.write(`flow: give exactly one of --admin or --file\n\n${USAGE}`); return 2; }
  let edges: Edge[];
  if (values.admin !== undefined) {
    const url = `${values.admin.replace(/\/$/, "")}/stats?filter=${encodeURIComponent("^wasmcustom\\.kafka\\.flow\\.")}`;
    const res = await fetch(url).catch((e) => { throw new Error(`cannot reach Envoy admin at ${values.admin}: ${e.message}`); });
    edges = edgesFromStats(await res.text());
  } else {
    edges = edgesFromFile(fs.readFileSync(values.file!, "utf8"));
  }
  if (edges.length === 0) process.stderr.write("flow: no flow edges yet (is the telemetry plugin loaded, and has traffic passed?)\n");
  fs.writeFileSync(values.out!, renderFlow(edges));
  process.stdout.write(`flow: ${edges.length} edges → ${values.out}\n`);
  return 0;
}
