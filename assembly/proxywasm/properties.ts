// Host properties: connection attributes, plugin identity, anything Envoy exposes by path.
import { proxy_get_property, proxy_set_property } from "./hostcalls";
import { Status } from "./enums";
import { OUT_PTR, OUT_SIZE, takeHostBytes, clearOut } from "./memory";

/** A property path is its segments, each followed by NUL: ["source", "address"] is "source\0address\0". */
function encodePath(path: string[]): ArrayBuffer {
  let joined = "";
  for (let i = 0; i < path.length; i++) joined += path[i] + "\0";
  return String.UTF8.encode(joined);
}

/** The raw property value, or null when the host has none. */
export function getProperty(path: string[]): ArrayBuffer | null {
  const p = encodePath(path);
  clearOut();
  const status = proxy_get_property(changetype<usize>(p), p.byteLength, OUT_PTR, OUT_SIZE);
  if (status != Status.Ok) return null;
  return takeHostBytes();
}

export function getPropertyString(path: string[]): string | null {
  const raw = getProperty(path);
  return raw == null ? null : String.UTF8.decode(raw);
}

/** Integer properties are 8 bytes in host (little-endian) order. */
export function getPropertyInt(path: string[]): i64 {
  const raw = getProperty(path);
  if (raw == null || raw.byteLength < 8) return -1;
  return load<i64>(changetype<usize>(raw));
}

export function setProperty(path: string[], value: ArrayBuffer): Status {
  const p = encodePath(path);
  return <Status>proxy_set_property(changetype<usize>(p), p.byteLength, changetype<usize>(value), value.byteLength);
}

/** The connection facts a Kafka filter usually wants, each null when Envoy does not know it. */
export namespace connection {
  /** "ip:port" of the client. */
  export function sourceAddress(): string | null { return getPropertyString(["source", "address"]); }
  export function destinationAddress(): string | null { return getPropertyString(["destination", "address"]); }
  export function id(): i64 { return getPropertyInt(["connection", "id"]); }
  export function requestedServerName(): string | null { return getPropertyString(["connection", "requested_server_name"]); }
  export function tlsVersion(): string | null { return getPropertyString(["connection", "tls_version"]); }
  /** The client certificate's subject, when the listener terminates mutual TLS. */
  export function peerSubject(): string | null { return getPropertyString(["connection", "subject_peer_certificate"]); }
  /** The first URI SAN of the client certificate (a SPIFFE id, say). */
  export function peerUriSan(): string | null { return getPropertyString(["connection", "uri_san_peer_certificate"]); }
  export function mtls(): bool {
    const raw = getProperty(["connection", "mtls"]);
    return raw != null && raw.byteLength > 0 && load<u8>(changetype<usize>(raw)) != 0;
  }
}

export namespace plugin {
  export function name(): string | null { return getPropertyString(["plugin_name"]); }
  export function rootId(): string | null { return getPropertyString(["plugin_root_id"]); }
  export function vmId(): string | null { return getPropertyString(["plugin_vm_id"]); }
}
