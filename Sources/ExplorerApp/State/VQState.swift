import TermRender

/// The VQ-VAE mode: the grid of code indices an image quantises to, edited cell by cell.
public struct VQState: Sendable {
    public var height: Int, width: Int, codebookSize: Int
    /// The edited grid, raster order.
    public var codes: [Int]
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

    public init(height: Int, width: Int, codebookSize: Int) {
        self.height = height
        self.width = width
        self.codebookSize = codebookSize
        codes = [Int](repeating: 0, count: height * width)
    }

    public var cells: Int { height * width }
    public var cursorRow: Int { cursor / max(1, width) }
    public var cursorColumn: Int { cursor % max(1, width) }

    /// Codes nobody used in the dataset (once usage is known).
    public var deadCodes: [Int] { usage.isEmpty ? [] : usage.indices.filter { usage[$0] == 0 } }

    /// Codes nearest to the cursor cell's encoder vector, nearest first.
    public func nearestCodes(_ k: Int) -> [(code: Int, distance: Float)] {
        guard let d = source?.distances[cursor] else { return [] }
        return d.indices.sorted { d[$0] < d[$1] }.prefix(k).map { ($0, d[$0]) }
    }
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
    case palette, variants, topImages
}
