import LatentProjection
import LatentNN
import TermRender

/// Keys of the scatter panel: the arrows move its cursor (not the sliders), Enter jumps to the nearest
/// data point, digits show or hide a class, u switches PCA ↔ UMAP, + and − zoom.
extension Explorer {
    /// The scatter panel's keys (its layer is on only while the panel shows a plot: `Explorer.keyModes`).
    static func performScatter(_ action: KeyAction, key: Key, _ m: inout AppModel) -> [Command] {
        let plot = scatterPlot(m)
        guard plot.width > 0, plot.height > 0 else { return [] }
        var c = m.scatter.cursor
        switch action {
        case .walksAreVAE:
            m.status = "line walks decode latents: they are in the VAE mode"
            return []
        case .moveCursor(let columns, let rows):
            c.column += columns
            c.row += rows
        case .openNearest:
            guard let i = nearestToCursor(m) else { return [] }
            return openImage(&m, i)
        case .toggleClass:
            guard case .char(let ch) = key, let cls = Int(String(ch)) else { return [] }
            guard m.scatter.isLabelled else { m.status = "unlabelled data: no classes to hide"; return [] }
            if m.scatter.hidden.contains(cls) { m.scatter.hidden.remove(cls) } else { m.scatter.hidden.insert(cls) }
            m.status = m.scatter.hidden.isEmpty ? "all classes shown" : "hidden: " + m.scatter.hidden.sorted().map(String.init).joined(separator: " ")
            return []
        case .nextProjection:
            // PCA → UMAP → t-SNE → PCA; the slow two are computed once, in the background.
            m.scatter.method = m.scatter.method.next
            let method = m.scatter.method
            if m.scatter.points(of: method).isEmpty && !m.scatter.mus.isEmpty && method != .pca {
                m.status = "computing \(method.title)… 0%"
                return [.project(method, mus: m.scatter.mus)]
            }
            m.status = "scatter: \(method.title)"
            return nearestToCursor(m).map { [.peekImage(index: $0)] } ?? []
        case .scatterColouring:
            let order = m.scatter.colourings
            m.scatter.colouring = order[((order.firstIndex(of: m.scatter.colouring) ?? 0) + 1) % order.count]
            m.status = "scatter coloured by " + m.scatter.colouring.title
                + (order.count == 1 && !m.isVQ ? " (the measures come once the data is encoded)" : "")
            return []
        case .walkStart, .walkEnd:
            let plot = scatterPlot(m)
            let p = m.scatter.dataPoint(column: c.column, row: c.row, columns: plot.width, rows: plot.height)
            if action == .walkStart { m.scatter.walkStart = p } else { m.scatter.walkEnd = p }
            m.scatter.path = []
            m.status = action == .walkStart ? "walk starts here; b marks its end" : "walk ends here"
            return walkCommands(&m)
        case .recordPath:
            let plot = scatterPlot(m)
            let here = m.scatter.dataPoint(column: c.column, row: c.row, columns: plot.width, rows: plot.height)
            if let recorded = m.scatter.recording {
                m.scatter.recording = nil
                guard recorded.count >= 2 else { m.status = "path too short: move the cursor while recording"; return [] }
                m.scatter.path = recorded
                m.status = "walk follows the recorded path (\(recorded.count) points)"
                return walkCommands(&m)
            }
            m.scatter.recording = [here]
            m.status = "recording a path: move the cursor, f again to decode it as a film strip"
            return []
        case .blendWalk:
            m.scatter.blendWalk.toggle()
            m.status = m.scatter.blendWalk ? "walk: blend of the 10 nearest latents (inverse projection)" : "walk: nearest data point's latent"
            return walkCommands(&m)
        case .playWalk:
            guard !m.scatter.walk.isEmpty else { m.status = "mark a walk first: a (start) and b (end)"; return [] }
            m.scatter.walkFrame = m.scatter.walkFrame == nil ? 0 : nil
            m.status = m.scatter.walkFrame != nil ? "playing the walk · i stops" : "walk stopped"
            return []
        case .zoomIn, .zoomOut:
            let here = m.scatter.dataPoint(column: c.column, row: c.row, columns: plot.width, rows: plot.height)
            m.scatter.zoom(by: action == .zoomOut ? 1 / 1.5 : 1.5, around: here)
            return []
        default:
            return []
        }
        // Zoomed in, pushing the cursor past an edge pans the view instead.
        let overX = c.column < 0 ? c.column : max(0, c.column - (plot.width - 1))
        let overY = c.row < 0 ? c.row : max(0, c.row - (plot.height - 1))
        if overX != 0 || overY != 0 { m.scatter.pan(columns: overX, rows: overY, plotColumns: plot.width, plotRows: plot.height) }
        return moveScatterCursor(to: c, &m)
    }

    /// Puts the cursor on a plot cell (clamped), extends a path being recorded, names the nearest image
    /// and asks for its preview.
    @discardableResult
    static func moveScatterCursor(to c: (column: Int, row: Int), _ m: inout AppModel) -> [Command] {
        let plot = scatterPlot(m)
        m.scatter.cursor = (min(max(0, c.column), plot.width - 1), min(max(0, c.row), plot.height - 1))
        if m.scatter.recording != nil {
            m.scatter.recording!.append(m.scatter.dataPoint(column: m.scatter.cursor.column, row: m.scatter.cursor.row,
                                                            columns: plot.width, rows: plot.height))
        }
        guard let i = nearestToCursor(m) else { return [] }
        m.status = "nearest: image \(i) · label \(m.model.classNames[safe: m.scatter.labels[safe: i] ?? -1] ?? "?") · enter goes there"
        return m.scatter.peek?.index == i ? [] : [.peekImage(index: i)]
    }

