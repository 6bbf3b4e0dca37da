import Foundation
import LatentCore
@testable import LatentNN
@testable import LatentOps
import Testing

/// The convolution layers walk a batch in chunks per thread (`BatchChunks`): the chunks must cover the
/// batch exactly, and a many-chunk batch on one or two threads must give what direct loops give, in
/// training and in inference.
@Suite struct ConvChunkTests {
    @Test(arguments: [(1, 1, 1), (9, 22_176, 1), (9, 22_176, 2), (128, 56_448, 2), (5, 10, 8), (3, 1 << 20, 2)])
    func chunksCoverTheBatchOnceInOrderPerWorker(_ c: (batch: Int, floatsPerImage: Int, threads: Int)) {
        let plan = BatchChunks(batch: c.batch, floatsPerImage: c.floatsPerImage, threads: c.threads)
        #expect(plan.workers == min(c.threads, c.batch))
        #expect(plan.imagesPerChunk >= 1 && plan.imagesPerChunk <= c.batch)
        #expect(plan.imagesPerChunk == 1 || plan.imagesPerChunk * c.floatsPerImage <= BatchChunks.chunkFloats)
        let seen = Locked<[Range<Int>]>([])
        plan.forEachChunk(scratch: 4) { images, scratch in
            scratch[0] = 1  // the scratch buffer is writable
            seen.mutate { $0.append(images) }
        }
        let chunks = seen.value.sorted { $0.lowerBound < $1.lowerBound }
        #expect(chunks.allSatisfy { !$0.isEmpty && $0.count <= plan.imagesPerChunk })
        #expect(chunks.flatMap { Array($0) } == Array(0..<c.batch))
    }

    @Test func perWorkerGradientsAreAddedOnceEach() {
        let plan = BatchChunks(batch: 10, floatsPerImage: BatchChunks.chunkFloats / 3, threads: 2)
        var gw: [Float] = [100, 200], gb: [Float] = [7]
        plan.forEachChunk(scratch: 1, weightGrad: &gw, biasGrad: &gb) { images, _, w, b in
            for i in images { w[0] += Float(i); w[1] += 1; b[0] += 2 }
        }
        #expect(gw == [100 + 45, 200 + 10])
        #expect(gb == [7 + 20])
    }

    /// 32→16 channels, 4×4 windows, stride 2 on 14×12 images, 17 of them: several chunks per thread.
    @Test(arguments: [1, 2])
    func convolutionOverManyChunksMatchesDirectLoops(threads: Int) throws {
        try withComputeThreads(threads) { try checkConvolutionOverManyChunksMatchesDirectLoops() }
    }

    /// A 3×3 stride-1 layer trains through Winograd: its forward pass, and its input gradient as the
    /// convolution of dy with the turned kernel (padding 2 − p), and its weight gradient by F(3×3, 4×4).
    @Test(arguments: [(1, 0), (1, 1), (1, 2), (2, 1)])
    func winogradTrainingMatchesDirectLoops(_ c: (threads: Int, padding: Int)) throws {
        try withComputeThreads(c.threads) {
            try checkConvolutionOverManyChunksMatchesDirectLoops((5, 12, 10, 10, 11, 3, 1, c.padding), manyChunks: false)
        }
    }

    /// A layer whose forward pass keeps no columns (direct pass here) gets its weight gradient by
    /// Winograd (32 channels) or from columns rebuilt per backward chunk (4 channels: Winograd does not
    /// pay), over several chunks per thread, and its input gradient by Winograd (32) or each chunk's GEMM
    /// and col2im (4): all must be the direct loops'.
    @Test(arguments: [(1, 32, 16), (2, 32, 16), (1, 4, 32), (2, 4, 32)])
    func rebuiltColumnsOverManyBackwardChunksMatchDirectLoops(_ c: (threads: Int, channels: Int, side: Int)) throws {
        let shape = (n: 13, c: c.channels, oc: 16, h: c.side, w: c.side, k: 3, s: 1, p: 1)
        let positions = shape.h * shape.w
        let dxByGEMM = !Convolution.winogradPays(inChannels: shape.oc, outChannels: shape.c, positions: positions)
        let perImage = ((dxByGEMM ? 2 : 1) * shape.c * 9 + shape.oc) * positions
        let backward = BatchChunks(batch: shape.n, floatsPerImage: perImage, chunkFloats: Conv2d.backwardChunkFloats, threads: c.threads)
        #expect(backward.imagesPerChunk * 2 * backward.workers <= shape.n, "too few backward chunks to test them")
        #expect(Convolution(kernel: 3, stride: 1, padding: 1).path(inChannels: shape.c, outChannels: shape.oc, positions: positions) != .im2col)
        // Three tile rows (of 4 tiles) per Winograd chunk: 52 rows make several per thread.
        let tileRows = 3 * WinogradConvolution.positions * (shape.c + shape.oc) * 4
        try withComputeThreads(c.threads) {
            try checkConvolutionOverManyChunksMatchesDirectLoops(shape, manyChunks: false) { $0.winogradGradientChunkFloats = tileRows }
        }
    }

