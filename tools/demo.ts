// `npm run demo`: a real Kafka broker behind Envoy with kafka-observe loaded; real
// clients produce and consume through it; then the plugin's metrics from Envoy.
import { Stack } from "./stack/stack.js";
import { kcat, kafkajsClient, records } from "./stack/clients.js";
import { rootPath } from "./lib/paths.js";
import { step } from "./lib/proc.js";

async function main(): Promise<void> {
  const stack = await Stack.start({ name: "demo", filters: [{ wasm: rootPath("build", "kafka-observe.wasm"), name: "observe" }] });
  try {
    console.log(`\nKafka is at ${stack.bootstrap} (through Envoy), Envoy admin at ${stack.envoy.adminUrl}\n`);
    step("kcat produces 1,000 records to topic demo-kcat");
    const sent = records("kcat", 1000);
    await kcat.produce(stack.bootstrap, "demo-kcat", sent);
    const got = await kcat.consume(stack.bootstrap, "demo-kcat");
    console.log(`kcat consumed ${got.length} records; first: ${JSON.stringify(got[0])}; identical to what was sent: ${JSON.stringify(got) === JSON.stringify(sent)}`);
    step("kafkajs produces 1,000 records to topic demo-kafkajs");
    await kafkajsClient.createTopic(stack.bootstrap, "demo-kafkajs");
    const sentJs = records("kafkajs", 1000);
    await kafkajsClient.produce(stack.bootstrap, "demo-kafkajs", sentJs, 100);
    const gotJs = await kafkajsClient.consume(stack.bootstrap, "demo-kafkajs", sentJs.length);
    console.log(`kafkajs consumed ${gotJs.length} records; identical to what was sent: ${JSON.stringify(gotJs) === JSON.stringify(sentJs)}`);
    await new Promise((r) => setTimeout(r, 500));
    const stats = await stack.envoy.stats("wasmcustom.");
    const tcp = await stack.envoy.stats("tcp.kafka.downstream_cx_");
    console.log("\nWhat kafka-observe measured inside Envoy (GET /stats?filter=wasmcustom.):\n");
    const rows = [...stats].sort(([a], [b]) => a.localeCompare(b));
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
    console.log(`\nEnvoy's own tcp_proxy byte counts, for comparison: received ${tcp.get("tcp.kafka.downstream_cx_rx_bytes_total")}, sent ${tcp.get("tcp.kafka.downstream_cx_tx_bytes_total")}`);
  } finally {
    step("stopping Envoy and Kafka");
    await stack.stop();
  }
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
