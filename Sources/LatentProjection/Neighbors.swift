import LatentCore

/// Exact k-nearest-neighbour queries (`NeighborGraph.exact`: a scan in C, no n × n matrix; in the
/// plane, `NeighborGraph.planar`).
public enum ExactNeighbors {
    /// For each row of `x` (n, d), the indices of its k nearest other rows, nearest first.
    public static func query(_ x: Tensor, k: Int, threads: Int = 1) -> [[Int]] {
        let graph = x.shape[1] == 2 ? NeighborGraph.planar(x, k: k, threads: threads) : NeighborGraph.exact(x, k: k, threads: threads)
        return (0..<graph.count).map { i in graph.indices[(i * k)..<((i + 1) * k)].map(Int.init) }
    }

    /// Leave-one-out k-NN classification accuracy of `labels` from the rows of `x` (majority vote,
    /// ties broken by the nearer neighbour).
    public static func labelAccuracy(_ x: Tensor, labels: [Int], k: Int, threads: Int = 1) -> Double {
        let neighbors = query(x, k: k, threads: threads)
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
