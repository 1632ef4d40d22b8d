/* What the files of the tune_native addon share: typed-array arguments, and each one's exports. */
#ifndef TUNE_KERNELS_H
#define TUNE_KERNELS_H
#include <stddef.h>
#include <stdint.h>
#include <node_api.h>

typedef struct {
  void *data;
  size_t length;
} tune_view;

/* True when value is a typed array of type want; its data and element count go to out. */
int tune_typed(napi_env env, napi_value value, napi_typedarray_type want, tune_view *out);
/* True when value is a number that fits an int32. */
int tune_integer(napi_env env, napi_value value, int32_t *out);

/* first_layer.c */
napi_value tune_forward(napi_env env, napi_callback_info info);
napi_value tune_step(napi_env env, napi_callback_info info);
napi_value tune_lanes(napi_env env);
/* tail.c */
napi_value tune_tail(napi_env env, napi_callback_info info);
/* sparse.c */
napi_value tune_sparse_count(napi_env env, napi_callback_info info);
napi_value tune_sparse_fill(napi_env env, napi_callback_info info);
/* copy.c */
napi_value tune_copy_finite(napi_env env, napi_callback_info info);
#endif
