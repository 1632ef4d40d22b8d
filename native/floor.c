/*
 * The machine's floor for the native engine's loop shapes, for `npm run bench:floor` only (tune
 * never loads it). Written apart from native/first_layer.c on purpose: it times the shapes, not
 * the engine's code, so that speeding the engine up cannot move the floor. The loops are naive
 * but vectorizable (restrict pointers, -O3 -march=native, no blocking), one per function.
 *
 * measure({kernel, threads, minSeconds, width, dim, blocks, blockRows, colOffsets, rowIndex,
 * values, bytes}) runs the kernel on `threads` threads at once, each on its own weights and
 * optimizer state (the sparse split is shared, read-only, as the engine's workers share it),
 * each for at least minSeconds, and returns [{seconds, cpuSeconds, passes, checksum}] per
 * thread. One pass is one epoch of the kernel over every block (batch) of the split; for copy
 * and triad, one pass over `bytes`-sized buffers.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <node_api.h>

/*
 * The *_TILED kernels hold a tile of the weight (forward) or gradient (backward) row in vector
 * registers across every non-zero of the input column; the *_FLAT updates run over the whole
 * dim x width state as one stretch, so that no row's tail is left to scalar code. Each quantity's
 * floor is the faster of its shapes: a naive loop can be slower than the engine's own code.
 */
enum { FORWARD, GRADIENT, SGD, RMSPROP, ADAM, MOMENTUM, STEP_RMSPROP, COPY, TRIAD, FORWARD_TILED, GRADIENT_TILED, SGD_FLAT, RMSPROP_FLAT, ADAM_FLAT, MOMENTUM_FLAT, KERNELS };

/* The optimizers' constants: Keras' defaults, as the study uses them. */
#define RHO 0.9f
#define BETA1 0.9f
#define BETA2 0.999f
#define EPSILON 1e-7f
#define MU 0.9f
#define RATE 1e-3f

typedef struct {
  int kernel;
  int32_t width, dim, blocks;
  const int32_t *off, *row, *blockRows;
  const float *val;
  size_t bytes;
  double minSeconds;
  /* Threads ready to start; all wait until every one is (no pthread barrier on some systems). */
  atomic_int *ready;
  int threads;
  /* Wall time, and the thread's own CPU time: on a shared machine, only the latter is ours. */
  double seconds, cpuSeconds, passes;
  float sink;
  int failed;
} job;

