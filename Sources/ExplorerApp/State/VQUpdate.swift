import LatentCore
import TermRender

/// The VQ-VAE mode's logic: editing the code grid, the palette, and the dataset statistics.
extension Explorer {
    static func startVQ(_ m: inout AppModel) -> [Command] {
        [.quantizeImage(index: 0), .quantizeDataset, .computeCodebookMap(.pca, level: m.vq.level), .decodeGrids(.palette, m.vq.aloneGrids)]
    }

    static func updateVQ(_ m: inout AppModel, _ message: Message) -> [Command] {
        switch message {
        case .quantized(let q, let reconstruction):
            m.requestedImage = nil
            m.vq.source = q
            m.vq.reconstruction = reconstruction
            m.vq.codes = q.codes
            m.vq.lastChanged = []  // a new image: nothing of it was changed yet
            m.vq.undo = []
            m.vq.redo = []
            m.status = "image \(q.index) · label \(m.model.classNames[safe: q.label] ?? "?")"
            // The grid of the image's codes decodes to the reconstruction, already decoded with them.
            return refreshVQ(&m, decoded: reconstruction) + openAhead(m, from: q.index)
        case .gridsDecoded(let batch, let decoded):
            // Tiles are drawn at most 28 pixels a side: hundreds of full-size 128×128 colour decodes
            // would hold ~100 MB per set.
            let images = decoded.map { $0.width > VQState.tileSide || $0.height > VQState.tileSide
                ? $0.fitted(width: VQState.tileSide, height: VQState.tileSide) : $0 }
            switch batch {
            case .palette: m.vq.paletteTiles = images
            case .variants: m.vq.variantTiles = images
            case .topImages: m.vq.topImageTiles = images
            case .groupImages: m.vq.groupTiles = images
            }
        case .datasetQuantized(let all, let vectors, let labels):
            m.datasetProgress = nil
            var projection: [Command] = []
            if !vectors.isEmpty {
                m.scatter = ScatterState()
                m.scatter.mus = vectors
                m.scatter.labels = labels
                projection = [.project(.pca, mus: vectors)]
            }
            m.vq.levelStatistics = (0..<m.vq.levels).map { codeStatistics(all, level: $0, m.vq) }
            m.vq.show(level: m.vq.level)
            m.vq.datasetGrids = Array(all.prefix(max(1, VQState.storedGridCells / max(1, m.vq.slots))))
            return projection + panelCommands(&m)
        case .priorSampled(let grid):
            let lockedNote = m.vq.locked.isEmpty ? "" : " · \(m.vq.locked.count) locked kept"
            return setGrid(&m, grid, status: String(format: "prior sample · T %.1f%@", m.vq.temperature, lockedNote))
        case .priorAnalysed(let grid, let cell, let surprise, let top):
            m.vq.analysedGrid = grid
            m.vq.analysedCell = cell
            m.vq.surprise = surprise
            m.vq.priorTop = top
        case .codebookMapReady(let map):
            // A map of a level no longer shown is dropped (switching levels asks for the new one).
            guard map.level == m.vq.level else { return [] }
            if map.method == m.vq.mapMethod { m.vq.map = map } else { m.vq.otherMap = map }
            if map.method == .pca, map.codes.count == m.vq.codebookSize {
                m.vq.codeColors = PlaneColors.colors(map.codes.map { ($0[0], $0[1]) })
            }
            if map.method == .umap && m.status.hasPrefix("computing the UMAP") { m.status = "codebook map: UMAP" }
        default:
            break
        }
        return []
    }

