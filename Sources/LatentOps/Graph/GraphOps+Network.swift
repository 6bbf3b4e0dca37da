import CKernels
import Foundation
import LatentCore

/// Layers: products (Gemm, MatMul, Conv, ConvTranspose: the same `Gemm`, `Convolution` and
/// `TransposedConvolution` the native layers run), normalisations, resizing, pooling, padding, softmax.
extension GraphOps {
    static let networkOps: [String: Compile] = [
        "Gemm": { node in
            var gemm = Gemm(transA: try int(node, "transA", 0) == 1, transB: try int(node, "transB", 0) == 1,
                            alpha: try float(node, "alpha", 1), beta: try float(node, "beta", 1))
            gemm.activation = node.fusedActivation
            return { [gemm] args in
                let a = try float(args, 0), b = try float(args, 1), c = args.count > 2 ? args[2]?.floats() : nil
                _ = try gemm.outputShape(a: a.shape, b: b.shape, c: c?.shape)
                return [.float(gemm.forward(a, b, c))]
            }
        },
        "MatMul": stateless { args in [.float(try matmul(try float(args, 0), try float(args, 1)))] },
        "Conv": { node in
            let window = try WindowAttributes(node)
            // A weight known at load: packed once for the path its window and channels will take.
            let prepared: PreparedConvolutionWeights? = try node.knownInputs[1].flatMap { value in
                let w = value.floats()
                guard w.rank == 4 else { return nil }
                // The input's size only settles auto_pad's padding, which no preparation depends on.
                let conv = try window.convolution(weight: w.shape, size: (1, 1))
                return PreparedConvolutionWeights(conv, weight: w)
            }
            return { args in
                let x = try float(args, 0), w = try float(args, 1), b = args.count > 2 ? args[2]?.floats() : nil
                guard x.rank == 4, w.rank == 4 else { throw GraphError("only 2-D convolutions are supported (input \(x.shape), weight \(w.shape))") }
                var conv = try window.convolution(weight: w.shape, size: (x.shape[2], x.shape[3]))
                conv.activation = node.fusedActivation
                _ = try conv.outputShape(input: x.shape, weight: w.shape, biasCount: b?.count)
                return [.float(conv.forward(x, weight: w, prepared: prepared, bias: b?.data))]
            }
        },
        "ConvTranspose": { node in
            let window = try WindowAttributes(node)
            guard node.attributes["output_shape"] == nil else { throw GraphError("the output_shape attribute is not supported") }
            let outPad = try ints(node, "output_padding") ?? [0, 0]
            guard outPad.count == 2 else { throw GraphError("output_padding: only 2-D is supported") }
            return { args in
                let x = try float(args, 0), w = try float(args, 1), b = args.count > 2 ? args[2]?.floats() : nil
                guard x.rank == 4, w.rank == 4 else { throw GraphError("only 2-D transposed convolutions are supported (input \(x.shape), weight \(w.shape))") }
                var conv = try window.transposedConvolution(weight: w.shape, size: (x.shape[2], x.shape[3]), outputPadding: (outPad[0], outPad[1]))
                conv.activation = node.fusedActivation
                _ = try conv.outputShape(input: x.shape, weight: w.shape, biasCount: b?.count)
                return [.float(conv.forward(x, weight: w, bias: b?.data))]
            }
        },
        "BatchNormalization": { node in
            let eps = try float(node, "epsilon", 1e-5)
            return { args in
                let x = try float(args, 0), scale = try float(args, 1), bias = try float(args, 2)
                let mean = try float(args, 3), variance = try float(args, 4)
                let c = x.shape.count > 1 ? x.shape[1] : 1
                guard [scale, bias, mean, variance].allSatisfy({ $0.count == c }) else { throw GraphError("parameters do not have \(c) channels") }
                let (a, b) = Normalization.batchNormAffine(weight: scale.data, bias: bias.data, mean: mean.data, variance: variance.data, eps: eps)
                return [.float(Normalization.channelAffine(x, scale: a, shift: b))]
            }
        },
        "InstanceNormalization": { node in
            let eps = try float(node, "epsilon", 1e-5)
            return { args in
                let x = try float(args, 0), scale = try float(args, 1), bias = try float(args, 2)
                guard x.rank >= 3, scale.count == x.shape[1], bias.count == x.shape[1] else { throw GraphError("scale and bias must have one value per channel") }
                return [.float(Normalization.groups(x, groups: x.shape[1], eps: eps, scale: scale.data, bias: bias.data,
                                                    activation: node.fusedActivation))]
            }
        },
        "GroupNormalization": { node in
            let groups = try int(node, "num_groups", 1), eps = try float(node, "epsilon", 1e-5)
            guard groups > 0 else { throw GraphError("num_groups \(groups)") }
            return { args in
                let x = try float(args, 0), scale = try float(args, 1), bias = try float(args, 2)
                guard x.rank >= 3, x.shape[1] % groups == 0 else { throw GraphError("\(x.shape[1]) channels do not split into \(groups) groups") }
                let c = x.shape[1], per = c / groups
                // Opset 18 gives scale and bias per group, opset 21 per channel.
                func perChannel(_ t: Tensor) throws -> [Float] {
                    if t.count == c { return t.data }
                    if t.count == groups { return (0..<c).map { t.data[$0 / per] } }
                    throw GraphError("scale/bias of \(t.count) values for \(c) channels in \(groups) groups")
                }
                return [.float(Normalization.groups(x, groups: groups, eps: eps, scale: try perChannel(scale), bias: try perChannel(bias),
                                                    activation: node.fusedActivation))]
            }
        },
        "LayerNormalization": { node in
            let axis0 = try int(node, "axis", -1), eps = try float(node, "epsilon", 1e-5)
            return { args in
                let x = try float(args, 0), scale = try float(args, 1)
                let a = try axis(axis0, rank: x.rank)
                let rows = x.shape[..<a].reduce(1, *), inner = Array(x.shape[a...]), width = inner.reduce(1, *)
                let bias = args.count > 2 ? args[2]?.floats() : nil
                _ = try broadcastTo(scale.shape, inner)
                let scaleIndex = broadcastIndex(scale.shape, to: inner), biasIndex = try bias.map { b in
                    _ = try broadcastTo(b.shape, inner)
                    return broadcastIndex(b.shape, to: inner)
                }
                return [.float(Normalization.layer(x, rows: rows, width: width, eps: eps, scale: scale.data, scaleIndex: scaleIndex,
                                                   bias: bias?.data, biasIndex: biasIndex))]
            }
        },
        "Resize": { node in
            let mode = try ResizeMode(node)
            return { args in
                let x = try float(args, 0)
                let scales = args.count > 2 ? args[2]?.floats().data : nil
                let sizes = try optionalInts(args, 3)
                return [.float(try resize(mode, x, scales: scales?.isEmpty == false ? scales : nil, sizes: sizes?.isEmpty == false ? sizes : nil))]
            }
        },
        "Upsample": { node in
            let mode = try ResizeMode(node)
            return { args in [.float(try resize(mode, try float(args, 0), scales: try float(args, 1).data, sizes: nil))] }
        },
        "MaxPool": { node in try pool(node, max: true) },
        "AveragePool": { node in try pool(node, max: false) },
        "GlobalAveragePool": stateless { args in
            let x = try float(args, 0)
            guard x.rank >= 3 else { throw GraphError("input of rank \(x.rank)") }
            let planes = x.shape[0] * x.shape[1], size = x.shape[2...].reduce(1, *)
            let out = (0..<planes).map { p in x.data[(p * size)..<((p + 1) * size)].reduce(0, +) / Float(Swift.max(size, 1)) }
            return [.float(Tensor(shape: Array(x.shape[..<2]) + [Int](repeating: 1, count: x.rank - 2), data: out))]
        },
        "Pad": { node in
            let padsAttribute = try ints(node, "pads"), valueAttribute = try float(node, "value", 0)
            let mode = try string(node, "mode", "constant")
            guard ["constant", "edge", "reflect"].contains(mode) else { throw GraphError("mode '\(mode)' is not supported") }
            return { args in
                let x = try input(args, 0)
                let rank = x.shape.count
                let pads = try optionalInts(args, 1) ?? padsAttribute ?? []
                let axes = try optionalInts(args, 3).map { try $0.map { try axis($0, rank: rank) } } ?? Array(0..<rank)
                guard pads.count == 2 * axes.count else { throw GraphError("\(pads.count) pads for \(axes.count) axes") }
                var full = [Int](repeating: 0, count: 2 * rank)
                for (k, a) in axes.enumerated() { full[a] = pads[k]; full[rank + a] = pads[axes.count + k] }
                let value = args.count > 2 ? args[2]?.floats().data.first ?? 0 : valueAttribute
                return [try pad(x, pads: full, mode: mode, value: value)]
            }
        },
        "Softmax": softmax(log: false),
        "LogSoftmax": softmax(log: true),
    ]

