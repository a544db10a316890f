/* Traps for the CMSIS-NN routines the harness and wrappers reference but whose MVE (Helium) code
 * the reconstructed source tree lacks. The runner compiles a stub only for a routine whose source
 * is missing; a stub that runs executes BKPT #0x42 (not the semihosting 0xAB), which stops the
 * core with a fault, so no layer is ever counted through a stand-in. */
#include "arm_nnfunctions.h"

#define TRAP() __asm volatile("bkpt #0x42")

#define CONV_ARGS                                                                                              \
    const cmsis_nn_context *ctx, const cmsis_nn_conv_params *conv_params,                                      \
        const cmsis_nn_per_channel_quant_params *quant_params, const cmsis_nn_dims *input_dims,                \
        const q7_t *input_data, const cmsis_nn_dims *filter_dims, const q7_t *filter_data,                     \
        const cmsis_nn_dims *bias_dims, const int32_t *bias_data, const cmsis_nn_dims *output_dims,            \
        q7_t *output_data

#ifdef STUB_arm_convolve_1_x_n_s8
arm_status arm_convolve_1_x_n_s8(CONV_ARGS)
{
    TRAP();
    return ARM_MATH_ARGUMENT_ERROR;
}
int32_t arm_convolve_1_x_n_s8_get_buffer_size(const cmsis_nn_dims *input_dims, const cmsis_nn_dims *filter_dims)
{
    TRAP();
    return 0;
}
#endif

#ifdef STUB_arm_depthwise_conv_s8
arm_status arm_depthwise_conv_s8(const cmsis_nn_context *ctx, const cmsis_nn_dw_conv_params *dw_conv_params,
                                 const cmsis_nn_per_channel_quant_params *quant_params,
                                 const cmsis_nn_dims *input_dims, const q7_t *input_data,
                                 const cmsis_nn_dims *filter_dims, const q7_t *filter_data,
                                 const cmsis_nn_dims *bias_dims, const int32_t *bias_data,
                                 const cmsis_nn_dims *output_dims, q7_t *output_data)
{
    TRAP();
    return ARM_MATH_ARGUMENT_ERROR;
}
#endif

#ifdef STUB_arm_max_pool_s8
arm_status arm_max_pool_s8(const cmsis_nn_context *ctx, const cmsis_nn_pool_params *pool_params,
                           const cmsis_nn_dims *input_dims, const q7_t *input_data,
                           const cmsis_nn_dims *filter_dims, const cmsis_nn_dims *output_dims, q7_t *output_data)
{
    TRAP();
    return ARM_MATH_ARGUMENT_ERROR;
}
#endif

#ifdef STUB_arm_elementwise_mul_s8
arm_status arm_elementwise_mul_s8(const int8_t *input_1_vect, const int8_t *input_2_vect,
                                  const int32_t input_1_offset, const int32_t input_2_offset, int8_t *output,
                                  const int32_t out_offset, const int32_t out_mult, const int32_t out_shift,
                                  const int32_t out_activation_min, const int32_t out_activation_max,
                                  const uint32_t block_size)
{
    TRAP();
    return ARM_MATH_ARGUMENT_ERROR;
}
#endif
