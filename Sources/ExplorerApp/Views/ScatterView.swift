import TermRender

extension Explorer {
    /// The dataset's latents in 2-D as braille dots coloured by class (majority per cell), a legend,
    /// the cursor (with the nearest image) and the current z as a marker.
    static func drawScatter(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        let s = m.scatter
        let method = s.method == .pca ? "PCA" : "UMAP"
        b.box(r, title: "latents of \(s.mus.count) images · \(method) (u switches) · arrows move, enter goes to the nearest")
        let inner = r.inset(by: 1)
        guard inner.height >= 2 else { return }
        // Legend: one swatch per class, dim when hidden.
        var x = inner.x
        for (c, name) in m.model.classNames.enumerated() where x + 4 < inner.maxX {
            let hidden = s.hidden.contains(c)
            let swatch = m.capability == .monochrome ? Unicode.Scalar(name.unicodeScalars.first ?? "?") : "■"
            b[x, inner.y] = Cell(swatch, hidden ? .dim : Style(fg: .rgb(Tab10.color(c))))
            x = b.write(name + "  ", x: x + 1, y: inner.y, style: hidden ? .dim : .plain, clip: inner)
        }
        let plot = scatterPlot(m)
        guard s.isReady else {
            b.write(m.datasetProgress != nil ? "encoding the data…" : (s.method == .umap ? "computing UMAP…" : "projecting…"),
                    x: plot.x + 1, y: plot.y + 1, style: .dim, clip: plot)
            return
        }
        let visible = s.points.indices.filter { !s.hidden.contains(s.labels[safe: $0] ?? -1) }
        let bounds = s.bounds
        var cells = ScatterRaster.cells(points: visible.map { s.points[$0] }, classes: visible.map { s.labels[$0] },
                                        color: { Tab10.color($0) }, columns: plot.width, rows: plot.height, bounds: bounds)
        if m.capability == .monochrome {
            // Without colour, a point's cell shows its class digit instead of braille dots.
            let counts = ScatterRaster.majority(points: visible.map { s.points[$0] }, classes: visible.map { s.labels[$0] },
                                                columns: plot.width, rows: plot.height, bounds: bounds)
            for (i, cls) in counts.enumerated() {
                if let cls, let g = m.model.classNames[safe: cls]?.unicodeScalars.first { cells[i] = Cell(g) }
            }
        }
        b.blit(cells, blockWidth: plot.width, x: plot.x, y: plot.y)
        // The current z.
        if let p = s.position(of: m.vae.z), let (cx, cy) = ScatterRaster.cell(of: p, bounds: bounds, columns: plot.width, rows: plot.height) {
            b[plot.x + cx, plot.y + cy] = Cell("◆", Style(fg: .rgb(highlight), bold: true))
        }
        // The cursor, and a ring on the nearest point.
        if let i = nearestToCursor(m), let (nx, ny) = ScatterRaster.cell(of: s.points[i], bounds: bounds, columns: plot.width, rows: plot.height) {
            b[plot.x + nx, plot.y + ny].style = Style(fg: .rgb(Tab10.color(s.labels[i])), bold: true, reverse: true)
        }
        b[plot.x + s.cursor.column, plot.y + s.cursor.row] = Cell("┼", Style(fg: .rgb(.white), bold: true))
        if s.zoom > 1 { b.write(String(format: " zoom ×%.1f ", s.zoom), x: r.maxX - 14, y: r.maxY - 1, style: .dim) }
    }
}
