// `npm run demo`: a real Kafka broker behind Envoy with pii-filter, telemetry and billing
// loaded. Real clients produce records with personal data and secrets; consumers read them
// back masked; the broker's disk holds only the masked bytes; telemetry's labelled metrics
// and flow graph come from Envoy; billing's usage per tenant from the collector.
import fs from "node:fs";
import path from "node:path";
import { spawn, ChildProcess } from "node:child_process";
import { Stack } from "./stack/stack.js";
import { staticCluster } from "./stack/envoy.js";
import { kafkajsClient } from "./stack/clients.js";
import { textClient } from "./stack/text_client.js";
import { cachePath, rootPath } from "./lib/paths.js";
import { step, stopChild } from "./lib/proc.js";
import { stopOnExit, stopOnSignals, stopRegistered } from "./lib/interrupt.js";
import { renderFlow, edgesFromStats } from "./flow.js";
import { freePort } from "./stack/net.js";
import { totalsFromFile, TenantTotals } from "./collector.js";

const TEXT_RECORDS = [
  "AWS_SECRET_ACCESS_KEY=myawssecretkeyvalue",
  "My email is example@email.com",
  "Order 12345 shipped on 2024-01-02 (app v1.2.3)",
];
const JSON_RECORDS = [
  JSON.stringify({ user: "ada", email: "ada@example.org", card: "4111 1111 1111 1111", note: "gift" }),
  JSON.stringify({ user: "bob", password: "hunter2", ssn: "123-45-6789", api_key: "AKIAIOSFODNN7EXAMPLE" }),
];
/** What pii-filter must keep from the broker and from consumers. */
const SECRETS = ["myawssecretkeyvalue", "example@email.com", "ada@example.org", "4111 1111 1111 1111", "hunter2", "123-45-6789", "AKIAIOSFODNN7EXAMPLE"];

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}

function table(rows: [string, string][]): void {
  for (const [before, after] of rows) {
    console.log(`  sent:     ${before}`);
    console.log(`  consumed: ${after}${before === after ? "   (unchanged: no PII)" : ""}\n`);
  }
}

/** The reference collector on a free port, writing usage batches to `out`; resolves once it listens. */
async function startCollector(out: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [rootPath("dist", "tools", "cli.js"), "collector", "--port", String(port), "--out", out], { stdio: ["ignore", "pipe", "inherit"] });
  const forget = stopOnExit(() => stopChild(child, 5000));
  child.once("exit", forget);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d) => { if (String(d).includes("ready")) resolve(); });
    child.once("exit", (code, sig) => reject(new Error(`the billing collector exited (${code ?? sig}) before it was ready`)));
  });
  return { port, child };
}

