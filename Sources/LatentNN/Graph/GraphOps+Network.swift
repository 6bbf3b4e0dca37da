import Foundation
import LatentCore

/// Layers: products (Gemm, MatMul, Conv, ConvTranspose on the GEMM and im2col/col2im the native layers
/// use), normalisations, resizing, pooling, padding, reductions, softmax.
extension GraphOps {
    static let networkOps: [String: Kernel] = [
        "Gemm": { node, args in
            let a = try float(args, 0), b = try float(args, 1)
            guard a.rank == 2, b.rank == 2 else { throw GraphError("Gemm takes matrices, got \(a.shape) and \(b.shape)") }
            let ta = try int(node, "transA", 0) == 1, tb = try int(node, "transB", 0) == 1
            let alpha = try float(node, "alpha", 1), beta = try float(node, "beta", 1)
            let (m, k) = ta ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
            let (k2, n) = tb ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
            guard k == k2 else { throw GraphError("Gemm of \(a.shape) and \(b.shape) (transA \(ta), transB \(tb)) does not fit") }
            var out = Tensor(zeros: [m, n])
            if args.count > 2, let c = args[2] {
                let ct = c.floats()
                _ = try broadcast(ct.shape, [m, n])
                if ct.count == n && (ct.rank == 1 || ct.shape[0] == 1) {
                    // The usual bias: one row, repeated.
                    let row = beta == 1 ? ct.data : ct.data.map { beta * $0 }
                    out.data.withUnsafeMutableBufferPointer { o in for r in 0..<m { (o.baseAddress! + r * n).update(from: row, count: n) } }
                } else {
                    out.data = broadcastIndex(ct.shape, to: [m, n]).map { beta * ct.data[$0] }
                }
            }
            try checkedProduct(m, n, k)
            out.data.withUnsafeMutableBufferPointer { o in
                sgemm(transA: ta ? .transposed : .none, transB: tb ? .transposed : .none, m: m, n: n, k: k, alpha: alpha,
                      a: a.data, lda: a.shape[1], b: b.data, ldb: b.shape[1], beta: 1, c: o.baseAddress!, ldc: n)
            }
            return [.float(out)]
        },
        "MatMul": { _, args in [.float(try matmul(try float(args, 0), try float(args, 1)))] },
        "Conv": { node, args in [.float(try conv(node, try float(args, 0), try float(args, 1), args.count > 2 ? args[2]?.floats() : nil))] },
        "ConvTranspose": { node, args in
            [.float(try convTranspose(node, try float(args, 0), try float(args, 1), args.count > 2 ? args[2]?.floats() : nil))]
        },
        "BatchNormalization": { node, args in
            let x = try float(args, 0), scale = try float(args, 1), bias = try float(args, 2)
            let mean = try float(args, 3), variance = try float(args, 4)
            let eps = try float(node, "epsilon", 1e-5)
            let c = x.shape.count > 1 ? x.shape[1] : 1
            guard [scale, bias, mean, variance].allSatisfy({ $0.count == c }) else { throw GraphError("parameters do not have \(c) channels") }
            let a = (0..<c).map { scale.data[$0] / (variance.data[$0] + eps).squareRoot() }
            let b = (0..<c).map { bias.data[$0] - mean.data[$0] * a[$0] }
            return [.float(channelAffine(x, a, b))]
        },
        "InstanceNormalization": { node, args in
            let x = try float(args, 0), scale = try float(args, 1), bias = try float(args, 2)
            guard x.rank >= 3, scale.count == x.shape[1], bias.count == x.shape[1] else { throw GraphError("scale and bias must have one value per channel") }
            return [.float(normalizeGroups(x, groups: x.shape[1], eps: try float(node, "epsilon", 1e-5), scale: scale.data, bias: bias.data))]
        },
        "GroupNormalization": { node, args in
            let x = try float(args, 0), scale = try float(args, 1), bias = try float(args, 2)
            let groups = try int(node, "num_groups", 1)
            guard x.rank >= 3, groups > 0, x.shape[1] % groups == 0 else { throw GraphError("\(x.shape[1]) channels do not split into \(groups) groups") }
            let c = x.shape[1], per = c / groups
            // Opset 18 gives scale and bias per group, opset 21 per channel.
            func perChannel(_ t: Tensor) throws -> [Float] {
                if t.count == c { return t.data }
                if t.count == groups { return (0..<c).map { t.data[$0 / per] } }
                throw GraphError("scale/bias of \(t.count) values for \(c) channels in \(groups) groups")
            }
            return [.float(normalizeGroups(x, groups: groups, eps: try float(node, "epsilon", 1e-5), scale: try perChannel(scale), bias: try perChannel(bias)))]
        },
        "LayerNormalization": { node, args in
            let x = try float(args, 0), scale = try float(args, 1)
            let a = try axis(try int(node, "axis", -1), rank: x.rank)
            let eps = try float(node, "epsilon", 1e-5)
            let rows = x.shape[..<a].reduce(1, *), width = x.shape[a...].reduce(1, *)
            let bias = args.count > 2 ? args[2]?.floats() : nil
            let si = broadcastIndex(scale.shape, to: Array(x.shape[a...]))
            let bi = bias.map { broadcastIndex($0.shape, to: Array(x.shape[a...])) }
            var y = x
            for r in 0..<rows {
                let base = r * width
                var mean: Float = 0
                for j in 0..<width { mean += x.data[base + j] }
                mean /= Float(width)
                var v: Float = 0
                for j in 0..<width { let d = x.data[base + j] - mean; v += d * d }
                let inv = 1 / (v / Float(width) + eps).squareRoot()
                for j in 0..<width {
                    y.data[base + j] = (x.data[base + j] - mean) * inv * scale.data[si[j]] + (bias.map { $0.data[bi![j]] } ?? 0)
                }
            }
            return [.float(y)]
        },
        "Resize": { node, args in
            let x = try float(args, 0)
            let scales = args.count > 2 ? args[2]?.floats().data : nil
            let sizes = try optionalInts(args, 3)
            return [.float(try resize(node, x, scales: scales?.isEmpty == false ? scales : nil, sizes: sizes?.isEmpty == false ? sizes : nil))]
        },
        "Upsample": { node, args in
            [.float(try resize(node, try float(args, 0), scales: try float(args, 1).data, sizes: nil))]
        },
        "MaxPool": { node, args in [.float(try pool(node, try float(args, 0), max: true))] },
        "AveragePool": { node, args in [.float(try pool(node, try float(args, 0), max: false))] },
        "GlobalAveragePool": { _, args in
            let x = try float(args, 0)
            guard x.rank >= 3 else { throw GraphError("input of rank \(x.rank)") }
            let planes = x.shape[0] * x.shape[1], size = x.shape[2...].reduce(1, *)
            let out = (0..<planes).map { p in x.data[(p * size)..<((p + 1) * size)].reduce(0, +) / Float(Swift.max(size, 1)) }
            return [.float(Tensor(shape: Array(x.shape[..<2]) + [Int](repeating: 1, count: x.rank - 2), data: out))]
        },
        "Pad": { node, args in
            let x = try input(args, 0)
            let rank = x.shape.count
            var pads = try optionalInts(args, 1) ?? ints(node, "pads") ?? []
            let axes = try optionalInts(args, 3).map { try $0.map { try axis($0, rank: rank) } } ?? Array(0..<rank)
            guard pads.count == 2 * axes.count else { throw GraphError("\(pads.count) pads for \(axes.count) axes") }
            var full = [Int](repeating: 0, count: 2 * rank)
            for (k, a) in axes.enumerated() { full[a] = pads[k]; full[rank + a] = pads[axes.count + k] }
            pads = full
            let value = args.count > 2 ? args[2]?.floats().data.first ?? 0 : try float(node, "value", 0)
            return [try pad(x, pads: pads, mode: try string(node, "mode", "constant"), value: value)]
        },
        "ReduceMean": { node, args in [.float(try reduce(node, args, .mean))] },
        "ReduceSum": { node, args in [.float(try reduce(node, args, .sum))] },
        "ReduceMax": { node, args in [.float(try reduce(node, args, .max))] },
        "ReduceMin": { node, args in [.float(try reduce(node, args, .min))] },
        "Softmax": { node, args in
            let x = try float(args, 0)
            let a = try axis(try int(node, "axis", -1), rank: x.rank)
            let rows = x.shape[..<a].reduce(1, *), width = x.shape[a...].reduce(1, *)
            var y = x
            for r in 0..<rows {
                let row = x.data[(r * width)..<((r + 1) * width)]
                let m = row.max() ?? 0
                let e = row.map { expf($0 - m) }
                let s = e.reduce(0, +)
                for j in 0..<width { y.data[r * width + j] = e[j] / s }
            }
            return [.float(y)]
        },
    ]

