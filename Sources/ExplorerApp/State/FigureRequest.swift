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
        /// Numbers as a float32 `.npy` of this shape, with a JSON beside it (same name) saying what they
        /// are and the `latent decode` command that draws them (`decodes`: the values are one latent).
        case values([Float], shape: [Int], about: [String: String], decodes: Bool)
    }

    public var name: String
    public var content: Content

    public var fileExtension: String {
        switch content {
        case .animation: return "gif"
        case .values: return "npy"
        default: return "png"
        }
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
            let order = m.vq.paletteCodes, alone = m.vq.aloneGrids
            if !order.isEmpty && m.vq.cells > 0 && alone.count == m.vq.codebookSize {
                let level = m.vq.isResidual ? "-level\(m.vq.level + 1)" : ""
                out.append(FigureRequest(name: "palette\(level)-\(m.vq.paletteOrder.fileTag)",
                                         content: .gridSheet(order.map { alone[$0] }, columns: Image.squareColumns(order.count))))
            }
            // The grid itself, to decode again (`latent decode --codes`): cells in raster order, levels fastest.
            if m.vq.cells > 0 && m.vq.image != nil {
                out.append(FigureRequest(name: "codes", content: .values(m.vq.codes.map(Float.init), shape: [m.vq.height, m.vq.width] + (m.vq.isResidual ? [m.vq.levels] : []),
                                                                        about: ["what": "the code grid"], decodes: true)))
            }
            return out
        }
        let v = m.vae
        var out: [FigureRequest] = []
        if let image = v.image { out.append(FigureRequest(name: "image", content: .still(image))) }
        // z itself, to decode again: flattened in the latent's own order (C, h, w for a spatial one).
        var about = ["what": "the latent z"]
        if let label = v.conditioningLabel { about["label"] = String(label) }
        if v.image != nil {
            out.append(FigureRequest(name: "z", content: .values(v.z, shape: v.latentShape.count > 1 ? v.latentShape : [v.latentDim],
                                                                about: about, decodes: true)))
        }
        switch v.panel {
        case .progression where !v.strip.isEmpty:
            out.append(FigureRequest(name: "progression-z\(v.selected)", content: .sheet(v.strip, columns: v.strip.count)))
        case .manifold where !v.manifold.isEmpty && v.manifold.count == v.manifoldShape.columns * v.manifoldShape.rows:
            // File names without the arrow of A→B.
            let axes = [true, false].map { Explorer.manifoldAxisName(v, x: $0).replacingOccurrences(of: "→", with: "to") }
            out.append(FigureRequest(name: "manifold-\(axes[0])-\(axes[1])",
                                     content: .sheet(v.manifold, columns: v.manifoldShape.columns)))
        case .interpolation:
            if !v.strip.isEmpty { out.append(FigureRequest(name: "line", content: .sheet(v.strip, columns: v.strip.count))) }
            if let a = v.markA, let b = v.markB {
                let zs = LatentPaths.morph(a, b, half: Interpolation.frames, path: v.path)
                out.append(FigureRequest(name: "morph", content: .animation(zs: zs, label: v.conditioningLabel)))
                let path = LatentPaths.line(a, b, count: Interpolation.frames + 1, path: v.path)
                out.append(FigureRequest(name: "morph-path", content: .values(path.flatMap { $0 }, shape: [path.count, v.latentDim],
                                                                             about: ["what": "A → B, \(path.count) latents, \(v.path.rawValue)"], decodes: false)))
            }
        case .posterior where !v.strip.isEmpty:
            out.append(FigureRequest(name: "posterior", content: .sheet(v.strip, columns: v.strip.count)))
        case .scatter where m.scatter.walk.count >= 2:
            let name = m.scatter.path.count >= 2 ? "path-walk" : "line-walk"
            out.append(FigureRequest(name: name, content: .animation(zs: m.scatter.walk, label: v.conditioningLabel)))
            out.append(FigureRequest(name: name, content: .values(m.scatter.walk.flatMap { $0 }, shape: [m.scatter.walk.count, v.latentDim],
                                                                 about: ["what": "the walk's \(m.scatter.walk.count) latents"], decodes: false)))
        default:
            break
        }
        return out
    }
}