    /// Softmax (or its log) along an axis. Before opset 13 the input was flattened to 2-D at the axis
    /// and normalised over the whole trailing block; from 13 over the one axis.
    static func softmax(log: Bool) -> Compile {
        { node in
            let axis0 = try int(node, "axis", node.opset >= 13 ? -1 : 1), perAxis = node.opset >= 13
            return { args in
                let x = try float(args, 0)
                let a = try axis(axis0, rank: x.rank)
                let outer = x.shape[..<a].reduce(1, *)
                let (width, inner) = perAxis ? (x.shape[a], x.shape[(a + 1)...].reduce(1, *)) : (x.shape[a...].reduce(1, *), 1)
                var y = x
                y.data.withUnsafeMutableBufferPointer { buffer in
                    let p = buffer.baseAddress!
                    if inner == 1 {
                        // Contiguous rows (the last axis: attention's scores): vectorised exp and sum.
                        for o in 0..<outer {
                            let row = p + o * width
                            var m = -Float.infinity
                            for j in 0..<width { m = Swift.max(m, row[j]) }
                            for j in 0..<width { row[j] -= m }
                            if log {
                                let shift = logf(ck_sum_exp(row, width))
                                for j in 0..<width { row[j] -= shift }
                            } else {
                                ck_exp(row, width)
                                let s = 1 / ck_sum(row, width)
                                for j in 0..<width { row[j] *= s }
                            }
                        }
                        return
                    }
                    for o in 0..<outer {
                        for i in 0..<inner {
                            let base = o * width * inner + i
                            var m = -Float.infinity
                            for j in 0..<width { m = Swift.max(m, p[base + j * inner]) }
                            var s: Float = 0
                            for j in 0..<width { let e = expf(p[base + j * inner] - m); p[base + j * inner] = e; s += e }
                            if log {
                                let shift = m + logf(s)
                                for j in 0..<width { p[base + j * inner] = x.data[base + j * inner] - shift }
                            } else {
                                for j in 0..<width { p[base + j * inner] /= s }
                            }
                        }
                    }
                }
                return [.float(y)]
            }
        }
    }

