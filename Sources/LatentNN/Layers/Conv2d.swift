import LatentCore

/// 2-D convolution, PyTorch's `nn.Conv2d` (groups = 1, dilation = 1).
/// x (N, C, H, W), weight (OC, C, k, k), bias (OC), y (N, OC, OH, OW) with OH = (H + 2p − k)/s + 1.
/// Computed as im2col + one GEMM per batch.
public final class Conv2d: Layer {
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    public let weight: Parameter, bias: Parameter
    private var geometry: ConvGeometry?
    private var cols: [Float] = []
    private var batch = 0

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                rng: inout SeededRNG) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        let bound = 1 / Float(inChannels * kernel * kernel).squareRoot()  // PyTorch's default init bound
        weight = Parameter("weight", .randomUniform(shape: [outChannels, inChannels, kernel, kernel],
                                                    low: -bound, high: bound, using: &rng))
        bias = Parameter("bias", .randomUniform(shape: [outChannels], low: -bound, high: bound, using: &rng))
    }

    public var parameters: [Parameter] { [weight, bias] }
    public var spec: OpSpec {
        .conv2d(in: inChannels, out: outChannels, kernel: kernel, stride: stride, padding: padding)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        requireShape(x.rank == 4 && x.shape[1] == inChannels, "Conv2d(\(inChannels)→\(outChannels)) got input \(x.shape)")
        let n = x.shape[0], h = x.shape[2], w = x.shape[3]
        let g = ConvGeometry(channels: inChannels, height: h, width: w, kernel: kernel, stride: stride, padding: padding,
                             outHeight: ConvGeometry.convOutput(h, kernel: kernel, stride: stride, padding: padding),
                             outWidth: ConvGeometry.convOutput(w, kernel: kernel, stride: stride, padding: padding))
        geometry = g
        batch = n
        let columns = n * g.positions
        if cols.count != g.patchSize * columns { cols = uninitializedFloats(g.patchSize * columns) }
        cols.withUnsafeMutableBufferPointer { cp in
            x.data.withUnsafeBufferPointer { g.im2col($0.baseAddress!, batch: n, into: cp.baseAddress!) }
        }
        // Y' (OC, N·P) = W (OC, C·k·k) · cols (C·k·k, N·P), bias preloaded.
        var yPrime = uninitializedFloats(outChannels * columns)
        yPrime.withUnsafeMutableBufferPointer { yp in
            for oc in 0..<outChannels {
                (yp.baseAddress! + oc * columns).update(repeating: bias.value.data[oc], count: columns)
            }
            sgemm(m: outChannels, n: columns, k: g.patchSize, a: weight.value.data, lda: g.patchSize,
                  b: cols, ldb: columns, beta: 1, c: yp.baseAddress!, ldc: columns)
        }
        var y = Tensor.uninitialized(shape: [n, outChannels, g.outHeight, g.outWidth])
        y.data.withUnsafeMutableBufferPointer { out in
            permuteChannelMajorToBatch(yPrime, n: n, c: outChannels, p: g.positions, into: out.baseAddress!)
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let g = geometry else { preconditionFailure("Conv2d.backward before forward") }
        let n = batch, columns = n * g.positions
        var dyPrime = uninitializedFloats(outChannels * columns)
        dyPrime.withUnsafeMutableBufferPointer { p in
            permuteBatchToChannelMajor(dy.data, n: n, c: outChannels, p: g.positions, into: p.baseAddress!)
        }
        // dW (OC, C·k·k) += dY' (OC, N·P) · colsᵀ
        weight.grad.data.withUnsafeMutableBufferPointer { gw in
            sgemm(transB: .transposed, m: outChannels, n: g.patchSize, k: columns, a: dyPrime, lda: columns,
                  b: cols, ldb: columns, beta: 1, c: gw.baseAddress!, ldc: g.patchSize)
        }
        bias.grad.data.withUnsafeMutableBufferPointer { gb in
            dyPrime.withUnsafeBufferPointer { d in
                for oc in 0..<outChannels {
                    var s: Float = 0
                    for j in 0..<columns { s += d[oc * columns + j] }
                    gb[oc] += s
                }
            }
        }
        // dcols (C·k·k, N·P) = Wᵀ · dY', then scattered back to the image.
        var dcols = uninitializedFloats(g.patchSize * columns)
        dcols.withUnsafeMutableBufferPointer { dc in
            sgemm(transA: .transposed, m: g.patchSize, n: columns, k: outChannels, a: weight.value.data, lda: g.patchSize,
                  b: dyPrime, ldb: columns, c: dc.baseAddress!, ldc: columns)
        }
        var dx = Tensor(zeros: [n, inChannels, g.height, g.width])
        dx.data.withUnsafeMutableBufferPointer { p in g.col2im(dcols, batch: n, into: p.baseAddress!) }
        return dx
    }
}

