// Layer 2: routes the host's callbacks to the right context object.
// Contexts live in maps keyed by the host's context id; a callback for an id
// we never created is ignored rather than trapping the VM.
import { RootContext, ConnectionContext } from "./context";
import { FilterStatus, PeerType } from "./enums";
import { proxy_set_effective_context } from "./hostcalls";

type RootFactory = (contextId: u32) => RootContext;

let rootFactory: RootFactory | null = null;
const roots = new Map<u32, RootContext>();
const connections = new Map<u32, ConnectionContext>();

/** Call once, from the plugin's top-level code: how to make the plugin's root context. */
export function registerRootContext(factory: RootFactory): void {
  rootFactory = factory;
}

/** Makes later host calls act on behalf of `contextId` (for work started in onTick or a callout). */
export function setEffectiveContext(contextId: u32): void {
  proxy_set_effective_context(contextId);
}

export function onContextCreate(contextId: u32, parentId: u32): void {
  if (parentId == 0) {
    const factory = rootFactory;
    const root = factory == null ? new RootContext(contextId) : factory(contextId);
    roots.set(contextId, root);
    return;
  }
  if (!roots.has(parentId)) return;
  const conn = roots.get(parentId).createConnectionContext(contextId);
  if (conn != null) connections.set(contextId, conn);
}

export function onVmStart(rootId: u32, size: u32): bool {
  return roots.has(rootId) ? roots.get(rootId).onVmStart(size) : true;
}

export function onConfigure(rootId: u32, size: u32): bool {
  return roots.has(rootId) ? roots.get(rootId).onConfigure(size) : true;
}

export function onTick(rootId: u32): void {
  if (roots.has(rootId)) roots.get(rootId).onTick();
}

export function onQueueReady(rootId: u32, queueId: u32): void {
  if (roots.has(rootId)) roots.get(rootId).onQueueReady(queueId);
}

export function onHttpCallResponse(rootId: u32, token: u32, headers: u32, bodySize: u32, trailers: u32): void {
  if (roots.has(rootId)) roots.get(rootId).onHttpCallResponse(token, headers, bodySize, trailers);
}

export function onNewConnection(id: u32): FilterStatus {
  return connections.has(id) ? connections.get(id).onNewConnection() : FilterStatus.Continue;
}

export function onDownstreamData(id: u32, size: u32, eos: bool): FilterStatus {
  return connections.has(id) ? connections.get(id).onDownstreamData(size, eos) : FilterStatus.Continue;
}

export function onUpstreamData(id: u32, size: u32, eos: bool): FilterStatus {
  return connections.has(id) ? connections.get(id).onUpstreamData(size, eos) : FilterStatus.Continue;
}

export function onDownstreamClose(id: u32, peer: PeerType): void {
  if (connections.has(id)) connections.get(id).onDownstreamClose(peer);
}

export function onUpstreamClose(id: u32, peer: PeerType): void {
  if (connections.has(id)) connections.get(id).onUpstreamClose(peer);
}

export function onDone(id: u32): bool {
  if (connections.has(id)) return connections.get(id).onDone();
  if (roots.has(id)) return roots.get(id).onDone();
  return true;
}

export function onLog(id: u32): void {
  if (connections.has(id)) connections.get(id).onLog();
}

/** The host is finished with the context: forget it so the GC can reclaim it. */
export function onDelete(id: u32): void {
  if (connections.has(id)) {
    const conn = connections.get(id);
    conn.releaseResources();
    conn.onDelete();
    connections.delete(id);
  } else if (roots.has(id)) {
    roots.get(id).onDelete();
    roots.delete(id);
  }
}

/** How many connection contexts are live (for tests and leak checks). */
export function liveConnectionCount(): i32 {
  return connections.size;
}
