import CKernels
import LatentCore
import LatentOps

/// 2-D convolution, PyTorch's `nn.Conv2d` (groups = 1, dilation = 1).
/// x (N, C, H, W), weight (OC, C, k, k), bias (OC), y (N, OC, OH, OW) with OH = (H + 2p − k)/s + 1.
/// The forward pass is the op library's `Convolution`; this layer adds the parameters and the backward pass.
public final class Conv2d: Layer {
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    public let weight: Parameter, bias: Parameter
    private var geometry: ConvGeometry?
    /// How the last forward pass cut its batch (backward cuts its own, for its working set).
    private(set) var plan: BatchChunks?
    /// The input of the last training forward pass: backward rebuilds each chunk's columns from it
    /// (see `backward`).
    private var input: Tensor?
    /// Whether the last forward pass kept what backward needs (training) or not (inference).
    private var kept = false
    /// The weights' Winograd transform or direct packing and the weight version it was made from.
    private var preparedWeights: (version: Int, positions: Int, weights: PreparedConvolutionWeights)?
    /// The same for the input gradient's convolution (the kernel flipped, its channels swapped).
    private var winogradInputGradientWeights: (version: Int, u: [Float])?

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

    /// The op this layer trains: its forward pass is the one imported graphs run.
    var op: Convolution { Convolution(kernel: kernel, stride: stride, padding: padding) }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        requireShape(x.rank == 4 && x.shape[1] == inChannels, "Conv2d(\(inChannels)→\(outChannels)) got input \(x.shape)")
        let op = op, g = op.geometry(input: x.shape), n = x.shape[0]
        geometry = g
        plan = op.plan(batch: n, geometry: g, outChannels: outChannels)
        // Training keeps the input for the weight gradient, whose columns backward builds chunk by chunk;
        // every pass writes each chunk's columns into its scratch. Keeping the whole batch's columns
        // instead (k·k/s² times the input: 12.8 MB for 128 digits through the 32→64 4×4 stride-2 layer)
        // sent them to memory and back, which cost more than building them twice in cache.
        kept = training
        input = training ? x : nil
        // The Winograd or direct pass (narrow or 3×3 stride-1 layers), its prepared weights kept until
        // the weights change.
        if op.path(inChannels: inChannels, outChannels: outChannels, positions: g.positions) != .im2col {
            if preparedWeights?.version != weight.version || preparedWeights?.positions != g.positions {
                preparedWeights = (weight.version, g.positions, PreparedConvolutionWeights(op, weight: weight.value, positions: g.positions))
            }
            return op.forward(x, weight: weight.value, prepared: preparedWeights!.weights, bias: bias.value.data)
        }
        return op.forward(x, weight: weight.value, bias: bias.value.data)
    }

    /// The input gradient of a 3×3 stride-1 layer as a convolution: dx = dy ⋆ W′ with W′[c, o] the kernel
    /// W[o, c] turned by 180° and padding 2 − p, by Winograd (nil when that does not pay). It replaces the
    /// GEMM Wᵀ·dY′ (C·9 × OC × positions) and col2im's scatter of its 9·C rows.
    private func winogradInputGradient(_ dy: Tensor, geometry g: ConvGeometry) -> Tensor? {
        guard kernel == 3, stride == 1, padding <= 2, g.height == g.outHeight + 2 - 2 * padding,
              Convolution.winogradPays(inChannels: outChannels, outChannels: inChannels, positions: g.height * g.width)
        else { return nil }
        if winogradInputGradientWeights?.version != weight.version {
            let oc = outChannels, c = inChannels, w = weight.value.data
            var turned = Tensor.uninitialized(shape: [c, oc, 3, 3])
            for o in 0..<oc {
                for ci in 0..<c {
                    for t in 0..<9 { turned.data[(ci * oc + o) * 9 + t] = w[(o * c + ci) * 9 + 8 - t] }
                }
            }
            winogradInputGradientWeights = (weight.version, WinogradConvolution.transformWeights(turned))
        }
        let q = 2 - padding
        return WinogradConvolution(pads: (q, q, q, q)).forward(dy, transformedWeights: winogradInputGradientWeights!.u, bias: nil)
    }

    public func backward(_ dy: Tensor) -> Tensor { backward(dy, inputGradient: true)! }

    public func accumulateParameterGradients(_ dy: Tensor) { _ = backward(dy, inputGradient: false) }

    private func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        guard let g = geometry, let forwardChunks = plan, kept, let rebuilt = input else { preconditionFailure("Conv2d.backward without a training forward") }
        guard forwardChunks.batch > 0 else { return Tensor(zeros: [0, inChannels, g.height, g.width]) }
        let winogradDX = inputGradient ? winogradInputGradient(dy, geometry: g) : nil
        let inputGradient = inputGradient && winogradDX == nil
        let oc = outChannels, p = g.positions, patch = g.patchSize, plane = inChannels * g.height * g.width
        // Each chunk's columns are built from the input into the chunk's scratch, where the
        // weight-gradient GEMM finds them in cache. Chunks are cut for backward's own working set, so
        // the GEMM's inner extent is several images rather than forward's one.
        let weightsByWinograd = winogradWeightGradient(dy, input: rebuilt, geometry: g)
        if weightsByWinograd && !inputGradient { return winogradDX }
        let chunks = BatchChunks(batch: forwardChunks.batch, floatsPerImage: ((inputGradient ? 2 : 1) * patch + oc) * p,
                                 chunkFloats: Self.backwardChunkFloats)
        var dx = Tensor.uninitialized(shape: inputGradient ? [chunks.batch, inChannels, g.height, g.width] : [0])
        let most = chunks.imagesPerChunk * p
        let rebuiltFloats = weightsByWinograd ? 0 : patch * most
        withBackwardPointers(dy, kept: rebuilt.data, weight: weight.value, dx: &dx) { DY, X, W, DX in
            chunks.forEachChunk(scratch: (oc + (inputGradient ? patch : 0)) * most + rebuiltFloats,
                                weightGrad: &weight.grad.data, biasGrad: &bias.grad.data) { images, scratch, gw, gb in
                let columns = images.count * p
                let dyPrime = scratch
                permuteBatchToChannelMajor(DY.pointer + images.lowerBound * oc * p, n: images.count, c: oc, p: p,
                                           into: dyPrime)
                if !weightsByWinograd {
                    let colsChunk = scratch + (oc + (inputGradient ? patch : 0)) * most
                    g.im2col(X.pointer, images: images, into: colsChunk)
                    // dW (OC, C·k·k) += dY' (OC, chunk·P) · colsᵀ; db += row sums of dY'.
                    sgemm(transB: .transposed, m: oc, n: patch, k: columns, a: dyPrime, lda: columns,
                          b: colsChunk, ldb: columns, beta: 1, c: gw, ldc: patch, threads: chunks.gemmThreads)
                    for o in 0..<oc { gb[o] += VectorMath.sum(dyPrime + o * columns, count: columns) }
                }
                guard inputGradient, let DX else { return }
                // dcols (C·k·k, chunk·P) = Wᵀ · dY', scattered back onto the chunk's zeroed images.
                let dcols = scratch + oc * most
                sgemm(transA: .transposed, m: patch, n: columns, k: oc, a: W.pointer, lda: patch,
                      b: dyPrime, ldb: columns, c: dcols, ldc: columns, threads: chunks.gemmThreads)
                (DX.pointer + images.lowerBound * plane).update(repeating: 0, count: images.count * plane)
                g.col2im(dcols, images: images, into: DX.pointer)
            }
        }
        return winogradDX ?? (inputGradient ? dx : nil)
    }

    /// The working set a backward chunk that builds its own columns aims at (floats; ConvTranspose2d's
    /// backward chunks too).
    static let backwardChunkFloats = 1 << 18

    /// dW and db of a 3×3 stride-1 layer by Winograd's F(3×3, 4×4) (see CKWinogradGrad.h), added into
    /// the gradients; false (nothing done) where Winograd does not pay. It replaces the im2col columns
    /// (9× the input) and the GEMM over them, 4× the multiplies. Tile rows are split over the threads,
    /// each summing its own 36 OC × C products; those are added in thread order, so the result
    /// depends on the thread count only.
    private func winogradWeightGradient(_ dy: Tensor, input x: Tensor, geometry g: ConvGeometry) -> Bool {
        guard kernel == 3, stride == 1,
              Convolution.winogradPays(inChannels: inChannels, outChannels: outChannels, positions: g.positions) else { return false }
        let n = x.shape[0], c = inChannels, oc = outChannels, q = WinogradConvolution.positions
        let th = (g.outHeight + 3) / 4, tw = (g.outWidth + 3) / 4, rows = n * th
        var wg = ck_wino_geometry(channels: c, height: g.height, width: g.width, outChannels: oc, outH: g.outHeight,
                                  outW: g.outWidth, padTop: padding, padLeft: padding, tilesH: th, tilesW: tw)
        let workers = max(1, min(ComputeThreads.current, rows))
        let rowsPerChunk = max(1, min(rows, winogradGradientChunkFloats / (q * (c + oc) * tw)))
        let most = rowsPerChunk * tw, pairs = oc * c
        var m = [Float](repeating: 0, count: workers * q * pairs)
        x.data.withUnsafeBufferPointer { xb in
            dy.data.withUnsafeBufferPointer { db in
                m.withUnsafeMutableBufferPointer { mb in
                    let X = UncheckedConst(xb.baseAddress!), DY = UncheckedConst(db.baseAddress!), M = UncheckedPointer(mb.baseAddress!)
                    parallelRanges(workers, threads: workers) { ws in
                        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: q * (c + oc) * most)
                        defer { scratch.deallocate() }
                        let v = scratch, u = scratch + q * c * most
                        for w in ws {
                            let mw = M.pointer + w * q * pairs
                            for r0 in Swift.stride(from: rows * w / workers, to: rows * (w + 1) / workers, by: rowsPerChunk) {
                                let r1 = min(rows * (w + 1) / workers, r0 + rowsPerChunk), tiles = (r1 - r0) * tw
                                precondition(ck_wino43_input(&wg, X.pointer, r0, r1, 0, c, v, tiles) != 0, "out of memory")
                                precondition(ck_wino43_grad_dy(&wg, DY.pointer, r0, r1, 0, oc, u, tiles) != 0, "out of memory")
                                // M_pos (OC × C) += U_pos (OC × tiles) · V_pos (C × tiles)ᵀ
                                for pos in 0..<q {
                                    sgemm(transB: .transposed, m: oc, n: c, k: tiles, a: u + pos * oc * tiles, lda: tiles,
                                          b: v + pos * c * tiles, ldb: tiles, beta: 1, c: mw + pos * pairs, ldc: c, threads: 1)
                                }
                            }
                        }
                    }
                    for w in 1..<max(1, workers) {
                        let mw = M.pointer + w * q * pairs
                        for i in 0..<(q * pairs) { M.pointer[i] += mw[i] }
                    }
                    weight.grad.data.withUnsafeMutableBufferPointer { gw in
                        ck_wino43_grad_output(M.pointer, oc, c, 0, pairs, gw.baseAddress!)
                    }
                    let p = g.positions
                    bias.grad.data.withUnsafeMutableBufferPointer { gb in
                        for b in 0..<n {
                            for o in 0..<oc { gb[o] += VectorMath.sum(DY.pointer + (b * oc + o) * p, count: p) }
                        }
                    }
                }
            }
        }
        return true
    }

    /// Floats of V and U a chunk of tile rows of the weight gradient may take (tests lower it to cut a
    /// small batch into many chunks).
    var winogradGradientChunkFloats = 1 << 20
}

