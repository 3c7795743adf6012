// The local stack's port picker (tools/stack/net.ts).
import test from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { freePort } from "../../tools/stack/net.js";

test("freePort never returns the same port twice, and each one can be bound", async () => {
  const ports: number[] = [];
  for (let i = 0; i < 200; i++) ports.push(await freePort());
  assert.equal(new Set(ports).size, ports.length, "every port is new");
  const last = ports[ports.length - 1];
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(last, "127.0.0.1", () => srv.close(() => resolve()));
  });
});
