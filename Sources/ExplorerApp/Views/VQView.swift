import Foundation
import TermRender

/// The VQ-VAE mode's look.
extension Explorer {
    static func viewVQ(_ m: AppModel, _ b: inout Buffer) {
        let v = m.vq
        let layout = VQLayout(width: m.width, height: m.height, vq: v)
        drawStatus(&b, m, layout.status)
        drawGrid(&b, m, layout)
        drawThumb(&b, m, v.source?.original, layout.original, title: "original", empty: "n/p: data")
        drawThumb(&b, m, v.reconstruction, layout.reconstruction, title: "reconstr.", empty: "")
        let editedTitle = v.source.map { v.codes == $0.codes ? "decoded codes" : "edited" } ?? "decoded codes"
        if layout.compact {
            drawThumb(&b, m, v.image, layout.edited, title: editedTitle == "edited" ? "edited" : "decoded", empty: "")
        } else {
            drawImageBox(&b, m, v.image, layout.edited, title: editedTitle)
        }
        if layout.side.width >= 30 { drawCellDetails(&b, m, layout.side) }
        switch v.panel {
        case .palette: drawPalette(&b, m, layout.panel)
        case .details: drawDistances(&b, m, layout.panel)
        case .stats: drawUsage(&b, m, layout.panel)
        case .map: drawCodebookMap(&b, m, layout.panel)
        case .scatter: drawScatter(&b, m, layout.panel)
        }
        drawVQFooter(&b, m, layout.footer)
    }

    static let highlight = RGB(255, 200, 60)

    static func drawGrid(_ b: inout Buffer, _ m: AppModel, _ layout: VQLayout) {
        let v = m.vq
        b.box(layout.grid, title: "codes \(v.height)×\(v.width)" + (v.isResidual ? " · L\(v.level + 1)/\(v.levels)" : ""))
        // The prior's surprise is per code: a residual VQ's cells show their shown level's.
        let surpriseShown = v.showSurprise && v.surprise.count == v.slots
        let surprise = surpriseShown ? (0..<v.cells).map { v.surprise[v.slot($0)] } : []
        let heat = layout.showsNumbers ? (surpriseShown ? surprise : cellDifferences(v)) : []
        if layout.showsNumbers { drawGridNumbers(&b, m, layout, heat: heat, floor: surpriseShown ? 4 : 0.05) } else { drawGridColours(&b, m, layout) }
        var lines = ["cursor (\(v.cursorRow),\(v.cursorColumn)) = \(v.code(at: v.cursor))", "brush \(v.brush)"]
        if v.isScalar {
            // FSQ: the cursor code's level in each dimension, the one ( ) step bracketed.
            let digits = v.digits(of: v.code(at: v.cursor))
            lines.insert("FSQ " + digits.enumerated().map { $0.offset == v.scalarDimension ? "[\($0.element)]" : String($0.element) }
                .joined(separator: " ") + " · { } ( )", at: 1)
        }
        if v.isResidual {
            // The cell's vector is the sum of its codes at every level: all of them, the shown one bracketed.
            lines.insert("levels " + (0..<v.levels).map { q in
                let code = String(v.codes[safe: v.cursor * v.levels + q] ?? 0)
                return q == v.level ? "[\(code)]" : code
            }.joined(separator: "+") + " · { }", at: 1)
        }
        if !v.entry.isEmpty { lines.append("typing \(v.entry)_") }
        lines.append("undo \(v.undo.count) · redo \(v.redo.count)")
        if v.hasPrior {
            lines.append(String(format: "prior T %.1f · %d locked", v.temperature, v.locked.count))
            if surpriseShown { lines.append(String(format: "heat: surprise %.0f bits", surprise.reduce(0, +))) }
        }
        if !v.lastChanged.isEmpty && layout.showsNumbers { lines.append("underlined: last change") }
        if !layout.showsNumbers { lines.append("colour: the code's place in the codebook PCA; edits bold") }
        for (i, line) in lines.enumerated() where i < layout.legend.height {
            b.write(" " + line, x: layout.legend.x, y: layout.legend.y + i, style: i == 0 ? .bold : .dim, clip: layout.legend)
        }
        // The heat's scale: what its colours mean, from nothing to the largest value drawn.
        if !heat.isEmpty, let top = heat.max(), top > 0.01, m.capability != .monochrome, lines.count < layout.legend.height {
            let y = layout.legend.y + lines.count, unit = surpriseShown ? "bits" : "|Δ| edit"
            var x = b.write(" heat 0 ", x: layout.legend.x, y: y, style: .dim, clip: layout.legend)
            for step in 0..<6 where x < layout.legend.maxX {
                b[x, y] = Cell(" ", Style(bg: .rgb(ColorMap.viridis.color(0.15 + 0.85 * Float(step) / 5))))
                x += 1
            }
            b.write(String(format: " %.2g %@", max(top, surpriseShown ? 4 : 0.05), unit), x: x, y: y, style: .dim, clip: layout.legend)
        }
    }

