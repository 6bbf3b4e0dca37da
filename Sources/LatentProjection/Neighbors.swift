import LatentCore

/// Exact k-nearest-neighbour queries by brute force (squared Euclidean distance through one GEMM per
/// block of rows). Right for the few thousand points the shipped data has.
public enum ExactNeighbors {
    /// For each row of `x` (n, d), the indices of its k nearest other rows, nearest first.
    public static func query(_ x: Tensor, k: Int) -> [[Int]] {
        let n = x.shape[0], d = x.shape[1]
        precondition(k >= 1 && k < n, "k = \(k) needs at least \(k + 1) points, have \(n)")
        let norms = (0..<n).map { i in (0..<d).reduce(Float(0)) { $0 + x.data[i * d + $1] * x.data[i * d + $1] } }
        let gram = x.matmul(x, transposeOther: true)
        return (0..<n).map { i in
            var best: [(Float, Int)] = []
            best.reserveCapacity(k + 1)
            for j in 0..<n where j != i {
                let dist = norms[i] + norms[j] - 2 * gram.data[i * n + j]
                if best.count < k || dist < best[best.count - 1].0 {
                    let pos = best.firstIndex { $0.0 > dist } ?? best.count
                    best.insert((dist, j), at: pos)
                    if best.count > k { best.removeLast() }
                }
            }
            return best.map(\.1)
        }
    }

    /// Leave-one-out k-NN classification accuracy of `labels` from the rows of `x` (majority vote,
    /// ties broken by the nearer neighbour).
    public static func labelAccuracy(_ x: Tensor, labels: [Int], k: Int) -> Double {
        let neighbors = query(x, k: k)
        var correct = 0
        for (i, nb) in neighbors.enumerated() {
            var votes: [Int: Int] = [:]
            for j in nb { votes[labels[j], default: 0] += 1 }
            let top = votes.values.max() ?? 0
            let winner = nb.first { votes[labels[$0]] == top }.map { labels[$0] }
            if winner == labels[i] { correct += 1 }
        }
        return Double(correct) / Double(neighbors.count)
    }
}
