import CKernels
import LatentCore
@testable import LatentOps
import Testing

/// The direct pass must give what im2col's `Convolution` gives, for every kernel size and padding, maps
/// narrower than one vector and wider than several, output channels that do not fill a block, batches,
/// bias and fused activations, within float32 rounding: max |Δ| ≤ 1e-5 · max |y| + 1e-6.
@Suite struct DirectConvolutionTests {
    struct Case: CustomStringConvertible, Sendable {
        var c: Int, oc: Int, h: Int, w: Int, kernel: (h: Int, w: Int)
        var pads: (top: Int, left: Int, bottom: Int, right: Int)
        var batch: Int, bias: Bool, activation: Activation?
        var description: String {
            "x [\(batch), \(c), \(h), \(w)] → \(oc) kernel \(kernel) pads \(pads) bias \(bias) \(activation.map { "\($0)" } ?? "linear")"
        }
    }

    static let cases: [Case] = {
        let channels = [(1, 1), (3, 16), (16, 16), (16, 3), (8, 17), (32, 64), (24, 33)]
        let sizes = [(1, 1), (2, 7), (4, 4), (8, 8), (13, 31), (32, 32)]
        let kernels: [((Int, Int), Int)] = [((3, 3), 1), ((3, 3), 0), ((4, 4), 1), ((1, 3), 1), ((5, 5), 2)]
        let activations: [Activation?] = [nil, .relu, .silu]
        var out: [Case] = [], i = 0
        for (c, oc) in channels {
            for (h, w) in sizes {
                let (k, pad) = kernels[i % kernels.count]
                if h + 2 * pad >= k.0 && w + 2 * pad >= k.1 {
                    out.append(Case(c: c, oc: oc, h: h, w: w, kernel: k, pads: (pad, pad, pad, pad), batch: i % 2 == 0 ? 1 : 3,
                                    bias: i % 4 < 2, activation: activations[i % 3]))
                }
                i += 1
            }
        }
        // Uneven padding (ONNX's pads are per side) and a window as large as the padded map.
        out.append(Case(c: 5, oc: 7, h: 9, w: 10, kernel: (3, 3), pads: (0, 1, 2, 0), batch: 2, bias: true, activation: nil))
        out.append(Case(c: 4, oc: 20, h: 6, w: 5, kernel: (2, 3), pads: (2, 0, 1, 3), batch: 1, bias: false, activation: .relu))
        out.append(Case(c: 2, oc: 5, h: 3, w: 3, kernel: (5, 5), pads: (1, 1, 1, 1), batch: 2, bias: true, activation: nil))
        // Shifted planes (small maps, many output channels) with uneven padding, one wider than the window.
        out.append(Case(c: 6, oc: 40, h: 5, w: 6, kernel: (3, 3), pads: (0, 2, 1, 0), batch: 2, bias: true, activation: .relu))
        out.append(Case(c: 3, oc: 33, h: 4, w: 6, kernel: (3, 3), pads: (1, 4, 0, 1), batch: 1, bias: false, activation: nil))
        // Maps cut into bands of rows (about 4,096 positions each), and rows wider than a band.
        out.append(Case(c: 3, oc: 18, h: 100, w: 100, kernel: (3, 3), pads: (1, 1, 1, 1), batch: 2, bias: true, activation: .silu))
        out.append(Case(c: 1, oc: 2, h: 3, w: 4200, kernel: (2, 3), pads: (0, 1, 0, 0), batch: 1, bias: false, activation: nil))
        return out
    }()

