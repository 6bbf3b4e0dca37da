import LatentCore
import LatentProjection

/// How the decoder's Jacobian is taken.
public enum JacobianMethod: String, Sendable, CaseIterable {
    /// The one with fewer passes: `backward` for a model trained here whose image has at most 2·d values,
    /// else `finiteDifferences` (an imported graph has no backward). An image has far more values than
    /// its latent has dimensions, so decoders of images take differences: for the emoji VAE (d = 32,
    /// 3,072 values) reverse mode is 12 batches of 256 backward rows against one batch of 64 decodes.
    case auto
    /// Reverse mode through the native layers' own backward passes: exact, one pass per output value
    /// (batched), so its cost grows with the image, not with z.
    case backward
    /// Central differences (x̂(z + h·e_j) − x̂(z − h·e_j)) / 2h for every dimension j in one batch of 2·d
    /// decodes: works for any decoder, cost grows with z.
    case finiteDifferences = "fd"
}

/// ∂x̂/∂z of a decoder at one latent, for the directions that change the image most (the pullback
/// metric JᵀJ: Arvanitidis et al., 2018; Shao et al., 2018).
public enum DecoderJacobian {
    /// Jᵀ, (d, D): row j is ∂x̂/∂z_j over the D = C·H·W output values (in the model's pixel range),
    /// with the method actually used. `label` conditions a CVAE and is refused by anything else.
    /// Running the native backward leaves the layers' caches as after a training step and the
    /// parameters' gradients as they were: call it from the thread that decodes with this model.
    /// `batch`: finite differences decode this many latents at a time, each batch run by `withModel`
    /// (an app holding its model for short turns passes its lock and a batch of a few milliseconds).
    public static func transposed(of model: any LatentModel, at z: [Float], label: Int? = nil,
                                  method: JacobianMethod = .auto, step: Float = 1e-3, batch: Int = latentsPerBatch,
                                  withModel: (() throws -> Tensor) throws -> Tensor = { try $0() }) throws -> (jt: Tensor, method: JacobianMethod) {
        guard model.kind != .vqvae else { throw DirectionError("a VQ-VAE's latent is discrete: it has no decoder Jacobian") }
        guard z.count == model.latentDim else { throw DirectionError("z has \(z.count) values; this model's latent has \(model.latentDim)") }
        guard z.allSatisfy(\.isFinite) else { throw DirectionError("z holds a value that is not a finite number") }
        if model.kind == .cvae {
            guard let label else { throw DirectionError("a conditional VAE's Jacobian is taken for one class: give a label") }
            guard (0..<max(1, model.classNames.count)).contains(label) || model.classNames.isEmpty else {
                throw DirectionError("label \(label) is not a class of this model")
            }
        } else if label != nil {
            throw DirectionError("a label is for a conditional VAE")
        }
        let native = model as? VAEModel
        switch method {
        case .backward:
            guard let native else { throw DirectionError("this model is an imported graph, which has no backward pass: use finite differences") }
            return (try withModel { reverseMode(native, at: z, label: label) }, .backward)
        case .auto where native != nil && model.inputShape.reduce(1, *) <= 2 * z.count:
            return (try withModel { reverseMode(native!, at: z, label: label) }, .backward)
        case .auto, .finiteDifferences:
            guard step > 0, step.isFinite else { throw DirectionError("the finite-difference step must be a positive number") }
            return (try centralDifferences(model, at: z, label: label, step: step, batch: batch, withModel: withModel), .finiteDifferences)
        }
    }

    // MARK: Reverse mode

    /// Output values per backward batch: big enough that each GEMM is efficient, small enough that a
    /// conv decoder's im2col buffers stay a few MB.
    static let outputsPerPass = 256

    /// Rows of J by the decoder's own backward pass: z repeated B times, forward keeping what backward
    /// needs, then backward from B one-hot output gradients gives B rows ∂x̂_i/∂z at once.
    static func reverseMode(_ m: VAEModel, at z: [Float], label: Int?) -> Tensor {
        let d = z.count, outputs = m.config.inputShape.reduce(1, *)
        let parameters = m.decoder.namedParameters.map(\.parameter)
        let savedGradients = parameters.map(\.grad)
        defer { for (p, g) in zip(parameters, savedGradients) { p.grad = g } }
        var jt = Tensor(zeros: [d, outputs])
        for start in stride(from: 0, to: outputs, by: outputsPerPass) {
            let rows = min(outputsPerPass, outputs - start)
            let repeated = Tensor(shape: [rows, d], data: Array((0..<rows).map { _ in z }.joined()))
            let input = m.decoderInput(repeated, labels: label.map { Array(repeating: $0, count: rows) })
            let out = m.decoder.layers.reduce(input) { forwardForGradient($1, $0) }
            var dy = Tensor(zeros: out.shape)
            for r in 0..<rows { dy.data[r * outputs + start + r] = 1 }
            let dx = m.decoder.backward(dy)  // (rows, d [+ classes for a CVAE, whose gradient is dropped])
            let width = dx.shape[1]
            for r in 0..<rows { for j in 0..<d { jt.data[j * outputs + start + r] = dx.data[r * width + j] } }
        }
        return jt
    }

