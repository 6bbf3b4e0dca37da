import Foundation
import LatentCore
import LatentProjection

/// The scatter of a large data set while it is being encoded: the μ the encoder hands on are gathered
/// and sent to the app a few times a second, placed by a PCA fitted on the first of them (enough to see
/// the data's shape; the PCA of all of it replaces it at the end).
struct StreamedScatter {
    /// The data's labels (empty when unlabelled), sent with the points they belong to.
    let labels: [Int]
    private var pending: [[Float]] = []
    private var sent = 0
    private var pca: PCA?
    /// Set when the first part's latents could not be fitted: nothing more is gathered.
    private var stopped = false
    private var lastSent = DispatchTime.now().uptimeNanoseconds
    /// Every point sent so far, for the nearest-point index sent with each part once there are many.
    private var sentPoints: [(Float, Float)] = []
    /// No PCA is fitted on fewer points than this (its axes would say little).
    let firstFit: Int
    /// The pause between parts (ns): four a second keeps the plot moving without costing frames.
    let interval: UInt64

    /// Nanoseconds added to the pause per point already sent (2 s at a million).
    let slowing: UInt64

    init(labels: [Int], interval: UInt64 = 250_000_000, slowing: UInt64 = 2_000, firstFit: Int = 1_000) {
        self.labels = labels
        self.interval = interval
        self.slowing = slowing
        self.firstFit = firstFit
    }

    /// Takes the next images' μ; returns a part for the app when one is due.
    mutating func add(_ mus: ArraySlice<[Float]>) -> Message? {
        guard !stopped else { return nil }
        pending += mus
        let now = DispatchTime.now().uptimeNanoseconds
        // Parts come further apart as the plot fills: each redraws every point, and a plot of half a
        // million changes little in a second.
        guard let dim = pending.first?.count, dim > 0, now - lastSent >= max(interval, UInt64(sent) * slowing),
              pca != nil || pending.count >= firstFit else { return nil }
        let x = Tensor(shape: [pending.count, dim], data: pending.flatMap { $0 })
        var fitted: PCA?
        if pca == nil {
            // Latents that are not finite get no scatter here; the end of the encoding says so.
            guard ProjectionInput.problem(x) == nil, let first = try? PCA.fit(x, components: min(2, dim)) else {
                stopped = true
                pending = []
                return nil
            }
            pca = first
            fitted = first
        }
        guard let pca else { return nil }
        let points = pca.planePoints(x)
        sentPoints += stride(from: 0, to: points.count - 1, by: 2).map { (points[$0], points[$0 + 1]) }
        let index = sentPoints.count >= ScatterState.indexedFrom ? ScatterIndex(points: sentPoints) : nil
        let part = Message.datasetEncodedPart(mus: pending, labels: labels.isEmpty ? [] : Array(labels[sent..<(sent + pending.count)]),
                                              points: points, pca: fitted, index: index)
        sent += pending.count
        pending = []
        lastSent = now
        return part
    }
}