static double clock_seconds(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

__attribute__((noinline)) static void axpy(int32_t n, float a, const float *restrict x, float *restrict y) {
  for (int32_t j = 0; j < n; j++) y[j] += a * x[j];
}
__attribute__((noinline)) static void sgd(int32_t n, float *restrict w, const float *restrict g, const float *restrict lr) {
  for (int32_t j = 0; j < n; j++) w[j] -= lr[j] * g[j];
}
__attribute__((noinline)) static void rmsprop(int32_t n, float *restrict w, float *restrict s, const float *restrict g, const float *restrict lr) {
  for (int32_t j = 0; j < n; j++) {
    s[j] = RHO * s[j] + (1.0f - RHO) * g[j] * g[j];
    w[j] -= lr[j] * g[j] / sqrtf(s[j] + EPSILON);
  }
}
__attribute__((noinline)) static void adam(int32_t n, float *restrict w, float *restrict m, float *restrict v, const float *restrict g,
                                           const float *restrict lr, const float *restrict c1, const float *restrict c2) {
  for (int32_t j = 0; j < n; j++) {
    m[j] = BETA1 * m[j] + (1.0f - BETA1) * g[j];
    v[j] = BETA2 * v[j] + (1.0f - BETA2) * g[j] * g[j];
    w[j] -= lr[j] * (m[j] * c1[j]) / (sqrtf(v[j] * c2[j]) + EPSILON);
  }
}
__attribute__((noinline)) static void momentum(int32_t n, float *restrict w, float *restrict a, const float *restrict g, const float *restrict lr) {
  for (int32_t j = 0; j < n; j++) {
    a[j] = MU * a[j] + g[j];
    w[j] -= lr[j] * a[j];
  }
}
__attribute__((noinline)) static void triad(size_t n, float *restrict a, const float *restrict b, const float *restrict c) {
  for (size_t i = 0; i < n; i++) a[i] = b[i] + 0.5f * c[i];
}

/* The widest vector the target keeps in one register (a wider one is spilled to the stack). */
#if defined(__AVX512F__)
typedef float vec __attribute__((vector_size(64), aligned(4)));
#elif defined(__AVX__)
typedef float vec __attribute__((vector_size(32), aligned(4)));
#else
typedef float vec __attribute__((vector_size(16), aligned(4)));
#endif
enum { LANES = sizeof(vec) / sizeof(float), TILE = 4 * LANES };
/* A flat update's stretch: its gradient and rates stay in L1 while the state streams. */
enum { FLAT = 4096 };

/* out[row][c..c+TILE) += val * w[c..c+TILE) for every non-zero, the weights held in registers. */
__attribute__((noinline)) static void forward_tiled(int32_t W, const float *restrict w, int32_t n, const int32_t *restrict row,
                                                    const float *restrict val, float *restrict out) {
  int32_t c = 0;
  for (; c + TILE <= W; c += TILE) {
    const vec *x = (const vec *)(w + c);
    const vec x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
    for (int32_t k = 0; k < n; k++) {
      vec *o = (vec *)(out + (size_t)row[k] * W + c);
      const float a = val[k];
      o[0] += a * x0, o[1] += a * x1, o[2] += a * x2, o[3] += a * x3;
    }
  }
  for (; c + LANES <= W; c += LANES) {
    const vec x0 = *(const vec *)(w + c);
    for (int32_t k = 0; k < n; k++) *(vec *)(out + (size_t)row[k] * W + c) += val[k] * x0;
  }
  for (; c < W; c++)
    for (int32_t k = 0; k < n; k++) out[(size_t)row[k] * W + c] += val[k] * w[c];
}

/* g[c..c+TILE) = sum over the non-zeros of val * dOut[row][c..c+TILE), summed in registers. */
__attribute__((noinline)) static void gradient_tiled(int32_t W, const float *restrict dout, int32_t n, const int32_t *restrict row,
                                                     const float *restrict val, float *restrict g) {
  int32_t c = 0;
  for (; c + TILE <= W; c += TILE) {
    vec g0 = {0}, g1 = g0, g2 = g0, g3 = g0;
    for (int32_t k = 0; k < n; k++) {
      const vec *x = (const vec *)(dout + (size_t)row[k] * W + c);
      const float a = val[k];
      g0 += a * x[0], g1 += a * x[1], g2 += a * x[2], g3 += a * x[3];
    }
    vec *o = (vec *)(g + c);
    o[0] = g0, o[1] = g1, o[2] = g2, o[3] = g3;
  }
  for (; c + LANES <= W; c += LANES) {
    vec g0 = {0};
    for (int32_t k = 0; k < n; k++) g0 += val[k] * *(const vec *)(dout + (size_t)row[k] * W + c);
    *(vec *)(g + c) = g0;
  }
  for (; c < W; c++) {
    float sum = 0;
    for (int32_t k = 0; k < n; k++) sum += val[k] * dout[(size_t)row[k] * W + c];
    g[c] = sum;
  }
}

/* Small pseudo-random values, so that nothing overflows or turns denormal over many passes. */
static void fill(float *x, size_t n, uint32_t seed) {
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = (float)(seed >> 8) * (1.0f / 16777216.0f) * 0.02f - 0.01f;
  }
}

/* One epoch of the kernel: every block once (forward, gradient rows, updates, or a whole step). */
static void pass(job *j, float *w, float *s1, float *s2, float *out, float *g, const float *lr) {
  const int32_t W = j->width, D = j->dim;
  if (j->kernel == COPY) {
    memcpy(out, w, j->bytes);
    return;
  }
  if (j->kernel == TRIAD) {
    triad(j->bytes / sizeof(float), out, w, s1);
    return;
  }
  const size_t all = (size_t)D * W;
  for (int32_t b = 0; b < j->blocks; b++) {
    const int32_t *off = j->off + (size_t)b * (D + 1);
    const int32_t rows = j->blockRows[b];
    /* The flat updates take FLAT weights at a time, each stretch with the same gradient and rates. */
    for (size_t at = 0; j->kernel >= SGD_FLAT && at < all; at += FLAT) {
      const int32_t n = (int32_t)(all - at < FLAT ? all - at : FLAT);
      if (j->kernel == SGD_FLAT) sgd(n, w + at, g, lr);
      if (j->kernel == RMSPROP_FLAT) rmsprop(n, w + at, s1 + at, g, lr);
      if (j->kernel == ADAM_FLAT) adam(n, w + at, s1 + at, s2 + at, g, lr, lr, lr);
      if (j->kernel == MOMENTUM_FLAT) momentum(n, w + at, s1 + at, g, lr);
    }
    if (j->kernel >= SGD_FLAT) continue;
    if (j->kernel == FORWARD_TILED) {
      memset(out, 0, sizeof(float) * (size_t)rows * W);
      for (int32_t d = 0; d < D; d++) forward_tiled(W, w + (size_t)d * W, off[d + 1] - off[d], j->row + off[d], j->val + off[d], out);
      continue;
    }
    if (j->kernel == GRADIENT_TILED) {
      for (int32_t d = 0; d < D; d++) gradient_tiled(W, out, off[d + 1] - off[d], j->row + off[d], j->val + off[d], g);
      continue;
    }
    if (j->kernel == FORWARD || j->kernel == STEP_RMSPROP) {
      memset(out, 0, sizeof(float) * (size_t)rows * W);
      for (int32_t d = 0; d < D; d++)
        for (int32_t k = off[d]; k < off[d + 1]; k++) axpy(W, j->val[k], w + (size_t)d * W, out + (size_t)j->row[k] * W);
    }
    if (j->kernel == FORWARD) continue;
    for (int32_t d = 0; d < D; d++) {
      float *wd = w + (size_t)d * W;
      if (j->kernel == GRADIENT || j->kernel == STEP_RMSPROP) {
        /* dOut is the forward output's buffer: the engine's backward reads a batch-sized one too. */
        memset(g, 0, sizeof(float) * W);
        for (int32_t k = off[d]; k < off[d + 1]; k++) axpy(W, j->val[k], out + (size_t)j->row[k] * W, g);
      }
      if (j->kernel == SGD) sgd(W, wd, g, lr);
      else if (j->kernel == RMSPROP || j->kernel == STEP_RMSPROP) rmsprop(W, wd, s1 + (size_t)d * W, g, lr);
      /* The per-column bias corrections are read like the rates: lr stands in for both. */
      else if (j->kernel == ADAM) adam(W, wd, s1 + (size_t)d * W, s2 + (size_t)d * W, g, lr, lr, lr);
      else if (j->kernel == MOMENTUM) momentum(W, wd, s1 + (size_t)d * W, g, lr);
    }
  }
}

