import Foundation
import LatentCore
import LatentOps
import LatentIO
import LatentProjection

/// Named figures from an evaluation, in a stable order.
public struct Evaluation: Sendable {
    public var metrics: [(name: String, value: Double)] = []

    public init(_ metrics: [(name: String, value: Double)] = []) { self.metrics = metrics }

    public subscript(name: String) -> Double? { metrics.first { $0.name == name }?.value }

    public var json: JSONValue {
        .object(metrics.map { ($0.name, JSONValue.number(Self.format($0.value))) })
    }

    /// Six significant digits: enough for every figure we report, short enough to read in a header.
    public static func format(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        return String(format: "%.6g", v)
    }
}

/// Held-out metrics of a model, and of the PCA baseline with as many components as the latent has
/// dimensions. All are per image or per pixel as named:
/// - `neg_elbo` = `bce` + `kl` in nats per image, with one seeded sample of z per image;
/// - `mse_at_mu`: per-pixel mean squared error of decode(μ);
/// - `active_units`: latent dimensions whose μ varies across the data (Cov > 0.01, Burda et al. 2016);
/// - `knn10_accuracy`: leave-one-out 10-nearest-neighbour label accuracy of μ;
/// - VQ-VAE `mse`, `codes_used` (distinct codes on the data), `code_usage` (fraction of K) and
///   `perplexity` = exp(entropy of the code histogram).
public enum Evaluator {
    public static func evaluate(_ model: Autoencoder, on data: LabeledImages, seed: UInt64 = 0,
                                batchSize: Int = 500, nearestNeighbors: Bool = true) -> Evaluation {
        // A native model cannot fail to run on images of its own shape.
        (try? evaluate(model.latentModel, on: data, seed: seed, batchSize: batchSize, nearestNeighbors: nearestNeighbors)) ?? Evaluation()
    }

    /// Held-out figures of any model (trained here or imported) on `data` (values in its pixel range).
    /// Errors are scored in [0, 1] pixel units, so figures of models with other ranges compare; the
    /// Bernoulli terms (BCE, −ELBO) are given only for decoders whose outputs are probabilities, [0, 1].
    public static func evaluate(_ model: any LatentModel, on data: LabeledImages, seed: UInt64 = 0,
                                batchSize: Int = 500, nearestNeighbors: Bool = true) throws -> Evaluation {
        model.kind == .vqvae ? try evaluateVQ(model, data, batchSize: batchSize)
                             : try evaluateVAE(model, data, seed: seed, batchSize: batchSize, nearestNeighbors: nearestNeighbors)
    }

    static func batches(_ n: Int, _ size: Int) -> [Range<Int>] {
        stride(from: 0, to: n, by: size).map { $0..<min(n, $0 + size) }
    }

    /// Σ (x̂ − x)² in [0, 1] pixel units.
    static func squaredError(_ recon: Tensor, _ x: Tensor, range: ClosedRange<Float>) throws -> Double {
        guard recon.count == x.count else { throw GraphError("the decoder returned \(recon.shape) for images of \(x.shape)") }
        let scale = Double(range.upperBound - range.lowerBound)
        var total = 0.0
        for i in 0..<x.count { let d = Double(recon.data[i] - x.data[i]) / scale; total += d * d }
        return total
    }

    static func evaluateVAE(_ m: any LatentModel, _ data: LabeledImages, seed: UInt64, batchSize: Int,
                            nearestNeighbors: Bool) throws -> Evaluation {
        var rng = SeededRNG(seed: seed)
        var bce = 0.0, kl = 0.0, sqError = 0.0
        var allMu = Tensor(zeros: [data.count, m.latentDim])
        let pixels = data.pixelsPerImage
        let bernoulli = m.pixelRange == 0...1
        guard m.kind != .cvae || data.isLabelled else { throw GraphError("a conditional VAE is evaluated with labelled data") }
        for range in batches(data.count, batchSize) {
            let x = gatherBatch(data.images, Array(range)[...])
            let labels = m.kind == .cvae ? Array(data.labels[range]) : nil
            let (mu, logvar) = try m.encodeImages(x, labels: labels)
            guard mu.count == range.count * m.latentDim, logvar.count == mu.count else { throw GraphError("the encoder returned \(mu.shape) and \(logvar.shape)") }
            var z = mu
            // A deterministic autoencoder (σ = 0) is judged at its z: no noise, no KL.
            if m.kind != .ae { for i in z.data.indices { z.data[i] += expf(0.5 * logvar.data[i]) * rng.nextNormal() } }
            if let native = m as? VAEModel {
                bce += reconstructionBCE(native, z: z, labels: labels, targets: x)
            } else if bernoulli {
                bce += clampedBCE(try m.decodeLatents(z, labels: labels), targets: x)
            }
            if m.kind != .ae { kl += Losses.gaussianKL(mu: mu, logvar: logvar, scale: 1).total }
            sqError += try squaredError(try m.decodeLatents(mu, labels: labels), x, range: m.pixelRange)
            allMu.data.replaceSubrange((range.lowerBound * m.latentDim)..<(range.upperBound * m.latentDim), with: mu.data)
        }
        let n = Double(data.count)
        var metrics: [(String, Double)] = bernoulli ? (m.kind == .ae ? [("bce", bce / n)] : [("neg_elbo", (bce + kl) / n), ("bce", bce / n)]) : []
        metrics += (m.kind == .ae ? [] : [("kl", kl / n)]) + [("mse_at_mu", sqError / (n * Double(pixels))), ("active_units", Double(activeUnits(allMu)))]
        if nearestNeighbors && data.count > 10 && data.isLabelled {
            metrics.append(("knn10_accuracy", ExactNeighbors.labelAccuracy(allMu, labels: data.labels, k: 10)))
        }
        return Evaluation(metrics.map { (name: $0.0, value: $0.1) })
    }

