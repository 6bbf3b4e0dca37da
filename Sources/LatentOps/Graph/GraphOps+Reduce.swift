import Foundation
import LatentCore

/// Reductions along axes (the Reduce* family, ArgMax/ArgMin), norms (LpNormalization) and scans
/// (CumSum). vector-quantize-pytorch's cosine codebooks export `F.normalize` as ReduceL2 or
/// LpNormalization, and its nearest-code search as ArgMax/ArgMin.
extension GraphOps {
    static let reductions: [String: Compile] = [
        "ReduceSum": reduction(.sum),
        "ReduceMean": reduction(.mean),
        "ReduceMax": reduction(.max),
        "ReduceMin": reduction(.min),
        "ReduceProd": reduction(.prod),
        "ReduceL1": reduction(.l1),
        "ReduceL2": reduction(.l2),
        "ReduceSumSquare": reduction(.sumSquare),
        "ReduceLogSum": reduction(.logSum),
        "ReduceLogSumExp": reduction(.logSumExp),
        "ArgMax": argExtreme(max: true),
        "ArgMin": argExtreme(max: false),
        "LpNormalization": { node in
            let axis0 = try int(node, "axis", -1), p = try int(node, "p", 2)
            guard p == 1 || p == 2 else { throw GraphError("p = \(p); LpNormalization takes p 1 or 2") }
            return { args in
                let x = try float(args, 0)
                let a = try axis(axis0, rank: x.rank)
                let lanes = Lanes(x.shape, axis: a)
                var y = x
                y.data.withUnsafeMutableBufferPointer { out in
                    lanes.forEach { start, step in
                        var norm: Float = 0
                        for j in 0..<lanes.width { let v = x.data[start + j * step]; norm += p == 1 ? abs(v) : v * v }
                        if p == 2 { norm = norm.squareRoot() }
                        // A zero lane stays zero (onnxruntime's choice), not 0/0.
                        let inv: Float = norm > 0 ? 1 / norm : 0
                        for j in 0..<lanes.width { out[start + j * step] = x.data[start + j * step] * inv }
                    }
                }
                return [.float(y)]
            }
        },
        "CumSum": { node in
            let exclusive = try int(node, "exclusive", 0) == 1, reverse = try int(node, "reverse", 0) == 1
            return { args in
                let x = try input(args, 0)
                guard let a0 = try input(args, 1).ints().first else { throw GraphError("no axis") }
                let a = try axis(a0, rank: x.shape.count)
                let lanes = Lanes(x.shape, axis: a)
                func scan<T: AdditiveArithmetic>(_ data: [T]) -> [T] {
                    var out = data
                    lanes.forEach { start, step in
                        var acc = T.zero
                        for k in 0..<lanes.width {
                            let j = reverse ? lanes.width - 1 - k : k, i = start + j * step
                            if exclusive { out[i] = acc; acc += data[i] } else { acc += data[i]; out[i] = acc }
                        }
                    }
                    return out
                }
                switch x {
                case .float(let t): return [.float(Tensor(shape: t.shape, data: scan(t.data)))]
                case .int(let v, let s): return [.int(scan(v), shape: s)]
                }
            }
        },
    ]

    /// The 1-D lanes of a tensor along one axis: `width` values `step` apart from each start.
    struct Lanes {
        let outer: Int, width: Int, step: Int

        init(_ shape: [Int], axis: Int) {
            outer = shape[..<axis].reduce(1, *)
            width = shape.isEmpty ? 1 : shape[axis]
            step = shape.isEmpty ? 1 : shape[(axis + 1)...].reduce(1, *)
        }

        var count: Int { outer * step }

        func forEach(_ body: (_ start: Int, _ step: Int) -> Void) {
            for o in 0..<outer { for i in 0..<step { body(o * width * step + i, step) } }
        }
    }

    enum Reduction { case sum, mean, max, min, prod, l1, l2, sumSquare, logSum, logSumExp }

