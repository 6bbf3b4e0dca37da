import TermRender

/// Where each latent slider sits inside the sliders box; shared by the view (drawing) and `update`
/// (mouse hits). When there are more dimensions than rows, the list scrolls to keep the selection visible.
struct SliderGeometry {
    let box: Rect
    let count: Int
    let selected: Int

    static let labelWidth = 6   // "▸ z12 "
    static let valueWidth = 7   // " -2.35"

    var visibleRows: Int { max(0, box.height - 2) }
    var first: Int {
        guard count > visibleRows, visibleRows > 0 else { return 0 }
        return min(max(0, selected - visibleRows / 2), count - visibleRows)
    }
    var visible: Range<Int> { first..<min(count, first + visibleRows) }

    func row(of dim: Int) -> Int { box.y + 1 + dim - first }

    func dimension(atRow y: Int) -> Int? {
        let d = y - box.y - 1 + first
        return visible.contains(d) ? d : nil
    }

    func track(row y: Int) -> Rect? {
        let width = box.width - 2 - Self.labelWidth - Self.valueWidth
        guard width >= 5 else { return nil }
        return Rect(x: box.x + 1 + Self.labelWidth, y: y, width: width, height: 1)
    }

    /// Column of value v on a track over `range`.
    static func column(_ v: Float, in range: ClosedRange<Float>, track: Rect) -> Int {
        let t = (min(max(v, range.lowerBound), range.upperBound) - range.lowerBound) / (range.upperBound - range.lowerBound)
        return track.x + Int((t * Float(track.width - 1)).rounded())
    }
}
