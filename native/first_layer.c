/*
 * The first dense layer of a pack of classifiers, on sparse features (VGG-style features
 * after ReLU are mostly zeros), each block of rows stored by columns: the forward product
 * reads only the non-zero inputs, and the backward product is fused with the optimizer step,
 * so that each weight row is updated in one pass while it sits in registers; the next block's
 * forward product reads the weights again after every row's update, in the same call. Everything after the first layer is small: tail.c runs
 * it for every member in one call per step. Results equal tfjs' within float rounding; the
 * shared engine contract tests hold both to that.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include "kernels.h"
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "tune native: bad argument");       \
      return NULL;                                                    \
    }                                                                 \
  } while (0)


/* Column offsets that only ever point inside the non-zero arrays, in order. */
static int fits(const int32_t *off, size_t n, size_t rowLength, size_t valueLength) {
  for (size_t i = 0; i + 1 < n; i++) if (off[i] < 0 || off[i + 1] < off[i]) return 0;
  return n == 0 || ((size_t)off[n - 1] <= rowLength && (size_t)off[n - 1] <= valueLength);
}
/* ---- Register-blocked kernels -------------------------------------------------------------
 * A chunk of a weight row (up to four of the widest vectors) lives in vector registers while
 * every non-zero of its input column is applied: the backward product accumulates the gradient
 * chunk in registers, and the optimizer updates the weights there. Each weight row and its
 * optimizer slots thus go through memory once for the update. Every output element still sees its
 * terms in the same order as the plain loops above (rows of W in order, non-zeros in order), and
 * vector sqrt and division round as the scalar ones, so results do not depend on the chunking:
 * a member's columns compute the same numbers wherever they sit in the pack.
 */
typedef float v4 __attribute__((vector_size(16), aligned(4)));
/*
 * vwide: the widest vector the target holds in one register. A vector wider than the registers
 * is not split into registers by the compiler: with 64-byte vectors and no AVX-512, every
 * operation went through the stack (rep movs per non-zero), and a pack trained 5.4 times slower.
 */
#if defined(__AVX512F__)
typedef float vwide __attribute__((vector_size(64), aligned(4)));
#define SQRT_WIDE(t) ((vwide)_mm512_sqrt_ps((__m512)(t)))
#elif defined(__AVX__)
typedef float vwide __attribute__((vector_size(32), aligned(4)));
#define SQRT_WIDE(t) ((vwide)_mm256_sqrt_ps((__m256)(t)))
#else
#define WIDE_IS_V4
typedef v4 vwide;
#endif
enum { WIDE = sizeof(vwide) / sizeof(float) };
/* The optimizer kind of columns that take no step this batch (the next block's forward still reads them). */
enum { KIND_FROZEN = 4 };

typedef struct {
  /* The block whose gradient comes back (CSC of one input column d): rows, values, count. */
  const int32_t *row;
  const float *val;
  int32_t count;
  const float *dO;
  size_t dORows;
  int32_t width;
} column;

/*
 * One chunk of NV vectors of type V at columns c.. of row d, optimizer `kind`. The vectors are
 * named variables (EACH pastes the lane number) rather than an array, so that they stay in
 * registers: the compiler keeps arrays of vectors on the stack.
 */
#define EACH(NV, F) F(0) if (NV > 1) { F(1) } if (NV > 2) { F(2) } if (NV > 3) { F(3) }
#define CHUNK(NAME, V)                                                                                  \
  static inline __attribute__((always_inline)) void NAME(const int NV, const column *col, int32_t c, float *restrict w, \
      float *restrict s1, float *restrict s2, const float *restrict rate, const float *restrict k1, const float *restrict k2, \
      int32_t kind, float h0, float h1, float eps) {                                                           \
    V g0 = (V){0}, g1 = g0, g2 = g0, g3 = g0;                                                                  \
    for (int32_t k = 0; k < col->count; k++) {                                                                 \
      if ((size_t)col->row[k] >= col->dORows) continue;                                                        \
      const float a = col->val[k];                                                                             \
      const V *src = (const V *)(col->dO + (size_t)col->row[k] * col->width + c);                              \
      EACH(NV, ACC)                                                                    \
    }                                                                                                          \
    V *W = (V *)(w + c);                                                                                       \
    const V *lr = (const V *)(rate + c);                                                                       \
    V x0 = W[0], x1 = NV > 1 ? W[1] : x0, x2 = NV > 2 ? W[2] : x0, x3 = NV > 3 ? W[3] : x0;                   \
    if (kind == 0) {                                                                                           \
      EACH(NV, SGD)                                                                                            \
    } else if (kind == 1) {                                                                                    \
      V *S = (V *)(s1 + c);                                                                                    \
      EACH(NV, RMSPROP)                                                                                        \
    } else if (kind == 2) {                                                                                    \
      V *M = (V *)(s1 + c), *Q = (V *)(s2 + c);                                                                \
      const V *K1 = (const V *)(k1 + c), *K2 = (const V *)(k2 + c);                                            \
      EACH(NV, ADAM)                                                                                           \
    } else {                                                                                                   \
      V *A = (V *)(s1 + c);                                                                                    \
      EACH(NV, MOMENTUM)                                                                                       \
    }                                                                                                          \
    EACH(NV, STORE)                                                                                            \
  }