    /// numpy's matmul: 1-D operands promoted, leading (batch) axes broadcast.
    static func matmul(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.rank >= 1, b.rank >= 1 else { throw GraphError("MatMul of scalars") }
        let a2 = a.rank == 1 ? a.reshaped([1, a.count]) : a, b2 = b.rank == 1 ? b.reshaped([b.count, 1]) : b
        let m = a2.shape[a2.rank - 2], k = a2.shape[a2.rank - 1], n = b2.shape[b2.rank - 1]
        guard b2.shape[b2.rank - 2] == k else { throw GraphError("MatMul of \(a.shape) and \(b.shape) does not fit") }
        let batchShape = try broadcast(Array(a2.shape.dropLast(2)), Array(b2.shape.dropLast(2)))
        let batches = batchShape.reduce(1, *)
        try checkedProduct(m * Swift.max(batches, 1), n, k)
        let ia = broadcastIndex(Array(a2.shape.dropLast(2)), to: batchShape), ib = broadcastIndex(Array(b2.shape.dropLast(2)), to: batchShape)
        var out = Tensor(zeros: batchShape + [m, n])
        out.data.withUnsafeMutableBufferPointer { o in
            a2.data.withUnsafeBufferPointer { pa in
                b2.data.withUnsafeBufferPointer { pb in
                    for i in 0..<Swift.max(batches, 1) {
                        sgemm(m: m, n: n, k: k, a: pa.baseAddress! + (ia.isEmpty ? 0 : ia[i]) * m * k, lda: k,
                              b: pb.baseAddress! + (ib.isEmpty ? 0 : ib[i]) * k * n, ldb: n, c: o.baseAddress! + i * m * n, ldc: n)
                    }
                }
            }
        }
        var shape = batchShape + [m, n]
        if a.rank == 1 { shape.remove(at: shape.count - 2) }
        if b.rank == 1 { shape.removeLast() }
        return out.reshaped(shape)
    }

