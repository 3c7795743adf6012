// `npm run demo`: a real Kafka broker behind Envoy with pii-filter, telemetry and billing
// loaded. Real clients produce records with personal data and secrets; consumers read them
// back masked; the broker's disk holds only the masked bytes; telemetry's labelled metrics
// and flow graph come from Envoy; billing's usage per tenant from the collector.
import fs from "node:fs";
import path from "node:path";
import { Stack } from "./stack/stack.js";
import { staticCluster } from "./stack/envoy.js";
import { kcat, kafkajsClient } from "./stack/clients.js";
import { rootPath } from "./lib/paths.js";
import { step } from "./lib/proc.js";
import { renderFlow, edgesFromStats } from "./flow.js";
import { spawn } from "node:child_process";
import { freePort } from "./stack/net.js";
import { totalsFromFile } from "./collector.js";

const KCAT_RECORDS = [
  "AWS_SECRET_ACCESS_KEY=myawssecretkeyvalue",
  "My email is example@email.com",
  "Order 12345 shipped on 2024-01-02 (app v1.2.3)",
];
const JSON_RECORDS = [
  JSON.stringify({ user: "ada", email: "ada@example.org", card: "4111 1111 1111 1111", note: "gift" }),
  JSON.stringify({ user: "bob", password: "hunter2", ssn: "123-45-6789", api_key: "AKIAIOSFODNN7EXAMPLE" }),
];

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

async function main(): Promise<void> {
  // The billing collector, receiving usage batches from Envoy.
  const collectorPort = await freePort();
  const usageFile = path.join(rootPath(".cache", "run", "demo"), "usage.jsonl");
  fs.mkdirSync(path.dirname(usageFile), { recursive: true });
  fs.rmSync(usageFile, { force: true });
  const collector = spawn(process.execPath, [rootPath("dist", "tools", "cli.js"), "collector", "--port", String(collectorPort), "--out", usageFile], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve) => collector.stdout!.on("data", (d) => { if (String(d).includes("ready")) resolve(); }));
  const stack = await Stack.start({
    name: "demo",
    filters: [
      { wasm: rootPath("build", "pii-filter.wasm"), name: "pii" },
      { wasm: rootPath("build", "telemetry.wasm"), name: "telemetry", configuration: JSON.stringify({ flush_seconds: 1 }) },
      { wasm: rootPath("build", "billing.wasm"), name: "billing", configuration: JSON.stringify({ tenant_key: "client_id", flush_seconds: 1, collector_cluster: "billing_collector" }) },
    ],
    envoyBootstrap: fs.readFileSync(rootPath("plugins", "telemetry", "stats_tags.yaml"), "utf8"),
    envoyExtra: {
      extraClusters: staticCluster("billing_collector", collectorPort),
    },
  });
  try {
    console.log(`\nKafka through Envoy: ${stack.bootstrap}   Envoy admin: ${stack.envoy.adminUrl}\n`);

    step("kcat produces text records to topic demo-text, then consumes them");
    await kcat.produce(stack.bootstrap, "demo-text", KCAT_RECORDS);
    const text = await kcat.consume(stack.bootstrap, "demo-text", ["-X", "check.crcs=true"]);
    console.log("\nkcat (librdkafka), CRC checks on:\n");
    table(KCAT_RECORDS.map((r, i) => [r, text[i] ?? "(missing)"]));

    step("kafkajs produces JSON records to topic demo-json, then consumes them");
    await kafkajsClient.createTopic(stack.bootstrap, "demo-json");
    await kafkajsClient.produce(stack.bootstrap, "demo-json", JSON_RECORDS);
    const json = await kafkajsClient.consume(stack.bootstrap, "demo-json", JSON_RECORDS.length);
    console.log("\nkafkajs:\n");
    table(JSON_RECORDS.map((r, i) => [r, json[i] ?? "(missing)"]));

    await new Promise((r) => setTimeout(r, 500));
    const segments = filesUnder(stack.kafka.dataDir).filter((f) => /demo-/.test(f) && f.endsWith(".log"));
    const disk = Buffer.concat(segments.map((f) => fs.readFileSync(f)));
    const secrets = ["myawssecretkeyvalue", "example@email.com", "ada@example.org", "4111 1111 1111 1111", "hunter2", "123-45-6789", "AKIAIOSFODNN7EXAMPLE"];
    const leaked = secrets.filter((s) => disk.includes(s));
    console.log(`The broker's log segments (${segments.length} files under ${stack.kafka.dataDir}) contain ${leaked.length === 0 ? "none of the secrets" : `LEAKED SECRETS: ${leaked.join(", ")}`}.\n`);

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
    await new Promise((r) => setTimeout(r, 2500));
    const bill = totalsFromFile(fs.existsSync(usageFile) ? fs.readFileSync(usageFile, "utf8") : "");
    console.log(`What billing charged per tenant (client.id), as the collector stored it in ${usageFile}:\n`);
    console.log("  tenant        requests  produced records  produced bytes  fetched records  fetched bytes");
    for (const [tenant, t] of Object.entries(bill)) {
      console.log(`  ${tenant.padEnd(12)}  ${String(t.requests).padStart(8)}  ${String(t.produced_records).padStart(16)}  ${String(t.produced_bytes).padStart(14)}  ${String(t.fetched_records).padStart(15)}  ${String(t.fetched_bytes).padStart(13)}`);
    }
    console.log("\n(only partitions the broker acknowledged are billed; fetches count what was delivered)");
    if (leaked.length > 0 || text.length !== KCAT_RECORDS.length) process.exitCode = 1;
  } finally {
    step("stopping Envoy, Kafka and the collector");
    await stack.stop();
    collector.kill("SIGTERM");
  }
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