    /// The mouse on the scatter's plot: a click puts the cursor there (a second click on the same cell
    /// opens the nearest image, as Enter does); the wheel zooms. nil when the event is not on the plot.
    static func handleScatterMouse(_ event: MouseEvent, _ m: inout AppModel) -> [Command]? {
        let showing = m.isVQ ? m.vq.panel == .scatter : m.vae.panel == .scatter
        let plot = scatterPlot(m)
        guard showing, m.scatter.isReady, plot.width > 0, plot.height > 0 else { return nil }
        let (x, y): (Int, Int) = {
            switch event {
            case .press(let x, let y), .wheelUp(let x, let y), .wheelDown(let x, let y): return (x, y)
            }
        }()
        guard x >= plot.x, x < plot.x + plot.width, y >= plot.y, y < plot.y + plot.height else { return nil }
        switch event {
        case .press:
            let cell = (column: x - plot.x, row: y - plot.y)
            if cell == m.scatter.cursor, m.scatter.recording == nil, let i = nearestToCursor(m) {
                return openImage(&m, i)
            }
            return moveScatterCursor(to: cell, &m)
        case .wheelUp, .wheelDown:
            let here = m.scatter.dataPoint(column: x - plot.x, row: y - plot.y, columns: plot.width, rows: plot.height)
            if case .wheelUp = event { m.scatter.zoom(by: 1.5, around: here) } else { m.scatter.zoom(by: 1 / 1.5, around: here) }
        }
        return []
    }

    /// The plot area of the scatter panel (inside its box, below the legend row).
    static func scatterPlot(_ m: AppModel) -> Rect {
        let panel = m.isVQ ? VQLayout(width: m.width, height: m.height, vq: m.vq).panel
                           : Layout(width: m.width, height: m.height, latentDim: m.vae.latentDim, renderMode: m.renderMode).panel
        let inner = panel.inset(by: 1)
        return Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: inner.height - 1)
    }

    static func nearestToCursor(_ m: AppModel) -> Int? {
        let plot = scatterPlot(m)
        guard m.scatter.isReady, plot.width > 0, plot.height > 0 else { return nil }
        let p = m.scatter.dataPoint(column: m.scatter.cursor.column, row: m.scatter.cursor.row, columns: plot.width, rows: plot.height)
        return m.scatter.nearest(to: p)
    }
}

extension Explorer {
    /// Steps on the walk: as many tiles as fit one row of the panel.
    static func walkSteps(_ m: AppModel) -> Int {
        let plot = scatterPlot(m)
        return max(2, min(24, plot.width / (Layout.tile(cells: 7, m.renderMode).columns + 1)))
    }

    static func walkCommands(_ m: inout AppModel) -> [Command] {
        let line = m.scatter.walkPolyline
        guard line.count >= 2, m.scatter.isReady else { return [] }
        let (zs, d, nearest) = m.scatter.walkLatents(along: line, steps: walkSteps(m))
        m.scatter.walk = zs
        m.scatter.walkDistances = d
        m.scatter.walkNearest = nearest
        m.vae.strip = []
        return [.decodeStrip(.scatter, zs: zs, label: m.vae.conditioningLabel)]
    }

    /// The walk's animation point: piecewise linear through its steps, there and back.
    static func walkFrameLatent(_ s: ScatterState, frame: Int, path: LatentNN.Interpolation = .linear) -> [Float]? {
        guard s.walk.count >= 2 else { return s.walk.first }
        let span = Float(s.walk.count - 1)
        let period = 2 * Interpolation.frames
        let f = frame % period
        let t = Float(f < Interpolation.frames ? f : period - f) / Float(Interpolation.frames) * span
        let i = min(Int(t), s.walk.count - 2), u = t - Float(i)
        // Between two steps, straight or along the great circle (`t`), as A → B.
        return path.point(from: s.walk[i], to: s.walk[i + 1], at: Double(u))
    }
}

extension Explorer {
    /// The next part of a large data set's latents, while it is encoded: appended to the PCA scatter
    /// (the first part brings the PCA and opens the plot with the cursor at its centre).
    static func scatterGrew(_ m: inout AppModel, mus: [[Float]], labels: [Int], points: [Float], pca: PCA?, index: ScatterIndex? = nil) -> [Command] {
        guard m.datasetProgress != nil, points.count == 2 * mus.count else { return [] }
        if let pca {
            let colouring = m.scatter.colouring
            m.scatter = ScatterState()
            m.scatter.colouring = colouring
            m.scatter.pca = pca
            m.scatter.reserveCapacity(m.datasetCount)
        }
        guard m.scatter.pca != nil else { return [] }
        let first = m.scatter.pcaPoints.isEmpty
        m.scatter.mus += mus
        m.scatter.labels += labels
        m.scatter.appendPCAPoints(stride(from: 0, to: points.count - 1, by: 2).map { (points[$0], points[$0 + 1]) })
        m.scatter.adopt(index, for: .pca)
        guard first else { return [] }
        let plot = scatterPlot(m)
        m.scatter.cursor = (max(0, plot.width / 2), max(0, plot.height / 2))
        return nearestToCursor(m).map { [.peekImage(index: $0)] } ?? []
    }
}
