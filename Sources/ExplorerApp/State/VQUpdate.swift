import LatentCore
import TermRender

/// The VQ-VAE mode's logic: editing the code grid, the palette, and the dataset statistics.
extension Explorer {
    static func startVQ(_ m: inout AppModel) -> [Command] {
        [.quantizeImage(index: 0), .quantizeDataset, .computeCodebookMap(.pca),
         .decodeGrids(.palette, (0..<m.vq.codebookSize).map { [Int](repeating: $0, count: m.vq.cells) })]
    }

    static func updateVQ(_ m: inout AppModel, _ message: Message) -> [Command] {
        switch message {
        case .quantized(let q, let reconstruction):
            m.vq.source = q
            m.vq.reconstruction = reconstruction
            m.vq.codes = q.codes
            m.vq.undo = []
            m.vq.redo = []
            m.status = "image \(q.index) · label \(m.model.classNames[safe: q.label] ?? "?")"
            return refreshVQ(&m)
        case .gridsDecoded(.palette, let images): m.vq.paletteTiles = images
        case .gridsDecoded(.variants, let images): m.vq.variantTiles = images
        case .gridsDecoded(.topImages, let images): m.vq.topImageTiles = images
        case .datasetQuantized(let all, let vectors, let labels):
            m.datasetProgress = nil
            var projection: [Command] = []
            if !vectors.isEmpty {
                m.scatter = ScatterState()
                m.scatter.mus = vectors
                m.scatter.labels = labels
                projection = [.project(.pca, mus: vectors)]
            }
            var usage = [Int](repeating: 0, count: m.vq.codebookSize)
            var positions = [[Int]](repeating: [Int](repeating: 0, count: m.vq.codebookSize), count: m.vq.cells)
            var perImage = [[Int]](repeating: [], count: m.vq.codebookSize)  // (count in image) per code, per image
            var counts = [[(image: Int, count: Int)]](repeating: [], count: m.vq.codebookSize)
            for (i, grid) in all.enumerated() {
                var here = [Int](repeating: 0, count: m.vq.codebookSize)
                for (p, c) in grid.enumerated() where c < m.vq.codebookSize && p < m.vq.cells {
                    usage[c] += 1
                    positions[p][c] += 1
                    here[c] += 1
                }
                for c in here.indices where here[c] > 0 { counts[c].append((i, here[c])) }
            }
            for c in counts.indices { perImage[c] = counts[c].sorted { $0.count > $1.count || ($0.count == $1.count && $0.image < $1.image) }.prefix(8).map(\.image) }
            m.vq.usage = usage
            m.vq.positionCounts = positions
            m.vq.topImages = perImage
            return projection + (m.vq.panel == .stats ? [.showImages(m.vq.topImages[safe: m.vq.brush] ?? [])] : [])
        case .codebookMapReady(let map):
            if map.method == m.vq.mapMethod { m.vq.map = map } else { m.vq.otherMap = map }
            if map.method == .umap && m.status.hasPrefix("computing the UMAP") { m.status = "codebook map: UMAP" }
        default:
            break
        }
        return []
    }

