// Health of a Kafka listener behind Envoy: one ApiVersions round trip through it (the request
// every Kafka client sends first), and, given Envoy's admin address, the stats that show a
// plugin's wasm VM failing.
//
//   kafka-proxy-wasm health --bootstrap 127.0.0.1:19092 [--count 8] [--admin http://127.0.0.1:19901] [--timeout-ms 3000]
//
// Exit 0: the broker answered ApiVersions through the proxy on every one of --count new
// connections. Exit 1: one was not answered (the line says why). Each Envoy worker has its own
// VM and the kernel spreads connections over the workers, so one round trip checks one worker.
// With --admin, Envoy's wasm.* stats are printed as well.
import net from "node:net";
import { parseArgs } from "node:util";

const API_VERSIONS = 18;

export interface ApiVersionsResult {
  /** The broker's error code (0 when healthy). */
  errorCode: number;
  /** How many APIs the broker listed. */
  apiCount: number;
  /** Round-trip time in milliseconds, connect included. */
  ms: number;
}

/** ApiVersions v0 (request header v1): the oldest form, which every broker and this proxy's codec answer. */
function apiVersionsV0(correlationId: number, clientId: string): Buffer {
  const id = Buffer.from(clientId, "utf8");
  const body = Buffer.alloc(2 + 2 + 4 + 2 + id.length);
  body.writeInt16BE(API_VERSIONS, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(correlationId, 4);
  body.writeInt16BE(id.length, 8);
  id.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

/**
 * Connects, sends ApiVersions v0 and reads the whole response. Rejects with a reason when the
 * connection is refused, closed before the response is whole, answered with another correlation
 * id, or not answered within `timeoutMs`.
 */
export function apiVersionsRoundTrip(host: string, port: number, timeoutMs = 3000, clientId = "kafka-proxy-wasm-health"): Promise<ApiVersionsResult> {
  const started = Date.now();
  const correlationId = 0x4b50 + (started % 1000);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let got = Buffer.alloc(0);
    let done = false;
    const finish = (err: Error | null, result?: ApiVersionsResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err); else resolve(result!);
    };
    const timer = setTimeout(() => finish(new Error(`no ApiVersions response from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    sock.on("connect", () => sock.write(apiVersionsV0(correlationId, clientId)));
    sock.on("data", (d) => {
      got = Buffer.concat([got, d]);
      if (got.length < 4) return;
      const size = got.readInt32BE(0);
      if (size < 6 || size > 1 << 20) return finish(new Error(`ApiVersions response from ${host}:${port} has an impossible size ${size}`));
      if (got.length < 4 + size) return;
      const corr = got.readInt32BE(4);
      if (corr !== correlationId) return finish(new Error(`ApiVersions response from ${host}:${port} carries correlation id ${corr}, sent ${correlationId}`));
      const errorCode = got.readInt16BE(8);
      const apiCount = size >= 10 ? got.readInt32BE(10) : 0;
      finish(null, { errorCode, apiCount, ms: Date.now() - started });
    });
    sock.on("error", (e) => finish(new Error(`ApiVersions to ${host}:${port}: ${e.message}`)));
    sock.on("close", () => finish(new Error(`${host}:${port} closed the connection after ${got.length} bytes, before a whole ApiVersions response`)));
  });
}

/**
 * Envoy's `wasm.*` stats. Under FAIL_RELOAD, `wasm.<filter>.vm_reload_success` and
 * `…vm_reload_failure` count VMs that died; under FAIL_CLOSED and FAIL_OPEN Envoy 1.40 counts
 * nothing there (docs/operations.md).
 */
export async function wasmFailureStats(adminUrl: string): Promise<Map<string, number>> {
  const res = await fetch(`${adminUrl}/stats?filter=${encodeURIComponent("^wasm\\.")}`);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split("\n")) {
    const m = /^([^:]+): (\d+)$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

const USAGE = `kafka-proxy-wasm health --bootstrap <host:port> [--count <n>] [--admin <url>] [--timeout-ms <n>]

Sends one ApiVersions request through the listener on each of --count new
connections (default 1) and waits for the broker's answers. Exit 0 when every
one came back whole with error code 0, else 1 with the reason. Envoy's workers
each run their own copy of a plugin and connections land on any of them, so
use a --count of a few times the worker count to check them all.
With --admin (Envoy's admin URL), also prints Envoy's wasm.* stats.
`;

export async function healthMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      bootstrap: { type: "string" },
      admin: { type: "string" },
      count: { type: "string" },
      "timeout-ms": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) { process.stdout.write(USAGE); return 0; }
  if (!values.bootstrap) { process.stderr.write(`health: --bootstrap is required\n\n${USAGE}`); return 2; }
  const m = /^(.+):(\d+)$/.exec(values.bootstrap);
  if (!m) { process.stderr.write(`health: --bootstrap must be host:port, got "${values.bootstrap}"\n`); return 2; }
  const timeout = values["timeout-ms"] ? Number(values["timeout-ms"]) : 3000;
  if (!Number.isInteger(timeout) || timeout <= 0) { process.stderr.write(`health: --timeout-ms must be a positive integer\n`); return 2; }
  const count = values.count ? Number(values.count) : 1;
  if (!Number.isInteger(count) || count <= 0) { process.stderr.write(`health: --count must be a positive integer\n`); return 2; }
  let code = 0;
  let slowest = 0;
  for (let i = 0; i < count && code === 0; i++) {
    try {
      const r = await apiVersionsRoundTrip(m[1], Number(m[2]), timeout);
      slowest = Math.max(slowest, r.ms);
      if (r.errorCode !== 0) { process.stdout.write(`unhealthy: ApiVersions answered with error code ${r.errorCode} (connection ${i + 1} of ${count})\n`); code = 1; }
    } catch (e) {
      process.stdout.write(`unhealthy: ${(e as Error).message} (connection ${i + 1} of ${count})\n`);
      code = 1;
    }
  }
  if (code === 0) process.stdout.write(`healthy: ApiVersions through ${values.bootstrap} answered on ${count} connection${count === 1 ? "" : "s"} (slowest ${slowest} ms)\n`);
  if (values.admin) {
    for (const [name, value] of await wasmFailureStats(values.admin)) process.stdout.write(`${name}: ${value}\n`);
  }
  return code;
}
