import TermRender

/// The spatial latent view's keys: a cursor over the latent's h × w cells, a channel, and edits of
/// that channel at the cell, over a region (a brush) or at every cell (an offset); copy and paste of a
/// region between latents (a collage). Every change decodes and redraws at once, as a slider does.
extension Explorer {
    static func performSpatial(_ action: KeyAction, key: Key, _ m: inout AppModel) -> [Command] {
        guard let shape = m.vae.spatialShape, let (channel, cell) = m.vae.spatialCursor else { return [] }
        switch action {
        case .moveCell(let columns, let rows):
            let moved = GridCell(row: min(max(0, cell.row + rows), shape.height - 1),
                                 column: min(max(0, cell.column + columns), shape.width - 1))
            m.vae.selected = shape.index(channel: channel, moved)
            return m.vae.panel == .progression ? refreshPanel(&m) : []
        case .pickChannel(let sign):
            let next = sign == .up ? min(shape.channels - 1, channel + 1) : max(0, channel - 1)
            m.vae.selected = shape.index(channel: next, cell)
            m.status = "channel \(next)"
            return m.vae.panel == .progression ? refreshPanel(&m) : []
        case .nudge(let step, let sign):
            let size = step == .fine ? VAEState.fineStep : VAEState.coarseStep
            let delta = sign == .up ? size : -size
            let scope = m.vae.spatialScope
            // One cell is a slider: snapped to the step grid. A region or every cell moves by the delta,
            // keeping the differences between its cells (an offset, not a fill).
            guard scope.count > 1 else { return nudge(&m, by: delta) }
            for c in scope {
                let i = shape.index(channel: channel, c), r = m.vae.ranges[i]
                m.vae.z[i] = min(max(m.vae.z[i] + delta, r.lowerBound), r.upperBound)
            }
            m.status = String(format: "channel %d %+.1f over %@", channel, delta,
                              m.vae.spatial.allCells ? "every cell" : "\(scope.count) cells")
            return refresh(&m)
        case .toggleRegion:
            m.vae.spatial.anchor = m.vae.spatial.anchor == nil ? cell : nil
            m.status = m.vae.spatial.anchor == nil ? "no region" : "region from row \(cell.row), col \(cell.column): move to span it, +/- brush it"
            return []
        case .toggleAllCells:
            m.vae.spatial.allCells.toggle()
            m.status = m.vae.spatial.allCells ? "+/- offset channel \(channel) at every cell" : "+/- change the cell or the region"
            return []
        case .toggleLatentColour:
            m.vae.spatial.colour.toggle()
            m.status = m.vae.spatial.colour ? "grid: channels 0–2 as red, green, blue" : "grid: channel \(channel) as heat"
            return []
        case .copyLatent:
            let scope = m.vae.spatial.anchor.map { shape.rectangle($0, cell) } ?? [cell]
            guard let first = scope.first, let last = scope.last else { return [] }
            let values = (0..<shape.channels).flatMap { c in scope.map { m.vae.z[shape.index(channel: c, $0)] } }
            let source = m.vae.current.map { $0.mu == m.vae.z ? "image \($0.index)" : "edited image \($0.index)" } ?? "z"
            m.vae.spatial.clip = LatentClip(rows: last.row - first.row + 1, columns: last.column - first.column + 1,
                                            channels: shape.channels, values: values, source: source)
            m.status = "copied \(last.row - first.row + 1)×\(last.column - first.column + 1) cells of \(source): P pastes at the cursor"
            return []
        case .pasteLatent:
            guard let clip = m.vae.spatial.clip, clip.channels == shape.channels else {
                m.status = "nothing copied yet: v spans a region, Y copies it"
                return []
            }
            // Clipped at the grid's edge: the part that fits is pasted, with the cursor as its top-left.
            var pasted = 0
            for r in 0..<clip.rows where cell.row + r < shape.height {
                for col in 0..<clip.columns where cell.column + col < shape.width {
                    for c in 0..<shape.channels {
                        let i = shape.index(channel: c, row: cell.row + r, column: cell.column + col)
                        m.vae.z[i] = clip.values[(c * clip.rows + r) * clip.columns + col]
                    }
                    pasted += 1
                }
            }
            m.status = "pasted \(pasted) cells of \(clip.source) at row \(cell.row), col \(cell.column)"
            return refresh(&m)
        default:
            return []
        }
    }

