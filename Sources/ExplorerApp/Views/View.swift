import Foundation
import LatentNN
import TermRender

/// The app's look: a whole frame drawn from the model, with no side effects.
extension Explorer {
    public static func view(_ m: AppModel) -> Buffer {
        var b = Buffer(width: m.width, height: m.height)
        guard !m.isTooSmall else {
            drawTooSmall(&b, m)
            return b
        }
        if m.isVQ {
            viewVQ(m, &b)
            drawOverlay(&b, m)
            return b
        }
        let layout = Layout(width: m.width, height: m.height, latentDim: m.vae.latentDim, renderMode: m.renderMode,
                            pixelCell: m.pixels?.cell)
        drawStatus(&b, m, layout.status)
        if m.vae.panel == .manifold {
            drawLatent(&b, m, layout.manifoldSliders)
            drawDigit(&b, m, layout.manifoldDigit)
            drawManifold(&b, m, layout)
        } else {
            drawLatent(&b, m, layout.sliders)
            drawDigit(&b, m, layout.digit)
            drawOriginal(&b, m, layout.original)
            drawInfo(&b, m, layout.info)
            if m.vae.panel == .scatter { drawScatter(&b, m, layout.panel) } else { drawStrip(&b, m, layout) }
        }
        drawFooter(&b, m, layout.footer)
        drawOverlay(&b, m)
        return b
    }

    static func drawOverlay(_ b: inout Buffer, _ m: AppModel) {
        // Pixels would cover the overlay: under one, images are shown as glyphs.
        if m.overlay != nil { b.removeImages() }
        switch m.overlay {
        case .help: drawHelp(&b, m)
        case .modelPicker(let selection): drawModelPicker(&b, m, selection)
        case .nameBookmark(let index, let text): drawNamePrompt(&b, m, text, was: m.bookmarks[safe: index]?.name ?? "")
        case .goToImage(let text): drawGoToPrompt(&b, m, text)
        case .bookmarks(let selection): drawBookmarks(&b, m, selection)
        case nil: break
        }
    }

    // MARK: Bars

    static func drawStatus(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        let bar = Style(reverse: true)
        b.fill(r, with: Cell(" ", bar))
        let (head, message) = statusLine(m, width: r.width)
        let x = b.write(head, x: r.x, y: r.y, style: Style(bold: true, reverse: true), clip: r)
        b.write(message, x: x, y: r.y, style: bar, clip: r)
    }

    /// The header and the message, fitted to `width`. The message is what just happened and often ends
    /// with what matters (a file name, a reason), so the header gives way first: the model's details,
    /// then how images are drawn, then the model; the app's name stays. A message still too long loses
    /// its middle, never its end.
    static func statusLine(_ m: AppModel, width: Int) -> (head: String, message: String) {
        let drawn = (m.pixels.map { "\($0.name) + " } ?? "") + m.drawnAs
        let progress = m.datasetProgress.map { " │ encoding data \(Int($0 * 100))%" } ?? ""
        let app = " LatentExplorer"
        let heads = ["\(app) │ \(m.model.description) │ \(drawn)\(progress)", "\(app) │ \(m.model.name) │ \(drawn)\(progress)",
                     "\(app) │ \(m.model.name)", app]
        guard !m.status.isEmpty else { return (heads[0], "") }
        for head in heads where head.count + 3 + m.status.count <= width {
            return (head, " │ " + m.status)
        }
        return (app, " │ " + shortened(m.status, to: max(2, width - app.count - 4)))
    }

