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
    /// No PCA is fitted on fewer points than this (its axes would say little).
    let firstFit: Int
    /// The pause between parts (ns): four a second keeps the plot moving without costing frames.
    let interval: UInt64

    init(labels: [Int], interval: UInt64 = 250_000_000, firstFit: Int = 1_000) {
        self.labels = labels
        self.interval = interval
        self.firstFit = firstFit
    }

    /// Takes the next images' μ; returns a part for the app when one is due.
    mutating func add(_ mus: ArraySlice<[Float]>) -> Message? {
        guard !stopped else { return nil }
        pending += mus
        let now = DispatchTime.now().uptimeNanoseconds
        guard let dim = pending.first?.count, dim > 0, now - lastSent >= interval,
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
        let part = Message.datasetEncodedPart(mus: pending, labels: labels.isEmpty ? [] : Array(labels[sent..<(sent + pending.count)]),
                                              points: pca.planePoints(x), pca: fitted)
        sent += pending.count
        pending = []
        lastSent = now
        return part
    }
}