    /// The codes as numbers; the heat (scaled to its maximum, at least `floor`) behind them; locked
    /// cells marked with a dot before the number.
    static func drawGridNumbers(_ b: inout Buffer, _ m: AppModel, _ layout: VQLayout, heat: [Float], floor: Float) {
        let v = m.vq
        let maxHeat = max(heat.max() ?? 0, floor)
        for cell in 0..<v.cells where cell / v.width < layout.gridInner.height {
            let x = layout.gridInner.x + (cell % v.width) * layout.cellColumns, y = layout.gridInner.y + cell / v.width
            let code = v.code(at: cell)
            // One channel each: the heat is the background; a code that differs from the image's own is
            // amber text; the cursor is black on white (never reverse video, which would swap the heat
            // into the text); the cells the last step changed are underlined, locked ones led by a '•'.
            let changed = v.source.map { $0.codes[safe: v.slot(cell)] != code } ?? false
            var style = Style(bold: changed)
            if let h = heat[safe: cell], h > 0.01, m.capability != .monochrome {
                style.bg = .rgb(ColorMap.viridis.color(0.15 + 0.85 * h / maxHeat))
                style.fg = .rgb(.white)
            }
            if changed { style.fg = .rgb(highlight) }
            if cell == v.cursor {
                style = m.capability == .monochrome ? Style(bold: true, reverse: true) : Style(fg: .rgb(.black), bg: .rgb(.white), bold: true)
            }
            let text = String(code), pad = max(0, layout.cellColumns - text.count)
            let lead = v.locked.contains(cell) && pad > 0 ? String(repeating: " ", count: pad - 1) + "•" : String(repeating: " ", count: pad)
            b.write(lead, x: x, y: y, style: style)
            var number = style
            number.underline = v.lastChanged.contains(cell)
            b.write(text, x: x + lead.count, y: y, style: number)
        }
    }

