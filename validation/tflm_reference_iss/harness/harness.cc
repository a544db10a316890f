/* One TFLM reference-kernel call per emulation run, as TFLM's int8 kernels make it.
 *
 * The runner (run_tflm.py, with cmsis_nn_iss/run_iss.py's LayerRunner) writes a layer's shape
 * and quantisation into g_params (the same block and indices as cmsis_nn_iss/harness/harness.c),
 * its weights and bias into the flash window and its activations into the SRAM arena, then
 * emulates run_layer() until it returns. run_layer() builds the RuntimeShape and *Params structs
 * as TFLM's Eval functions do (tensorflow/lite/micro/kernels/{conv,depthwise_conv,
 * fully_connected,add,mul,pooling}.cc) and calls one wrapper per kernel. Each wrapper is
 * noinline and holds nothing but the inlined reference kernel, so its blocks (and those of the
 * out-of-line MultiplyByQuantizedMultiplier of common.cc) are the kernel's; run_layer's own
 * blocks are not counted.
 *
 * Calls (tensorflow/lite/kernels/internal/reference/integer_ops/):
 *   conv          ConvPerChannel
 *   depthwise     DepthwiseConvPerChannel
 *   fully conn.   FullyConnected            (per-tensor quantisation)
 *   add           Add                       (no broadcast)
 *   average pool  AveragePool
 *   max pool      MaxPool
 *   mul           Mul                       (no broadcast)
 *   softmax       reference_ops::Softmax    (int8 in and out, reference/softmax.h)
 */
#include <stdint.h>

#include "tensorflow/lite/kernels/internal/reference/integer_ops/add.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/conv.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/depthwise_conv.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/fully_connected.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/mul.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/pooling.h"
#include "tensorflow/lite/kernels/internal/reference/softmax.h"

#define P_OP 0
#define P_STATUS 1
#define P_N 2
#define P_IH 3
#define P_IW 4
#define P_IC 5
#define P_OH 6
#define P_OW 7
#define P_OC 8
#define P_KH 9
#define P_KW 10
#define P_STRIDE_H 11
#define P_STRIDE_W 12
#define P_PAD_H 13
#define P_PAD_W 14
#define P_DIL_H 15
#define P_DIL_W 16
#define P_CH_MULT 17
#define P_IN_OFFSET 18
#define P_OUT_OFFSET 19
#define P_ACT_MIN 20
#define P_ACT_MAX 21
#define P_INPUT 22
#define P_INPUT2 23
#define P_FILTER 24
#define P_BIAS 25
#define P_OUTPUT 26
#define P_MULT 27
#define P_SHIFT 28
#define P_SCRATCH 29
#define P_SCRATCH_SIZE 30
#define P_OUT_MULT 31
#define P_OUT_SHIFT 32
#define P_IN1_OFFSET 33
#define P_IN1_MULT 34
#define P_IN1_SHIFT 35
#define P_IN2_OFFSET 36
#define P_IN2_MULT 37
#define P_IN2_SHIFT 38
#define P_LEFT_SHIFT 39
#define P_SM_MULT 40
#define P_SM_SHIFT 41
#define P_SM_DIFF_MIN 42
#define P_SM_ROWS 43
#define P_SM_ROW_SIZE 44
#define P_COUNT 48
#define OP_CONV 1
#define OP_DWCONV 2
#define OP_FC 3
#define OP_ADD 4
#define OP_AVGPOOL 5
#define OP_SOFTMAX 6
#define OP_MAXPOOL 7
#define OP_MUL 8

using tflite::RuntimeShape;

extern "C" {
__attribute__((section(".params"), used)) volatile int32_t g_params[P_COUNT];
}

#define PTR(i) ((void *)(uintptr_t)g_params[i])
#define NOINLINE extern "C" __attribute__((noinline, used))

NOINLINE void tflm_conv(const tflite::ConvParams &p, const int32_t *mult, const int32_t *shift,
                        const RuntimeShape &in_s, const int8_t *in, const RuntimeShape &f_s, const int8_t *f,
                        const RuntimeShape &b_s, const int32_t *b, const RuntimeShape &out_s, int8_t *out)
{
    tflite::reference_integer_ops::ConvPerChannel(p, mult, shift, in_s, in, f_s, f, b_s, b, out_s, out);
}

NOINLINE void tflm_depthwise_conv(const tflite::DepthwiseParams &p, const int32_t *mult, const int32_t *shift,
                                  const RuntimeShape &in_s, const int8_t *in, const RuntimeShape &f_s,
                                  const int8_t *f, const RuntimeShape &b_s, const int32_t *b,
                                  const RuntimeShape &out_s, int8_t *out)
{
    tflite::reference_integer_ops::DepthwiseConvPerChannel(p, mult, shift, in_s, in, f_s, f, b_s, b, out_s, out);
}