    /// `text` in at most `room` characters. A trailing " · path" gives up the start of its path first,
    /// down to its file name, then the reason before it loses its middle; anything else loses its middle.
    static func shortened(_ text: String, to room: Int) -> String {
        guard text.count > room, room > 8 else { return String(text.prefix(room)) }
        func middleOut(_ s: Substring, _ n: Int, tailShare: Int) -> String {
            guard s.count > n else { return String(s) }
            let tail = (n - 1) * tailShare / 3
            return s.prefix(n - 1 - tail) + "…" + s.suffix(tail)
        }
        guard let dot = text.range(of: " · ", options: .backwards) else { return middleOut(text[...], room, tailShare: 2) }
        let reason = text[..<dot.upperBound], path = text[dot.upperBound...]
        let name = path.split(separator: "/").last.map(String.init) ?? String(path)
        let keep = room - reason.count - 1
        if keep >= name.count + 1 { return reason + "…" + path.suffix(keep) }
        let end = path.count <= name.count ? String(path) : "…/" + name
        return middleOut(reason, max(1, room - end.count), tailShare: 1) + end
    }

    static func drawFooter(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        drawKeys(&b, KeyMap.footer(m.vae.spatialShape != nil ? .spatial : .vae, conditional: m.vae.isConditional), in: r)
    }

    /// A footer: as many of `keys` as fit, then `? help` and `q quit`, which every footer shows at every
    /// width (the help lists the rest).
    static func drawKeys(_ b: inout Buffer, _ keys: [(String, String)], in r: Rect) {
        let always: [(String, String)] = [("?", "help"), ("q", "quit")]
        func width(_ k: (String, String)) -> Int { k.0.count + k.1.count + 3 }
        let reserved = always.map(width).reduce(0, +)
        var x = r.x + 1
        for k in keys {
            guard x + width(k) + reserved < r.maxX else { break }
            x = b.write(k.0, x: x, y: r.y, style: .bold, clip: r)
            x = b.write(" " + k.1 + "  ", x: x, y: r.y, style: .dim, clip: r)
        }
        for k in always {
            x = b.write(k.0, x: x, y: r.y, style: .bold, clip: r)
            x = b.write(" " + k.1 + "  ", x: x, y: r.y, style: .dim, clip: r)
        }
    }

    // MARK: Sliders

    /// The latent's panel: sliders along a direction set (`D`), a spatial latent's cell grid, or one
    /// slider per dimension.
    static func drawLatent(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        if m.vae.directionMethod != .raw {
            drawDirectionSliders(&b, m, r)
        } else if m.vae.spatialShape != nil {
            drawSpatial(&b, m, r)
        } else {
            drawSliders(&b, m, r)
        }
    }

    static func drawSliders(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        let v = m.vae
        // The KL the encoder spends in all, once the data is encoded (each row's share is the bar behind it).
        let title = "latent z · \(v.latentDim) dims" + (v.kl.isEmpty ? "" : String(format: " · KL %.1f nats", v.kl.reduce(0, +)))
        b.box(r, title: title)
        let g = SliderGeometry(box: r, count: v.latentDim, selected: v.selected)
        let axis = v.sliderAxis
        let diagnostics = SliderDiagnostics(m, dimensions: g.visible)
        let inactive = (0..<v.latentDim).filter(v.isInactive)
        if !inactive.isEmpty {
            // The title says how many dimensions the encoder ignores; their rows are dimmed and marked ∅.
            b.write(" \(inactive.count) inactive ", x: r.x + 4 + title.count, y: r.y, style: .dim,
                    clip: Rect(x: r.x + 1, y: r.y, width: max(0, r.width - 5), height: 1))
        }
        for d in g.visible {
            let y = g.row(of: d)
            let isSelected = d == v.selected
            let labelStyle = isSelected ? Style(bold: true) : v.isInactive(d) ? Style.dim : Style.plain
            b.write((isSelected ? "▸" : " ") + "z\(d)" + (v.isInactive(d) ? "∅" : ""), x: r.x + 1, y: y, style: labelStyle, clip: r.inset(by: 1))
            guard let track = g.track(row: y) else { continue }
            drawSliderTrack(&b, v, dimension: d, track: track, axis: axis, selected: isSelected, labelStyle: labelStyle, clip: r.inset(by: 1),
                            diagnostics: diagnostics)
        }
        if g.first > 0 { b.write("▲", x: r.maxX - 2, y: r.y, style: .dim) }
        if g.visible.upperBound < v.latentDim { b.write("▼", x: r.maxX - 2, y: r.maxY - 1, style: .dim) }
        if let track = g.track(row: r.maxY - 1), r.height > 2 {
            let range = axis
            b.write(String(format: "%.1f", range.lowerBound), x: track.x, y: r.maxY - 1, style: .dim)
            let hi = String(format: "%.1f", range.upperBound)
            b.write(hi, x: track.maxX - hi.count, y: r.maxY - 1, style: .dim)
        }
    }