    /// A grid too large for numbers: each cell a block in its code's colour (two rows per line in half
    /// blocks when needed); the cursor cell white, edited cells marked with a dot (or drawn brighter).
    static func drawGridColours(_ b: inout Buffer, _ m: AppModel, _ layout: VQLayout) {
        let v = m.vq
        func color(_ cell: Int) -> RGB {
            if cell == v.cursor { return RGB(255, 255, 255) }
            let code = v.code(at: cell)
            return v.codeColors[safe: code] ?? PlaneColors.colors([(cosf(Float(code) * 2.39996), sinf(Float(code) * 2.39996)), (0, 0)])[0]
        }
        let lines = (v.height + layout.rowsPerLine - 1) / layout.rowsPerLine
        for line in 0..<min(lines, layout.gridInner.height) {
            for column in 0..<v.width {
                let upper = line * layout.rowsPerLine * v.width + column
                let lower = layout.rowsPerLine == 2 && line * 2 + 1 < v.height ? upper + v.width : nil
                let edited = [upper, lower].compactMap { $0 }.contains { cell in v.source.map { $0.codes[safe: v.slot(cell)] != v.code(at: cell) } ?? false }
                let cell: Cell
                let locked = v.locked.contains(upper) || lower.map { v.locked.contains($0) } == true
                if m.capability == .monochrome {
                    let cursorHere = upper == v.cursor || lower == v.cursor
                    cell = Cell(edited || locked ? "•" : "·", Style(bold: edited, reverse: cursorHere))
                } else if locked {
                    cell = Cell("▪", Style(fg: .rgb(.black), bg: .rgb(color(upper))))
                } else if let lower {
                    cell = Cell("▀", Style(fg: .rgb(color(upper)), bg: .rgb(color(lower))))
                } else {
                    cell = Cell(edited ? "•" : " ", Style(fg: .rgb(.black), bg: .rgb(color(upper))))
                }
                for dx in 0..<layout.cellColumns {
                    b[layout.gridInner.x + column * layout.cellColumns + dx, layout.gridInner.y + line] = cell
                }
            }
        }
    }

    static func drawThumb(_ b: inout Buffer, _ m: AppModel, _ image: Image?, _ r: Rect, title: String, empty: String) {
        guard r.height >= 3 else { return }
        b.box(r, title: title)
        guard let image else {
            b.write(empty, x: r.x + 1, y: r.y + 2, style: .dim, clip: r.inset(by: 1))
            return
        }
        drawThumbnail(&b, image, in: r.inset(by: 1), m)
    }

    static func drawImageBox(_ b: inout Buffer, _ m: AppModel, _ image: Image?, _ r: Rect, title: String) {
        b.box(r, title: title)
        guard let image else { return }
        b.draw(image, in: r.inset(by: 1), mode: m.renderMode, colorMap: m.colorMap, capability: m.capability, dither: m.dither)
    }

    /// The cursor cell's encoder vector and its nearest codes (seed 001's details view, compact).
    static func drawCellDetails(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        let v = m.vq
        b.box(r, title: "cell (\(v.cursorRow),\(v.cursorColumn))")
        let inner = r.inset(by: 1)
        guard let source = v.source, let features = source.features[safe: v.cursor] else { return }
        var y = inner.y
        let shown = min(features.count, max(0, inner.maxY - 7 - (y + 1)))
        b.write(shown == features.count ? "encoder vector z_e (\(features.count) values)" : "z_e: first \(shown) of \(features.count) values",
                x: inner.x, y: y, style: .dim, clip: inner)
        y += 1
        let scale = max(features.map { abs($0) }.max() ?? 1, 1e-6)
        let barWidth = max(1, (inner.width - 12) / 2)
        for (i, f) in features.enumerated() where y < inner.maxY - 7 {
            let n = Int((abs(f) / scale * Float(barWidth)).rounded())
            let mid = inner.x + 5 + barWidth
            b.write(String(format: "%2d", i), x: inner.x, y: y, style: .dim, clip: inner)
            for k in 0..<n { b[f < 0 ? mid - 1 - k : mid + k, y] = Cell(f < 0 ? "▒" : "█", Style(fg: .rgb(f < 0 ? RGB(110, 160, 220) : highlight))) }
            b[mid, y].glyph = b[mid, y].glyph == " " ? "│" : b[mid, y].glyph
            y += 1
        }
        y = max(y, inner.maxY - 7)
        // With a prior, its likeliest codes for the cell (given the rest of the grid) beside the nearest.
        let prior = v.hasPrior && v.analysedCell == v.slot(v.cursor) && v.analysedGrid == v.codes ? v.priorTop : []
        let split = v.hasPrior && inner.width >= 44
        // A residual level quantises what the levels before left (r), not z_e itself.
        let input = v.level > 0 ? "r" : "z_e"
        b.write(split ? "nearest (‖\(input) − e‖²)" : "nearest codes (‖\(input) − e‖²)", x: inner.x, y: y, style: .dim, clip: inner)
        if split { b.write("prior p(code | rest)", x: inner.x + inner.width / 2, y: y, style: .dim, clip: inner) }
        for (rank, entry) in v.nearestCodes(6).enumerated() where y + 1 + rank < inner.maxY {
            let isArgmin = rank == 0, inUse = v.code(at: v.cursor) == entry.code
            let text = split ? String(format: "%@ %3d  %.4f%@", isArgmin ? "▸" : " ", entry.code, entry.distance, inUse ? " ◂" : "")
                             : String(format: "%@ code %2d  %.4f%@", isArgmin ? "▸" : " ", entry.code, entry.distance, inUse ? "  ◂ in the cell" : "")
            b.write(text, x: inner.x, y: y + 1 + rank, style: isArgmin ? .bold : .plain, clip: inner)
        }
        if split {
            let column = Rect(x: inner.x + inner.width / 2, y: inner.y, width: inner.width - inner.width / 2, height: inner.height)
            if prior.isEmpty { b.write("…", x: column.x, y: y + 1, style: .dim, clip: column) }
            for (rank, entry) in prior.enumerated() where y + 1 + rank < inner.maxY {
                let inUse = v.code(at: v.cursor) == entry.code
                b.write(String(format: "%3d  %5.1f%%%@", entry.code, entry.probability * 100, inUse ? " ◂" : ""),
                        x: column.x, y: y + 1 + rank, style: rank == 0 ? .bold : .plain, clip: column)
            }
        }
    }