NOINLINE void tflm_fully_connected(const tflite::FullyConnectedParams &p, const RuntimeShape &in_s,
                                   const int8_t *in, const RuntimeShape &f_s, const int8_t *f,
                                   const RuntimeShape &b_s, const int32_t *b, const RuntimeShape &out_s,
                                   int8_t *out)
{
    tflite::reference_integer_ops::FullyConnected(p, in_s, in, f_s, f, b_s, b, out_s, out);
}

NOINLINE void tflm_add(const tflite::ArithmeticParams &p, const RuntimeShape &s1, const int8_t *x1,
                       const RuntimeShape &s2, const int8_t *x2, const RuntimeShape &out_s, int8_t *out)
{
    tflite::reference_integer_ops::Add(p, s1, x1, s2, x2, out_s, out);
}

NOINLINE void tflm_mul(const tflite::ArithmeticParams &p, const RuntimeShape &s1, const int8_t *x1,
                       const RuntimeShape &s2, const int8_t *x2, const RuntimeShape &out_s, int8_t *out)
{
    tflite::reference_integer_ops::Mul(p, s1, x1, s2, x2, out_s, out);
}

NOINLINE int32_t tflm_average_pool(const tflite::PoolParams &p, const RuntimeShape &in_s, const int8_t *in,
                                   const RuntimeShape &out_s, int8_t *out)
{
    return tflite::reference_integer_ops::AveragePool(p, in_s, in, out_s, out) ? 0 : -1;
}

NOINLINE void tflm_max_pool(const tflite::PoolParams &p, const RuntimeShape &in_s, const int8_t *in,
                            const RuntimeShape &out_s, int8_t *out)
{
    tflite::reference_integer_ops::MaxPool(p, in_s, in, out_s, out);
}

NOINLINE void tflm_softmax(const tflite::SoftmaxParams &p, const RuntimeShape &in_s, const int8_t *in,
                          const RuntimeShape &out_s, int8_t *out)
{
    tflite::reference_ops::Softmax(p, in_s, in, out_s, out);
}

