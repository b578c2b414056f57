// In-place heapsort of slot indexes by a key column: no allocation and
// O(n log n) even on adversarial input, for the engine's few non-hot paths that
// must visit orders in a canonical order (mass cancel: by order id).

/**
 * Sorts slots[0, count) ascending by keys[slot << keyShift] (a key column, or
 * a field of rows of 2^keyShift elements); keys of distinct slots must differ
 * for a canonical order.
 */
export function sortSlotsByKey(slots: Int32Array, count: number, keys: Float64Array, keyShift = 0): void {
  if (!(count >= 0 && count <= slots.length))
    throw new Error(`sortSlotsByKey: count ${count} outside [0, ${slots.length}]`);
  for (let i = (count >> 1) - 1; i >= 0; i--) siftDown(slots, i, count, keys, keyShift);
  for (let end = count - 1; end > 0; end--) {
    const top = slots[0]!;
    slots[0] = slots[end]!;
    slots[end] = top;
    siftDown(slots, 0, end, keys, keyShift);
  }
}

/** Restores the max-heap below `root` within slots[0, count). */
function siftDown(slots: Int32Array, root: number, count: number, keys: Float64Array, shift: number): void {
  const moving = slots[root]!;
  const key = keys[moving << shift]!;
  let i = root;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= count) break;
    if (child + 1 < count && keys[slots[child + 1]! << shift]! > keys[slots[child]! << shift]!) child++;
    if (keys[slots[child]! << shift]! <= key) break;
    slots[i] = slots[child]!;
    i = child;
  }
  slots[i] = moving;
}
