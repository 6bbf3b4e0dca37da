import CKernels
import LatentCore

/// A stride-1, undilated, ungrouped convolution computed directly: the same y as `Convolution.forward`
/// for those windows (any kernel size, any padding), without im2col's columns or Winograd's transforms.
///
/// Why: narrow layers (16 to 32 channels, as in AutoencoderTiny and small VQ-VAE decoders) on small maps
/// are where both other paths lose. im2col copies every input value kh·kw times for a GEMM too thin to
/// run well; Winograd's transforms cost per channel what its products save per channel pair, and an 8×8
/// map is four tiles. Here each image is copied once per window column into zero-bordered planes as wide
/// as the output, and each vector of consecutive output positions gathers C·kh·kw input vectors, each multiplied into a block of output
/// channels held in registers (`ck_direct_conv`, one build per instruction set).
package struct DirectConvolution: Sendable {
    package var kernel: (h: Int, w: Int)
    package var pads: (top: Int, left: Int, bottom: Int, right: Int)
    /// Applied to the output (a fused Relu/SiLU), as `Convolution.activation`.
    package var activation: Activation?
    /// The kernel's build (`ck_direct_best_level` by default; tests run every level the CPU has). Packed
    /// weights are for one level.
    package var level = Self.bestLevel
    package static let bestLevel = Int(ck_direct_best_level())

    /// The direct form of `conv` when it has one (stride 1, dilation 1, one group), else nil.
    package init?(_ conv: Convolution) {
        guard conv.stride == (1, 1), conv.dilation == (1, 1), conv.groups == 1,
              conv.pads.top >= 0, conv.pads.left >= 0, conv.pads.bottom >= 0, conv.pads.right >= 0 else { return nil }
        kernel = conv.kernel
        pads = conv.pads
        activation = conv.activation
    }

    private func geometry(channels c: Int, height h: Int, width w: Int, outChannels oc: Int) -> ck_direct_geometry {
        ck_direct_geometry(channels: c, height: h, width: w, outChannels: oc, kernelH: kernel.h, kernelW: kernel.w,
                           padTop: pads.top, padLeft: pads.left, padBottom: pads.bottom, padRight: pads.right)
    }

    /// The weight (OC, C, kh, kw) in the kernel's order: blocks of output channels as wide as this CPU's
    /// registers hold (see CKDirectConv.h). A caller that runs one layer many times keeps it.
    package func packWeights(_ w: Tensor) -> [Float] {
        precondition(w.rank == 4 && w.shape[2] == kernel.h && w.shape[3] == kernel.w, "weight \(w.shape) is not (OC, C, \(kernel.h), \(kernel.w))")
        var g = geometry(channels: w.shape[1], height: 1, width: 1, outChannels: w.shape[0])
        var packed = uninitializedFloats(ck_direct_packed_count(&g, level))
        w.data.withUnsafeBufferPointer { wb in packed.withUnsafeMutableBufferPointer { ck_direct_pack(&g, level, wb.baseAddress!, $0.baseAddress!) } }
        return packed
    }

    /// y for x (N, C, H, W), a weight (OC, C, kh, kw) packed by `packWeights`, and bias (OC).
    package func forward(_ x: Tensor, packedWeights packed: [Float], outChannels oc: Int, bias: [Float]?) -> Tensor {
        precondition(x.rank == 4, "input \(x.shape) is not (N, C, H, W)")
        let n = x.shape[0], c = x.shape[1]
        var g = geometry(channels: c, height: x.shape[2], width: x.shape[3], outChannels: oc)
        precondition(packed.count == ck_direct_packed_count(&g, level), "\(packed.count) packed weights do not fit \(c) → \(oc) channels")
        precondition(bias == nil || bias!.count == oc, "bias of \(bias!.count) for \(oc) channels")
        let oh = x.shape[2] + pads.top + pads.bottom - kernel.h + 1, ow = x.shape[3] + pads.left + pads.right - kernel.w + 1
        precondition(oh > 0 && ow > 0, "the window does not fit the input \(x.shape) with padding \(pads)")
        var y = Tensor.uninitialized(shape: [n, oc, oh, ow])
        guard y.count > 0 else { return y }
        let threads = n > 1 && 2 * oc * c * kernel.h * kernel.w * oh * ow * n >= 1 << 22 ? ComputeThreads.current : 1
        let activation = activation, level = level
        x.data.withUnsafeBufferPointer { xb in
            packed.withUnsafeBufferPointer { wb in
                y.data.withUnsafeMutableBufferPointer { yb in
                    let X = UncheckedConst(xb.baseAddress!), W = UncheckedConst(wb.baseAddress!), Y = UncheckedPointer(yb.baseAddress!)
                    let run = { (B: UnsafePointer<Float>?) in
                        parallelRanges(n, threads: threads) { images in
                            var g = g
                            let ok = ck_direct_conv(&g, level, X.pointer, images.lowerBound, images.upperBound, W.pointer, B, Y.pointer)
                            precondition(ok != 0, "out of memory, or level \(level) beyond this CPU")
                            activation?.applySerial(Y.pointer + images.lowerBound * oc * oh * ow, count: images.count * oc * oh * ow)
                        }
                    }
                    if let bias { bias.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
                }
            }
        }
        return y
    }
}
