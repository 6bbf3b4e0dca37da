import TermRender

/// What the scatter's points are coloured by (`z`): their class, or a measure of each image — how
/// well the model reconstructs it, how much KL its posterior costs, how far its μ is from the origin.
public enum ScatterColouring: String, Equatable, Sendable, CaseIterable {
    case classes, error, kl, norm

    public var title: String {
        switch self {
        case .classes: "class"
        case .error: "reconstruction error (MSE)"
        case .kl: "KL of the posterior (nats)"
        case .norm: "‖μ‖"
        }
    }

    /// A measure's tenth k (0 lowest … 9 highest) as a colour: viridis, dark to bright.
    public static func colour(_ k: Int) -> RGB { ColorMap.viridis.color(0.1 + 0.9 * Float(min(max(k, 0), 9)) / 9) }
}

extension ScatterState {
    /// The colourings this scatter has values for, in `z`'s order.
    public var colourings: [ScatterColouring] {
        [.classes] + [ScatterColouring.error, .kl, .norm].filter { measures[$0]?.count == mus.count && !mus.isEmpty }
    }

    /// Point i's colour class: its label, or with a measure, its tenth of the measure's range (from
    /// the 1st to the 99th percentile, so one outlier does not grey every other point).
    public func colourIndex(of i: Int) -> Int {
        guard colouring != .classes, let values = measures[colouring], let v = values[safe: i], let (lo, hi) = measureRange else {
            return colourClass(of: i)
        }
        return Self.tenth(v, lo, hi)
    }

    /// Every point's colour class, in one pass (the plot of a million points colours them all at once):
    /// the labels (empty for unlabelled data: every point 0), or the measure's tenths.
    func colourIndices() -> [Int] {
        guard colouring != .classes, let values = measures[colouring], let (lo, hi) = measureRange else { return labels }
        return values.map { Self.tenth($0, lo, hi) }
    }

    /// The tenth of [lo, hi] that v falls in (0…9; the middle one when the range is a point).
    static func tenth(_ v: Float, _ lo: Float, _ hi: Float) -> Int {
        min(9, max(0, Int((hi > lo ? (v - lo) / (hi - lo) : 0.5) * 10)))
    }

    /// The shown measure's 1st and 99th percentiles.
    public var measureRange: (Float, Float)? {
        guard colouring != .classes else { return nil }
        return measureRanges[colouring]
    }

    /// A measure's 1st and 99th percentiles (of at most 100,000 of its values, evenly spaced: the
    /// colour scale of a million points needs no more), nil when it has no finite value.
    static func percentileRange(_ values: [Float]) -> (Float, Float)? {
        let step = max(1, values.count / 100_000)
        let sample = stride(from: 0, to: values.count, by: step).map { values[$0] }.filter(\.isFinite).sorted()
        guard !sample.isEmpty else { return nil }
        return (sample[sample.count / 100], sample[sample.count - 1 - sample.count / 100])
    }
}
