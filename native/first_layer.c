/*
 * The first dense layer of a pack of classifiers, on sparse features (VGG-style features
 * after ReLU are mostly zeros), each block of rows stored by columns: the forward product
 * reads only the non-zero inputs, and the backward product is fused with the optimizer step,
 * so that each weight row is read and written once per step while it is in cache. Everything after the first layer is small and
 * stays in JavaScript (src/engine/native/). Results equal tfjs' within float rounding; the
 * shared engine contract tests hold both to that.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "tune native: bad argument");       \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

typedef struct {
  void *data;
  size_t length;
} view;

static int typed(napi_env env, napi_value value, napi_typedarray_type want, view *out) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, &out->length, &out->data, &buffer, &offset) != napi_ok) return 0;
  return type == want;
}

static int integer(napi_env env, napi_value value, int32_t *out) {
  return napi_get_value_int32(env, value, out) == napi_ok;
}

/* The inner loops, apart with restrict pointers so that the compiler vectorizes them. */
__attribute__((noinline)) static void axpy(int32_t n, float a, const float *restrict x, float *restrict y) {
  for (int32_t j = 0; j < n; j++) y[j] += a * x[j];
}

__attribute__((noinline)) static void sgd_row(int32_t n, float *restrict w, const float *restrict g, const float *restrict lr) {
  for (int32_t j = 0; j < n; j++) w[j] -= lr[j] * g[j];
}

__attribute__((noinline)) static void rmsprop_row(int32_t n, float *restrict w, float *restrict s, const float *restrict g, const float *restrict lr, float rho, float eps) {
  for (int32_t j = 0; j < n; j++) {
    s[j] = s[j] * rho + g[j] * g[j] * (1.0f - rho);
    w[j] -= lr[j] * g[j] / sqrtf(s[j] + eps);
  }
}

__attribute__((noinline)) static void adam_row(int32_t n, float *restrict w, float *restrict m, float *restrict v, const float *restrict g, const float *restrict lr,
                            const float *restrict c1, const float *restrict c2, float b1, float b2, float eps) {
  for (int32_t j = 0; j < n; j++) {
    m[j] = b1 * m[j] + (1.0f - b1) * g[j];
    v[j] = b2 * v[j] + (1.0f - b2) * g[j] * g[j];
    w[j] -= lr[j] * (m[j] * c1[j]) / (sqrtf(v[j] * c2[j]) + eps);
  }
}

/*
 * forward(colOffsets, rowIndex, values, rows, w, bias, out, width), the block by columns (CSC):
 * out[r][:] = bias + sum over the non-zeros (r, x) of column d of x * w[d][:]. Walking the
 * weights row by row streams them once per block, while the block's outputs stay in cache.
 */
static napi_value forward(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  view offsets, index, values, w, bias, out;
  int32_t rows, width;
  if (argc != 8 || !typed(env, argv[0], napi_int32_array, &offsets) || !typed(env, argv[1], napi_int32_array, &index) ||
      !typed(env, argv[2], napi_float32_array, &values) || !integer(env, argv[3], &rows) || !typed(env, argv[4], napi_float32_array, &w) ||
      !typed(env, argv[5], napi_float32_array, &bias) || !typed(env, argv[6], napi_float32_array, &out) || !integer(env, argv[7], &width)) {
    napi_throw_type_error(env, NULL, "forward: expected (Int32Array, Int32Array, Float32Array, int, Float32Array, Float32Array, Float32Array, int)");
    return NULL;
  }
  if (width <= 0 || rows < 0 || w.length % (size_t)width != 0 || (size_t)rows * width > out.length || (size_t)width > bias.length ||
      offsets.length != w.length / (size_t)width + 1) {
    napi_throw_range_error(env, NULL, "forward: shapes do not fit");
    return NULL;
  }
  const size_t dim = w.length / (size_t)width;
  const int32_t *off = offsets.data, *row = index.data;
  const float *val = values.data, *W = w.data, *b = bias.data;
  float *o = out.data;
  for (int32_t r = 0; r < rows; r++) memcpy(o + (size_t)r * width, b, sizeof(float) * width);
  for (size_t d = 0; d < dim; d++) {
    const float *restrict src = W + d * width;
    for (int32_t k = off[d]; k < off[d + 1]; k++) {
      if (row[k] < 0 || row[k] >= rows) continue;
      axpy(width, val[k], src, o + (size_t)row[k] * width);
    }
  }
  return NULL;
}

__attribute__((noinline)) static void momentum_row(int32_t n, float *restrict w, float *restrict a, const float *restrict g, const float *restrict lr, float mu) {
  for (int32_t j = 0; j < n; j++) {
    a[j] = a[j] * mu + g[j];
    w[j] -= lr[j] * a[j];
  }
}

