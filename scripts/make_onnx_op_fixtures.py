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
        outs = [f"out{k}" for k in range(n_out)]
        node = helper.make_node(op, names, outs, name=f"{op}_0", **attrs)
        out_type = {"Shape": TensorProto.INT64, "Equal": TensorProto.BOOL}.get(op, attrs.get("to", TensorProto.FLOAT) if op == "Cast" else TensorProto.FLOAT)
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