static void *run(void *arg) {
  job *j = arg;
  const int streams = j->kernel == COPY || j->kernel == TRIAD;
  const size_t weights = streams ? j->bytes / sizeof(float) : (size_t)j->dim * j->width;
  int32_t rowsMax = 1;
  for (int32_t b = 0; !streams && b < j->blocks; b++) rowsMax = j->blockRows[b] > rowsMax ? j->blockRows[b] : rowsMax;
  const size_t outLength = streams ? weights : (size_t)rowsMax * j->width;
  const size_t perWeight = j->kernel >= SGD_FLAT ? FLAT : (size_t)j->width;
  float *w = malloc(sizeof(float) * weights), *s1 = calloc(weights, sizeof(float)), *s2 = calloc(weights, sizeof(float));
  float *out = malloc(sizeof(float) * outLength), *g = malloc(sizeof(float) * perWeight), *lr = malloc(sizeof(float) * perWeight);
  j->failed = !w || !s1 || !s2 || !out || !g || !lr;
  if (!j->failed) {
    fill(w, weights, 1u);
    fill(out, outLength, 2u);
    fill(g, perWeight, 3u);
    for (size_t c = 0; c < perWeight; c++) lr[c] = RATE;
    if (j->kernel == TRIAD) fill(s1, weights, 4u);
  }
  /* Every thread waits here, allocated or not, so that the timed loops overlap. */
  atomic_fetch_add(j->ready, 1);
  while (atomic_load(j->ready) < j->threads) {
  }
  if (!j->failed) {
    const double c0 = clock_seconds(CLOCK_THREAD_CPUTIME_ID), t0 = clock_seconds(CLOCK_MONOTONIC);
    double t = t0;
    double passes = 0;
    /* At least two passes, so that the first touch of fresh pages is not all that is timed. */
    while (passes < 2 || t - t0 < j->minSeconds) {
      pass(j, w, s1, s2, out, g, lr);
      passes++;
      t = clock_seconds(CLOCK_MONOTONIC);
    }
    j->seconds = t - t0;
    j->cpuSeconds = clock_seconds(CLOCK_THREAD_CPUTIME_ID) - c0;
    j->passes = passes;
    j->sink = w[weights / 2] + out[outLength / 2] + g[0];
  }
  free(w), free(s1), free(s2), free(out), free(g), free(lr);
  return NULL;
}

static int number(napi_env env, napi_value obj, const char *name, double *out) {
  napi_value v;
  return napi_get_named_property(env, obj, name, &v) == napi_ok && napi_get_value_double(env, v, out) == napi_ok;
}

static int typed(napi_env env, napi_value obj, const char *name, napi_typedarray_type want, void **data, size_t *length) {
  napi_value v, buffer;
  napi_typedarray_type type;
  size_t offset;
  return napi_get_named_property(env, obj, name, &v) == napi_ok &&
         napi_get_typedarray_info(env, v, &type, length, data, &buffer, &offset) == napi_ok && type == want;
}

