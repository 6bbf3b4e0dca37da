import TermRender

extension Explorer {
    /// The dataset's latents in 2-D as braille dots coloured by class (majority per cell), a legend,
    /// the cursor (with the nearest image) and the current z as a marker.
    static func drawScatter(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        let s = m.scatter
        let method = s.method.title
        b.box(r, title: m.isVQ ? "encoder outputs of \(s.mus.count) images · \(method) · u pca/umap/t-sne · enter: open the nearest"
                               : "latents of \(s.mus.count) images · \(method) · u pca/umap/t-sne · enter: nearest · a b: walk · f: path · w · i")
        let inner = r.inset(by: 1)
        guard inner.height >= 2 else { return }
        // Legend: one swatch per class, dim when hidden; or the measure the points are coloured by.
        var x = inner.x
        if let (lo, hi) = s.measureRange {
            x = b.write(s.colouring.title + String(format: " %.3g ", lo), x: x, y: inner.y, clip: inner)
            for k in 0..<10 where x < inner.maxX {
                b[x, inner.y] = Cell("■", Style(fg: .rgb(ScatterColouring.colour(k))))
                x += 1
            }
            b.write(String(format: " %.3g · z: colour by", hi), x: x, y: inner.y, style: .dim, clip: inner)
        } else if s.isReady && !s.isLabelled {
            b.write("unlabelled data: one colour", x: x, y: inner.y, style: .dim, clip: inner)
        }
        for (c, name) in m.model.classNames.enumerated() where s.measureRange == nil && x + 4 < inner.maxX && (s.isLabelled || !s.isReady) {
            let hidden = s.hidden.contains(c)
            let swatch = m.capability == .monochrome ? Unicode.Scalar(name.unicodeScalars.first ?? "?") : "■"
            b[x, inner.y] = Cell(swatch, hidden ? .dim : Style(fg: .rgb(Tab10.color(c))))
            x = b.write(name + "  ", x: x + 1, y: inner.y, style: hidden ? .dim : .plain, clip: inner)
        }
        let fullPlot = scatterPlot(m)
        // With a walk, its strip of decoded steps takes the bottom rows of the panel, when that leaves the
        // plot a few rows (else the steps play in the big image only).
        let stripRows = Layout.tile(cells: 7, m.renderMode).rows + 1
        let walkRows = s.walk.isEmpty || fullPlot.height - stripRows < 3 ? 0 : stripRows
        let plot = Rect(x: fullPlot.x, y: fullPlot.y, width: fullPlot.width, height: fullPlot.height - walkRows)
        guard s.isReady else {
            b.write(m.datasetProgress != nil ? "encoding the data…" : (s.method != .pca ? "computing \(s.method.title) in the background (progress in the status line)…" : "projecting…"),
                    x: plot.x + 1, y: plot.y + 1, style: .dim, clip: plot)
            return
        }
        let bounds = s.bounds
        b.blit(plotCells(m, plot: plot, bounds: bounds), blockWidth: plot.width, x: plot.x, y: plot.y)
        // The current z.
        let current = m.isVQ ? m.vq.source.flatMap { s.points[safe: $0.index] } : s.position(of: m.vae.z)
        if let p = current, let (cx, cy) = ScatterRaster.cell(of: p, bounds: bounds, columns: plot.width, rows: plot.height) {
            b[plot.x + cx, plot.y + cy] = Cell("◆", Style(fg: .rgb(highlight), bold: true))
        }
        // The cursor, and a ring on the nearest point.
        if let i = nearestToCursor(m), let (nx, ny) = ScatterRaster.cell(of: s.points[i], bounds: bounds, columns: plot.width, rows: plot.height) {
            b[plot.x + nx, plot.y + ny].style = Style(fg: .rgb(Tab10.color(s.colourClass(of: i))), bold: true, reverse: true)
        }
        // The walk's line (or recorded path) and its ends, and a path being recorded.
        func drawPolyline(_ line: [(Float, Float)], _ style: Style) {
            guard line.count >= 2 else { return }
            for (a, e) in zip(line, line.dropFirst()) {
                let steps = 4 * max(plot.width, plot.height)
                for t in 0...steps {
                    let u = Float(t) / Float(steps)
                    if let (cx, cy) = ScatterRaster.cell(of: (a.0 + (e.0 - a.0) * u, a.1 + (e.1 - a.1) * u), bounds: bounds,
                                                         columns: plot.width, rows: plot.height) {
                        b[plot.x + cx, plot.y + cy].style = style
                    }
                }
            }
        }
        let line = s.walkPolyline
        drawPolyline(line, Style(fg: .rgb(highlight)))
        drawPolyline(s.recording ?? [], Style(fg: .rgb(RGB(110, 160, 220)), bold: true))
        if line.count >= 2 {
            for (end, glyph) in [(line.first!, "A"), (line.last!, "B")] as [((Float, Float), Unicode.Scalar)] {
                if let (cx, cy) = ScatterRaster.cell(of: end, bounds: bounds, columns: plot.width, rows: plot.height) {
                    b[plot.x + cx, plot.y + cy] = Cell(glyph, Style(fg: .rgb(highlight), bold: true, reverse: true))
                }
            }
        }
        drawPeek(&b, m, plot)
        if s.cursor.row < plot.height {
            b[plot.x + s.cursor.column, plot.y + s.cursor.row] = Cell("┼", Style(fg: .rgb(.white), bold: true))
        }
        drawWalkStrip(&b, m, Rect(x: fullPlot.x, y: plot.maxY, width: fullPlot.width, height: walkRows))
        if s.zoom > 1 { b.write(String(format: " zoom ×%.1f ", s.zoom), x: r.maxX - 14, y: r.maxY - 1, style: .dim) }
    }
}

