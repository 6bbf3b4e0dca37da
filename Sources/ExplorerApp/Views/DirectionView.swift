import TermRender

/// The slider panel with a direction set: one slider per direction, its place along it in standard
/// deviations of the data (±3), and what makes it strong (the variance it explains, the image change
/// per unit).
extension Explorer {
    static func drawDirectionSliders(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        let v = m.vae
        guard let d = v.shownDirections else {
            b.box(r, title: "latent z · \(v.directionMethod.title)")
            b.write(v.directionsPending ? "finding the directions…" : m.status, x: r.x + 2, y: r.y + 1, style: .dim, clip: r.inset(by: 1))
            return
        }
        let explained = d.explained.map { String(format: " · %.0f%% of the variance", 100 * $0.reduce(0, +)) } ?? ""
        b.box(r, title: "latent z · \(d.count) of \(v.latentDim) · \(d.method.title)\(explained) · D")
        let g = SliderGeometry(box: r, count: d.count, selected: v.directionSelected)
        let axis: ClosedRange<Float> = -directionRange...directionRange
        let clip = r.inset(by: 1)
        var positions: [Int: [Float]] = [:]
        for i in g.visible where i < v.directionPositions.count { positions[i] = v.directionPositions[i] }
        let diagnostics = SliderDiagnostics(positions: positions)
        for i in g.visible {
            let y = g.row(of: i), selected = i == v.directionSelected
            let style = selected ? Style(bold: true) : Style.plain
            b.write((selected ? "▸" : " ") + d.name(i), x: r.x + 1, y: y, style: style, clip: clip)
            guard var track = g.track(row: y) else { continue }
            // The strength takes the track's last columns: "12%" explained, or the image change per unit.
            let strength = d.explained.map { String(format: "%3.0f%%", 100 * $0[i]) } ?? String(format: "%4.1f", d.scores[i])
            track.width = max(5, track.width - strength.count - 1)
            diagnostics.drawTrack(&b, columns: track.x...(track.maxX - 1), track: track, axis: axis, dimension: i)
            b[SliderGeometry.column(0, in: axis, track: track), y] = Cell("┼", .dim)
            let at = d.position(of: v.z, along: i)
            b[SliderGeometry.column(at, in: axis, track: track), y] = Cell("●", selected ? Style(fg: .rgb(highlight), bold: true) : .bold)
            let x = b.write(String(format: " %+5.2f", at), x: track.maxX, y: y, style: style, clip: clip)
            b.write(" " + strength, x: x, y: y, style: .dim, clip: clip)
        }
        if g.first > 0 { b.write("▲", x: r.maxX - 2, y: r.y, style: .dim) }
        if g.visible.upperBound < d.count { b.write("▼", x: r.maxX - 2, y: r.maxY - 1, style: .dim) }
        if let track = g.track(row: r.maxY - 1), r.height > 2 {
            b.write("−3σ", x: track.x, y: r.maxY - 1, style: .dim)
            let unit = d.explained != nil ? "% of the variance" : d.unit
            b.write(unit + " · +3σ", x: r.maxX - 2 - unit.count - 6, y: r.maxY - 1, style: .dim)
        }
    }
}
