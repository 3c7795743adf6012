// Small networking helpers for the local stack (loopback only).
import net from "node:net";

/** Ports freePort() has returned in this process. */
const handedOut = new Set<number>();

/**
 * A loopback port free now, and never returned before in this process. The port is found by
 * binding port 0 and closing again, so two calls in a row can get the same one (it happened:
 * Kafka's broker and controller listeners were given one port, and the broker refused to start).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await ephemeralPort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error("freePort: the system kept returning loopback ports this process already uses");
}

async function ephemeralPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether something accepts a connection on host:port; `localAddress` is the address to connect from. */
export async function canConnect(port: number, host = "127.0.0.1", localAddress?: string): Promise<boolean> {
  return await new Promise((resolve) => {
    const s = net.connect({ port, host, localAddress });
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
  });
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, alive?: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dead = alive?.();
    if (dead) throw new Error(`${what}: ${dead}`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not ready after ${timeoutMs / 1000} s`);
}
