import LatentCore
import LatentOps

/// y = x·Wᵀ + b.  x (N, in), W (out, in), b (out), y (N, out) — PyTorch's `nn.Linear`.
/// Initialised as PyTorch does: W and b uniform in ±1/√in.
public final class Linear: Layer {
    public let inFeatures: Int, outFeatures: Int
    public let weight: Parameter, bias: Parameter
    private var input = Tensor(zeros: [0])

    public init(_ inFeatures: Int, _ outFeatures: Int, rng: inout SeededRNG) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = Parameter("weight", .randomUniform(shape: [outFeatures, inFeatures], low: -bound, high: bound, using: &rng))
        bias = Parameter("bias", .randomUniform(shape: [outFeatures], low: -bound, high: bound, using: &rng))
    }

    public var parameters: [Parameter] { [weight, bias] }
    public var spec: OpSpec { .linear(in: inFeatures, out: outFeatures) }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        requireShape(x.rank == 2 && x.shape[1] == inFeatures, "Linear(\(inFeatures)→\(outFeatures)) got input \(x.shape)")
        input = x
        return Gemm(transB: true).forward(x, weight.value, bias.value)  // the graph's Gemm: x·Wᵀ + b
    }

    public func backward(_ dy: Tensor) -> Tensor {
        accumulateParameterGradients(dy)
        let n = input.shape[0]
        // dx (N, in) = dy (N, out) · W (out, in)
        var dx = Tensor.uninitialized(shape: [n, inFeatures])  // GEMM with beta = 0 fills it
        dx.data.withUnsafeMutableBufferPointer { dxp in
            sgemm(m: n, n: inFeatures, k: outFeatures, a: dy.data, lda: outFeatures,
                  b: weight.value.data, ldb: inFeatures, c: dxp.baseAddress!, ldc: inFeatures)
        }
        return dx
    }

    public func accumulateParameterGradients(_ dy: Tensor) {
        let n = input.shape[0]
        // dW (out, in) += dyᵀ (out, N) · x (N, in)
        weight.grad.data.withUnsafeMutableBufferPointer { gw in
            sgemm(transA: .transposed, m: outFeatures, n: inFeatures, k: n,
                  a: dy.data, lda: outFeatures, b: input.data, ldb: inFeatures,
                  beta: 1, c: gw.baseAddress!, ldc: inFeatures)
        }
        // db += Σ_N dy
        bias.grad.data.withUnsafeMutableBufferPointer { gb in
            dy.data.withUnsafeBufferPointer { d in
                for i in 0..<n { for j in 0..<outFeatures { gb[j] += d[i * outFeatures + j] } }
            }
        }
    }
}