    /// One slider's track: its own range on the shared axis (the rest stays blank), 0, the opened
    /// image's posterior (μ ± σ as a band, μ as a tick), the knob and the value.
    static func drawSliderTrack(_ b: inout Buffer, _ v: VAEState, dimension d: Int, track: Rect, axis: ClosedRange<Float>,
                                selected: Bool, labelStyle: Style, clip: Rect, diagnostics: SliderDiagnostics = .none) {
        let y = track.y
        let own = SliderGeometry.column(v.ranges[d].lowerBound, in: axis, track: track)...SliderGeometry.column(v.ranges[d].upperBound, in: axis, track: track)
        diagnostics.drawTrack(&b, columns: own, track: track, axis: axis, dimension: d)
        b[SliderGeometry.column(0, in: axis, track: track), y] = Cell("┼", .dim)
        if let cur = v.current, d < cur.mu.count, d < cur.sigma.count {
            let lo = SliderGeometry.column(cur.mu[d] - cur.sigma[d], in: axis, track: track)
            let hi = SliderGeometry.column(cur.mu[d] + cur.sigma[d], in: axis, track: track)
            for x in lo...hi { b[x, y] = Cell("═", Style(fg: .rgb(RGB(110, 160, 220)))) }
            b[SliderGeometry.column(cur.mu[d], in: axis, track: track), y] = Cell("┃", Style(fg: .rgb(RGB(110, 160, 220)), bold: true))
        }
        b[SliderGeometry.column(v.z[d], in: axis, track: track), y] = Cell("●", selected ? Style(fg: .rgb(RGB(255, 200, 60)), bold: true) : .bold)
        b.write(String(format: " %+5.2f", v.z[d]), x: track.maxX, y: y, style: labelStyle, clip: clip)
    }

    // MARK: Images

    static func drawDigit(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        let v = m.vae
        var title = v.current != nil ? "reconstruction" : "decoded z"
        if let cur = v.current, cur.mu != v.z || (v.isConditional && cur.label != v.label) {
            // Below the fourth decimal "0.0000" would read as no change at all.
            title = "edited" + (meanSquaredDifference(v.image, v.reconstruction).map { $0 < 0.0001 ? " · ΔMSE < 0.0001" : String(format: " · ΔMSE %.4f", $0) } ?? "")
        }
        if let f = v.frame { title = "frame \(f.index + 1)/\(f.count)" + (m.isAnimating ? "" : " · paused") }
        if v.isConditional { title += " · class \(m.model.classNames[safe: v.label] ?? "?")" }
        b.box(r, title: title)
        guard let image = v.image else {
            b.write("decoding…", x: r.x + 2, y: r.y + 2, style: .dim, clip: r.inset(by: 1))
            return
        }
        // Any image size is fitted to the box (braille: 2×4 dots a cell, so a 28×28 digit is enlarged 2×).
        b.draw(image, in: r.inset(by: 1), mode: m.renderMode, colorMap: m.colorMap, capability: m.capability, dither: m.dither)
        markChangedRegion(&b, m, box: r, image: image)
    }

    /// Mean squared difference of two images of one size (the edit against the reconstruction).
    static func meanSquaredDifference(_ a: Image?, _ b: Image?) -> Float? {
        guard let a, let b, a.pixels.count == b.pixels.count, !a.pixels.isEmpty else { return nil }
        return zip(a.pixels, b.pixels).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Float(a.pixels.count)
    }

