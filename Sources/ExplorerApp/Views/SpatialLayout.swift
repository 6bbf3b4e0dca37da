import TermRender

/// Where a [C, h, w] latent's cell grid, its legend and the cursor cell's channel sliders sit inside
/// the sliders box; shared by the view (drawing) and `update` (clicks).
///
/// The grid is drawn as large as fits: 4×2 or 2×1 characters a cell (square-ish), else one, else two
/// latent rows a terminal row (half blocks); a latent larger than even that shows the window around
/// the cursor. The sliders go beside the grid when there is room, else under it.
struct SpatialLayout {
    let shape: SpatialShape
    /// The grid's cells on screen (rulers above and left of it, outside this rect).
    let grid: Rect
    let cellWidth: Int
    /// Terminal rows a latent row takes (1 with half rows, which put two latent rows in one).
    let cellHeight: Int
    /// Two latent rows in one terminal row (`▀`: the upper one in the foreground colour).
    let halfRows: Bool
    /// The window shown: its first latent row and column (0 when the whole grid fits).
    let firstRow: Int, firstColumn: Int
    let visibleRows: Int, visibleColumns: Int
    let legend: Rect
    /// One slider per channel for the cursor cell (the box is an invisible frame around the rows).
    let sliders: SliderGeometry

    static let minimumSliderWidth = 30

    init(box: Rect, shape: SpatialShape, cursor: GridCell, channel: Int) {
        self.shape = shape
        let inner = box.inset(by: 1)
        let sliderRows = min(shape.channels, 6)
        var chosen: (cw: Int, ch: Int, half: Bool, beside: Bool)?
        for (cw, ch, half) in [(4, 2, false), (2, 1, false), (1, 1, false), (1, 1, true)] {
            let w = 1 + cw * shape.width, h = 1 + (half ? (shape.height + 1) / 2 : ch * shape.height) + 1
            if w + 2 + Self.minimumSliderWidth <= inner.width, h <= inner.height { chosen = (cw, ch, half, true); break }
            if w <= inner.width, h + sliderRows <= inner.height { chosen = (cw, ch, half, false); break }
        }
        let (cw, ch, half, beside) = chosen ?? (1, 1, true, false)
        cellWidth = cw
        cellHeight = ch
        halfRows = half
        // A latent larger than the box: the window around the cursor, as many cells as fit.
        let rowsRoom = max(1, inner.height - 2 - (beside ? 0 : sliderRows)) * (half ? 2 : 1) / ch
        let columnsRoom = max(1, (inner.width - 1) / cw)
        visibleRows = min(shape.height, rowsRoom)
        visibleColumns = min(shape.width, columnsRoom)
        firstRow = min(max(0, cursor.row - visibleRows / 2), shape.height - visibleRows)
        firstColumn = min(max(0, cursor.column - visibleColumns / 2), shape.width - visibleColumns)
        let gridHeight = half ? (visibleRows + 1) / 2 : visibleRows * ch
        grid = Rect(x: inner.x + 1, y: inner.y + 1, width: visibleColumns * cw, height: gridHeight)
        legend = Rect(x: inner.x, y: grid.maxY, width: beside ? grid.width + 1 : inner.width, height: 1)
        let area = beside
            ? Rect(x: grid.maxX + 2, y: inner.y, width: max(0, inner.maxX - grid.maxX - 2), height: inner.height)
            : Rect(x: inner.x, y: legend.maxY, width: inner.width, height: max(0, inner.maxY - legend.maxY))
        sliders = SliderGeometry(box: area.inset(by: -1), count: shape.channels, selected: channel)
    }

    /// The terminal cell a latent cell is drawn in (its first column), or nil outside the window.
    func origin(of cell: GridCell) -> (x: Int, y: Int)? {
        let r = cell.row - firstRow, c = cell.column - firstColumn
        guard (0..<visibleRows).contains(r), (0..<visibleColumns).contains(c) else { return nil }
        return (grid.x + c * cellWidth, grid.y + (halfRows ? r / 2 : r * cellHeight))
    }

    /// The latent cell under a click (with half rows, the upper of the two a terminal row shows).
    func cell(atX x: Int, y: Int) -> GridCell? {
        guard grid.contains(x: x, y: y) else { return nil }
        let r = firstRow + (halfRows ? (y - grid.y) * 2 : (y - grid.y) / cellHeight), c = firstColumn + (x - grid.x) / cellWidth
        guard r < shape.height, c < shape.width else { return nil }
        return GridCell(row: r, column: c)
    }

    /// The channel whose slider row is under a click.
    func channel(atX x: Int, y: Int) -> Int? {
        sliders.box.inset(by: 1).contains(x: x, y: y) ? sliders.dimension(atRow: y) : nil
    }
}
