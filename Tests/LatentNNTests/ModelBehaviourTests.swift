import Foundation
import LatentCore
import LatentIO
@testable import LatentNN
import Testing

@Suite struct ModelBehaviourTests {
    @Test func quantizationPicksTheNearestCodeAndEmbedInvertsIt() throws {
        guard case .vqvae(let m) = try Autoencoder(config: .convVQVAE(codebookSize: 7, codeDim: 4, channels: (3, 5), inputShape: [1, 8, 8]), seed: 2) else { return }
        var rng = SeededRNG(seed: 4)
        let ze = Tensor.randomNormal(shape: [2, 4, 2, 2], std: 0.2, using: &rng)
        let codes = m.quantize(ze)
        let vectors = m.gridVectors(ze)
        for (r, code) in codes.enumerated() {
            let dist = (0..<7).map { c in (0..<4).reduce(Float(0)) { s, j in
                let d = vectors.data[r * 4 + j] - m.codebook.value.data[c * 4 + j]; return s + d * d } }
            #expect(dist[code] == dist.min())
        }
        // embed puts each code's vector back at its grid position
        let zq = m.embed(codes)
        #expect(m.quantize(zq) == codes || Set(m.codebook.value.data).count < 28)
        let distances = m.distances(ze)
        #expect(distances.shape == [8, 7])
    }

    @Test func conditionalDecoderUsesTheLabel() throws {
        guard case .vae(let m) = try Autoencoder(config: .mlpVAE(latentDim: 2, hidden: [8], inputShape: [1, 4, 4], conditional: true), seed: 3) else { return }
        let z = Tensor(shape: [1, 2], data: [0.5, -0.5])
        #expect(m.decode(z, labels: [1]) != m.decode(z, labels: [7]))
        let x = Tensor(shape: [1, 1, 4, 4], repeating: 0.5)
        #expect(m.encode(x, labels: [1]).mu != m.encode(x, labels: [2]).mu)
    }

    @Test func adamStepMatchesTheFormula() {
        let p = Parameter("w", Tensor(shape: [2], data: [1, -1]))
        p.grad = Tensor(shape: [2], data: [0.5, -2])
        let adam = Adam([p], learningRate: 0.1)
        adam.update()
        // First step: m̂ = g, v̂ = g², so the update is lr · g / (|g| + eps) = ±0.1.
        #expect(abs(p.value.data[0] - 0.9) < 1e-6 && abs(p.value.data[1] + 0.9) < 1e-6)
        #expect(p.grad.data == [0, 0])
    }

    @Test func adamMatchesTheScalarFormulaBitForBitOnAnyThreadCount() {
        // Large enough to be split over threads; three steps with decoupled weight decay.
        let n = 3 * Adam.splitSize + 17
        var rng = SeededRNG(seed: 9)
        let start = (0..<n).map { _ in rng.nextNormal() }
        let grads = (0..<3).map { _ in (0..<n).map { _ in 0.01 * rng.nextNormal() } }
        var w = start, m = [Float](repeating: 0, count: n), v = m
        let lr: Float = 1e-3, b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8, decay = 1 - lr * 0.01
        for (t, g) in grads.enumerated() {
            let c1 = 1 - powf(b1, Float(t + 1)), c2 = 1 - powf(b2, Float(t + 1))
            for i in 0..<n {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                w[i] = w[i] * decay - lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
            }
        }
        for threads in [1, 2] {
            withComputeThreads(threads) {
                let p = Parameter("w", Tensor(shape: [n], data: start))
                let adam = Adam([p], learningRate: lr, weightDecay: 0.01)
                for g in grads { p.grad = Tensor(shape: [n], data: g); adam.update() }
                #expect(p.value.data == w, "\(threads) threads")
                #expect(p.grad.data.allSatisfy { $0 == 0 })
            }
        }
    }