    /// The VQ-VAE mode's keys: the code grid, the brush, the prior, the panels; `vqMap`: the codebook map's.
    static func performVQ(_ action: KeyAction, key: Key, _ m: inout AppModel) -> [Command] {
        let w = max(1, m.vq.width), cells = m.vq.cells, k = m.vq.codebookSize
        guard cells > 0, k > 0 else { return [] }
        switch action {
        case .toggleGroups:
            m.vq.showGroups.toggle()
            m.status = m.vq.showGroups ? "map: images grouped by their code at the cursor cell (i: off)" : "map: codes and encoder vectors"
            return groupCommands(&m)
        case .mapProjection:
            // As in the scatter: u switches the map between PCA and UMAP (edits are undone elsewhere).
            m.vq.mapMethod = m.vq.mapMethod == .pca ? .umap : .pca
            swap(&m.vq.map, &m.vq.otherMap)
            if m.vq.map == nil {
                m.status = "computing the UMAP of the codebook…"
                return [.computeCodebookMap(m.vq.mapMethod, level: m.vq.level)]
            }
            m.status = "codebook map: \(m.vq.mapMethod == .pca ? "PCA" : "UMAP")"
            return []
        case .moveCell(let dx, let dy):
            let c = m.vq.cursor
            if dy < 0 { m.vq.cursor = c >= w ? c - w : c }
            if dy > 0 { m.vq.cursor = c + w < cells ? c + w : c }
            if dx < 0 { m.vq.cursor = c % w > 0 ? c - 1 : c }
            if dx > 0 { m.vq.cursor = c % w < w - 1 ? c + 1 : c }
        case .codeUp:
            return edit(&m, code: (m.vq.code(at: m.vq.cursor) + 1) % k)
        case .codeDown:
            return edit(&m, code: (m.vq.code(at: m.vq.cursor) + k - 1) % k)
        case .pickLevel(let sign) where m.vq.isScalar:
            let dims = m.vq.scalarLevels.count
            m.vq.scalarDimension = min(max(0, m.vq.scalarDimension + (sign == .up ? 1 : -1)), dims - 1)
            m.status = "FSQ dimension \(m.vq.scalarDimension + 1) of \(dims) (\(m.vq.scalarLevels[m.vq.scalarDimension]) levels): ( ) step it"
            return []
        case .stepDigit(let sign):
            guard m.vq.isScalar else {
                m.status = "( ) step an FSQ code's level in one dimension: this codebook is stored, + - step its index"
                return []
            }
            let d = m.vq.scalarDimension, old = m.vq.code(at: m.vq.cursor)
            let new = m.vq.code(old, stepping: d, by: sign == .up ? 1 : -1)
            guard new != old else {
                m.status = "dimension \(d + 1) is at its \(sign == .up ? "top" : "bottom") level"
                return []
            }
            let commands = edit(&m, code: new)
            m.status += " (dimension \(d + 1): level \(m.vq.digits(of: old)[d]) → \(m.vq.digits(of: new)[d]))"
            return commands
        case .pickLevel(let sign):
            guard m.vq.isResidual else {
                m.status = "one codebook: one code per cell"
                return []
            }
            let next = min(max(0, m.vq.level + (sign == .up ? 1 : -1)), m.vq.levels - 1)
            guard next != m.vq.level else { return [] }
            m.vq.show(level: next)
            m.vq.paletteTiles = []
            m.vq.variantTiles = []
            m.vq.map = nil
            m.vq.otherMap = nil
            m.vq.codeColors = []
            m.status = "level \(next + 1) of \(m.vq.levels): its codes, palette, usage and map"
            return [.decodeGrids(.palette, m.vq.aloneGrids), .computeCodebookMap(m.vq.mapMethod, level: next)] + panelCommands(&m)
        case .typeDigit:
            guard case .char(let c) = key, m.vq.entry.count < 6 else { return [] }
            m.vq.entry.append(c)
            m.status = "code \(m.vq.entry)… (enter sets the cell, b takes it as the brush, esc cancels)"
            return []
        case .eraseDigit:
            if !m.vq.entry.isEmpty { m.vq.entry.removeLast() }
            return []
        case .setTypedCode:
            let typed = m.vq.entry
            m.vq.entry = ""
            guard let code = Int(typed) else { return [] }
            guard code < k else {
                m.status = "code \(code) is outside the codebook 0…\(k - 1)"
                return []
            }
            return edit(&m, code: code)
        case .paint:
            return edit(&m, code: m.vq.brush)
        case .stepBrush(let forward, let page):
            // The brush steps through the palette's order; the page keys move a tenth of it (at least 10).
            let order = m.vq.paletteCodes
            guard !order.isEmpty else { return [] }
            let step = page ? max(10, order.count / 10) : 1
            if let at = order.firstIndex(of: m.vq.brush) {
                let next = forward ? at + step : at - step
                m.vq.brush = step == 1 ? order[(next + order.count) % order.count] : order[max(0, min(order.count - 1, next))]
            } else {
                m.vq.brush = order[0]
            }
            return brushChanged(&m)
        case .takeBrush:
            // With a typed number, the brush jumps to that code; else it takes the cursor cell's.
            let typed = m.vq.entry
            m.vq.entry = ""
            if let code = Int(typed) {
                guard code < k else {
                    m.status = "code \(code) is outside the codebook 0…\(k - 1)"
                    return []
                }
                m.vq.brush = code
            } else {
                m.vq.brush = m.vq.code(at: m.vq.cursor)
            }
            return brushChanged(&m)
        case .paletteOrder:
            let all = PaletteOrder.allCases
            m.vq.paletteOrder = all[(all.firstIndex(of: m.vq.paletteOrder)! + 1) % all.count]
            m.vq.panel = .palette
            m.status = "palette \(m.vq.paletteOrder.title)"
            return panelCommands(&m)
        case .undo:
            guard let previous = m.vq.undo.popLast() else { m.status = "nothing to undo"; return [] }
            m.vq.redo.append(m.vq.codes)
            m.vq.codes = previous
            m.status = "undone"
            return refreshVQ(&m)
        case .redo:
            guard let next = m.vq.redo.popLast() else { m.status = "nothing to redo"; return [] }
            m.vq.undo.append(m.vq.codes)
            m.vq.codes = next
            m.status = "redone"
            return refreshVQ(&m)
        case .revert:
            guard let source = m.vq.source, source.codes != m.vq.codes else { return [] }
            return setGrid(&m, source.codes, status: "back to the image's own codes")
        case .nextImage, .previousImage:
            guard let index = steppedImage(m, from: m.vq.source?.index, forward: action == .nextImage) else { return [] }
            return openImage(&m, index)
        case .sample where m.vq.hasPrior:
            m.vq.samples += 1
            // A locked cell keeps its code at every level.
            let locked = (0..<m.vq.slots).map { m.vq.locked.contains($0 / m.vq.levels) ? m.vq.codes[$0] : nil }
            m.status = "sampling from the prior…"
            return [.samplePrior(locked: locked, temperature: m.vq.temperature, seed: UInt64(m.vq.samples))]
        case .lockCell:
            guard m.vq.hasPrior else { m.status = "locking cells is for sampling from a prior: this model has none (latent train prior)"; return [] }
            if m.vq.locked.remove(m.vq.cursor) == nil { m.vq.locked.insert(m.vq.cursor) }
            m.status = "\(m.vq.locked.count) locked cell\(m.vq.locked.count == 1 ? "" : "s"): s resamples the others (X unlocks all)"
            return []
        case .unlockAll:
            m.vq.locked = []
            m.status = "no locked cells"
            return []
        case .temperature(let sign):
            guard m.vq.hasPrior else { return [] }
            m.vq.temperature = min(3, max(0, ((m.vq.temperature + (sign == .up ? 0.1 : -0.1)) * 10).rounded() / 10))
            m.status = String(format: "prior temperature %.1f%@", m.vq.temperature, m.vq.temperature == 0 ? " (the likeliest code each step)" : "")
            return []
        case .surprise:
            guard m.vq.hasPrior else { m.status = "the surprise heat needs a prior: this model has none (latent train prior)"; return [] }
            m.vq.showSurprise.toggle()
            m.status = m.vq.showSurprise ? "heat: each cell's surprise under the prior, −log₂ p(code | the rest)" : "heat: |edit − reconstruction|"
            return analysisCommands(m)
        case .sample:
            guard m.vq.levelStatistics.count == m.vq.levels, m.vq.levelStatistics.allSatisfy({ $0.positionCounts.count == cells }) else {
                m.status = "the prior comes once the dataset is quantised"
                return []
            }
            m.vq.samples += 1
            var rng = SeededRNG(seed: 2026, stream: UInt64(m.vq.samples))
            // Every level of every cell from its own frequencies, in the grid's order.
            let grid = (0..<m.vq.slots).map { slot -> Int in
                let counts = m.vq.levelStatistics[slot % m.vq.levels].positionCounts[slot / m.vq.levels]
                let total = counts.reduce(0, +)
                guard total > 0 else { return 0 }
                var r = rng.nextInt(below: total)
                for (c, n) in counts.enumerated() { if r < n { return c }; r -= n }
                return counts.count - 1
            }
            return setGrid(&m, grid, status: "sampled a grid from the per-position code frequencies")
        case .nextPanel, .previousPanel:
            let all = VQPanel.allCases
            let step = action == .nextPanel ? 1 : all.count - 1
            m.vq.panel = all[(all.firstIndex(of: m.vq.panel)! + step) % all.count]
            return panelCommands(&m)
        case .variants:
            m.vq.showVariants.toggle()
            m.vq.panel = .palette
            m.status = m.vq.showVariants ? "palette: the current grid with the cursor cell set to each code" : "palette: each code alone"
            return panelCommands(&m)
        default:
            return []
        }
        // Cursor moved: the details, the variants and the map's groups follow it.
        m.vq.entry = ""
        return cursorMoved(&m)
    }

