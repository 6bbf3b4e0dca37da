import TermRender

/// What the data says about each slider, drawn in its track: where the data's μ lie along it (the
/// line's weight), and how many nats of KL the encoder spends on the dimension (an underline from the
/// track's start, longest for the dimension that carries most). Made once a frame for the rows shown;
/// the data's counts along a slider's track are kept while the latents and the track stay the same.
struct SliderDiagnostics: Sendable {
    /// Dimension d's data values (nil: none), read only when its track's counts are not kept.
    private var values: @Sendable (Int) -> [Float]? = { _ in nil }
    /// Where the counts are kept, and the set of latents they come from (nil: counted every frame).
    private var kept: (caches: ScatterCaches, version: Int)?
    /// Per dimension shown: its KL over the largest dimension's (0…1).
    var klShare: [Int: Float] = [:]

    static let none = SliderDiagnostics()

    init() {}

    init(_ m: AppModel, dimensions: some Sequence<Int>) {
        let scatter = m.scatter
        values = { d in
            let column = scatter.sampledColumn(d)
            return column.isEmpty ? nil : column
        }
        kept = (scatter.caches, scatter.musVersion)
        let kl = m.vae.kl
        let top = kl.max() ?? 0
        for d in dimensions where top > 0 && d < kl.count { klShare[d] = max(0, kl[d]) / top }
    }

    /// Directions: the data's places along each, as the panel shows them.
    init(positions: [Int: [Float]]) {
        values = { positions[$0].map { Explorer.evenSample($0, limit: Self.sampled) } }
    }

    /// The most values a track's density is drawn from, a frame: three line weights need no more.
    static let sampled = 5_000

    /// How many of dimension d's values fall in each column of `track` (none where there are no values).
    func counts(dimension d: Int, track: Rect, axis: ClosedRange<Float>) -> [Int] {
        let count = {
            var counts = [Int](repeating: 0, count: track.width)
            for v in values(d) ?? [] where v.isFinite && axis.contains(v) {
                counts[SliderGeometry.column(v, in: axis, track: track) - track.x] += 1
            }
            return counts
        }
        guard let (caches, version) = kept else { return count() }
        return caches.trackCounts(TrackCountsKey(version: version, dimension: d, axis: axis, width: track.width), count)
    }

    /// The track over `columns`: a line whose weight follows the data's density in each column — `┈`
    /// where no image lies, `─`, `━` where the column holds over half as many as the densest — and,
    /// underlined from the track's start, the dimension's share of the KL. Weights and underlines, not
    /// shades of grey, so a light terminal reads them as a dark one does.
    func drawTrack(_ b: inout Buffer, columns: ClosedRange<Int>, track: Rect, axis: ClosedRange<Float>, dimension d: Int) {
        let y = track.y
        let counts = counts(dimension: d, track: track, axis: axis)
        let densest = counts.max() ?? 0
        let bar = klShare[d].map { track.x + Int(($0 * Float(track.width)).rounded()) } ?? track.x
        for x in columns {
            let count = counts[x - track.x]
            var cell: Cell
            if densest == 0 {
                cell = Cell("─", .dim)
            } else if count == 0 {
                cell = Cell("┈", .dim)
            } else {
                cell = 2 * count > densest ? Cell("━", .plain) : Cell("─", .plain)
            }
            cell.style.underline = x < bar
            b[x, y] = cell
        }
    }
}
