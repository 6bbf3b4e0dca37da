/// A latent of shape [C, h, w] (a Stable-Diffusion-style VAE): the view's own state. The cursor cell
/// and the selected channel are not stored here: they are `VAEState.selected`, the flattened index
/// (channel, row, column), so the progression, the manifold's axes and the slider list follow them.
public struct SpatialState: Equatable, Sendable {
    /// The corner a region starts from (`v`); the region is the rectangle from it to the cursor.
    public var anchor: GridCell?
    /// `+`/`-` offset the selected channel at every cell (a global per-channel offset).
    public var allCells = false
    /// The grid shows channels 0–2 as red, green and blue instead of a heat map of the selected channel.
    public var colour = false
    /// A region copied with `Y`, pasted into another latent with `P` (a latent collage).
    public var clip: LatentClip?

    public init() {}
}

public struct GridCell: Equatable, Hashable, Sendable {
    public var row: Int, column: Int
    public init(row: Int, column: Int) {
        self.row = row
        self.column = column
    }
}

/// Every channel's values over a rectangle of cells, channel-major then raster order, as copied.
public struct LatentClip: Equatable, Sendable {
    public var rows: Int, columns: Int, channels: Int
    public var values: [Float]
    /// Where it came from, as the status line says it ("image 17", "z").
    public var source: String
}

/// A [C, h, w] latent's geometry: flattened indices, as the model's decoder reads them (C, h, w order).
public struct SpatialShape: Equatable, Sendable {
    public var channels: Int, height: Int, width: Int

    public init?(_ shape: [Int]) {
        guard shape.count == 3, shape.allSatisfy({ $0 > 0 }) else { return nil }
        (channels, height, width) = (shape[0], shape[1], shape[2])
    }

    public var cells: Int { height * width }
    public func index(channel: Int, row: Int, column: Int) -> Int { channel * cells + row * width + column }
    public func index(channel: Int, _ cell: GridCell) -> Int { index(channel: channel, row: cell.row, column: cell.column) }
    public func cell(of index: Int) -> (channel: Int, cell: GridCell) {
        (index / cells, GridCell(row: (index % cells) / width, column: index % width))
    }

    /// The cells of the rectangle spanned by two corners, raster order.
    public func rectangle(_ a: GridCell, _ b: GridCell) -> [GridCell] {
        let rows = min(a.row, b.row)...max(a.row, b.row), columns = min(a.column, b.column)...max(a.column, b.column)
        return rows.flatMap { r in columns.map { GridCell(row: r, column: $0) } }
    }
}

extension VAEState {
    /// The latent's [C, h, w] shape when it is spatial, else nil (a flat latent keeps its sliders).
    public var spatialShape: SpatialShape? {
        guard let s = SpatialShape(latentShape), s.channels * s.cells == latentDim else { return nil }
        return s
    }

    /// The cursor cell and the selected channel (from `selected`).
    public var spatialCursor: (channel: Int, cell: GridCell)? { spatialShape?.cell(of: selected) }

    /// The cells `+`/`-` change: every cell, the region, or the cursor's.
    public var spatialScope: [GridCell] {
        guard let s = spatialShape, let cursor = spatialCursor?.cell else { return [] }
        if spatial.allCells { return s.rectangle(GridCell(row: 0, column: 0), GridCell(row: s.height - 1, column: s.width - 1)) }
        if let anchor = spatial.anchor { return s.rectangle(anchor, cursor) }
        return [cursor]
    }

    /// The cells whose values differ from the opened image's μ in any channel (nothing opened: none).
    public var changedCells: Set<GridCell> {
        guard let s = spatialShape, let mu = current?.mu, mu.count == z.count else { return [] }
        var changed = Set<GridCell>()
        for i in z.indices where z[i] != mu[i] { changed.insert(s.cell(of: i).cell) }
        return changed
    }
}