    static func handleVQ(_ key: Key, _ m: inout AppModel) -> [Command] {
        let w = max(1, m.vq.width), cells = m.vq.cells, k = m.vq.codebookSize
        guard cells > 0, k > 0 else { return [] }
        if m.vq.panel == .scatter, let commands = handleScatter(key, &m) { return commands }
        if m.vq.panel == .map, key == .char("u") {
            // As in the scatter: u switches the map between PCA and UMAP (edits are undone elsewhere).
            m.vq.mapMethod = m.vq.mapMethod == .pca ? .umap : .pca
            swap(&m.vq.map, &m.vq.otherMap)
            if m.vq.map == nil {
                m.status = "computing the UMAP of the codebook…"
                return [.computeCodebookMap(m.vq.mapMethod)]
            }
            m.status = "codebook map: \(m.vq.mapMethod == .pca ? "PCA" : "UMAP")"
            return []
        }
        switch key {
        case .up, .char("k"): m.vq.cursor = m.vq.cursor >= w ? m.vq.cursor - w : m.vq.cursor
        case .down, .char("j"): m.vq.cursor = m.vq.cursor + w < cells ? m.vq.cursor + w : m.vq.cursor
        case .left, .char("h"): m.vq.cursor = m.vq.cursor % w > 0 ? m.vq.cursor - 1 : m.vq.cursor
        case .right, .char("l"): m.vq.cursor = m.vq.cursor % w < w - 1 ? m.vq.cursor + 1 : m.vq.cursor
        case .char("+"), .char("="):
            return edit(&m, code: (m.vq.codes[m.vq.cursor] + 1) % k)
        case .char("-"), .char("_"):
            return edit(&m, code: (m.vq.codes[m.vq.cursor] + k - 1) % k)
        case .char(let c) where c.isNumber:
            guard m.vq.entry.count < 6 else { return [] }
            m.vq.entry.append(c)
            m.status = "code \(m.vq.entry)… (enter sets the cell, esc cancels)"
            return []
        case .backspace:
            if !m.vq.entry.isEmpty { m.vq.entry.removeLast() }
            return []
        case .enter:
            let typed = m.vq.entry
            m.vq.entry = ""
            guard let code = Int(typed) else { return [] }
            guard code < k else {
                m.status = "code \(code) is outside the codebook 0…\(k - 1)"
                return []
            }
            return edit(&m, code: code)
        case .char(" "):
            return edit(&m, code: m.vq.brush)
        case .char("."), .char(">"):
            m.vq.brush = (m.vq.brush + 1) % k
            return brushChanged(&m)
        case .char(","), .char("<"):
            m.vq.brush = (m.vq.brush + k - 1) % k
            return brushChanged(&m)
        case .pageDown, .pageUp:
            // A large codebook: the brush moves a palette page (a tenth of the codes, at least 10).
            let page = max(10, k / 10)
            m.vq.brush = key == .pageDown ? min(k - 1, m.vq.brush + page) : max(0, m.vq.brush - page)
            return brushChanged(&m)
        case .char("b"):
            m.vq.brush = m.vq.codes[m.vq.cursor]
            return brushChanged(&m)
        case .char("u"):
            guard let previous = m.vq.undo.popLast() else { m.status = "nothing to undo"; return [] }
            m.vq.redo.append(m.vq.codes)
            m.vq.codes = previous
            m.status = "undone"
            return refreshVQ(&m)
        case .char("U"), .ctrl("r"):
            guard let next = m.vq.redo.popLast() else { m.status = "nothing to redo"; return [] }
            m.vq.undo.append(m.vq.codes)
            m.vq.codes = next
            m.status = "redone"
            return refreshVQ(&m)
        case .char("r"):
            guard let source = m.vq.source, source.codes != m.vq.codes else { return [] }
            return setGrid(&m, source.codes, status: "back to the image's own codes")
        case .char("n"), .char("p"):
            let count = m.datasetCount
            guard count > 0 else { return [] }
            let index = m.vq.source.map { ($0.index + (key == .char("n") ? 1 : count - 1)) % count } ?? 0
            return [.quantizeImage(index: index)]
        case .char("s"):
            guard !m.vq.positionCounts.isEmpty else {
                m.status = "the prior comes once the dataset is quantised"
                return []
            }
            m.vq.samples += 1
            var rng = SeededRNG(seed: 2026, stream: UInt64(m.vq.samples))
            let grid = m.vq.positionCounts.map { counts -> Int in
                let total = counts.reduce(0, +)
                guard total > 0 else { return 0 }
                var r = rng.nextInt(below: total)
                for (c, n) in counts.enumerated() { if r < n { return c }; r -= n }
                return counts.count - 1
            }
            return setGrid(&m, grid, status: "sampled a grid from the per-position code frequencies")
        case .tab, .backTab:
            let all = VQPanel.allCases
            let step = key == .tab ? 1 : all.count - 1
            m.vq.panel = all[(all.firstIndex(of: m.vq.panel)! + step) % all.count]
            return panelCommands(&m)
        case .char("v"):
            m.vq.showVariants.toggle()
            m.vq.panel = .palette
            m.status = m.vq.showVariants ? "palette: the current grid with the cursor cell set to each code" : "palette: each code alone"
            return panelCommands(&m)
        default:
            return []
        }
        // Cursor moved: the details and the variants follow it.
        m.vq.entry = ""
        return m.vq.showVariants || m.vq.panel == .details ? [variantsCommand(m)] : []
    }

    /// Sets the cursor cell to `code`, recording the grid for undo.
    static func edit(_ m: inout AppModel, code: Int) -> [Command] {
        guard m.vq.codes[m.vq.cursor] != code else { return [] }
        var grid = m.vq.codes
        grid[m.vq.cursor] = code
        return setGrid(&m, grid, status: "cell (\(m.vq.cursorRow), \(m.vq.cursorColumn)) → code \(code)")
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
        return m.vq.panel == .stats ? [.showImages(m.vq.topImages[safe: m.vq.brush] ?? [])] : []
    }

    /// Decode the edited grid, and whatever the panel shows that depends on it.
    static func refreshVQ(_ m: inout AppModel) -> [Command] {
        var commands: [Command] = [.decodeGrid(m.vq.codes)]
        if m.vq.showVariants || m.vq.panel == .details { commands.append(variantsCommand(m)) }
        return commands
    }

    static func panelCommands(_ m: inout AppModel) -> [Command] {
        switch m.vq.panel {
        case .palette: return m.vq.showVariants ? [variantsCommand(m)] : []
        case .details: return [variantsCommand(m)]
        case .stats: return [.showImages(m.vq.topImages[safe: m.vq.brush] ?? [])]
        case .map, .scatter: return []
        }
    }

    /// The current grid with the cursor cell set to each code in turn.
    static func variantsCommand(_ m: AppModel) -> Command {
        .decodeGrids(.variants, (0..<m.vq.codebookSize).map { c in
            var g = m.vq.codes
            g[m.vq.cursor] = c
            return g
        })
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
