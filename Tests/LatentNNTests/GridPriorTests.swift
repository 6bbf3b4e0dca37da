import Foundation
import LatentCore
import LatentIO
@testable import LatentNN
import Testing

@Suite struct GridPriorTests {
    /// A prior whose logits ignore the input: one 1×1 conv with zero weights and bias `bias`.
    static func constant(_ bias: [Float], height: Int, width: Int) -> GridPrior {
        let k = bias.count
        var rng = SeededRNG(seed: 1)
        let prior = GridPrior(ops: [.conv2d(in: k + 1 + height * width, out: k, kernel: 1, stride: 1, padding: 0)],
                              codebookSize: k, height: height, width: width, rng: &rng)
        let p = prior.namedParameters
        p[0].parameter.value = Tensor(zeros: p[0].parameter.value.shape)
        p[1].parameter.value = Tensor(shape: [k], data: bias)
        return prior
    }

    @Test func inputIsTheOneHotCodeOrMaskBesideTheOneHotPosition() {
        let prior = Self.constant([0, 0, 0], height: 1, width: 2)
        let x = prior.input([[2, prior.maskToken]])
        // Channels: codes 0, 1, 2, mask, position 0, position 1; cells (0, 0) and (0, 1).
        #expect(x.shape == [1, 6, 1, 2])
        #expect(x.data == [0, 0,  0, 0,  1, 0,  0, 1,  1, 0,  0, 1])
    }

    /// p = softmax([0, ln 3]) = (1/4, 3/4) at every cell: the grid [1, 0] costs −log₂ ¾ − log₂ ¼ bits.
    @Test func negLogLikelihoodOnAHandCheckedCase() {
        let prior = Self.constant([0, logf(3)], height: 1, width: 2)
        let bits = prior.negLogLikelihood([[1, 0], [1, 1]])
        #expect(abs(bits[0] - (-log2(0.75) - log2(0.25))) < 1e-5)
        #expect(abs(bits[1] - (-2 * log2(0.75))) < 1e-5)
        let surprise = prior.surprise([1, 0])
        #expect(abs(surprise[0] - Float(-log2(0.75))) < 1e-5 && abs(surprise[1] - 2) < 1e-5)
        let top = prior.topCodes([1, 0], cell: 0, count: 2)
        #expect(top.map(\.code) == [1, 0] && abs(top[0].probability - 0.75) < 1e-6)
    }

    @Test func temperatureZeroTakesTheLikeliestCode() {
        var rng = SeededRNG(seed: 3)
        #expect(GridPrior.draw([-3, -0.1, -2][...], temperature: 0, rng: &rng) == 1)
        // At temperature 1 every code is drawn sometimes, the likeliest most often.
        var counts = [0, 0, 0]
        for _ in 0..<3000 { counts[GridPrior.draw([logf(0.2), logf(0.7), logf(0.1)][...], temperature: 1, rng: &rng)] += 1 }
        #expect(counts[1] > 1900 && counts[1] < 2300 && counts[2] > 200 && counts[0] > 450)
    }

