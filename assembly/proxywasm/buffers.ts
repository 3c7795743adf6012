// Reading and replacing the bytes of a buffer the host owns (connection data, configuration, HTTP bodies).
import { proxy_get_buffer_bytes, proxy_set_buffer_bytes, proxy_get_buffer_status } from "./hostcalls";
import { BufferType, Status } from "./enums";
import { OUT_PTR, OUT_SIZE, OUT_EXTRA, takeHostBytes, clearOut } from "./memory";

/** Bytes [start, start+maxSize) of a host buffer, copied into the module; empty when there are none. */
export function getBufferBytes(type: BufferType, start: u32, maxSize: u32): ArrayBuffer {
  clearOut();
  const status = proxy_get_buffer_bytes(type, start, maxSize, OUT_PTR, OUT_SIZE);
  if (status != Status.Ok) return new ArrayBuffer(0);
  return takeHostBytes();
}

/** The buffer's current length, or -1 when the host has no such buffer now. */
export function getBufferSize(type: BufferType): i64 {
  clearOut();
  const status = proxy_get_buffer_status(type, OUT_SIZE, OUT_EXTRA);
  if (status != Status.Ok) return -1;
  return <i64>load<u32>(OUT_SIZE);
}

/**
 * Replaces bytes [start, start+length) of a host buffer with `size` bytes at `ptr`.
 * On network data Envoy supports prepend (0,0), drain-then-prepend (0,N) and append (start>=size);
 * replacing everything (0, current size) is the portable form.
 */
export function setBufferBytesRaw(type: BufferType, start: u32, length: u32, ptr: usize, size: usize): Status {
  return <Status>proxy_set_buffer_bytes(type, start, length, ptr, size);
}

/** Replaces the whole host buffer, which currently holds `currentSize` bytes, with `data`. */
export function replaceBuffer(type: BufferType, currentSize: u32, data: ArrayBuffer): Status {
  return setBufferBytesRaw(type, 0, currentSize, changetype<usize>(data), data.byteLength);
}