    /// Sets the cursor cell to `code`, recording the grid for undo.
    static func edit(_ m: inout AppModel, code: Int) -> [Command] {
        guard m.vq.code(at: m.vq.cursor) != code else { return [] }
        var grid = m.vq.codes
        grid[m.vq.slot(m.vq.cursor)] = code
        let level = m.vq.isResidual ? " at level \(m.vq.level + 1)" : ""
        return setGrid(&m, grid, status: "cell (\(m.vq.cursorRow), \(m.vq.cursorColumn))\(level) → code \(code)")
    }

    static func setGrid(_ m: inout AppModel, _ grid: [Int], status: String) -> [Command] {
        m.vq.undo.append(m.vq.codes)
        if m.vq.undo.count > 200 { m.vq.undo.removeFirst() }
        m.vq.redo = []
        m.vq.codes = grid
        m.status = status
        return refreshVQ(&m)
    }

    static func brushChanged(_ m: inout AppModel) -> [Command] {
        m.status = "brush: code \(m.vq.brush)\(m.vq.deadCodes.contains(m.vq.brush) ? " (unused in the data)" : "")"
        return m.vq.panel == .stats ? [.showImages(.topImages, m.vq.topImages[safe: m.vq.brush] ?? [])] : []
    }

    static func cursorMoved(_ m: inout AppModel) -> [Command] {
        (m.vq.showVariants || m.vq.panel == .details ? [variantsCommand(m)] : []) + groupCommands(&m) + analysisCommands(m)
    }

