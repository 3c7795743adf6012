// The local stack: one KRaft broker behind one Envoy, plugins loaded as network filters.
// `kafka-proxy-wasm dev`, the end-to-end tests, the benchmarks and the demo all start it here.
import fs from "node:fs";
import path from "node:path";
import { cachePath } from "../lib/paths.js";
import { installEnvoy, envoyBinary, EnvoyProcess, WasmFilter, EnvoyConfig } from "./envoy.js";
import { FrameTap, DropAfterResponse } from "../testing/frame_tap.js";
import { installKafka, KafkaBroker, KafkaConfig } from "./kafka.js";
import { freePort } from "./net.js";
import { step } from "../lib/proc.js";

export interface StackOptions {
  /** A name for the run folder under the cache. */
  name?: string;
  filters: WasmFilter[];
  /** Envoy listener port; a free one when omitted. */
  port?: number;
  adminPort?: number;
  smallBuffers?: boolean;
  envoyExtra?: Partial<EnvoyConfig>;
  /** Extra Envoy bootstrap text at the top level (e.g. a plugin's stats_tags.yaml). */
  envoyBootstrap?: string;
  /**
   * Clients authenticate with SASL PLAIN as these users (name → password): Envoy then fronts a
   * SASL_PLAINTEXT listener, and the plain listener advertises itself (for the broker's own use).
   */
  saslPlainUsers?: Record<string, string>;
  /** Put a FrameTap between Envoy and the broker, counting what really crossed. */
  tap?: boolean;
  /**
   * Put a DropAfterResponse relay in front of Envoy (and advertise it), cutting client
   * connections after the first responses to this API key have passed through Envoy.
   */
  dropClientAfter?: { apiKey: number; drops?: number };
  kafkaExtra?: Partial<KafkaConfig>;
}

export class Stack {
  constructor(readonly envoy: EnvoyProcess, readonly kafka: KafkaBroker, readonly tap: FrameTap | null = null, readonly front: DropAfterResponse | null = null) {}

  /** Where clients connect: Envoy, or the relay in front of it. */
  get bootstrap(): string { return `127.0.0.1:${this.front ? this.front.port : this.envoy.config.listenPort}`; }
  /** The broker's own address, bypassing Envoy (benchmarks compare against it). */
  get brokerDirect(): string { return `127.0.0.1:${this.kafka.config.port}`; }

  static async start(opts: StackOptions): Promise<Stack> {
    await installEnvoy();
    await installKafka();
    const listenPort = opts.port ?? (await freePort());
    // Unnamed stacks get a folder per listener port, so two never share one.
    const dir = cachePath("run", opts.name ?? `stack-${listenPort}`);
    fs.mkdirSync(dir, { recursive: true });
    // With a relay in front, the broker advertises the relay, so reconnections go through it too.
    const frontPort = opts.dropClientAfter ? await freePort() : 0;
    const advertised = opts.dropClientAfter ? frontPort : listenPort;
    const brokerPort = await freePort();
    const sasl = opts.saslPlainUsers;
    const saslPort = sasl ? await freePort() : 0;
    const jaas = sasl ? Object.entries(sasl).map(([u, p]) => `user_${u}="${p}"`).join(" ") : "";
    const kafka = new KafkaBroker(path.join(dir, "kafka"), {
      port: brokerPort, controllerPort: await freePort(), advertisedPort: sasl ? brokerPort : advertised,
      ...(sasl ? {
        extraListeners: [{ name: "SASL_PLAIN", port: saslPort, advertisedPort: advertised, protocol: "SASL_PLAINTEXT" }],
        extraProperties: [
          "listener.name.sasl_plain.sasl.enabled.mechanisms=PLAIN",
          `listener.name.sasl_plain.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${jaas};`,
        ].join("\n"),
      } : {}),
      ...opts.kafkaExtra,
    });
    const clientPort = sasl ? saslPort : brokerPort;
    const tap = opts.tap ? new FrameTap(clientPort) : null;
    const upstreamPort = tap ? await tap.start() : clientPort;
    const envoy = new EnvoyProcess(envoyBinary(), path.join(dir, "envoy"), {
      listenPort, adminPort: opts.adminPort ?? (await freePort()), upstreamPort,
      filters: opts.filters, smallBuffers: opts.smallBuffers, extraBootstrap: opts.envoyBootstrap, ...opts.envoyExtra,
    });
    step(`starting Kafka (KRaft) on 127.0.0.1:${kafka.config.port}`);
    await kafka.start();
    step(`starting Envoy on 127.0.0.1:${listenPort} with ${opts.filters.length ? opts.filters.map((f) => path.basename(f.wasm)).join(", ") : "tcp_proxy only"}`);
    try {
      await envoy.start();
    } catch (e) {
      await kafka.stop();
      await tap?.stop();
      throw e;
    }
    let front: DropAfterResponse | null = null;
    if (opts.dropClientAfter) {
      front = new DropAfterResponse(listenPort, opts.dropClientAfter.apiKey, opts.dropClientAfter.drops ?? 1);
      await front.start(frontPort);
    }
    return new Stack(envoy, kafka, tap, front);
  }

  async stop(): Promise<void> {
    await this.envoy.stop();
    await this.kafka.stop();
    await this.tap?.stop();
    await this.front?.stop();
  }
}