/*
 * backwardUpdate(colOffsets, rowIndex, values, dOut, w, s1, s2, width, groups, lr, c1, c2, hyper):
 * for every input d: g = sum over the batch's non-zeros (b, x) in column d of x * dOut[b][:],
 * then one optimizer step on w[d][:] with per-column learning rates. The columns come in
 * groups, each a run of columns with one optimizer: groups = [begin, end, kind] per group and
 * hyper = [rho or b1 or momentum, b2, eps] per group, so that a pack may mix optimizers while
 * each row loop stays long enough to vectorize:
 *   kind 0 sgd:      w -= lr g
 *   kind 1 rmsprop:  s1 = rho s1 + (1 - rho) g^2; w -= lr g / sqrt(s1 + eps)     (tfjs' form)
 *   kind 2 adam:     s1 = b1 s1 + (1 - b1) g; s2 = b2 s2 + (1 - b2) g^2;
 *                    w -= lr (s1 c1) / (sqrt(s2 c2) + eps), c = 1 / (1 - beta^t) per column
 *   kind 3 momentum: s1 = momentum s1 + g; w -= lr s1                             (tfjs' form)
 */
static napi_value backward_update(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  view offsets, index, values, dout, w, s1, s2, groups, lr, c1, c2, hyper;
  int32_t width;
  if (argc != 13 || !typed(env, argv[0], napi_int32_array, &offsets) || !typed(env, argv[1], napi_int32_array, &index) ||
      !typed(env, argv[2], napi_float32_array, &values) || !typed(env, argv[3], napi_float32_array, &dout) ||
      !typed(env, argv[4], napi_float32_array, &w) || !typed(env, argv[5], napi_float32_array, &s1) ||
      !typed(env, argv[6], napi_float32_array, &s2) || !integer(env, argv[7], &width) || !typed(env, argv[8], napi_int32_array, &groups) ||
      !typed(env, argv[9], napi_float32_array, &lr) || !typed(env, argv[10], napi_float32_array, &c1) ||
      !typed(env, argv[11], napi_float32_array, &c2) || !typed(env, argv[12], napi_float64_array, &hyper)) {
    napi_throw_type_error(env, NULL, "backwardUpdate: bad arguments");
    return NULL;
  }
  const size_t count = groups.length / 3;
  const int32_t *G = groups.data;
  int slots1 = 0, slots2 = 0;
  for (size_t i = 0; i < count; i++) {
    const int32_t begin = G[3 * i], end = G[3 * i + 1], kind = G[3 * i + 2];
    if (begin < 0 || end < begin || end > width || kind < 0 || kind > 3) {
      napi_throw_range_error(env, NULL, "backwardUpdate: a column group does not fit");
      return NULL;
    }
    slots1 |= kind != 0;
    slots2 |= kind == 2;
  }
  if (width <= 0 || w.length % (size_t)width != 0 || groups.length % 3 != 0 || hyper.length < 3 * count || lr.length < (size_t)width ||
      (slots1 && s1.length != w.length) || (slots2 && (s2.length != w.length || c1.length < (size_t)width || c2.length < (size_t)width))) {
    napi_throw_range_error(env, NULL, "backwardUpdate: shapes do not fit");
    return NULL;
  }
  const size_t dim = w.length / (size_t)width;
  if (offsets.length != dim + 1) {
    napi_throw_range_error(env, NULL, "backwardUpdate: column offsets do not fit the weights");
    return NULL;
  }
  const int32_t *off = offsets.data, *row = index.data;
  const float *val = values.data, *dO = dout.data, *rate = lr.data, *k1 = c1.data, *k2 = c2.data;
  const double *h = hyper.data;
  const size_t rowsOfDOut = dout.length / (size_t)width;
  float *W = w.data, *S1 = s1.data, *S2 = s2.data;
  /* The batch's gradient row for one input; the packs this engine trains are a few hundred wide. */
  float *g = malloc(sizeof(float) * width);
  if (!g) {
    napi_throw_error(env, NULL, "backwardUpdate: out of memory");
    return NULL;
  }
  for (size_t d = 0; d < dim; d++) {
    memset(g, 0, sizeof(float) * width);
    for (int32_t k = off[d]; k < off[d + 1]; k++) {
      if ((size_t)row[k] >= rowsOfDOut) continue;
      axpy(width, val[k], dO + (size_t)row[k] * width, g);
    }
    const size_t at = d * width;
    for (size_t i = 0; i < count; i++) {
      const int32_t b = G[3 * i], n = G[3 * i + 1] - b, kind = G[3 * i + 2];
      const float h0 = (float)h[3 * i], h1 = (float)h[3 * i + 1], eps = (float)h[3 * i + 2];
      float *wd = W + at + b;
      if (kind == 0) sgd_row(n, wd, g + b, rate + b);
      else if (kind == 1) rmsprop_row(n, wd, S1 + at + b, g + b, rate + b, h0, eps);
      else if (kind == 2) adam_row(n, wd, S1 + at + b, S2 + at + b, g + b, rate + b, k1 + b, k2 + b, h0, h1, eps);
      else momentum_row(n, wd, S1 + at + b, g + b, rate + b, h0);
    }
  }
  free(g);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"forward", NULL, forward, NULL, NULL, NULL, napi_default, NULL},
      {"backwardUpdate", NULL, backward_update, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 2, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