    static func drawOriginal(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        guard r.width >= 4, r.height >= 3 else { return }
        b.box(r, title: "original")
        guard let cur = m.vae.current else {
            b.write("n/p: step", x: r.x + 1, y: r.y + 2, style: .dim, clip: r.inset(by: 1))
            b.write("through the", x: r.x + 1, y: r.y + 3, style: .dim, clip: r.inset(by: 1))
            b.write("data", x: r.x + 1, y: r.y + 4, style: .dim, clip: r.inset(by: 1))
            return
        }
        drawThumbnail(&b, cur.original, in: r.inset(by: 1), m)
    }

    static func drawInfo(_ b: inout Buffer, _ m: AppModel, _ r: Rect) {
        let v = m.vae
        var lines: [String] = []
        if let cur = v.current {
            lines.append("image \(cur.index)")
            lines.append("label \(m.model.classNames[safe: cur.label] ?? "?")")
        }
        let norm = v.z.reduce(0) { $0 + $1 * $1 }.squareRoot()
        lines.append(String(format: "‖z‖ %.2f", norm))
        lines.append("A \(v.markA == nil ? "·" : "✓")  B \(v.markB == nil ? "·" : "✓")")
        // The opened image's nearest data latents: which images the model puts beside it (`:` opens one).
        if v.current != nil, !v.neighbours.isEmpty, r.height >= lines.count + 3 {
            lines.append("nearest in z:")
            for n in v.neighbours where lines.count < r.height {
                let label = m.model.classNames[safe: m.scatter.labels[safe: n.index] ?? -1].map { " " + String($0.prefix(4)) } ?? ""
                lines.append(String(format: "#%d%@ %.2f", n.index, label, n.distance))
            }
        }
        for (i, line) in lines.enumerated() where i < r.height {
            b.write(" " + line, x: r.x, y: r.y + i, style: .dim, clip: r)
        }
    }

    /// An image as a 14×7-cell thumbnail: half-blocks of the image fitted to 14×14 pixels, or braille
    /// at 28×28 dots (the same footprint, sharper edges) when the render mode is braille.
    static func drawThumbnail(_ b: inout Buffer, _ image: Image, in area: Rect, _ m: AppModel) {
        let big = Layout.tile(cells: 14, m.renderMode)
        let spec = big.columns <= area.width && big.rows <= area.height ? big : Layout.tile(cells: 7, m.renderMode)
        let at = area.centered(width: spec.columns, height: spec.rows)
        drawTile(&b, image, spec: spec, x: at.x, y: at.y, m)
    }

    /// Draws an image as a tile with its top-left cell at (x, y), and records it for terminals that show
    /// pixels. A highlighted tile is marked beside it, never in it: reverse video swaps a half-block
    /// cell's upper and lower pixel, which scrambles the image instead of marking it.
    static func drawTile(_ b: inout Buffer, _ image: Image, spec: Layout.TileSpec, x: Int, y: Int, _ m: AppModel,
                         highlighted: Bool = false) {
        b.blit(tile(image, spec: spec, m).cells, blockWidth: spec.columns, x: x, y: y)
        let area = Rect(x: x, y: y, width: spec.columns, height: spec.rows)
        b.place(image, in: area, colorMap: m.colorMap)
        if highlighted { markTile(&b, area) }
    }

    /// Heavy amber bars in the columns left and right of a tile (the gaps strips leave between tiles, or
    /// the box's own border beside the first one).
    static func markTile(_ b: inout Buffer, _ area: Rect) {
        let bar = Cell("┃", Style(fg: .rgb(highlight), bold: true))
        for y in area.y..<area.maxY {
            b[area.x - 1, y] = bar
            b[area.maxX, y] = bar
        }
    }