    /// Refuses products whose work would be absurd for a model file (a lying weight shape).
    static func checkedProduct(_ m: Int, _ n: Int, _ k: Int) throws {
        let (mn, o1) = m.multipliedReportingOverflow(by: n)
        let (mnk, o2) = mn.multipliedReportingOverflow(by: Swift.max(k, 1))
        guard !o1, !o2, mnk <= 1 << 40 else { throw GraphError("a product of \(m)×\(k) by \(k)×\(n) is too large") }
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

    /// y = a[c]·x + b[c] per channel (axis 1).
    static func channelAffine(_ x: Tensor, _ a: [Float], _ b: [Float]) -> Tensor {
        var y = x
        let c = a.count, plane = x.rank > 2 ? x.shape[2...].reduce(1, *) : 1
        let n = x.count / Swift.max(c * plane, 1)
        y.data.withUnsafeMutableBufferPointer { p in
            for i in 0..<n {
                for ch in 0..<c {
                    let base = (i * c + ch) * plane
                    for j in 0..<plane { p[base + j] = p[base + j] * a[ch] + b[ch] }
                }
            }
        }
        return y
    }

    /// Normalises each (image, group of channels) to zero mean and unit variance (biased), then the
    /// per-channel scale and bias: InstanceNormalization is groups = channels.
    static func normalizeGroups(_ x: Tensor, groups: Int, eps: Float, scale: [Float], bias: [Float]) -> Tensor {
        let n = x.shape[0], c = x.shape[1], plane = x.shape[2...].reduce(1, *), per = c / groups
        var y = x
        y.data.withUnsafeMutableBufferPointer { p in
            for i in 0..<n {
                for g in 0..<groups {
                    let base = (i * c + g * per) * plane, size = per * plane
                    var mean: Double = 0
                    for j in 0..<size { mean += Double(p[base + j]) }
                    mean /= Double(Swift.max(size, 1))
                    var v: Double = 0
                    for j in 0..<size { let d = Double(p[base + j]) - mean; v += d * d }
                    let inv = Float(1 / (v / Double(Swift.max(size, 1)) + Double(eps)).squareRoot())
                    for ch in 0..<per {
                        let s = scale[g * per + ch] * inv, b = bias[g * per + ch] - Float(mean) * s
                        let cb = base + ch * plane
                        for j in 0..<plane { p[cb + j] = p[cb + j] * s + b }
                    }
                }
            }
        }
        return y
    }

    // MARK: Convolutions

    struct ConvAttributes {
        var kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int), group: Int
        var pads: (top: Int, left: Int, bottom: Int, right: Int)
    }

