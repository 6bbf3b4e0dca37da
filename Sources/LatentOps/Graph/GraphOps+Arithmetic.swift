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
        let plan = BinaryRuns(indexA: ia, indexB: ib, innerA: innerA, innerB: innerB, run: run, stepA: stepA, stepB: stepB)
        let result = [Float](unsafeUninitializedCapacity: count) { o, written in
            a.data.withUnsafeBufferPointer { x in
                b.data.withUnsafeBufferPointer { y in
                    switch op {
                    case .add: plan.apply(AddOp.self, x.baseAddress!, y.baseAddress!, o.baseAddress!)
                    case .sub: plan.apply(SubOp.self, x.baseAddress!, y.baseAddress!, o.baseAddress!)
                    case .mul: plan.apply(MulOp.self, x.baseAddress!, y.baseAddress!, o.baseAddress!)
                    case .div: plan.apply(DivOp.self, x.baseAddress!, y.baseAddress!, o.baseAddress!)
                    }
                }
            }
            written = count
        }
        return Tensor(shape: out, data: result)
    }
}

/// The four operators as types, so each `BinaryRuns.apply` is specialised and its loops vectorised (a
/// closure argument stayed an indirect call per element).
protocol BinaryFloatOp { static func apply(_ a: Float, _ b: Float) -> Float }
enum AddOp: BinaryFloatOp { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b } }
enum SubOp: BinaryFloatOp { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b } }
enum MulOp: BinaryFloatOp { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b } }
enum DivOp: BinaryFloatOp { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b } }

/// A broadcast binary op cut into runs: for each outer position k, `run` outputs from input offsets
/// indexA[k]·innerA and indexB[k]·innerB, each input walking (step 1) or repeating one value (step 0).
struct BinaryRuns {
    let indexA: [Int], indexB: [Int]
    let innerA: Int, innerB: Int, run: Int, stepA: Int, stepB: Int

    @inline(__always)
    func apply<Op: BinaryFloatOp>(_: Op.Type, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>) {
        for k in 0..<indexA.count {
            let xa = x + indexA[k] * innerA, yb = y + indexB[k] * innerB, out = o + k * run
            if stepA == 1 && stepB == 1 {
                for i in 0..<run { out[i] = Op.apply(xa[i], yb[i]) }
            } else if stepA == 1 {
                let v = yb[0]
                for i in 0..<run { out[i] = Op.apply(xa[i], v) }
            } else if stepB == 1 {
                let v = xa[0]
                for i in 0..<run { out[i] = Op.apply(v, yb[i]) }
            } else {
                out.initialize(repeating: Op.apply(xa[0], yb[0]), count: run)
            }
        }
    }
}
