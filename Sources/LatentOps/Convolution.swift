import LatentCore

/// The three forward passes of a convolution (`Convolution.path`).
package enum ConvolutionPath: String, Sendable { case im2col, winograd, direct }

/// A convolution's weight prepared for the Winograd or direct pass: the transform or packing that
/// depends on the weight alone, made once and kept while the weight does not change.
package struct PreparedConvolutionWeights: Sendable {
    package var winograd: [Float]?
    package var direct: [Float]?

    /// For the path a map of `positions` takes, or (nil: a graph's weight, before any input has come)
    /// for every path some map size may take.
    package init(_ conv: Convolution, weight w: Tensor, positions: Int? = nil) {
        let c = w.shape[1], oc = w.shape[0]
        let paths: Set<ConvolutionPath> = positions.map { [conv.path(inChannels: c, outChannels: oc, positions: $0)] }
            ?? [conv.path(inChannels: c, outChannels: oc, positions: 1), conv.path(inChannels: c, outChannels: oc, positions: .max)]
        if paths.contains(.winograd) { winograd = WinogradConvolution.transformWeights(w) }
        if paths.contains(.direct), let direct = DirectConvolution(conv) { self.direct = direct.packWeights(w) }
    }
}

/// A 2-D convolution (ONNX `Conv`, PyTorch `nn.Conv2d`): x (N, C, H, W), weight (OC, C/groups, kh, kw),
/// bias (OC) → y (N, OC, OH, OW). The one op that native `Conv2d` layers and imported graphs both run;
/// `path` picks its pass (direct, Winograd, or this type's own): im2col + one GEMM per group over chunks
/// of the batch per thread (`BatchChunks`), the bias
/// preloaded into the GEMM's output and an activation applied to each chunk while it is still in cache.
package struct Convolution: Sendable {
    package var kernel: (h: Int, w: Int)
    package var stride: (h: Int, w: Int) = (1, 1)
    package var dilation: (h: Int, w: Int) = (1, 1)
    package var pads: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0)
    package var groups = 1
    /// Applied to the output (a Conv followed by Relu, fused at load).
    package var activation: Activation?

    package init(kernel: (h: Int, w: Int), stride: (h: Int, w: Int) = (1, 1), dilation: (h: Int, w: Int) = (1, 1),
                 pads: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0), groups: Int = 1) {
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.pads = pads
        self.groups = groups
    }

    /// The native layers' square window with the same padding on every side.
    package init(kernel: Int, stride: Int, padding: Int) {
        self.init(kernel: (kernel, kernel), stride: (stride, stride), pads: (padding, padding, padding, padding))
    }

    /// (OH, OW) for an input of (H, W); not positive when the window does not fit.
    package func outputSize(_ h: Int, _ w: Int) -> (h: Int, w: Int) {
        (ConvGeometry.convOutput(h, kernel: kernel.h, stride: stride.h, pads: pads.top + pads.bottom, dilation: dilation.h),
         ConvGeometry.convOutput(w, kernel: kernel.w, stride: stride.w, pads: pads.left + pads.right, dilation: dilation.w))
    }

    /// The output shape for an input and weight of these shapes, or why they do not fit.
    package func outputShape(input x: [Int], weight w: [Int], biasCount: Int?) throws -> [Int] {
        guard x.count == 4, w.count == 4 else { throw GraphError("only 2-D convolutions are supported (input \(x), weight \(w))") }
        guard w[2] == kernel.h, w[3] == kernel.w else { throw GraphError("weight \(w) does not match kernel_shape \([kernel.h, kernel.w])") }
        let c = x[1], oc = w[0]
        guard groups > 0, c % groups == 0, oc % groups == 0, w[1] == c / groups else {
            throw GraphError("weight \(w) does not fit input \(x) with \(groups) group(s)")
        }
        if let biasCount, biasCount != oc { throw GraphError("bias of \(biasCount) for \(oc) channels") }
        let (oh, ow) = outputSize(x[2], x[3])
        guard oh > 0, ow > 0 else { throw GraphError("the window does not fit the input \(x)") }
        let shape = [x[0], oc, oh, ow]
        _ = try checkedCount(shape)
        let g = geometry(input: x)
        _ = try checkedCount([g.patchSize, g.positions])
        try checkedProduct(oc / groups, g.positions, g.patchSize)
        return shape
    }

    /// The window over one group's channels of an input of this shape.
    package func geometry(input x: [Int]) -> ConvGeometry {
        let (oh, ow) = outputSize(x[2], x[3])
        return ConvGeometry(channels: x[1] / groups, height: x[2], width: x[3], kernel: (kernel.h, kernel.w),
                            stride: (stride.h, stride.w), padTopLeft: (pads.top, pads.left), dilation: (dilation.h, dilation.w),
                            outHeight: oh, outWidth: ow, imageStride: x[1] * x[2] * x[3])
    }

    /// Whether Winograd's F(4×4, 3×3) beats im2col for this window at these channel counts and output
    /// positions per image (when `WinogradConvolution(self)` exists): its transforms are per channel,
    /// its GEMMs per channel pair, so narrow layers pay the transforms without the products' savings, and
    /// a map of a few 4×4 tiles makes 36 GEMMs too small to run well.
    package static func winogradPays(inChannels c: Int, outChannels oc: Int, positions: Int = .max) -> Bool {
        return c >= 8 && oc >= 8 && positions >= 64
    }

    /// Which of the three forward passes suits this window at these channel counts and output positions
    /// per image. Direct: narrow layers (see `DirectConvolution`); Winograd: 3×3 windows of wider ones;
    /// im2col + GEMM: every other window (strided, dilated, grouped, 1×1 or large kernels).
    package func path(inChannels c: Int, outChannels oc: Int, positions: Int) -> ConvolutionPath {
        // Both other passes take stride-1, undilated, ungrouped windows with zero padding outside.
        guard stride == (1, 1), dilation == (1, 1), groups == 1, pads.top >= 0, pads.left >= 0, pads.bottom >= 0, pads.right >= 0
        else { return .im2col }
        if Self.directPays(inChannels: c, outChannels: oc, kernel: kernel, positions: positions) { return .direct }
        if kernel == (3, 3), Self.winogradPays(inChannels: c, outChannels: oc, positions: positions) { return .winograd }
        return .im2col
    }

    /// Whether the direct pass beats the others: layers of up to 32 input and 64 output channels (Tiny's
    /// 16, a first layer's 3, a small VQ decoder's 32 → 64), on maps where Winograd does not apply or has
    /// at most 16×16 positions to spread its transforms over. Past that, Winograd's 4× fewer products
    /// win, and wider layers are GEMM's.
    package static func directPays(inChannels c: Int, outChannels oc: Int, kernel: (h: Int, w: Int), positions: Int) -> Bool {
        guard kernel.h * kernel.w > 1, c <= 32, oc <= 64 else { return false }
        return positions <= 256 || kernel != (3, 3) || !winogradPays(inChannels: c, outChannels: oc, positions: positions)
    }

    /// y as `forward(_:weight:bias:)` gives it, by the path `path` picks, with the weight's Winograd
    /// transform or direct packing taken from `prepared` when it holds it (made once at load).
    package func forward(_ x: Tensor, weight: Tensor, prepared: PreparedConvolutionWeights?, bias: [Float]?) -> Tensor {
        let (oh, ow) = outputSize(x.shape[2], x.shape[3])
        switch path(inChannels: x.shape[1], outChannels: weight.shape[0], positions: oh * ow) {
        case .direct:
            let direct = DirectConvolution(self)!
            return direct.forward(x, packedWeights: prepared?.direct ?? direct.packWeights(weight), outChannels: weight.shape[0], bias: bias)
        case .winograd:
            let winograd = WinogradConvolution(self)!
            return winograd.forward(x, transformedWeights: prepared?.winograd ?? WinogradConvolution.transformWeights(weight), bias: bias)
        case .im2col:
            return forward(x, weight: weight, bias: bias)
        }
    }

    /// How the forward pass cuts a batch of `n` (a training layer's backward pass cuts it the same way).
    package func plan(batch n: Int, geometry g: ConvGeometry, outChannels oc: Int) -> BatchChunks {
        BatchChunks(batch: n, floatsPerImage: (2 * g.patchSize + 2 * oc) * g.positions)
    }

    /// y for x, weight and bias whose shapes `outputShape` accepted.
    package func forward(_ x: Tensor, weight: Tensor, bias: [Float]?) -> Tensor {
        let g = geometry(input: x.shape)
        let n = x.shape[0], oc = weight.shape[0], ocg = oc / groups, p = g.positions, patch = g.patchSize
        var y = Tensor.uninitialized(shape: [n, oc, g.outHeight, g.outWidth])
        guard n > 0, y.count > 0 else { return y }
        let chunks = plan(batch: n, geometry: g, outChannels: oc)
        let most = chunks.imagesPerChunk * p
        let groups = groups, activation = activation
        let pointwiseSingle = g.isPointwise
        withConvolutionPointers(x, weight, &y) { X, W, Y in
            chunks.forEachChunk(scratch: patch * most + ocg * most) { images, scratch in
                let columns = images.count * p
                for gi in 0..<groups {
                    let xg = X.pointer + gi * g.channels * g.height * g.width
                    // One image needs no permutation on either side: its (C, P) plane is already the
                    // GEMM's B when the window is 1×1, and its (OC, P) output is the GEMM's C.
                    let cols: UnsafePointer<Float>
                    if images.count == 1 && pointwiseSingle {
                        cols = xg + images.lowerBound * g.imageStride
                    } else {
                        let into = scratch + ocg * most
                        g.im2col(xg, images: images, into: into)
                        cols = UnsafePointer(into)
                    }
                    let direct = images.count == 1
                    let out = direct ? Y.pointer + (images.lowerBound * oc + gi * ocg) * p : scratch
                    for o in 0..<ocg { (out + o * columns).update(repeating: bias?[gi * ocg + o] ?? 0, count: columns) }
                    // A small output (a batch-1 layer on a small map: 64 × 64 for a 4×4 stride-2 32 → 64
                    // on 16×16) with a deep patch (512) is a product OpenBLAS packs on every call; cut
                    // along the patch into 64-deep products accumulated onto the output, each takes its
                    // small-matrix kernels unpacked (as the transposed convolution's below).
                    let depth = ocg * columns <= 64 * 64 ? 64 : patch
                    for k0 in Swift.stride(from: 0, to: patch, by: depth) {
                        sgemm(m: ocg, n: columns, k: min(depth, patch - k0), a: W.pointer + gi * ocg * patch + k0, lda: patch,
                              b: cols + k0 * columns, ldb: columns, beta: 1, c: out, ldc: columns, threads: chunks.gemmThreads)
                    }
                    if !direct {
                        permuteChannelMajorToBatch(scratch, n: images.count, c: ocg, p: p, imageStride: oc * p,
                                                   into: Y.pointer + (images.lowerBound * oc + gi * ocg) * p)
                    }
                }
                if let activation {
                    activation.applySerial(Y.pointer + images.lowerBound * oc * p, count: images.count * oc * p)
                }
            }
        }
        return y
    }
}

