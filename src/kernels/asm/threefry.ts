// Threefry-2x32-20 (Salmon et al., SC 2011; the same generator as src/rng/threefry.ts), shared by the
// AssemblyScript modules: threefry1 for one counter pair (words in tf0, tf1), threefry4 for four (tfA, tfB),
// threefry8 for eight.

// @ts-ignore: decorator
@inline function rotl4(v: v128, r: i32): v128 {
  return v128.or(i32x4.shl(v, r), i32x4.shr_u(v, 32 - r));
}

// Threefry-2x32-20 for four counters (c0 lanes, c1) under key (k0, k1): word 0 in tfA, word 1 in tfB.
export let tfA: v128 = i32x4.splat(0);
export let tfB: v128 = i32x4.splat(0);
// @ts-ignore: decorator
@inline function mix4(x0: v128, x1: v128, r: i32): v128 {
  return v128.xor(rotl4(x1, r), x0);
}
export function threefry4(k0: u32, k1: u32, c0: v128, c1: u32): void {
  const K0 = i32x4.splat(k0), K1 = i32x4.splat(k1), K2 = i32x4.splat(0x1bd11bda ^ k0 ^ k1);
  let x0 = i32x4.add(c0, K0);
  let x1 = i32x4.splat(c1 + k1);
  // rounds 1-4, injection 1: (ks1, ks2 + 1)
  x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 13); x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 15);
  x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 26); x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 6);
  x0 = i32x4.add(x0, K1); x1 = i32x4.add(x1, i32x4.add(K2, i32x4.splat(1)));
  // rounds 5-8, injection 2: (ks2, ks0 + 2)
  x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 17); x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 29);
  x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 16); x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 24);
  x0 = i32x4.add(x0, K2); x1 = i32x4.add(x1, i32x4.add(K0, i32x4.splat(2)));
  // rounds 9-12, injection 3: (ks0, ks1 + 3)
  x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 13); x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 15);
  x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 26); x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 6);
  x0 = i32x4.add(x0, K0); x1 = i32x4.add(x1, i32x4.add(K1, i32x4.splat(3)));
  // rounds 13-16, injection 4: (ks1, ks2 + 4)
  x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 17); x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 29);
  x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 16); x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 24);
  x0 = i32x4.add(x0, K1); x1 = i32x4.add(x1, i32x4.add(K2, i32x4.splat(4)));
  // rounds 17-20, injection 5: (ks2, ks0 + 5)
  x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 13); x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 15);
  x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 26); x0 = i32x4.add(x0, x1); x1 = mix4(x0, x1, 6);
  tfA = i32x4.add(x0, K2);
  tfB = i32x4.add(x1, i32x4.add(K0, i32x4.splat(5)));
}

// The same for eight counters (c0 lanes and c0 + 4, c1), the two vectors interleaved so that their rounds
// overlap: words 0 and 1 of the first four in tfA, tfB, of the next four in tfC, tfD.
export let tfC: v128 = i32x4.splat(0);
export let tfD: v128 = i32x4.splat(0);
export function threefry8(k0: u32, k1: u32, c0: v128, c1: u32): void {
  const K0 = i32x4.splat(k0), K1 = i32x4.splat(k1), K2 = i32x4.splat(0x1bd11bda ^ k0 ^ k1);
  let y0 = i32x4.add(c0, K0), z0 = i32x4.add(i32x4.add(c0, i32x4.splat(4)), K0);
  let y1 = i32x4.splat(c1 + k1), z1 = y1;
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 13); z1 = mix4(z0, z1, 13);
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 15); z1 = mix4(z0, z1, 15);
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 26); z1 = mix4(z0, z1, 26);
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 6); z1 = mix4(z0, z1, 6);
  y0 = i32x4.add(y0, K1); z0 = i32x4.add(z0, K1);
  y1 = i32x4.add(y1, i32x4.add(K2, i32x4.splat(1))); z1 = i32x4.add(z1, i32x4.add(K2, i32x4.splat(1)));
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 17); z1 = mix4(z0, z1, 17);
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 29); z1 = mix4(z0, z1, 29);
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 16); z1 = mix4(z0, z1, 16);
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 24); z1 = mix4(z0, z1, 24);
  y0 = i32x4.add(y0, K2); z0 = i32x4.add(z0, K2);
  y1 = i32x4.add(y1, i32x4.add(K0, i32x4.splat(2))); z1 = i32x4.add(z1, i32x4.add(K0, i32x4.splat(2)));
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 13); z1 = mix4(z0, z1, 13);
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 15); z1 = mix4(z0, z1, 15);
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 26); z1 = mix4(z0, z1, 26);
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 6); z1 = mix4(z0, z1, 6);
  y0 = i32x4.add(y0, K0); z0 = i32x4.add(z0, K0);
  y1 = i32x4.add(y1, i32x4.add(K1, i32x4.splat(3))); z1 = i32x4.add(z1, i32x4.add(K1, i32x4.splat(3)));
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 17); z1 = mix4(z0, z1, 17);
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 29); z1 = mix4(z0, z1, 29);
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 16); z1 = mix4(z0, z1, 16);
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 24); z1 = mix4(z0, z1, 24);
  y0 = i32x4.add(y0, K1); z0 = i32x4.add(z0, K1);
  y1 = i32x4.add(y1, i32x4.add(K2, i32x4.splat(4))); z1 = i32x4.add(z1, i32x4.add(K2, i32x4.splat(4)));
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 13); z1 = mix4(z0, z1, 13);
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 15); z1 = mix4(z0, z1, 15);
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 26); z1 = mix4(z0, z1, 26);
  y0 = i32x4.add(y0, y1); z0 = i32x4.add(z0, z1); y1 = mix4(y0, y1, 6); z1 = mix4(z0, z1, 6);
  tfA = i32x4.add(y0, K2);
  tfB = i32x4.add(y1, i32x4.add(K0, i32x4.splat(5)));
  tfC = i32x4.add(z0, K2);
  tfD = i32x4.add(z1, i32x4.add(K0, i32x4.splat(5)));
}

export let tf0: u32 = 0;
export let tf1: u32 = 0;
// @ts-ignore: decorator
@inline function rotl(v: u32, r: u32): u32 {
  return (v << r) | (v >>> (32 - r));
}
export function threefry1(k0: u32, k1: u32, c0: u32, c1: u32): void {
  const ks2: u32 = 0x1bd11bda ^ k0 ^ k1;
  let x0: u32 = c0 + k0, x1: u32 = c1 + k1;
  for (let s: u32 = 1; s <= 5; s++) {
    if (s & 1) {
      x0 += x1; x1 = rotl(x1, 13) ^ x0; x0 += x1; x1 = rotl(x1, 15) ^ x0;
      x0 += x1; x1 = rotl(x1, 26) ^ x0; x0 += x1; x1 = rotl(x1, 6) ^ x0;
    } else {
      x0 += x1; x1 = rotl(x1, 17) ^ x0; x0 += x1; x1 = rotl(x1, 29) ^ x0;
      x0 += x1; x1 = rotl(x1, 16) ^ x0; x0 += x1; x1 = rotl(x1, 24) ^ x0;
    }
    const a = s % 3, b = (s + 1) % 3;
    x0 += a == 0 ? k0 : a == 1 ? k1 : ks2;
    x1 += (b == 0 ? k0 : b == 1 ? k1 : ks2) + s;
  }
  tf0 = x0;
  tf1 = x1;
}

