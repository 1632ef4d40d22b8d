/*
 * Every pack member's step after the packed first-layer product, in one call: its columns of
 * z1, its first layer's activation, its later dense layers, dropout, the loss and its
 * gradient, accuracy, the backward pass down to the gradient of its first-layer outputs (dOut),
 * and the optimizer steps of its small tensors (the first layer's bias and every later tensor).
 * A step of a member is some 50K multiply-adds; in JavaScript, with its allocations, it cost
 * about 0.2 ms, a quarter of the pack's time; here about 10 us (npm run bench:pack).
 *
 * The arithmetic is that of the JavaScript tail this replaces (and of tfjs' formulas): float64
 * where it accumulated in float64 (dense sums, the loss terms, the optimizer formulas),
 * float32 wherever it stored to a Float32Array (every tensor, every gradient accumulator, the
 * running loss sum), each element's terms in the same order. Dropout masks are drawn from the
 * member's own mulberry32 (src/random/rng.ts), one draw per unit in order, exactly. exp, log,
 * log1p and tanh are the C library's, which may differ from V8's in the last bit of a double.
 *
 * tail(plan, reals, arena, rng, z1, width, rows, labels, training, dOut, lr, c1, c2, out, index, weights, logits):
 *   plan    Int32Array: [members, then per member TAIL_HEADER ints, then the ops]. A member's
 *           header: col, width (its columns in z1 and dOut), loss (0 binary cross-entropy on one
 *           logit, 1 softmax cross-entropy), optimizer kind (as first_layer.c), alive (0: it has
 *           left the pack), the index of its first op and its op count, the index of its reals,
 *           the arena offset of its first-layer bias, where its rows start in index (-1: every
 *           row, in order) and how many they are, and where its logits go in logits (-1: nowhere).
 *           An op is TAIL_OP ints: [0 dense, units,
 *           kernel offset, bias offset], [1 activation, 0 relu / 1 sigmoid / 2 tanh], or
 *           [2 dropout, index of its rate in reals]. A tensor of n values at offset p holds its
 *           values at p, its first optimizer slot at p + n and its second at p + 2n.
 *   reals   Float64Array: per member [learning rate, b1 or rho or momentum, b2, eps, k1, k2]
 *           (k = 1 / (1 - beta^t) for this step, Adam only), and the dropout rates.
 *   arena   Float32Array: every member's tensors and slots, updated in place.
 *   rng     Uint32Array: each member's generator state, advanced by its dropout draws.
 *   z1      Float32Array rows x width: the packed first layer's pre-activations.
 *   labels  Int32Array of rows classes.
 *   training 1: dropout on, backward and optimizer steps, dOut (rows x width) written whole
 *           (zeros for a member that has left), and per column lr (0 where a member has left)
 *           and, for Adam members, c1 = k1 and c2 = k2. 0: forward, loss and accuracy only.
 *   out     Float64Array: per member [mean loss as float32, correct rows], alive members only.
 *   index   Int32Array: the rows (of z1 and labels) each member with its own rows works on, in
 *           that order; the others are left out of its step entirely (no dropout draw, no loss, a
 *           zero dOut row). Its loss is the mean over its rows.
 *   weights Float32Array, empty or as long as index: in training, each listed row's loss weight
 *           (the mean is then the weighted sum over the member's row count); unlisted rows weigh 1.
 *   logits  Float32Array: a member's last-layer outputs (its rows x units) at its logits offset.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include "kernels.h"

enum { TAIL_HEADER = 12, TAIL_OP = 4, TAIL_REALS = 6 };
enum { H_COL, H_WIDTH, H_LOSS, H_KIND, H_ALIVE, H_OPS, H_NOPS, H_REALS, H_BIAS, H_ROWS, H_NROWS, H_LOGITS };
enum { OP_DENSE, OP_ACT, OP_DROP };
enum { ACT_RELU, ACT_SIGMOID, ACT_TANH };
enum { R_LR, R_H0, R_H1, R_EPS, R_K1, R_K2 };

typedef struct {
  const int32_t *plan;
  size_t planLength;
  const double *reals;
  size_t realsLength;
  float *arena;
  size_t arenaLength;
  int32_t width;
  int32_t rows;
  const int32_t *index;
  size_t indexLength;
  const float *weights;
  size_t weightsLength;
  float *logits;
  size_t logitsLength;
} tail_args;

/*
 * The dropout mask of n units and the dropped input, from the member's mulberry32 (Rng.next in
 * src/random/rng.ts; unsigned 32-bit arithmetic wraps as Math.imul does). Its state only ever
 * adds a constant, so draw k is computed from its index and the loop vectorizes.
 */