    static func drawPalette(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        let v = m.vq
        let tiles = v.showVariants ? v.variantTiles : v.paletteTiles
        let order = v.paletteCodes
        let what = v.showVariants ? "each code in the cursor cell (v: alone)" : "codebook: each code alone (v: in the cursor cell)"
        b.box(r, title: "\(what) · \(v.paletteOrder.title) (o) · , . 42b brush · space paints")
        let inner = r.inset(by: 1)
        guard !tiles.isEmpty, !order.isEmpty else { return }
        let big = Layout.tile(cells: 14, m.renderMode), small = Layout.tile(cells: 7, m.renderMode)
        func fits(_ t: Layout.TileSpec) -> Bool {
            let perRow = max(1, inner.width / (t.columns + 1))
            return ((order.count + perRow - 1) / perRow) * (t.rows + 1) <= inner.height
        }
        let spec = fits(big) ? big : small
        let perRow = max(1, inner.width / (spec.columns + 1))
        // When not every row fits, scroll so that the brush's row is shown.
        let visibleRows = max(1, inner.height / (spec.rows + 1))
        let brushSlot = order.firstIndex(of: v.brush) ?? 0
        let firstRow = max(0, min(brushSlot / perRow - visibleRows + 1, (order.count - 1) / perRow - visibleRows + 1))
        let dead = Set(v.deadCodes)
        for (slot, code) in order.enumerated() where slot / perRow >= firstRow {
            let x = inner.x + (slot % perRow) * (spec.columns + 1), y = inner.y + (slot / perRow - firstRow) * (spec.rows + 1)
            guard y + spec.rows < inner.maxY else { break }
            guard let image = tiles[safe: code] else { continue }
            var label = String(code)
            if dead.contains(code) { label += "✗" }
            let style = code == v.brush ? Style(fg: .rgb(highlight), bold: true, reverse: true) : (dead.contains(code) ? .dim : .bold)
            b.write(label, x: x, y: y, style: style, clip: inner)
            drawTile(&b, image, spec: spec, x: x, y: y + 1, m)
        }
    }

