import Foundation
import LatentCore

/// Whether samples look like the data: the share of images whose nearest labelled images (in pixels)
/// agree on a class. A digit drawn from a good prior sits among held-out digits of one class; a blend
/// of strokes from the per-position code frequencies sits among several.
public enum SampleQuality {
    /// The fraction of `images` (N, …) whose `k` nearest `reference` images (M, …; Euclidean in pixels)
    /// include at least `agree` of one label. With `excludingSelf`, `images` are `reference` itself and
    /// each image's own entry is skipped (the data's own figure).
    public static func confidentFraction(_ images: Tensor, reference: Tensor, labels: [Int], k: Int = 10, agree: Int = 8,
                                         excludingSelf: Bool = false) -> Double {
        let n = images.shape[0], m = reference.shape[0], p = images.count / max(1, n)
        guard n > 0, m > k, reference.count / m == p, labels.count == m else { return .nan }
        let a = images.reshaped([n, p]), b = reference.reshaped([m, p])
        let dots = a.matmul(b, transposeOther: true)  // (n, m)
        let normsB = (0..<m).map { j in (0..<p).reduce(Float(0)) { $0 + b.data[j * p + $1] * b.data[j * p + $1] } }
        let classes = (labels.max() ?? 0) + 1
        var confident = 0
        for i in 0..<n {
            // ‖a‖² is the same for every j: the order needs only ‖b‖² − 2 a·b.
            var order = (0..<m).filter { !excludingSelf || $0 != i }
            order.sort { normsB[$0] - 2 * dots.data[i * m + $0] < normsB[$1] - 2 * dots.data[i * m + $1] }
            var votes = [Int](repeating: 0, count: classes)
            for j in order.prefix(k) { votes[labels[j]] += 1 }
            if (votes.max() ?? 0) >= agree { confident += 1 }
        }
        return Double(confident) / Double(n)
    }

    /// Grids drawn cell by cell from each position's code frequencies in `grids` (the simple prior).
    public static func positionalSamples(count: Int, from grids: [[Int]], rng: inout SeededRNG) -> [[Int]] {
        guard let cells = grids.first?.count else { return [] }
        return (0..<count).map { _ in
            (0..<cells).map { _ in grids[rng.nextInt(below: grids.count)] }.enumerated().map { $0.element[$0.offset] }
        }
    }
}
