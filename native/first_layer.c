/*
 * The first dense layer of a pack of classifiers, on sparse features (VGG-style features
 * after ReLU are mostly zeros): the forward product reads only the non-zero inputs, and the
 * backward product is fused with the optimizer step, so that each weight row is read and
 * written once per step while it is in cache. Everything after the first layer is small and
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

/*
 * forward(rowOffsets, colIndex, values, rowBegin, rowEnd, w, bias, out, width):
 * out[r - rowBegin][:] = bias + sum over the row's non-zeros (d, x) of x * w[d][:].
 */
static napi_value forward(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  view offsets, index, values, w, bias, out;
  int32_t begin, end, width;
  if (argc != 9 || !typed(env, argv[0], napi_int32_array, &offsets) || !typed(env, argv[1], napi_int32_array, &index) ||
      !typed(env, argv[2], napi_float32_array, &values) || !integer(env, argv[3], &begin) || !integer(env, argv[4], &end) ||
      !typed(env, argv[5], napi_float32_array, &w) || !typed(env, argv[6], napi_float32_array, &bias) ||
      !typed(env, argv[7], napi_float32_array, &out) || !integer(env, argv[8], &width)) {
    napi_throw_type_error(env, NULL, "forward: expected (Int32Array, Int32Array, Float32Array, int, int, Float32Array, Float32Array, Float32Array, int)");
    return NULL;
  }
  if (begin < 0 || end < begin || (size_t)end + 1 > offsets.length || (size_t)(end - begin) * width > out.length || (size_t)width > bias.length) {
    napi_throw_range_error(env, NULL, "forward: rows or width out of range");
    return NULL;
  }
  const int32_t *off = offsets.data, *col = index.data;
  const float *val = values.data, *W = w.data, *b = bias.data;
  float *o = out.data;
  const size_t rowsOfW = w.length / (size_t)width;
  for (int32_t r = begin; r < end; r++) {
    float *restrict dst = o + (size_t)(r - begin) * width;
    memcpy(dst, b, sizeof(float) * width);
    for (int32_t k = off[r]; k < off[r + 1]; k++) {
      if ((size_t)col[k] >= rowsOfW) continue;
      const float x = val[k];
      const float *restrict src = W + (size_t)col[k] * width;
      for (int32_t j = 0; j < width; j++) dst[j] += x * src[j];
    }
  }
  return NULL;
}

/*
 * backwardUpdate(colOffsets, rowIndex, values, dOut, w, s1, s2, width, kind, lr, c1, c2, hyper):
 * for every input d: g = sum over the batch's non-zeros (b, x) in column d of x * dOut[b][:],
 * then one optimizer step on w[d][:] with per-column learning rates:
 *   kind 0 sgd:     w -= lr g
 *   kind 1 rmsprop: s1 = rho s1 + (1 - rho) g^2; w -= lr g / sqrt(s1 + eps)     (tfjs' form)
 *   kind 2 adam:    s1 = b1 s1 + (1 - b1) g; s2 = b2 s2 + (1 - b2) g^2;
 *                   w -= lr (s1 c1) / (sqrt(s2 c2) + eps), c = 1 / (1 - beta^t) per column
 * hyper = [rho or b1, b2, eps].
 */
static napi_value backward_update(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  view offsets, index, values, dout, w, s1, s2, lr, c1, c2, hyper;
  int32_t width, kind;
  if (argc != 13 || !typed(env, argv[0], napi_int32_array, &offsets) || !typed(env, argv[1], napi_int32_array, &index) ||
      !typed(env, argv[2], napi_float32_array, &values) || !typed(env, argv[3], napi_float32_array, &dout) ||
      !typed(env, argv[4], napi_float32_array, &w) || !typed(env, argv[5], napi_float32_array, &s1) ||
      !typed(env, argv[6], napi_float32_array, &s2) || !integer(env, argv[7], &width) || !integer(env, argv[8], &kind) ||
      !typed(env, argv[9], napi_float32_array, &lr) || !typed(env, argv[10], napi_float32_array, &c1) ||
      !typed(env, argv[11], napi_float32_array, &c2) || !typed(env, argv[12], napi_float64_array, &hyper)) {
    napi_throw_type_error(env, NULL, "backwardUpdate: bad arguments");
    return NULL;
  }
  if (width <= 0 || w.length % (size_t)width != 0 || hyper.length < 3 || lr.length < (size_t)width || kind < 0 || kind > 2 ||
      (kind >= 1 && s1.length != w.length) || (kind == 2 && (s2.length != w.length || c1.length < (size_t)width || c2.length < (size_t)width))) {
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
  const float beta1 = (float)h[0], beta2 = (float)h[1], eps = (float)h[2];
  const size_t rowsOfDOut = dout.length / (size_t)width;
  float *W = w.data, *S1 = s1.data, *S2 = s2.data;
  float *g = malloc(sizeof(float) * width);
  if (!g) {
    napi_throw_error(env, NULL, "backwardUpdate: out of memory");
    return NULL;
  }
  for (size_t d = 0; d < dim; d++) {
    memset(g, 0, sizeof(float) * width);
    for (int32_t k = off[d]; k < off[d + 1]; k++) {
      if ((size_t)row[k] >= rowsOfDOut) continue;
      const float x = val[k];
      const float *restrict src = dO + (size_t)row[k] * width;
      for (int32_t j = 0; j < width; j++) g[j] += x * src[j];
    }
    float *restrict wd = W + d * width;
    if (kind == 0) {
      for (int32_t j = 0; j < width; j++) wd[j] -= rate[j] * g[j];
    } else if (kind == 1) {
      float *restrict sd = S1 + d * width;
      for (int32_t j = 0; j < width; j++) {
        sd[j] = sd[j] * beta1 + g[j] * g[j] * (1.0f - beta1);
        wd[j] -= rate[j] * g[j] / sqrtf(sd[j] + eps);
      }
    } else {
      float *restrict md = S1 + d * width, *restrict vd = S2 + d * width;
      for (int32_t j = 0; j < width; j++) {
        md[j] = beta1 * md[j] + (1.0f - beta1) * g[j];
        vd[j] = beta2 * vd[j] + (1.0f - beta2) * g[j] * g[j];
        wd[j] -= rate[j] * (md[j] * k1[j]) / (sqrtf(vd[j] * k2[j]) + eps);
      }
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