    /// Distances from the cursor cell's vector to every code as columns (argmin highlighted), and
    /// the nearest alternatives decoded into the cell.
    static func drawDistances(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        let v = m.vq
        let inner = r.inset(by: 1)
        guard let d = v.source?.distances[safe: v.slot(v.cursor)], !d.isEmpty, inner.height >= 4 else {
            b.box(r, title: "cell (\(v.cursorRow),\(v.cursorColumn)): distance to every code")
            b.write("n/p loads a data image", x: inner.x, y: inner.y, style: .dim, clip: inner)
            return
        }
        let argmin = d.indices.min { d[$0] < d[$1] }!
        // Columns of 3 cells when they leave room for three previews, else 2, else 1; a codebook too
        // large for that shows its nearest codes, sorted, in columns of 2.
        let previewWidth = 3 * (Layout.tile(cells: 14, m.renderMode).columns + 1) + 2
        let order: [Int], columnWidth: Int
        if let width = [3, 2, 1].first(where: { $0 * d.count + previewWidth <= inner.width }) {
            order = Array(d.indices)
            columnWidth = width
            b.box(r, title: "cell (\(v.cursorRow),\(v.cursorColumn)): distance to every code · argmin highlighted")
        } else {
            order = Array(d.indices.sorted { d[$0] < d[$1] || (d[$0] == d[$1] && $0 < $1) }.prefix(max(1, (inner.width - previewWidth) / 2)))
            columnWidth = 2
            b.box(r, title: "cell (\(v.cursorRow),\(v.cursorColumn)): the \(order.count) nearest of \(d.count) codes, nearest first")
        }
        let maxD = max(order.map { d[$0] }.max() ?? 1, 1e-6)
        let chartHeight = min(inner.height - 2, 10)
        let levels: [Unicode.Scalar] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        for (slot, code) in order.enumerated() {
            let dist = d[code]
            let x = inner.x + slot * columnWidth
            guard x + columnWidth <= inner.maxX else { break }
            let eighths = Int((dist / maxD * Float(chartHeight * 8)).rounded())
            let color: RGB = code == argmin ? highlight : (code == v.code(at: v.cursor) ? RGB(110, 160, 220) : RGB(grey: 150))
            for row in 0..<chartHeight {
                let filled = min(8, max(0, eighths - row * 8))
                guard filled > 0 else { continue }
                for dx in 0..<max(1, columnWidth - 1) { b[x + dx, inner.y + chartHeight - 1 - row] = Cell(levels[filled], Style(fg: .rgb(color))) }
            }
            if slot % 5 == 0 || code == argmin {
                b.write(String(code), x: x, y: inner.y + chartHeight, style: code == argmin ? Style(fg: .rgb(highlight), bold: true) : .dim, clip: inner)
            }
        }
        let near = v.nearestCodes(3).map(\.code)
        var x = inner.x + min(order.count * columnWidth, inner.width) + 2
        let spec = Layout.tile(cells: 14, m.renderMode)
        for code in near where x + spec.columns <= inner.maxX {
            if let image = v.variantTiles[safe: code] {
                b.write("code \(code)", x: x, y: inner.y, style: code == argmin ? .bold : .dim, clip: inner)
                drawTile(&b, image, spec: spec, x: x, y: inner.y + 1, m)
            }
            x += spec.columns + 1
        }
    }

