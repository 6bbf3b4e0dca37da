import LatentCore

/// Ops that move or reshape data without arithmetic: the exporters' shape arithmetic (Shape, Gather,
/// Slice, Concat, …, folded at load when the shapes are static) and the layout changes between layers.
extension GraphOps {
    /// `Shape` of a value with these extents (start and end attributes, opset 15).
    package static func shape(_ node: GraphNode, dims: [Int]) throws -> GraphValue {
        let r = dims.count
        func clamp(_ a: Int) -> Int { Swift.min(Swift.max(a < 0 ? a + r : a, 0), r) }
        let start = clamp(try int(node, "start", 0)), end = clamp(try int(node, "end", r))
        let part = start < end ? Array(dims[start..<end]) : []
        return .int(part, shape: [part.count])
    }

    /// Gathers slices of `v` along `axis` by `indices` (numpy's take).
    static func gather(_ v: GraphValue, indices: [Int], indexShape: [Int], axis: Int) throws -> GraphValue {
        let shape = v.shape
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *), n = shape[axis]
        let idx = try indices.map { i -> Int in
            guard i >= -n && i < n else { throw GraphError("index \(i) is out of range for extent \(n)") }
            return i < 0 ? i + n : i
        }
        let outShape = Array(shape[..<axis]) + indexShape + Array(shape[(axis + 1)...])
        _ = try checkedCount(outShape)
        func take<T>(_ data: [T]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(outer * idx.count * inner)
            for o in 0..<outer { for i in idx { out += data[((o * n + i) * inner)..<((o * n + i + 1) * inner)] } }
            return out
        }
        switch v {
        case .float(let t): return .float(Tensor(shape: outShape, data: take(t.data)))
        case .int(let d, _): return .int(take(d), shape: outShape)
        }
    }

    /// Values at the flat indices `map` of `v`, under `shape`.
    static func pick(_ v: GraphValue, _ map: [Int], shape: [Int]) -> GraphValue {
        switch v {
        case .float(let t): return .float(Tensor(shape: shape, data: map.map { t.data[$0] }))
        case .int(let d, _): return .int(map.map { d[$0] }, shape: shape)
        }
    }

    static func concat(_ values: [GraphValue], axis a: Int) throws -> GraphValue {
        guard let first = values.first else { throw GraphError("nothing to concatenate") }
        let rank = first.shape.count
        let axis = try axis(a, rank: rank)
        for v in values where v.shape.count != rank || v.shape.enumerated().contains(where: { $0.offset != axis && $0.element != first.shape[$0.offset] }) {
            throw GraphError("cannot concatenate \(first.shape) and \(v.shape) along axis \(axis)")
        }
        var outShape = first.shape
        outShape[axis] = values.reduce(0) { $0 + $1.shape[axis] }
        _ = try checkedCount(outShape)
        let outer = first.shape[..<axis].reduce(1, *)
        let chunks = values.map { $0.shape[axis...].reduce(1, *) }
        if values.allSatisfy({ !$0.isFloat }) {
            let data = try values.map { try $0.ints() }
            var out: [Int] = []
            for o in 0..<outer { for (d, c) in zip(data, chunks) { out += d[(o * c)..<((o + 1) * c)] } }
            return .int(out, shape: outShape)
        }
        let data = values.map { $0.floats().data }
        var out: [Float] = []
        out.reserveCapacity(outShape.reduce(1, *))
        for o in 0..<outer { for (d, c) in zip(data, chunks) { out += d[(o * c)..<((o + 1) * c)] } }
        return .float(Tensor(shape: outShape, data: out))
    }

    static func transpose(_ v: GraphValue, perm: [Int]) throws -> GraphValue {
        let shape = v.shape
        guard perm.sorted() == Array(0..<shape.count) else { throw GraphError("perm \(perm) does not fit rank \(shape.count)") }
        let outShape = perm.map { shape[$0] }
        switch v {
        case .float(let t): return .float(Tensor(shape: outShape, data: permuted(t.data, shape: shape, perm: perm)))
        case .int(let d, _): return .int(permuted(d, shape: shape, perm: perm), shape: outShape)
        }
    }

    /// `data` of `shape` with its axes in the order `perm`: walks the output in order, the innermost axis
    /// as one strided run (attention's head splits move every activation through here).
    static func permuted<T>(_ data: [T], shape: [Int], perm: [Int]) -> [T] {
        let n = data.count, rank = shape.count
        guard n > 0, rank > 1, perm != Array(0..<rank) else { return data }
        let outShape = perm.map { shape[$0] }, inStrides = strides(shape)
        let step = perm.map { inStrides[$0] }  // input stride of each output axis
        let inner = outShape[rank - 1], innerStep = step[rank - 1]
        return [T](unsafeUninitializedCapacity: n) { out, written in
            data.withUnsafeBufferPointer { src in
                var counter = [Int](repeating: 0, count: rank)
                var j = 0, o = 0
                while o < n {
                    var k = j
                    for t in 0..<inner { (out.baseAddress! + o + t).initialize(to: src[k]); k += innerStep }
                    o += inner
                    var d = rank - 2
                    while d >= 0 {
                        counter[d] += 1
                        j += step[d]
                        if counter[d] < outShape[d] { break }
                        j -= step[d] * outShape[d]
                        counter[d] = 0
                        d -= 1
                    }
                }
            }
            written = n
        }
    }

    static let shapeOps: [String: Compile] = [
        "Shape": { node in { args in [try shape(node, dims: try input(args, 0).shape)] } },
        "Size": stateless { args in [.int([try input(args, 0).count], shape: [])] },
        "Constant": { node in
            let value: GraphValue
            switch node.attributes.first(where: { $0.key.hasPrefix("value") })?.value {
            case .tensor(let v)?: value = v
            case .float(let f)?: value = .float(Tensor(shape: [], data: [f]))
            case .int(let i)?: value = .int([i], shape: [])
            case .floats(let f)?: value = .float(Tensor(shape: [f.count], data: f))
            case .ints(let i)?: value = .int(i, shape: [i.count])
            default: throw GraphError("no value attribute")
            }
            return { _ in [value] }
        },
        "ConstantOfShape": { node in
            let fill = node.attributes["value"]
            return { args in
                let shape = try input(args, 0).ints()
                let n = try checkedCount(shape)
                switch fill {
                case .tensor(.int(let v, _))?: return [.int([Int](repeating: v.first ?? 0, count: n), shape: shape)]
                case .tensor(.float(let t))?: return [.float(Tensor(shape: shape, repeating: t.data.first ?? 0))]
                default: return [.float(Tensor(shape: shape, repeating: 0))]
                }
            }
        },
        "Range": stateless { args in
            let start = try input(args, 0), limit = try input(args, 1), delta = try input(args, 2)
            if !start.isFloat && !limit.isFloat && !delta.isFloat {
                let s = try start.ints()[0], l = try limit.ints()[0], d = try delta.ints()[0]
                guard d != 0 else { throw GraphError("Range with a zero step") }
                let n = Swift.max(0, (l - s + d + (d > 0 ? -1 : 1)) / d)
                _ = try checkedCount([n])
                return [.int((0..<n).map { s + $0 * d }, shape: [n])]
            }
            let s = start.floats().data[0], l = limit.floats().data[0], d = delta.floats().data[0]
            guard d != 0, s.isFinite, l.isFinite else { throw GraphError("Range with a zero step or non-finite ends") }
            let n = Swift.max(0, Int(((l - s) / d).rounded(.up)))
            _ = try checkedCount([n])
            return [.float(Tensor(shape: [n], data: (0..<n).map { s + Float($0) * d }))]
        },
        "Gather": { node in
            let a = try int(node, "axis", 0)
            return { args in
                let v = try input(args, 0), i = try input(args, 1)
                return [try gather(v, indices: try i.ints(), indexShape: i.shape, axis: try axis(a, rank: v.shape.count))]
            }
        },
        "Unsqueeze": { node in
            let attribute = try ints(node, "axes")
            return { args in
                let v = try input(args, 0)
                guard let axes = try optionalInts(args, 1) ?? attribute else { throw GraphError("no axes") }
                let rank = v.shape.count + axes.count
                let norm = try Set(axes.map { try axis($0, rank: rank) })
                var shape: [Int] = [], rest = v.shape[...]
                for d in 0..<rank { if norm.contains(d) { shape.append(1) } else { shape.append(rest.popFirst() ?? 1) } }
                return [v.reshaped(shape)]
            }
        },
        "Squeeze": { node in
            let attribute = try ints(node, "axes")
            return { args in
                let v = try input(args, 0)
                let axes = try (optionalInts(args, 1) ?? attribute).map { try Set($0.map { try axis($0, rank: v.shape.count) }) }
                let kept = v.shape.enumerated().filter { d in axes.map { !$0.contains(d.offset) } ?? (d.element != 1) }
                return [v.reshaped(kept.map(\.element))]
            }
        },
        "Flatten": { node in
            let a0 = try int(node, "axis", 1)
            return { args in
                let v = try input(args, 0)
                let a = try axis(a0, rank: v.shape.count + 1)
                return [v.reshaped([v.shape[..<a].reduce(1, *), v.shape[a...].reduce(1, *)])]
            }
        },
        "Reshape": { node in
            let allowZero = try int(node, "allowzero", 0) == 1
            return { args in
                let v = try input(args, 0)
                var target = try input(args, 1).ints()
                for (i, d) in target.enumerated() where d == 0 && !allowZero {
                    guard i < v.shape.count else { throw GraphError("0 at axis \(i) copies an extent the input lacks") }
                    target[i] = v.shape[i]
                }
                guard target.filter({ $0 == -1 }).count <= 1, target.allSatisfy({ $0 >= -1 }) else { throw GraphError("bad shape \(target)") }
                if let hole = target.firstIndex(of: -1) {
                    let known = target.enumerated().filter { $0.offset != hole }.reduce(1) { $0 * $1.element }
                    guard known > 0, v.count % known == 0 else { throw GraphError("cannot reshape \(v.shape) to \(target)") }
                    target[hole] = v.count / known
                }
                guard Tensor.elementCount(target) == v.count else { throw GraphError("cannot reshape \(v.shape) to \(target)") }
                return [v.reshaped(target)]
            }
        },
        "Transpose": { node in
            let perm = try ints(node, "perm")
            return { args in
                let v = try input(args, 0)
                return [try transpose(v, perm: perm ?? Array((0..<v.shape.count).reversed()))]
            }
        },
        "Concat": { node in
            let a = try int(node, "axis", 0)
            return { args in
                [try concat(args.compactMap { $0 }.filter { $0.count > 0 || $0.shape.count > 1 }.nonEmpty(or: args.compactMap { $0 }), axis: a)]
            }
        },
        "Expand": stateless { args in
            let v = try input(args, 0)
            let out = try broadcast(v.shape, try input(args, 1).ints())
            _ = try checkedCount(out)
            return [pick(v, broadcastIndex(v.shape, to: out), shape: out)]
        },
        "Tile": stateless { args in
            let v = try input(args, 0), repeats = try input(args, 1).ints()
            guard repeats.count == v.shape.count, repeats.allSatisfy({ $0 >= 0 }) else { throw GraphError("repeats \(repeats) for rank \(v.shape.count)") }
            let outShape = zip(v.shape, repeats).map { $0 * $1 }
            let n = try checkedCount(outShape)
            let inStrides = strides(v.shape), outStrides = strides(outShape)
            let map = (0..<n).map { i -> Int in
                var rest = i, j = 0
                for d in 0..<outShape.count {
                    let q = rest / outStrides[d]
                    rest -= q * outStrides[d]
                    j += (q % v.shape[d]) * inStrides[d]
                }
                return j
            }
            return [pick(v, map, shape: outShape)]
        },
        "Slice": { node in
            // Opset ≥ 10: starts, ends, axes, steps as inputs; older: attributes.
            let startsAttribute = try ints(node, "starts"), endsAttribute = try ints(node, "ends"), axesAttribute = try ints(node, "axes")
            return { args in
                let v = try input(args, 0)
                let starts = try optionalInts(args, 1) ?? startsAttribute ?? []
                let ends = try optionalInts(args, 2) ?? endsAttribute ?? []
                let axes = try optionalInts(args, 3) ?? axesAttribute ?? Array(0..<starts.count)
                let steps = try optionalInts(args, 4) ?? [Int](repeating: 1, count: starts.count)
                return [try slice(v, starts: starts, ends: ends, axes: axes, steps: steps)]
            }
        },
        "Split": { node in
            let a0 = try int(node, "axis", 0), parts = node.outputs.count
            let splitAttribute = try ints(node, "split"), numOutputs = try int(node, "num_outputs", parts)
            return { args in
                let v = try input(args, 0)
                let a = try axis(a0, rank: v.shape.count)
                let n = v.shape[a]
                var sizes = try optionalInts(args, 1) ?? splitAttribute ?? []
                if sizes.isEmpty {
                    let k = numOutputs
                    guard k > 0 else { throw GraphError("no outputs") }
                    let each = (n + k - 1) / k
                    sizes = (0..<k).map { Swift.min(each, Swift.max(0, n - $0 * each)) }
                }
                guard sizes.reduce(0, +) == n, sizes.allSatisfy({ $0 >= 0 }) else { throw GraphError("split sizes \(sizes) do not add up to \(n)") }
                var start = 0
                return sizes.map { size in
                    defer { start += size }
                    return gatherRange(v, axis: a, start..<(start + size))
                }
            }
        },
    ]

    static func slice(_ v: GraphValue, starts: [Int], ends: [Int], axes: [Int], steps: [Int]) throws -> GraphValue {
        let shape = v.shape
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else {
            throw GraphError("starts, ends, axes and steps differ in length")
        }
        var lo = [Int](repeating: 0, count: shape.count), step = [Int](repeating: 1, count: shape.count), outShape = shape
        for (k, a0) in axes.enumerated() {
            let a = try axis(a0, rank: shape.count), n = shape[a], s = steps[k]
            guard s != 0 else { throw GraphError("a zero step") }
            var b = starts[k] < 0 ? starts[k] + n : starts[k], e = ends[k] < 0 ? ends[k] + n : ends[k]
            if s > 0 {
                b = Swift.min(Swift.max(b, 0), n); e = Swift.min(Swift.max(e, 0), n)
                outShape[a] = Swift.max(0, (e - b + s - 1) / s)
            } else {
                b = Swift.min(Swift.max(b, -1), n - 1); e = Swift.min(Swift.max(e, -1), n - 1)
                outShape[a] = Swift.max(0, (b - e - s - 1) / -s)
            }
            lo[a] = b; step[a] = s
        }
        let n = try checkedCount(outShape)
        let inStrides = strides(shape), outStrides = strides(outShape)
        let map = (0..<n).map { i -> Int in
            var rest = i, j = 0
            for d in 0..<outShape.count {
                let q = rest / outStrides[d]
                rest -= q * outStrides[d]
                j += (lo[d] + q * step[d]) * inStrides[d]
            }
            return j
        }
        return pick(v, map, shape: outShape)
    }

    /// The slice `range` of `v` along `axis`.
    static func gatherRange(_ v: GraphValue, axis: Int, _ range: Range<Int>) -> GraphValue {
        let shape = v.shape
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *), n = shape[axis]
        var outShape = shape
        outShape[axis] = range.count
        var map: [Int] = []
        map.reserveCapacity(outer * range.count * inner)
        for o in 0..<outer { for i in range { map += ((o * n + i) * inner)..<((o * n + i + 1) * inner) } }
        return pick(v, map, shape: outShape)
    }
}

extension Array {
    /// Self, or `fallback` when self is empty.
    func nonEmpty(or fallback: [Element]) -> [Element] { isEmpty ? fallback : self }
}
