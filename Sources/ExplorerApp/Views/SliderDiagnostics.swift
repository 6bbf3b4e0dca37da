import TermRender

/// What the data says about each slider, drawn in its track: where the data's μ lie along it (the
/// line's weight), and how many nats of KL the encoder spends on the dimension (an underline from the
/// track's start, longest for the dimension that carries most). Made once a frame for the rows shown.
struct SliderDiagnostics {
    /// Per dimension shown: the data's values along it.
    var values: [Int: [Float]] = [:]
    /// Per dimension shown: its KL over the largest dimension's (0…1).
    var klShare: [Int: Float] = [:]

    static let none = SliderDiagnostics()

    init() {}

    init(_ m: AppModel, dimensions: some Sequence<Int>) {
        let kl = m.vae.kl
        let top = kl.max() ?? 0
        for d in dimensions {
            let column = m.scatter.sampledColumn(d)
            if !column.isEmpty { values[d] = column }
            if top > 0, d < kl.count { klShare[d] = max(0, kl[d]) / top }
        }
    }

    /// Directions: the data's places along each, as the panel shows them.
    init(positions: [Int: [Float]]) {
        values = positions.mapValues { Explorer.evenSample($0, limit: Self.sampled) }
    }

    /// The most values a track's density is drawn from, a frame: three line weights need no more.
    static let sampled = 5_000

    /// The track over `columns`: a line whose weight follows the data's density in each column — `┈`
    /// where no image lies, `─`, `━` where the column holds over half as many as the densest — and,
    /// underlined from the track's start, the dimension's share of the KL. Weights and underlines, not
    /// shades of grey, so a light terminal reads them as a dark one does.
    func drawTrack(_ b: inout Buffer, columns: ClosedRange<Int>, track: Rect, axis: ClosedRange<Float>, dimension d: Int) {
        let y = track.y
        var counts = [Int](repeating: 0, count: track.width)
        if let values = values[d] {
            for v in values where v.isFinite && axis.contains(v) { counts[SliderGeometry.column(v, in: axis, track: track) - track.x] += 1 }
        }
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
