import Foundation
import LatentCore

/// Element-wise ops: arithmetic with numpy broadcasting, comparisons, activations.
extension GraphOps {
    static let elementwise: [String: Kernel] = [
        "Add": arithmetic(.add),
        "Sub": arithmetic(.sub),
        "Mul": arithmetic(.mul),
        "Div": arithmetic(.div),
        "Pow": binary { powf($0, $1) },
        "Max": binary { Swift.max($0, $1) },
        "Min": binary { Swift.min($0, $1) },
        "Equal": comparison { $0 == $1 },
        "Less": comparison { $0 < $1 },
        "Greater": comparison { $0 > $1 },
        "LessOrEqual": comparison { $0 <= $1 },
        "GreaterOrEqual": comparison { $0 >= $1 },
        "Mod": { node, args in
            let fmod = try int(node, "fmod", 0) == 1
            let a = try input(args, 0), b = try input(args, 1)
            if case .int(let x, let sx) = a, case .int(let y, let sy) = b {
                return [try binaryInt(x, sx, y, sy) { p, q in
                    guard q != 0 else { throw GraphError("integer modulo by zero") }
                    let r = p % q
                    return fmod || r == 0 || (r < 0) == (q < 0) ? r : r + q  // Python's sign rule unless fmod
                }]
            }
            return [.float(try binaryFloat(a.floats(), b.floats()) { p, q in
                let r = fmodf(p, q)
                return fmod || r == 0 || (r < 0) == (q < 0) ? r : r + q
            })]
        },
        "Where": { _, args in
            let c = try input(args, 0), x = try input(args, 1), y = try input(args, 2)
            let cond = try c.ints()
            let out = try broadcast(broadcast(c.shape, x.shape), y.shape)
            _ = try checkedCount(out)
            let ic = broadcastIndex(c.shape, to: out), ix = broadcastIndex(x.shape, to: out), iy = broadcastIndex(y.shape, to: out)
            if case .int(let xv, _) = x, case .int(let yv, _) = y {
                return [.int(out.indices.isEmpty && ic.isEmpty ? [] : (0..<ic.count).map { cond[ic[$0]] != 0 ? xv[ix[$0]] : yv[iy[$0]] }, shape: out)]
            }
            let xv = x.floats().data, yv = y.floats().data
            return [.float(Tensor(shape: out, data: (0..<ic.count).map { cond[ic[$0]] != 0 ? xv[ix[$0]] : yv[iy[$0]] }))]
        },
        "Not": { _, args in
            let v = try input(args, 0)
            return [.int(try v.ints().map { $0 == 0 ? 1 : 0 }, shape: v.shape)]
        },
        "Relu": unary { Swift.max($0, 0) },
        "Round": unary { $0.rounded(.toNearestOrEven) },
        "Sign": unary { $0 > 0 ? 1 : $0 < 0 ? -1 : 0 },
        "HardSwish": unary { $0 * Swift.min(1, Swift.max(0, $0 / 6 + 0.5)) },
        "Mish": unary { $0 * tanhf($0 > 20 ? $0 : log1pf(expf($0))) },
        "Softsign": unary { $0 / (1 + abs($0)) },
        "Gelu": { node, args in
            if try string(node, "approximate", "none") == "tanh" {
                return try unary { 0.5 * $0 * (1 + tanhf(0.7978845608 * ($0 + 0.044715 * $0 * $0 * $0))) }(node, args)
            }
            return try unary { 0.5 * $0 * (1 + erff($0 * 0.70710678118654752)) }(node, args)
        },
        "PRelu": { _, args in
            [.float(try binaryFloat(try float(args, 0), try float(args, 1)) { x, slope in x >= 0 ? x : slope * x })]
        },
        "Sum": { _, args in
            let values = args.compactMap { $0 }.map { $0.floats() }
            guard var acc = values.first else { throw GraphError("no inputs") }
            for v in values.dropFirst() { acc = try binaryFloat(acc, v, +) }
            return [.float(acc)]
        },
        "Mean": { _, args in
            let values = args.compactMap { $0 }.map { $0.floats() }
            guard var acc = values.first else { throw GraphError("no inputs") }
            for v in values.dropFirst() { acc = try binaryFloat(acc, v, +) }
            let n = Float(values.count)
            return [.float(Tensor(shape: acc.shape, data: acc.data.map { $0 / n }))]
        },
        "Sigmoid": vectorised(VectorMath.sigmoid),
        "Tanh": unary(tanhf),
        "Exp": vectorised(VectorMath.exp),
        "Log": unary(logf),
        "Sqrt": unary(sqrtf),
        "Neg": unary { -$0 },
        "Abs": unary(abs),
        "Erf": unary(erff),
        "Floor": unary(floorf),
        "Ceil": unary(ceilf),
        "Reciprocal": unary { 1 / $0 },
        "Softplus": unary { $0 > 20 ? $0 : log1pf(expf($0)) },
        "Identity": { _, args in [try input(args, 0)] },
        "Dropout": { _, args in
            // Inference: the input unchanged, and an all-ones mask if asked for.
            let x = try input(args, 0)
            return [x, .int([Int](repeating: 1, count: x.count), shape: x.shape)]
        },
        "LeakyRelu": { node, args in
            let alpha = try float(node, "alpha", 0.01)
            return try unary { $0 >= 0 ? $0 : alpha * $0 }(node, args)
        },
        "Elu": { node, args in
            let alpha = try float(node, "alpha", 1)
            return try unary { $0 >= 0 ? $0 : alpha * (expf($0) - 1) }(node, args)
        },
        "Selu": { node, args in
            let alpha = try float(node, "alpha", 1.67326319217681884765625), gamma = try float(node, "gamma", 1.05070102214813232421875)
            return try unary { gamma * ($0 > 0 ? $0 : alpha * (expf($0) - 1)) }(node, args)
        },
        "HardSigmoid": { node, args in
            let alpha = try float(node, "alpha", 0.2), beta = try float(node, "beta", 0.5)
            return try unary { Swift.min(1, Swift.max(0, alpha * $0 + beta)) }(node, args)
        },
        "Clip": { node, args in
            // Opset ≥ 11 gives the bounds as inputs, older ones as attributes.
            let lo = try args.count > 1 && args[1] != nil ? float(args, 1).data.first ?? -.infinity : float(node, "min", -.infinity)
            let hi = try args.count > 2 && args[2] != nil ? float(args, 2).data.first ?? .infinity : float(node, "max", .infinity)
            let x = try input(args, 0)
            if case .int(let v, let s) = x { return [.int(v.map { Swift.min(Swift.max($0, Int(lo.isFinite ? lo : -9e18)), Int(hi.isFinite ? hi : 9e18)) }, shape: s)] }
            return try unary { Swift.min(Swift.max($0, lo), hi) }(node, args)
        },
        "Cast": { node, args in
            let x = try input(args, 0)
            switch try int(node, "to", 1) {
            case 1, 10, 11, 16: return [.float(x.floats())]                 // float, float16, double, bfloat16
            case 2, 3, 4, 5, 6, 7, 12, 13: return [.int(try x.ints(), shape: x.shape)]  // integers
            case 9: return [.int(x.floats().data.map { $0 != 0 ? 1 : 0 }, shape: x.shape)]  // bool
            case let t: throw GraphError("cast to type \(t) is not supported")
            }
        },
    ]
}