    /// Grids whose second cell copies the first (K = 4, 1×2): after training, the prior predicts one
    /// from the other, samples keep the rule, locked cells are kept, and a broken copy is surprising.
    @Test func learnsADependencyAndSamplesIt() throws {
        var rng = SeededRNG(seed: 5)
        let ops = GridPrior.architecture(codebookSize: 4, height: 1, width: 2, channels: 16, blocks: 1, mixChannels: 4, mixHidden: 16)
        let prior = GridPrior(ops: ops, codebookSize: 4, height: 1, width: 2, rng: &rng)
        let grids = (0..<256).map { i in [i % 4, i % 4] }
        var options = PriorTrainer.Options()
        options.epochs = 40
        options.batchSize = 32
        options.learningRate = 3e-3
        options.threads = 1
        var losses: [Double] = []
        PriorTrainer.train(prior, grids: grids, heldOut: Array(grids.prefix(8)), options: options, epoch: { losses.append($0.trainLoss) })
        // The floor: with u < ⅔ both cells are masked (ln 4 each, nothing to go on), else one (0 when
        // learned): (⅔ · 2 ln 4) / (⅔ · 2 + ⅓) = 1.109 nats per masked cell.
        let floor = (2.0 / 3 * 2 * log(4.0)) / (2.0 / 3 * 2 + 1.0 / 3)
        #expect(losses.first! > floor + 0.2 && abs(losses.last! - floor) < 0.05)
        let top = prior.topCodes([2, prior.maskToken], cell: 1, count: 1)
        #expect(top.first?.code == 2 && top.first!.probability > 0.9)
        // Two bits for the first cell (uniform), next to nothing for the copy; uniform would be 4.
        let bits = prior.negLogLikelihood([[1, 1], [3, 3]])
        #expect(bits.allSatisfy { $0 < 2.6 })
        #expect(prior.surprise([1, 3]).allSatisfy { $0 > 3 } && prior.surprise([1, 1]).allSatisfy { $0 < 0.5 })
        // Sampling: the same seed gives the same grids; samples follow the rule; locked cells stay.
        var a = SeededRNG(seed: 9), b = SeededRNG(seed: 9), c = SeededRNG(seed: 10)
        let first = prior.sample(count: 50, rng: &a), again = prior.sample(count: 50, rng: &b), other = prior.sample(count: 50, rng: &c)
        #expect(first == again && first != other)
        #expect(first.filter { $0[0] == $0[1] }.count >= 45)
        let inpainted = prior.sample(count: 20, locked: [3, nil], rng: &a)
        #expect(inpainted.allSatisfy { $0[0] == 3 } && inpainted.filter { $0[1] == 3 }.count >= 18)
    }

    @Test func baselinesArePerPositionFrequenciesAndUniform() {
        // Position 0 always code 0 in training (counts 1 + 3 of 4 + 2 smoothing), position 1 half and half.
        let b = PriorTrainer.baselines(grids: [[0, 0], [0, 1], [0, 0], [0, 1]], heldOut: [[0, 1]], codebookSize: 2)
        #expect(abs(b.positional - (-log2(5.0 / 6) - log2(3.0 / 6))) < 1e-9)
        #expect(b.uniform == 2)
    }

    /// A prior stored with its VQ-VAE loads back with the same weights; one of the wrong shape is refused.
    @Test func aPriorIsSavedAndLoadedWithItsModel() throws {
        let config = ModelConfig.convVQVAE(codebookSize: 6, codeDim: 4, channels: (3, 5), inputShape: [1, 8, 8])
        guard case .vqvae(let vq) = try Autoencoder(config: config, seed: 2) else { Issue.record("not a VQ-VAE"); return }
        var rng = SeededRNG(seed: 4)
        let ops = GridPrior.architecture(codebookSize: 6, height: 2, width: 2, channels: 4, blocks: 1, mixChannels: 2, mixHidden: 4)
        vq.setPrior(GridPrior(ops: ops, codebookSize: 6, height: 2, width: 2, rng: &rng), PriorConfig(ops: ops))
        let bytes = Autoencoder.vqvae(vq).encoded()
        guard case .vqvae(let back) = try Autoencoder.load(try SafetensorsFile(bytes: bytes), source: "m") else { Issue.record("not a VQ-VAE"); return }
        let prior = try #require(back.prior)
        #expect(prior.namedParameters.map(\.name) == vq.prior!.namedParameters.map(\.name))
        for (a, b) in zip(prior.namedParameters, vq.prior!.namedParameters) { #expect(a.parameter.value == b.parameter.value) }
        #expect(prior.namedParameters.first?.name == "prior.0.weight")
        var wrong = config
        wrong.prior = PriorConfig(ops: [.conv2d(in: 6 + 1 + 4, out: 5, kernel: 1, stride: 1, padding: 0)])
        #expect(throws: ConfigError.self) { try wrong.validate() }
    }
}