    /// An image fitted to a tile and centred in exactly `spec.columns`×`spec.rows` cells, so that
    /// tiles of any image size line up in strips, grids and palettes.
    static func tile(_ image: Image, spec: Layout.TileSpec, _ m: AppModel) -> (cells: [Cell], columns: Int, rows: Int) {
        let block = ImageRaster.fitted(image, columns: spec.columns, rows: spec.rows, mode: spec.mode, colorMap: m.colorMap,
                                       capability: m.capability, dither: m.dither)
        guard block.columns != spec.columns || block.rows != spec.rows else { return block }
        var cells = [Cell](repeating: .blank, count: spec.columns * spec.rows)
        let dx = (spec.columns - block.columns) / 2, dy = (spec.rows - block.rows) / 2
        for (i, cell) in block.cells.enumerated() { cells[(dy + i / block.columns) * spec.columns + dx + i % block.columns] = cell }
        return (cells, spec.columns, spec.rows)
    }

    // MARK: Panels

    static func drawStrip(_ b: inout Buffer, _ m: AppModel, _ layout: Layout) {
        let r = layout.panel
        guard r.height >= 3 else { return }
        let v = m.vae
        let title: String
        switch v.panel {
        case .progression:
            let range = v.ranges[v.selected]
            if let d = v.shownDirections {
                title = "progression along \(d.name(v.directionSelected)) (\(d.method.title)), −3σ … +3σ"
            } else {
                let name = v.spatialCursor.map { "c\($0.channel) at row \($0.cell.row), col \($0.cell.column)" } ?? "z\(v.selected)"
                title = String(format: "%@ from %.1f to %.1f · neuron progression", name, range.lowerBound, range.upperBound)
            }
        case .interpolation:
            if let a = v.markA, let b = v.markB {
                // How long the path is in the latent, and how much the image changes along it (the sum
                // of the RMS pixel change between neighbouring tiles).
                let length = LatentNN.Interpolation.length(of: LatentPaths.line(a, b, count: 32, path: v.path))
                let change = zip(v.strip, v.strip.dropFirst()).reduce(Float(0)) { total, pair in
                    guard pair.0.pixels.count == pair.1.pixels.count, !pair.0.pixels.isEmpty else { return total }
                    let squares = zip(pair.0.pixels, pair.1.pixels).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                    return total + (squares / Float(pair.0.pixels.count)).squareRoot()
                }
                title = String(format: "A → B · %@ (t) · path %.2f · image Δ %.2f%@",
                               v.path == .linear ? "linear" : "slerp", length, change, v.interpolation?.playing == true ? " · playing (space)" : "")
            } else {
                title = "interpolation: mark A with a, B with b, then i"
            }
        case .posterior:
            if v.isDeterministic {
                title = "posterior: a deterministic autoencoder has none (σ = 0)"
            } else if let cur = v.current {
                let spread = v.posteriorSpread.map { String(format: " · last: each pixel's spread (white = %.3f)", $0) } ?? ""
                title = "posterior of image \(cur.index): decodes of z ~ N(μ, σ²)\(spread)"
            } else {
                title = "posterior: open a data image (n, p, :) to sample z ~ N(μ, σ²)"
            }
        case .manifold, .scatter:
            title = ""
        }
        b.box(r, title: title)
        guard layout.stripTiles > 0, !v.strip.isEmpty else { return }
        let spec = layout.stripTile
        // Tiles run left to right, then on to the next row: one sweep read like a line of text.
        for (i, image) in v.strip.prefix(layout.stripTiles).enumerated() {
            let x = r.x + 1 + (i % layout.stripColumns) * (spec.columns + 1)
            let y = r.y + 1 + (i / layout.stripColumns) * spec.rows
            // The tile nearest the animation's current point is marked.
            let playing = v.panel == .interpolation && v.interpolation.map { i == playingTile($0, count: v.strip.count) } == true
            drawTile(&b, image, spec: spec, x: x, y: y, m, highlighted: playing)
        }
    }

    /// The strip tile nearest the frame being shown (the strip steps evenly from A to B; the loop eases).
    static func playingTile(_ anim: Interpolation, count: Int) -> Int {
        Int((LatentPaths.morphPosition(frame: anim.frame, half: Interpolation.frames) * Float(count - 1)).rounded())
    }

