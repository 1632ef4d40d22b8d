/*
 * A split's features cut into blocks of rows, each stored by columns (CSC), for the first
 * layer's kernels (first_layer.c). Done in two passes over the dense rows: count the non-zeros
 * of every block's columns, then, once JavaScript has allocated shared arrays of that total,
 * fill them. In JavaScript the same passes took 0.45 s of a one-trial run's start-up on
 * 2000 x 8192 features; here they take a tenth of that.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include "kernels.h"

typedef struct {
  const float *data;
  int32_t rows, dim, blockRows;
  int32_t *off;
  size_t blocks;
} split;

/* Reads (data, rows, dim, blockRows, colOffsets) and checks that they fit one another. */
static int read_split(napi_env env, napi_value *argv, split *s) {
  tune_view data, off;
  if (!tune_typed(env, argv[0], napi_float32_array, &data) || !tune_integer(env, argv[1], &s->rows) || !tune_integer(env, argv[2], &s->dim) ||
      !tune_integer(env, argv[3], &s->blockRows) || !tune_typed(env, argv[4], napi_int32_array, &off)) {
    napi_throw_type_error(env, NULL, "sparse: bad arguments");
    return 0;
  }
  if (s->rows < 0 || s->dim <= 0 || s->blockRows <= 0 || data.length < (size_t)s->rows * (size_t)s->dim) {
    napi_throw_range_error(env, NULL, "sparse: shapes do not fit");
    return 0;
  }
  s->blocks = ((size_t)s->rows + (size_t)s->blockRows - 1) / (size_t)s->blockRows;
  if (off.length != s->blocks * ((size_t)s->dim + 1)) {
    napi_throw_range_error(env, NULL, "sparse: column offsets do not fit the blocks");
    return 0;
  }
  s->data = data.data;
  s->off = off.data;
  return 1;
}

/*
 * sparseCount(data, rows, dim, blockRows, colOffsets): fills every block's dim + 1 column
 * offsets, absolute across blocks, and returns the number of non-zeros (NaN counts; -0 does not,
 * as in JavaScript's x !== 0).
 */
napi_value tune_sparse_count(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5) {
    napi_throw_type_error(env, NULL, "sparseCount: bad arguments");
    return NULL;
  }
  split s;
  if (!read_split(env, argv, &s)) return NULL;
  int64_t base = 0;
  for (size_t b = 0; b < s.blocks; b++) {
    int32_t *off = s.off + b * ((size_t)s.dim + 1);
    memset(off, 0, sizeof(int32_t) * ((size_t)s.dim + 1));
    const int32_t begin = (int32_t)b * s.blockRows, end = begin + s.blockRows < s.rows ? begin + s.blockRows : s.rows;
    for (int32_t r = begin; r < end; r++) {
      const float *row = s.data + (size_t)r * s.dim;
      for (int32_t d = 0; d < s.dim; d++) off[d + 1] += row[d] != 0.0f;
    }
    int64_t at = base;
    off[0] = (int32_t)at;
    for (int32_t d = 0; d < s.dim; d++) {
      at += off[d + 1];
      if (at > INT32_MAX) {
        napi_throw_range_error(env, NULL, "sparseCount: more than 2^31 non-zeros");
        return NULL;
      }
      off[d + 1] = (int32_t)at;
    }
    base = at;
  }
  if (napi_create_double(env, (double)base, &result) != napi_ok) return NULL;
  return result;
}

/*
 * sparseFill(data, rows, dim, blockRows, colOffsets, rowIndex, values): writes each non-zero's
 * row (relative to its block's first) and value at the place sparseCount's offsets give it,
 * rows in order within each column.
 */
napi_value tune_sparse_fill(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  tune_view index, values;
  split s;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 7 || !tune_typed(env, argv[5], napi_int32_array, &index) ||
      !tune_typed(env, argv[6], napi_float32_array, &values)) {
    napi_throw_type_error(env, NULL, "sparseFill: bad arguments");
    return NULL;
  }
  if (!read_split(env, argv, &s)) return NULL;
  const size_t total = s.blocks == 0 ? 0 : (size_t)s.off[s.blocks * ((size_t)s.dim + 1) - 1];
  if (index.length != total || values.length != total) {
    napi_throw_range_error(env, NULL, "sparseFill: rowIndex and values must hold every non-zero");
    return NULL;
  }
  int32_t *fill = malloc(sizeof(int32_t) * (size_t)s.dim);
  if (!fill) {
    napi_throw_error(env, NULL, "sparseFill: out of memory");
    return NULL;
  }
  int32_t *rowIndex = index.data;
  float *value = values.data;
  for (size_t b = 0; b < s.blocks; b++) {
    const int32_t *off = s.off + b * ((size_t)s.dim + 1);
    memcpy(fill, off, sizeof(int32_t) * (size_t)s.dim);
    const int32_t begin = (int32_t)b * s.blockRows, end = begin + s.blockRows < s.rows ? begin + s.blockRows : s.rows;
    for (int32_t r = begin; r < end; r++) {
      const float *row = s.data + (size_t)r * s.dim;
      for (int32_t d = 0; d < s.dim; d++) {
        const float x = row[d];
        if (x == 0.0f) continue;
        const int32_t k = fill[d]++;
        /* Offsets from another call or a changed array could point past the end; never write there. */
        if (k >= off[d + 1]) {
          free(fill);
          napi_throw_range_error(env, NULL, "sparseFill: the data changed since sparseCount");
          return NULL;
        }
        rowIndex[k] = r - begin;
        value[k] = x;
      }
    }
  }
  free(fill);
  return NULL;
}