/// Transposed 2-D convolution, PyTorch's `nn.ConvTranspose2d` (groups = 1, dilation = 1).
/// x (N, IC, H, W), weight (IC, OC, k, k), bias (OC), y (N, OC, OH, OW) with
/// OH = (H − 1)·s − 2p + k + output_padding. The forward pass is the op library's `TransposedConvolution`
/// (Conv2d's input gradient: GEMM then col2im); this layer adds the parameters and the backward pass.
public final class ConvTranspose2d: Layer {
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int
    public let weight: Parameter, bias: Parameter
    private var geometry: ConvGeometry?
    /// How the last forward pass cut its batch (backward cuts its own, for its working set).
    private(set) var plan: BatchChunks?
    /// The input of the last training forward pass: backward permutes each chunk of it channel-major.
    private var input: Tensor?
    /// Whether the last forward pass kept what backward needs (training) or not (inference).
    private var kept = false

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

    /// The op this layer trains: its forward pass is the one imported graphs run.
    var op: TransposedConvolution {
        TransposedConvolution(kernel: kernel, stride: stride, padding: padding, outputPadding: outputPadding)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        requireShape(x.rank == 4 && x.shape[1] == inChannels, "ConvTranspose2d(\(inChannels)→\(outChannels)) got input \(x.shape)")
        let op = op, g = op.geometry(input: x.shape, outChannels: outChannels), n = x.shape[0]
        geometry = g
        plan = op.plan(batch: n, geometry: g, inChannels: inChannels)
        // Training keeps the input for the weight gradient, which takes it channel-major (X'): backward
        // permutes each chunk into its scratch, in cache, rather than forward writing the whole batch's
        // X' to memory for backward to read back.
        kept = training
        input = training ? x : nil
        return op.forward(x, weight: weight.value, bias: bias.value.data)
    }