    @Test(arguments: cases)
    func matchesIm2col(_ t: Case) {
        var rng = SeededRNG(seed: UInt64(t.c * 1_000_003 + t.oc * 1009 + t.h * 31 + t.w + t.batch))
        let x = Tensor.randomNormal(shape: [t.batch, t.c, t.h, t.w], using: &rng)
        let weight = Tensor.randomNormal(shape: [t.oc, t.c, t.kernel.h, t.kernel.w], std: 1 / Float(t.kernel.h * t.kernel.w * t.c).squareRoot(), using: &rng)
        let bias = t.bias ? Tensor.randomNormal(shape: [t.oc], using: &rng).data : nil
        var conv = Convolution(kernel: t.kernel, pads: t.pads)
        conv.activation = t.activation
        let want = conv.forward(x, weight: weight, bias: bias)
        guard var direct = DirectConvolution(conv) else { Issue.record("\(t) not taken by the direct pass"); return }
        // Every build this CPU runs (baseline, AVX2, AVX-512): their blocks and vector widths differ.
        for level in 0...DirectConvolution.bestLevel {
            direct.level = level
            let got = direct.forward(x, packedWeights: direct.packWeights(weight), outChannels: t.oc, bias: bias)
            #expect(got.shape == want.shape)
            guard got.shape == want.shape else { return }
            let scale = want.data.map(abs).max() ?? 0
            let error = zip(got.data, want.data).map { abs($0 - $1) }.max() ?? 0
            #expect(!error.isNaN && error <= 1e-5 * scale + 1e-6, "\(t) level \(level): max |Δ| \(error) for max |y| \(scale)")
        }
    }

    /// The cases above run both layouts of the kernel's planes (once per channel, once per window column).
    @Test func theCasesCoverBothPlaneLayouts() {
        let shifts = Self.cases.map { t in
            var g = ck_direct_geometry(channels: t.c, height: t.h, width: t.w, outChannels: t.oc, kernelH: t.kernel.h, kernelW: t.kernel.w,
                                       padTop: t.pads.top, padLeft: t.pads.left, padBottom: t.pads.bottom, padRight: t.pads.right)
            return ck_direct_shifts(&g) != 0
        }
        #expect(shifts.filter { $0 }.count >= 4 && shifts.filter { !$0 }.count >= 4)
    }

    @Test func onlyStrideOneUndilatedUngroupedWindowsAreTaken() {
        #expect(DirectConvolution(Convolution(kernel: (3, 3), pads: (1, 1, 1, 1))) != nil)
        #expect(DirectConvolution(Convolution(kernel: (4, 2))) != nil)
        #expect(DirectConvolution(Convolution(kernel: (3, 3), stride: (2, 2))) == nil)
        #expect(DirectConvolution(Convolution(kernel: (3, 3), dilation: (2, 1))) == nil)
        #expect(DirectConvolution(Convolution(kernel: (3, 3), groups: 2)) == nil)
    }

    /// Each window and channel count goes one way: narrow layers direct (Winograd only once a 3×3 map
    /// passes 16×16), 3×3 layers of wider ones by Winograd on maps of 64 positions or more, the rest by
    /// im2col; and the prepared weights hold what the path needs.
    @Test func theForwardPassIsChosenByWindowChannelsAndMapSize() {
        let same = Convolution(kernel: (3, 3), pads: (1, 1, 1, 1))
        #expect(same.path(inChannels: 16, outChannels: 16, positions: 16 * 16) == .direct)
        #expect(same.path(inChannels: 16, outChannels: 16, positions: 32 * 32) == .winograd)
        #expect(same.path(inChannels: 32, outChannels: 64, positions: 8 * 8) == .direct)
        #expect(same.path(inChannels: 64, outChannels: 64, positions: 8 * 8) == .winograd)
        #expect(same.path(inChannels: 64, outChannels: 64, positions: 4 * 4) == .im2col)
        #expect(same.path(inChannels: 3, outChannels: 32, positions: 64 * 64) == .direct)
        #expect(Convolution(kernel: (4, 4), stride: (2, 2)).path(inChannels: 3, outChannels: 16, positions: 256) == .im2col)
        #expect(Convolution(kernel: (1, 1)).path(inChannels: 16, outChannels: 16, positions: 256) == .im2col)
        var rng = SeededRNG(seed: 3)
        let w = Tensor.randomNormal(shape: [16, 16, 3, 3], using: &rng)
        let any = PreparedConvolutionWeights(same, weight: w)
        #expect(any.direct != nil && any.winograd != nil)
        let small = PreparedConvolutionWeights(same, weight: w, positions: 64)
        #expect(small.direct != nil && small.winograd == nil)
        let x = Tensor.randomNormal(shape: [2, 16, 8, 8], using: &rng)
        let viaPath = same.forward(x, weight: w, prepared: small, bias: nil), viaIm2col = same.forward(x, weight: w, bias: nil)
        let error = zip(viaPath.data, viaIm2col.data).map { abs($0 - $1) }.max() ?? .nan
        #expect(error < 1e-4)
    }
}
