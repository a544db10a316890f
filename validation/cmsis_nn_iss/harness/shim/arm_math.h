/* Stand-in for CMSIS-DSP's arm_math.h, which some 2020 CMSIS-NN sources still include.
 * In the 2021 tree those files get their types and intrinsics from arm_nnsupportfunctions.h;
 * the two CMSIS-DSP helpers one of them still uses (write_q7x4_ia from arm_math_memory.h and
 * __PACKq7 from dsp/none.h) are reproduced here with CMSIS-DSP's text. */
#ifndef EDGESIM_ISS_ARM_MATH_SHIM_H
#define EDGESIM_ISS_ARM_MATH_SHIM_H

#include "arm_nnsupportfunctions.h"

#ifndef __PACKq7
#define __PACKq7(v0,v1,v2,v3) ( (((int32_t)(v0) <<  0) & (int32_t)0x000000FF) | \
                                (((int32_t)(v1) <<  8) & (int32_t)0x0000FF00) | \
                                (((int32_t)(v2) << 16) & (int32_t)0x00FF0000) | \
                                (((int32_t)(v3) << 24) & (int32_t)0xFF000000)  )
#endif

__STATIC_FORCEINLINE void write_q7x4_ia (
  q7_t ** pQ7,
  q31_t   value)
{
  q31_t val = value;
#ifdef __ARM_FEATURE_UNALIGNED
  memcpy (*pQ7, &val, 4);
#else
  (*pQ7)[0] = val & 0x0FF;
  (*pQ7)[1] = (val >> 8) & 0x0FF;
  (*pQ7)[2] = (val >> 16) & 0x0FF;
  (*pQ7)[3] = (val >> 24) & 0x0FF;

#endif
  *pQ7 += 4;
}

#endif