/** The collector's totals once they cover what was produced and fetched (Envoy flushes every second), or what it has after `timeoutMs`. */
async function billedTotals(usageFile: string, records: number, timeoutMs = 20000): Promise<{ bill: Record<string, TenantTotals>; complete: boolean }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const bill = totalsFromFile(fs.existsSync(usageFile) ? fs.readFileSync(usageFile, "utf8") : "");
    const sum = (k: "produced_records" | "fetched_records") => Object.values(bill).reduce((n, t) => n + t[k], 0);
    const complete = sum("produced_records") >= records && sum("fetched_records") >= records;
    if (complete || Date.now() > deadline) return { bill, complete };
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Runs the demo; resolves to the exit code: 1 when a secret leaked or records or usage are missing. */
async function main(): Promise<number> {
  stopOnSignals();
  // Before the stack starts: installing kcat can take a while, and its fallback is announced up front.
  const text = await textClient();
  const plugins = ["pii-filter", "telemetry", "billing"].map((p) => rootPath("build", `${p}.wasm`));
  const unbuilt = plugins.filter((f) => !fs.existsSync(f));
  if (unbuilt.length > 0) throw new Error(`${unbuilt.map((f) => path.relative(rootPath(), f)).join(", ")} not built: run \`npm run demo\`, which builds them first`);
  const runDir = cachePath("run", "demo");
  const usageFile = path.join(runDir, "usage.jsonl");
  fs.mkdirSync(runDir, { recursive: true });
  fs.rmSync(usageFile, { force: true });
  const collector = await startCollector(usageFile);
  const stack = await Stack.start({
    name: "demo",
    filters: [
      { wasm: plugins[0], name: "pii" },
      { wasm: plugins[1], name: "telemetry", configuration: JSON.stringify({ flush_seconds: 1 }) },
      { wasm: plugins[2], name: "billing", configuration: JSON.stringify({ tenant_key: "client_id", flush_seconds: 1, collector_cluster: "billing_collector" }) },
    ],
    envoyBootstrap: fs.readFileSync(rootPath("plugins", "telemetry", "stats_tags.yaml"), "utf8"),
    envoyExtra: {
      extraClusters: staticCluster("billing_collector", collector.port),
    },
  });
  const failures: string[] = [];
  try {
    console.log(`\nKafka through Envoy: ${stack.bootstrap}   Envoy admin: ${stack.envoy.adminUrl}\n`);

    step(`${text.title.split(",")[0]}: produces text records to topic demo-text, then consumes them`);
    await text.produce(stack.bootstrap, "demo-text", TEXT_RECORDS);
    const lines = await text.consume(stack.bootstrap, "demo-text", TEXT_RECORDS.length);
    console.log(`\n${text.title}:\n`);
    table(TEXT_RECORDS.map((r, i) => [r, lines[i] ?? "(missing)"]));
    if (lines.length < TEXT_RECORDS.length) failures.push(`${TEXT_RECORDS.length - lines.length} of ${TEXT_RECORDS.length} text records were not consumed`);

    step("kafkajs produces JSON records to topic demo-json, then consumes them");
    await kafkajsClient.createTopic(stack.bootstrap, "demo-json");
    await kafkajsClient.produce(stack.bootstrap, "demo-json", JSON_RECORDS);
    const json = await kafkajsClient.consume(stack.bootstrap, "demo-json", JSON_RECORDS.length);
    console.log("\nkafkajs:\n");
    table(JSON_RECORDS.map((r, i) => [r, json[i] ?? "(missing)"]));
    if (json.length < JSON_RECORDS.length) failures.push(`${JSON_RECORDS.length - json.length} of ${JSON_RECORDS.length} JSON records were not consumed`);
    const seen = SECRETS.filter((s) => [...lines, ...json].some((l) => l.includes(s)));
    if (seen.length > 0) failures.push(`consumers read secrets: ${seen.join(", ")}`);

    await new Promise((r) => setTimeout(r, 500));
    // The demo topics' partition folders (demo-text-0, demo-json-0), not the run folder's path.
    const segments = filesUnder(stack.kafka.dataDir).filter((f) => /^demo-/.test(path.relative(stack.kafka.dataDir, f)) && f.endsWith(".log"));
    const disk = Buffer.concat(segments.map((f) => fs.readFileSync(f)));
    const leaked = SECRETS.filter((s) => disk.includes(s));
    console.log(`The broker's log segments (${segments.length} files under ${stack.kafka.dataDir}) contain ${leaked.length === 0 ? "none of the secrets" : `LEAKED SECRETS: ${leaked.join(", ")}`}.\n`);
    if (segments.length === 0) failures.push(`no log segments of the demo topics under ${stack.kafka.dataDir}`);
    if (leaked.length > 0) failures.push(`the broker stored secrets: ${leaked.join(", ")}`);

    const stats = await stack.envoy.stats("wasmcustom.");
    const show = (prefix: string, title: string) => {
      const rows = [...stats].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => a.localeCompare(b));
      const width = Math.max(...rows.map(([k]) => k.length));
      console.log(`${title}:\n`);
      for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
      console.log("");
    };
    show("wasmcustom.pii.", "What pii-filter did (Envoy /stats)");
    const prom = (await (await fetch(`${stack.envoy.adminUrl}/stats/prometheus`)).text()).split("\n");
    const pick = (re: RegExp) => prom.filter((l) => re.test(l)).map((l) => `  ${l}`).join("\n");
    console.log("What telemetry measured (Envoy /stats/prometheus, labels from plugins/telemetry/stats_tags.yaml):\n");
    console.log(pick(/^kafka_requests\{api="(Produce|Fetch|Metadata)"\}/));
    console.log(pick(/^kafka_topic_(produced|fetched)_records\{/));
    console.log(pick(/^kafka_flow_/));
    const flowFile = path.join(stack.kafka.dir, "..", "flow.html");
    fs.writeFileSync(flowFile, renderFlow(edgesFromStats(await (await fetch(`${stack.envoy.adminUrl}/stats?filter=${encodeURIComponent("^wasmcustom\\.kafka\\.flow\\.")}`)).text())));
    console.log(`\nThe data-flow graph (producers → topics → consumer groups): ${flowFile}`);
    console.log("(any time: npx kafka-proxy-wasm flow --admin <envoy admin url>)\n");
    const { bill, complete } = await billedTotals(usageFile, TEXT_RECORDS.length + JSON_RECORDS.length);
    console.log(`What billing charged per tenant (client.id), as the collector stored it in ${usageFile}:\n`);
    console.log("  tenant              requests  produced records  produced bytes  fetched records  fetched bytes");
    for (const [tenant, t] of Object.entries(bill)) {
      console.log(`  ${tenant.padEnd(18)}  ${String(t.requests).padStart(8)}  ${String(t.produced_records).padStart(16)}  ${String(t.produced_bytes).padStart(14)}  ${String(t.fetched_records).padStart(15)}  ${String(t.fetched_bytes).padStart(13)}`);
    }
    console.log("\n(only partitions the broker acknowledged are billed; fetches count what was delivered)");
    if (!complete) failures.push("the collector did not receive usage for every produced and fetched record within 20 s");
  } finally {
    step("stopping Envoy, Kafka and the collector");
    await stack.stop();
    await stopChild(collector.child, 5000);
  }
  if (failures.length > 0) {
    console.error(`\nDEMO FAILED:\n${failures.map((f) => `  - ${f}`).join("\n")}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => { process.exitCode = code; },
  async (e) => {
    console.error(e instanceof Error ? e.message : e);
    await stopRegistered();
    process.exit(1);
  },
);