/* Out of line, like the other elementwise loops: gcc vectorizes them only where their restrict parameters hold. */
#define LEAF __attribute__((noinline)) static

LEAF void dropout(uint32_t *state, double rate, const float *restrict x, float *restrict mask, float *restrict dropped, size_t n) {
  const float keep = (float)(1.0 / (1.0 - rate));
  const uint32_t base = *state;
  for (size_t k = 0; k < n; k++) {
    uint32_t t = base + (uint32_t)(k + 1) * 0x6d2b79f5u;
    t = (t ^ (t >> 15)) * (t | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    const float m = (double)(t ^ (t >> 14)) / 4294967296.0 >= rate ? keep : 0.0f;
    mask[k] = m;
    dropped[k] = x[k] * m;
  }
  *state = base + (uint32_t)n * 0x6d2b79f5u;
}

/*
 * A dense layer's forward product works on LANES outputs (one register of doubles) and
 * ROWS_AT_ONCE rows at a time, in registers. A vector wider than the target's registers goes
 * through the stack instead (rep movs per term), so LANES follows the target.
 */
#if defined(__AVX512F__)
enum { LANES = 8 };
#elif defined(__AVX__)
enum { LANES = 4 };
#else
enum { LANES = 2 };
#endif
enum { ROWS_AT_ONCE = 4 };
#define PADDED(units) (((units) + LANES - 1) / LANES * LANES)

/*
 * A member's sizes: the floats of scratch its step needs, its widest layer, its largest later
 * kernel, and the doubles of its largest later kernel and bias in float64 (padded, see dense_forward).
 */
typedef struct {
  long long floats;
  long long widest;
  long long kernel;
  long long doubles;
} member_size;

/*
 * Checks a member's header and ops against the arrays they index and sizes its scratch: the
 * forward buffers kept for backward, and in training two gradient buffers, the largest kernel
 * twice (its gradient and its transpose) and a bias gradient. Returns 0 when something does
 * not fit.
 */
static int member_shape(const tail_args *a, const int32_t *h, int training, member_size *size) {
  const long long rows = a->rows;
  const int32_t col = h[H_COL], width = h[H_WIDTH], ops = h[H_OPS], nops = h[H_NOPS];
  if (col < 0 || width < 1 || (long long)col + width > a->width || h[H_LOSS] < 0 || h[H_LOSS] > 1 || h[H_KIND] < 0 || h[H_KIND] > 3) return 0;
  if (ops < 0 || nops < 0 || (long long)ops + (long long)nops * TAIL_OP > (long long)a->planLength) return 0;
  if (h[H_REALS] < 0 || (long long)h[H_REALS] + TAIL_REALS > (long long)a->realsLength) return 0;
  if (h[H_BIAS] < 0 || (long long)h[H_BIAS] + 3LL * width > (long long)a->arenaLength) return 0;
  if (h[H_ROWS] >= 0) {
    if (h[H_NROWS] < 0 || h[H_NROWS] > a->rows || (long long)h[H_ROWS] + h[H_NROWS] > (long long)a->indexLength) return 0;
    if (a->weightsLength != 0 && a->weightsLength != a->indexLength) return 0;
    for (int32_t j = 0; j < h[H_NROWS]; j++)
      if (a->index[h[H_ROWS] + j] < 0 || a->index[h[H_ROWS] + j] >= a->rows) return 0;
  } else if (h[H_ROWS] != -1) {
    return 0;
  }
  long long need = rows * width, cols = width, widest = width, kernel = 0, doubles = 0;
  for (int32_t j = 0; j < nops; j++) {
    const int32_t *op = a->plan + ops + (size_t)j * TAIL_OP;
    if (op[0] == OP_DENSE) {
      const long long units = op[1];
      if (units < 1 || op[2] < 0 || op[3] < 0 || op[2] + 3 * cols * units > (long long)a->arenaLength ||
          op[3] + 3 * units > (long long)a->arenaLength)
        return 0;
      need += rows * units;
      if (cols * units > kernel) kernel = cols * units;
      if ((cols + 1) * PADDED(units) > doubles) doubles = (cols + 1) * PADDED(units);
      cols = units;
      if (cols > widest) widest = cols;
    } else if (op[0] == OP_ACT) {
      if (op[1] < ACT_RELU || op[1] > ACT_TANH) return 0;
      need += rows * cols;
    } else if (op[0] == OP_DROP) {
      if (op[1] < 0 || (size_t)op[1] >= a->realsLength) return 0;
      if (training) need += 2 * rows * cols;
    } else {
      return 0;
    }
  }
  if (h[H_LOSS] == 0 && cols != 1) return 0;
  const long long own = h[H_ROWS] >= 0 ? h[H_NROWS] : rows;
  if (h[H_LOGITS] < -1 || (h[H_LOGITS] >= 0 && (long long)h[H_LOGITS] + own * cols > (long long)a->logitsLength)) return 0;
  // The loss gradient sits in the first gradient buffer, so inference needs it too.
  size->floats = need + (training ? 2 * rows * widest + 2 * kernel + widest : rows * cols);
  size->widest = widest;
  size->kernel = kernel;
  size->doubles = doubles;
  return 1;
}

typedef double vd __attribute__((vector_size(8 * LANES), aligned(8)));

/* The lanes of a row's outputs c.. (up to LANES, fewer at the end) stored as float32. */
static inline void store_lanes(float *restrict y, int32_t c, int32_t out, vd a) {
  for (int32_t o = c; o < out && o < c + LANES; o++) y[o] = (float)a[o - c];
}

/*
 * out[r][o] = b[o] + sum over k in order of h[r][k] w[k][o], in float64, stored as float32.
 * The kernel and bias are first copied in float64 with each row padded to whole vectors (wd:
 * (in + 1) x PADDED(out) doubles); then LANES outputs of ROWS_AT_ONCE rows are summed in
 * registers, each sum's terms still in the order of k, so that the sums do not wait on memory.
 */
static void dense_forward(const float *restrict h, int32_t rows, int32_t in, const float *restrict w, const float *restrict b, int32_t out,
                          float *restrict next, double *restrict wd) {
  const int32_t pad = PADDED(out);
  double *restrict bd = wd + (size_t)in * pad;
  for (int32_t k = 0; k < in; k++)
    for (int32_t o = 0; o < pad; o++) wd[(size_t)k * pad + o] = o < out ? (double)w[(size_t)k * out + o] : 0.0;
  for (int32_t o = 0; o < pad; o++) bd[o] = o < out ? (double)b[o] : 0.0;
  for (int32_t c = 0; c < pad; c += LANES) {
    const vd bias = *(const vd *)(bd + c);
    int32_t r = 0;
    for (; r + ROWS_AT_ONCE <= rows; r += ROWS_AT_ONCE) {
      const float *x0 = h + (size_t)r * in, *x1 = x0 + in, *x2 = x1 + in, *x3 = x2 + in;
      vd a0 = bias, a1 = bias, a2 = bias, a3 = bias;
      for (int32_t k = 0; k < in; k++) {
        const vd wk = *(const vd *)(wd + (size_t)k * pad + c);
        a0 += (double)x0[k] * wk;
        a1 += (double)x1[k] * wk;
        a2 += (double)x2[k] * wk;
        a3 += (double)x3[k] * wk;
      }
      float *y = next + (size_t)r * out;
      store_lanes(y, c, out, a0);
      store_lanes(y + out, c, out, a1);
      store_lanes(y + 2 * (size_t)out, c, out, a2);
      store_lanes(y + 3 * (size_t)out, c, out, a3);
    }
    for (; r < rows; r++) {
      const float *x = h + (size_t)r * in;
      vd a = bias;
      for (int32_t k = 0; k < in; k++) a += (double)x[k] * *(const vd *)(wd + (size_t)k * pad + c);
      store_lanes(next + (size_t)r * out, c, out, a);
    }
  }
}

LEAF void activate(const float *restrict h, float *restrict out, size_t n, int32_t kind) {
  if (kind == ACT_RELU) {
    for (size_t k = 0; k < n; k++) out[k] = h[k] > 0 ? h[k] : 0.0f;
  } else if (kind == ACT_SIGMOID) {
    for (size_t k = 0; k < n; k++) out[k] = (float)(1.0 / (1.0 + exp(-(double)h[k])));
  } else {
    for (size_t k = 0; k < n; k++) out[k] = (float)tanh((double)h[k]);
  }
}

LEAF void activate_backward(const float *restrict pre, const float *restrict out, const float *restrict g, float *restrict into, size_t n,
                              int32_t kind) {
  if (kind == ACT_RELU) {
    for (size_t k = 0; k < n; k++) into[k] = pre[k] > 0 ? g[k] : 0.0f;
  } else if (kind == ACT_SIGMOID) {
    for (size_t k = 0; k < n; k++) into[k] = (float)((double)g[k] * (double)out[k] * (1.0 - (double)out[k]));
  } else {
    for (size_t k = 0; k < n; k++) into[k] = (float)((double)g[k] * (1.0 - (double)out[k] * (double)out[k]));
  }
}

/*
 * The mean loss from logits (as tf.losses.sigmoidCrossEntropy / softmaxCrossEntropy), its sum
 * kept in float32 as tfjs keeps it, so that a loss too large for float32 becomes Infinity in
 * both engines alike; the gradient of the mean into grad; the correct rows into *correct.
 */
/* Row r's label and loss weight: rows of their own (index) are read through it, weights only in training. */
#define LABEL(r) (index ? labels[index[r]] : labels[r])
#define WEIGHT(r) (weights ? (double)weights[r] : 1.0)
static float loss_and_gradient(int32_t loss, const float *h, int32_t rows, int32_t cols, const int32_t *labels, const int32_t *index, const float *weights,
                               float *grad, int32_t *correct) {
  float sum = 0;
  int32_t right = 0;
  if (loss == 0) {
    for (int32_t r = 0; r < rows; r++) {
      const double z = h[r], y = LABEL(r), w = WEIGHT(r);
      // Math.max(z, 0); a NaN logit makes the term NaN through z * y all the same.
      const double positive = z > 0 ? z : 0.0;
      const double term = (positive - z * y) + log1p(exp(-fabs(z)));
      sum = (float)((double)sum + (weights ? w * term : term));
      if ((z > 0 ? 1 : 0) == LABEL(r)) right++;
      grad[r] = (float)((weights ? w * (1.0 / (1.0 + exp(-z)) - y) : 1.0 / (1.0 + exp(-z)) - y) / rows);
    }
  } else {
    for (int32_t r = 0; r < rows; r++) {
      const float *row = h + (size_t)r * cols;
      int32_t top = 0;
      for (int32_t k = 1; k < cols; k++) if (row[k] > row[top]) top = k;
      const double max = row[top];
      double total = 0;
      for (int32_t k = 0; k < cols; k++) total += exp((double)row[k] - max);
      const int32_t y = LABEL(r);
      const double w = WEIGHT(r);
      // A class outside the logits reads as undefined in JavaScript: NaN.
      const double logit = y >= 0 && y < cols ? (double)row[y] : NAN;
      const double term = (log(total) + max) - logit;
      sum = (float)((double)sum + (weights ? w * term : term));
      if (top == y) right++;
      for (int32_t k = 0; k < cols; k++) {
        const double d = exp((double)row[k] - max) / total - (k == y ? 1.0 : 0.0);
        grad[(size_t)r * cols + k] = (float)((weights ? w * d : d) / rows);
      }
    }
  }
  *correct = right;
  return (float)((double)sum / rows);
}

/* One optimizer step on n values at arena offset p (slots at p + n, p + 2n), tfjs' formulas in float64. */
static void optimizer_step(float *arena, int32_t p, size_t n, const float *restrict g, int32_t kind, const double *r) {
  float *restrict v = arena + p, *restrict s1 = v + n, *restrict s2 = v + 2 * n;
  const double lr = r[R_LR], b1 = r[R_H0], b2 = r[R_H1], eps = r[R_EPS], k1 = r[R_K1], k2 = r[R_K2];
  if (kind == 0) {
    for (size_t j = 0; j < n; j++) v[j] = (float)((double)v[j] - lr * (double)g[j]);
  } else if (kind == 3) {
    for (size_t j = 0; j < n; j++) {
      s1[j] = (float)((double)s1[j] * b1 + (double)g[j]);
      v[j] = (float)((double)v[j] - lr * (double)s1[j]);
    }
  } else if (kind == 1) {
    for (size_t j = 0; j < n; j++) {
      s1[j] = (float)((double)s1[j] * b1 + (double)g[j] * (double)g[j] * (1.0 - b1));
      v[j] = (float)((double)v[j] - lr * (double)g[j] / sqrt((double)s1[j] + eps));
    }
  } else {
    for (size_t j = 0; j < n; j++) {
      s1[j] = (float)(b1 * (double)s1[j] + (1.0 - b1) * (double)g[j]);
      s2[j] = (float)(b2 * (double)s2[j] + (1.0 - b2) * (double)g[j] * (double)g[j]);
      v[j] = (float)((double)v[j] - lr * ((double)s1[j] * k1) / (sqrt((double)s2[j] * k2) + eps));
    }
  }
}

LEAF void multiply(const float *restrict g, const float *restrict mask, float *restrict into, size_t n) {
  for (size_t k = 0; k < n; k++) into[k] = g[k] * mask[k];
}

typedef struct {
  const float *input; /* the dense layer's input, or the activation's pre-activation */
  const float *output; /* the activation's output, or the dropout mask */
  int32_t cols; /* the op's input columns */
} saved;

/*
 * The gradient of a dense layer's input into dIn, and its kernel's and bias's gradients, which
 * step the kernel and bias at once (no later part of the backward pass reads them). Each sum
 * runs in the order of the JavaScript loops (rows, then outputs): a kernel gradient over rows,
 * an input gradient over outputs, each term added to the float32 accumulator in float64.
 */
/* Out of line, as the LEAF loops: inlined into member_step, gcc no longer vectorizes its sums. */
__attribute__((noinline)) static void dense_backward(const tail_args *a, const int32_t *op, const saved *s, const float *restrict g, float *restrict dIn, float *restrict dw,
                           float *restrict wT, float *restrict db,
                           int32_t kind, const double *r) {
  const int32_t in = s->cols, out = op[1], rows = a->rows;
  const float *w = a->arena + op[2];
  const size_t n = (size_t)in * out;
  memset(dw, 0, sizeof(float) * n);
  memset(db, 0, sizeof(float) * out);
  memset(dIn, 0, sizeof(float) * (size_t)rows * in);
  for (int32_t k = 0; k < in; k++)
    for (int32_t o = 0; o < out; o++) wT[(size_t)o * in + k] = w[(size_t)k * out + o];
  for (int32_t row = 0; row < rows; row++) {
    const float *go = g + (size_t)row * out, *x = s->input + (size_t)row * in;
    for (int32_t o = 0; o < out; o++) db[o] = (float)((double)db[o] + (double)go[o]);
    for (int32_t k = 0; k < in; k++) {
      const double xk = x[k];
      float *restrict dwk = dw + (size_t)k * out;
      for (int32_t o = 0; o < out; o++) dwk[o] = (float)((double)dwk[o] + xk * (double)go[o]);
    }
    float *restrict di = dIn + (size_t)row * in;
    for (int32_t o = 0; o < out; o++) {
      const double gk = go[o];
      const float *wo = wT + (size_t)o * in;
      for (int32_t k = 0; k < in; k++) di[k] = (float)((double)di[k] + (double)wo[k] * gk);
    }
  }
  optimizer_step(a->arena, op[2], n, dw, kind, r);
  optimizer_step(a->arena, op[3], (size_t)out, db, kind, r);
}

/* One member's step (see the file's comment): scratch holds size->floats, wd size->doubles. */
static void member_step(const tail_args *all, const int32_t *h, const member_size *size, uint32_t *rng, const float *z1, const int32_t *labels,
                        int training, float *dOut, float *scratch, double *wd, saved *kept, double *out) {
  // A member with rows of its own works on them alone, packed together: every later loop runs over them as over a batch.
  const int32_t *index = h[H_ROWS] >= 0 ? all->index + h[H_ROWS] : NULL;
  const float *weights = index && training && all->weightsLength ? all->weights + h[H_ROWS] : NULL;
  tail_args own = *all;
  if (index) own.rows = h[H_NROWS];
  const tail_args *a = index ? &own : all;
  const int32_t rows = a->rows, width = h[H_WIDTH], col = h[H_COL], nops = h[H_NOPS], kind = h[H_KIND];
  const double *r = a->reals + h[H_REALS];
  const int32_t *ops = a->plan + h[H_OPS];
  float *next = scratch;
  float *x = next;
  for (int32_t row = 0; row < rows; row++)
    memcpy(x + (size_t)row * width, z1 + (size_t)(index ? index[row] : row) * a->width + col, sizeof(float) * width);
  next += (size_t)rows * width;
  int32_t cols = width;
  for (int32_t j = 0; j < nops; j++) {
    const int32_t *op = ops + (size_t)j * TAIL_OP;
    const size_t n = (size_t)rows * cols;
    kept[j].input = x;
    kept[j].cols = cols;
    if (op[0] == OP_DENSE) {
      dense_forward(x, rows, cols, a->arena + op[2], a->arena + op[3], op[1], next, wd);
      x = next;
      cols = op[1];
      next += (size_t)rows * cols;
    } else if (op[0] == OP_ACT) {
      activate(x, next, n, op[1]);
      kept[j].output = next;
      x = next;
      next += n;
    } else if (training) {
      float *mask = next, *dropped = next + n;
      dropout(rng, a->reals[op[1]], x, mask, dropped, n);
      kept[j].output = mask;
      x = dropped;
      next += 2 * n;
    }
  }
  const size_t widest = (size_t)size->widest, kernel = (size_t)size->kernel;
  float *gA = next, *gB = gA + (size_t)rows * widest;
  int32_t correct;
  out[0] = loss_and_gradient(h[H_LOSS], x, rows, cols, labels, index, weights, gA, &correct);
  out[1] = correct;
  if (h[H_LOGITS] >= 0) memcpy(a->logits + h[H_LOGITS], x, sizeof(float) * (size_t)rows * cols);
  if (!training) return;
  float *dw = gB + (size_t)rows * widest;
  float *wT = dw + kernel, *db = wT + kernel;
  float *g = gA, *spare = gB;
  for (int32_t j = nops - 1; j >= 0; j--) {
    const int32_t *op = ops + (size_t)j * TAIL_OP;
    const saved *s = kept + j;
    const size_t n = (size_t)rows * s->cols;
    if (op[0] == OP_DENSE) {
      dense_backward(a, op, s, g, spare, dw, wT, db, kind, r);
    } else if (op[0] == OP_ACT) {
      activate_backward(s->input, s->output, g, spare, n, op[1]);
    } else {
      multiply(g, s->output, spare, n);
    }
    float *t = g;
    g = spare;
    spare = t;
  }
  // g: the gradient of the member's first-layer outputs, rows x width.
  float *db1 = db;
  memset(db1, 0, sizeof(float) * width);
  for (int32_t row = 0; row < rows; row++) {
    const float *gr = g + (size_t)row * width;
    memcpy(dOut + (size_t)(index ? index[row] : row) * a->width + col, gr, sizeof(float) * width);
    for (int32_t k = 0; k < width; k++) db1[k] = (float)((double)db1[k] + (double)gr[k]);
  }
  optimizer_step(a->arena, h[H_BIAS], (size_t)width, db1, kind, r);
}

napi_value tune_tail(napi_env env, napi_callback_info info) {
  size_t argc = 17;
  napi_value argv[17];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  tune_view plan, reals, arena, rng, z1, labels, dout, lr, c1, c2, out, index, weights, logits;
  int32_t width, rows, training;
  if (argc != 17 || !tune_typed(env, argv[0], napi_int32_array, &plan) || !tune_typed(env, argv[1], napi_float64_array, &reals) ||
      !tune_typed(env, argv[2], napi_float32_array, &arena) || !tune_typed(env, argv[3], napi_uint32_array, &rng) ||
      !tune_typed(env, argv[4], napi_float32_array, &z1) || !tune_integer(env, argv[5], &width) || !tune_integer(env, argv[6], &rows) ||
      !tune_typed(env, argv[7], napi_int32_array, &labels) || !tune_integer(env, argv[8], &training) || !tune_typed(env, argv[9], napi_float32_array, &dout) ||
      !tune_typed(env, argv[10], napi_float32_array, &lr) || !tune_typed(env, argv[11], napi_float32_array, &c1) ||
      !tune_typed(env, argv[12], napi_float32_array, &c2) || !tune_typed(env, argv[13], napi_float64_array, &out) ||
      !tune_typed(env, argv[14], napi_int32_array, &index) || !tune_typed(env, argv[15], napi_float32_array, &weights) ||
      !tune_typed(env, argv[16], napi_float32_array, &logits)) {
    napi_throw_type_error(env, NULL,
                          "tail: expected (Int32Array, Float64Array, Float32Array, Uint32Array, Float32Array, int, int, Int32Array, int, "
                          "Float32Array x 4, Float64Array, Int32Array, Float32Array, Float32Array)");
    return NULL;
  }
  const int32_t *P = plan.data;
  const int32_t members = plan.length > 0 ? P[0] : -1;
  tail_args a = {P, plan.length, reals.data, reals.length, arena.data, arena.length, width, rows, index.data, index.length, weights.data, weights.length,
                 logits.data, logits.length};
  if (members < 0 || (size_t)members * TAIL_HEADER + 1 > plan.length || width <= 0 || rows < 0 || (size_t)rows * width > z1.length ||
      (size_t)rows > labels.length || rng.length < (size_t)members || out.length < 2 * (size_t)members ||
      (training && ((size_t)rows * width > dout.length || lr.length < (size_t)width))) {
    napi_throw_range_error(env, NULL, "tail: shapes do not fit");
    return NULL;
  }
  // One block for every member in turn: the dense layers' doubles, what backward reads of each op, floats.
  long long floats = 0, doubles = 0;
  int32_t most = 0;
  for (int32_t i = 0; i < members; i++) {
    const int32_t *h = P + 1 + (size_t)i * TAIL_HEADER;
    member_size size;
    if (!member_shape(&a, h, training, &size) || (training && h[H_KIND] == 2 && h[H_ALIVE] && (c1.length < (size_t)width || c2.length < (size_t)width))) {
      napi_throw_range_error(env, NULL, "tail: a member's plan does not fit its arrays");
      return NULL;
    }
    if (size.floats > floats) floats = size.floats;
    if (size.doubles > doubles) doubles = size.doubles;
    if (h[H_NOPS] > most) most = h[H_NOPS];
  }
  double *wd = malloc(sizeof(double) * (size_t)(doubles + 1) + sizeof(saved) * (size_t)most + sizeof(float) * (size_t)floats);
  if (!wd) {
    napi_throw_error(env, NULL, "tail: out of memory");
    return NULL;
  }
  saved *kept = (saved *)(wd + doubles);
  float *scratch = (float *)(kept + most);
  float *D = dout.data, *L = lr.data, *C1 = c1.data, *C2 = c2.data;
  if (training) memset(D, 0, sizeof(float) * (size_t)rows * width);
  for (int32_t i = 0; i < members; i++) {
    const int32_t *h = P + 1 + (size_t)i * TAIL_HEADER;
    const int32_t col = h[H_COL], cols = h[H_WIDTH];
    const double *r = a.reals + h[H_REALS];
    if (!h[H_ALIVE]) {
      // A member that has left keeps its columns, frozen: a zero rate and a zero gradient.
      if (training) for (int32_t k = 0; k < cols; k++) L[col + k] = 0;
      continue;
    }
    member_size size;
    member_shape(&a, h, training, &size);
    member_step(&a, h, &size, (uint32_t *)rng.data + i, z1.data, labels.data, training, D, scratch, wd, kept, (double *)out.data + 2 * i);
    if (!training) continue;
    for (int32_t k = 0; k < cols; k++) L[col + k] = (float)r[R_LR];
    if (h[H_KIND] == 2)
      for (int32_t k = 0; k < cols; k++) C1[col + k] = (float)r[R_K1], C2[col + k] = (float)r[R_K2];
  }
  free(wd);
  return NULL;
}