static napi_value fail(napi_env env, const char *why) {
  napi_throw_error(env, NULL, why);
  return NULL;
}

static napi_value measure(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value spec;
  if (napi_get_cb_info(env, info, &argc, &spec, NULL, NULL) != napi_ok || argc != 1) return fail(env, "measure: expected one object");
  double kernel, threads, minSeconds, width = 1, dim = 0, blocks = 0, bytes = 0;
  if (!number(env, spec, "kernel", &kernel) || !number(env, spec, "threads", &threads) || !number(env, spec, "minSeconds", &minSeconds) ||
      kernel < 0 || kernel >= KERNELS || threads < 1 || threads > 1024)
    return fail(env, "measure: kernel, threads and minSeconds are required numbers");
  void *off = NULL, *row = NULL, *val = NULL, *blockRows = NULL;
  size_t offLength = 0, rowLength = 0, valLength = 0, blockLength = 0;
  if (kernel == COPY || kernel == TRIAD) {
    if (!number(env, spec, "bytes", &bytes) || bytes < sizeof(float)) return fail(env, "measure: copy and triad need bytes");
  } else if (!number(env, spec, "width", &width) || !number(env, spec, "dim", &dim) || !number(env, spec, "blocks", &blocks) ||
             !typed(env, spec, "colOffsets", napi_int32_array, &off, &offLength) || !typed(env, spec, "rowIndex", napi_int32_array, &row, &rowLength) ||
             !typed(env, spec, "values", napi_float32_array, &val, &valLength) || !typed(env, spec, "blockRows", napi_int32_array, &blockRows, &blockLength) ||
             width < 1 || dim < 1 || blocks < 1 || offLength != (size_t)blocks * ((size_t)dim + 1) || blockLength != (size_t)blocks || rowLength != valLength) {
    return fail(env, "measure: the sparse split does not fit width, dim and blocks");
  }
  /* Every block's offsets rise within the split, and its rows stay inside the block. */
  for (size_t b = 0; b < blockLength; b++) {
    const int32_t *o = (const int32_t *)off + b * ((size_t)dim + 1), rows = ((const int32_t *)blockRows)[b];
    for (int32_t d = 0; d < (int32_t)dim; d++) {
      if (o[d] < 0 || o[d + 1] < o[d] || (size_t)o[d + 1] > valLength) return fail(env, "measure: a column offset is out of range");
      for (int32_t k = o[d]; k < o[d + 1]; k++)
        if (((const int32_t *)row)[k] < 0 || ((const int32_t *)row)[k] >= rows) return fail(env, "measure: a row index is outside its block");
    }
  }
  const int n = (int)threads;
  job *jobs = calloc((size_t)n, sizeof(job));
  pthread_t *ids = calloc((size_t)n, sizeof(pthread_t));
  int *started = calloc((size_t)n, sizeof(int));
  atomic_int ready = 0;
  if (!jobs || !ids || !started) return free(jobs), free(ids), free(started), fail(env, "measure: out of memory");
  for (int i = 0; i < n; i++)
    jobs[i] = (job){(int)kernel, (int32_t)width, (int32_t)dim, (int32_t)blocks, off, row, blockRows, val, (size_t)bytes, minSeconds, &ready, n, 0, 0, 0, 0, 0};
  for (int i = 1; i < n; i++) {
    started[i] = pthread_create(&ids[i], NULL, run, &jobs[i]) == 0;
    /* A thread that never started counts as ready and failed, so that the others do not wait forever. */
    if (!started[i]) jobs[i].failed = 1, atomic_fetch_add(&ready, 1);
  }
  run(&jobs[0]);
  for (int i = 1; i < n; i++)
    if (started[i]) pthread_join(ids[i], NULL);
  free(started);
  napi_value result, item, v;
  napi_create_array_with_length(env, (size_t)n, &result);
  int failed = 0;
  for (int i = 0; i < n; i++) {
    failed |= jobs[i].failed;
    napi_create_object(env, &item);
    napi_create_double(env, jobs[i].seconds, &v);
    napi_set_named_property(env, item, "seconds", v);
    napi_create_double(env, jobs[i].cpuSeconds, &v);
    napi_set_named_property(env, item, "cpuSeconds", v);
    napi_create_double(env, jobs[i].passes, &v);
    napi_set_named_property(env, item, "passes", v);
    napi_create_double(env, (double)jobs[i].sink, &v);
    napi_set_named_property(env, item, "checksum", v);
    napi_set_element(env, result, (uint32_t)i, item);
  }
  free(jobs), free(ids);
  return failed ? fail(env, "measure: a thread could not allocate its buffers") : result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "measure", NAPI_AUTO_LENGTH, measure, NULL, &fn);
  napi_set_named_property(env, exports, "measure", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