#define ACC(i) g##i += a * src[i];
#define SGD(i) x##i -= lr[i] * g##i;
#define RMSPROP(i) { __typeof__(g0) s = S[i] * h0 + g##i * g##i * (1.0f - h0); S[i] = s; x##i -= lr[i] * g##i / VSQRT(s + eps); }
#define ADAM(i)                                                   \
  { __typeof__(g0) m = h0 * M[i] + (1.0f - h0) * g##i;                         \
    __typeof__(g0) q = h1 * Q[i] + (1.0f - h1) * g##i * g##i;                  \
    M[i] = m;                                                     \
    Q[i] = q;                                                     \
    x##i -= lr[i] * (m * K1[i]) / (VSQRT(q * K2[i]) + eps); }
#define MOMENTUM(i) { __typeof__(g0) v = A[i] * h0 + g##i; A[i] = v; x##i -= lr[i] * v; }
#define STORE(i) W[i] = x##i;
#define NEXT(i) o[i] += a * x##i;

/* Vector square roots (IEEE-exact, as sqrtf): the compiler does not vectorize sqrtf lane by lane. */
static inline __attribute__((always_inline)) v4 sqrt4(v4 t) {
#if defined(__SSE__)
  return (v4)_mm_sqrt_ps((__m128)t);
#else
  v4 r;
  for (int j = 0; j < 4; j++) r[j] = sqrtf(t[j]);
  return r;
#endif
}
#ifdef WIDE_IS_V4
#define VSQRT(x) _Generic((x), v4: sqrt4, float: sqrtf)(x)
#else
static inline __attribute__((always_inline)) vwide sqrtw(vwide t) { return SQRT_WIDE(t); }
#define VSQRT(x) _Generic((x), vwide: sqrtw, v4: sqrt4, float: sqrtf)(x)
#endif
CHUNK(chunkw, vwide)
CHUNK(chunk4, v4)
CHUNK(chunk1, float)

/* Every column group of row d, chunk by chunk: four of the widest vectors at a time, the rest of the
 * whole vectors together, then 4 columns and 1 at a time (pack.ts pads groups to whole vectors). */
static void update_row(const column *col, size_t d, const int32_t *G, size_t count, const double *h, float *W, float *S1, float *S2,
                       const float *rate, const float *k1, const float *k2) {
  const size_t at = d * (size_t)col->width;
  for (size_t i = 0; i < count; i++) {
    const int32_t end = G[3 * i + 1], kind = G[3 * i + 2];
    const float h0 = (float)h[3 * i], h1 = (float)h[3 * i + 1], eps = (float)h[3 * i + 2];
    float *w = W + at, *s1 = S1 ? S1 + at : NULL, *s2 = S2 ? S2 + at : NULL;
    int32_t c = G[3 * i];
    if (kind == KIND_FROZEN) continue;
    for (; c + 4 * WIDE <= end; c += 4 * WIDE) chunkw(4, col, c, w, s1, s2, rate, k1, k2, kind, h0, h1, eps);
    // The rest of the whole vectors in one pass over the column's non-zeros, not one pass each.
    const int32_t rest = (end - c) / WIDE;
    if (rest == 3) chunkw(3, col, c, w, s1, s2, rate, k1, k2, kind, h0, h1, eps);
    if (rest == 2) chunkw(2, col, c, w, s1, s2, rate, k1, k2, kind, h0, h1, eps);
    if (rest == 1) chunkw(1, col, c, w, s1, s2, rate, k1, k2, kind, h0, h1, eps);
    c += rest * WIDE;
    for (; c + 4 <= end; c += 4) chunk4(1, col, c, w, s1, s2, rate, k1, k2, kind, h0, h1, eps);
    for (; c < end; c++) chunk1(1, col, c, w, s1, s2, rate, k1, k2, kind, h0, h1, eps);
  }
}

/* Forward of one weight-row chunk held in registers: out[r][c..] += x * w[c..] per non-zero. */
#define FORWARD_CHUNK(NAME, V)                                                                                 \
  static inline __attribute__((always_inline)) void NAME(const int NV, const float *restrict w, const int32_t *row,      \
      const float *val, int32_t count, float *out, int32_t rows, int32_t width, int32_t c) {                    \
    const V *W = (const V *)(w + c);                                                                            \
    V x0 = W[0], x1 = NV > 1 ? W[1] : x0, x2 = NV > 2 ? W[2] : x0, x3 = NV > 3 ? W[3] : x0;                    \
    for (int32_t k = 0; k < count; k++) {                                                                       \
      if (row[k] < 0 || row[k] >= rows) continue;                                                               \
      const float a = val[k];                                                                                   \
      V *o = (V *)(out + (size_t)row[k] * width + c);                                                          \
      EACH(NV, NEXT)                                                                                            \
    }                                                                                                           \
  }
FORWARD_CHUNK(forwardw, vwide)
FORWARD_CHUNK(forward4, v4)
FORWARD_CHUNK(forward1, float)

/* out = bias + the block's product, row d of the weights after row d - 1 for every output. */
static void forward_block(const int32_t *off, const int32_t *row, const float *val, int32_t rows, const float *W, size_t dim,
                          const float *b, float *o, int32_t width) {
  for (int32_t r = 0; r < rows; r++) memcpy(o + (size_t)r * width, b, sizeof(float) * width);
  for (size_t d = 0; d < dim; d++) {
    const float *w = W + d * width;
    const int32_t *ri = row + off[d];
    const float *vi = val + off[d];
    const int32_t n = off[d + 1] - off[d];
    if (n == 0) continue;
    int32_t c = 0;
    for (; c + 4 * WIDE <= width; c += 4 * WIDE) forwardw(4, w, ri, vi, n, o, rows, width, c);
    const int32_t rest = (width - c) / WIDE;
    if (rest == 3) forwardw(3, w, ri, vi, n, o, rows, width, c);
    if (rest == 2) forwardw(2, w, ri, vi, n, o, rows, width, c);
    if (rest == 1) forwardw(1, w, ri, vi, n, o, rows, width, c);
    c += rest * WIDE;
    for (; c + 4 <= width; c += 4) forward4(1, w, ri, vi, n, o, rows, width, c);
    for (; c < width; c++) forward1(1, w, ri, vi, n, o, rows, width, c);
  }
}

/* The floats of the widest vector: a column group that spans whole vectors has no scalar tail. */
napi_value tune_lanes(napi_env env) {
  napi_value out;
  return napi_create_int32(env, WIDE, &out) == napi_ok ? out : NULL;
}

/*
 * forward(colOffsets, rowIndex, values, rows, w, bias, out, width), the block by columns (CSC):
 * out[r][:] = bias + sum over the non-zeros (r, x) of column d of x * w[d][:]. Walking the
 * weights row by row streams them once per block, while the block's outputs stay in cache.
 */
napi_value tune_forward(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tune_view offsets, index, values, w, bias, out;
  int32_t rows, width;
  if (argc != 8 || !tune_typed(env, argv[0], napi_int32_array, &offsets) || !tune_typed(env, argv[1], napi_int32_array, &index) ||
      !tune_typed(env, argv[2], napi_float32_array, &values) || !tune_integer(env, argv[3], &rows) || !tune_typed(env, argv[4], napi_float32_array, &w) ||
      !tune_typed(env, argv[5], napi_float32_array, &bias) || !tune_typed(env, argv[6], napi_float32_array, &out) || !tune_integer(env, argv[7], &width)) {
    napi_throw_type_error(env, NULL, "forward: expected (Int32Array, Int32Array, Float32Array, int, Float32Array, Float32Array, Float32Array, int)");
    return NULL;
  }
  if (width <= 0 || rows < 0 || w.length % (size_t)width != 0 || (size_t)rows * width > out.length || (size_t)width > bias.length ||
      offsets.length != w.length / (size_t)width + 1 || !fits(offsets.data, offsets.length, index.length, values.length)) {
    napi_throw_range_error(env, NULL, "forward: shapes do not fit");
    return NULL;
  }
  forward_block(offsets.data, index.data, values.data, rows, w.data, w.length / (size_t)width, bias.data, out.data, width);
  return NULL;
}

/*
 * step(colOffsets, rowIndex, values, dOut, w, s1, s2, width, groups, lr, c1, c2, hyper,
 *      [nextOffsets, nextRowIndex, nextValues, nextRows, nextBias, nextOut]):
 * for every input d: g = sum over the batch's non-zeros (b, x) in column d of x * dOut[b][:],
 * then one optimizer step on w[d][:] with per-column learning rates; then, when the six next-block
 * arguments are given, that block's forward product (as forward) with the updated weights. The columns
 * come in groups, each a run of columns with one optimizer: groups = [begin, end, kind] per group
 * and hyper = [rho or b1 or momentum, b2, eps] per group, so that a pack may mix optimizers while
 * each row loop stays long enough to vectorize:
 *   kind 0 sgd:      w -= lr g
 *   kind 1 rmsprop:  s1 = rho s1 + (1 - rho) g^2; w -= lr g / sqrt(s1 + eps)     (tfjs' form)
 *   kind 2 adam:     s1 = b1 s1 + (1 - b1) g; s2 = b2 s2 + (1 - b2) g^2;
 *                    w -= lr (s1 c1) / (sqrt(s2 c2) + eps), c = 1 / (1 - beta^t) per column
 *   kind 3 momentum: s1 = momentum s1 + g; w -= lr s1                             (tfjs' form)
 *   kind 4 frozen:   nothing (a member that sits this batch out: its weights and slots stay)
 * Called without the next block's arguments, it only updates.
 */
napi_value tune_step(napi_env env, napi_callback_info info) {
  size_t argc = 19;
  napi_value argv[19];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tune_view offsets, index, values, dout, w, s1, s2, groups, lr, c1, c2, hyper, noff, nindex, nvalues, nbias, nout;
  int32_t width, nrows = 0;
  const int next = argc == 19;
  if ((argc != 13 && argc != 19) || !tune_typed(env, argv[0], napi_int32_array, &offsets) || !tune_typed(env, argv[1], napi_int32_array, &index) ||
      !tune_typed(env, argv[2], napi_float32_array, &values) || !tune_typed(env, argv[3], napi_float32_array, &dout) ||
      !tune_typed(env, argv[4], napi_float32_array, &w) || !tune_typed(env, argv[5], napi_float32_array, &s1) ||
      !tune_typed(env, argv[6], napi_float32_array, &s2) || !tune_integer(env, argv[7], &width) || !tune_typed(env, argv[8], napi_int32_array, &groups) ||
      !tune_typed(env, argv[9], napi_float32_array, &lr) || !tune_typed(env, argv[10], napi_float32_array, &c1) ||
      !tune_typed(env, argv[11], napi_float32_array, &c2) || !tune_typed(env, argv[12], napi_float64_array, &hyper) ||
      (next && (!tune_typed(env, argv[13], napi_int32_array, &noff) || !tune_typed(env, argv[14], napi_int32_array, &nindex) ||
                !tune_typed(env, argv[15], napi_float32_array, &nvalues) || !tune_integer(env, argv[16], &nrows) ||
                !tune_typed(env, argv[17], napi_float32_array, &nbias) || !tune_typed(env, argv[18], napi_float32_array, &nout)))) {
    napi_throw_type_error(env, NULL, "step: bad arguments");
    return NULL;
  }
  const size_t count = groups.length / 3;
  const int32_t *G = groups.data;
  int slots1 = 0, slots2 = 0;
  for (size_t i = 0; i < count; i++) {
    const int32_t begin = G[3 * i], end = G[3 * i + 1], kind = G[3 * i + 2];
    if (begin < 0 || end < begin || end > width || kind < 0 || kind > KIND_FROZEN) {
      napi_throw_range_error(env, NULL, "step: a column group does not fit");
      return NULL;
    }
    slots1 |= kind != 0 && kind != KIND_FROZEN;
    slots2 |= kind == 2;
  }
  if (width <= 0 || w.length % (size_t)width != 0 || groups.length % 3 != 0 || hyper.length < 3 * count || lr.length < (size_t)width ||
      (slots1 && s1.length != w.length) || (slots2 && (s2.length != w.length || c1.length < (size_t)width || c2.length < (size_t)width))) {
    napi_throw_range_error(env, NULL, "step: shapes do not fit");
    return NULL;
  }
  const size_t dim = w.length / (size_t)width;
  if (offsets.length != dim + 1 || !fits(offsets.data, offsets.length, index.length, values.length)) {
    napi_throw_range_error(env, NULL, "step: column offsets do not fit the weights");
    return NULL;
  }
  if (next && (nrows < 0 || (size_t)nrows * width > nout.length || (size_t)width > nbias.length || noff.length != dim + 1 ||
               !fits(noff.data, noff.length, nindex.length, nvalues.length))) {
    napi_throw_range_error(env, NULL, "step: the next block does not fit");
    return NULL;
  }
  const int32_t *off = offsets.data;
  column col = {.dO = dout.data, .dORows = dout.length / (size_t)width, .width = width};
  for (size_t d = 0; d < dim; d++) {
    col.row = (const int32_t *)index.data + off[d];
    col.val = (const float *)values.data + off[d];
    col.count = off[d + 1] - off[d];
    update_row(&col, d, G, count, hyper.data, w.data, slots1 ? s1.data : NULL, slots2 ? s2.data : NULL, lr.data, c1.data, c2.data);
  }
  /*
   * The next block's product comes after every row's update, not inside each row's chunk with
   * the weights still in registers: the fused form waited on each chunk's square roots and
   * divisions before its stores, and a step took 7 to 12% longer (widths 40 to 304).
   */
  if (next) forward_block(noff.data, nindex.data, nvalues.data, nrows, w.data, dim, nbias.data, nout.data, width);
  return NULL;
}
