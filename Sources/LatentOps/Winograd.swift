import CKernels
import LatentCore

/// A 3×3, stride-1, undilated, ungrouped convolution by Winograd's F(4×4, 3×3): the same y as
/// `Convolution.forward` for those windows (any padding), with 4× fewer multiplies.
///
/// Why: im2col spends 9 multiply-adds per output per input channel and copies every input value 9 times
/// into its columns; here each 6×6 input tile, transformed once (V = Bᵀ·d·B), serves a 4×4 output tile
/// through 36 element-wise products per channel pair. Summed over channels those products are 36 GEMMs,
/// one per tile position: M_pos (OC × tiles) = U_pos (OC × C) · V_pos (C × tiles), and y = Aᵀ·M·A per tile.
/// The weights' transform U = G·g·Gᵀ depends on the weights alone, so a caller that runs one layer many
/// times keeps `transformWeights`' result and passes it to `forward(_:transformedWeights:bias:)`.
///
/// Accuracy: the points 0, ±1, ±2 make the transforms' entries up to 8 (Aᵀ) and 5 (Bᵀ); in float32 the
/// result differs from im2col's by about 1e-6 of the output's largest magnitude (WinogradTests bound it).
package struct WinogradConvolution: Sendable {
    package var pads: (top: Int, left: Int, bottom: Int, right: Int)
    /// Applied to the output (a fused Relu/SiLU), as `Convolution.activation`.
    package var activation: Activation?
    /// The build of the channels-last transforms (the direct pass's best level by default, read once per
    /// process; tests run every level the CPU has).
    package var channelsLastLevel = DirectConvolution.bestLevel

    package init(pads: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0), activation: Activation? = nil) {
        precondition(pads.top >= 0 && pads.left >= 0 && pads.bottom >= 0 && pads.right >= 0, "negative padding \(pads)")
        self.pads = pads
        self.activation = activation
    }

    /// The Winograd form of `conv` when it is one (3×3, stride 1, dilation 1, one group), else nil.
    package init?(_ conv: Convolution) {
        guard conv.kernel == (3, 3), conv.stride == (1, 1), conv.dilation == (1, 1), conv.groups == 1,
              conv.pads.top >= 0, conv.pads.left >= 0, conv.pads.bottom >= 0, conv.pads.right >= 0 else { return nil }
        self.init(pads: conv.pads, activation: conv.activation)
    }

    /// Floats in one 6×6 tile's transform: the GEMMs' count.
    package static let positions = Int(CK_WINO_POSITIONS)

    /// U (36, OC, C) for weight (OC, C, 3, 3): position p's OC × C matrix at p·OC·C; for a layer the
    /// channels-last pass takes, (36, C, OC), each position's matrix transposed.
    package static func transformWeights(_ w: Tensor) -> [Float] {
        precondition(w.rank == 4 && w.shape[2] == 3 && w.shape[3] == 3, "a 3×3 weight (OC, C, 3, 3), not \(w.shape)")
        let oc = w.shape[0], c = w.shape[1]
        var u = uninitializedFloats(positions * oc * c)
        guard !u.isEmpty else { return u }
        // Training transforms every step (the weights change), so a large layer's is split over the threads.
        w.data.withUnsafeBufferPointer { wb in
            u.withUnsafeMutableBufferPointer { ub in
                let W = UncheckedConst(wb.baseAddress!), U = UncheckedPointer(ub.baseAddress!)
                parallelRanges(oc, threads: oc * c >= 1 << 10 ? ComputeThreads.current : 1) { os in
                    ck_wino43_filter_rows(W.pointer, oc, c, os.lowerBound, os.upperBound, U.pointer)
                }
            }
        }
        guard channelsLastPays(inChannels: c, outChannels: oc) else { return u }
        // The channels-last pass multiplies tiles × C by each position's C × OC: U transposed, in 16 × 16
        // blocks (row by row, one side's accesses were a cache line apart: 1 % of training).
        var t = uninitializedFloats(u.count)
        u.withUnsafeBufferPointer { ub in
            t.withUnsafeMutableBufferPointer { tb in
                let from = ub.baseAddress!, to = tb.baseAddress!, block = 16
                for q in 0..<positions {
                    let src = from + q * oc * c, dst = to + q * c * oc
                    for o0 in stride(from: 0, to: oc, by: block) {
                        for i0 in stride(from: 0, to: c, by: block) {
                            for o in o0..<min(oc, o0 + block) {
                                for i in i0..<min(c, i0 + block) { dst[i * oc + o] = src[o * c + i] }
                            }
                        }
                    }
                }
            }
        }
        return t
    }

    package func outputSize(_ h: Int, _ w: Int) -> (h: Int, w: Int) {
        (h + pads.top + pads.bottom - 2, w + pads.left + pads.right - 2)
    }

    /// y for x (N, C, H, W), a weight (OC, C, 3, 3) and bias (OC): transforms the weights on every call.
    package func forward(_ x: Tensor, weight: Tensor, bias: [Float]?) -> Tensor {
        precondition(weight.rank == 4 && weight.shape[1] == x.shape[1], "weight \(weight.shape) does not fit input \(x.shape)")
        return forward(x, transformedWeights: Self.transformWeights(weight), bias: bias)
    }

    /// Floats of V and M a chunk of tiles may take (4 MB): at 64 channels that is 227 tiles, a 32×60
    /// output, so a batch-1 latent is one chunk, while a 512×512 decoder stage is cut into row bands
    /// instead of allocating gigabytes. Each GEMM's operands (C × tiles) stay within L2 either way.
    /// (Tests lower it to cut small images into many bands.)
    package var chunkFloats = 1 << 20

    /// y for x (N, C, H, W), U from `transformWeights` (36·OC·C floats) and bias (OC).
    package func forward(_ x: Tensor, transformedWeights u: [Float], bias: [Float]?) -> Tensor {
        precondition(x.rank == 4, "input \(x.shape) is not (N, C, H, W)")
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let p = Self.positions
        precondition(c > 0 && u.count % (p * c) == 0, "\(u.count) transformed weights do not fit \(c) input channels")
        let oc = u.count / (p * c)
        precondition(bias == nil || bias!.count == oc, "bias of \(bias!.count) for \(oc) channels")
        let (oh, ow) = outputSize(h, w)
        precondition(oh > 0 && ow > 0, "the 3×3 window does not fit the input \(x.shape) with padding \(pads)")
        var y = Tensor.uninitialized(shape: [n, oc, oh, ow])
        guard y.count > 0 else { return y }

        let th = (oh + 3) / 4, tw = (ow + 3) / 4
        var g = ck_wino_geometry(channels: c, height: h, width: w, outChannels: oc, outH: oh, outW: ow,
                                 padTop: pads.top, padLeft: pads.left, tilesH: th, tilesW: tw)
        if Self.channelsLastPays(inChannels: c, outChannels: oc) {
            forwardChannelsLast(x, u: u, bias: bias, geometry: g, into: &y)
            return y
        }
        // Chunks are bands of tile rows, counted over the whole batch (a band may span images), so small
        // images are batched into one wider GEMM and a large one is cut.
        let rows = n * th
        let rowsPerChunk = min(rows, max(1, chunkFloats / (p * (c + oc) * tw)))
        let most = rowsPerChunk * tw
        let threads = 2 * oc * c * 9 * oh * ow * n >= 1 << 22 ? ComputeThreads.current : 1
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: p * (c + oc) * most)
        defer { scratch.deallocate() }
        let V = UncheckedPointer(scratch), M = UncheckedPointer(scratch + p * c * most)
        let activation = activation
        x.data.withUnsafeBufferPointer { xb in
            u.withUnsafeBufferPointer { ub in
                y.data.withUnsafeMutableBufferPointer { yb in
                    let X = UncheckedConst(xb.baseAddress!), U = UncheckedConst(ub.baseAddress!), Y = UncheckedPointer(yb.baseAddress!)
                    bias.withUnsafeBufferPointer { biasBuffer in
                        let B = biasBuffer.map { UncheckedConst($0.baseAddress!) }
                        for r0 in stride(from: 0, to: rows, by: rowsPerChunk) {
                            let r1 = min(rows, r0 + rowsPerChunk), tiles = (r1 - r0) * tw
                            // Each phase splits over the threads where its work is independent:
                            // channels, then positions, then output channels.
                            parallelRanges(c, threads: threads) { cs in
                                let ok = ck_wino43_input(&g, X.pointer, r0, r1, cs.lowerBound, cs.upperBound, V.pointer, tiles)
                                precondition(ok != 0, "out of memory")
                            }
                            parallelRanges(p, threads: threads) { ps in
                                for q in ps {
                                    sgemm(m: oc, n: tiles, k: c, a: U.pointer + q * oc * c, lda: c,
                                          b: V.pointer + q * c * tiles, ldb: tiles,
                                          c: M.pointer + q * oc * tiles, ldc: tiles, threads: 1)
                                }
                            }
                            parallelRanges(oc, threads: threads) { os in
                                let ok = ck_wino43_output(&g, M.pointer, tiles, r0, r1, os.lowerBound, os.upperBound,
                                                          B?.pointer, Y.pointer)
                                precondition(ok != 0, "out of memory")
                                guard let activation else { return }
                                // The rows just written, image by image, while they are in cache.
                                var r = r0
                                while r < r1 {
                                    let image = r / th, last = min(r1, (image + 1) * th)
                                    let top = 4 * (r % th), bottom = min(oh, 4 * ((last - 1) % th + 1))
                                    for o in os {
                                        activation.applySerial(Y.pointer + ((image * oc + o) * oh + top) * ow,
                                                               count: (bottom - top) * ow)
                                    }
                                    r = last
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }
}

extension WinogradConvolution {
    /// Whether the channels-last transforms beat the tile-vector ones: layers up to 64 channels (Tiny's 16,
    /// a small decoder's 32, the emoji VQ-VAE's 64 on 8×8 grids), whose C × tiles matrices leave the
    /// tile-vector transforms gathering single floats, while a vector of channels fills a register with
    /// one load. At 64 channels on 8×8 the tile-vector input transform was a seventh of the emoji
    /// VQ-VAE's training time; channels last, training took 4 % less CPU and a batch-1 decode 19 % less.
    package static func channelsLastPays(inChannels c: Int, outChannels oc: Int) -> Bool { c <= 64 && oc <= 64 }

    /// y by the channels-last transforms: each thread takes bands of tile rows (over the whole batch)
    /// and runs its tiles through the input transform, the 36 GEMMs (M_pos = V_pos · U_pos, tiles × OC)
    /// and the output transform, with buffers of its own.
    func forwardChannelsLast(_ x: Tensor, u: [Float], bias: [Float]?, geometry: ck_wino_geometry, into y: inout Tensor) {
        let n = x.shape[0], c = geometry.channels, oc = geometry.outChannels, th = geometry.tilesH, tw = geometry.tilesW
        let level = channelsLastLevel, lanes = ck_wino43_cl_lanes(level)
        let cp = (c + lanes - 1) / lanes * lanes, ocp = (oc + lanes - 1) / lanes * lanes
        let p = Self.positions, rows = n * th
        let rowsPerChunk = min(rows, max(1, chunkFloats / (p * (cp + ocp) * tw)))
        let threads = 2 * oc * c * 9 * geometry.outH * geometry.outW * n >= 1 << 22 ? ComputeThreads.current : 1
        let activation = activation, plane = geometry.outH * geometry.outW
        x.data.withUnsafeBufferPointer { xb in
            u.withUnsafeBufferPointer { ub in
                y.data.withUnsafeMutableBufferPointer { yb in
                    let X = UncheckedConst(xb.baseAddress!), U = UncheckedConst(ub.baseAddress!), Y = UncheckedPointer(yb.baseAddress!)
                    bias.withUnsafeBufferPointer { biasBuffer in
                        let B = biasBuffer.map { UncheckedConst($0.baseAddress!) }
                        let bands = (rows + rowsPerChunk - 1) / rowsPerChunk
                        parallelRanges(bands, threads: threads) { mine in
                            var g = geometry
                            let most = rowsPerChunk * tw
                            // Positions a cache line past each other's 4 KB sets (see CKWinograd.h).
                            let vStride = most * cp + lanes, mStride = most * ocp + lanes
                            // M's padding channels are read by the output transform (and dropped): zeros, not garbage.
                            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: p * (vStride + mStride))
                            if ocp > oc { (scratch + p * vStride).initialize(repeating: 0, count: p * mStride) }
                            defer { scratch.deallocate() }
                            let v = scratch, m = scratch + p * vStride
                            for band in mine {
                                let r0 = band * rowsPerChunk, r1 = min(rows, r0 + rowsPerChunk), tiles = (r1 - r0) * tw
                                precondition(ck_wino43_input_cl(level, &g, X.pointer, r0, r1, v, cp, vStride) != 0, "out of memory")
                                for q in 0..<p {
                                    sgemm(m: tiles, n: oc, k: c, a: v + q * vStride, lda: cp,
                                          b: U.pointer + q * c * oc, ldb: oc, c: m + q * mStride, ldc: ocp, threads: 1)
                                }
                                precondition(ck_wino43_output_cl(level, &g, m, ocp, mStride, r0, r1, B?.pointer, Y.pointer) != 0,
                                             "out of memory")
                                guard let activation else { continue }
                                var r = r0
                                while r < r1 {
                                    let image = r / th, last = min(r1, (image + 1) * th)
                                    let top = 4 * (r % th), bottom = min(geometry.outH, 4 * ((last - 1) % th + 1))
                                    for o in 0..<oc {
                                        activation.applySerial(Y.pointer + (image * oc + o) * plane + top * geometry.outW,
                                                               count: (bottom - top) * geometry.outW)
                                    }
                                    r = last
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

extension Optional where Wrapped == [Float] {
    /// The array's buffer, or nil.
    fileprivate func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>?) -> R) -> R {
        switch self {
        case .some(let a): a.withUnsafeBufferPointer { body($0) }
        case .none: body(nil)
        }
    }
}
