// `npm run bench -- <suite> [options]`: benchmarks that compare side by side in one run.
import { parseArgs } from "node:util";
import { benchProxy } from "./proxy.js";
import { benchProxyCluster } from "./proxy_cluster.js";
import { benchPii } from "./pii.js";
import { benchCodec } from "./codec.js";
import { benchRecords } from "./records.js";
import { benchAllocator } from "./allocator.js";

const USAGE = `npm run bench -- proxy [--rounds N] [--records N] [--latency-sends N] [--plugins a,b] [--baseline DIR] [--brokers N]

  proxy   produce/consume throughput, Envoy CPU s/GiB and produce latency: direct, Envoy tcp_proxy, Envoy + plugins
          --plugins: plugin names, or "chain" for the demo's pii-filter → telemetry → billing
          --baseline DIR: also run each plugin set from DIR's .wasm modules (built from another commit),
          interleaved in the same rounds, with the after/before ratios
          --brokers N (N > 1): a cluster of N brokers instead, by three paths: direct, Envoy tcp_proxy with the
          brokers advertising Envoy's listeners, and Envoy + broker-rewrite with the brokers advertising their own
          (holding Fetch v16+ responses to rewrite their leader hints, and with fetch_leader_hints "hide")
  pii     pii-filter scan+mask throughput in the wasm engine [--mib N] [--baseline DIR]
          --baseline DIR: DIR/pii-filter.wasm (built from another commit) against this build, same run, with ratios
  codec   our codec vs franz-go kmsg and the Rust kafka-protocol crate on the same bodies
  records the record layer: passthrough, three bare record walks (lengths only; every field checked; checked and handed to a callback), identity transform, uppercase, handwritten uppercase, per codec
          [--mib N] (uncompressed, per module; a quarter of it compressed; default 2048) [--rounds N] (default 30)
  allocator CPU seconds per GiB of kafka-observe, pii-filter, telemetry and billing in the wasm engine, Produce
          and Fetch of 16 KiB and 1 MiB frames, whole and in 64 KiB pieces, and each VM's memory at the end
          [--mib N] (per load and round, default 128) [--rounds N] (default 15) [--baseline DIR] [--plugins a,b] (default: all four)
          --baseline DIR: the same modules from DIR (built from another commit), interleaved, with ratios
`;

async function main(): Promise<void> {
  const [suite, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({ args: rest, options: {
    rounds: { type: "string", default: "3" }, records: { type: "string", default: "200000" },
    "latency-sends": { type: "string", default: "2000" }, plugins: { type: "string", default: "kafka-observe" },
    mib: { type: "string", default: "256" }, baseline: { type: "string" }, brokers: { type: "string", default: "1" },
  } });
  // Whether an option was given (the defaults above are the proxy's and pii's; allocator and records have their own).
  const given = (name: string): boolean => rest.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (suite === "proxy" && Number(values.brokers) > 1) {
    await benchProxyCluster({ brokers: Number(values.brokers), rounds: Number(values.rounds), records: Number(values.records), latencySends: Number(values["latency-sends"]) });
  } else if (suite === "proxy") {
    await benchProxy({ rounds: Number(values.rounds), records: Number(values.records), latencySends: Number(values["latency-sends"]), plugins: values.plugins!.split(","), baseline: values.baseline });
  } else if (suite === "codec") {
    await benchCodec();
  } else if (suite === "records") {
    // Rounds of a few milliseconds each would let one collection or tier-up decide a ratio.
    await benchRecords({ mib: given("mib") ? Number(values.mib) : 2048, rounds: given("rounds") ? Number(values.rounds) : 30 });
  } else if (suite === "allocator") {
    await benchAllocator({ mib: given("mib") ? Number(values.mib) : 128, rounds: given("rounds") ? Number(values.rounds) : 15, baseline: values.baseline,
      plugins: given("plugins") ? values.plugins!.split(",") : undefined });
  } else if (suite === "pii") {
    await benchPii({ mib: Number(values.mib), baseline: values.baseline });
  } else {
    process.stderr.write(USAGE);
    process.exitCode = suite ? 2 : 0;
  }
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
