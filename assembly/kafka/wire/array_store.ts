// Filling an Array that was created at its final length. AssemblyScript 0.27's Array has no
// unchecked element store: `unchecked(a[i] = v)` still calls __set, which checks the index and
// may grow the array, and is not inlined (it showed up on its own in a Produce decode profile).
// Decoders size each array once from the checked count and fill it in order, so the store can
// go straight to the element slot.

/** Stores `value` at index `i` of `a`, which must already hold more than `i` elements. */
// @ts-ignore: decorator
@inline export function storeElement<T>(a: Array<T>, i: i32, value: T): void {
  if (isManaged<T>()) {
    store<usize>(a.dataStart + (<usize>i << alignof<T>()), changetype<usize>(value));
    __link(changetype<usize>(a), changetype<usize>(value), true); // the write barrier, for runtimes that need one
  } else {
    store<T>(a.dataStart + (<usize>i << alignof<T>()), value);
  }
}
