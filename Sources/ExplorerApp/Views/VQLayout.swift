import TermRender

/// Where the VQ-VAE mode's parts go: the index grid, the original and reconstruction thumbnails, the
/// edited decode, the cell details beside them when there is room, and the bottom panel.
public struct VQLayout: Equatable, Sendable {
    public var status: Rect, footer: Rect
    public var grid: Rect, gridInner: Rect
    /// How the code grid is drawn: its codes as numbers when they fit (one line per grid row), else a
    /// block per cell coloured by its code, two grid rows per line in upper and lower half blocks when
    /// one per line does not fit (a 32×32 grid in 16 lines).
    public var showsNumbers: Bool
    /// Columns per grid cell, and grid rows per screen line (1, or 2 for half blocks).
    public var cellColumns: Int, rowsPerLine: Int
    public var legend: Rect
    public var original: Rect, reconstruction: Rect
    public var edited: Rect
    public var side: Rect
    public var panel: Rect
    /// Short screens (under 34 rows) show the edited decode as a thumbnail beside the others.
    public var compact: Bool

    /// A thumbnail's box: a 14-cell tile and its border.
    public static let thumbnailWidth = 16

    /// Cells of the code grid are as wide as the largest code plus a space (3 for K ≤ 100, 4 for 512).
    public static func cellWidth(codebookSize: Int) -> Int { max(3, String(max(0, codebookSize - 1)).count + 1) }

    public init(width: Int, height: Int, vq: VQState) {
        let screen = Rect(x: 0, y: 0, width: width, height: height)
        let (statusRow, rest) = screen.splitTop(1)
        let (main, footerRow) = rest.splitBottom(1)
        status = statusRow
        footer = footerRow
        compact = height < 34
        // Numbers when the grid takes at most half the width and fits the top area; otherwise coloured
        // cells, as wide and as tall as fit; the top area grows for a tall grid (the panel keeps 4 rows).
        let topHeight = min(compact ? 11 : 18, main.height)
        // The grid leaves room for the thumbnails beside it (three in a row, or one above the other and
        // the edited decode): a grid of numbers too wide for that is drawn as coloured cells instead.
        let cell = Self.cellWidth(codebookSize: vq.codebookSize)
        let thumbnails = compact ? 3 * Self.thumbnailWidth : Self.thumbnailWidth + Layout.digitBoxWidth
        let room = min(max(24, width / 2), width - thumbnails)
        showsNumbers = vq.width * cell + 2 <= room && vq.height + 2 <= topHeight
        cellColumns = showsNumbers ? cell : (vq.width * 2 + 2 <= room ? 2 : 1)
        rowsPerLine = showsNumbers || vq.height + 2 <= topHeight ? 1 : 2
        let gridLines = (vq.height + rowsPerLine - 1) / rowsPerLine, gridColumns = vq.width * cellColumns
        let (top, bottom) = main.splitTop(min(max(topHeight, gridLines + 2), max(topHeight, main.height - 4)))
        let gridWidth = max(24, gridColumns + 2)
        let (gridColumn, rest1) = top.splitLeft(gridWidth)
        grid = Rect(x: gridColumn.x, y: gridColumn.y, width: gridWidth, height: min(gridLines + 2, gridColumn.height))
        gridInner = Rect(x: grid.x + 1 + (gridWidth - 2 - gridColumns) / 2, y: grid.y + 1, width: gridColumns,
                         height: max(0, grid.height - 2))
        legend = Rect(x: gridColumn.x, y: grid.maxY, width: gridWidth, height: gridColumn.height - grid.height)
        if compact {
            // Three thumbnails in a row: original, reconstruction, edited; narrower (with smaller tiles)
            // when even a grid of coloured cells leaves less than three full widths.
            let w = min(Self.thumbnailWidth, rest1.width / 3)
            original = Rect(x: rest1.x, y: rest1.y, width: w, height: min(9, rest1.height))
            reconstruction = Rect(x: rest1.x + w, y: rest1.y, width: w, height: original.height)
            edited = Rect(x: rest1.x + 2 * w, y: rest1.y, width: w, height: original.height)
            side = Rect(x: rest1.x + 3 * w, y: rest1.y, width: rest1.width - 3 * w, height: rest1.height)
        } else {
            let (thumbs, rest2) = rest1.splitLeft(16)
            original = Rect(x: thumbs.x, y: thumbs.y, width: 16, height: min(9, thumbs.height))
            reconstruction = Rect(x: thumbs.x, y: original.maxY, width: 16, height: min(9, thumbs.height - original.height))
            let (editedColumn, sideColumn) = rest2.splitLeft(Layout.digitBoxWidth)
            edited = Rect(x: editedColumn.x, y: editedColumn.y, width: editedColumn.width, height: min(16, editedColumn.height))
            side = sideColumn
        }
        panel = bottom
    }

    /// The grid cell under a screen position (a click), if any; with half blocks, the upper cell.
    public func cell(atX x: Int, y: Int, vq: VQState) -> Int? {
        guard x >= gridInner.x, y >= gridInner.y, x < gridInner.maxX, y < gridInner.maxY else { return nil }
        let column = (x - gridInner.x) / cellColumns, row = (y - gridInner.y) * rowsPerLine
        guard column < vq.width, row < vq.height else { return nil }
        return row * vq.width + column
    }
}
