import TermRender

/// A figure the explorer writes when `S` is pressed: what the view shows, named after the view.
public struct FigureRequest: Equatable, Sendable {
    public enum Content: Equatable, Sendable {
        /// One image, as shown (PNG).
        case still(Image)
        /// Tiles in rows of `columns` (PNG).
        case sheet([Image], columns: Int)
        /// VQ-VAE code grids decoded at the model's full size, in rows of `columns` (PNG).
        case gridSheet([[Int]], columns: Int)
        /// Latents decoded one frame each into a looping animation (GIF).
        case animation(zs: [[Float]], label: Int?)
    }

    public var name: String
    public var content: Content

    public var fileExtension: String {
        if case .animation = content { return "gif" }
        return "png"
    }
}

extension Explorer {
    /// Every figure the current view offers: the decoded image, and the panel's strip, grid, morph or
    /// walk (VAE), or the palette (VQ-VAE). Empty while nothing is drawn yet.
    static func figureRequests(_ m: AppModel) -> [FigureRequest] {
        if m.isVQ {
            var out: [FigureRequest] = []
            if let image = m.vq.image { out.append(FigureRequest(name: "image", content: .still(image))) }
            // The palette at the model's resolution (its tiles on screen are kept small).
            let order = m.vq.paletteCodes
            if !order.isEmpty && m.vq.cells > 0 {
                out.append(FigureRequest(name: "palette-\(m.vq.paletteOrder.fileTag)",
                                         content: .gridSheet(order.map { [Int](repeating: $0, count: m.vq.cells) }, columns: Image.squareColumns(order.count))))
            }
            return out
        }
        let v = m.vae
        var out: [FigureRequest] = []
        if let image = v.image { out.append(FigureRequest(name: "image", content: .still(image))) }
        switch v.panel {
        case .progression where !v.strip.isEmpty:
            out.append(FigureRequest(name: "progression-z\(v.selected)", content: .sheet(v.strip, columns: v.strip.count)))
        case .manifold where !v.manifold.isEmpty && v.manifold.count == v.manifoldShape.columns * v.manifoldShape.rows:
            out.append(FigureRequest(name: "manifold-z\(v.manifoldDims.x)-z\(v.manifoldDims.y)",
                                     content: .sheet(v.manifold, columns: v.manifoldShape.columns)))
        case .interpolation:
            if !v.strip.isEmpty { out.append(FigureRequest(name: "line", content: .sheet(v.strip, columns: v.strip.count))) }
            if let a = v.markA, let b = v.markB {
                out.append(FigureRequest(name: "morph", content: .animation(zs: LatentPaths.morph(a, b, half: Interpolation.frames),
                                                                             label: v.conditioningLabel)))
            }
        case .scatter where m.scatter.walk.count >= 2:
            out.append(FigureRequest(name: m.scatter.path.count >= 2 ? "path-walk" : "line-walk",
                                     content: .animation(zs: m.scatter.walk, label: v.conditioningLabel)))
        default:
            break
        }
        return out
    }
}
