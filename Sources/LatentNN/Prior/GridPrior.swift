import Foundation
import LatentCore

/// A learned prior over a VQ-VAE's code grids: a masked-token model (MaskGIT; Chang et al., 2022) that
/// predicts the codes of masked cells from the visible ones, so it can sample whole grids, fill any
/// subset of cells (inpainting), and say how surprising each cell's code is given all the others.
///
/// It is built from the engine's own ops rather than as a transformer, so one engine trains and runs
/// it: a cell's input is the one-hot of its code (or of [MASK], index K) beside the one-hot of its
/// position, so the first 1×1 convolution is a code embedding plus a positional embedding; residual
/// 3×3 blocks mix neighbouring cells, and residual "global" blocks pass the whole grid (reduced to a
/// few channels) through a small MLP so that every cell sees every other one, as attention would; a
/// last 1×1 convolution gives K logits per cell.
///
/// A residual VQ's Q codes per cell are Q tokens side by side: the prior's grid is h × (w·Q), so its
/// raster order is the codes' own order (cells in raster order, level fastest) and every API below —
/// sampling, inpainting, surprise, likelihood — takes and returns a model's code list as it is. Each
/// token's position one-hot tells the network its cell and level; the global blocks let every level
/// condition on every other.
public final class GridPrior {
    /// K; `height` × `width` is the token grid (the code grid's h × w·`levels`).
    public let codebookSize: Int, height: Int, width: Int
    /// Codes per cell of the model's grid: a residual VQ's Q, else 1.
    public let levels: Int
    public let network: Sequential

    /// Tokens per grid: h·w·Q, the length of one grid's code list.
    public var cells: Int { height * width }
    /// The model's code grid (cells, not tokens).
    public var codeGrid: (height: Int, width: Int) { (height, width / levels) }
    /// The token of a masked cell.
    public var maskToken: Int { codebookSize }

    /// The network's per-grid input: K + 1 code channels and h·w position channels.
    public static func inputShape(codebookSize k: Int, height h: Int, width w: Int) -> [Int] { [k + 1 + h * w, h, w] }

    /// The shipped architecture: embedding, `blocks` × (local block, global block), ReLU, logits.
    public static func architecture(codebookSize k: Int, height h: Int, width w: Int, channels c: Int = 64, blocks: Int = 2,
                                    mixChannels m: Int = 8, mixHidden: Int = 256) -> [OpSpec] {
        let cells = h * w
        let local = OpSpec.residual([.relu, .conv2d(in: c, out: c, kernel: 3, stride: 1, padding: 1), .relu,
                                     .conv2d(in: c, out: c, kernel: 1, stride: 1, padding: 0)])
        let global = OpSpec.residual([.relu, .conv2d(in: c, out: m, kernel: 1, stride: 1, padding: 0), .flatten,
                                      .linear(in: m * cells, out: mixHidden), .relu, .linear(in: mixHidden, out: m * cells),
                                      .unflatten([m, h, w]), .conv2d(in: m, out: c, kernel: 1, stride: 1, padding: 0)])
        var ops: [OpSpec] = [.conv2d(in: k + 1 + cells, out: c, kernel: 1, stride: 1, padding: 0)]
        for _ in 0..<blocks { ops += [local, global] }
        return ops + [.relu, .conv2d(in: c, out: k, kernel: 1, stride: 1, padding: 0)]
    }

    /// The token grid of a code grid with `levels` codes per cell.
    public static func tokenGrid(height h: Int, width w: Int, levels q: Int) -> (height: Int, width: Int) { (h, w * q) }

    /// A prior with fresh weights for `ops` (checked by `ModelConfig.validate` or `PriorFile`), over
    /// a token grid of `height` × `width` (for a residual VQ, `tokenGrid(height:width:levels:)`).
    public init(ops: [OpSpec], codebookSize: Int, height: Int, width: Int, levels: Int = 1, rng: inout SeededRNG) {
        precondition(levels >= 1 && width % levels == 0, "a token grid of width \(width) does not hold \(levels) levels per cell")
        self.codebookSize = codebookSize
        self.height = height
        self.width = width
        self.levels = levels
        network = Sequential(prefix: "prior", specs: ops, rng: &rng)
    }

    /// Per-token surprise (or any per-token value) summed over each cell's levels: h·w values, the
    /// bits of a cell's whole code stack.
    public func perCell(_ tokens: [Float]) -> [Float] {
        precondition(tokens.count == cells, "\(tokens.count) values for \(cells) tokens")
        return stride(from: 0, to: cells, by: levels).map { tokens[$0..<($0 + levels)].reduce(0, +) }
    }