    public func backward(_ dy: Tensor) -> Tensor { backward(dy, inputGradient: true)! }

    public func accumulateParameterGradients(_ dy: Tensor) { _ = backward(dy, inputGradient: false) }

    private func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        guard let g = geometry, let forwardChunks = plan, kept, let x = input else {
            preconditionFailure("ConvTranspose2d.backward without a training forward")
        }
        guard forwardChunks.batch > 0 else { return Tensor(zeros: [0, inChannels, g.outHeight, g.outWidth]) }
        let ic = inChannels, oc = outChannels, p = g.positions, patch = g.patchSize, plane = g.height * g.width
        // Chunks cut for backward's own working set (dcols, X' and dX'), as Conv2d's backward cuts them.
        let chunks = BatchChunks(batch: forwardChunks.batch, floatsPerImage: (patch + (inputGradient ? 2 : 1) * ic) * p,
                                 chunkFloats: Conv2d.backwardChunkFloats)
        var dx = Tensor.uninitialized(shape: inputGradient ? [chunks.batch, ic, g.outHeight, g.outWidth] : [0])
        let most = chunks.imagesPerChunk * p
        withBackwardPointers(dy, kept: x.data, weight: weight.value, dx: &dx) { DY, X, W, DX in
            chunks.forEachChunk(scratch: (patch + (inputGradient ? 2 : 1) * ic) * most,
                                weightGrad: &weight.grad.data, biasGrad: &bias.grad.data) { images, scratch, gw, gb in
                let columns = images.count * p
                let dcols = scratch, xPrime = scratch + patch * most
                g.im2col(DY.pointer, images: images, into: dcols)
                permuteBatchToChannelMajor(X.pointer + images.lowerBound * ic * p, n: images.count, c: ic, p: p, into: xPrime)
                // dW_r (IC, OC·k·k) += X' (IC, chunk·HW) · dcolsᵀ; db += sums of dy's planes.
                sgemm(transB: .transposed, m: ic, n: patch, k: columns, a: xPrime, lda: columns,
                      b: dcols, ldb: columns, beta: 1, c: gw, ldc: patch, threads: chunks.gemmThreads)
                for b in images {
                    for o in 0..<oc { gb[o] += VectorMath.sum(DY.pointer + (b * oc + o) * plane, count: plane) }
                }
                guard inputGradient, let DX else { return }
                // dX' (IC, chunk·HW) = W_r (IC, OC·k·k) · dcols, permuted back to the chunk's images.
                let dxPrime = scratch + (patch + ic) * most
                sgemm(m: ic, n: columns, k: patch, a: W.pointer, lda: patch, b: dcols, ldb: columns,
                      c: dxPrime, ldc: columns, threads: chunks.gemmThreads)
                permuteChannelMajorToBatch(dxPrime, n: images.count, c: ic, p: p,
                                           into: DX.pointer + images.lowerBound * ic * p)
            }
        }
        return inputGradient ? dx : nil
    }
}

/// The pointers a convolution's backward pass hands to its chunk workers: dy, the buffer forward kept,
/// the weights, and dx (nil when `dx` is empty: no input gradient wanted).
private func withBackwardPointers(_ dy: Tensor, kept: [Float], weight: Tensor, dx: inout Tensor,
                                  _ body: (UncheckedConst<Float>, UncheckedConst<Float>, UncheckedConst<Float>,
                                           UncheckedPointer<Float>?) -> Void) {
    dy.data.withUnsafeBufferPointer { dyb in
        kept.withUnsafeBufferPointer { kb in
            weight.data.withUnsafeBufferPointer { wb in
                dx.data.withUnsafeMutableBufferPointer { dxb in
                    body(UncheckedConst(dyb.baseAddress!), UncheckedConst(kb.baseAddress!), UncheckedConst(wb.baseAddress!),
                         dxb.baseAddress.map(UncheckedPointer.init))
                }
            }
        }
    }
}