    static func drawManifold(_ b: inout Buffer, _ m: AppModel, _ layout: Layout) {
        let r = layout.manifoldArea
        let v = m.vae
        let (dx, dy) = v.manifoldDims
        let (nx, ny) = (manifoldAxisName(v, x: true), manifoldAxisName(v, x: false))
        b.box(r, title: "manifold · \(nx) → \(ny) ↑ · others at z")
        let (cols, rows) = v.manifoldShape
        guard cols > 0, v.manifold.count == cols * rows else { return }
        let spec = layout.manifoldTile
        let inner = r.inset(by: 1)
        let origin = inner.centered(width: cols * spec.columns, height: rows * spec.rows)
        for (i, image) in v.manifold.enumerated() {
            drawTile(&b, image, spec: spec, x: origin.x + (i % cols) * spec.columns, y: origin.y + (i / cols) * spec.rows, m)
        }
        func span(_ direction: DirectionAxis?, _ range: ClosedRange<Float>) -> String {
            direction != nil ? "−3σ…+3σ" : String(format: "%.1f…%.1f", range.lowerBound, range.upperBound)
        }
        let sx = span(v.manifoldDirections.x, v.ranges[dx]), sy = span(v.manifoldDirections.y, v.ranges[dy])
        b.write("\(nx) \(sx) · \(ny) \(sy) · x y: axis",
                x: r.x + 2, y: r.maxY - 1, style: .dim, clip: Rect(x: r.x + 1, y: r.maxY - 1, width: r.width - 2, height: 1))
    }

    // MARK: Overlays

    /// The help overlay's rows, from the key table (`KeyMap`).
    static let helpLines = KeyMap.helpLines(.vae)
    static let vqHelpLines = KeyMap.helpLines(.vq)
    static let spatialHelpLines = KeyMap.helpLines(.spatial)

    static func drawHelp(_ b: inout Buffer, _ m: AppModel) {
        let helpLines = m.isVQ ? vqHelpLines : m.vae.spatialShape != nil ? spatialHelpLines : Self.helpLines
        let keyWidth = (helpLines.map { $0.0.count }.max() ?? 0) + 2
        let width = min(m.width - 2, 86), height = min(m.height - 2, helpLines.count + 4)
        let r = b.area.centered(width: width, height: height)
        b.fill(r, with: .blank)
        b.box(r, title: "keys", style: .plain)
        // A blank line under the title when there is room for it.
        let top = r.y + (helpLines.count + 4 <= height ? 2 : 1)
        for (i, (keys, what)) in helpLines.enumerated() where top + i < r.maxY - 1 {
            b.write(keys, x: r.x + 2, y: top + i, style: .bold, clip: r.inset(by: 1))
            b.write(what, x: r.x + 2 + keyWidth, y: top + i, clip: r.inset(by: 1))
        }
    }

    static func drawModelPicker(_ b: inout Buffer, _ m: AppModel, _ selection: Int) {
        let names = m.modelPaths.map { ($0 as NSString).lastPathComponent }
        let rows = names.enumerated().map { i, name in
            (name, m.modelNotes[safe: i].map { $0.isEmpty ? "" : " · " + $0 } ?? "")
        }
        let widest = rows.map { $0.0.count + $0.1.count }.max() ?? 0
        let width = min(m.width - 4, max(40, widest + 16))
        let height = min(m.height - 2, max(5, names.count + 4))
        let r = b.area.centered(width: width, height: height)
        b.fill(r, with: .blank)
        b.box(r, title: "models · ↑↓ enter", style: .plain)
        if names.isEmpty { b.write("no .safetensors in Weights/", x: r.x + 2, y: r.y + 2, style: .dim) }
        for (i, (name, note)) in rows.enumerated() where i + 2 < height - 1 {
            let current = name == m.model.name
            let style = i == selection ? Style(reverse: true) : Style.plain
            let x = b.write((i == selection ? "▸ " : "  ") + name, x: r.x + 2, y: r.y + 2 + i, style: style, clip: r.inset(by: 1))
            var dim = style
            dim.dim = true
            b.write(note + (current ? "  (open)" : ""), x: x, y: r.y + 2 + i, style: dim, clip: r.inset(by: 1))
        }
    }

