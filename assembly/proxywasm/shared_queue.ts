// Shared queues: one VM registers and drains a queue; VMs on any worker enqueue to it.
import { proxy_register_shared_queue, proxy_resolve_shared_queue, proxy_enqueue_shared_queue, proxy_dequeue_shared_queue } from "./hostcalls";
import { Status } from "./enums";
import { OUT_PTR, OUT_SIZE, OUT_EXTRA, takeHostBytes, clearOut } from "./memory";

/** Registers (or re-opens) the queue `name` owned by this VM; the root context gets onQueueReady for it. 0 on failure. */
export function registerSharedQueue(name: string): u32 {
  const n = String.UTF8.encode(name);
  store<u32>(OUT_EXTRA, 0);
  const status = proxy_register_shared_queue(changetype<usize>(n), n.byteLength, OUT_EXTRA);
  return status == Status.Ok ? load<u32>(OUT_EXTRA) : 0;
}

/** Finds a queue registered by the VM `vmId`. 0 when there is none yet. */
export function resolveSharedQueue(vmId: string, name: string): u32 {
  const v = String.UTF8.encode(vmId);
  const n = String.UTF8.encode(name);
  store<u32>(OUT_EXTRA, 0);
  const status = proxy_resolve_shared_queue(changetype<usize>(v), v.byteLength, changetype<usize>(n), n.byteLength, OUT_EXTRA);
  return status == Status.Ok ? load<u32>(OUT_EXTRA) : 0;
}

export function enqueueShared(queueId: u32, data: ArrayBuffer): Status {
  return <Status>proxy_enqueue_shared_queue(queueId, changetype<usize>(data), data.byteLength);
}

/** The next item, or null when the queue is empty (or gone). */
export function dequeueShared(queueId: u32): ArrayBuffer | null {
  clearOut();
  const status = proxy_dequeue_shared_queue(queueId, OUT_PTR, OUT_SIZE);
  if (status != Status.Ok) return null;
  return takeHostBytes();
}
