"""Hypothesis strategies for the systolic kernels: small random layers, tilings, hardware."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from sim.graph.loops import Loops
from sim.mapping import tiling as T


@st.composite
def layers(draw, max_dim: int = 12, max_ch: int = 40):  # noqa: ANN001, ANN201
    dw = draw(st.booleans())
    kh, kw = draw(st.sampled_from([1, 3])), draw(st.sampled_from([1, 3]))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    dh, dwl = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    n, oh, ow = draw(st.integers(1, 2)), draw(st.integers(1, max_dim)), draw(st.integers(1, max_dim))
    k = draw(st.integers(1, max_ch))
    c = 1 if dw else draw(st.integers(1, max_ch))
    ih = max(1, (oh - 1) * sh + (kh - 1) * dh + 1 - draw(st.integers(0, 2)))
    iw = max(1, (ow - 1) * sw + (kw - 1) * dwl + 1 - draw(st.integers(0, 2)))
    lp = Loops(n, oh, ow, k, c, kh, kw, sh, sw, dh, dwl, dw, ih, iw)
    cin = k if dw else c
    bias = draw(st.sampled_from([0, 4]))
    ifm_b, ofm_b = n * ih * iw * cin, n * oh * ow * k
    w_b = k * (1 if dw else c) * kh * kw + k * bias
    w_raw = 0
    if draw(st.sampled_from([False, False, True])):  # weights streamed encoded (Ethos-U): any size
        w_raw, w_b = w_b, draw(st.integers(16, max(16, 2 * w_b)))
    # the part's datapath: channel block per tap, output-stage rate (1/OUT_CPE_SCALE cycles), ifm buffer
    cblk, cpe = draw(st.sampled_from([1, 1, 3, 8])), draw(st.sampled_from([0, 0, 2048, 6144]))
    return T.layer_vector(lp, ifm_itemsize=1, weight_itemsize=1, ofm_itemsize=1, bias_bytes_per_k=bias,
                          ifm_bytes=ifm_b, weight_bytes=w_b, ofm_bytes=ofm_b, elements=ofm_b, ifm_block_depth=cblk,
                          out_cpe_q=cpe, ifm_reuse=int(draw(st.booleans())),
                          taps_per_step=draw(st.sampled_from([1, 1, 4])),
                          ifm_block_max_depth=draw(st.sampled_from([0, 0, 32])), weight_raw_bytes=w_raw)


@st.composite
def tilings(draw, lay):  # noqa: ANN001, ANN201
    return tuple(int(draw(st.integers(1, int(lay[i])))) for i in (T.L_N, T.L_OH, T.L_OW, T.L_K, T.L_C))


@st.composite
def hardware(draw):  # noqa: ANN201
    hwi = np.array([draw(st.integers(1, 16)), draw(st.integers(1, 16)), draw(st.integers(0, 40)),
                    draw(st.integers(0, 40)), draw(st.sampled_from([1, 4, 32, 64])), draw(st.integers(0, 1)),
                    draw(st.integers(1, 2)), draw(st.sampled_from([0, 64, 4096]))], dtype=np.int64)
    hwf = np.array([draw(st.sampled_from([0.5, 1.0, 3.0, 16.0])), draw(st.sampled_from([4.0, 64.0])),
                    draw(st.sampled_from([1.0, 8.0, 32.0])), 64.0, 70.0, 1.5, 2.5, 0.01], dtype=np.float64)
    return hwi, hwf