    /// Winograd's weight gradient where tiles stick out of the map (7×10 outputs), one tile row per chunk.
    @Test(arguments: [(1, 1), (2, 0)])
    func winogradWeightGradientOverPartialTilesMatchesDirectLoops(_ c: (threads: Int, padding: Int)) throws {
        try withComputeThreads(c.threads) {
            try checkConvolutionOverManyChunksMatchesDirectLoops((6, 9, 12, 9 - 2 * c.padding, 12 - 2 * c.padding, 3, 1, c.padding),
                                                                manyChunks: false) { $0.winogradGradientChunkFloats = 1 }
        }
    }

    private func checkConvolutionOverManyChunksMatchesDirectLoops(
        _ shape: (n: Int, c: Int, oc: Int, h: Int, w: Int, k: Int, s: Int, p: Int) = (17, 32, 16, 14, 12, 4, 2, 1),
        manyChunks: Bool = true, configure: (Conv2d) -> Void = { _ in }
    ) throws {
        var rng = SeededRNG(seed: 21)
        let (n, c, oc, h, w, k, s, p) = shape
        let conv = Conv2d(c, oc, kernel: k, stride: s, padding: p, rng: &rng)
        configure(conv)
        let x = Tensor.randomNormal(shape: [n, c, h, w], using: &rng)
        let y = conv.forward(x, training: true)
        let plan = try #require(conv.plan)
        if manyChunks { #expect(plan.imagesPerChunk * 2 * plan.workers < n, "too few chunks to test chunking") }
        let (oh, ow) = (y.shape[2], y.shape[3])
        let dy = Tensor.randomNormal(shape: y.shape, using: &rng)
        for q in conv.parameters { q.zeroGrad() }
        let dx = conv.backward(dy)

        // Direct loops in Double: y = b + Σ w·x, and the three gradients.
        func xi(_ b: Int, _ ch: Int, _ r: Int, _ col: Int) -> Int { ((b * c + ch) * h + r) * w + col }
        func wi(_ o: Int, _ ch: Int, _ ki: Int, _ kj: Int) -> Int { ((o * c + ch) * k + ki) * k + kj }
        var yRef = [Double](repeating: 0, count: y.count), dxRef = [Double](repeating: 0, count: x.count)
        var dwRef = [Double](repeating: 0, count: conv.weight.value.count), dbRef = [Double](repeating: 0, count: oc)
        for b in 0..<n {
            for o in 0..<oc {
                for i in 0..<oh {
                    for j in 0..<ow {
                        let yo = ((b * oc + o) * oh + i) * ow + j
                        var sum = Double(conv.bias.value.data[o])
                        let g = Double(dy.data[yo])
                        dbRef[o] += g
                        for ch in 0..<c {
                            for ki in 0..<k {
                                for kj in 0..<k {
                                    let r = i * s - p + ki, col = j * s - p + kj
                                    guard r >= 0, r < h, col >= 0, col < w else { continue }
                                    let wv = Double(conv.weight.value.data[wi(o, ch, ki, kj)]), xv = Double(x.data[xi(b, ch, r, col)])
                                    sum += wv * xv
                                    dwRef[wi(o, ch, ki, kj)] += g * xv
                                    dxRef[xi(b, ch, r, col)] += g * wv
                                }
                            }
                        }
                        yRef[yo] = sum
                    }
                }
            }
        }
        expectClose(y.data, yRef, "y")
        expectClose(dx.data, dxRef, "dx")
        expectClose(conv.weight.grad.data, dwRef, "dW")
        expectClose(conv.bias.grad.data, dbRef, "db")
        // Inference keeps no columns (its chunks' go to scratch) and computes the same values.
        expectClose(conv.forward(x, training: false).data, yRef, "inference forward")
    }

    /// The transposed convolution over many chunks is the adjoint of the convolution with the same
    /// weights, and its gradients are the convolution's data movements: dX of convT = conv(dy) without
    /// bias, dW of convT = dW of conv with the roles of input and output gradient swapped.
    @Test(arguments: [1, 2])
    func transposedConvolutionOverManyChunksIsTheAdjoint(threads: Int) throws {
        try withComputeThreads(threads) { try checkTransposedConvolutionOverManyChunksIsTheAdjoint() }
    }

    private func checkTransposedConvolutionOverManyChunksIsTheAdjoint() throws {
        var rng = SeededRNG(seed: 22)
        let conv = Conv2d(32, 16, kernel: 4, stride: 2, padding: 1, rng: &rng)
        let convT = ConvTranspose2d(16, 32, kernel: 4, stride: 2, padding: 1, rng: &rng)
        convT.weight.value = conv.weight.value
        conv.bias.value = Tensor(zeros: [16])
        let x = Tensor.randomNormal(shape: [17, 32, 14, 12], using: &rng)
        let z = Tensor.randomNormal(shape: [17, 16, 7, 6], using: &rng)
        // Forward: <conv(x), z> = <x, convT(z) − bias>.
        let cx = conv.forward(x, training: true)
        let tz = convT.forward(z, training: true)
        let plan = try #require(convT.plan)
        #expect(plan.imagesPerChunk * 2 * plan.workers < 17, "too few chunks to test chunking")
        var withoutBias = tz.data
        for i in withoutBias.indices { withoutBias[i] -= convT.bias.value.data[(i / (14 * 12)) % 32] }
        let lhs = zip(cx.data, z.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let rhs = zip(x.data, withoutBias).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(lhs - rhs) < 1e-4 * max(1, abs(lhs)))
        // Backward with dy = x: convT's dX is conv(x) (no bias), its dW is conv's dW with dy = z.
        for q in conv.parameters + convT.parameters { q.zeroGrad() }
        let dz = convT.backward(x)
        _ = conv.backward(z)
        expectClose(dz.data, cx.data.map(Double.init), "convT dX")
        expectClose(convT.weight.grad.data, conv.weight.grad.data.map(Double.init), "convT dW")
        var planeSums = [Double](repeating: 0, count: 32)
        for (i, v) in x.data.enumerated() { planeSums[(i / (14 * 12)) % 32] += Double(v) }
        expectClose(convT.bias.grad.data, planeSums, "convT db")
        #expect(convT.forward(z, training: false).data == tz.data, "inference forward")
    }

    @Test func parameterGradientsAloneEqualThoseOfTheFullBackward() {
        var rng = SeededRNG(seed: 23)
        let layers: [(Layer, [Int])] = [
            (Linear(12, 5, rng: &rng), [6, 12]),
            (Conv2d(3, 4, kernel: 4, stride: 2, padding: 1, rng: &rng), [5, 3, 8, 8]),
            (ConvTranspose2d(4, 3, kernel: 4, stride: 2, padding: 1, rng: &rng), [5, 4, 4, 4]),
        ]
        for (layer, shape) in layers {
            let x = Tensor.randomNormal(shape: shape, using: &rng)
            let dy = Tensor.randomNormal(shape: layer.forward(x, training: true).shape, using: &rng)
            for q in layer.parameters { q.zeroGrad() }
            _ = layer.backward(dy)
            let full = layer.parameters.map(\.grad.data)
            for q in layer.parameters { q.zeroGrad() }
            layer.accumulateParameterGradients(dy)
            #expect(layer.parameters.map(\.grad.data) == full, "\(layer.spec)")
        }
    }

    @Test func backwardToParametersSkipsOnlyTheInputGradient() {
        var rng = SeededRNG(seed: 24)
        let net = Sequential(prefix: "encoder", specs: [
            .flatten, .linear(in: 12, out: 6), .relu, .linear(in: 6, out: 3),
        ], rng: &rng)
        let x = Tensor.randomNormal(shape: [4, 3, 2, 2], using: &rng)
        let dy = Tensor.randomNormal(shape: net.forward(x, training: true).shape, using: &rng)
        for (_, q) in net.namedParameters { q.zeroGrad() }
        _ = net.backward(dy)
        let full = net.namedParameters.map(\.parameter.grad.data)
        for (_, q) in net.namedParameters { q.zeroGrad() }
        net.backwardToParameters(dy)
        #expect(net.namedParameters.map(\.parameter.grad.data) == full)
    }

    /// Sets the compute threads; returns what puts the previous count back.
    private func expectClose(_ got: [Float], _ want: [Double], _ what: String) {
        #expect(got.count == want.count, "\(what): count")
        let scale = max(1, want.map(abs).max() ?? 1)
        let worst = zip(got, want).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst < 2e-5 * scale, "\(what): worst difference \(worst) at scale \(scale)")
    }
}

/// A value shared by parallel workers behind a lock.
final class Locked<T>: @unchecked Sendable {
    private var stored: T
    private let lock = NSLock()
    init(_ value: T) { stored = value }
    var value: T { lock.withLock { stored } }
    func mutate(_ body: (inout T) -> Void) { lock.withLock { body(&stored) } }
}
