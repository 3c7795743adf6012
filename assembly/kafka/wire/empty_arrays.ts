// One shared empty StaticArray per element type. A StaticArray's length is fixed, so an empty
// one can never change: every empty array of numbers a decoder meets (offline replicas, most
// of the time) can be this one, with no allocation. `[]` would allocate a new one each time.
// @ts-ignore: decorator
@lazy export const EMPTY_BOOL: StaticArray<bool> = new StaticArray<bool>(0);
// @ts-ignore: decorator
@lazy export const EMPTY_I8: StaticArray<i8> = new StaticArray<i8>(0);
// @ts-ignore: decorator
@lazy export const EMPTY_I16: StaticArray<i16> = new StaticArray<i16>(0);
// @ts-ignore: decorator
@lazy export const EMPTY_U16: StaticArray<u16> = new StaticArray<u16>(0);
// @ts-ignore: decorator
@lazy export const EMPTY_I32: StaticArray<i32> = new StaticArray<i32>(0);
// @ts-ignore: decorator
@lazy export const EMPTY_U32: StaticArray<u32> = new StaticArray<u32>(0);
// @ts-ignore: decorator
@lazy export const EMPTY_I64: StaticArray<i64> = new StaticArray<i64>(0);
// @ts-ignore: decorator
@lazy export const EMPTY_F64: StaticArray<f64> = new StaticArray<f64>(0);

// An Array can grow, so an empty one cannot be shared; but its buffer can. EMPTY_BUFFER is an
// ArrayBuffer of length 0 whose header lies in static data, not the heap: the first push copies
// it into the heap (the runtime's __renew does so for anything below __heap_base), and the
// collector never frees it. An empty array of structs or strings (a Fetch partition's aborted
// transactions, most of the time) is then one allocation instead of two.
//
// The header is AssemblyScript's (~lib/rt/common), 12 bytes into this 16-aligned block: mmInfo,
// gcInfo, gcInfo2, rtId, rtSize, then the payload at a 16-byte boundary, 32 bytes in. mmInfo
// holds the block's capacity as for any static object: 16, the rest of the header and no
// payload. (AssemblyScript's incremental runtime, which the as-pect tests use, resizes in place
// whatever fits that capacity; with 0 there it wrote into static memory.)
// @ts-ignore: decorator
@lazy const EMPTY_BUFFER_BLOCK: usize = memory.data<u32>([0, 0, 0, 16, 0, 0, idof<ArrayBuffer>(), 0], 16);
// @ts-ignore: decorator
@inline const EMPTY_BUFFER: usize = EMPTY_BUFFER_BLOCK + 32;

/** A new empty Array over the shared static empty buffer. */
export function emptyArray<T>(): Array<T> {
  const a = changetype<usize>(__new(offsetof<Array<T>>(), idof<Array<T>>())); // zero-filled: length and capacity 0
  store<usize>(a, EMPTY_BUFFER, offsetof<Array<T>>("buffer"));
  store<usize>(a, EMPTY_BUFFER, offsetof<Array<T>>("dataStart"));
  return changetype<Array<T>>(a);
}