extern "C" __attribute__((section(".text.run_layer"), used, noinline)) int32_t run_layer(void)
{
    const int32_t n = g_params[P_N], ih = g_params[P_IH], iw = g_params[P_IW], ic = g_params[P_IC];
    const int32_t oh = g_params[P_OH], ow = g_params[P_OW], oc = g_params[P_OC];
    const int32_t kh = g_params[P_KH], kw = g_params[P_KW];
    const int32_t in_dims[4] = {n, ih, iw, ic};
    const int32_t out_dims[4] = {n, oh, ow, oc};
    const RuntimeShape in_s(4, in_dims), out_s(4, out_dims);
    const RuntimeShape bias_s(1, &oc);
    const int8_t *in = (const int8_t *)PTR(P_INPUT);
    int8_t *out = (int8_t *)PTR(P_OUTPUT);
    const int32_t *mult = (const int32_t *)PTR(P_MULT), *shift = (const int32_t *)PTR(P_SHIFT);
    const int8_t *filter = (const int8_t *)PTR(P_FILTER);
    const int32_t *bias = (const int32_t *)PTR(P_BIAS);
    int32_t status = 0;

    switch (g_params[P_OP])
    {
    case OP_CONV: {
        tflite::ConvParams p = {};
        p.padding_type = tflite::PaddingType::kSame;
        p.padding_values.width = (int16_t)g_params[P_PAD_W];
        p.padding_values.height = (int16_t)g_params[P_PAD_H];
        p.stride_width = (int16_t)g_params[P_STRIDE_W];
        p.stride_height = (int16_t)g_params[P_STRIDE_H];
        p.dilation_width_factor = (int16_t)g_params[P_DIL_W];
        p.dilation_height_factor = (int16_t)g_params[P_DIL_H];
        p.input_offset = g_params[P_IN_OFFSET];
        p.output_offset = g_params[P_OUT_OFFSET];
        p.quantized_activation_min = g_params[P_ACT_MIN];
        p.quantized_activation_max = g_params[P_ACT_MAX];
        const int32_t f_dims[4] = {oc, kh, kw, ic};
        const RuntimeShape f_s(4, f_dims);
        tflm_conv(p, mult, shift, in_s, in, f_s, filter, bias_s, bias, out_s, out);
        break;
    }
    case OP_DWCONV: {
        tflite::DepthwiseParams p = {};
        p.padding_type = tflite::PaddingType::kSame;
        p.padding_values.width = (int16_t)g_params[P_PAD_W];
        p.padding_values.height = (int16_t)g_params[P_PAD_H];
        p.stride_width = (int16_t)g_params[P_STRIDE_W];
        p.stride_height = (int16_t)g_params[P_STRIDE_H];
        p.dilation_width_factor = (int16_t)g_params[P_DIL_W];
        p.dilation_height_factor = (int16_t)g_params[P_DIL_H];
        p.depth_multiplier = (int16_t)g_params[P_CH_MULT];
        p.input_offset = g_params[P_IN_OFFSET];
        p.output_offset = g_params[P_OUT_OFFSET];
        p.quantized_activation_min = g_params[P_ACT_MIN];
        p.quantized_activation_max = g_params[P_ACT_MAX];
        /* TFLite's depthwise filter is [1, KH, KW, C * multiplier] */
        const int32_t f_dims[4] = {1, kh, kw, oc};
        const RuntimeShape f_s(4, f_dims);
        tflm_depthwise_conv(p, mult, shift, in_s, in, f_s, filter, bias_s, bias, out_s, out);
        break;
    }
    case OP_FC: {
        /* TFLM: input [batches, depth], filter [units, depth], output [batches, units] */
        tflite::FullyConnectedParams p = {};
        p.input_offset = g_params[P_IN_OFFSET];
        p.weights_offset = 0;
        p.output_offset = g_params[P_OUT_OFFSET];
        p.output_multiplier = g_params[P_OUT_MULT];
        p.output_shift = g_params[P_OUT_SHIFT];
        p.quantized_activation_min = g_params[P_ACT_MIN];
        p.quantized_activation_max = g_params[P_ACT_MAX];
        const int32_t fc_in[2] = {n, ic}, fc_f[2] = {oc, ic}, fc_out[2] = {n, oc};
        const RuntimeShape fin_s(2, fc_in), f_s(2, fc_f), fout_s(2, fc_out);
        tflm_fully_connected(p, fin_s, in, f_s, filter, bias_s, bias, fout_s, out);
        break;
    }
    case OP_ADD:
    case OP_MUL: {
        /* TFLM's int8 Add/Mul: input offsets are the negated zero points */
        tflite::ArithmeticParams p = {};
        p.input1_offset = g_params[P_IN1_OFFSET];
        p.input2_offset = g_params[P_IN2_OFFSET];
        p.output_offset = g_params[P_OUT_OFFSET];
        p.output_multiplier = g_params[P_OUT_MULT];
        p.output_shift = g_params[P_OUT_SHIFT];
        p.left_shift = g_params[P_LEFT_SHIFT];
        p.input1_multiplier = g_params[P_IN1_MULT];
        p.input1_shift = g_params[P_IN1_SHIFT];
        p.input2_multiplier = g_params[P_IN2_MULT];
        p.input2_shift = g_params[P_IN2_SHIFT];
        p.quantized_activation_min = g_params[P_ACT_MIN];
        p.quantized_activation_max = g_params[P_ACT_MAX];
        const int8_t *in2 = (const int8_t *)PTR(P_INPUT2);
        if (g_params[P_OP] == OP_ADD)
            tflm_add(p, in_s, in, in_s, in2, in_s, out);
        else
            tflm_mul(p, in_s, in, in_s, in2, in_s, out);
        break;
    }
    case OP_AVGPOOL:
    case OP_MAXPOOL: {
        tflite::PoolParams p = {};
        p.padding_values.width = (int16_t)g_params[P_PAD_W];
        p.padding_values.height = (int16_t)g_params[P_PAD_H];
        p.stride_height = g_params[P_STRIDE_H];
        p.stride_width = g_params[P_STRIDE_W];
        p.filter_height = kh;
        p.filter_width = kw;
        p.quantized_activation_min = g_params[P_ACT_MIN];
        p.quantized_activation_max = g_params[P_ACT_MAX];
        if (g_params[P_OP] == OP_AVGPOOL)
            status = tflm_average_pool(p, in_s, in, out_s, out);
        else
            tflm_max_pool(p, in_s, in, out_s, out);
        break;
    }
    case OP_SOFTMAX: {
        /* TFLM's int8 softmax: PreprocessSoftmaxScaling's multiplier and left shift, and diff_min */
        tflite::SoftmaxParams p = {};
        p.input_multiplier = g_params[P_SM_MULT];
        p.input_left_shift = g_params[P_SM_SHIFT];
        p.diff_min = g_params[P_SM_DIFF_MIN];
        const int32_t sm_dims[2] = {g_params[P_SM_ROWS], g_params[P_SM_ROW_SIZE]};
        const RuntimeShape sm_s(2, sm_dims);
        tflm_softmax(p, sm_s, in, sm_s, out);
        break;
    }
    default:
        status = -100;
    }
    g_params[P_STATUS] = status;
    return status;
}
