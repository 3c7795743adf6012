// Finds, in the response descriptors, every field that carries a broker's network address, and
// writes `endpoints.ts`: per API a function that walks a decoded response and hands each address
// to an EndpointMapper (assembly/kafka/endpoint_mapper.ts), which a proxy uses to put its own
// address in place of the broker's.
//
// An address is a struct (or a message's top level) with a `Host` string and a `Port` (int32 or
// uint16). Its node is the `NodeId`, `BrokerId` or `LeaderId` of that struct, or else of the
// nearest struct around it (DescribeQuorum: Nodes[].NodeId, Nodes[].Listeners[].Host). An
// address with no node anywhere above it is not a broker's (Kafka Streams' application
// endpoints); those are listed by name in NOT_BROKER_ADDRESSES, and any other one stops the
// generator, so a Kafka release that adds such a field cannot slip past unhandled.
import { Descriptor, Field } from "./descriptor.js";
import { VersionRange } from "./versions.js";
import { Api } from "./load.js";
import { camel, cond } from "./emit_messages.js";

/** Host+port fields that are not brokers' addresses, by response and field path, with why. */
export const NOT_BROKER_ADDRESSES: Record<string, string> = {
  "StreamsGroupDescribeResponse.Groups.Members.UserEndpoint": "a Kafka Streams instance's own endpoint for interactive queries, not a broker",
  "StreamsGroupHeartbeatResponse.PartitionsByUserEndpoint.UserEndpoint": "a Kafka Streams instance's own endpoint for interactive queries, not a broker",
};

const NODE_ID_NAMES = ["NodeId", "BrokerId", "LeaderId"];

/** One broker address inside a response. */
export interface EndpointLocation {
  /** The fields from the top level down to the struct holding Host and Port (empty: the top level). */
  path: Field[];
  /** Index into `path` of the struct holding the node id (-1: the top level), and the field. */
  nodeLevel: number;
  nodeField: Field;
  host: Field;
  port: Field;
}

/** "Groups.Members.UserEndpoint": a location's path as text. */
export function pathText(path: Field[]): string { return path.map((f) => f.name).join("."); }

function structFields(d: Descriptor, f: Field): Field[] {
  if (f.fields.length > 0) return f.fields;
  const name = f.type.kind === "struct" ? f.type.name : f.type.kind === "array" && f.type.element.kind === "struct" ? f.type.element.name : null;
  if (name === null) return [];
  return d.commonStructs.find((s) => s.name === name)?.fields ?? [];
}

function isStructValued(f: Field): boolean {
  return f.type.kind === "struct" || (f.type.kind === "array" && f.type.element.kind === "struct");
}

function isHost(f: Field): boolean { return f.name === "Host" && f.type.kind === "primitive" && f.type.name === "string"; }
function isPort(f: Field): boolean { return f.name === "Port" && f.type.kind === "primitive" && (f.type.name === "int32" || f.type.name === "uint16"); }
function isNodeId(f: Field): boolean { return NODE_ID_NAMES.includes(f.name) && f.type.kind === "primitive" && f.type.name === "int32"; }

/** Every broker address in a response descriptor; throws on a host+port with no node that is not listed as not a broker's. */
export function findEndpoints(d: Descriptor): EndpointLocation[] {
  const out: EndpointLocation[] = [];
  const walk = (fields: Field[], path: Field[], levels: Field[][]) => {
    const host = fields.find(isHost), port = fields.find(isPort);
    if (host && port) {
      const here = [...levels, fields];
      let nodeLevel = -2, nodeField: Field | undefined;
      for (let i = here.length - 1; i >= 0 && nodeField === undefined; i--) {
        nodeField = here[i].find(isNodeId);
        if (nodeField) nodeLevel = i - 1;
      }
      const where = `${d.name}${path.length ? "." + pathText(path) : ""}`;
      if (nodeField === undefined) {
        if (!(where in NOT_BROKER_ADDRESSES)) {
          throw new Error(`${d.file}: ${where} has Host and Port but no NodeId, BrokerId or LeaderId around it: ` +
            `a new kind of address; handle it in codegen/emit_endpoints.ts or list it in NOT_BROKER_ADDRESSES`);
        }
      } else {
        out.push({ path, nodeLevel, nodeField, host, port });
      }
    }
    for (const f of fields) if (isStructValued(f)) walk(structFields(d, f), [...path, f], [...levels, fields]);
  };
  walk(d.fields, [], []);
  return out;
}

/** The versions in which every field of a location is present. */
export function locationVersions(loc: EndpointLocation): VersionRange {
  let r = loc.host.versions.intersect(loc.port.versions).intersect(loc.nodeField.versions);
  for (const f of loc.path) r = r.intersect(f.versions);
  return r;
}