    /// Σ BCE of probabilities (clamped away from 0 and 1) against targets in [0, 1].
    static func clampedBCE(_ p: Tensor, targets x: Tensor) -> Double {
        var total = 0.0
        for i in 0..<x.count {
            let pi = Double(min(max(p.data[i], 1e-7), 1 - 1e-7)), xi = Double(x.data[i])
            total -= xi * Foundation.log(pi) + (1 - xi) * Foundation.log(1 - pi)
        }
        return total
    }

    /// Σ BCE over the batch of the decoder's Bernoulli output at z, computed from logits when the
    /// decoder ends in a Sigmoid (exact even where the sigmoid saturates in Float).
    static func reconstructionBCE(_ m: VAEModel, z: Tensor, labels: [Int]?, targets x: Tensor) -> Double {
        let input = m.decoderInput(z, labels: labels)
        if let k = m.decoder.countBeforeFinalSigmoid {
            let logits = m.decoder.forward(input, training: false, through: k)
            return Losses.bceWithLogits(logits, x.data[...], scale: 1).total
        }
        return clampedBCE(m.decoder.forward(input, training: false), targets: x)
    }

    /// Dimensions whose posterior mean varies across the data: Var_x(μ_d) > 0.01.
    public static func activeUnits(_ mu: Tensor) -> Int {
        let n = mu.shape[0], d = mu.shape[1]
        return (0..<d).filter { j in
            var s = 0.0, s2 = 0.0
            for i in 0..<n { let v = Double(mu.data[i * d + j]); s += v; s2 += v * v }
            return s2 / Double(n) - (s / Double(n)) * (s / Double(n)) > 0.01
        }.count
    }

    static func evaluateVQ(_ m: any LatentModel, _ data: LabeledImages, batchSize: Int) throws -> Evaluation {
        guard let book = m.quantizer else { throw GraphError("a VQ-VAE without a codebook") }
        var sqError = 0.0
        var counts = [Int](repeating: 0, count: book.size)
        for range in batches(data.count, batchSize) {
            let x = gatherBatch(data.images, Array(range)[...])
            let codes = book.quantize(try m.encodeGrid(x))
            for c in codes { counts[c] += 1 }
            sqError += try squaredError(try m.decodeCodes(codes), x, range: m.pixelRange)
        }
        let used = counts.filter { $0 > 0 }.count
        return Evaluation([
            ("mse", sqError / Double(data.count * data.pixelsPerImage)),
            ("codes_used", Double(used)),
            ("code_usage", Double(used) / Double(book.size)),
            ("perplexity", perplexity(counts)),
        ])
    }

    /// exp(−Σ p log p) of a histogram: the effective number of codes in use.
    public static func perplexity(_ counts: [Int]) -> Double {
        let total = Double(counts.reduce(0, +))
        guard total > 0 else { return 0 }
        let entropy = counts.reduce(0.0) { h, c in
            guard c > 0 else { return h }
            let p = Double(c) / total
            return h - p * Foundation.log(p)
        }
        return Foundation.exp(entropy)
    }

    /// PCA with `components` axes fitted on `train`, scored on `heldOut`: per-pixel reconstruction MSE.
    public static func pcaBaseline(train: LabeledImages, heldOut: LabeledImages, components: Int) throws -> Evaluation {
        let d = train.pixelsPerImage
        let pca = try PCA.fit(train.images.reshaped([train.count, d]), components: components)
        let x = heldOut.images.reshaped([heldOut.count, d])
        let recon = pca.inverse(pca.transform(x))
        var sq = 0.0
        for i in 0..<x.count { let e = Double(recon.data[i] - x.data[i]); sq += e * e }
        return Evaluation([("mse", sq / Double(x.count)),
                           ("explained_variance", pca.explainedVarianceRatio.reduce(0, +))])
    }
}