    /// A Reduce* op. Axes come from the attribute (before opset 18; ReduceSum before 13) or the second
    /// input. No axes reduces everything, unless `noop_with_empty_axes`: then each element is reduced
    /// alone (ReduceSumSquare gives x², ReduceL2 |x|, as onnxruntime does).
    static func reduction(_ kind: Reduction) -> Compile {
        { node in
            let keep = try int(node, "keepdims", 1) == 1, noop = try int(node, "noop_with_empty_axes", 0) == 1
            let axesAttribute = try ints(node, "axes")
            return { args in
                let x = try float(args, 0)
                let given = try optionalInts(args, 1) ?? axesAttribute ?? []
                let set = given.isEmpty ? (noop ? [] : Set(0..<x.rank)) : try Set(given.map { try axis($0, rank: x.rank) })
                return [.float(reduce(x, axes: set, keep: keep, kind))]
            }
        }
    }

    static func reduce(_ x: Tensor, axes set: Set<Int>, keep: Bool, _ kind: Reduction) -> Tensor {
        let outFull = x.shape.enumerated().map { set.contains($0.offset) ? 1 : $0.element }
        let outShape = keep ? outFull : x.shape.enumerated().filter { !set.contains($0.offset) }.map(\.element)
        let idx = broadcastIndex(outFull, to: x.shape)  // input element → output element
        let count = outFull.reduce(1, *)
        var out: [Float]
        switch kind {
        case .max, .min, .logSumExp:
            let isMin = kind == .min
            out = [Float](repeating: isMin ? .infinity : -.infinity, count: count)
            for (i, o) in idx.enumerated() { out[o] = isMin ? Swift.min(out[o], x.data[i]) : Swift.max(out[o], x.data[i]) }
            if kind == .logSumExp {
                // log Σ e^x = m + log Σ e^(x − m), with m the maximum (no overflow).
                let m = out.map { $0.isFinite ? $0 : 0 }
                var s = [Float](repeating: 0, count: count)
                for (i, o) in idx.enumerated() { s[o] += expf(x.data[i] - m[o]) }
                out = (0..<count).map { m[$0] + logf(s[$0]) }
            }
        case .prod:
            out = [Float](repeating: 1, count: count)
            for (i, o) in idx.enumerated() { out[o] *= x.data[i] }
        default:
            out = [Float](repeating: 0, count: count)
            switch kind {
            case .l1: for (i, o) in idx.enumerated() { out[o] += abs(x.data[i]) }
            case .l2, .sumSquare: for (i, o) in idx.enumerated() { out[o] += x.data[i] * x.data[i] }
            default: for (i, o) in idx.enumerated() { out[o] += x.data[i] }
            }
            switch kind {
            case .mean:
                let k = Float(set.reduce(1) { $0 * x.shape[$1] })
                out = out.map { $0 / Swift.max(k, 1) }
            case .l2: out = out.map { $0.squareRoot() }
            case .logSum: out = out.map { logf($0) }
            default: break
            }
        }
        return Tensor(shape: outShape, data: out)
    }

    /// ArgMax / ArgMin along one axis; ties go to the first index, or the last with `select_last_index`.
    static func argExtreme(max isMax: Bool) -> Compile {
        { node in
            let axis0 = try int(node, "axis", 0), keep = try int(node, "keepdims", 1) == 1
            let last = try int(node, "select_last_index", 0) == 1
            return { args in
                let x = try float(args, 0)
                let a = try axis(axis0, rank: x.rank)
                let lanes = Lanes(x.shape, axis: a)
                guard lanes.width > 0 else { throw GraphError("an empty axis has no \(isMax ? "maximum" : "minimum")") }
                var out = [Int](repeating: 0, count: lanes.count)
                var k = 0
                lanes.forEach { start, step in
                    var best = 0, bestValue = x.data[start]
                    for j in 1..<lanes.width {
                        let v = x.data[start + j * step]
                        let better = isMax ? (v > bestValue || (last && v == bestValue)) : (v < bestValue || (last && v == bestValue))
                        if better || (bestValue.isNaN && !v.isNaN) { best = j; bestValue = v }
                    }
                    out[k] = best
                    k += 1
                }
                var shape = x.shape
                if x.rank > 0 { if keep { shape[a] = 1 } else { shape.remove(at: a) } }
                return [.int(out, shape: shape)]
            }
        }
    }
}
