import LatentCore
import LatentOps
import LatentIO

/// One op of a model's architecture as its config names it: `{"op":"conv2d","in":1,"out":32,"kernel":4,
/// "stride":2,"padding":1}`. The list of ops, with PyTorch's `nn.Sequential` numbering, fixes every
/// tensor name (`encoder.0.weight`) and shape, so a file's tensors can be checked against it.
public enum OpSpec: Equatable, Sendable {
    case linear(in: Int, out: Int)
    case conv2d(in: Int, out: Int, kernel: Int, stride: Int, padding: Int)
    case convTranspose2d(in: Int, out: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int)
    case relu
    case leakyReLU(slope: Float)
    case sigmoid
    case tanh
    case batchNorm1d(features: Int, eps: Float, momentum: Float)
    case batchNorm2d(features: Int, eps: Float, momentum: Float)
    case flatten
    case unflatten([Int])
    /// x + block(x), the block a list of ops that keeps the shape (a residual block).
    case residual([OpSpec])

    /// Builds the layer with freshly initialised parameters.
    public func makeLayer(rng: inout SeededRNG) -> Layer {
        switch self {
        case let .linear(i, o): return Linear(i, o, rng: &rng)
        case let .conv2d(i, o, k, s, p): return Conv2d(i, o, kernel: k, stride: s, padding: p, rng: &rng)
        case let .convTranspose2d(i, o, k, s, p, op):
            return ConvTranspose2d(i, o, kernel: k, stride: s, padding: p, outputPadding: op, rng: &rng)
        case .relu: return ReLU()
        case .leakyReLU(let slope): return LeakyReLU(slope: slope)
        case .sigmoid: return Sigmoid()
        case .tanh: return Tanh()
        case let .batchNorm1d(f, e, m): return BatchNorm(features: f, spatial: false, eps: e, momentum: m)
        case let .batchNorm2d(f, e, m): return BatchNorm(features: f, spatial: true, eps: e, momentum: m)
        case .flatten: return Flatten()
        case .unflatten(let shape): return Unflatten(shape)
        case .residual(let block): return Residual(block, rng: &rng)
        }
    }

    /// The shapes of this op's parameters and buffers by local name, in PyTorch's layouts.
    public var tensorShapes: [(name: String, shape: [Int], isBuffer: Bool)] {
        switch self {
        case let .linear(i, o): return [("weight", [o, i], false), ("bias", [o], false)]
        case let .conv2d(i, o, k, _, _): return [("weight", [o, i, k, k], false), ("bias", [o], false)]
        case let .convTranspose2d(i, o, k, _, _, _): return [("weight", [i, o, k, k], false), ("bias", [o], false)]
        case let .batchNorm1d(f, _, _), let .batchNorm2d(f, _, _):
            return [("weight", [f], false), ("bias", [f], false), ("running_mean", [f], true),
                    ("running_var", [f], true), ("num_batches_tracked", [], true)]
        case .residual(let block):
            return block.enumerated().flatMap { j, op in op.tensorShapes.map { ("block.\(j).\($0.name)", $0.shape, $0.isBuffer) } }
        default: return []
        }
    }

    /// The per-sample output shape for a per-sample input shape, or a reason it does not fit.
    public func outputShape(_ input: [Int]) -> Result<[Int], OpShapeError> {
        func fail(_ why: String) -> Result<[Int], OpShapeError> { .failure(OpShapeError(reason: why)) }
        switch self {
        case let .linear(i, o):
            return input == [i] ? .success([o]) : fail("linear expects [\(i)], gets \(input)")
        case let .conv2d(i, o, k, s, p):
            guard input.count == 3, input[0] == i else { return fail("conv2d expects [\(i), H, W], gets \(input)") }
            let h = ConvGeometry.convOutput(input[1], kernel: k, stride: s, padding: p)
            let w = ConvGeometry.convOutput(input[2], kernel: k, stride: s, padding: p)
            guard h > 0, w > 0, s > 0 else { return fail("conv2d kernel \(k) does not fit input \(input)") }
            return .success([o, h, w])
        case let .convTranspose2d(i, o, k, s, p, op):
            guard input.count == 3, input[0] == i else { return fail("conv_transpose2d expects [\(i), H, W], gets \(input)") }
            let h = (input[1] - 1) * s - 2 * p + k + op, w = (input[2] - 1) * s - 2 * p + k + op
            guard h > 0, w > 0, s > 0, op < s || op == 0 else { return fail("conv_transpose2d does not fit input \(input)") }
            return .success([o, h, w])
        case let .batchNorm1d(f, _, _):
            return input == [f] ? .success(input) : fail("batch_norm1d expects [\(f)], gets \(input)")
        case let .batchNorm2d(f, _, _):
            return input.count == 3 && input[0] == f ? .success(input) : fail("batch_norm2d expects [\(f), H, W], gets \(input)")
        case .flatten:
            return .success([input.reduce(1, *)])
        case .unflatten(let shape):
            return input == [shape.reduce(1, *)] ? .success(shape) : fail("unflatten to \(shape) expects [\(shape.reduce(1, *))], gets \(input)")
        case .relu, .leakyReLU, .sigmoid, .tanh:
            return .success(input)
        case .residual(let block):
            var shape = input
            for (j, op) in block.enumerated() {
                switch op.outputShape(shape) {
                case .success(let next): shape = next
                case .failure(let e): return fail("residual block[\(j)]: \(e.reason)")
                }
            }
            return shape == input ? .success(input) : fail("a residual block must keep its input shape \(input), gives \(shape)")
        }
    }

