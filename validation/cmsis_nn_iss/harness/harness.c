/* One CMSIS-NN call per emulation run, as TFLM's CMSIS-NN kernels make it.
 *
 * The runner (run_iss.py) writes a layer's shape and quantisation into g_params, its weights and
 * bias into the flash window (__weights_start) and its activations into the SRAM arena, then
 * emulates run_layer() until it returns. run_layer() only builds the CMSIS-NN argument structs
 * and makes the call; its own instructions are not counted (the runner skips the blocks of this
 * function), so the counts are those of CMSIS-NN and the C library routines it calls.
 *
 * Calls, as in TFLM's tensorflow/lite/micro/kernels/cmsis_nn/ of 2021:
 *   conv          arm_convolve_wrapper_s8   (CMSIS-NN picks 1x1 fast / 1xN / generic)
 *   depthwise     arm_depthwise_conv_wrapper_s8
 *   fully conn.   arm_fully_connected_s8    (per-tensor quantisation)
 *   add           arm_elementwise_add_s8
 *   average pool  arm_avgpool_s8
 *   softmax       arm_softmax_s8
 *   max pool      arm_max_pool_s8
 *   mul           arm_elementwise_mul_s8    (no broadcast)
 */
#include <stdint.h>
#include "arm_nnfunctions.h"

/* Parameter block indices (run_iss.py reads these #defines). */
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

__attribute__((section(".params"), used)) volatile int32_t g_params[P_COUNT];

#define PTR(i) ((void *)(uintptr_t)g_params[i])

