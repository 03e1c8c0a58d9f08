// The bump allocator shared by the AssemblyScript modules: the host allocates every array once with alloc()
// and passes pointers.

let top: usize = 0;

export function alloc(bytes: i32): usize {
  if (top == 0) top = (__heap_base + 15) & ~15;
  const p = top;
  top = (top + <usize>bytes + 15) & ~15;
  const need = <i32>((top + 0xffff) >>> 16);
  const have = memory.size();
  if (need > have) {
    if (memory.grow(need - have) < 0) unreachable();
  }
  return p;
}

export function resetHeap(): void {
  top = (__heap_base + 15) & ~15;
}