/// Transposed 2-D convolution, PyTorch's `nn.ConvTranspose2d` (groups = 1, dilation = 1).
/// x (N, IC, H, W), weight (IC, OC, k, k), bias (OC), y (N, OC, OH, OW) with
/// OH = (H − 1)·s − 2p + k + output_padding. The forward pass is Conv2d's input gradient: GEMM then col2im.
public final class ConvTranspose2d: Layer {
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int
    public let weight: Parameter, bias: Parameter
    private var geometry: ConvGeometry?
    private var inputPrime: [Float] = []
    private var batch = 0

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, rng: inout SeededRNG) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        // PyTorch computes the bound from weight.size(1) · k · k = OC · k · k for transposed convs.
        let bound = 1 / Float(outChannels * kernel * kernel).squareRoot()
        weight = Parameter("weight", .randomUniform(shape: [inChannels, outChannels, kernel, kernel],
                                                    low: -bound, high: bound, using: &rng))
        bias = Parameter("bias", .randomUniform(shape: [outChannels], low: -bound, high: bound, using: &rng))
    }

    public var parameters: [Parameter] { [weight, bias] }
    public var spec: OpSpec {
        .convTranspose2d(in: inChannels, out: outChannels, kernel: kernel, stride: stride, padding: padding,
                         outputPadding: outputPadding)
    }

    public func outputSize(_ size: Int) -> Int { (size - 1) * stride - 2 * padding + kernel + outputPadding }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        requireShape(x.rank == 4 && x.shape[1] == inChannels, "ConvTranspose2d(\(inChannels)→\(outChannels)) got input \(x.shape)")
        let n = x.shape[0], h = x.shape[2], w = x.shape[3]
        // The geometry of the equivalent forward convolution, which maps (OC, OH, OW) to (H, W).
        let g = ConvGeometry(channels: outChannels, height: outputSize(h), width: outputSize(w),
                             kernel: kernel, stride: stride, padding: padding, outHeight: h, outWidth: w)
        geometry = g
        batch = n
        let columns = n * g.positions
        if inputPrime.count != inChannels * columns { inputPrime = uninitializedFloats(inChannels * columns) }
        inputPrime.withUnsafeMutableBufferPointer { p in
            permuteBatchToChannelMajor(x.data, n: n, c: inChannels, p: g.positions, into: p.baseAddress!)
        }
        // cols (OC·k·k, N·HW) = W_rᵀ (OC·k·k, IC) · X' (IC, N·HW)
        var cols = uninitializedFloats(g.patchSize * columns)
        cols.withUnsafeMutableBufferPointer { cp in
            sgemm(transA: .transposed, m: g.patchSize, n: columns, k: inChannels, a: weight.value.data, lda: g.patchSize,
                  b: inputPrime, ldb: columns, c: cp.baseAddress!, ldc: columns)
        }
        var y = Tensor.uninitialized(shape: [n, outChannels, g.height, g.width])  // bias fill covers it
        y.data.withUnsafeMutableBufferPointer { yp in
            let plane = g.height * g.width
            for b in 0..<n {
                for oc in 0..<outChannels {
                    (yp.baseAddress! + (b * outChannels + oc) * plane).update(repeating: bias.value.data[oc], count: plane)
                }
            }
            g.col2im(cols, batch: n, into: yp.baseAddress!)
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let g = geometry else { preconditionFailure("ConvTranspose2d.backward before forward") }
        let n = batch, columns = n * g.positions
        var dcols = uninitializedFloats(g.patchSize * columns)
        dcols.withUnsafeMutableBufferPointer { dc in
            dy.data.withUnsafeBufferPointer { g.im2col($0.baseAddress!, batch: n, into: dc.baseAddress!) }
        }
        // dW_r (IC, OC·k·k) += X' (IC, N·HW) · dcolsᵀ
        weight.grad.data.withUnsafeMutableBufferPointer { gw in
            sgemm(transB: .transposed, m: inChannels, n: g.patchSize, k: columns, a: inputPrime, lda: columns,
                  b: dcols, ldb: columns, beta: 1, c: gw.baseAddress!, ldc: g.patchSize)
        }
        bias.grad.data.withUnsafeMutableBufferPointer { gb in
            dy.data.withUnsafeBufferPointer { d in
                let plane = g.height * g.width
                for b in 0..<n {
                    for oc in 0..<outChannels {
                        var s: Float = 0
                        let base = (b * outChannels + oc) * plane
                        for j in 0..<plane { s += d[base + j] }
                        gb[oc] += s
                    }
                }
            }
        }
        // dX' (IC, N·HW) = W_r (IC, OC·k·k) · dcols
        var dxPrime = uninitializedFloats(inChannels * columns)
        dxPrime.withUnsafeMutableBufferPointer { p in
            sgemm(m: inChannels, n: columns, k: g.patchSize, a: weight.value.data, lda: g.patchSize,
                  b: dcols, ldb: columns, c: p.baseAddress!, ldc: columns)
        }
        var dx = Tensor.uninitialized(shape: [n, inChannels, g.outHeight, g.outWidth])
        dx.data.withUnsafeMutableBufferPointer { p in
            permuteChannelMajorToBatch(dxPrime, n: n, c: inChannels, p: g.positions, into: p.baseAddress!)
        }
        return dx
    }
}
