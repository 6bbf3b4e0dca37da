import CKernels
import Foundation
import LatentCore

/// How a codebook's entries are compared with the encoder's vectors.
public enum CodeDistance: String, Sendable, Equatable {
    /// Squared L2 distance (VQ-VAE, VQGAN).
    case euclidean
    /// Both sides scaled to unit length first (vector-quantize-pytorch's `use_cosine_sim=True`): the
    /// nearest code is the one at the smallest angle, and a code's vector is its unit vector.
    case cosine
}

/// Vector quantisation: distances, nearest codes (ties to the lower index) and the embedding of codes
/// back into a grid. One implementation for the VQ-VAEs trained here and the ones imported from ONNX
/// (whose quantisation is ours, per the manifest), in three forms:
/// - one codebook (K, D), compared by squared L2 or by angle (`distance`);
/// - residual VQ (Q, K, D): each cell quantised level by level on what the levels before left, Q codes
///   per cell (level fastest), its vector the sum of the chosen codes;
/// - FSQ (finite scalar quantisation, vector-quantize-pytorch's convention): each dimension bounded and
///   rounded to its own number of levels; the codebook is implicit, K = ∏ levels.
public struct Codebook: Sendable {
    /// (Q·K, D): level q's K codes at rows q·K ..< (q + 1)·K (Q = 1 but for residual VQ); unit rows for
    /// a cosine codebook; FSQ's implicit codebook (code i's values in [−1, 1]).
    public let vectors: Tensor
    public let distance: CodeDistance
    /// Codes per cell: the residual levels Q (1 for one codebook and for FSQ).
    public let levels: Int
    /// FSQ's levels per dimension; nil for a stored codebook.
    public let scalarLevels: [Int]?
    /// The codes one cell's code can take at one level (K).
    public var size: Int { vectors.shape[0] / levels }
    public var dim: Int { vectors.shape[1] }

    /// A codebook (K, D), or a residual VQ's (Q, K, D).
    public init(_ vectors: Tensor, distance: CodeDistance = .euclidean) {
        precondition(vectors.rank == 2 || vectors.rank == 3, "a codebook is (K, D) or (Q, K, D), got \(vectors.shape)")
        let rows = vectors.rank == 3 ? vectors.reshaped([vectors.shape[0] * vectors.shape[1], vectors.shape[2]]) : vectors
        self.vectors = distance == .cosine ? Self.unitRows(rows) : rows
        self.distance = distance
        levels = vectors.rank == 3 ? vectors.shape[0] : 1
        scalarLevels = nil
    }

    /// FSQ with these levels per dimension (each ≥ 2): code i's digits in the mixed radix whose first
    /// dimension varies fastest, digit d of a dimension with L levels at (d − ⌊L/2⌋) / ⌊L/2⌋.
    public init(fsqLevels: [Int]) {
        precondition(!fsqLevels.isEmpty && fsqLevels.allSatisfy { $0 >= 2 }, "FSQ levels must be 2 or more, got \(fsqLevels)")
        let k = fsqLevels.reduce(1, *), d = fsqLevels.count
        var book = Tensor(zeros: [k, d])
        for i in 0..<k {
            var rest = i
            for (j, l) in fsqLevels.enumerated() {
                let half = l / 2
                book.data[i * d + j] = Float(rest % l - half) / Float(half)
                rest /= l
            }
        }
        vectors = book
        distance = .euclidean
        levels = 1
        scalarLevels = fsqLevels
    }

    /// Each row scaled to length 1 (a zero row stays zero), as `F.normalize` does (ε = 1e-12).
    static func unitRows(_ t: Tensor) -> Tensor {
        var out = t
        let d = t.shape[1]
        for r in 0..<t.shape[0] {
            var norm: Float = 0
            for j in 0..<d { norm += t.data[r * d + j] * t.data[r * d + j] }
            let inv = 1 / max(norm.squareRoot(), 1e-12)
            for j in 0..<d { out.data[r * d + j] *= inv }
        }
        return out
    }