    /// The field starts empty (typing gives the new name) with the old name shown dim in it until then.
    static func drawNamePrompt(_ b: inout Buffer, _ m: AppModel, _ text: String, was: String) {
        drawPrompt(&b, m, title: "rename \"\(was)\"", label: "new name: ", text: text, placeholder: was,
                   hint: "enter keeps the new name · esc goes back", width: 60)
    }

    static func drawGoToPrompt(_ b: inout Buffer, _ m: AppModel, _ text: String) {
        drawPrompt(&b, m, title: "go to a data image", label: "image: ", text: text, placeholder: "",
                   hint: "0…\(max(0, m.datasetCount - 1)) · enter opens · esc cancels", width: 44)
    }

    /// A one-line text field in a small box: its label, what is typed with a caret, the placeholder
    /// dim while nothing is, and what enter and esc do.
    static func drawPrompt(_ b: inout Buffer, _ m: AppModel, title: String, label: String, text: String, placeholder: String,
                           hint: String, width: Int) {
        let r = b.area.centered(width: min(m.width - 4, width), height: 5)
        let inner = r.inset(by: 1)
        b.fill(r, with: .blank)
        b.box(r, title: title, style: .plain)
        let x = b.write(label, x: r.x + 2, y: r.y + 2, style: .bold, clip: inner)
        let end = b.write(text, x: x, y: r.y + 2, clip: inner)
        b.write("▏", x: end, y: r.y + 2, clip: inner)
        if text.isEmpty { b.write(placeholder, x: end + 1, y: r.y + 2, style: .dim, clip: inner) }
        b.write(hint, x: r.x + 2, y: r.y + 3, style: .dim, clip: inner)
    }

    static func drawBookmarks(_ b: inout Buffer, _ m: AppModel, _ selection: Int) {
        let width = min(m.width - 4, 72), height = min(m.height - 2, max(6, m.bookmarks.count + 5))
        let r = b.area.centered(width: width, height: height)
        b.fill(r, with: .blank)
        b.box(r, title: "bookmarks · ↑↓ enter\(m.isVQ ? "" : " · a b: A B") · r rename · d delete", style: .plain)
        let visible = height - 4, first = max(0, min(selection - visible / 2, m.bookmarks.count - visible))
        for (row, i) in (first..<min(m.bookmarks.count, first + visible)).enumerated() {
            let mark = m.bookmarks[i]
            let style = i == selection ? Style(reverse: true) : Style.plain
            let x = b.write((i == selection ? "▸ " : "  ") + mark.name, x: r.x + 2, y: r.y + 2 + row, style: style, clip: r.inset(by: 1))
            var dim = style
            dim.dim = true
            b.write("  " + describe(mark.place, m), x: x, y: r.y + 2 + row, style: dim, clip: r.inset(by: 1))
        }
    }

    /// A bookmark's place in a few characters: the first values of z (and the class), or the grid's first codes.
    static func describe(_ place: Bookmark.Place, _ m: AppModel) -> String {
        switch place {
        case .latent(let z, let label):
            let values = z.prefix(4).map { String(format: "%+.2f", $0) }.joined(separator: " ") + (z.count > 4 ? " …" : "")
            return "z " + values + (label.map { " · \(m.model.classNames[safe: $0] ?? "\($0)")" } ?? "")
        case .grid(let codes):
            return "grid " + codes.prefix(6).map(String.init).joined(separator: " ") + (codes.count > 6 ? " …" : "")
        }
    }

    static func drawTooSmall(_ b: inout Buffer, _ m: AppModel) {
        let lines = ["terminal too small", "need \(AppModel.minimumWidth)×\(AppModel.minimumHeight), have \(m.width)×\(m.height)", "q quits"]
        for (i, line) in lines.enumerated() {
            let x = max(0, (m.width - line.count) / 2), y = max(0, m.height / 2 - 1 + i)
            b.write(line, x: x, y: y, style: i == 0 ? .bold : .plain)
        }
    }
}
