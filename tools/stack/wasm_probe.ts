// The smallest module Envoy accepts as a Proxy-Wasm 0.2.1 plugin: the ABI marker,
// an allocator, memory and proxy_on_context_create. Used to check that an Envoy
// binary has the V8 runtime before anything else depends on it.

function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}
function leb(n: number): number[] {
  const out: number[] = [];
  do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n);
  return out;
}
function name(s: string): number[] { return [...leb(s.length), ...Buffer.from(s, "utf8")]; }

export function probeModule(): Buffer {
  const VOID_VOID = [0x60, 0x00, 0x00];
  const I32_I32 = [0x60, 0x01, 0x7f, 0x01, 0x7f];
  const I32I32_VOID = [0x60, 0x02, 0x7f, 0x7f, 0x00];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [3, ...VOID_VOID, ...I32_I32, ...I32I32_VOID]),
    ...section(3, [3, 0, 1, 2]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [4,
      ...name("proxy_abi_version_0_2_1"), 0x00, 0,
      ...name("malloc"), 0x00, 1,
      ...name("proxy_on_context_create"), 0x00, 2,
      ...name("memory"), 0x02, 0]),
    // malloc always answers 1024: the probe is never handed data.
    ...section(10, [3, 2, 0x00, 0x0b, 5, 0x00, 0x41, 0x80, 0x08, 0x0b, 2, 0x00, 0x0b]),
  ];
  return Buffer.from(bytes);
}