    @Test func lossGradientsMatchFiniteDifferences() {
        let logits = Tensor(shape: [4], data: [-3, -0.2, 0.7, 5])
        let targets: [Float] = [0, 0.3, 1, 0.9]
        let (total, grad) = Losses.bceWithLogits(logits, targets[...], scale: 1)
        let direct = zip(logits.data, targets).reduce(0.0) { acc, lt in
            let p = 1 / (1 + exp(-Double(lt.0)))
            return acc - (Double(lt.1) * log(p) + (1 - Double(lt.1)) * log(1 - p))
        }
        #expect(abs(total - direct) < 1e-5)
        for i in 0..<4 {
            var plus = logits, minus = logits
            plus.data[i] += 1e-3; minus.data[i] -= 1e-3
            let fd = (Losses.bceWithLogits(plus, targets[...], scale: 1).total - Losses.bceWithLogits(minus, targets[...], scale: 1).total) / 2e-3
            #expect(abs(Double(grad.data[i]) - fd) < 1e-3)
        }
        let mu = Tensor(shape: [2], data: [0.3, -1.2]), lv = Tensor(shape: [2], data: [-0.5, 0.4])
        let kl = Losses.gaussianKL(mu: mu, logvar: lv, scale: 1)
        var lvPlus = lv; lvPlus.data[1] += 1e-3
        var lvMinus = lv; lvMinus.data[1] -= 1e-3
        let fd = (Losses.gaussianKL(mu: mu, logvar: lvPlus, scale: 1).total - Losses.gaussianKL(mu: mu, logvar: lvMinus, scale: 1).total) / 2e-3
        #expect(abs(Double(kl.dLogvar.data[1]) - fd) < 1e-3)
        #expect(abs(Double(kl.dMu.data[0]) - 0.3) < 1e-6)
    }

    @Test func perplexityOfAUniformHistogramIsItsSize() {
        #expect(abs(Evaluator.perplexity([5, 5, 5, 5]) - 4) < 1e-9)
        #expect(abs(Evaluator.perplexity([10, 0, 0]) - 1) < 1e-9)
    }
}

/// A cosine codebook (vector-quantize-pytorch's `use_cosine_sim`) compares directions: both sides at
/// unit length, the nearest code the one at the smallest angle, a code's vector its unit vector.
@Suite struct CosineCodebookTests {
    @Test func nearestCodeIsTheSmallestAngleWhateverTheLength() {
        // Code 0 is long and close in Euclidean terms to the query; code 1 points the query's way.
        let book = Codebook(Tensor(shape: [3, 2], data: [10, 1, 0.1, 0.02, -1, 0]), distance: .cosine)
        let query = Tensor(shape: [1, 2, 1, 1], data: [1, 0.21])  // (N, D, h, w): direction ≈ code 1's (5:1)
        let euclidean = Codebook(Tensor(shape: [3, 2], data: [10, 1, 0.1, 0.02, -1, 0]))
        #expect(euclidean.quantize(query) == [1])  // nearest point: (0.1, 0.02)
        let far = Tensor(shape: [1, 2, 1, 1], data: [100, 21])  // the same direction, 100× longer
        #expect(book.quantize(query) == [1] && book.quantize(far) == [1])
        #expect(euclidean.quantize(far) == [0])
        // Embedded codes are unit vectors.
        let z = book.embed([0, 1, 2], height: 1, width: 3)
        for c in 0..<3 {
            let norm = (z.data[c] * z.data[c] + z.data[3 + c] * z.data[3 + c]).squareRoot()
            #expect(abs(norm - 1) < 1e-6)
        }
        // Distances between unit vectors: 2 − 2·cos, 0 for the same direction.
        let d = book.distances(Tensor(shape: [1, 2, 1, 1], data: [-3, 0]))
        #expect(abs(d.data[2]) < 1e-6 && abs(d.data[0] - (2 - 2 * (-10 / Float(101).squareRoot()))) < 1e-5)
    }
}