    /// A click on the spatial view: a grid cell becomes the cursor; a channel's slider sets its value
    /// at the cursor cell.
    static func handleSpatialMouse(_ event: MouseEvent, _ m: inout AppModel, layout: Layout) -> [Command]? {
        guard let shape = m.vae.spatialShape, let (channel, cell) = m.vae.spatialCursor else { return nil }
        let geometry = SpatialLayout(box: m.vae.panel == .manifold ? layout.manifoldSliders : layout.sliders, shape: shape, cursor: cell, channel: channel)
        let (x, y): (Int, Int)
        switch event {
        case .press(let px, let py), .wheelUp(let px, let py), .wheelDown(let px, let py): (x, y) = (px, py)
        }
        guard case .press = event else {
            guard let hit = geometry.channel(atX: x, y: y) else { return nil }
            m.vae.selected = shape.index(channel: hit, cell)
            return nudge(&m, by: { if case .wheelUp = event { return VAEState.fineStep } else { return -VAEState.fineStep } }())
        }
        if let clicked = geometry.cell(atX: x, y: y) {
            m.vae.selected = shape.index(channel: channel, clicked)
            return m.vae.panel == .progression ? refreshPanel(&m) : []
        }
        guard let hit = geometry.channel(atX: x, y: y) else { return nil }
        m.vae.selected = shape.index(channel: hit, cell)
        if let track = geometry.sliders.track(row: y), x >= track.x, x < track.maxX {
            let axis = m.vae.spatialAxis(channel: hit), r = m.vae.ranges[m.vae.selected]
            let t = Float(x - track.x) / Float(max(1, track.width - 1))
            let value = ((axis.lowerBound + t * (axis.upperBound - axis.lowerBound)) / VAEState.fineStep).rounded() * VAEState.fineStep
            m.vae.z[m.vae.selected] = min(max(value, r.lowerBound), r.upperBound)
        }
        return refresh(&m)
    }

    /// A spatial latent's slider ranges: each channel's spread over the data (its 0.5th–99.5th
    /// percentile over every cell, rounded out to 0.5), the same for every cell of the channel. A fixed
    /// −3…3 would waste most of the track on one channel and clip another.
    static func spatialRanges(_ mus: [[Float]], shape: SpatialShape) -> [ClosedRange<Float>] {
        var ranges: [ClosedRange<Float>] = []
        for c in 0..<shape.channels {
            var values: [Float] = []
            values.reserveCapacity(mus.count * shape.cells)
            for mu in mus where mu.count == shape.channels * shape.cells {
                values += mu[(c * shape.cells)..<((c + 1) * shape.cells)]
            }
            values = values.filter(\.isFinite).sorted()
            guard !values.isEmpty else {
                ranges += [ClosedRange<Float>](repeating: VAEState.defaultRange, count: shape.cells)
                continue
            }
            var lo = (values[values.count / 200] * 2).rounded(.down) / 2
            var hi = (values[values.count - 1 - values.count / 200] * 2).rounded(.up) / 2
            // 0 stays on the track (reset and the posterior's centre), and a channel that barely moves
            // still gets a track a step can be seen on.
            lo = min(lo, 0, hi - 1)
            hi = max(hi, 0, lo + 1)
            ranges += [ClosedRange<Float>](repeating: lo...hi, count: shape.cells)
        }
        return ranges
    }
}

extension VAEState {
    /// The axis a channel's slider is drawn on: that channel's range (every cell of it shares one).
    func spatialAxis(channel: Int) -> ClosedRange<Float> {
        guard let s = spatialShape else { return sliderAxis }
        return ranges[safe: s.index(channel: channel, row: 0, column: 0)] ?? Self.defaultRange
    }
}