    /// FSQ's bound: each dimension squashed into its levels' range, (L − 1)/2 on either side (shifted
    /// by half a level when L is even), before rounding.
    static func fsqBound(_ z: Float, levels l: Int) -> Float {
        let halfL = Float(l - 1) * (1 + 1e-3) / 2
        let offset: Float = l % 2 == 0 ? 0.5 : 0
        let shift = atanhf(offset / halfL)
        return tanhf(z + shift) * halfL - offset
    }

    /// The vectors codes are compared in: unit rows for a cosine codebook, FSQ's bounded and scaled
    /// values (so that the implicit codebook's grid is their nearest points).
    func comparable(_ rows: Tensor) -> Tensor {
        if distance == .cosine { return Self.unitRows(rows) }
        guard let scalarLevels else { return rows }
        var out = rows
        let d = dim
        for r in 0..<rows.shape[0] {
            for (j, l) in scalarLevels.enumerated() {
                out.data[r * d + j] = Self.fsqBound(rows.data[r * d + j], levels: l) / Float(l / 2)
            }
        }
        return out
    }

    /// (N·h·w, D): the grid vectors of z_e (N, D, h, w) as rows, in sample-then-raster order.
    public func gridVectors(_ ze: Tensor) -> Tensor {
        let n = ze.shape[0], positions = ze.shape[2] * ze.shape[3]
        var rows = Tensor.uninitialized(shape: [n * positions, dim])
        let d = dim
        ze.data.withUnsafeBufferPointer { z in
            rows.data.withUnsafeMutableBufferPointer { r in
                for b in 0..<n {
                    for j in 0..<d {
                        for p in 0..<positions { r[(b * positions + p) * d + j] = z[(b * d + j) * positions + p] }
                    }
                }
            }
        }
        return rows
    }

    /// Squared Euclidean distances from every grid vector to every code: (N·h·w, K), rows in
    /// sample-then-raster order (for a cosine codebook between unit vectors: 2 − 2·cos). ‖z − e‖² = ‖z‖² − 2 z·e + ‖e‖², the cross term as one GEMM.
    public func distances(_ ze: Tensor) -> Tensor {
        distances(rows: comparable(gridVectors(ze)), level: 0)
    }

    /// Distances from rows (already comparable) to level `level`'s codes: (rows, K).
    func distances(rows: Tensor, level: Int) -> Tensor {
        let n = rows.shape[0], k = size
        let codes = levelVectors(level)
        var d = rows.matmul(codes, transposeOther: true)  // (rows, K) of z·e
        let codeNorms = (0..<k).map { c in (0..<dim).reduce(Float(0)) { $0 + codes.data[c * dim + $1] * codes.data[c * dim + $1] } }
        for r in 0..<n {
            var zn: Float = 0
            for j in 0..<dim { zn += rows.data[r * dim + j] * rows.data[r * dim + j] }
            for c in 0..<k { d.data[r * k + c] = max(0, zn - 2 * d.data[r * k + c] + codeNorms[c]) }
        }
        return d
    }

    /// The codes of every grid vector, `levels` per cell (level fastest), in sample-then-raster order:
    /// the nearest code (ties to the lower index) at each level of what the levels before left; for FSQ
    /// each dimension's rounded level (ties to even, as torch.round) in the mixed radix.
    public func quantize(_ ze: Tensor) -> [Int] {
        if let scalarLevels {
            let raw = gridVectors(ze)
            return (0..<raw.shape[0]).map { r in
                var index = 0, basis = 1
                for (j, l) in scalarLevels.enumerated() {
                    let half = l / 2
                    let bounded = Self.fsqBound(raw.data[r * dim + j], levels: l)
                    let digit = bounded.isNaN ? half : Int(bounded.rounded(.toNearestOrEven)) + half
                    index += min(max(digit, 0), l - 1) * basis
                    basis *= l
                }
                return index
            }
        }
        return quantizeLevels(comparable(gridVectors(ze))).codes
    }

    /// Level q's K codes, (K, D).
    public func levelVectors(_ q: Int) -> Tensor {
        levels == 1 ? vectors : Tensor(shape: [size, dim], data: Array(vectors.data[(q * size * dim)..<((q + 1) * size * dim)]))
    }

