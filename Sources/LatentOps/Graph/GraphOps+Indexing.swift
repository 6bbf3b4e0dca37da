import LatentCore

/// Reading, writing and masking by index: GatherElements (vector-quantize-pytorch's codebook lookup
/// after its ArgMax), ScatterND (a cache or codebook update as exported) and Trilu (attention's
/// causal masks).
extension GraphOps {
    static let indexing: [String: Compile] = [
        "GatherElements": { node in
            let axis0 = try int(node, "axis", 0)
            return { args in
                let data = try input(args, 0), indexValue = try input(args, 1)
                let shape = data.shape, outShape = indexValue.shape
                guard shape.count == outShape.count, !shape.isEmpty else { throw GraphError("indices \(outShape) for data \(shape)") }
                let a = try axis(axis0, rank: shape.count)
                guard zip(shape, outShape).enumerated().allSatisfy({ $0.offset == a || $0.element.1 <= $0.element.0 }) else {
                    throw GraphError("indices \(outShape) do not fit data \(shape) along axis \(a)")
                }
                let indices = try indexValue.ints(), n = shape[a]
                let inStrides = strides(shape), outStrides = strides(outShape)
                let map = try indices.enumerated().map { i, index -> Int in
                    guard index >= -n && index < n else { throw GraphError("index \(index) is out of range for extent \(n)") }
                    var rest = i, j = 0
                    for d in 0..<outShape.count {
                        let q = rest / outStrides[d]
                        rest -= q * outStrides[d]
                        j += (d == a ? (index < 0 ? index + n : index) : q) * inStrides[d]
                    }
                    return j
                }
                return [pick(data, map, shape: outShape)]
            }
        },
        "ScatterND": { node in
            let reduction = try string(node, "reduction", "none")
            guard reduction == "none" else { throw GraphError("reduction '\(reduction)' is not supported") }
            return { args in
                let data = try input(args, 0), indexValue = try input(args, 1), updates = try input(args, 2)
                let indices = try indexValue.ints(), shape = data.shape
                guard let depth = indexValue.shape.last, depth <= shape.count, depth > 0 || indices.isEmpty else {
                    throw GraphError("indices \(indexValue.shape) do not fit data \(shape)")
                }
                let slice = shape[depth...].reduce(1, *), rows = depth == 0 ? 0 : indices.count / depth
                guard updates.count == rows * slice else { throw GraphError("updates \(updates.shape) do not fit indices \(indexValue.shape)") }
                let dataStrides = strides(shape)
                let targets = try (0..<rows).map { r -> Int in
                    var offset = 0
                    for d in 0..<depth {
                        let i = indices[r * depth + d], n = shape[d]
                        guard i >= -n && i < n else { throw GraphError("index \(i) is out of range for extent \(n)") }
                        offset += (i < 0 ? i + n : i) * dataStrides[d]
                    }
                    return offset
                }
                func scatter<T>(_ base: [T], _ values: [T]) -> [T] {
                    var out = base
                    for (r, t) in targets.enumerated() { for j in 0..<slice { out[t + j] = values[r * slice + j] } }
                    return out
                }
                if case .int(let d, _) = data, case .int(let u, _) = updates { return [.int(scatter(d, u), shape: shape)] }
                return [.float(Tensor(shape: shape, data: scatter(data.floats().data, updates.floats().data)))]
            }
        },
        "Trilu": { node in
            let upper = try int(node, "upper", 1) == 1
            return { args in
                let x = try input(args, 0)
                let k = try optionalInts(args, 1)?.first ?? 0
                guard x.shape.count >= 2 else { throw GraphError("Trilu takes a matrix or a batch of them, got \(x.shape)") }
                let rows = x.shape[x.shape.count - 2], cols = x.shape[x.shape.count - 1], plane = rows * cols
                // Kept: j − i ≥ k for the upper triangle, j − i ≤ k for the lower.
                let keep = (0..<x.count).map { e -> Bool in
                    let i = (e % Swift.max(plane, 1)) / cols, j = e % cols
                    return upper ? j - i >= k : j - i <= k
                }
                switch x {
                case .float(let t): return [.float(Tensor(shape: t.shape, data: zip(t.data, keep).map { $1 ? $0 : 0 }))]
                case .int(let v, let s): return [.int(zip(v, keep).map { $1 ? $0 : 0 }, shape: s)]
                }
            }
        },
    ]
}