__attribute__((section(".text.run_layer"), used, noinline)) int32_t run_layer(void)
{
    cmsis_nn_context ctx = {PTR(P_SCRATCH), g_params[P_SCRATCH_SIZE]};
    cmsis_nn_dims input_dims = {g_params[P_N], g_params[P_IH], g_params[P_IW], g_params[P_IC]};
    cmsis_nn_dims output_dims = {g_params[P_N], g_params[P_OH], g_params[P_OW], g_params[P_OC]};
    cmsis_nn_dims filter_dims = {g_params[P_OC], g_params[P_KH], g_params[P_KW], g_params[P_IC]};
    cmsis_nn_dims bias_dims = {1, 1, 1, g_params[P_OC]};
    cmsis_nn_per_channel_quant_params pc_quant = {(int32_t *)PTR(P_MULT), (int32_t *)PTR(P_SHIFT)};
    cmsis_nn_activation act = {g_params[P_ACT_MIN], g_params[P_ACT_MAX]};
    int32_t status = 0;

    switch (g_params[P_OP])
    {
    case OP_CONV: {
        cmsis_nn_conv_params conv = {g_params[P_IN_OFFSET], g_params[P_OUT_OFFSET],
                                     {g_params[P_STRIDE_W], g_params[P_STRIDE_H]},
                                     {g_params[P_PAD_W], g_params[P_PAD_H]},
                                     {g_params[P_DIL_W], g_params[P_DIL_H]}, act};
        status = arm_convolve_wrapper_s8(&ctx, &conv, &pc_quant, &input_dims, (const q7_t *)PTR(P_INPUT),
                                         &filter_dims, (const q7_t *)PTR(P_FILTER), &bias_dims,
                                         (const int32_t *)PTR(P_BIAS), &output_dims, (q7_t *)PTR(P_OUTPUT));
        break;
    }
    case OP_DWCONV: {
        /* TFLM passes the depthwise filter as [1, KH, KW, C_OUT] */
        cmsis_nn_dims dw_filter_dims = {1, g_params[P_KH], g_params[P_KW], g_params[P_OC]};
        cmsis_nn_dw_conv_params dw = {g_params[P_IN_OFFSET], g_params[P_OUT_OFFSET], g_params[P_CH_MULT],
                                      {g_params[P_STRIDE_W], g_params[P_STRIDE_H]},
                                      {g_params[P_PAD_W], g_params[P_PAD_H]},
                                      {g_params[P_DIL_W], g_params[P_DIL_H]}, act};
        status = arm_depthwise_conv_wrapper_s8(&ctx, &dw, &pc_quant, &input_dims, (const q7_t *)PTR(P_INPUT),
                                               &dw_filter_dims, (const q7_t *)PTR(P_FILTER), &bias_dims,
                                               (const int32_t *)PTR(P_BIAS), &output_dims,
                                               (q7_t *)PTR(P_OUTPUT));
        break;
    }
    case OP_FC: {
        /* TFLM: input_dims.n = batches, filter_dims.n = accumulation depth, output_dims.c = units */
        cmsis_nn_fc_params fc = {g_params[P_IN_OFFSET], 0, g_params[P_OUT_OFFSET], act};
        cmsis_nn_per_tensor_quant_params pt_quant = {g_params[P_OUT_MULT], g_params[P_OUT_SHIFT]};
        cmsis_nn_dims fc_in = {g_params[P_N], 1, 1, g_params[P_IC]};
        cmsis_nn_dims fc_filter = {g_params[P_IC], 1, 1, g_params[P_OC]};
        cmsis_nn_dims fc_out = {g_params[P_N], 1, 1, g_params[P_OC]};
        status = arm_fully_connected_s8(&ctx, &fc, &pt_quant, &fc_in, (const q7_t *)PTR(P_INPUT), &fc_filter,
                                        (const q7_t *)PTR(P_FILTER), &bias_dims, (const int32_t *)PTR(P_BIAS),
                                        &fc_out, (q7_t *)PTR(P_OUTPUT));
        break;
    }
    case OP_ADD:
        status = arm_elementwise_add_s8((const int8_t *)PTR(P_INPUT), (const int8_t *)PTR(P_INPUT2),
                                        g_params[P_IN1_OFFSET], g_params[P_IN1_MULT], g_params[P_IN1_SHIFT],
                                        g_params[P_IN2_OFFSET], g_params[P_IN2_MULT], g_params[P_IN2_SHIFT],
                                        g_params[P_LEFT_SHIFT], (int8_t *)PTR(P_OUTPUT), g_params[P_OUT_OFFSET],
                                        g_params[P_OUT_MULT], g_params[P_OUT_SHIFT], g_params[P_ACT_MIN],
                                        g_params[P_ACT_MAX],
                                        (uint32_t)(g_params[P_N] * g_params[P_IH] * g_params[P_IW] * g_params[P_IC]));
        break;
    case OP_AVGPOOL: {
        cmsis_nn_pool_params pool = {{g_params[P_STRIDE_W], g_params[P_STRIDE_H]},
                                     {g_params[P_PAD_W], g_params[P_PAD_H]}, act};
        cmsis_nn_dims pool_filter = {1, g_params[P_KH], g_params[P_KW], 1};
        status = arm_avgpool_s8(&ctx, &pool, &input_dims, (const q7_t *)PTR(P_INPUT), &pool_filter, &output_dims,
                                (q7_t *)PTR(P_OUTPUT));
        break;
    }
    case OP_SOFTMAX:
        arm_softmax_s8((const int8_t *)PTR(P_INPUT), g_params[P_SM_ROWS], g_params[P_SM_ROW_SIZE],
                       g_params[P_SM_MULT], g_params[P_SM_SHIFT], g_params[P_SM_DIFF_MIN],
                       (int8_t *)PTR(P_OUTPUT));
        break;
    case OP_MAXPOOL: {
        cmsis_nn_pool_params pool = {{g_params[P_STRIDE_W], g_params[P_STRIDE_H]},
                                     {g_params[P_PAD_W], g_params[P_PAD_H]}, act};
        cmsis_nn_dims pool_filter = {1, g_params[P_KH], g_params[P_KW], 1};
        status = arm_max_pool_s8(&ctx, &pool, &input_dims, (const q7_t *)PTR(P_INPUT), &pool_filter, &output_dims,
                                 (q7_t *)PTR(P_OUTPUT));
        break;
    }
    case OP_MUL:
        /* TFLM's int8 Mul: input offsets are the negated zero points, one output multiplier and shift */
        status = arm_elementwise_mul_s8((const int8_t *)PTR(P_INPUT), (const int8_t *)PTR(P_INPUT2),
                                        g_params[P_IN1_OFFSET], g_params[P_IN2_OFFSET], (int8_t *)PTR(P_OUTPUT),
                                        g_params[P_OUT_OFFSET], g_params[P_OUT_MULT], g_params[P_OUT_SHIFT],
                                        g_params[P_ACT_MIN], g_params[P_ACT_MAX],
                                        (uint32_t)(g_params[P_N] * g_params[P_IH] * g_params[P_IW] * g_params[P_IC]));
        break;
    default:
        status = -100;
    }
    g_params[P_STATUS] = status;
    return status;
}
