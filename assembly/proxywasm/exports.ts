// The module's export surface for Envoy. A plugin's entry file re-exports this:
//   export * from "<kafka-proxy-wasm>/assembly/proxywasm/exports";
// Envoy checks every export's signature exactly, so these stay plain i32 in, i32 out.
import * as dispatch from "./dispatcher";
import { hostAlloc } from "./memory";

/** Marker Envoy looks for to pick ABI 0.2.1. */
export function proxy_abi_version_0_2_1(): void {}

/** The allocator the host uses to hand us buffers (it looks for `malloc` first). */
export function malloc(size: usize): usize { return hostAlloc(size); }
export function proxy_on_memory_allocate(size: usize): usize { return hostAlloc(size); }

export function proxy_on_context_create(contextId: u32, parentId: u32): void { dispatch.onContextCreate(contextId, parentId); }
export function proxy_on_vm_start(rootId: u32, size: u32): u32 { return dispatch.onVmStart(rootId, size) ? 1 : 0; }
export function proxy_on_configure(rootId: u32, size: u32): u32 { return dispatch.onConfigure(rootId, size) ? 1 : 0; }
export function proxy_on_tick(rootId: u32): void { dispatch.onTick(rootId); }
export function proxy_on_queue_ready(rootId: u32, queueId: u32): void { dispatch.onQueueReady(rootId, queueId); }
export function proxy_on_http_call_response(rootId: u32, token: u32, headers: u32, bodySize: u32, trailers: u32): void {
  dispatch.onHttpCallResponse(rootId, token, headers, bodySize, trailers);
}
export function proxy_on_new_connection(id: u32): u32 { return dispatch.onNewConnection(id); }
export function proxy_on_downstream_data(id: u32, size: u32, eos: u32): u32 { return dispatch.onDownstreamData(id, size, eos != 0); }
export function proxy_on_upstream_data(id: u32, size: u32, eos: u32): u32 { return dispatch.onUpstreamData(id, size, eos != 0); }
export function proxy_on_downstream_connection_close(id: u32, peer: u32): void { dispatch.onDownstreamClose(id, peer); }
export function proxy_on_upstream_connection_close(id: u32, peer: u32): void { dispatch.onUpstreamClose(id, peer); }
export function proxy_on_done(id: u32): u32 { return dispatch.onDone(id) ? 1 : 0; }
export function proxy_on_log(id: u32): void { dispatch.onLog(id); }
export function proxy_on_delete(id: u32): void { dispatch.onDelete(id); }