    static func drawUsage(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        let v = m.vq
        b.box(r, title: "code usage over the \(m.datasetCount) held-out images")
        let inner = r.inset(by: 1)
        guard !v.usage.isEmpty else {
            b.write("quantising the dataset…", x: inner.x, y: inner.y, style: .dim, clip: inner)
            return
        }
        let total = v.usage.reduce(0, +)
        let perplexity = exp(-v.usage.reduce(0.0) { h, c in c == 0 ? h : h + Double(c) / Double(total) * log(Double(c) / Double(total)) })
        let dead = v.deadCodes
        b.write(String(format: "perplexity %.1f of %d · used %d · dead %@", perplexity, v.codebookSize, v.codebookSize - dead.count,
                       dead.isEmpty ? "none" : dead.map(String.init).joined(separator: ",")), x: inner.x, y: inner.y, style: .bold, clip: inner)
        let chartHeight = min(8, inner.height - 3)
        // One column per code when they fit in half the width, else each column sums a run of codes.
        let perColumn = max(1, (v.codebookSize + inner.width / 2 - 1) / max(1, inner.width / 2))
        let columns = (v.codebookSize + perColumn - 1) / perColumn
        let bins = (0..<columns).map { c in v.usage[(c * perColumn)..<min(v.usage.count, (c + 1) * perColumn)].reduce(0, +) }
        let maxCount = max(1, bins.max() ?? 1)
        let columnWidth = max(1, min(3, (inner.width / 2) / max(1, columns)))
        let levels: [Unicode.Scalar] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        let brushColumn = v.brush / perColumn
        for (column, count) in bins.enumerated() {
            let x = inner.x + column * columnWidth
            let eighths = Int((Double(count) / Double(maxCount) * Double(chartHeight * 8)).rounded())
            let color: RGB = column == brushColumn ? highlight : (count == 0 ? RGB(214, 39, 40) : RGB(31, 119, 180))
            for row in 0..<chartHeight {
                let filled = min(8, max(0, eighths - row * 8))
                if filled > 0 { for dx in 0..<max(1, columnWidth - 1) { b[x + dx, inner.y + 1 + chartHeight - 1 - row] = Cell(levels[filled], Style(fg: .rgb(color))) } }
            }
            if count == 0 { b[x, inner.y + chartHeight] = Cell("✗", Style(fg: .rgb(RGB(214, 39, 40)))) }
            let first = column * perColumn
            if column % (perColumn > 1 ? 10 : 5) == 0 { b.write(String(first), x: x, y: inner.y + 1 + chartHeight, style: .dim, clip: inner) }
        }
        if perColumn > 1 {
            b.write("each column: \(perColumn) codes", x: inner.x, y: inner.y + 2 + chartHeight, style: .dim, clip: inner)
        }
        // The images that use the brush code most.
        let x0 = inner.x + columns * columnWidth + 2
        b.write("code \(v.brush): \(v.usage[safe: v.brush] ?? 0) cells; images using it most", x: x0, y: inner.y + 1, style: .dim, clip: inner)
        let spec = Layout.tile(cells: 7, m.renderMode)
        for (i, image) in v.topImageTiles.enumerated() {
            let x = x0 + i * (spec.columns + 1)
            guard x + spec.columns <= inner.maxX else { break }
            drawTile(&b, image, spec: spec, x: x, y: inner.y + 2, m)
        }
    }

