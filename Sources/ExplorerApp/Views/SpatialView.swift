import TermRender

/// A [C, h, w] latent drawn as what it is: its h × w cells as a grid (one channel's heat map, or
/// channels 0–2 as colour), a cursor cell, the region a brush covers, the cells edited away from the
/// opened image's μ, and one slider per channel for the cursor cell.
extension Explorer {
    static func drawSpatial(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        let v = m.vae
        guard let shape = v.spatialShape, let (channel, cursor) = v.spatialCursor else { return }
        let scope = v.spatial.allCells ? " · every cell" : v.spatial.anchor.map { a in
            " · region \(abs(a.row - cursor.row) + 1)×\(abs(a.column - cursor.column) + 1)"
        } ?? ""
        b.box(r, title: "latent \(shape.channels)×\(shape.height)×\(shape.width) · channel \(channel) · row \(cursor.row), col \(cursor.column)\(scope)")
        let layout = SpatialLayout(box: r, shape: shape, cursor: cursor, channel: channel)
        guard layout.grid.width > 0, layout.grid.height > 0 else { return }
        let changed = v.changedCells
        let region = Set(v.spatial.allCells ? [] : v.spatial.anchor.map { shape.rectangle($0, cursor) } ?? [])
        drawSpatialGrid(&b, m, layout, channel: channel, cursor: cursor, changed: changed, region: region)
        drawSpatialRulers(&b, layout, cursor: cursor, region: region)
        drawSpatialLegend(&b, m, layout, channel: channel, changed: changed.count)
        let g = layout.sliders
        let clip = g.box.inset(by: 1)
        let diagnostics = SliderDiagnostics(m, dimensions: g.visible.map { shape.index(channel: $0, cursor) })
        for c in g.visible {
            let y = g.row(of: c), isSelected = c == channel
            let style = isSelected ? Style(bold: true) : Style.plain
            b.write((isSelected ? "▸" : " ") + "c\(c)", x: clip.x, y: y, style: style, clip: clip)
            guard let track = g.track(row: y) else { continue }
            drawSliderTrack(&b, v, dimension: shape.index(channel: c, cursor), track: track, axis: v.spatialAxis(channel: c),
                            selected: isSelected, labelStyle: style, clip: clip, diagnostics: diagnostics)
        }
        if g.first > 0 { b.write("▲", x: clip.maxX - 1, y: clip.y, style: .dim) }
        if g.visible.upperBound < shape.channels { b.write("▼", x: clip.maxX - 1, y: clip.maxY - 1, style: .dim) }
    }

    /// The cells' colours; marks in them where there is a character to spare: `◆` the cursor, `•` an
    /// edited cell, `·` the region. With half rows a character holds two cells: the rulers show the cursor.
    static func drawSpatialGrid(_ b: inout Buffer, _ m: AppModel, _ layout: SpatialLayout, channel: Int, cursor: GridCell,
                                changed: Set<GridCell>, region: Set<GridCell>) {
        let v = m.vae, shape = layout.shape
        let mono = m.capability == .monochrome
        func colour(_ cell: GridCell) -> RGB {
            if v.spatial.colour {
                let c = (0..<3).map { ch -> UInt8 in
                    let k = min(ch, shape.channels - 1), axis = v.spatialAxis(channel: k)
                    let t = (v.z[shape.index(channel: k, cell)] - axis.lowerBound) / max(1e-6, axis.upperBound - axis.lowerBound)
                    return UInt8(min(max(t, 0), 1) * 255)
                }
                return RGB(c[0], c[1], c[2])
            }
            return DivergingColors.color(v.z[shape.index(channel: channel, cell)], range: v.spatialAxis(channel: channel))
        }
        func shade(_ cell: GridCell) -> Unicode.Scalar {
            let axis = v.spatialAxis(channel: channel)
            let t = (v.z[shape.index(channel: channel, cell)] - axis.lowerBound) / max(1e-6, axis.upperBound - axis.lowerBound)
            let ramp = Array(" .:-=+*#%@".unicodeScalars)
            return ramp[min(ramp.count - 1, max(0, Int(t * Float(ramp.count))))]
        }
        for row in layout.firstRow..<(layout.firstRow + layout.visibleRows) {
            if layout.halfRows && (row - layout.firstRow) % 2 == 1 { continue }
            for column in layout.firstColumn..<(layout.firstColumn + layout.visibleColumns) {
                let cell = GridCell(row: row, column: column)
                guard let (x, y) = layout.origin(of: cell) else { continue }
                if layout.halfRows {
                    let lower = GridCell(row: row + 1, column: column)
                    let hasLower = row + 1 < layout.firstRow + layout.visibleRows
                    b[x, y] = mono ? Cell(shade(cell), cell == cursor ? .reverse : .plain)
                        : Cell("▀", Style(fg: .rgb(colour(cell)), bg: hasLower ? .rgb(colour(lower)) : .default))
                    continue
                }
                // The first character carries the cell's mark, the second the region's under an edit mark.
                let mark: Unicode.Scalar = cell == cursor ? "◆" : changed.contains(cell) ? "•" : region.contains(cell) ? "·" : " "
                let second: Unicode.Scalar = cell != cursor && region.contains(cell) && changed.contains(cell) ? "·" : " "
                let bg = colour(cell)
                // Marks in black on light cells, in white on dark ones.
                let luma = 0.299 * Float(bg.r) + 0.587 * Float(bg.g) + 0.114 * Float(bg.b)
                let ink = mono ? (cell == cursor ? Style.bold : .plain)
                               : Style(fg: .rgb(luma > 140 ? .black : .white), bg: .rgb(bg), bold: cell == cursor)
                for dy in 0..<layout.cellHeight {
                    for k in 0..<layout.cellWidth {
                        let glyph = dy > 0 ? " " : k == 0 ? mark : k == 1 ? second : " "
                        b[x + k, y + dy] = Cell(mono && glyph == " " ? shade(cell) : glyph, ink)
                    }
                }
            }
        }
    }