extension Explorer {
    /// From this many points shown on, the plot draws their density (dots per cell by the log of its
    /// count) rather than one dot per point: past it nearly every cell of a dense plot is full.
    static let densityFrom = 20_000

    /// The plot's points as cells, drawn once per set of points, view and colouring: a frame that
    /// changes none of them (a slider key with a million points on the plot) reuses the cells, and a
    /// part of a growing scatter is counted on to the kept density (its new points only).
    static func plotCells(_ m: AppModel, plot: Rect, bounds: ScatterRaster.Bounds) -> [Cell] {
        let s = m.scatter
        let key = ScatterRasterKey(version: s.pointsVersion, lineage: s.pointsLineage, count: s.points.count, method: s.method,
                                   bounds: bounds, columns: plot.width, rows: plot.height, hidden: s.hidden, colouring: s.colouring,
                                   measured: s.measures[s.colouring]?.count ?? 0, monochrome: m.capability == .monochrome)
        return s.caches.raster(key) { grown in scatterCells(m, plot: plot, bounds: bounds, grown: grown) }
    }

    /// The plot's cells: a braille dot per point, or the density of many, each cell in its majority's
    /// colour; without colour, a cell shows its majority class's first letter (or the measure's tenth).
    /// `grown`: the density grid of this view counted from the first of these points, to count the
    /// rest on to. Returns the density grid the cells were drawn from (none for dots).
    static func scatterCells(_ m: AppModel, plot: Rect, bounds: ScatterRaster.Bounds,
                             grown: ScatterRaster.DensityGrid? = nil) -> (cells: [Cell], grid: ScatterRaster.DensityGrid?) {
        let s = m.scatter
        let measured = s.measureRange != nil
        let color: (Int) -> RGB = { measured ? ScatterColouring.colour($0) : Tab10.color($0) }
        // Hidden labels as a table (a set's hashing, a million times, took longer than the rest of the count).
        let labels = s.labels, hiddenTable = (0..<64).map(s.hidden.contains)
        let shown: (Int) -> Bool = { i in
            let label = labels[safe: i] ?? -1
            return !(label >= 0 && label < 64 ? hiddenTable[label] : s.hidden.contains(label))
        }
        let classes = s.colourIndices()
        // A grid keeps the classes it was first counted with: a part that brings one past them starts it again.
        let grownFits = grown.map { g in classes.dropFirst(g.counted).allSatisfy { $0 < g.classCount } } ?? false
        let classCount = grownFits ? grown!.classCount : (classes.max() ?? 0) + 1
        var cells: [Cell], grid: ScatterRaster.DensityGrid?
        if s.points.count >= densityFrom && classCount <= 64 {
            var g = grownFits ? grown! : ScatterRaster.DensityGrid(columns: plot.width, rows: plot.height, classCount: classCount, bounds: bounds)
            g.count(s.points, classes: classes, include: s.hidden.isEmpty ? nil : shown)
            cells = g.cells(color: color)
            grid = g
        } else {
            let visible = s.points.indices.filter(shown)
            cells = ScatterRaster.cells(points: visible.map { s.points[$0] }, classes: visible.map { classes[safe: $0] ?? 0 }, color: color,
                                        columns: plot.width, rows: plot.height, bounds: bounds)
            grid = nil
        }
        if m.capability == .monochrome {
            // Without colour, a point's cell shows its class digit instead of braille dots.
            // A measure's tenth is its digit.
            let visible = s.points.indices.filter(shown)
            let counts = ScatterRaster.majority(points: visible.map { s.points[$0] }, classes: visible.map { classes[safe: $0] ?? 0 },
                                                columns: plot.width, rows: plot.height, bounds: bounds)
            for (i, cls) in counts.enumerated() {
                guard let cls else { continue }
                if measured { cells[i] = Cell(Unicode.Scalar(UInt8(48 + min(max(cls, 0), 9)))) }
                else if let g = m.model.classNames[safe: cls]?.unicodeScalars.first { cells[i] = Cell(g) }
            }
        }
        return (cells, grid)
    }