    public var namedParameters: [(name: String, parameter: Parameter)] { network.namedParameters }

    // MARK: Predictions

    /// The network's input for grids whose cells hold codes (0..<K) or `maskToken`.
    func input(_ grids: [[Int]]) -> Tensor {
        let k1 = codebookSize + 1, channels = k1 + cells
        var x = Tensor(zeros: [grids.count, channels, height, width])
        for (n, grid) in grids.enumerated() {
            let base = n * channels * cells
            for p in 0..<cells {
                let token = grid[p]
                precondition(token >= 0 && token <= codebookSize, "grid token \(token) outside 0…\(codebookSize)")
                x.data[base + token * cells + p] = 1
                x.data[base + (k1 + p) * cells + p] = 1
            }
        }
        return x
    }

    /// Natural-log probabilities of every code at every cell, for each grid: index cell · K + code.
    public func logProbabilities(_ grids: [[Int]]) -> [[Float]] {
        guard !grids.isEmpty else { return [] }
        let logits = network.forward(input(grids), training: false)
        return (0..<grids.count).map { logSoftmaxPerCell(logits, grid: $0) }
    }

    /// Log-softmax over the K logits of each cell of grid `n` of a [N, K, h, w] tensor.
    func logSoftmaxPerCell(_ logits: Tensor, grid n: Int) -> [Float] {
        let k = codebookSize
        var out = [Float](repeating: 0, count: cells * k)
        logits.data.withUnsafeBufferPointer { l in
            let base = n * k * cells
            for p in 0..<cells {
                let logZ = logPartition(l, base: base, cell: p)
                for c in 0..<k { out[p * k + c] = l[base + c * cells + p] - logZ }
            }
        }
        return out
    }

    /// log Σ_c exp(logit c) of one cell (`base`: its grid's first logit), the largest logit factored out.
    private func logPartition(_ l: UnsafeBufferPointer<Float>, base: Int, cell p: Int) -> Float {
        var top = -Float.infinity
        for c in 0..<codebookSize { top = max(top, l[base + c * cells + p]) }
        var sum: Float = 0
        for c in 0..<codebookSize { sum += expf(l[base + c * cells + p] - top) }
        return top + logf(sum)
    }

    /// −log₂ p(code of each cell | every other cell), in bits: each cell masked alone.
    public func surprise(_ grid: [Int]) -> [Float] { analyse(grid, cell: 0, count: 0).surprise }

    /// The most probable codes for `cell` given the rest of the grid, most probable first.
    public func topCodes(_ grid: [Int], cell: Int, count: Int) -> [(code: Int, probability: Float)] {
        var g = grid
        g[cell] = maskToken
        guard let lp = logProbabilities([g]).first else { return [] }
        return Self.best(lp, cell: cell, codebookSize: codebookSize, count: count)
    }

    /// Network inputs per pass of `analyse`: one input is (K + 1 + tokens) × tokens values, so a
    /// large residual grid masked token by token in one batch would need gigabytes.
    static let analyseValuesPerPass = 1 << 24

    /// `surprise(grid)` and `topCodes(grid, cell:, count:)` from one batch of passes.
    public func analyse(_ grid: [Int], cell: Int, count: Int) -> (surprise: [Float], top: [(code: Int, probability: Float)]) {
        let masked = (0..<cells).map { p -> [Int] in var g = grid; g[p] = maskToken; return g }
        let perPass = max(1, Self.analyseValuesPerPass / ((codebookSize + 1 + cells) * cells))
        let lp = stride(from: 0, to: cells, by: perPass).flatMap { logProbabilities(Array(masked[$0..<min(cells, $0 + perPass)])) }
        let bits = (0..<cells).map { p in -lp[p][p * codebookSize + grid[p]] / Float(M_LN2) }
        return (bits, lp.indices.contains(cell) ? Self.best(lp[cell], cell: cell, codebookSize: codebookSize, count: count) : [])
    }

    static func best(_ lp: [Float], cell: Int, codebookSize k: Int, count: Int) -> [(code: Int, probability: Float)] {
        (0..<k).sorted { lp[cell * k + $0] > lp[cell * k + $1] || (lp[cell * k + $0] == lp[cell * k + $1] && $0 < $1) }
            .prefix(count).map { ($0, expf(lp[cell * k + $0])) }
    }

