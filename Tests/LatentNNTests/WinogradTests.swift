import CKernels
import Foundation
import LatentCore
@testable import LatentOps
import Testing

/// The Winograd F(4×4, 3×3) path must give what im2col's `Convolution` gives, for every padding, edge
/// tiles (sizes not multiples of 4, images smaller than one tile), batches, bias and fused activations,
/// within float32 rounding: max |Δ| ≤ 1e-4 · max |y| + 1e-5.
@Suite struct WinogradTests {
    struct Case: CustomStringConvertible, Sendable {
        var c: Int, oc: Int, h: Int, w: Int
        var pads: (top: Int, left: Int, bottom: Int, right: Int)
        var batch: Int, bias: Bool, activation: Activation?
        var chunkFloats: Int? = nil
        var description: String {
            "x [\(batch), \(c), \(h), \(w)] → \(oc) pads \(pads) bias \(bias) \(activation.map { "\($0)" } ?? "linear")"
                + (chunkFloats.map { " chunk \($0)" } ?? "")
        }
    }

    /// Every channel pair meets every size and both paddings; batch, bias and activation cycle through
    /// their values so each appears with each size.
    static let cases: [Case] = {
        let channels = [(1, 1), (3, 4), (4, 3), (1, 96), (96, 1), (32, 64), (64, 32), (64, 64), (96, 96), (3, 32)]
        let sizes = [(1, 1), (3, 5), (7, 7), (8, 8), (16, 16), (33, 31)]
        let activations: [Activation?] = [nil, .relu, .silu]
        var out: [Case] = [], i = 0
        for (c, oc) in channels {
            for (h, w) in sizes {
                for pad in [0, 1] where h + 2 * pad >= 3 && w + 2 * pad >= 3 {
                    out.append(Case(c: c, oc: oc, h: h, w: w, pads: (pad, pad, pad, pad), batch: i % 2 == 0 ? 1 : 3,
                                    bias: i % 4 < 2, activation: activations[i % 3]))
                    i += 1
                }
            }
        }
        // Uneven and wider padding (ONNX's pads are per side), and tile-row bands that cut images apart
        // and span two images (a band is global over the batch).
        out.append(Case(c: 5, oc: 7, h: 9, w: 10, pads: (0, 1, 2, 0), batch: 2, bias: true, activation: nil))
        out.append(Case(c: 5, oc: 7, h: 6, w: 13, pads: (2, 2, 1, 2), batch: 1, bias: false, activation: .relu))
        out.append(Case(c: 8, oc: 6, h: 13, w: 11, pads: (1, 1, 1, 1), batch: 3, bias: true, activation: .silu, chunkFloats: 1))
        out.append(Case(c: 8, oc: 6, h: 13, w: 11, pads: (1, 1, 1, 1), batch: 3, bias: true, activation: .relu,
                        chunkFloats: 36 * 14 * 3 * 5))
        out.append(Case(c: 16, oc: 16, h: 64, w: 64, pads: (1, 1, 1, 1), batch: 2, bias: true, activation: nil,
                        chunkFloats: 36 * 32 * 16 * 7))
        // Channels last: rows of whole vectors of pixels (Tiny's 16 channels on 32×32), channel counts
        // that leave a vector part-filled, and rows of a vector and a few.
        out.append(Case(c: 16, oc: 16, h: 32, w: 32, pads: (1, 1, 1, 1), batch: 1, bias: true, activation: .relu))
        out.append(Case(c: 20, oc: 24, h: 19, w: 37, pads: (1, 0, 1, 2), batch: 2, bias: true, activation: .silu))
        out.append(Case(c: 32, oc: 9, h: 18, w: 18, pads: (0, 0, 0, 0), batch: 1, bias: false, activation: nil))
        return out
    }()

    static let worst = Locked<(error: Float, what: String)>((0, ""))

    @Test(arguments: cases)
    func matchesIm2col(_ t: Case) {
        var rng = SeededRNG(seed: UInt64(t.c * 1_000_003 + t.oc * 1009 + t.h * 31 + t.w + t.batch))
        let x = Tensor.randomNormal(shape: [t.batch, t.c, t.h, t.w], using: &rng)
        let weight = Tensor.randomNormal(shape: [t.oc, t.c, 3, 3], std: 1 / Float(3 * t.c).squareRoot(), using: &rng)
        let bias = t.bias ? Tensor.randomNormal(shape: [t.oc], using: &rng).data : nil
        var conv = Convolution(kernel: (3, 3), pads: t.pads)
        conv.activation = t.activation
        let want = conv.forward(x, weight: weight, bias: bias)

        guard var wino = WinogradConvolution(conv) else { Issue.record("\(t) not taken by Winograd"); return }
        if let chunk = t.chunkFloats { wino.chunkFloats = chunk }
        // Narrow layers take the channels-last transforms: every build this CPU runs (4, 8, 16 lanes).
        let levels = WinogradConvolution.channelsLastPays(inChannels: t.c, outChannels: t.oc) ? Array(0...Int(ck_direct_best_level())) : [0]
        for level in levels {
            wino.channelsLastLevel = level
            let got = wino.forward(x, weight: weight, bias: bias)
            #expect(got.shape == want.shape)
            guard got.shape == want.shape else { return }
            let scale = want.data.map(abs).max() ?? 0
            let error = zip(got.data, want.data).map { abs($0 - $1) }.max() ?? 0
            #expect(!error.isNaN && error <= 1e-4 * scale + 1e-5, "\(t) level \(level): max |Δ| \(error) for max |y| \(scale)")
            let relative = error / max(scale, 1e-30)
            Self.worst.mutate { if relative > $0.error { $0 = (relative, "\(t)") } }
        }
    }

