// Which address clients should use for each broker: the proxy's listener for that node.
//
// Configuration (a plugin's JSON, under "broker_addresses"):
//   { "nodes": { "1": "proxy.example:9101", "2": "proxy.example:9102" },   an explicit table,
//     "host": "127.0.0.1", "port_base": 19100,                             and/or a rule: host, port_base + node id
//     "unmapped": "close" | "default", "default": "127.0.0.1:19092",     what a node in neither gets
//     "fetch_leader_hints": "rewrite" | "hide" }                          see below
// The table is asked first, then the rule. An unmapped node never shows the broker's own address:
// with "close" (the default) the response is not forwarded and the connection is closed; with
// "default" the node gets the `default` address (a bootstrap listener, say).
//
// Fetch v16 and up can carry leader hints after the records, so each such response is held whole
// to rewrite them. With "fetch_leader_hints": "hide", ApiVersions offers clients Fetch up to v15
// instead, which carries none: fetch responses then stream past untouched, and a consumer learns
// a new leader from Metadata (as before KIP-951) rather than from the fetch that failed.
import { JsonValue, JsonKind } from "../config/json";
import { unknownKey } from "../config/keys";

export enum UnmappedPolicy {
  /** The response naming the node is not forwarded; the client connection is closed. */
  Close = 0,
  /** The node gets the configured default address. */
  Default = 1,
}

/** A host and port, as clients should dial them. */
export class HostPort {
  constructor(readonly host: string, readonly port: i32) {}
  toString(): string { return this.host + ":" + this.port.toString(); }
}

/** "host:port" (IPv6 as "[::1]:9092") to a HostPort; null when it is not one. */
export function parseHostPort(text: string): HostPort | null {
  const colon = text.lastIndexOf(":");
  if (colon <= 0 || colon == text.length - 1) return null;
  let host = text.substring(0, colon);
  if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length - 1);
  if (host.length == 0 || host.length > 255) return null;
  const portText = text.substring(colon + 1);
  if (portText.length > 5) return null;
  let port = 0;
  for (let i = 0; i < portText.length; i++) {
    const c = portText.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    port = port * 10 + (c - 48);
  }
  if (port < 1 || port > 65535) return null;
  return new HostPort(host, port);
}

export class BrokerAddresses {
  /** The explicit table: node ids and their addresses, in parallel. */
  readonly nodeIds: Array<i32> = [];
  readonly addresses: Array<HostPort> = [];
  /** The rule: host and port_base + node id. Empty host: no rule. */
  ruleHost: string = "";
  portBase: i32 = 0;
  unmapped: UnmappedPolicy = UnmappedPolicy.Close;
  defaultAddress: HostPort | null = null;
  /** "fetch_leader_hints": "hide": clients are offered Fetch up to v15 (no leader hints). */
  hideFetchHints: bool = false;

  /** Whether anything is configured (a plugin with no "broker_addresses" rewrites nothing). */
  get enabled(): bool { return this.nodeIds.length > 0 || this.ruleHost.length > 0; }

  /** The address clients should use for `nodeId`; null when neither the table nor the rule maps it. */
  lookup(nodeId: i32): HostPort | null {
    for (let i = 0; i < this.nodeIds.length; i++) if (unchecked(this.nodeIds[i]) == nodeId) return unchecked(this.addresses[i]);
    if (this.ruleHost.length > 0 && nodeId >= 0 && <i64>this.portBase + <i64>nodeId <= 65535) {
      return new HostPort(this.ruleHost, this.portBase + nodeId);
    }
    return null;
  }
}

/** A whole number in [min, max], or -1 when `v` is not one. */
function wholeNumber(v: JsonValue, min: f64, max: f64): f64 {
  if (v.kind != JsonKind.Number || v.num < min || v.num > max || v.num != Math.floor(v.num)) return -1;
  return v.num;
}

/** A node id as a table key: a whole number in i32, written without sign tricks; -1 when not one. */
function nodeIdKey(key: string): i64 {
  if (key.length == 0 || key.length > 10) return -1;
  let n: i64 = 0;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n > 2147483647 ? -1 : n;
}

const ADDRESS_SETTINGS: string[] = ["nodes", "host", "port_base", "unmapped", "default", "fetch_leader_hints"];

/**
 * Reads `doc.broker_addresses` into `into`. Returns an error naming the field, or "" when the
 * settings are valid (or absent: nothing is rewritten then).
 */
export function readBrokerAddresses(doc: JsonValue, into: BrokerAddresses): string {
  const cfg = doc.get("broker_addresses");
  if (cfg == null) return "";
  if (cfg.kind != JsonKind.Object) return "broker_addresses: must be an object";
  const unknown = unknownKey(cfg, "broker_addresses", ADDRESS_SETTINGS);
  if (unknown.length > 0) return unknown;
  const nodes = cfg.get("nodes");
  if (nodes != null) {
    if (nodes.kind != JsonKind.Object) return "broker_addresses.nodes: must be an object of node id → \"host:port\"";
    for (let i = 0; i < nodes.keys.length; i++) {
      const key = unchecked(nodes.keys[i]);
      const id = nodeIdKey(key);
      if (id < 0) return "broker_addresses.nodes: key \"" + key + "\" is not a node id (a whole number from 0 to 2147483647)";
      const v = unchecked(nodes.items[i]);
      const hp = v.kind == JsonKind.String ? parseHostPort(v.str) : null;
      if (hp == null) return "broker_addresses.nodes." + key + ": must be \"host:port\" with a port from 1 to 65535";
      into.nodeIds.push(<i32>id);
      into.addresses.push(hp);
    }
  }
  const host = cfg.get("host");
  const base = cfg.get("port_base");
  if ((host == null) != (base == null)) return "broker_addresses: \"host\" and \"port_base\" go together (the rule is host, port_base + node id)";
  if (host != null && base != null) {
    if (host.kind != JsonKind.String || host.str.length == 0 || host.str.length > 255) return "broker_addresses.host: must be a host name or address";
    const n = wholeNumber(base, 1, 65535);
    if (n < 0) return "broker_addresses.port_base: must be a whole number from 1 to 65535";
    into.ruleHost = host.str;
    into.portBase = <i32>n;
  }
  if (!into.enabled) return "broker_addresses: needs \"nodes\", or \"host\" and \"port_base\"";
  const unmapped = cfg.get("unmapped");
  if (unmapped != null) {
    if (unmapped.kind == JsonKind.String && unmapped.str == "close") into.unmapped = UnmappedPolicy.Close;
    else if (unmapped.kind == JsonKind.String && unmapped.str == "default") into.unmapped = UnmappedPolicy.Default;
    else return "broker_addresses.unmapped: must be \"close\" or \"default\"";
  }
  const def = cfg.get("default");
  if (def != null) {
    const hp = def.kind == JsonKind.String ? parseHostPort(def.str) : null;
    if (hp == null) return "broker_addresses.default: must be \"host:port\" with a port from 1 to 65535";
    into.defaultAddress = hp;
  }
  if (into.unmapped == UnmappedPolicy.Default && into.defaultAddress == null) return "broker_addresses.default: needed when unmapped is \"default\"";
  const hints = cfg.get("fetch_leader_hints");
  if (hints != null) {
    if (hints.kind == JsonKind.String && hints.str == "rewrite") into.hideFetchHints = false;
    else if (hints.kind == JsonKind.String && hints.str == "hide") into.hideFetchHints = true;
    else return "broker_addresses.fetch_leader_hints: must be \"rewrite\" or \"hide\"";
  }
  return "";
}