    // MARK: Convolutions and pooling windows

    /// The window attributes of Conv, ConvTranspose and the pools, read at load; `auto_pad` is resolved
    /// for each input size.
    struct WindowAttributes: Sendable {
        var kernel: [Int]?
        var stride: (Int, Int), dilation: (Int, Int), group: Int
        var pads: (top: Int, left: Int, bottom: Int, right: Int)
        var autoPad: String

        struct Resolved {
            var kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int)
            var pads: (top: Int, left: Int, bottom: Int, right: Int)
        }

        init(_ node: GraphNode) throws {
            func pair(_ name: String, _ fallback: Int) throws -> (Int, Int) {
                guard let v = try ints(node, name) else { return (fallback, fallback) }
                guard v.count == 2 else { throw GraphError("'\(name)' has \(v.count) values; only 2-D is supported") }
                return (v[0], v[1])
            }
            kernel = try ints(node, "kernel_shape")
            if let kernel, kernel.count != 2 || kernel.contains(where: { $0 <= 0 }) { throw GraphError("kernel_shape \(kernel): only 2-D, positive kernels are supported") }
            stride = try pair("strides", 1)
            dilation = try pair("dilations", 1)
            guard stride.0 > 0, stride.1 > 0, dilation.0 > 0, dilation.1 > 0 else { throw GraphError("strides and dilations must be positive") }
            pads = (0, 0, 0, 0)
            if let p = try ints(node, "pads") {
                guard p.count == 4, p.allSatisfy({ $0 >= 0 }) else { throw GraphError("pads \(p): only 2-D, non-negative pads are supported") }
                pads = (p[0], p[1], p[2], p[3])
            }
            autoPad = try string(node, "auto_pad", "NOTSET")
            guard ["NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"].contains(autoPad) else { throw GraphError("auto_pad '\(autoPad)' is not supported") }
            group = try int(node, "group", 1)
            guard group > 0 else { throw GraphError("group \(group)") }
        }