    /// `▼` over the cursor's column and `▶` beside its row; the region's span as `┄` on the rulers.
    static func drawSpatialRulers(_ b: inout Buffer, _ layout: SpatialLayout, cursor: GridCell, region: Set<GridCell>) {
        let amber = Style(fg: .rgb(highlight), bold: true)
        for cell in region {
            guard let (x, y) = layout.origin(of: cell) else { continue }
            for k in 0..<layout.cellWidth { b[x + k, layout.grid.y - 1] = Cell("┄", amber) }
            b[layout.grid.x - 1, y] = Cell("┆", amber)
        }
        guard let (x, y) = layout.origin(of: cursor) else { return }
        b[x + (layout.cellWidth - 1) / 2, layout.grid.y - 1] = Cell("▼", amber)
        b[layout.grid.x - 1, y] = Cell("▶", amber)
    }

    /// What the colours mean (the channel's range, or which channel is which colour), the edits, and
    /// the scope of `+`/`-`.
    static func drawSpatialLegend(_ b: inout Buffer, _ m: AppModel, _ layout: SpatialLayout, channel: Int, changed: Int) {
        let v = m.vae, r = layout.legend
        var x = r.x
        if v.spatial.colour {
            x = b.write("R c0 G c1 B c2", x: x, y: r.y, style: .dim, clip: r)
        } else {
            let axis = v.spatialAxis(channel: channel)
            x = b.write(String(format: "c%d %.1f ", channel, axis.lowerBound), x: x, y: r.y, style: .dim, clip: r)
            if m.capability != .monochrome {
                for k in 0..<5 where x < r.maxX {
                    let value = axis.lowerBound + (axis.upperBound - axis.lowerBound) * Float(k) / 4
                    b[x, r.y] = Cell(" ", Style(bg: .rgb(DivergingColors.color(value, range: axis))))
                    x += 1
                }
            }
            x = b.write(String(format: " %.1f", axis.upperBound), x: x, y: r.y, style: .dim, clip: r)
        }
        if changed > 0 { b.write(" · \(changed) edited", x: x, y: r.y, style: .dim, clip: r) }
    }

    /// Marks on the decoded image's frame (under it and on both sides; the title keeps the top) beside the rows and columns its edited latent cells cover
    /// (the image itself is never drawn over: a mark in it would read as part of it).
    static func markChangedRegion(_ b: inout Buffer, _ m: AppModel, box: Rect, image: Image) {
        guard let shape = m.vae.spatialShape else { return }
        let changed = m.vae.changedCells
        guard !changed.isEmpty else { return }
        let drawn = ImageRaster.drawnArea(of: image, in: box.inset(by: 1), mode: m.renderMode)
        guard drawn.width > 0, drawn.height > 0 else { return }
        let amber = Style(fg: .rgb(highlight), bold: true)
        for column in Set(changed.map(\.column)) {
            let from = drawn.x + column * drawn.width / shape.width, to = drawn.x + ((column + 1) * drawn.width + shape.width - 1) / shape.width
            for x in from..<max(from + 1, to) where x < drawn.maxX {
                b[x, box.maxY - 1] = Cell("━", amber)
            }
        }
        for row in Set(changed.map(\.row)) {
            let from = drawn.y + row * drawn.height / shape.height, to = drawn.y + ((row + 1) * drawn.height + shape.height - 1) / shape.height
            for y in from..<max(from + 1, to) where y < drawn.maxY {
                b[box.x, y] = Cell("┃", amber)
                b[box.maxX - 1, y] = Cell("┃", amber)
            }
        }
    }
}
