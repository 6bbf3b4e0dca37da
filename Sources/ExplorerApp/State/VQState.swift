import TermRender

/// The VQ-VAE mode: the grid of code indices an image quantises to, edited cell by cell.
public struct VQState: Sendable {
    /// `codebookSize`: codes per level (K).
    public var height: Int, width: Int, codebookSize: Int
    /// Codes per cell: a residual VQ's levels (Q), else 1.
    public let levels: Int
    /// The level the grid shows and edits, whose palette, usage and map the panels show.
    public var level = 0
    /// The edited grid, raster order, `levels` codes per cell (level fastest): what the decoder takes.
    public var codes: [Int] {
        didSet {
            let q = max(1, levels)
            lastChanged = Set(codes.indices.filter { $0 >= oldValue.count || oldValue[$0] != codes[$0] }.map { $0 / q })
        }
    }
    /// The cells the latest change of the grid altered at any level (an edit, a sample from the prior,
    /// undo, redo): drawn marked, so that what a sample changed can be told from what the user edited before.
    public var lastChanged: Set<Int> = []
    /// The dataset image the grid came from (its own codes, encoder vectors and distances).
    public var source: QuantizedImage?
    public var cursor = 0
    /// The code the brush paints and the palette highlights.
    public var brush = 0
    /// Digits typed so far (Enter sets the cell to this code).
    public var entry = ""
    public var undo: [[Int]] = []
    public var redo: [[Int]] = []
    public var image: Image?
    public var reconstruction: Image?
    public var panel: VQPanel = .palette
    /// Palette: each code alone (the grid filled with it), or the current grid with the cursor cell set to it.
    public var showVariants = false
    public var paletteTiles: [Image] = []
    public var variantTiles: [Image] = []
    /// Code usage over the dataset, per position, and the images that use each code most.
    public var usage: [Int] = []
    public var positionCounts: [[Int]] = []
    public var topImages: [[Int]] = []
    public var topImageTiles: [Image] = []
    /// The codebook map shown (PCA or UMAP), and the one of the other method once computed.
    public var map: CodebookMap?
    public var otherMap: CodebookMap?
    public var mapMethod: ProjectionMethod = .pca
    public var samples = 0
    /// The palette's order; `,` `.` and the page keys step the brush through it.
    public var paletteOrder: PaletteOrder = .index
    /// A colour per code (similar codes, similar colours: from the codebook's PCA), for grids drawn as
    /// coloured cells and the codebook map's dots.
    public var codeColors: [RGB] = []
    /// The dataset's grids (the first images, as many as `storedGridCells` allows), raster order each.
    public var datasetGrids: [[Int]] = []
    /// Map panel: images grouped by their code at the cursor cell, drawn at that code's place (seed 000's
    /// view of images mapped to the nearest code).
    public var showGroups = false
    /// The groups shown: code, how many images, and the image drawn for it; largest group first.
    public var groups: [CodeGroup] = []
    public var groupTiles: [Image] = []
    /// The learned prior (when the model has one): locked cells keep their codes when `s` samples;
    /// `temperature` scales the sampling; `showSurprise` puts each cell's surprise behind the grid.
    public var hasPrior = false
    public var locked: Set<Int> = []
    public var temperature: Float = 1
    public var showSurprise = false
    /// The prior's analysis of `analysedGrid`: −log₂ p(code | the other cells) per cell, and the
    /// likeliest codes for `analysedCell`.
    public var surprise: [Float] = []
    public var priorTop: [CodeProbability] = []
    public var analysedGrid: [Int] = []
    public var analysedCell = -1

    /// At most this many grid cells of the dataset are kept (4 M: 70,000 MNIST grids of 7×7, or
    /// 4,000 grids of 32×32).
    public static let storedGridCells = 4_000_000
    /// Tiles (palette, variants, images) are kept at most this many pixels a side: 32-px models (the
    /// emoji) keep every pixel for terminals that show pixels; 128-px models do not hold ~100 MB of tiles.
    public static let tileSide = 32
    /// Groups the map can show at once (it places as many as fit without overlap).
    public static let maxGroupsShown = 48

    /// Usage per level (the shown level's is `usage`, `positionCounts`, `topImages`).
    public var levelStatistics: [CodeStatistics] = []

    /// FSQ's levels per dimension (empty for a stored codebook), and the dimension `(` `)` step.
    public let scalarLevels: [Int]
    public var scalarDimension = 0

    public init(height: Int, width: Int, codebookSize: Int, levels: Int = 1, scalarLevels: [Int] = []) {
        self.height = height
        self.width = width
        self.codebookSize = codebookSize
        self.levels = max(1, levels)
        // Only levels whose codes are this codebook's: anything else is not an FSQ the grid can step.
        self.scalarLevels = scalarLevels.allSatisfy({ $0 >= 2 }) && scalarLevels.reduce(1, *) == codebookSize ? scalarLevels : []
        codes = [Int](repeating: 0, count: height * width * max(1, levels))
    }

    public var cells: Int { height * width }
    /// Codes in a grid: cells × levels.
    public var slots: Int { cells * levels }
    /// Where cell `cell`'s code at the shown level sits in `codes`.
    public func slot(_ cell: Int) -> Int { cell * levels + level }
    /// Cell `cell`'s code at the shown level.
    public func code(at cell: Int) -> Int { codes[safe: slot(cell)] ?? 0 }
    public var isResidual: Bool { levels > 1 }
    public var isScalar: Bool { !scalarLevels.isEmpty }

