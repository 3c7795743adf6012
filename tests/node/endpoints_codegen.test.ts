// Codegen's broker addresses (codegen/emit_endpoints.ts → assembly/kafka/generated/endpoints.ts).
// The first test scans the pinned releases' descriptors on its own, more loosely than the
// generator does (any string field whose name says "host"), and fails when a response a broker
// serves has one that the generated rewriter does not handle and that is not listed below as not
// a broker's address. A Kafka release that adds an address field fails here until it is handled.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { fetchDescriptorJars } from "../../schemas/fetch.js";
import { loadSource, mergeApis } from "../../codegen/load.js";
import { mergeDescriptors } from "../../codegen/merge.js";
import { Descriptor, Field, parseDescriptor } from "../../codegen/descriptor.js";
import { findEndpoints, emitEndpoints, endpointApis } from "../../codegen/emit_endpoints.js";
import { rootPath } from "../../tools/lib/paths.js";

/** Host fields that are not brokers' addresses, with why. */
const NOT_ADDRESSES: Record<string, string> = {
  "DescribeAclsResponse.Resources.Acls.Host": "an ACL's client host pattern",
  "DeleteAclsResponse.FilterResults.MatchingAcls.Host": "an ACL's client host pattern",
  "DescribeGroupsResponse.Groups.Members.ClientHost": "a group member's client address",
  "ConsumerGroupDescribeResponse.Groups.Members.ClientHost": "a group member's client address",
  "ShareGroupDescribeResponse.Groups.Members.ClientHost": "a group member's client address",
  "StreamsGroupDescribeResponse.Groups.Members.ClientHost": "a group member's client address",
  "StreamsGroupDescribeResponse.Groups.Members.UserEndpoint.Host": "a Kafka Streams instance's endpoint",
  "StreamsGroupHeartbeatResponse.PartitionsByUserEndpoint.UserEndpoint.Host": "a Kafka Streams instance's endpoint",
};

function structFields(d: Descriptor, f: Field): Field[] {
  if (f.fields.length > 0) return f.fields;
  const t = f.type.kind === "array" ? f.type.element : f.type;
  return t.kind === "struct" ? d.commonStructs.find((s) => s.name === t.name)?.fields ?? [] : [];
}

/** Every string field whose name contains "host", as "Response.Path.Field". */
function hostFields(d: Descriptor): string[] {
  const out: string[] = [];
  const walk = (fields: Field[], path: string) => {
    for (const f of fields) {
      const here = `${path}.${f.name}`;
      if (/host/i.test(f.name) && f.type.kind === "primitive" && f.type.name === "string") out.push(here);
      walk(structFields(d, f), here);
    }
  };
  walk(d.fields, d.name);
  return out;
}

test("every host field of every broker-served response is rewritten by the generated code, or listed as not a broker's", async () => {
  const perRelease = (await fetchDescriptorJars()).map(loadSource);
  const generated = fs.readFileSync(rootPath("assembly", "kafka", "generated", "endpoints.ts"), "utf8");
  // The generated walker names each place it rewrites: "// MetadataResponse.Brokers: NodeId, Host, Port".
  const handled = new Set([...generated.matchAll(/^\s*\/\/ (\w+Response(?:\.[\w.]+)?): \w+, Host, Port$/gm)].map((m) => `${m[1]}.Host`));
  const problems: string[] = [];
  let seen = 0;
  for (const api of mergeApis(perRelease)) {
    if (!(api.request.listeners.length === 0 || api.request.listeners.includes("broker"))) continue;
    const d = mergeDescriptors(perRelease.map((ds) => ds.find((x) => x.name === `${api.name}Response`)).filter((x): x is Descriptor => x !== undefined));
    for (const h of hostFields(d)) {
      seen++;
      if (!handled.has(h) && !(h in NOT_ADDRESSES)) problems.push(h);
    }
  }
  assert.deepEqual(problems, [], "host fields the broker rewrite does not handle");
  // The ones the issue names are among the handled.
  for (const h of ["MetadataResponse.Brokers.Host", "FindCoordinatorResponse.Host", "FindCoordinatorResponse.Coordinators.Host",
    "DescribeClusterResponse.Brokers.Host", "ProduceResponse.NodeEndpoints.Host", "FetchResponse.NodeEndpoints.Host",
    "ShareFetchResponse.NodeEndpoints.Host", "ShareAcknowledgeResponse.NodeEndpoints.Host"]) assert.ok(handled.has(h), h);
  console.log(`# ${seen} host fields in broker-served responses; ${handled.size} rewritten`);
});

const addressResponse = (fields: unknown[]) => parseDescriptor("T.json", JSON.stringify({
  apiKey: 90, type: "response", name: "TResponse", validVersions: "0-2", flexibleVersions: "1+", fields,
}));

test("a new struct with a node id, host and port is found and rewritten from the version it appears in", () => {
  const d = addressResponse([
    { name: "Replicas", type: "[]Replica", versions: "0+", fields: [
      { name: "ReplicaNodeId", type: "int32", versions: "0+" },
      { name: "Where", type: "Where", versions: "1+", fields: [
        { name: "NodeId", type: "int32", versions: "1+" }, { name: "Host", type: "string", versions: "1+" }, { name: "Port", type: "uint16", versions: "1+" },
      ] },
    ] },
  ]);
  const found = findEndpoints(d);
  assert.equal(found.length, 1);
  const api = { key: 90, name: "T", minVersion: 0, maxVersion: 2, flexibleMin: 1, request: d, response: d, releases: 1 };
  const code = emitEndpoints(endpointApis([api], () => d), "test", () => "t");
  assert.match(code, /case 90: return \(version >= 1 && version <= 2\);/);
  assert.match(code, /if \(!e\.map\(s1\.nodeId, s1\.host, <i32>s1\.port\)\) return false;/);
  assert.match(code, /s1\.port = <u16>e\.port;/);
});

test("a host and port with no node id around them stops the generator, naming the field", () => {
  const d = addressResponse([{ name: "Bootstrap", type: "Addr", versions: "0+", fields: [{ name: "Host", type: "string", versions: "0+" }, { name: "Port", type: "int32", versions: "0+" }] }]);
  assert.throws(() => findEndpoints(d), /TResponse\.Bootstrap has Host and Port but no NodeId, BrokerId or LeaderId around it/);
});
