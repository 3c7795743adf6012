// Envoy's configuration for a cluster (tools/stack/cluster.ts): one listener and one tcp_proxy
// cluster per broker, and a bootstrap listener whose cluster holds every broker; Envoy itself
// validates the YAML (`--mode validate`) when it is installed.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { clusterEnvoyConfig, brokerAddresses, ENVOY_SOURCE_ADDRESS, ProxyListeners } from "../../tools/stack/cluster.js";
import { envoyBootstrap, envoyBinary } from "../../tools/stack/envoy.js";
import { rootPath } from "../../tools/lib/paths.js";

const brokers = [{ nodeId: 1, host: "127.0.0.1", port: 29001 }, { nodeId: 2, host: "127.0.0.1", port: 29002 }, { nodeId: 5, host: "127.0.0.1", port: 29005 }];
const listeners: ProxyListeners = { host: "127.0.0.1", bootstrapPort: 39000, brokerPorts: new Map([[1, 39001], [2, 39002], [5, 39005]]) };

test("a listener and a cluster per broker, and a bootstrap cluster with every broker", () => {
  const filters = [{ wasm: rootPath("build", "broker-rewrite.wasm"), name: "rewrite", configuration: JSON.stringify({ broker_addresses: brokerAddresses(listeners) }) }];
  const yaml = envoyBootstrap(clusterEnvoyConfig(brokers, listeners, filters, 39999));
  for (const b of brokers) {
    const port = listeners.brokerPorts.get(b.nodeId);
    assert.match(yaml, new RegExp(`- name: kafka_node_${b.nodeId}\\n    address: \\{ socket_address: \\{ address: 127\\.0\\.0\\.1, port_value: ${port} \\} \\}`));
    assert.match(yaml, new RegExp(`cluster: kafka_node_${b.nodeId}\\n`));
    assert.match(yaml, new RegExp(`cluster_name: kafka_node_${b.nodeId}\\n      endpoints: \\[\\{ lb_endpoints: \\[\\{ endpoint: \\{ address: \\{ socket_address: \\{ address: 127\\.0\\.0\\.1, port_value: ${b.port} \\}`));
  }
  // Bootstrap: any broker will do, the next one tried when one is down.
  assert.match(yaml, /port_value: 39000/);
  assert.match(yaml, /cluster: kafka_broker\n          max_connect_attempts: 3/);
  assert.equal(yaml.match(/port_value: 2900\d/g)?.length, 6, "each broker in its own cluster and in the bootstrap one");
  // Every upstream connection comes from Envoy's own source address; the filter chain is on all four listeners.
  assert.equal(yaml.match(new RegExp(`source_address: \\{ address: ${ENVOY_SOURCE_ADDRESS.replace(/\./g, "\\.")}`, "g"))?.length, 4);
  assert.equal(yaml.match(/envoy\.filters\.network\.wasm/g)?.length, 4);
  assert.deepEqual(brokerAddresses(listeners), { nodes: { "1": "127.0.0.1:39001", "2": "127.0.0.1:39002", "5": "127.0.0.1:39005" }, unmapped: "close" });

  const envoy = envoyBinary();
  if (!fs.existsSync(envoy)) { console.log("# Envoy not installed: YAML not validated by Envoy"); return; }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-config-"));
  const file = path.join(dir, "envoy.yaml");
  fs.writeFileSync(file, yaml);
  const r = spawnSync(envoy, ["--mode", "validate", "-c", file, "-l", "error"], { encoding: "utf8", timeout: 60000 });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, `envoy --mode validate:\n${r.stdout}\n${r.stderr}`);
});

test("a listener port is needed for every broker", () => {
  assert.throws(() => clusterEnvoyConfig([...brokers, { nodeId: 9, host: "127.0.0.1", port: 29009 }], listeners, [], 39999), /no Envoy listener port for node 9/);
});