    /// What each level quantised, (N·h·w, D) per level: the comparable grid vectors at level 0, then the
    /// residual the levels before left (one tensor for one codebook and for FSQ).
    public func levelInputs(_ ze: Tensor) -> [Tensor] {
        let rows = comparable(gridVectors(ze))
        return scalarLevels == nil ? quantizeLevels(rows).inputs : [rows]
    }

    /// Distances from each level's input to that level's codes, (N·h·w, K) per level.
    public func levelDistances(_ ze: Tensor) -> [Tensor] {
        levelInputs(ze).enumerated().map { distances(rows: $0.element, level: $0.offset) }
    }

    /// Nearest codes level by level (ties to the lower index), and each level's input.
    func quantizeLevels(_ rows: Tensor) -> (codes: [Int], inputs: [Tensor]) {
        var residual = rows
        var codes = [Int](repeating: 0, count: rows.shape[0] * levels)
        var inputs: [Tensor] = []
        let k = size
        let n = rows.shape[0]
        var nearest = [Int](repeating: 0, count: n)
        for q in 0..<levels {
            inputs.append(residual)
            // The distances `distances(rows:level:)` computes, bit for bit, and their first minimum, in C.
            let book = levelVectors(q)
            let dots = residual.matmul(book, transposeOther: true)
            let codeNorms = (0..<k).map { c in (0..<dim).reduce(Float(0)) { $0 + book.data[c * dim + $1] * book.data[c * dim + $1] } }
            dots.data.withUnsafeBufferPointer { dp in
                residual.data.withUnsafeBufferPointer { rp in
                    nearest.withUnsafeMutableBufferPointer { np in
                        codeNorms.withUnsafeBufferPointer { cp in
                            guard n > 0 else { return }
                            let D = UncheckedConst(dp.baseAddress!), R = UncheckedConst(rp.baseAddress!)
                            let C = UncheckedConst(cp.baseAddress!), N = UncheckedPointer(np.baseAddress!)
                            let d = dim
                            // Rows are independent: a training batch's are split over the threads.
                            parallelRanges(n, threads: n * k >= 1 << 16 ? ComputeThreads.current : 1) { rs in
                                ck_nearest_codes(D.pointer + rs.lowerBound * k, R.pointer + rs.lowerBound * d, C.pointer,
                                                 rs.count, k, d, N.pointer + rs.lowerBound)
                            }
                        }
                    }
                }
            }
            for r in 0..<n {
                let best = nearest[r]
                codes[r * levels + q] = best
                if levels > 1 { for j in 0..<dim { residual.data[r * dim + j] -= vectors.data[(q * k + best) * dim + j] } }
            }
        }
        return (codes, inputs)
    }

    /// The quantised grids (N, D, h, w) for N·h·w·levels codes (each cell's vector the sum of its levels' codes).
    /// A negative code leaves its level out: the explorer decodes one level's code alone that way.
    public func embed(_ codes: [Int], height: Int, width: Int) -> Tensor {
        let positions = height * width
        precondition(codes.count % (positions * levels) == 0, "\(codes.count) codes is not a whole number of \(height)×\(width)×\(levels) grids")
        let n = codes.count / (positions * levels), k = size
        var z = Tensor(zeros: [n, dim, height, width])
        let dim = dim, levels = levels
        // Through pointers: element access through the tensors' arrays cost more than the decoder's
        // first layer at batch 1 (4,096 sums for a 4-level 8×8 grid of 16 dimensions).
        vectors.data.withUnsafeBufferPointer { v in
            z.data.withUnsafeMutableBufferPointer { out in
                let v = v.baseAddress!, out = out.baseAddress!
                for (i, code) in codes.enumerated() {
                    precondition(code < k, "code \(code) outside 0..<\(k)")
                    guard code >= 0 else { continue }
                    let r = i / levels, q = i % levels
                    let b = r / positions, p = r % positions
                    let vector = v + (q * k + code) * dim, cell = out + b * dim * positions + p
                    for j in 0..<dim { cell[j * positions] += vector[j] }
                }
            }
        }
        return z
    }
}