    /// The cached form: one weight transform serves many inputs, and gives what the one-call form gives.
    @Test func transformedWeightsAreReusable() {
        var rng = SeededRNG(seed: 5)
        let weight = Tensor.randomNormal(shape: [12, 10, 3, 3], using: &rng)
        let u = WinogradConvolution.transformWeights(weight)
        #expect(u.count == 36 * 12 * 10)
        let wino = WinogradConvolution(pads: (1, 1, 1, 1), activation: .relu)
        for size in [4, 9] {
            let x = Tensor.randomNormal(shape: [2, 10, size, size + 3], using: &rng)
            #expect(wino.forward(x, transformedWeights: u, bias: nil) == wino.forward(x, weight: weight, bias: nil))
        }
    }

    @Test func onlyThreeByThreeStrideOneWindowsAreTaken() {
        #expect(WinogradConvolution(Convolution(kernel: (3, 3), pads: (1, 1, 1, 1))) != nil)
        #expect(WinogradConvolution(Convolution(kernel: (3, 3), stride: (2, 2))) == nil)
        #expect(WinogradConvolution(Convolution(kernel: (3, 3), dilation: (2, 1))) == nil)
        #expect(WinogradConvolution(Convolution(kernel: (3, 3), groups: 2)) == nil)
        #expect(WinogradConvolution(Convolution(kernel: (1, 1))) == nil)
        #expect(WinogradConvolution(Convolution(kernel: (3, 5))) == nil)
    }

    /// Timing only (no assertions): `BENCH_WINOGRAD=1 swift test -c release --filter Winograd`.
    /// GFLOP/s counts a direct convolution's 2·OC·C·9·OH·OW for both paths, so they compare as speed.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["BENCH_WINOGRAD"] == "1"))
    func benchmark() {
        let shapes: [(c: Int, oc: Int, h: Int, w: Int)] = [(64, 64, 32, 32), (128, 128, 16, 16), (32, 32, 64, 64), (64, 64, 16, 16),
                                                            (128, 128, 32, 32), (256, 256, 16, 16)]
        var rng = SeededRNG(seed: 9)
        var lines = ["CPU \(cpuName()), release build"]
        for threads in [1, 2] {
            withComputeThreads(threads) {
                for s in shapes {
                    let x = Tensor.randomNormal(shape: [1, s.c, s.h, s.w], using: &rng)
                    let weight = Tensor.randomNormal(shape: [s.oc, s.c, 3, 3], using: &rng)
                    let bias = Tensor.randomNormal(shape: [s.oc], using: &rng).data
                    let conv = Convolution(kernel: (3, 3), pads: (1, 1, 1, 1))
                    let wino = WinogradConvolution(conv)!
                    let u = WinogradConvolution.transformWeights(weight)
                    let flops = 2.0 * Double(s.oc * s.c * 9 * s.h * s.w)
                    let im2col = bestSeconds { _ = conv.forward(x, weight: weight, bias: bias) }
                    let winograd = bestSeconds { _ = wino.forward(x, transformedWeights: u, bias: bias) }
                    let transform = bestSeconds { _ = WinogradConvolution.transformWeights(weight) }
                    lines.append(String(format: "%d thread(s) x [1, %3d, %2d, %2d] w [%3d, %3d, 3, 3]: im2col %6.1f GFLOP/s (%7.1f µs), "
                                        + "Winograd %6.1f GFLOP/s (%7.1f µs), ×%.2f; weight transform %.0f µs",
                                        threads, s.c, s.h, s.w, s.oc, s.c, flops / im2col / 1e9, im2col * 1e6,
                                        flops / winograd / 1e9, winograd * 1e6, im2col / winograd, transform * 1e6))
                }
            }
        }
        print(lines.joined(separator: "\n"))
    }

    /// The fastest of several rounds of repeated calls, per call.
    private func bestSeconds(_ body: () -> Void) -> Double {
        for _ in 0..<5 { body() }
        var best = Double.infinity
        for _ in 0..<7 {
            let reps = 20
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<reps { body() }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(reps))
        }
        return best
    }

    private func cpuName() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return info.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }
}
