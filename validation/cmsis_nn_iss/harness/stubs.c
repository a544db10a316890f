/* Traps for CMSIS-NN routines the wrappers reference but the reconstructed source tree lacks.
 * The runner compiles a stub only when the routine's source file is missing from --cmsis-nn;
 * a stub that runs executes BKPT, which stops the emulation with an error naming it, so no
 * layer is ever counted through a stand-in. */
#include "arm_nnfunctions.h"

#define TRAP() __asm volatile("bkpt #0x42")

#ifdef STUB_arm_convolve_1_x_n_s8
arm_status arm_convolve_1_x_n_s8(const cmsis_nn_context *ctx, const cmsis_nn_conv_params *conv_params,
                                 const cmsis_nn_per_channel_quant_params *quant_params,
                                 const cmsis_nn_dims *input_dims, const q7_t *input_data,
                                 const cmsis_nn_dims *filter_dims, const q7_t *filter_data,
                                 const cmsis_nn_dims *bias_dims, const int32_t *bias_data,
                                 const cmsis_nn_dims *output_dims, q7_t *output_data)
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
