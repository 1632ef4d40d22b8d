/**
 * VGG19's forward pass in plain loops (float64 sums), written from the architecture alone, to
 * check what tune computes with tfjs. HWC layout; kernels are Keras' (kh, kw, in, out).
 */
export interface ConvWeights {
  kernel: Float32Array;
  bias: Float32Array;
  cin: number;
  cout: number;
}

export function conv3x3Relu(input: Float64Array, h: number, w: number, wt: ConvWeights): Float64Array {
  const { kernel, bias, cin, cout } = wt;
  const out = new Float64Array(h * w * cout);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let o = 0; o < cout; o++) {
        let sum = bias[o]!;
        for (let ky = 0; ky < 3; ky++) {
          const iy = y + ky - 1;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < 3; kx++) {
            const ix = x + kx - 1;
            if (ix < 0 || ix >= w) continue;
            const inBase = (iy * w + ix) * cin;
            const kBase = (ky * 3 + kx) * cin * cout + o;
            for (let c = 0; c < cin; c++) sum += input[inBase + c]! * kernel[kBase + c * cout]!;
          }
        }
        out[(y * w + x) * cout + o] = sum > 0 ? sum : 0;
      }
    }
  }
  return out;
}

export function maxPool2(input: Float64Array, h: number, w: number, c: number): Float64Array {
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  const out = new Float64Array(oh * ow * c);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      for (let k = 0; k < c; k++) {
        let m = -Infinity;
        for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) m = Math.max(m, input[((2 * y + dy) * w + 2 * x + dx) * c + k]!);
        out[(y * ow + x) * c + k] = m;
      }
    }
  }
  return out;
}

/** RGB 0..255 pixels -> Keras caffe preprocessing -> VGG19 blocks -> flattened block5_pool. */
export function referenceVgg19(rgb: Uint8Array, size: number, blocks: readonly (readonly number[])[], weights: ConvWeights[]): Float64Array {
  let x: Float64Array = new Float64Array(size * size * 3);
  const means = [103.939, 116.779, 123.68];
  for (let i = 0; i < size * size; i++) {
    for (let c = 0; c < 3; c++) x[i * 3 + c] = rgb[i * 3 + (2 - c)]! - means[c]!;
  }
  let h = size;
  let k = 0;
  let channels = 3;
  for (const block of blocks) {
    for (const filters of block) {
      x = conv3x3Relu(x, h, h, weights[k++]!);
      channels = filters;
    }
    x = maxPool2(x, h, h, channels);
    h = Math.floor(h / 2);
  }
  return x;
}