    /// −log₂ p(grid) in bits under the raster-order factorisation p(x₁) p(x₂ | x₁) … whose factors are
    /// the prior's predictions for one cell with it and every later cell masked. Any product of
    /// normalised conditionals is a distribution over grids, so this is a true likelihood.
    public func negLogLikelihood(_ grids: [[Int]], batchInputs: Int = 512) -> [Double] {
        let perChunk = max(1, batchInputs / max(1, cells))
        var out: [Double] = []
        out.reserveCapacity(grids.count)
        for start in stride(from: 0, to: grids.count, by: perChunk) {
            let chunk = grids[start..<min(grids.count, start + perChunk)]
            var inputs: [[Int]] = []
            for grid in chunk {
                for i in 0..<cells { inputs.append((0..<cells).map { $0 < i ? grid[$0] : maskToken }) }
            }
            // Input g·cells + i predicts cell i only: one cell's log-softmax each, not the whole grid's.
            let logits = network.forward(input(inputs), training: false)
            logits.data.withUnsafeBufferPointer { l in
                for (g, grid) in chunk.enumerated() {
                    var nats = 0.0
                    for i in 0..<cells {
                        let base = (g * cells + i) * codebookSize * cells
                        nats -= Double(l[base + grid[i] * cells + i] - logPartition(l, base: base, cell: i))
                    }
                    out.append(nats / M_LN2)
                }
            }
        }
        return out
    }

    // MARK: Sampling

    /// Scale of the Gumbel noise on the confidences at the first round (MaskGIT's "choice temperature",
    /// 4.5 there): without it the likeliest cells are fixed first and samples crowd onto a few modes.
    public static let choiceNoise: Float = 4.5

    /// Grids by MaskGIT's iterative decoding: every unlocked cell starts masked; each of `steps` rounds
    /// predicts the masked cells, draws a code for each (at `temperature`; 0 takes the most probable),
    /// and keeps the most confident draws — as many as the cosine schedule has unmasked by then — while
    /// the rest are masked again. Confidence is the draw's log-probability plus Gumbel noise that fades
    /// over the rounds, so early choices are not all the "safest" cells. `locked` cells (non-nil) keep
    /// their codes: inpainting.
    public func sample(count: Int, locked: [Int?]? = nil, temperature: Float = 1, steps: Int = 8,
                       choiceNoise: Float = GridPrior.choiceNoise, rng: inout SeededRNG) -> [[Int]] {
        let fixed = locked ?? [Int?](repeating: nil, count: cells)
        precondition(fixed.count == cells, "locked cells: \(fixed.count), grid: \(cells)")
        var grids = (0..<count).map { _ in fixed.map { $0.map { min(max($0, 0), codebookSize - 1) } ?? maskToken } }
        let free = fixed.indices.filter { fixed[$0] == nil }
        guard !free.isEmpty, count > 0 else { return grids }
        let rounds = max(1, min(steps, free.count))
        let k = codebookSize
        for t in 0..<rounds {
            let progress = Double(t + 1) / Double(rounds)
            let stayMasked = t == rounds - 1 ? 0 : Int((Double(free.count) * cos(Double.pi / 2 * progress)).rounded(.down))
            let noise = choiceNoise * Float(1 - progress)
            let lp = logProbabilities(grids)
            for n in 0..<count {
                var drawn: [(cell: Int, code: Int, confidence: Float)] = []
                for p in free where grids[n][p] == maskToken {
                    let code = Self.draw(lp[n][(p * k)..<((p + 1) * k)], temperature: temperature, rng: &rng)
                    let u = max(rng.nextFloat(), 1e-7)
                    drawn.append((p, code, lp[n][p * k + code] + noise * -logf(-logf(u))))
                }
                let keep = max(1, drawn.count - stayMasked)
                drawn.sort { $0.confidence > $1.confidence || ($0.confidence == $1.confidence && $0.cell < $1.cell) }
                for d in drawn.prefix(keep) { grids[n][d.cell] = d.code }
            }
        }
        return grids
    }

    /// One code drawn from log-probabilities at a temperature (≤ 0: the most probable).
    static func draw(_ logp: ArraySlice<Float>, temperature: Float, rng: inout SeededRNG) -> Int {
        let base = logp.startIndex
        guard temperature > 0 else { return logp.indices.max { logp[$0] < logp[$1] }! - base }
        let top = logp.max()!
        let weights = logp.map { expf(($0 - top) / temperature) }
        var r = rng.nextFloat() * weights.reduce(0, +)
        for (c, w) in weights.enumerated() {
            r -= w
            if r < 0 { return c }
        }
        return weights.lastIndex { $0 > 0 } ?? 0
    }
}