    /// The image of the point nearest the cursor and its label, in the plot's top corner away from the
    /// cursor (none when the plot is too small to spare the room).
    static func drawPeek(_ b: inout Buffer, _ m: AppModel, _ plot: Rect) {
        guard let (index, image) = m.scatter.peek, index == nearestToCursor(m) else { return }
        let spec = Layout.tile(cells: plot.height >= 14 ? 14 : 7, m.renderMode)
        let t = tile(image, spec: spec, m)
        guard t.rows + 1 <= plot.height - 2, t.columns + 2 <= plot.width / 3 else { return }
        let right = m.scatter.cursor.column < plot.width / 2
        let x = right ? plot.maxX - t.columns : plot.x
        // A blank column and row on the plot's side of the preview and its label: the label must not run
        // into the points.
        b.fill(Rect(x: right ? x - 1 : x, y: plot.y, width: t.columns + 1, height: t.rows + 2).clamped(to: plot), with: .blank)
        drawTile(&b, image, spec: spec, x: x, y: plot.y, m)
        let label = m.model.classNames[safe: m.scatter.labels[safe: index] ?? -1] ?? "?"
        b.write(String("\(label) #\(index)".prefix(t.columns)).padding(toLength: t.columns, withPad: " ", startingAt: 0),
                x: x, y: plot.y + t.rows, style: .dim)
    }

    /// The walk's decoded steps, each labelled with its distance from the data.
    static func drawWalkStrip(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        let s = m.scatter
        guard r.height > 1, !s.walk.isEmpty else { return }
        let spec = Layout.tile(cells: 7, m.renderMode)
        let playing = s.walkFrame.map { f -> Int in
            let period = 2 * Interpolation.frames, g = f % period
            let t = Float(g < Interpolation.frames ? g : period - g) / Float(Interpolation.frames)
            return Int((t * Float(s.walk.count - 1)).rounded())
        }
        for (i, image) in m.vae.strip.prefix(s.walk.count).enumerated() {
            let x = r.x + i * (spec.columns + 1)
            guard x + spec.columns <= r.maxX else { break }
            drawTile(&b, image, spec: spec, x: x, y: r.y, m, highlighted: i == playing)
            // Nearest-point steps are data images: say which (class and index); blended steps, how far
            // from the nearest data latent they are.
            let label: String
            if s.blendWalk {
                label = String(format: "d %.2f", s.walkDistances[safe: i] ?? 0)
            } else if let n = s.walkNearest[safe: i] {
                label = (m.model.classNames[safe: s.labels[safe: n] ?? -1].map { String($0.prefix(3)) + " " } ?? "") + "#\(n)"
            } else {
                label = ""
            }
            b.write(label, x: x, y: r.y + spec.rows, style: i == playing ? Style(fg: .rgb(highlight), bold: true) : .dim,
                    clip: Rect(x: x, y: r.y + spec.rows, width: spec.columns, height: 1))
        }
    }
}