    // MARK: JSON

    public var json: JSONValue {
        func obj(_ op: String, _ fields: [(String, JSONValue)] = []) -> JSONValue {
            .object([("op", .string(op))] + fields.map { (key: $0.0, value: $0.1) })
        }
        switch self {
        case let .linear(i, o): return obj("linear", [("in", .int(i)), ("out", .int(o))])
        case let .conv2d(i, o, k, s, p):
            return obj("conv2d", [("in", .int(i)), ("out", .int(o)), ("kernel", .int(k)), ("stride", .int(s)), ("padding", .int(p))])
        case let .convTranspose2d(i, o, k, s, p, op):
            return obj("conv_transpose2d", [("in", .int(i)), ("out", .int(o)), ("kernel", .int(k)), ("stride", .int(s)),
                                            ("padding", .int(p)), ("output_padding", .int(op))])
        case .relu: return obj("relu")
        case .leakyReLU(let s): return obj("leaky_relu", [("slope", .number("\(s)"))])
        case .sigmoid: return obj("sigmoid")
        case .tanh: return obj("tanh")
        case let .batchNorm1d(f, e, m):
            return obj("batch_norm1d", [("features", .int(f)), ("eps", .number("\(e)")), ("momentum", .number("\(m)"))])
        case let .batchNorm2d(f, e, m):
            return obj("batch_norm2d", [("features", .int(f)), ("eps", .number("\(e)")), ("momentum", .number("\(m)"))])
        case .flatten: return obj("flatten")
        case .unflatten(let shape): return obj("unflatten", [("shape", .array(shape.map { .int($0) }))])
        case .residual(let block): return obj("residual", [("block", .array(block.map(\.json)))])
        }
    }

    /// Parses one op; `path` names it in errors (`decoder[3]`).
    public init(json v: JSONValue, path: String) throws(ConfigError) {
        let f = ConfigFields(v, path: path)
        let op = try f.string("op")
        switch op {
        case "linear": self = .linear(in: try f.positiveInt("in"), out: try f.positiveInt("out"))
        case "conv2d":
            self = .conv2d(in: try f.positiveInt("in"), out: try f.positiveInt("out"), kernel: try f.positiveInt("kernel"),
                           stride: try f.positiveInt("stride", default: 1), padding: try f.nonNegativeInt("padding", default: 0))
        case "conv_transpose2d":
            self = .convTranspose2d(in: try f.positiveInt("in"), out: try f.positiveInt("out"), kernel: try f.positiveInt("kernel"),
                                    stride: try f.positiveInt("stride", default: 1), padding: try f.nonNegativeInt("padding", default: 0),
                                    outputPadding: try f.nonNegativeInt("output_padding", default: 0))
        case "relu": self = .relu
        case "leaky_relu": self = .leakyReLU(slope: try f.float("slope", default: 0.01))
        case "sigmoid": self = .sigmoid
        case "tanh": self = .tanh
        case "batch_norm1d":
            self = .batchNorm1d(features: try f.positiveInt("features"), eps: try f.float("eps", default: 1e-5),
                                momentum: try f.float("momentum", default: 0.1))
        case "batch_norm2d":
            self = .batchNorm2d(features: try f.positiveInt("features"), eps: try f.float("eps", default: 1e-5),
                                momentum: try f.float("momentum", default: 0.1))
        case "flatten": self = .flatten
        case "unflatten": self = .unflatten(try f.intArray("shape"))
        case "residual":
            guard let items = try f.raw("block").array, !items.isEmpty else {
                throw ConfigError("\(path).block: a residual op needs a non-empty array of ops")
            }
            guard path.split(separator: ".").count < 4 else { throw ConfigError("\(path): residual blocks nested too deep") }
            var block: [OpSpec] = []
            for (j, item) in items.enumerated() { block.append(try OpSpec(json: item, path: "\(path).block[\(j)]")) }
            self = .residual(block)
        default:
            throw ConfigError("\(path).op: unknown op '\(op)' (supported: linear, conv2d, conv_transpose2d, relu, leaky_relu, sigmoid, tanh, batch_norm1d, batch_norm2d, flatten, unflatten, residual)")
        }
    }
}

public struct OpShapeError: Error, Sendable {
    public let reason: String
}
