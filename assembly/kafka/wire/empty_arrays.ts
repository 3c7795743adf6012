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
