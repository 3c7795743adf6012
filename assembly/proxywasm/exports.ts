// The module's export surface for Envoy. A plugin's entry file re-exports this:
//   export * from "<kafka-proxy-wasm>/assembly/proxywasm/exports";
// Envoy checks every export's signature exactly, so these stay plain i32 in, i32 out.
//
// Every callback runs between enterCallback() and leaveCallback(): the end of the outermost one
// is where garbage may be collected (see assembly/runtime/pacing.ts). After a data callback the
// VM's memory gauges are brought up to date (vm_memory.ts).
import * as dispatch from "./dispatcher";
import { hostAlloc } from "./memory";
import { enterCallback, leaveCallback } from "../runtime/pacing";
import { reportVmMemory } from "./vm_memory";

/** Marker Envoy looks for to pick ABI 0.2.1. */
export function proxy_abi_version_0_2_1(): void {}

/** The allocator the host uses to hand us buffers (it looks for `malloc` first). */
export function malloc(size: usize): usize { return hostAlloc(size); }
export function proxy_on_memory_allocate(size: usize): usize { return hostAlloc(size); }

export function proxy_on_context_create(contextId: u32, parentId: u32): void { enterCallback(); dispatch.onContextCreate(contextId, parentId); leaveCallback(); }
export function proxy_on_vm_start(rootId: u32, size: u32): u32 { enterCallback(); const r: u32 = dispatch.onVmStart(rootId, size) ? 1 : 0; leaveCallback(); return r; }
export function proxy_on_configure(rootId: u32, size: u32): u32 { enterCallback(); const r: u32 = dispatch.onConfigure(rootId, size) ? 1 : 0; leaveCallback(); return r; }
export function proxy_on_tick(rootId: u32): void { enterCallback(); dispatch.onTick(rootId); leaveCallback(); }
export function proxy_on_queue_ready(rootId: u32, queueId: u32): void { enterCallback(); dispatch.onQueueReady(rootId, queueId); leaveCallback(); }
export function proxy_on_http_call_response(rootId: u32, token: u32, headers: u32, bodySize: u32, trailers: u32): void {
  enterCallback();
  dispatch.onHttpCallResponse(rootId, token, headers, bodySize, trailers);
  leaveCallback();
}
export function proxy_on_new_connection(id: u32): u32 { enterCallback(); const r: u32 = dispatch.onNewConnection(id); leaveCallback(); return r; }
export function proxy_on_downstream_data(id: u32, size: u32, eos: u32): u32 { enterCallback(); const r: u32 = dispatch.onDownstreamData(id, size, eos != 0); leaveCallback(); reportVmMemory(); return r; }
export function proxy_on_upstream_data(id: u32, size: u32, eos: u32): u32 { enterCallback(); const r: u32 = dispatch.onUpstreamData(id, size, eos != 0); leaveCallback(); reportVmMemory(); return r; }
export function proxy_on_downstream_connection_close(id: u32, peer: u32): void { enterCallback(); dispatch.onDownstreamClose(id, peer); leaveCallback(); }
export function proxy_on_upstream_connection_close(id: u32, peer: u32): void { enterCallback(); dispatch.onUpstreamClose(id, peer); leaveCallback(); }
export function proxy_on_done(id: u32): u32 { enterCallback(); const r: u32 = dispatch.onDone(id) ? 1 : 0; leaveCallback(); return r; }
export function proxy_on_log(id: u32): void { enterCallback(); dispatch.onLog(id); leaveCallback(); }
export function proxy_on_delete(id: u32): void { enterCallback(); dispatch.onDelete(id); leaveCallback(); }
