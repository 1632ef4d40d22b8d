/*
 * The tune_native addon: the first layer's kernels (first_layer.c), every member's later layers
 * (tail.c), the sparse layout they read (sparse.c), and the checked copy of a feature file's
 * rows (copy.c).
 */
#include "kernels.h"

int tune_typed(napi_env env, napi_value value, napi_typedarray_type want, tune_view *out) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, &out->length, &out->data, &buffer, &offset) != napi_ok) return 0;
  return type == want;
}

int tune_integer(napi_env env, napi_value value, int32_t *out) {
  return napi_get_value_int32(env, value, out) == napi_ok;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"forward", NULL, tune_forward, NULL, NULL, NULL, napi_default, NULL},
      {"step", NULL, tune_step, NULL, NULL, NULL, napi_default, NULL},
      {"tail", NULL, tune_tail, NULL, NULL, NULL, napi_default, NULL},
      {"sparseCount", NULL, tune_sparse_count, NULL, NULL, NULL, napi_default, NULL},
      {"sparseFill", NULL, tune_sparse_fill, NULL, NULL, NULL, napi_default, NULL},
      {"copyFinite", NULL, tune_copy_finite, NULL, NULL, NULL, napi_default, NULL},
      {"lanes", NULL, NULL, NULL, NULL, tune_lanes(env), napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