    /// Attributes of a 2-D Conv/ConvTranspose/pool; `auto_pad` resolved for an input of `size`.
    static func convAttributes(_ node: GraphNode, kernel: (Int, Int), size: (Int, Int), transposed: Bool = false) throws -> ConvAttributes {
        func pair(_ name: String, _ fallback: Int) throws -> (Int, Int) {
            guard let v = try ints(node, name) else { return (fallback, fallback) }
            guard v.count == 2 else { throw GraphError("'\(name)' has \(v.count) values; only 2-D is supported") }
            return (v[0], v[1])
        }
        let stride = try pair("strides", 1), dilation = try pair("dilations", 1)
        guard stride.0 > 0, stride.1 > 0, dilation.0 > 0, dilation.1 > 0, kernel.0 > 0, kernel.1 > 0 else {
            throw GraphError("kernel, strides and dilations must be positive")
        }
        var pads = (top: 0, left: 0, bottom: 0, right: 0)
        if let p = try ints(node, "pads") {
            guard p.count == 4, p.allSatisfy({ $0 >= 0 }) else { throw GraphError("pads \(p): only 2-D, non-negative pads are supported") }
            pads = (p[0], p[1], p[2], p[3])
        }
        let autoPad = try string(node, "auto_pad", "NOTSET")
        if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
            func split(_ size: Int, _ k: Int, _ s: Int, _ d: Int) -> (Int, Int) {
                let total = transposed ? Swift.max(0, (k - 1) * d + 1 - s) : Swift.max(0, ((size + s - 1) / s - 1) * s + (k - 1) * d + 1 - size)
                return autoPad == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2)
            }
            let h = split(size.0, kernel.0, stride.0, dilation.0), w = split(size.1, kernel.1, stride.1, dilation.1)
            pads = (h.0, w.0, h.1, w.1)
        } else if autoPad != "NOTSET" && autoPad != "VALID" {
            throw GraphError("auto_pad '\(autoPad)' is not supported")
        }
        return ConvAttributes(kernel: kernel, stride: stride, dilation: dilation, group: try int(node, "group", 1), pads: pads)
    }

    /// Conv: x (N, C, H, W), w (OC, C/g, kh, kw), b (OC) → (N, OC, OH, OW), as im2col + one GEMM per group.
    static func conv(_ node: GraphNode, _ x: Tensor, _ w: Tensor, _ b: Tensor?) throws -> Tensor {
        guard x.rank == 4, w.rank == 4 else { throw GraphError("only 2-D convolutions are supported (input \(x.shape), weight \(w.shape))") }
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let a = try convAttributes(node, kernel: (w.shape[2], w.shape[3]), size: (h, wd))
        let g = a.group, oc = w.shape[0]
        guard g > 0, c % g == 0, oc % g == 0, w.shape[1] == c / g else {
            throw GraphError("weight \(w.shape) does not fit input \(x.shape) with \(g) group(s)")
        }
        if let b, b.count != oc { throw GraphError("bias of \(b.count) for \(oc) channels") }
        let oh = ConvGeometry.convOutput(h, kernel: a.kernel.0, stride: a.stride.0, pads: a.pads.top + a.pads.bottom, dilation: a.dilation.0)
        let ow = ConvGeometry.convOutput(wd, kernel: a.kernel.1, stride: a.stride.1, pads: a.pads.left + a.pads.right, dilation: a.dilation.1)
        guard oh > 0, ow > 0 else { throw GraphError("the window does not fit the input \(x.shape)") }
        let cg = c / g, ocg = oc / g
        let geometry = ConvGeometry(channels: cg, height: h, width: wd, kernel: a.kernel, stride: a.stride,
                                    padTopLeft: (a.pads.top, a.pads.left), dilation: a.dilation, outHeight: oh, outWidth: ow,
                                    imageStride: c * h * wd)
        let columns = n * geometry.positions
        _ = try checkedCount([geometry.patchSize, columns])
        _ = try checkedCount([n, oc, oh, ow])
        try checkedProduct(ocg, columns, geometry.patchSize)
        var y = Tensor.uninitialized(shape: [n, oc, oh, ow])
        var cols = uninitializedFloats(geometry.patchSize * columns)
        var yPrime = uninitializedFloats(ocg * columns)
        for gi in 0..<g {
            cols.withUnsafeMutableBufferPointer { cp in
                x.data.withUnsafeBufferPointer { geometry.im2col($0.baseAddress! + gi * cg * h * wd, batch: n, into: cp.baseAddress!) }
            }
            yPrime.withUnsafeMutableBufferPointer { yp in
                for o in 0..<ocg { (yp.baseAddress! + o * columns).update(repeating: b?.data[gi * ocg + o] ?? 0, count: columns) }
                w.data.withUnsafeBufferPointer { wp in
                    sgemm(m: ocg, n: columns, k: geometry.patchSize, a: wp.baseAddress! + gi * ocg * geometry.patchSize, lda: geometry.patchSize,
                          b: cols, ldb: columns, beta: 1, c: yp.baseAddress!, ldc: columns)
                }
            }
            y.data.withUnsafeMutableBufferPointer { out in
                let p = geometry.positions
                for bi in 0..<n {
                    for o in 0..<ocg {
                        (out.baseAddress! + (bi * oc + gi * ocg + o) * p).update(from: yPrime.withUnsafeBufferPointer { $0.baseAddress! } + o * columns + bi * p, count: p)
                    }
                }
            }
        }
        return y
    }

    /// ConvTranspose: x (N, IC, H, W), w (IC, OC/g, kh, kw) → (N, OC, OH, OW), one GEMM then col2im per group
    /// (the adjoint of Conv's im2col, as the native layer computes it).
    static func convTranspose(_ node: GraphNode, _ x: Tensor, _ w: Tensor, _ b: Tensor?) throws -> Tensor {
        guard x.rank == 4, w.rank == 4 else { throw GraphError("only 2-D transposed convolutions are supported (input \(x.shape), weight \(w.shape))") }
        guard node.attributes["output_shape"] == nil else { throw GraphError("the output_shape attribute is not supported") }
        let (n, ic, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let a = try convAttributes(node, kernel: (w.shape[2], w.shape[3]), size: (h, wd), transposed: true)
        let g = a.group
        guard g > 0, ic % g == 0, w.shape[0] == ic else { throw GraphError("weight \(w.shape) does not fit input \(x.shape) with \(g) group(s)") }
        let icg = ic / g, ocg = w.shape[1], oc = ocg * g
        if let b, b.count != oc { throw GraphError("bias of \(b.count) for \(oc) channels") }
        let outPad = try ints(node, "output_padding") ?? [0, 0]
        guard outPad.count == 2 else { throw GraphError("output_padding: only 2-D is supported") }
        let oh = a.stride.0 * (h - 1) + outPad[0] + (a.kernel.0 - 1) * a.dilation.0 + 1 - a.pads.top - a.pads.bottom
        let ow = a.stride.1 * (wd - 1) + outPad[1] + (a.kernel.1 - 1) * a.dilation.1 + 1 - a.pads.left - a.pads.right
        guard oh > 0, ow > 0 else { throw GraphError("the output would be empty") }
        _ = try checkedCount([n, oc, oh, ow])
        // The forward convolution this is the adjoint of maps (OCg, OH, OW) to (H, W).
        let geometry = ConvGeometry(channels: ocg, height: oh, width: ow, kernel: a.kernel, stride: a.stride,
                                    padTopLeft: (a.pads.top, a.pads.left), dilation: a.dilation, outHeight: h, outWidth: wd,
                                    imageStride: oc * oh * ow)
        let columns = n * geometry.positions
        _ = try checkedCount([geometry.patchSize, columns])
        try checkedProduct(geometry.patchSize, columns, icg)
        var y = Tensor.uninitialized(shape: [n, oc, oh, ow])
        y.data.withUnsafeMutableBufferPointer { yp in
            let plane = oh * ow
            for bi in 0..<n { for o in 0..<oc { (yp.baseAddress! + (bi * oc + o) * plane).update(repeating: b?.data[o] ?? 0, count: plane) } }
        }
        var xPrime = uninitializedFloats(icg * columns)
        var cols = uninitializedFloats(geometry.patchSize * columns)
        for gi in 0..<g {
            xPrime.withUnsafeMutableBufferPointer { p in
                for bi in 0..<n {
                    for c in 0..<icg {
                        x.data.withUnsafeBufferPointer { xs in
                            (p.baseAddress! + c * columns + bi * geometry.positions).update(from: xs.baseAddress! + (bi * ic + gi * icg + c) * geometry.positions, count: geometry.positions)
                        }
                    }
                }
            }
            cols.withUnsafeMutableBufferPointer { cp in
                w.data.withUnsafeBufferPointer { wp in
                    sgemm(transA: .transposed, m: geometry.patchSize, n: columns, k: icg, a: wp.baseAddress! + gi * icg * geometry.patchSize,
                          lda: geometry.patchSize, b: xPrime, ldb: columns, c: cp.baseAddress!, ldc: columns)
                }
            }
            y.data.withUnsafeMutableBufferPointer { yp in geometry.col2im(cols, batch: n, into: yp.baseAddress! + gi * ocg * oh * ow) }
        }
        return y
    }

    // MARK: Resize, pooling, padding, reductions

    static func resize(_ node: GraphNode, _ x: Tensor, scales: [Float]?, sizes: [Int]?) throws -> Tensor {
        guard x.rank == 4 else { throw GraphError("only 4-D (N, C, H, W) resizing is supported, got \(x.shape)") }
        let mode = try string(node, "mode", "nearest")
        guard mode == "nearest" || mode == "linear" || mode == "bilinear" else { throw GraphError("mode '\(mode)' is not supported") }
        let ctm = try string(node, "coordinate_transformation_mode", node.op == "Upsample" ? "asymmetric" : "half_pixel")
        let nearestMode = try string(node, "nearest_mode", "round_prefer_floor")
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

    static func pool(_ node: GraphNode, _ x: Tensor, max isMax: Bool) throws -> Tensor {
        guard x.rank == 4 else { throw GraphError("only 2-D pooling is supported, got \(x.shape)") }
        guard let k = try ints(node, "kernel_shape"), k.count == 2 else { throw GraphError("kernel_shape must have 2 values") }
        let a = try convAttributes(node, kernel: (k[0], k[1]), size: (x.shape[2], x.shape[3]))
        let ceil = try int(node, "ceil_mode", 0) == 1
        let countPad = try int(node, "count_include_pad", 0) == 1
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

    enum Reduction { case sum, mean, max, min }

    static func reduce(_ node: GraphNode, _ args: [GraphValue?], _ kind: Reduction) throws -> Tensor {
        let x = try float(args, 0)
        let keep = try int(node, "keepdims", 1) == 1
        var axes = try axesArgument(node, args, index: 1) ?? []
        if axes.isEmpty {
            if try int(node, "noop_with_empty_axes", 0) == 1 { return x }
            axes = Array(0..<x.rank)
        }
        let set = try Set(axes.map { try axis($0, rank: x.rank) })
        let outFull = x.shape.enumerated().map { set.contains($0.offset) ? 1 : $0.element }
        let idx = broadcastIndex(outFull, to: x.shape)  // input element → output element
        let start: Float = kind == .max ? -.infinity : kind == .min ? .infinity : 0
        var out = [Float](repeating: start, count: outFull.reduce(1, *))
        switch kind {
        case .sum, .mean: for (i, o) in idx.enumerated() { out[o] += x.data[i] }
        case .max: for (i, o) in idx.enumerated() { out[o] = Swift.max(out[o], x.data[i]) }
        case .min: for (i, o) in idx.enumerated() { out[o] = Swift.min(out[o], x.data[i]) }
        }
        if kind == .mean {
            let k = Float(set.reduce(1) { $0 * x.shape[$1] })
            out = out.map { $0 / Swift.max(k, 1) }
        }
        return Tensor(shape: keep ? outFull : x.shape.enumerated().filter { !set.contains($0.offset) }.map(\.element), data: out)
    }
}