    static func drawCodebookMap(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        let v = m.vq
        guard let map = v.map else {
            b.box(r, title: "codebook map")
            b.write("projecting the codebook…", x: r.x + 2, y: r.y + 1, style: .dim)
            return
        }
        let method = map.method == .pca ? String(format: "PCA of %d codes (%.0f%% of var.)", v.codebookSize, map.explained * 100)
                                        : "UMAP of \(v.codebookSize) codes"
        let shown = v.showGroups ? "images by their code at cell (\(v.cursorRow),\(v.cursorColumn)) · i: off"
                                 : "dots: encoder vectors by nearest code · i: images"
        b.box(r, title: "codebook map · \(method) · \(shown) · u: \(map.method == .pca ? "UMAP" : "PCA")")
        let inner = r.inset(by: 1)
        let points = map.points.map { ($0[0], $0[1]) }, codes = map.codes.map { ($0[0], $0[1]) }
        let bounds = ScatterRaster.Bounds.fitting(points + codes)
        if !v.showGroups {
            let cells = ScatterRaster.cells(points: points, classes: map.pointCodes, color: { v.codeColors[safe: $0] ?? Tab10.color($0) },
                                            columns: inner.width, rows: inner.height, bounds: bounds)
            b.blit(cells.map { var c = $0; c.style.dim = true; return c }, blockWidth: inner.width, x: inner.x, y: inner.y)
        }
        // Up to 64 codes are labelled with their numbers; a larger codebook is drawn as dots in the
        // codes' colours, with the brush (and the cursor cell's code) labelled.
        let labelled = v.codebookSize <= 64
        let cursorCode: Int? = v.cells > 0 ? v.code(at: v.cursor) : nil
        if !labelled || v.showGroups {
            for (code, p) in codes.enumerated() {
                guard let (cx, cy) = ScatterRaster.cell(of: p, bounds: bounds, columns: inner.width, rows: inner.height) else { continue }
                b[inner.x + cx, inner.y + cy] = Cell("●", Style(fg: .rgb(v.codeColors[safe: code] ?? Tab10.color(code)), dim: v.showGroups))
            }
        }
        // With the groups, the tiles carry the labels.
        if v.showGroups { return drawGroups(&b, m, inner, codes: codes, bounds: bounds) }
        // The brush's and the cursor code's labels first, then the others where they keep a blank cell
        // from every label already placed (labels that touch read as one number: 0 and 131 as "0131").
        let marked = [v.brush, cursorCode].compactMap { $0 }
        var placed: [Rect] = []
        for code in marked + (labelled ? Array(codes.indices).filter { !marked.contains($0) } : []) {
            guard let p = codes[safe: code], let (cx, cy) = ScatterRaster.cell(of: p, bounds: bounds, columns: inner.width, rows: inner.height) else { continue }
            let text = String(code)
            let x = min(inner.x + cx, inner.maxX - text.count), y = inner.y + cy
            let room = Rect(x: x - 1, y: y, width: text.count + 2, height: 1)
            guard !placed.contains(where: { $0.intersects(room) }) else { continue }
            placed.append(room)
            let style = code == v.brush ? Style(fg: .rgb(highlight), bold: true, reverse: true)
                : code == cursorCode ? Style(fg: .rgb(.white), bold: true, reverse: true)
                : Style(fg: .rgb(v.codeColors[safe: code] ?? Tab10.color(code)), bold: true)
            b.write(" ", x: x - 1, y: y, clip: inner)
            let end = b.write(text, x: x, y: y, style: style, clip: inner)
            b.write(" ", x: end, y: y, clip: inner)
        }
    }

    /// Seed 000's view: an example image of each group drawn at its code's place, largest groups first,
    /// each where it does not cover one already drawn.
    static func drawGroups(_ b: inout Buffer, _ m: AppModel, _ inner: Rect, codes: [(Float, Float)], bounds: ScatterRaster.Bounds) {
        let spec = Layout.tile(cells: 7, m.renderMode)
        var placed: [Rect] = []
        for (group, image) in zip(m.vq.groups, m.vq.groupTiles) {
            guard let p = codes[safe: group.code],
                  let (cx, cy) = ScatterRaster.cell(of: p, bounds: bounds, columns: inner.width, rows: inner.height) else { continue }
            let w = spec.columns, h = spec.rows + 1
            let x = max(inner.x, min(inner.maxX - w, inner.x + cx - w / 2)), y = max(inner.y, min(inner.maxY - h, inner.y + cy - h / 2))
            let box = Rect(x: x, y: y, width: w, height: h)
            guard box.width > 0, box.height > 0, !placed.contains(where: { $0.intersects(box) }) else { continue }
            let room = Rect(x: x - 1, y: y, width: w + 2, height: h)
            placed.append(room)
            // A blank column each side, so the label and tile stand apart from the dots and each other.
            b.fill(room.clamped(to: inner), with: .blank)
            b.write("\(group.code)·\(group.images)", x: x, y: y, style: Style(fg: .rgb(m.vq.codeColors[safe: group.code] ?? highlight), bold: true),
                    clip: Rect(x: x, y: y, width: w, height: 1))
            drawTile(&b, image, spec: spec, x: x, y: y + 1, m)
        }
    }

    static func drawVQFooter(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        drawKeys(&b, KeyMap.footer(.vq), in: r)
    }
}