        /// The window for a kernel and an input of `size`, `auto_pad` resolved.
        func resolved(kernel k: (Int, Int), size: (Int, Int), transposed: Bool = false) throws -> Resolved {
            guard k.0 > 0, k.1 > 0 else { throw GraphError("the kernel must be positive") }
            if let kernel, kernel != [k.0, k.1] { throw GraphError("weight kernel \([k.0, k.1]) does not match kernel_shape \(kernel)") }
            var p = pads
            if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
                func split(_ size: Int, _ k: Int, _ s: Int, _ d: Int) -> (Int, Int) {
                    let total = transposed ? Swift.max(0, (k - 1) * d + 1 - s) : Swift.max(0, ((size + s - 1) / s - 1) * s + (k - 1) * d + 1 - size)
                    return autoPad == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2)
                }
                let h = split(size.0, k.0, stride.0, dilation.0), w = split(size.1, k.1, stride.1, dilation.1)
                p = (h.0, w.0, h.1, w.1)
            }
            return Resolved(kernel: k, stride: stride, dilation: dilation, pads: p)
        }

        func convolution(weight: [Int], size: (Int, Int)) throws -> Convolution {
            let r = try resolved(kernel: (weight[2], weight[3]), size: size)
            return Convolution(kernel: r.kernel, stride: r.stride, dilation: r.dilation, pads: r.pads, groups: group)
        }

        func transposedConvolution(weight: [Int], size: (Int, Int), outputPadding: (Int, Int)) throws -> TransposedConvolution {
            let r = try resolved(kernel: (weight[2], weight[3]), size: size, transposed: true)
            return TransposedConvolution(kernel: r.kernel, stride: r.stride, dilation: r.dilation, pads: r.pads,
                                         outputPadding: outputPadding, groups: group)
        }
    }

    // MARK: Resize, pooling, padding

    /// Resize's attributes, read and checked at load.
    struct ResizeMode: Sendable {
        var mode: String, ctm: String, nearestMode: String

        init(_ node: GraphNode) throws {
            mode = try string(node, "mode", "nearest")
            guard mode == "nearest" || mode == "linear" || mode == "bilinear" else { throw GraphError("mode '\(mode)' is not supported") }
            ctm = try string(node, "coordinate_transformation_mode", node.op == "Upsample" ? "asymmetric" : "half_pixel")
            guard ["half_pixel", "pytorch_half_pixel", "asymmetric", "align_corners"].contains(ctm) else {
                throw GraphError("coordinate_transformation_mode '\(ctm)' is not supported")
            }
            // Upsample (opset 7–9) had no such attribute: its nearest neighbour is the floor of x / scale.
            nearestMode = node.op == "Upsample" ? "floor" : try string(node, "nearest_mode", "round_prefer_floor")
            guard ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"].contains(nearestMode) else {
                throw GraphError("nearest_mode '\(nearestMode)' is not supported")
            }
        }
    }

    static func resize(_ attributes: ResizeMode, _ x: Tensor, scales: [Float]?, sizes: [Int]?) throws -> Tensor {
        guard x.rank == 4 else { throw GraphError("only 4-D (N, C, H, W) resizing is supported, got \(x.shape)") }
        let (mode, ctm, nearestMode) = (attributes.mode, attributes.ctm, attributes.nearestMode)
        var outShape = x.shape
        var scale: [Float] = [1, 1, 1, 1]
        if let sizes {
            guard sizes.count == 4, sizes[0] == x.shape[0], sizes[1] == x.shape[1], sizes[2] > 0, sizes[3] > 0 else { throw GraphError("sizes \(sizes) for input \(x.shape)") }
            outShape = sizes
            scale = (0..<4).map { Float(sizes[$0]) / Float(x.shape[$0]) }
        } else if let scales {
            guard scales.count == 4, scales[0] == 1, scales[1] == 1, scales[2] > 0, scales[3] > 0, scales.allSatisfy({ $0.isFinite }) else {
                throw GraphError("scales \(scales): only H and W may be scaled")
            }
            scale = scales
            outShape = [x.shape[0], x.shape[1], Int(floorf(Float(x.shape[2]) * scales[2])), Int(floorf(Float(x.shape[3]) * scales[3]))]
        } else {
            throw GraphError("neither scales nor sizes")
        }
        _ = try checkedCount(outShape)
        let (h, w, oh, ow) = (x.shape[2], x.shape[3], outShape[2], outShape[3])
        func source(_ o: Int, _ s: Float, _ inSize: Int, _ outSize: Int) throws -> Float {
            switch ctm {
            case "half_pixel": return (Float(o) + 0.5) / s - 0.5
            case "pytorch_half_pixel": return outSize > 1 ? (Float(o) + 0.5) / s - 0.5 : 0
            case "asymmetric": return Float(o) / s
            case "align_corners": return outSize > 1 ? Float(o) * Float(inSize - 1) / Float(outSize - 1) : 0
            default: throw GraphError("coordinate_transformation_mode '\(ctm)' is not supported")
            }
        }
        var y = Tensor.uninitialized(shape: outShape)
        let planes = x.shape[0] * x.shape[1]
        if mode == "nearest" {
            func pick(_ f: Float, _ size: Int) throws -> Int {
                let i: Int
                switch nearestMode {
                case "round_prefer_floor": i = f == floorf(f) + 0.5 ? Int(floorf(f)) : Int(f.rounded())
                case "round_prefer_ceil": i = Int(f.rounded(.toNearestOrAwayFromZero))
                case "floor": i = Int(floorf(f))
                case "ceil": i = Int(ceilf(f))
                default: throw GraphError("nearest_mode '\(nearestMode)' is not supported")
                }
                return Swift.min(Swift.max(i, 0), size - 1)
            }
            let rows = try (0..<oh).map { try pick(try source($0, scale[2], h, oh), h) }
            let cols = try (0..<ow).map { try pick(try source($0, scale[3], w, ow), w) }
            x.data.withUnsafeBufferPointer { src in
                y.data.withUnsafeMutableBufferPointer { dst in
                    for p in 0..<planes {
                        for r in 0..<oh {
                            let o = (p * oh + r) * ow
                            if r > 0 && rows[r] == rows[r - 1] {
                                // A repeated source row (upsampling): copy the row just written.
                                dst.baseAddress!.advanced(by: o).update(from: dst.baseAddress!.advanced(by: o - ow), count: ow)
                                continue
                            }
                            let i = (p * h + rows[r]) * w
                            for c in 0..<ow { dst[o + c] = src[i + cols[c]] }
                        }
                    }
                }
            }
        } else {
            func weights(_ o: Int, _ s: Float, _ size: Int, _ outSize: Int) throws -> (Int, Int, Float) {
                let f = Swift.min(Swift.max(try source(o, s, size, outSize), 0), Float(size - 1))
                let i0 = Int(floorf(f)), i1 = Swift.min(i0 + 1, size - 1)
                return (i0, i1, f - Float(i0))
            }
            let rows = try (0..<oh).map { try weights($0, scale[2], h, oh) }, cols = try (0..<ow).map { try weights($0, scale[3], w, ow) }
            for p in 0..<planes {
                for (r, (r0, r1, fr)) in rows.enumerated() {
                    for (c, (c0, c1, fc)) in cols.enumerated() {
                        let top = x.data[(p * h + r0) * w + c0] * (1 - fc) + x.data[(p * h + r0) * w + c1] * fc
                        let bottom = x.data[(p * h + r1) * w + c0] * (1 - fc) + x.data[(p * h + r1) * w + c1] * fc
                        y.data[(p * oh + r) * ow + c] = top * (1 - fr) + bottom * fr
                    }
                }
            }
        }
        return y
    }

    static func pool(_ node: GraphNode, max isMax: Bool) throws -> Kernel {
        guard let k = try ints(node, "kernel_shape"), k.count == 2 else { throw GraphError("kernel_shape must have 2 values") }
        let window = try WindowAttributes(node)
        let ceil = try int(node, "ceil_mode", 0) == 1
        let countPad = try int(node, "count_include_pad", 0) == 1
        return { args in
            let x = try float(args, 0)
            guard x.rank == 4 else { throw GraphError("only 2-D pooling is supported, got \(x.shape)") }
            return [.float(try pool(x, window.resolved(kernel: (k[0], k[1]), size: (x.shape[2], x.shape[3])), ceil: ceil, countPad: countPad, max: isMax))]
        }
    }

    static func pool(_ x: Tensor, _ a: WindowAttributes.Resolved, ceil: Bool, countPad: Bool, max isMax: Bool) throws -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        func out(_ size: Int, _ k: Int, _ s: Int, _ d: Int, _ p: Int) -> Int {
            let span = size + p - ((k - 1) * d + 1)
            return (ceil ? (span + s - 1) / s : span / s) + 1
        }
        let oh = out(h, a.kernel.0, a.stride.0, a.dilation.0, a.pads.top + a.pads.bottom)
        let ow = out(w, a.kernel.1, a.stride.1, a.dilation.1, a.pads.left + a.pads.right)
        guard oh > 0, ow > 0 else { throw GraphError("the window does not fit the input \(x.shape)") }
        var y = Tensor.uninitialized(shape: [n, c, oh, ow])
        _ = try checkedCount(y.shape)
        for p in 0..<(n * c) {
            for r in 0..<oh {
                for col in 0..<ow {
                    var acc: Float = isMax ? -.infinity : 0, count = 0
                    for ki in 0..<a.kernel.0 {
                        for kj in 0..<a.kernel.1 {
                            let ih = r * a.stride.0 - a.pads.top + ki * a.dilation.0, iw = col * a.stride.1 - a.pads.left + kj * a.dilation.1
                            let inside = ih >= 0 && ih < h && iw >= 0 && iw < w
                            if inside {
                                let v = x.data[(p * h + ih) * w + iw]
                                acc = isMax ? Swift.max(acc, v) : acc + v
                                count += 1
                            } else if countPad && ih < h + a.pads.bottom && iw < w + a.pads.right {
                                count += 1
                            }
                        }
                    }
                    y.data[(p * oh + r) * ow + col] = isMax ? acc : acc / Float(Swift.max(count, 1))
                }
            }
        }
        return y
    }

    static func pad(_ x: GraphValue, pads: [Int], mode: String, value: Float) throws -> GraphValue {
        let shape = x.shape, rank = shape.count
        guard pads.count == 2 * rank else { throw GraphError("\(pads.count) pads for rank \(rank)") }
        let outShape = try (0..<rank).map { d -> Int in
            let e = shape[d] + pads[d] + pads[rank + d]
            guard e >= 0 else { throw GraphError("negative extent after padding") }
            return e
        }
        let n = try checkedCount(outShape)
        guard ["constant", "edge", "reflect"].contains(mode) else { throw GraphError("mode '\(mode)' is not supported") }
        if mode == "reflect", zip(shape, (0..<rank)).contains(where: { s, d in (pads[d] > 0 || pads[rank + d] > 0) && (pads[d] >= s || pads[rank + d] >= s) }) {
            throw GraphError("reflect padding as wide as the input")
        }
        let inStrides = strides(shape), outStrides = strides(outShape)
        // Source index per output element, or -1 for the constant.
        let map = (0..<n).map { i -> Int in
            var rest = i, j = 0
            for d in 0..<rank {
                let q = rest / outStrides[d]
                rest -= q * outStrides[d]
                var s = q - pads[d]
                if s < 0 || s >= shape[d] {
                    switch mode {
                    case "edge": s = Swift.min(Swift.max(s, 0), shape[d] - 1)
                    case "reflect": s = s < 0 ? -s : 2 * (shape[d] - 1) - s
                    default: return -1
                    }
                }
                j += s * inStrides[d]
            }
            return j
        }
        switch x {
        case .float(let t): return .float(Tensor(shape: outShape, data: map.map { $0 < 0 ? value : t.data[$0] }))
        case .int(let v, _): return .int(map.map { $0 < 0 ? Int(value) : v[$0] }, shape: outShape)
        }
    }
}
