import LatentCore

/// Add, Sub, Mul and Div on floats: the ops a decoder runs on every activation (residual sums, norm
/// scales, SiLU's product). Broadcasting is done in runs: the output's innermost axes over which each
/// input is either contiguous or one repeated value (a per-channel scale over H×W) form one tight loop,
/// and only the outer positions are indexed.
extension GraphOps {
    enum Arithmetic: Sendable {
        case add, sub, mul, div

        var int: @Sendable (Int, Int) throws -> Int {
            switch self {
            case .add: return { $0 &+ $1 }
            case .sub: return { $0 &- $1 }
            case .mul: return { $0 &* $1 }
            case .div: return { a, b in
                guard b != 0 else { throw GraphError("integer division by zero") }
                return a / b
            }
            }
        }
    }

    static func arithmetic(_ op: Arithmetic) -> Compile {
        stateless { args in
            let a = try input(args, 0), b = try input(args, 1)
            if case .int(let x, let sx) = a, case .int(let y, let sy) = b { return [try binaryInt(x, sx, y, sy, op.int)] }
            return [.float(try arithmetic(op, a.floats(), b.floats()))]
        }
    }

    static func arithmetic(_ op: Arithmetic, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let out = try broadcast(a.shape, b.shape)
        let count = try checkedCount(out)
        let rank = out.count
        let pa = [Int](repeating: 1, count: rank - a.shape.count) + a.shape
        let pb = [Int](repeating: 1, count: rank - b.shape.count) + b.shape
        // The inner run: axes from the last inwards while each input keeps one mode (walking or repeating).
        enum Mode { case open, walks, repeats }
        var modeA = Mode.open, modeB = Mode.open, run = 1, split = rank
        func fits(_ mode: inout Mode, _ dim: Int, _ outDim: Int) -> Bool {
            guard outDim > 1 else { return true }
            let wanted: Mode = dim == outDim ? .walks : .repeats
            if mode == .open { mode = wanted }
            return mode == wanted
        }
        while split > 0 {
            var ma = modeA, mb = modeB
            guard fits(&ma, pa[split - 1], out[split - 1]), fits(&mb, pb[split - 1], out[split - 1]) else { break }
            modeA = ma; modeB = mb
            run *= out[split - 1]
            split -= 1
        }
        let outer = Array(out[0..<split])
        let innerA = modeA == .walks ? run : 1, innerB = modeB == .walks ? run : 1
        let ia = broadcastIndex(Array(pa[0..<split]), to: outer), ib = broadcastIndex(Array(pb[0..<split]), to: outer)
        let stepA = modeA == .walks ? 1 : 0, stepB = modeB == .walks ? 1 : 0
        var result = [Float](repeating: 0, count: count)
        a.data.withUnsafeBufferPointer { x in
            b.data.withUnsafeBufferPointer { y in
                result.withUnsafeMutableBufferPointer { o in
                    @inline(__always) func loop(_ f: (Float, Float) -> Float) {
                        for k in 0..<ia.count {
                            let ao = ia[k] * innerA, bo = ib[k] * innerB, oo = k * run
                            if stepA == 1 && stepB == 1 {
                                for i in 0..<run { o[oo + i] = f(x[ao + i], y[bo + i]) }
                            } else if stepA == 1 {
                                let v = y[bo]
                                for i in 0..<run { o[oo + i] = f(x[ao + i], v) }
                            } else if stepB == 1 {
                                let v = x[ao]
                                for i in 0..<run { o[oo + i] = f(v, y[bo + i]) }
                            } else {
                                let v = f(x[ao], y[bo])
                                for i in 0..<run { o[oo + i] = v }
                            }
                        }
                    }
                    switch op {
                    case .add: loop(+)
                    case .sub: loop(-)
                    case .mul: loop(*)
                    case .div: loop(/)
                    }
                }
            }
        }
        return Tensor(shape: out, data: result)
    }
}