/// A transposed 2-D convolution (ONNX `ConvTranspose`, PyTorch `nn.ConvTranspose2d`): x (N, IC, H, W),
/// weight (IC, OC/groups, kh, kw), bias (OC) → y (N, OC, OH, OW) with
/// OH = (H − 1)·s − pads + (k − 1)·d + 1 + output_padding. The forward pass is a convolution's input
/// gradient: per group one GEMM then col2im, over chunks of the batch per thread.
package struct TransposedConvolution: Sendable {
    package var kernel: (h: Int, w: Int)
    package var stride: (h: Int, w: Int) = (1, 1)
    package var dilation: (h: Int, w: Int) = (1, 1)
    package var pads: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0)
    package var outputPadding: (h: Int, w: Int) = (0, 0)
    package var groups = 1
    package var activation: Activation?

    package init(kernel: (h: Int, w: Int), stride: (h: Int, w: Int) = (1, 1), dilation: (h: Int, w: Int) = (1, 1),
                 pads: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0), outputPadding: (h: Int, w: Int) = (0, 0),
                 groups: Int = 1) {
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.pads = pads
        self.outputPadding = outputPadding
        self.groups = groups
    }

    package init(kernel: Int, stride: Int, padding: Int, outputPadding: Int) {
        self.init(kernel: (kernel, kernel), stride: (stride, stride), pads: (padding, padding, padding, padding),
                  outputPadding: (outputPadding, outputPadding))
    }

    package func outputSize(_ h: Int, _ w: Int) -> (h: Int, w: Int) {
        (stride.h * (h - 1) + outputPadding.h + (kernel.h - 1) * dilation.h + 1 - pads.top - pads.bottom,
         stride.w * (w - 1) + outputPadding.w + (kernel.w - 1) * dilation.w + 1 - pads.left - pads.right)
    }

    package func outputShape(input x: [Int], weight w: [Int], biasCount: Int?) throws -> [Int] {
        guard x.count == 4, w.count == 4 else { throw GraphError("only 2-D transposed convolutions are supported (input \(x), weight \(w))") }
        guard w[2] == kernel.h, w[3] == kernel.w else { throw GraphError("weight \(w) does not match kernel_shape \([kernel.h, kernel.w])") }
        guard groups > 0, x[1] % groups == 0, w[0] == x[1] else { throw GraphError("weight \(w) does not fit input \(x) with \(groups) group(s)") }
        let oc = w[1] * groups
        if let biasCount, biasCount != oc { throw GraphError("bias of \(biasCount) for \(oc) channels") }
        let (oh, ow) = outputSize(x[2], x[3])
        guard oh > 0, ow > 0 else { throw GraphError("the output would be empty") }
        let shape = [x[0], oc, oh, ow]
        _ = try checkedCount(shape)
        let g = geometry(input: x, outChannels: oc)
        _ = try checkedCount([g.patchSize, g.positions])
        try checkedProduct(g.patchSize, g.positions, x[1] / groups)
        return shape
    }

    /// The geometry of the forward convolution this is the adjoint of: it maps one group's (OC/g, OH, OW)
    /// to (H, W).
    package func geometry(input x: [Int], outChannels oc: Int) -> ConvGeometry {
        let (oh, ow) = outputSize(x[2], x[3])
        return ConvGeometry(channels: oc / groups, height: oh, width: ow, kernel: (kernel.h, kernel.w),
                            stride: (stride.h, stride.w), padTopLeft: (pads.top, pads.left), dilation: (dilation.h, dilation.w),
                            outHeight: x[2], outWidth: x[3], imageStride: oc * oh * ow)
    }

    package func plan(batch n: Int, geometry g: ConvGeometry, inChannels ic: Int) -> BatchChunks {
        BatchChunks(batch: n, floatsPerImage: (2 * ic + g.patchSize) * g.positions + 2 * g.channels * groups * g.height * g.width)
    }

    /// y for x, weight and bias whose shapes `outputShape` accepted.
    package func forward(_ x: Tensor, weight: Tensor, bias: [Float]?) -> Tensor {
        let n = x.shape[0], ic = x.shape[1], icg = ic / groups, oc = weight.shape[1] * groups
        let g = geometry(input: x.shape, outChannels: oc)
        let ocg = g.channels, p = g.positions, patch = g.patchSize, plane = g.height * g.width
        var y = Tensor.uninitialized(shape: [n, oc, g.height, g.width])
        guard n > 0, y.count > 0 else { return y }
        let chunks = plan(batch: n, geometry: g, inChannels: ic)
        let most = chunks.imagesPerChunk * p
        let groups = groups, activation = activation
        withConvolutionPointers(x, weight, &y) { X, W, Y in
            chunks.forEachChunk(scratch: patch * most + icg * most) { images, cols in
                let columns = images.count * p
                for b in images {
                    for o in 0..<oc { (Y.pointer + (b * oc + o) * plane).update(repeating: bias?[o] ?? 0, count: plane) }
                }
                for gi in 0..<groups {
                    // X' (ICg, chunk·HW): one image's group planes are it already.
                    let xPrime: UnsafePointer<Float>
                    if images.count == 1 {
                        xPrime = X.pointer + (images.lowerBound * ic + gi * icg) * p
                    } else {
                        let into = cols + patch * most
                        permuteBatchToChannelMajor(X.pointer + images.lowerBound * ic * p + gi * icg * p, n: images.count, c: icg, p: p,
                                                   imageStride: ic * p, into: into)
                        xPrime = UnsafePointer(into)
                    }
                    // cols (OCg·k·k, chunk·HW) = W_gᵀ (OCg·k·k, ICg) · X', added onto the bias by col2im.
                    // OpenBLAS multiplies products of up to about 64³ with its small-matrix kernels, which
                    // do not pack their operands; a batch-1 layer's (512 × 64 × 64 for 64 → 32, 4×4) took
                    // the packing path and repacked the weight on every call, a sixth of the layer. Cut
                    // into 64-row products it takes the small path; wide products (training's chunks)
                    // stay whole.
                    let rowsPerCall = columns * icg <= 64 * 64 ? 64 : patch
                    for r0 in Swift.stride(from: 0, to: patch, by: rowsPerCall) {
                        sgemm(transA: .transposed, m: min(rowsPerCall, patch - r0), n: columns, k: icg, a: W.pointer + gi * icg * patch + r0, lda: patch,
                              b: xPrime, ldb: columns, c: cols + r0 * columns, ldc: columns, threads: chunks.gemmThreads)
                    }
                    g.col2im(cols, images: images, into: Y.pointer + gi * ocg * plane)
                }
                if let activation {
                    activation.applySerial(Y.pointer + images.lowerBound * oc * plane, count: images.count * oc * plane)
                }
            }
        }
        return y
    }
}

/// The input, weight and output of a convolution as the pointers its chunk workers share (each writes
/// its own images of y).
private func withConvolutionPointers(_ x: Tensor, _ w: Tensor, _ y: inout Tensor,
                                     _ body: (UncheckedConst<Float>, UncheckedConst<Float>, UncheckedPointer<Float>) -> Void) {
    x.data.withUnsafeBufferPointer { xb in
        w.data.withUnsafeBufferPointer { wb in
            y.data.withUnsafeMutableBufferPointer { yb in
                body(UncheckedConst(xb.baseAddress!), UncheckedConst(wb.baseAddress!), UncheckedPointer(yb.baseAddress!))
            }
        }
    }
}

/// Refuses products whose work would be absurd for a model file (a lying weight shape).
package func checkedProduct(_ m: Int, _ n: Int, _ k: Int) throws {
    let (mn, o1) = m.multipliedReportingOverflow(by: n)
    let (mnk, o2) = mn.multipliedReportingOverflow(by: Swift.max(k, 1))
    guard !o1, !o2, mnk <= 1 << 40 else { throw GraphError("a product of \(m)×\(k) by \(k)×\(n) is too large") }
}