    /// An FSQ code's digit per dimension (the mixed radix whose first dimension varies fastest).
    public func digits(of code: Int) -> [Int] {
        var rest = code
        return scalarLevels.map { l in defer { rest /= l }; return rest % l }
    }

    /// The FSQ code with dimension `d`'s digit moved by `step`, held within its levels.
    public func code(_ code: Int, stepping d: Int, by step: Int) -> Int {
        guard scalarLevels.indices.contains(d) else { return code }
        var digits = digits(of: code)
        digits[d] = min(max(0, digits[d] + step), scalarLevels[d] - 1)
        var basis = 1, out = 0
        for (digit, l) in zip(digits, scalarLevels) { out += digit * basis; basis *= l }
        return out
    }

    /// One grid per code of the shown level, each code alone (see `VQShape.aloneGrids`).
    public var aloneGrids: [[Int]] {
        VQShape(height: height, width: width, codes: codebookSize, dim: 0, levels: levels).aloneGrids(level: level)
    }

    /// Shows level `l`: its usage statistics become the shown ones.
    public mutating func show(level l: Int) {
        level = min(max(0, l), levels - 1)
        let stats = levelStatistics[safe: level] ?? CodeStatistics()
        usage = stats.usage
        positionCounts = stats.positionCounts
        topImages = stats.topImages
    }
    public var cursorRow: Int { cursor / max(1, width) }
    public var cursorColumn: Int { cursor % max(1, width) }

    /// Codes nobody used in the dataset (once usage is known).
    public var deadCodes: [Int] { usage.isEmpty ? [] : usage.indices.filter { usage[$0] == 0 } }

    /// The codes in palette order: by index; by use over the dataset, most used first; or only the
    /// codes in the current grid, most frequent first.
    public var paletteCodes: [Int] {
        switch paletteOrder {
        case .index:
            return Array(0..<codebookSize)
        case .usage:
            guard usage.count == codebookSize else { return Array(0..<codebookSize) }
            return usage.indices.sorted { usage[$0] > usage[$1] || (usage[$0] == usage[$1] && $0 < $1) }
        case .inImage:
            var count = [Int: Int]()
            for cell in 0..<cells { let c = code(at: cell); if c >= 0 && c < codebookSize { count[c, default: 0] += 1 } }
            return count.keys.sorted { count[$0]! > count[$1]! || (count[$0]! == count[$1]! && $0 < $1) }
        }
    }

    /// Images grouped by their code at `cell` in the stored dataset grids, largest group first (ties by
    /// code), each with its first image.
    public func groups(atCell cell: Int) -> [CodeGroup] {
        var first = [Int: Int](), count = [Int: Int]()
        for (i, grid) in datasetGrids.enumerated() {
            guard let c = grid[safe: cell * levels + level] else { continue }
            count[c, default: 0] += 1
            if first[c] == nil { first[c] = i }
        }
        return count.keys.sorted { count[$0]! > count[$1]! || (count[$0]! == count[$1]! && $0 < $1) }
            .map { CodeGroup(code: $0, images: count[$0]!, example: first[$0]!) }
    }

    /// Codes nearest to the cursor cell's encoder vector, nearest first.
    public func nearestCodes(_ k: Int) -> [(code: Int, distance: Float)] {
        guard let d = source?.distances[safe: slot(cursor)] else { return [] }
        return d.indices.sorted { d[$0] < d[$1] }.prefix(k).map { ($0, d[$0]) }
    }
}

public enum PaletteOrder: String, Equatable, Sendable, CaseIterable {
    case index, usage, inImage

    public var title: String {
        switch self {
        case .index: return "by index"
        case .usage: return "by use, most used first"
        case .inImage: return "codes in this grid, most frequent first"
        }
    }

    /// The order in a file name.
    public var fileTag: String {
        switch self {
        case .index: return "by-index"
        case .usage: return "by-use"
        case .inImage: return "in-grid"
        }
    }
}

/// How the dataset uses one level's codes: over all cells, per cell, and the images using each most.
public struct CodeStatistics: Equatable, Sendable {
    public var usage: [Int] = []
    public var positionCounts: [[Int]] = []
    public var topImages: [[Int]] = []
}

/// Dataset images sharing a code at one cell.
public struct CodeGroup: Equatable, Sendable {
    public var code: Int, images: Int, example: Int
}

public enum VQPanel: String, Equatable, Sendable, CaseIterable {
    /// Every code drawn as a decoded tile.
    case palette
    /// The cursor cell: its encoder vector, distances to every code, nearest alternatives.
    case details
    /// Usage histogram, perplexity, dead codes, images that use the brush code most.
    case stats
    /// The codebook in 2D with the dataset's vectors around the codes.
    case map
    /// The dataset's encoder outputs projected to 2-D (PCA, UMAP or t-SNE), coloured by class.
    case scatter
}

/// Which set of grids a batch decode was for.
public enum GridBatch: Equatable, Sendable {
    case palette, variants, topImages, groupImages
}