    /// A forward pass that keeps what backward needs (convolutions keep their im2col only when
    /// training) while every BatchNorm uses its running statistics, as a decode does: the Jacobian of
    /// the decoder that draws the images, not of a training-mode one (which would also move the
    /// running averages).
    static func forwardForGradient(_ layer: Layer, _ x: Tensor) -> Tensor {
        switch layer {
        case is BatchNorm: return layer.forward(x, training: false)
        case let r as Residual:
            var y = r.block.layers.reduce(x) { forwardForGradient($1, $0) }
            y.add(x)
            return y
        default: return layer.forward(x, training: true)
        }
    }

    // MARK: Finite differences

    /// Latents per decode batch (64 dimensions' ± pairs).
    public static let latentsPerBatch = 128

    static func centralDifferences(_ m: any LatentModel, at z: [Float], label: Int?, step h: Float, batch: Int = latentsPerBatch,
                                   withModel: (() throws -> Tensor) throws -> Tensor = { try $0() }) throws -> Tensor {
        let d = z.count, outputs = m.inputShape.reduce(1, *)
        var jt = Tensor(zeros: [d, outputs])
        let perBatch = max(1, batch / 2)
        for start in stride(from: 0, to: d, by: perBatch) {
            let dims = min(perBatch, d - start)
            var latents = Tensor.uninitialized(shape: [2 * dims, d])
            for k in 0..<dims {
                for s in 0..<2 {
                    var p = z
                    // The step actually taken (z ± h rounded to Float), so rounding of a large z is no error.
                    p[start + k] += s == 0 ? h : -h
                    latents.data.replaceSubrange(((2 * k + s) * d)..<((2 * k + s + 1) * d), with: p)
                }
            }
            let x = try withModel { try m.decodeLatents(latents, labels: label.map { Array(repeating: $0, count: 2 * dims) }) }
            guard x.count == 2 * dims * outputs else { throw DirectionError("the decoder returned \(x.shape) for \(2 * dims) latents") }
            for k in 0..<dims {
                let j = start + k
                let taken = Double(latents.data[2 * k * d + j]) - Double(latents.data[(2 * k + 1) * d + j])
                let scale = Float(1 / taken)
                let plus = 2 * k * outputs, minus = (2 * k + 1) * outputs
                for i in 0..<outputs { jt.data[j * outputs + i] = (x.data[plus + i] - x.data[minus + i]) * scale }
            }
        }
        guard jt.data.allSatisfy(\.isFinite) else { throw DirectionError("the decoder's output is not a number near this z") }
        return jt
    }
}

extension DirectionSet {
    /// The decoder Jacobian's top `count` right-singular vectors at z: the directions along which the
    /// decoded image changes fastest. Scores are the singular values: the L2 change of the image (all
    /// C·H·W values, in the model's pixel range) per unit of z along each direction.
    public static func jacobian(of model: any LatentModel, at z: [Float], label: Int? = nil, count: Int,
                                method: JacobianMethod = .auto, step: Float = 1e-3, batch: Int = DecoderJacobian.latentsPerBatch,
                                withModel: (() throws -> Tensor) throws -> Tensor = { try $0() }) throws -> DirectionSet {
        guard count >= 1 else { throw DirectionError("ask for at least one direction") }
        let (jt, _) = try DecoderJacobian.transposed(of: model, at: z, label: label, method: method, step: step, batch: batch, withModel: withModel)
        return try fromJacobian(jt, at: z, count: count)
    }

    /// Directions from Jᵀ (d, D): eigenvectors of the Gram matrix JᵀJ (d × d), whose eigenvalues are
    /// the squared singular values; d ≪ D, so this is the cheap side of the SVD.
    public static func fromJacobian(_ jt: Tensor, at z: [Float], count: Int) throws -> DirectionSet {
        let d = jt.shape[0], k = min(count, d)
        let gram = jt.matmul(jt, transposeOther: true)
        let (values, vectors): ([Double], [Double])
        do { (values, vectors) = try symmetricEigenDescending(gram.data.map(Double.init), n: d) } catch let e as PCAError {
            throw DirectionError(e.description)
        }
        var rows = Tensor(zeros: [k, d])
        for r in 0..<k {
            var row = Array(vectors[(r * d)..<((r + 1) * d)])
            // Signs as PCA's: the largest-magnitude entry positive, so a slider's + is reproducible.
            if let big = row.indices.max(by: { abs(row[$0]) < abs(row[$1]) }), row[big] < 0 { row = row.map { -$0 } }
            for j in 0..<d { rows.data[r * d + j] = Float(row[j]) }
        }
        return DirectionSet(method: .jacobian, directions: rows, scores: values.prefix(k).map { max(0, $0).squareRoot() }, origin: z)
    }
}
