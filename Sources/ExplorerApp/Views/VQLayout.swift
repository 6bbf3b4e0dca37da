import TermRender

/// Where the VQ-VAE mode's parts go: the index grid, the original and reconstruction thumbnails, the
/// edited decode, the cell details beside them when there is room, and the bottom panel.
public struct VQLayout: Equatable, Sendable {
    public var status: Rect, footer: Rect
    public var grid: Rect, gridInner: Rect
    public var legend: Rect
    public var original: Rect, reconstruction: Rect
    public var edited: Rect
    public var side: Rect
    public var panel: Rect
    /// Short screens (under 34 rows) show the edited decode as a thumbnail beside the others.
    public var compact: Bool

    /// Cells of the code grid are as wide as the largest code plus a space (3 for K ≤ 100, 4 for 512).
    public static func cellWidth(codebookSize: Int) -> Int { max(3, String(max(0, codebookSize - 1)).count + 1) }

    public init(width: Int, height: Int, vq: VQState) {
        let screen = Rect(x: 0, y: 0, width: width, height: height)
        let (statusRow, rest) = screen.splitTop(1)
        let (main, footerRow) = rest.splitBottom(1)
        status = statusRow
        footer = footerRow
        compact = height < 34
        let (top, bottom) = main.splitTop(min(compact ? 11 : 18, main.height))
        let cell = Self.cellWidth(codebookSize: vq.codebookSize)
        let gridWidth = max(24, vq.width * cell + 2)
        let (gridColumn, rest1) = top.splitLeft(gridWidth)
        grid = Rect(x: gridColumn.x, y: gridColumn.y, width: gridWidth, height: min(vq.height + 2, gridColumn.height))
        gridInner = Rect(x: grid.x + 1 + (gridWidth - 2 - vq.width * cell) / 2, y: grid.y + 1, width: vq.width * cell, height: vq.height)
        legend = Rect(x: gridColumn.x, y: grid.maxY, width: gridWidth, height: gridColumn.height - grid.height)
        if compact {
            // Three thumbnails in a row: original, reconstruction, edited.
            original = Rect(x: rest1.x, y: rest1.y, width: 16, height: min(9, rest1.height))
            reconstruction = Rect(x: rest1.x + 16, y: rest1.y, width: 16, height: original.height)
            edited = Rect(x: rest1.x + 32, y: rest1.y, width: 16, height: original.height)
            side = Rect(x: rest1.x + 48, y: rest1.y, width: rest1.width - 48, height: rest1.height)
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
}
