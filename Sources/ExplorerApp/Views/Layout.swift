import TermRender

/// Where everything goes on screen, computed from the size alone. `update` uses it too (to know how
/// many tiles a strip or grid holds), so state and view agree without storing geometry.
public struct Layout: Equatable, Sendable {
    public var status: Rect
    public var footer: Rect
    public var sliders: Rect
    public var digit: Rect
    public var original: Rect
    public var info: Rect
    public var panel: Rect
    /// Tiles in the bottom strip and the pixel size each is drawn at (14 or 7), and the grid of the manifold.
    public var stripTiles: Int { stripColumns * stripRows }
    public var stripColumns: Int
    public var stripRows: Int
    public var stripTile: TileSpec
    /// With the manifold grid open: the grid on the right, the sliders and the decoded image on the left.
    public var manifoldArea: Rect
    public var manifoldSliders: Rect
    public var manifoldDigit: Rect
    public var manifoldGrid: (columns: Int, rows: Int)
    public var manifoldTile: TileSpec

    public static func == (a: Layout, b: Layout) -> Bool {
        a.sliders == b.sliders && a.digit == b.digit && a.panel == b.panel && a.manifoldArea == b.manifoldArea
    }

    /// A thumbnail: the image resampled to `pixels`×`pixels`, drawn in `mode`. Braille tiles use twice
    /// the pixels of the others, so every mode's tile has the same footprint in cells.
    public struct TileSpec: Equatable, Sendable {
        public var mode: RenderMode
        public var columns: Int, rows: Int

        public init(pixels: Int, mode: RenderMode) {
            self.mode = mode
            (columns, rows) = ImageRaster.size(width: pixels, height: pixels, mode: mode)
        }

        /// A tile of exactly these cells (pixel mode: what a square image needs in the terminal's cells).
        public init(columns: Int, rows: Int, mode: RenderMode) {
            self.mode = mode
            self.columns = columns
            self.rows = rows
        }
    }

    public static let digitBoxWidth = 30, digitBoxHeight = 16, originalBoxWidth = 16, minimumPanelHeight = 6

    /// The tile `columns` cells wide in this render mode (14: a 2× thumbnail, 7: a 4× one).
    public static func tile(cells columns: Int, _ mode: RenderMode) -> TileSpec {
        TileSpec(pixels: mode == .braille ? 2 * columns : columns, mode: mode)
    }

    /// `pixelCell`: the terminal draws images in pixels, cells of this size; a tile of a few cells then
    /// shows a whole digit, square, and the manifold grid can hold up to 20×20.
    public init(width: Int, height: Int, latentDim: Int, renderMode: RenderMode, pixelCell: PixelSize? = nil) {
        let screen = Rect(x: 0, y: 0, width: width, height: height)
        let (statusRow, rest) = screen.splitTop(1)
        let (main, footerRow) = rest.splitBottom(1)
        status = statusRow
        footer = footerRow
        // The sliders grow with the dimensions (scrolling past 24) but leave the bottom panel 6 rows.
        let topHeight = min(max(Self.digitBoxHeight, min(min(latentDim, 24) + 2, main.height - Self.minimumPanelHeight)), main.height)
        let (top, bottom) = main.splitTop(topHeight)
        let (leftTop, digitBox) = top.splitLeft(top.width - Self.digitBoxWidth)
        digit = Rect(x: digitBox.x, y: digitBox.y, width: digitBox.width, height: min(Self.digitBoxHeight, top.height))
        let (slidersBox, sideColumn) = leftTop.splitLeft(leftTop.width - Self.originalBoxWidth)
        sliders = slidersBox
        original = Rect(x: sideColumn.x, y: sideColumn.y, width: sideColumn.width, height: min(9, sideColumn.height))
        info = Rect(x: sideColumn.x, y: original.maxY, width: sideColumn.width, height: sideColumn.height - original.height)
        panel = bottom
        // The strip fills its panel: the largest tiles (up to a digit's own 28 pixels) of which at least
        // eight fit in up to three rows, so a sweep has steps enough and the panel no empty half.
        let big = Self.tile(cells: 14, renderMode), small = Self.tile(cells: 7, renderMode)
        let stripInner = (width: bottom.width - 2, height: bottom.height - 2)
        func strip(_ t: TileSpec) -> (columns: Int, rows: Int) {
            (max(0, (stripInner.width + 1) / (t.columns + 1)), min(3, max(0, stripInner.height / max(1, t.rows))))
        }
        let filling = stride(from: 28, through: 8, by: -1).lazy.map { Self.tile(cells: $0, renderMode) }
            .first { let s = strip($0); return s.columns * s.rows >= 8 }
        stripTile = filling ?? small
        (stripColumns, stripRows) = strip(stripTile)
        // The manifold grid: a square-ish area on the right (cells are about twice as tall as wide);
        // the sliders above the decoded image on the left, so the grid never hides the image.
        let gridWidth = max(0, min(main.width - 40, 2 * main.height + 2))
        let (left, right) = main.splitLeft(main.width - gridWidth)
        manifoldArea = right
        let (leftSliders, leftRest) = left.splitTop(min(min(latentDim, 24) + 2, max(0, main.height - 8)))
        manifoldSliders = leftSliders
        manifoldDigit = Rect(x: leftRest.x, y: leftRest.y, width: min(leftRest.width, Self.digitBoxWidth), height: min(leftRest.height, Self.digitBoxHeight))
        let inner = manifoldArea.inset(by: 1)
        func grid(_ t: TileSpec, cap: Int) -> (Int, Int) {
            (min(cap, max(0, inner.width / t.columns)), min(cap, max(0, (inner.height - 1) / t.rows)))
        }
        if let cell = pixelCell, cell.width > 0, cell.height > 0 {
            // Square tiles of s pixels: as large as 20 per side allows (at most 112 px: 4× a digit), and
            // 24 px at least (a digit nearly at its own size): small terminals get fewer tiles, not smaller.
            let most = min(inner.width / 20 * cell.width, (inner.height - 1) / 20 * cell.height)
            let side = max(24, min(112, most))
            manifoldTile = TileSpec(columns: (side + cell.width - 1) / cell.width, rows: (side + cell.height - 1) / cell.height, mode: renderMode)
            manifoldGrid = grid(manifoldTile, cap: 20)
            return
        }
        // Glyph tiles: the largest (up to 28 cells) that still make a grid of 7 × 7 or more — a grid
        // fewer than 7 a side shows too little of the plane, smaller tiles too little of each image.
        let fitting = stride(from: 28, through: 8, by: -1).lazy.map { Self.tile(cells: $0, renderMode) }
            .first { let g = grid($0, cap: 16); return min(g.0, g.1) >= 7 }
        let (bc, br) = grid(big, cap: 16), (sc, sr) = grid(small, cap: 16)
        if let fitting {
            manifoldTile = fitting
            manifoldGrid = grid(fitting, cap: 16)
        } else if min(bc, br) >= min(sc, sr) {
            manifoldTile = big
            manifoldGrid = (bc, br)
        } else {
            manifoldTile = small
            manifoldGrid = (sc, sr)
        }
    }
}