/** Code that walks to one location and maps its address; `m` is the decoded message. */
function locationCode(d: Descriptor, loc: EndpointLocation): string {
  const valid = d.validVersions;
  const msg = d.name;
  let indent = "  ";
  const lines: string[] = [];
  const closers: string[] = [];
  const open = (line: string) => { lines.push(indent + line + " {"); closers.push(indent + "}"); indent += "  "; };
  const present = cond(locationVersions(loc), valid);
  if (present === "false") return "";
  if (present !== "true") open(`if (${present})`);
  let v = "m";
  const vars: string[] = [];
  const nullable = (f: Field) => !f.nullableVersions.intersect(f.versions).intersect(valid).empty;
  loc.path.forEach((f, i) => {
    const next = `s${i}`;
    if (f.type.kind === "array") {
      lines.push(`${indent}const a${i} = ${v}.${camel(f.name)};`);
      if (nullable(f)) open(`if (a${i} != null)`);
      open(`for (let i${i} = 0; i${i} < a${i}.length; i${i}++)`);
      lines.push(`${indent}const ${next} = unchecked(a${i}[i${i}]);`);
    } else {
      lines.push(`${indent}const ${next} = ${v}.${camel(f.name)};`);
      if (nullable(f)) open(`if (${next} != null)`);
    }
    vars.push(next);
    v = next;
  });
  const holder = v;
  const nodeHolder = loc.nodeLevel < 0 ? "m" : vars[loc.nodeLevel];
  const portCast = loc.port.type.kind === "primitive" && loc.port.type.name === "uint16" ? "u16" : "i32";
  lines.push(`${indent}if (!e.map(${nodeHolder}.${camel(loc.nodeField.name)}, ${holder}.${camel(loc.host.name)}, <i32>${holder}.${camel(loc.port.name)})) return false;`);
  lines.push(`${indent}${holder}.${camel(loc.host.name)} = e.host;`);
  lines.push(`${indent}${holder}.${camel(loc.port.name)} = <${portCast}>e.port;`);
  while (closers.length > 0) lines.push(closers.pop()!);
  return `  // ${msg}${loc.path.length ? "." + pathText(loc.path) : ""}: ${loc.nodeField.name}, Host, Port\n` + lines.join("\n");
}

export interface EndpointApi { api: Api; response: Descriptor; locations: EndpointLocation[] }

/** The broker-served APIs whose responses carry broker addresses, with where. */
export function endpointApis(apis: Api[], response: (a: Api) => Descriptor): EndpointApi[] {
  const out: EndpointApi[] = [];
  for (const api of apis) {
    const d = response(api);
    const locations = findEndpoints(d);
    if (locations.length > 0) out.push({ api, response: d, locations });
  }
  return out;
}

export function emitEndpoints(found: EndpointApi[], provenance: string, fileOf: (a: Api) => string): string {
  const ranges = (e: EndpointApi) => {
    const parts = e.locations.map(locationVersions).map((r) => r.intersect(e.response.validVersions)).filter((r) => !r.empty)
      .sort((a, b) => a.min - b.min)
      .reduce<VersionRange[]>((acc, r) => {
        const last = acc[acc.length - 1];
        if (last && r.min <= last.max + 1) acc[acc.length - 1] = new VersionRange(last.min, Math.max(last.max, r.max));
        else acc.push(r);
        return acc;
      }, []);
    return parts.map((r) => `(version >= ${r.min} && version <= ${r.max})`).join(" || ") || "false";
  };
  return `// Generated by \`kafka-proxy-wasm codegen\` from ${provenance}. Do not edit.
// Every broker address (node id, host, port) in the responses a broker listener serves, found in
// the descriptors by codegen/emit_endpoints.ts: ${found.map((e) => e.api.name).join(", ")}.
${found.map((e) => `import { ${e.response.name} } from "./messages/${fileOf(e.api)}";`).join("\n")}
import { Reader } from "../wire/reader";
import { Writer } from "../wire/writer";
import { EndpointMapper } from "../endpoint_mapper";

/** Whether responses of this API carry broker addresses in some version. */
export function apiCarriesEndpoints(apiKey: i16): bool {
  switch (apiKey) {
${found.map((e) => `    case ${e.api.key}: return true;`).join("\n")}
  }
  return false;
}

/** Whether a response of this API and version can carry broker addresses. */
export function responseCarriesEndpoints(apiKey: i16, version: i16): bool {
  switch (apiKey) {
${found.map((e) => `    case ${e.api.key}: return ${ranges(e)};`).join("\n")}
  }
  return false;
}

${found.map((e) => `/** Maps every address in a ${e.response.name}; false when the mapper refused one. */
function map${e.api.name}(m: ${e.response.name}, version: i16, e: EndpointMapper): bool {
${e.locations.map((l) => locationCode(e.response, l)).filter((c) => c !== "").join("\n")}
  return true;
}
`).join("\n")}
/**
 * Decodes a response body, hands each broker address in it to \`e\` (which may change it), and
 * returns the body encoded again when \`e.changed\`, after \`before\` bytes left free for the
 * caller (a frame's size prefix and header). Null otherwise: when nothing changed (forward
 * the original), when the body did not decode (\`r.bad\`), when \`e\` refused an address
 * (\`e.refused\`), or when the API carries no addresses.
 */
export function rewriteResponseEndpoints(apiKey: i16, version: i16, r: Reader, e: EndpointMapper, before: i32 = 0): ArrayBuffer | null {
  e.changed = false;
  e.refused = false;
  switch (apiKey) {
${found.map((x) => `    case ${x.api.key}: {
      const m = ${x.response.name}.decodeFrom(r, version);
      if (r.bad) return null;
      if (!map${x.api.name}(m, version, e)) { e.refused = true; return null; }
      if (!e.changed) return null;
      const w = new Writer(new ArrayBuffer(before + m.size(version)), before);
      m.encode(w, version);
      return w.buffer;
    }`).join("\n")}
  }
  return null;
}
`;
}
