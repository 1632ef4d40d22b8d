import { GraphBuilder } from '../onnx/onnx-graph.js';
import { VGG19_BLOCKS } from './vgg19-layers.js';

/** The graph's input and output names, which the session feeds and fetches. */
export const VGG19_INPUT = 'images';
export const VGG19_OUTPUT = 'block5_pool';

/**
 * VGG19 without its top as an ONNX graph for size x size images, from Keras' weights (one
 * [kernel, bias] pair per conv layer, in VGG19_BLOCKS order, kernels HWIO). The graph takes
 * and gives channels last, like Keras, so its (n, h, w, 512) output flattens in Keras' order;
 * inside, it transposes once to NCHW, the layout ONNX's Conv is defined on.
 */
export function vgg19Graph(weights: Float32Array[][], size: number): Uint8Array {
  const g = new GraphBuilder('vgg19').input(VGG19_INPUT, ['n', size, size, 3]);
  g.node('Transpose', [VGG19_INPUT], ['nchw'], { perm: { ints: [0, 3, 1, 2] } });
  let x = 'nchw';
  let channels = 3;
  let side = size;
  let k = 0;
  VGG19_BLOCKS.forEach((block, b) => {
    block.forEach((filters, c) => {
      const name = `block${b + 1}_conv${c + 1}`;
      const [kernel, bias] = weights[k++]!;
      g.floats(`${name}/kernel`, [filters, channels, 3, 3], hwioToOihw(kernel!, 3, 3, channels, filters));
      g.floats(`${name}/bias`, [filters], bias!);
      g.node('Conv', [x, `${name}/kernel`, `${name}/bias`], [`${name}/conv`], {
        kernel_shape: { ints: [3, 3] },
        pads: { ints: [1, 1, 1, 1] },
        strides: { ints: [1, 1] },
      });
      g.node('Relu', [`${name}/conv`], [name]);
      x = name;
      channels = filters;
    });
    const pool = `block${b + 1}_pool`;
    // Keras' MaxPooling2D with 'valid' padding drops an odd last row, as ONNX's floor mode does.
    g.node('MaxPool', [x], [b === VGG19_BLOCKS.length - 1 ? `${pool}/nchw` : pool], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } });
    x = pool;
    side = Math.floor(side / 2);
  });
  g.node('Transpose', [`${VGG19_OUTPUT}/nchw`], [VGG19_OUTPUT], { perm: { ints: [0, 2, 3, 1] } });
  g.output(VGG19_OUTPUT, ['n', side, side, channels]);
  return g.toBytes();
}

/** Keras' [kh, kw, in, out] kernel as ONNX's [out, in, kh, kw]. */
export function hwioToOihw(kernel: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        const src = ((y * kw + x) * cin + i) * cout;
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = kernel[src + o]!;
      }
    }
  }
  return out;
}
