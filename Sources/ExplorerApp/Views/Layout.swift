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
    public var manifoldArea: Rect
    public var manifoldGrid: (columns: Int, rows: Int)
    public var manifoldTile: TileSpec

    public static func == (a: Layout, b: Layout) -> Bool {
        a.sliders == b.sliders && a.digit == b.digit && a.panel == b.panel && a.manifoldArea == b.manifoldArea
    }

    /// A thumbnail: the image resampled to `pixels`×`pixels`, drawn in `mode`. Braille tiles use twice
    /// the pixels of the others, so every mode's tile has the same footprint in cells.
    public struct TileSpec: Equatable, Sendable {
        public var pixels: Int
        public var mode: RenderMode
        public var columns: Int { ImageRaster.size(width: pixels, height: pixels, mode: mode).columns }
        public var rows: Int { ImageRaster.size(width: pixels, height: pixels, mode: mode).rows }
    }

    public static let digitBoxWidth = 30, digitBoxHeight = 16, originalBoxWidth = 16

    /// The tile `columns` cells wide in this render mode (14: a 2× thumbnail, 7: a 4× one).
    public static func tile(cells columns: Int, _ mode: RenderMode) -> TileSpec {
        TileSpec(pixels: mode == .braille ? 2 * columns : columns, mode: mode)
    }

    public init(width: Int, height: Int, latentDim: Int, renderMode: RenderMode) {
        let screen = Rect(x: 0, y: 0, width: width, height: height)
        let (statusRow, rest) = screen.splitTop(1)
        let (main, footerRow) = rest.splitBottom(1)
        status = statusRow
        footer = footerRow
        let topHeight = min(max(Self.digitBoxHeight, min(latentDim, 24) + 2), main.height)
        let (top, bottom) = main.splitTop(topHeight)
        let (leftTop, digitBox) = top.splitLeft(top.width - Self.digitBoxWidth)
        digit = Rect(x: digitBox.x, y: digitBox.y, width: digitBox.width, height: min(Self.digitBoxHeight, top.height))
        let (slidersBox, sideColumn) = leftTop.splitLeft(leftTop.width - Self.originalBoxWidth)
        sliders = slidersBox
        original = Rect(x: sideColumn.x, y: sideColumn.y, width: sideColumn.width, height: min(9, sideColumn.height))
        info = Rect(x: sideColumn.x, y: original.maxY, width: sideColumn.width, height: sideColumn.height - original.height)
        panel = bottom
        // The strip: 14-pixel half-block tiles when there is room, else 7-pixel ones.
        let big = Self.tile(cells: 14, renderMode), small = Self.tile(cells: 7, renderMode)
        stripTile = bottom.height - 2 >= big.rows ? big : small
        stripColumns = max(0, (bottom.width - 2) / (stripTile.columns + 1))
        stripRows = min(3, max(0, (bottom.height - 2) / stripTile.rows))
        // The manifold grid takes the whole area right of the sliders.
        manifoldArea = Rect(x: leftTop.x + slidersBox.width, y: top.y, width: width - slidersBox.width, height: main.height)
        let inner = manifoldArea.inset(by: 1)
        func grid(_ t: TileSpec) -> (Int, Int) { (max(0, inner.width / t.columns), max(0, (inner.height - 1) / t.rows)) }
        let (bc, br) = grid(big), (sc, sr) = grid(small)
        if min(bc, br) >= 7 || min(bc, br) >= min(sc, sr) {
            manifoldTile = big
            manifoldGrid = (min(bc, 16), min(br, 16))
        } else {
            manifoldTile = small
            manifoldGrid = (min(sc, 16), min(sr, 16))
        }
    }
}
