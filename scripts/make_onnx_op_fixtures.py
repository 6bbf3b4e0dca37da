#!/usr/bin/env python3
"""Build one-op ONNX fixtures with onnxruntime's outputs as the reference (Tests/LatentNNTests/Fixtures/onnx-ops).

Each case is a graph of a single node: float inputs fed at run time (CASE-in0.npy, …), any integer or
shape arguments stored as initializers, and the outputs onnxruntime computes (CASE-out0.npy, integers
saved as float32). `GraphOpTests` runs every case through our graph engine and compares to 1e-4.

    ~/tv/bin/pip install onnx onnxruntime numpy
    ~/tv/bin/python scripts/make_onnx_op_fixtures.py [--out Tests/LatentNNTests/Fixtures/onnx-ops]
"""
import argparse, os, shutil
import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(3)


def f(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def i64(values):
    return np.array(values, dtype=np.int64)


# (name, op, float inputs (fed), constant inputs (initializers; None = omitted optional), attributes, outputs, opset)
CASES = [
    ("gemm_trans", "Gemm", [f(3, 5), f(4, 5), f(4)], [], dict(transB=1, alpha=0.5, beta=2.0), 1, 17),
    ("matmul_batched", "MatMul", [f(2, 1, 3, 4), f(3, 4, 5)], [], {}, 1, 17),
    ("matmul_vector", "MatMul", [f(4), f(4, 3)], [], {}, 1, 17),
    ("conv_groups_dilation", "Conv", [f(2, 4, 9, 8), f(6, 2, 3, 3), f(6)], [], dict(group=2, dilations=[2, 1], strides=[1, 2], pads=[2, 1, 1, 0]), 1, 17),
    ("conv_same_upper", "Conv", [f(1, 3, 7, 7), f(4, 3, 3, 3)], [], dict(auto_pad="SAME_UPPER", strides=[2, 2]), 1, 17),
    ("conv_depthwise", "Conv", [f(1, 4, 6, 6), f(4, 1, 3, 3), f(4)], [], dict(group=4, pads=[1, 1, 1, 1]), 1, 17),
    ("convtranspose_groups", "ConvTranspose", [f(2, 4, 5, 4), f(4, 3, 3, 2), f(6)], [], dict(group=2, strides=[2, 3], pads=[1, 0, 0, 1], output_padding=[1, 2]), 1, 17),
    ("convtranspose_dilation", "ConvTranspose", [f(1, 2, 4, 4), f(2, 3, 3, 3)], [], dict(dilations=[2, 2], strides=[2, 2]), 1, 17),
    ("batchnorm", "BatchNormalization", [f(2, 3, 4, 4)], [f(3), f(3), f(3), np.abs(f(3)) + 0.5], dict(epsilon=1e-3), 1, 15),
    ("instancenorm", "InstanceNormalization", [f(2, 3, 4, 5), f(3), f(3)], [], dict(epsilon=1e-5), 1, 17),
    ("groupnorm", "GroupNormalization", [f(2, 6, 3, 3), f(6), f(6)], [], dict(num_groups=3), 1, 21),
    ("layernorm", "LayerNormalization", [f(2, 3, 8), f(8), f(8)], [], dict(axis=-1, epsilon=1e-5), 1, 17),
    ("resize_nearest", "Resize", [f(1, 2, 3, 4)], [None, np.array([1, 1, 2, 3], np.float32)], dict(mode="nearest"), 1, 17),
    ("resize_linear_sizes", "Resize", [f(1, 2, 4, 4)], [None, None, i64([1, 2, 7, 5])], dict(mode="linear", coordinate_transformation_mode="half_pixel"), 1, 17),
    ("resize_linear_align", "Resize", [f(1, 1, 3, 3)], [None, np.array([1, 1, 2, 2], np.float32)], dict(mode="linear", coordinate_transformation_mode="align_corners"), 1, 17),
    ("resize_nearest_asym_floor", "Resize", [f(1, 1, 3, 5)], [None, np.array([1, 1, 1.5, 0.6], np.float32)], dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"), 1, 17),
    ("maxpool", "MaxPool", [f(1, 2, 7, 6)], [], dict(kernel_shape=[3, 2], strides=[2, 2], pads=[1, 0, 1, 1]), 1, 17),
    ("maxpool_ceil", "MaxPool", [f(1, 1, 6, 6)], [], dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1), 1, 17),
    ("averagepool_pad", "AveragePool", [f(1, 2, 5, 5)], [], dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1), 1, 17),
    ("averagepool_nopad", "AveragePool", [f(1, 2, 5, 5)], [], dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1]), 1, 17),
    ("globalaveragepool", "GlobalAveragePool", [f(2, 3, 4, 5)], [], {}, 1, 17),
    ("pad_constant", "Pad", [f(1, 2, 3, 3)], [i64([0, 0, 1, 2, 0, 1, 0, 1]), np.array(0.5, np.float32)], dict(mode="constant"), 1, 17),
    ("pad_reflect", "Pad", [f(1, 1, 4, 4)], [i64([0, 0, 2, 1, 0, 0, 1, 2])], dict(mode="reflect"), 1, 17),
    ("pad_edge", "Pad", [f(1, 1, 3, 4)], [i64([0, 0, 1, 1, 0, 0, 2, 0])], dict(mode="edge"), 1, 17),
    ("reducemean", "ReduceMean", [f(2, 3, 4)], [], dict(axes=[1, 2], keepdims=1), 1, 17),
    ("reducesum", "ReduceSum", [f(2, 3, 4)], [i64([0])], dict(keepdims=0), 1, 17),
    ("softmax", "Softmax", [f(2, 5)], [], dict(axis=-1), 1, 17),
    ("add_broadcast", "Add", [f(2, 3, 4), f(3, 1)], [], {}, 1, 17),
    ("sub", "Sub", [f(3, 4), f(4)], [], {}, 1, 17),
    ("mul", "Mul", [f(2, 1, 4), f(3, 1)], [], {}, 1, 17),
    ("div", "Div", [f(3, 4), np.abs(f(3, 4)) + 0.5], [], {}, 1, 17),
    ("pow", "Pow", [np.abs(f(3, 4)) + 0.1, f(3, 4)], [], {}, 1, 17),
    ("max", "Max", [f(3, 4), f(4)], [], {}, 1, 17),
    ("min", "Min", [f(3, 4), f(3, 1)], [], {}, 1, 17),
    ("where", "Where", [f(3, 4), f(4)], [np.array([[True], [False], [True]])], {}, 1, 17),
    ("sqrt", "Sqrt", [np.abs(f(3, 4))], [], {}, 1, 17),
    ("exp", "Exp", [f(3, 4)], [], {}, 1, 17),
    ("log", "Log", [np.abs(f(3, 4)) + 0.1], [], {}, 1, 17),
    ("neg", "Neg", [f(3, 4)], [], {}, 1, 17),
    ("abs", "Abs", [f(3, 4)], [], {}, 1, 17),
    ("erf", "Erf", [f(3, 4)], [], {}, 1, 17),
    ("relu", "Relu", [f(3, 4)], [], {}, 1, 17),
    ("leakyrelu", "LeakyRelu", [f(3, 4)], [], dict(alpha=0.2), 1, 17),
    ("elu", "Elu", [f(3, 4)], [], dict(alpha=0.7), 1, 17),
    ("selu", "Selu", [f(3, 4)], [], {}, 1, 17),
    ("sigmoid", "Sigmoid", [f(3, 4)], [], {}, 1, 17),
    ("hardsigmoid", "HardSigmoid", [f(3, 4) * 4], [], {}, 1, 17),
    ("tanh", "Tanh", [f(3, 4)], [], {}, 1, 17),
    ("softplus", "Softplus", [f(3, 4) * 5], [], {}, 1, 17),
    ("clip", "Clip", [f(3, 4)], [np.array(-0.5, np.float32), np.array(0.7, np.float32)], {}, 1, 17),
    ("floor", "Floor", [f(3, 4) * 3], [], {}, 1, 17),
    ("reciprocal", "Reciprocal", [np.abs(f(3, 4)) + 0.5], [], {}, 1, 17),
    ("identity", "Identity", [f(3, 4)], [], {}, 1, 17),
    ("dropout", "Dropout", [f(3, 4)], [], {}, 1, 17),
    ("transpose", "Transpose", [f(2, 3, 4)], [], dict(perm=[2, 0, 1]), 1, 17),
    ("reshape", "Reshape", [f(2, 3, 4)], [i64([0, -1, 2])], {}, 1, 17),
    ("flatten", "Flatten", [f(2, 3, 4, 5)], [], dict(axis=2), 1, 17),
    ("squeeze", "Squeeze", [f(2, 1, 4, 1)], [i64([1, 3])], {}, 1, 17),
    ("unsqueeze", "Unsqueeze", [f(2, 4)], [i64([0, 3])], {}, 1, 17),
    ("concat", "Concat", [f(2, 3), f(2, 5)], [], dict(axis=1), 1, 17),
    ("split", "Split", [f(2, 7)], [i64([3, 4])], dict(axis=1), 2, 17),
    ("split_equal", "Split", [f(6, 2)], [], dict(axis=0, num_outputs=3), 3, 18),
    ("slice_steps", "Slice", [f(5, 6)], [i64([4, 1]), i64([0, 100]), i64([0, 1]), i64([-2, 2])], {}, 1, 17),
    ("gather", "Gather", [f(5, 3)], [i64([[0, -1], [2, 2]])], dict(axis=0), 1, 17),
    ("gather_axis1", "Gather", [f(2, 4, 3)], [i64([3, 1])], dict(axis=1), 1, 17),
    ("expand", "Expand", [f(3, 1)], [i64([2, 3, 4])], {}, 1, 17),
    ("shape", "Shape", [f(2, 3, 4)], [], dict(start=1), 1, 17),
    ("constantofshape", "ConstantOfShape", [], [i64([2, 3])], dict(value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.5])), 1, 17),
    ("range", "Range", [], [np.array(1.0, np.float32), np.array(4.0, np.float32), np.array(0.75, np.float32)], {}, 1, 17),
    ("cast_int", "Cast", [f(3, 4) * 5], [], dict(to=TensorProto.INT64), 1, 17),
    ("equal", "Equal", [np.round(f(3, 4)), np.round(f(4))], [], {}, 1, 17),
    ("prelu", "PRelu", [f(2, 3, 4, 4), f(3, 1, 1)], [], {}, 1, 17),
    ("gelu", "Gelu", [f(3, 4)], [], {}, 1, 20),
    ("gelu_tanh", "Gelu", [f(3, 4)], [], dict(approximate="tanh"), 1, 20),
    ("hardswish", "HardSwish", [f(3, 4) * 4], [], {}, 1, 17),
    ("mish", "Mish", [f(3, 4) * 3], [], {}, 1, 18),
    ("softsign", "Softsign", [f(3, 4)], [], {}, 1, 17),
    ("sum3", "Sum", [f(3, 4), f(4), f(3, 1)], [], {}, 1, 17),
    ("mean2", "Mean", [f(3, 4), f(4)], [], {}, 1, 17),
    ("reducemax", "ReduceMax", [f(2, 3, 4)], [], dict(axes=[2], keepdims=0), 1, 17),
    ("reducemin", "ReduceMin", [f(2, 3, 4)], [], dict(axes=[0, 2], keepdims=1), 1, 17),
    ("round", "Round", [f(3, 4) * 3], [], {}, 1, 17),
    ("sign", "Sign", [f(3, 4)], [], {}, 1, 17),
    ("mod_fmod", "Mod", [f(3, 4) * 5, np.abs(f(3, 4)) + 1], [], dict(fmod=1), 1, 17),
    # Appended cases only below: every case draws from the one rng in list order, so new cases go last.
    # Reductions: axes as an attribute (opset 17, keepdims 1 and 0), as an int64 input (opset 18), none (all).
    ("reducel2_axes_attr", "ReduceL2", [f(2, 3, 4)], [], dict(axes=[1], keepdims=1), 1, 17),
    ("reducel2_axes_attr_nokeep", "ReduceL2", [f(2, 3, 4)], [], dict(axes=[0, 2], keepdims=0), 1, 17),
    ("reducel2_axes_input", "ReduceL2", [f(2, 3, 4)], [i64([-1])], dict(keepdims=0), 1, 18),
    ("reducel2_all", "ReduceL2", [f(2, 3, 4)], [], dict(keepdims=0), 1, 18),
    ("reducel1_axes_attr", "ReduceL1", [f(2, 3, 4)], [], dict(axes=[2], keepdims=1), 1, 17),
    ("reducel1_axes_attr_nokeep", "ReduceL1", [f(2, 3, 4)], [], dict(axes=[1], keepdims=0), 1, 17),
    ("reducel1_axes_input", "ReduceL1", [f(2, 3, 4)], [i64([0, -1])], dict(keepdims=1), 1, 18),
    ("reducesumsquare_axes_attr", "ReduceSumSquare", [f(2, 3, 4)], [], dict(axes=[-1], keepdims=1), 1, 17),
    ("reducesumsquare_axes_attr_nokeep", "ReduceSumSquare", [f(2, 3, 4)], [], dict(axes=[0, 1], keepdims=0), 1, 17),
    ("reducesumsquare_axes_input", "ReduceSumSquare", [f(2, 3, 4)], [i64([1])], dict(keepdims=0), 1, 18),
    ("reducesumsquare_noop_empty_axes", "ReduceSumSquare", [f(2, 3, 4)], [i64([])], dict(keepdims=1, noop_with_empty_axes=1), 1, 18),
    ("reduceprod_axes_attr", "ReduceProd", [f(2, 3, 4)], [], dict(axes=[1], keepdims=1), 1, 17),
    ("reduceprod_axes_attr_nokeep", "ReduceProd", [f(2, 3, 4)], [], dict(axes=[2], keepdims=0), 1, 17),
    ("reduceprod_axes_input", "ReduceProd", [f(2, 3, 4)], [i64([0, 2])], dict(keepdims=1), 1, 18),
    ("reducelogsumexp_axes_attr", "ReduceLogSumExp", [f(2, 3, 4) * 3], [], dict(axes=[-1], keepdims=1), 1, 17),
    ("reducelogsumexp_axes_attr_nokeep", "ReduceLogSumExp", [f(2, 3, 4) * 3], [], dict(axes=[0, 1], keepdims=0), 1, 17),
    ("reducelogsumexp_axes_input", "ReduceLogSumExp", [f(2, 3, 4) * 3], [i64([1])], dict(keepdims=0), 1, 18),
    ("reducelogsumexp_all", "ReduceLogSumExp", [f(2, 3, 4)], [], dict(keepdims=1), 1, 17),
    ("reducelogsum_axes_attr", "ReduceLogSum", [np.abs(f(2, 3, 4)) + 0.1], [], dict(axes=[1], keepdims=1), 1, 17),
    ("reducelogsum_axes_attr_nokeep", "ReduceLogSum", [np.abs(f(2, 3, 4)) + 0.1], [], dict(axes=[-1], keepdims=0), 1, 17),
    ("reducelogsum_axes_input", "ReduceLogSum", [np.abs(f(2, 3, 4)) + 0.1], [i64([0, 2])], dict(keepdims=0), 1, 18),
    ("reducemax_axes_input", "ReduceMax", [f(2, 3, 4)], [i64([1])], dict(keepdims=1), 1, 18),
    ("reducemin_axes_input", "ReduceMin", [f(2, 3, 4)], [i64([-1])], dict(keepdims=0), 1, 18),
    ("reducemean_axes_input", "ReduceMean", [f(2, 3, 4)], [i64([0, 2])], dict(keepdims=0), 1, 18),
    ("lpnorm_p2_axis1", "LpNormalization", [f(2, 3, 4)], [], dict(p=2, axis=1), 1, 17),
    ("lpnorm_p2_axis_last", "LpNormalization", [f(2, 3, 4)], [], dict(p=2, axis=-1), 1, 17),
    ("lpnorm_p1_axis1", "LpNormalization", [f(2, 3, 4)], [], dict(p=1, axis=1), 1, 17),
    ("lpnorm_p1_axis_last", "LpNormalization", [f(2, 3, 4)], [], dict(p=1, axis=-1), 1, 17),
    # ArgMax/ArgMin (int64 out): ties from rounding, first and last index.
    ("argmax_axis1_keep", "ArgMax", [f(2, 3, 4)], [], dict(axis=1, keepdims=1), 1, 17),
    ("argmax_axis_last_nokeep", "ArgMax", [f(2, 3, 4)], [], dict(axis=-1, keepdims=0), 1, 17),
    ("argmax_ties_first", "ArgMax", [np.round(f(4, 6))], [], dict(axis=1, keepdims=0), 1, 17),
    ("argmax_ties_last", "ArgMax", [np.round(f(4, 6))], [], dict(axis=1, keepdims=0, select_last_index=1), 1, 17),
    ("argmin_axis1_keep", "ArgMin", [f(2, 3, 4)], [], dict(axis=1, keepdims=1), 1, 17),
    ("argmin_axis_last_nokeep", "ArgMin", [f(2, 3, 4)], [], dict(axis=-1, keepdims=0), 1, 17),
    ("argmin_ties_last", "ArgMin", [np.round(f(4, 6))], [], dict(axis=-1, keepdims=1, select_last_index=1), 1, 17),
    ("einsum_bnd_kd", "Einsum", [f(2, 5, 4), f(6, 4)], [], dict(equation="bnd,kd->bnk"), 1, 17),
    ("einsum_bhwd_kd", "Einsum", [f(2, 3, 3, 4), f(6, 4)], [], dict(equation="bhwd,kd->bhwk"), 1, 17),
    ("einsum_ij_jk", "Einsum", [f(3, 4), f(4, 5)], [], dict(equation="ij,jk->ik"), 1, 17),
    ("einsum_bij_bji", "Einsum", [f(2, 3, 4)], [], dict(equation="bij->bji"), 1, 17),
    ("einsum_bi_bi", "Einsum", [f(3, 4), f(3, 4)], [], dict(equation="bi,bi->b"), 1, 17),
    ("einsum_ellipsis_kd", "Einsum", [f(2, 3, 4), f(5, 4)], [], dict(equation="...d,kd->...k"), 1, 17),
    ("einsum_nd_nd", "Einsum", [f(6, 4), f(6, 4)], [], dict(equation="nd,nd->n"), 1, 17),
    ("where_3d", "Where", [f(2, 3, 1), f(1, 3, 4)], [np.array([[[True, False, False, True]], [[False, True, True, False]]])], {}, 1, 17),
    ("gather_scalar_index", "Gather", [f(5, 3)], [np.array(3, np.int64)], dict(axis=0), 1, 17),
    ("gather_scalar_index_axis1", "Gather", [f(2, 4, 3)], [np.array(-1, np.int64)], dict(axis=1), 1, 17),
    ("gather_indices2d_axis1", "Gather", [f(2, 5, 3)], [i64([[0, 4, 2], [1, 1, 3]])], dict(axis=1), 1, 17),
    ("gather_codebook", "Gather", [f(8, 4)], [i64([[7, 0, 3, 3, 5], [1, 6, 2, 0, 4]])], dict(axis=0), 1, 17),
    ("round_ties", "Round", [np.array([[-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], [-3.5, 3.5, 0.49, -0.51, 4.5, -0.0]], np.float32)], [], {}, 1, 17),
    ("floor_exact", "Floor", [np.array([[-2.5, -2.0, -0.5, 0.0, 0.5, 2.0], [1.5, -1.0, 3.99, -3.01, 7.0, -0.0]], np.float32)], [], {}, 1, 17),
    ("ceil", "Ceil", [np.array([[-2.5, -2.0, -0.5, 0.0, 0.5, 2.0], [1.5, -1.0, 3.99, -3.01, 7.0, -0.0]], np.float32)], [], {}, 1, 17),
    ("ceil_random", "Ceil", [f(3, 4) * 3], [], {}, 1, 17),
    ("sign_zeros", "Sign", [np.array([[-2.0, 0.0, 3.5, -0.0], [0.0, 1e-3, -1e-3, 0.0]], np.float32)], [], {}, 1, 17),
    ("softmax_opset11_axis1", "Softmax", [f(2, 3, 4)], [], dict(axis=1), 1, 11),
    ("softmax_opset13_axis1", "Softmax", [f(2, 3, 4)], [], dict(axis=1), 1, 13),
    ("logsoftmax_opset13", "LogSoftmax", [f(2, 3, 4) * 3], [], dict(axis=-1), 1, 13),
    ("layernorm_no_bias", "LayerNormalization", [f(2, 3, 8), f(8)], [], dict(axis=-1, epsilon=1e-5), 1, 17),
    ("layernorm_axis1_4d", "LayerNormalization", [f(2, 3, 2, 4), f(3, 2, 4), f(3, 2, 4)], [], dict(axis=1, epsilon=1e-5), 1, 17),
    ("matmul_attention", "MatMul", [f(2, 4, 16, 8), f(2, 4, 8, 16)], [], {}, 1, 17),
    ("softmax_attention", "Softmax", [f(2, 4, 16, 16) * 2], [], dict(axis=-1), 1, 17),
    ("cumsum", "CumSum", [f(3, 4)], [np.array(1, np.int64)], {}, 1, 17),
    ("cumsum_exclusive_reverse", "CumSum", [f(2, 3, 4)], [np.array(-1, np.int64)], dict(exclusive=1, reverse=1), 1, 17),
    ("trilu_upper_k", "Trilu", [f(2, 4, 5)], [np.array(1, np.int64)], dict(upper=1), 1, 17),
    ("trilu_lower_k", "Trilu", [f(4, 5)], [np.array(-1, np.int64)], dict(upper=0), 1, 17),
    ("trilu_upper", "Trilu", [f(5, 4)], [], dict(upper=1), 1, 17),
    ("scatternd", "ScatterND", [f(4, 3), f(2, 3)], [i64([[2], [0]])], {}, 1, 17),
    ("scatternd_elements", "ScatterND", [f(2, 3, 4), f(3)], [i64([[0, 1, 2], [1, 2, 3], [1, 0, 0]])], {}, 1, 17),
    ("tile", "Tile", [f(2, 3)], [i64([2, 1])], {}, 1, 17),
    ("tile_3d", "Tile", [f(1, 2, 3)], [i64([2, 3, 2])], {}, 1, 17),
    ("not", "Not", [], [np.array([[True, False, True], [False, False, True]])], {}, 1, 17),
    ("and", "And", [], [np.array([[True, False, True, False]]), np.array([[True], [False], [True]])], {}, 1, 17),
    ("or", "Or", [], [np.array([[True, False, True, False]]), np.array([[True], [False], [False]])], {}, 1, 17),
    ("isnan", "IsNaN", [np.array([[1.0, np.nan, -np.inf], [np.nan, 0.0, np.inf]], np.float32)], [], {}, 1, 17),
    # noop_with_empty_axes=1 with empty axes: onnxruntime (and onnx's reference) reduce each element alone, not pass the
    # input through: ReduceL2 gives |x|, ReduceSumSquare x² (reducesumsquare_noop_empty_axes above).
    ("reducel2_noop_empty_axes", "ReduceL2", [f(2, 3, 4)], [i64([])], dict(keepdims=1, noop_with_empty_axes=1), 1, 18),
    ("less", "Less", [np.round(f(3, 4)), np.round(f(4))], [], {}, 1, 17),
    ("greater", "Greater", [np.round(f(3, 4)), np.round(f(4))], [], {}, 1, 17),
    ("lessorequal", "LessOrEqual", [np.round(f(3, 4)), np.round(f(4))], [], {}, 1, 17),
    ("greaterorequal", "GreaterOrEqual", [np.round(f(3, 4)), np.round(f(4))], [], {}, 1, 17),
    ("size", "Size", [f(2, 3, 4)], [], {}, 1, 17),
    ("constant", "Constant", [], [], dict(value=helper.make_tensor("v", TensorProto.FLOAT, [2, 2], [1.0, -2.0, 3.5, 0.25])), 1, 17),
    ("upsample_nearest", "Upsample", [f(1, 2, 3, 3)], [np.array([1, 1, 2, 3], np.float32)], dict(mode="nearest"), 1, 9),
    ("gatherelements_axis0", "GatherElements", [f(4, 3)], [i64([[0, 3, 1], [2, -1, 0]])], dict(axis=0), 1, 17),
    ("gatherelements_codes", "GatherElements", [f(1, 1, 8, 4)], [i64([[[[7, 7, 7, 7], [0, 0, 0, 0], [3, 3, 3, 3]]]])], dict(axis=-2), 1, 17),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="Tests/LatentNNTests/Fixtures/onnx-ops")
    out = ap.parse_args().out
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for name, op, fed, consts, attrs, n_out, opset in CASES:
        inputs, initializers, names = [], [], []
        for k, x in enumerate(fed):
            inputs.append(helper.make_tensor_value_info(f"in{k}", TensorProto.FLOAT, list(x.shape)))
            names.append(f"in{k}")
        for k, c in enumerate(consts):
            if c is None:
                names.append("")
                continue
            initializers.append(numpy_helper.from_array(c, f"c{k}"))
            names.append(f"c{k}")
        if op == "Where":  # the condition comes first
            names = names[-1:] + names[:-1]
        if op == "ScatterND":  # data and updates are fed, the indices between them an initializer
            names = [names[0], names[2], names[1]]
        outs = [f"out{k}" for k in range(n_out)]
        node = helper.make_node(op, names, outs, name=f"{op}_0", **attrs)
        out_type = {"Shape": TensorProto.INT64, "ArgMax": TensorProto.INT64, "ArgMin": TensorProto.INT64, "Equal": TensorProto.BOOL,
                    "Not": TensorProto.BOOL, "And": TensorProto.BOOL, "Or": TensorProto.BOOL, "IsNaN": TensorProto.BOOL,
                    "Less": TensorProto.BOOL, "Greater": TensorProto.BOOL, "LessOrEqual": TensorProto.BOOL,
                    "GreaterOrEqual": TensorProto.BOOL, "Size": TensorProto.INT64}.get(op, attrs.get("to", TensorProto.FLOAT) if op == "Cast" else TensorProto.FLOAT)
        graph = helper.make_graph([node], name, inputs, [helper.make_tensor_value_info(o, out_type, None) for o in outs], initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8 if opset < 21 else 10
        path = os.path.join(out, f"{name}.onnx")
        onnx.save(model, path)
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        results = sess.run(None, {f"in{k}": x for k, x in enumerate(fed)})
        for k, x in enumerate(fed):
            np.save(os.path.join(out, f"{name}-in{k}.npy"), x)
        for k, r in enumerate(results):
            np.save(os.path.join(out, f"{name}-out{k}.npy"), np.asarray(r).astype(np.float32))
    total = sum(os.path.getsize(os.path.join(out, x)) for x in os.listdir(out))
    print(f"{len(CASES)} op fixtures in {out}: {total / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
