/*
 * A feature file's float32 rows copied from the HDF5 heap into the shared array, checked for
 * NaN and infinities in the same pass. In JavaScript the copy into a SharedArrayBuffer and the
 * separate check took about 70 ms of a 2000 x 8192 split's read (more before the loops were
 * optimized, as in every one-shot start-up); here the pass runs at memory speed.
 */
#include <math.h>
#include <string.h>
#include <node_api.h>
#include "kernels.h"

/* Rows copied per inner pass: small enough to stay in L1 between the copy and the check. */
#define SPAN 4096

napi_value tune_copy_finite(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  tune_view src, dst;
  int32_t at;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || !tune_typed(env, argv[0], napi_float32_array, &src) || !tune_typed(env, argv[1], napi_float32_array, &dst) ||
      !tune_integer(env, argv[2], &at)) {
    napi_throw_type_error(env, NULL, "copyFinite: bad arguments");
    return NULL;
  }
  if (at < 0 || (size_t)at > dst.length || src.length > dst.length - (size_t)at) {
    napi_throw_range_error(env, NULL, "copyFinite: the values do not fit the destination");
    return NULL;
  }
  const float *from = src.data;
  float *to = (float *)dst.data + at;
  double bad = -1;
  for (size_t begin = 0; begin < src.length && bad < 0; begin += SPAN) {
    size_t n = src.length - begin < SPAN ? src.length - begin : SPAN;
    memcpy(to + begin, from + begin, n * sizeof(float));
    int any = 0;
    for (size_t i = 0; i < n; i++) any |= !isfinite(from[begin + i]);
    if (any)
      for (size_t i = 0; i < n; i++)
        if (!isfinite(from[begin + i])) {
          bad = (double)(begin + i);
          break;
        }
  }
  napi_value result;
  napi_create_double(env, bad, &result);
  return result;
}
