import LatentCore
@testable import LatentNN
import Testing

/// Every layer's dX, dW and db against central finite differences of L = Σ y ⊙ r for a fixed random r
/// (a weighted sum catches errors that Σ y hides, such as a transposed gradient).
@Suite struct GradientCheckTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let spec: OpSpec
        let input: [Int]
        var training = true
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "Linear 7→5", spec: .linear(in: 7, out: 5), input: [4, 7]),
        Case(name: "Conv2d 3→4 k3 s1 p1", spec: .conv2d(in: 3, out: 4, kernel: 3, stride: 1, padding: 1), input: [2, 3, 5, 5]),
        Case(name: "Conv2d 2→3 k4 s2 p1", spec: .conv2d(in: 2, out: 3, kernel: 4, stride: 2, padding: 1), input: [2, 2, 8, 6]),
        Case(name: "Conv2d 1x1", spec: .conv2d(in: 4, out: 2, kernel: 1, stride: 1, padding: 0), input: [3, 4, 3, 3]),
        Case(name: "ConvTranspose2d 3→2 k4 s2 p1", spec: .convTranspose2d(in: 3, out: 2, kernel: 4, stride: 2, padding: 1, outputPadding: 0), input: [2, 3, 4, 3]),
        Case(name: "ConvTranspose2d k3 s2 p1 op1", spec: .convTranspose2d(in: 2, out: 3, kernel: 3, stride: 2, padding: 1, outputPadding: 1), input: [2, 2, 3, 3]),
        Case(name: "ReLU", spec: .relu, input: [3, 10]),
        Case(name: "LeakyReLU", spec: .leakyReLU(slope: 0.1), input: [3, 10]),
        Case(name: "Sigmoid", spec: .sigmoid, input: [3, 10]),
        Case(name: "Tanh", spec: .tanh, input: [3, 10]),
        Case(name: "BatchNorm1d train", spec: .batchNorm1d(features: 5, eps: 1e-5, momentum: 0.1), input: [6, 5]),
        Case(name: "BatchNorm2d train", spec: .batchNorm2d(features: 3, eps: 1e-5, momentum: 0.1), input: [4, 3, 2, 3]),
        Case(name: "BatchNorm2d eval", spec: .batchNorm2d(features: 3, eps: 1e-5, momentum: 0.1), input: [2, 3, 2, 2], training: false),
        Case(name: "Flatten", spec: .flatten, input: [2, 3, 2, 2]),
        Case(name: "Unflatten", spec: .unflatten([2, 3]), input: [4, 6]),
        Case(name: "Residual ReLU–Conv3×3–ReLU–Conv1×1",
             spec: .residual([.relu, .conv2d(in: 3, out: 2, kernel: 3, stride: 1, padding: 1), .relu, .conv2d(in: 2, out: 3, kernel: 1, stride: 1, padding: 0)]),
             input: [2, 3, 4, 4]),
    ]

    @Test(arguments: cases)
    func gradientsMatchFiniteDifferences(_ c: Case) {
        var rng = SeededRNG(seed: 12345)
        let layer = c.spec.makeLayer(rng: &rng)
        // Non-trivial BatchNorm affine parameters and running statistics.
        if let bn = layer as? BatchNorm {
            bn.weight.value = .randomUniform(shape: bn.weight.value.shape, low: 0.5, high: 1.5, using: &rng)
            bn.bias.value = .randomNormal(shape: bn.bias.value.shape, using: &rng)
            bn.setBuffer("running_mean", .randomNormal(shape: [bn.features], std: 0.3, using: &rng))
            bn.setBuffer("running_var", .randomUniform(shape: [bn.features], low: 0.5, high: 2, using: &rng))
        }
        var x = Tensor.randomNormal(shape: c.input, using: &rng)
        // Keep inputs away from the kinks of ReLU-like ops, where finite differences are meaningless.
        for i in x.data.indices where abs(x.data[i]) < 0.1 { x.data[i] = x.data[i] < 0 ? -0.1 : 0.1 }
        let y = layer.forward(x, training: c.training)
        let r = Tensor.randomNormal(shape: y.shape, using: &rng)
        func loss(_ input: Tensor) -> Double {
            let out = layer.forward(input, training: c.training)
            return zip(out.data, r.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        _ = layer.forward(x, training: c.training)
        for p in layer.parameters { p.zeroGrad() }
        let dx = layer.backward(r)
        #expect(dx.shape == x.shape)

        let eps: Float = 1e-2
        var worst = 0.0
        func check(_ analytic: Float, _ numeric: Double, _ what: String) {
            let err = abs(Double(analytic) - numeric) / (1e-2 + abs(numeric))
            worst = max(worst, err)
            #expect(err < 2e-2, "\(c.name) \(what): analytic \(analytic) vs numeric \(numeric)")
        }
        for i in x.data.indices {
            var plus = x, minus = x
            plus.data[i] += eps; minus.data[i] -= eps
            check(dx.data[i], (loss(plus) - loss(minus)) / Double(2 * eps), "dx[\(i)]")
        }
        for p in layer.parameters {
            let analytic = p.grad
            for i in p.value.data.indices {
                let saved = p.value.data[i]
                p.value.data[i] = saved + eps
                let lp = loss(x)
                p.value.data[i] = saved - eps
                let lm = loss(x)
                p.value.data[i] = saved
                check(analytic.data[i], (lp - lm) / Double(2 * eps), "d\(p.name)[\(i)]")
            }
        }
    }

    @Test func convTransposeIsTheAdjointOfConv() {
        // <conv(x), y> == <x, convT(y)> when both share the weight: checks the data movement directly.
        var rng = SeededRNG(seed: 3)
        let conv = Conv2d(2, 3, kernel: 4, stride: 2, padding: 1, rng: &rng)
        let convT = ConvTranspose2d(3, 2, kernel: 4, stride: 2, padding: 1, rng: &rng)
        convT.weight.value = conv.weight.value
        conv.bias.value = Tensor(zeros: [3]); convT.bias.value = Tensor(zeros: [2])
        let x = Tensor.randomNormal(shape: [2, 2, 8, 8], using: &rng)
        let y = Tensor.randomNormal(shape: [2, 3, 4, 4], using: &rng)
        let lhs = zip(conv.forward(x, training: false).data, y.data).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        let rhs = zip(x.data, convT.forward(y, training: false).data).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        #expect(abs(lhs - rhs) < 1e-3 * max(1, abs(lhs)))
    }

    @Test func outputShapesFollowPyTorchFormulas() throws {
        #expect(try OpSpec.conv2d(in: 1, out: 32, kernel: 4, stride: 2, padding: 1).outputShape([1, 28, 28]).get() == [32, 14, 14])
        #expect(try OpSpec.convTranspose2d(in: 64, out: 32, kernel: 4, stride: 2, padding: 1, outputPadding: 0).outputShape([64, 7, 7]).get() == [32, 14, 14])
        #expect(try OpSpec.convTranspose2d(in: 8, out: 4, kernel: 3, stride: 2, padding: 1, outputPadding: 1).outputShape([8, 7, 7]).get() == [4, 14, 14])
        #expect((try? OpSpec.linear(in: 5, out: 2).outputShape([4]).get()) == nil)
    }
}
