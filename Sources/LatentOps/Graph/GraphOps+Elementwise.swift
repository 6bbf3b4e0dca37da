import Foundation
import LatentCore

/// Element-wise ops: arithmetic with numpy broadcasting, comparisons, activations.
extension GraphOps {
    static let elementwise: [String: Compile] = [
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
        "Mod": { node in
            let fmod = try int(node, "fmod", 0) == 1
            return { args in
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
            }
        },
        "Where": stateless { args in
            let c = try input(args, 0), x = try input(args, 1), y = try input(args, 2)
            let cond = try c.ints()
            let out = try broadcast(broadcast(c.shape, x.shape), y.shape)
            _ = try checkedCount(out)
            let ic = broadcastIndex(c.shape, to: out), ix = broadcastIndex(x.shape, to: out), iy = broadcastIndex(y.shape, to: out)
            if case .int(let xv, _) = x, case .int(let yv, _) = y {
                return [.int((0..<ic.count).map { cond[ic[$0]] != 0 ? xv[ix[$0]] : yv[iy[$0]] }, shape: out)]
            }
            let xv = x.floats().data, yv = y.floats().data
            return [.float(Tensor(shape: out, data: (0..<ic.count).map { cond[ic[$0]] != 0 ? xv[ix[$0]] : yv[iy[$0]] }))]
        },
        "Not": stateless { args in
            let v = try input(args, 0)
            return [.int(try v.ints().map { $0 == 0 ? 1 : 0 }, shape: v.shape)]
        },
        "And": logical { $0 && $1 },
        "Or": logical { $0 || $1 },
        "IsNaN": stateless { args in
            let t = try float(args, 0)
            return [.int(t.data.map { $0.isNaN ? 1 : 0 }, shape: t.shape)]
        },
        "Relu": stateless(activation(.relu)),
        "Sigmoid": stateless(activation(.sigmoid)),
        "Tanh": stateless(activation(.tanh)),
        "HardSwish": stateless(activation(.hardSwish)),
        "Mish": stateless(activation(.mish)),
        "Softsign": stateless(activation(.softsign)),
        "Softplus": stateless(activation(.softplus)),
        "Gelu": { node in
            activation(try string(node, "approximate", "none") == "tanh" ? .geluTanh : .gelu)
        },
        "LeakyRelu": { node in activation(.leakyRelu(slope: try float(node, "alpha", 0.01))) },
        "Elu": { node in activation(.elu(alpha: try float(node, "alpha", 1))) },
        "Selu": { node in
            activation(.selu(alpha: try float(node, "alpha", 1.67326319217681884765625), gamma: try float(node, "gamma", 1.05070102214813232421875)))
        },
        "HardSigmoid": { node in activation(.hardSigmoid(alpha: try float(node, "alpha", 0.2), beta: try float(node, "beta", 0.5))) },
        "Round": unary { $0.rounded(.toNearestOrEven) },
        "Sign": unary { $0 > 0 ? 1 : $0 < 0 ? -1 : 0 },
        "PRelu": stateless { args in
            [.float(try binaryFloat(try float(args, 0), try float(args, 1)) { x, slope in x >= 0 ? x : slope * x })]
        },
        "Sum": stateless { args in
            let values = args.compactMap { $0 }.map { $0.floats() }
            guard var acc = values.first else { throw GraphError("no inputs") }
            for v in values.dropFirst() { acc = try binaryFloat(acc, v, +) }
            return [.float(acc)]
        },
        "Mean": stateless { args in
            let values = args.compactMap { $0 }.map { $0.floats() }
            guard var acc = values.first else { throw GraphError("no inputs") }
            for v in values.dropFirst() { acc = try binaryFloat(acc, v, +) }
            let n = Float(values.count)
            return [.float(Tensor(shape: acc.shape, data: acc.data.map { $0 / n }))]
        },
        "Exp": stateless { args in
            var t = try float(args, 0)
            t.data.withUnsafeMutableBufferPointer { VectorMath.exp($0) }
            return [.float(t)]
        },
        "Log": unary(logf),
        "Sqrt": unary(sqrtf),
        "Neg": unary { -$0 },
        "Abs": unary(abs),
        "Erf": unary(erff),
        "Floor": unary(floorf),
        "Ceil": unary(ceilf),
        "Reciprocal": unary { 1 / $0 },
        "Identity": stateless { args in [try input(args, 0)] },
        "Dropout": stateless { args in
            // Inference: the input unchanged, and an all-ones mask if asked for.
            let x = try input(args, 0)
            return [x, .int([Int](repeating: 1, count: x.count), shape: x.shape)]
        },
        "Clip": { node in
            // Opset ≥ 11 gives the bounds as inputs, older ones as attributes.
            let low = try float(node, "min", -.infinity), high = try float(node, "max", .infinity)
            return { args in
                let lo = try args.count > 1 && args[1] != nil ? float(args, 1).data.first ?? -.infinity : low
                let hi = try args.count > 2 && args[2] != nil ? float(args, 2).data.first ?? .infinity : high
                let x = try input(args, 0)
                if case .int(let v, let s) = x { return [.int(v.map { Swift.min(Swift.max($0, Int(lo.isFinite ? lo : -9e18)), Int(hi.isFinite ? hi : 9e18)) }, shape: s)] }
                return try activation(.clip(low: lo, high: hi))(args)
            }
        },
        "Cast": { node in
            let to = try int(node, "to", 1)
            guard [1, 10, 11, 16, 2, 3, 4, 5, 6, 7, 12, 13, 9].contains(to) else { throw GraphError("cast to type \(to) is not supported") }
            return { args in
                let x = try input(args, 0)
                switch to {
                case 1, 10, 11, 16: return [.float(x.floats())]                 // float, float16, double, bfloat16
                case 9: return [.int(x.floats().data.map { $0 != 0 ? 1 : 0 }, shape: x.shape)]  // bool
                default: return [.int(try x.ints(), shape: x.shape)]  // integers
                }
            }
        },
    ]

    /// A logical op on booleans (0/1 integers), broadcast.
    static func logical(_ f: @escaping @Sendable (Bool, Bool) -> Bool) -> Compile {
        stateless { args in
            let a = try input(args, 0), b = try input(args, 1)
            return [try binaryInt(try a.ints(), a.shape, try b.ints(), b.shape) { f($0 != 0, $1 != 0) ? 1 : 0 }]
        }
    }
}