    /// The prior's view of the current grid and cursor cell, when there is a prior and it is not known yet.
    static func analysisCommands(_ m: AppModel) -> [Command] {
        let slot = m.vq.slot(m.vq.cursor)
        guard m.vq.hasPrior, m.vq.cells > 0, m.vq.analysedGrid != m.vq.codes || m.vq.analysedCell != slot else { return [] }
        return [.analyseGrid(m.vq.codes, cell: slot)]
    }

    /// The map's groups for the cursor cell, and the tiles of their example images.
    static func groupCommands(_ m: inout AppModel) -> [Command] {
        guard m.vq.panel == .map, m.vq.showGroups else { return [] }
        m.vq.groups = Array(m.vq.groups(atCell: m.vq.cursor).prefix(VQState.maxGroupsShown))
        m.vq.groupTiles = []
        return [.showImages(.groupImages, m.vq.groups.map(\.example))]
    }

    /// Decode the edited grid, and whatever the panel shows that depends on it.
    /// `decoded`: the codes' image, when it is at hand.
    static func refreshVQ(_ m: inout AppModel, decoded: Image? = nil) -> [Command] {
        var commands: [Command] = [.decodeGrid(m.vq.codes)]
        if let decoded {
            m.vq.image = decoded
            commands = []
        }
        if m.vq.showVariants || m.vq.panel == .details { commands.append(variantsCommand(m)) }
        return commands + analysisCommands(m)
    }

    static func panelCommands(_ m: inout AppModel) -> [Command] {
        switch m.vq.panel {
        case .palette: return m.vq.showVariants ? [variantsCommand(m)] : []
        case .details: return [variantsCommand(m)]
        case .stats: return [.showImages(.topImages, m.vq.topImages[safe: m.vq.brush] ?? [])]
        case .map: return groupCommands(&m)
        case .scatter: return []
        }
    }

    /// The current grid with the cursor cell set to each code in turn (at the shown level).
    static func variantsCommand(_ m: AppModel) -> Command {
        let slot = m.vq.slot(m.vq.cursor)
        return .decodeGrids(.variants, (0..<m.vq.codebookSize).map { c in
            var g = m.vq.codes
            g[slot] = c
            return g
        })
    }

    /// How the dataset's grids use level `level`'s codes: in all, per cell, and the 8 images using
    /// each code most.
    static func codeStatistics(_ grids: [[Int]], level: Int, _ v: VQState) -> CodeStatistics {
        let k = v.codebookSize
        var usage = [Int](repeating: 0, count: k)
        var positions = [[Int]](repeating: [Int](repeating: 0, count: k), count: v.cells)
        var counts = [[(image: Int, count: Int)]](repeating: [], count: k)
        for (i, grid) in grids.enumerated() {
            var here = [Int](repeating: 0, count: k)
            for p in 0..<v.cells {
                guard let c = grid[safe: p * v.levels + level], (0..<k).contains(c) else { continue }
                usage[c] += 1
                positions[p][c] += 1
                here[c] += 1
            }
            for c in here.indices where here[c] > 0 { counts[c].append((i, here[c])) }
        }
        let top = counts.map { $0.sorted { $0.count > $1.count || ($0.count == $1.count && $0.image < $1.image) }.prefix(8).map(\.image) }
        return CodeStatistics(usage: usage, positionCounts: positions, topImages: top)
    }

    /// Mean absolute difference between the reconstruction and the edited decode over each cell's
    /// patch of pixels: the heat behind the index grid.
    public static func cellDifferences(_ v: VQState) -> [Float] {
        guard let a = v.image, let b = v.reconstruction, v.height > 0, v.width > 0 else { return [] }
        let ph = a.height / v.height, pw = a.width / v.width
        return (0..<v.cells).map { cell in
            let r = cell / v.width, c = cell % v.width
            var s: Float = 0
            for y in (r * ph)..<((r + 1) * ph) { for x in (c * pw)..<((c + 1) * pw) { s += abs(a[x, y] - b[x, y]) } }
            return s / Float(ph * pw)
        }
    }
}
