/// Background results are checked against the model they arrive in. The runtime already drops work
/// started for a model since replaced (by generation); this is the second line: a result whose shape
/// does not fit the state (latents of another size, codes outside the codebook, a projection of other
/// points) is dropped rather than indexed, whatever delivered it.
extension Explorer {
    static func fits(_ message: Message, _ m: AppModel) -> Bool {
        let latent = m.vae.latentDim, cells = m.vq.cells, slots = m.vq.slots, k = m.vq.codebookSize
        func isCode(_ c: Int) -> Bool { (0..<k).contains(c) }
        switch message {
        case .imageEncoded(let e, _):
            return !m.isVQ && e.mu.count == latent && e.sigma.count == latent
                && (!m.vae.isConditional || (0..<m.vae.classCount).contains(e.label))
        case .datasetEncodedPart(let mus, let labels, let points, let pca, _):
            return !m.isVQ && (labels.isEmpty || mus.count == labels.count) && points.count == 2 * mus.count
                && mus.allSatisfy { $0.count == latent } && (pca.map { $0.dimension == latent } ?? true)
        case .neighboursFound(let index, let list):
            return (0..<m.scatter.mus.count).contains(index) && list.allSatisfy { (0..<m.scatter.mus.count).contains($0.index) }
        case .datasetEncoded(let mus, let labels, let kl):
            return !m.isVQ && (labels.isEmpty || mus.count == labels.count) && mus.allSatisfy { $0.count == latent }
                && (kl.isEmpty || (kl.count == latent && kl.allSatisfy(\.isFinite)))
        case .projected(_, let flat, let pca, _):
            let dim = m.scatter.mus.first?.count ?? 0
            return !m.scatter.mus.isEmpty && flat.count == 2 * m.scatter.mus.count && (pca == nil || pca!.dimension == dim)
        case .quantized(let q, _):
            return m.isVQ && q.codes.count == slots && q.codes.allSatisfy(isCode)
                && q.distances.count == slots && q.distances.allSatisfy { $0.count == k } && q.features.count == cells
        case .gridsDecoded(.palette, let tiles), .gridsDecoded(.variants, let tiles):
            return m.isVQ && tiles.count == k
        case .datasetQuantized(let codes, let vectors, let labels):
            let dim = vectors.first?.count ?? 0
            // The codes feed the usage statistics; the vectors and labels, the scatter.
            return m.isVQ && codes.allSatisfy { $0.count == slots && $0.allSatisfy(isCode) }
                && vectors.allSatisfy { $0.count == dim } && (labels.isEmpty || vectors.isEmpty || labels.count == vectors.count)
        case .codebookMapReady(let map):
            return m.isVQ && map.codes.count == k && map.points.count == map.pointCodes.count && (0..<m.vq.levels).contains(map.level)
                && map.pointCodes.allSatisfy(isCode) && (map.codes + map.points).allSatisfy { $0.count == 2 }
        case .priorSampled(let grid):
            return m.isVQ && grid.count == slots && grid.allSatisfy(isCode)
        case .priorAnalysed(let grid, let cell, let surprise, let top):
            // A prior sees a residual VQ's grid as its codes in order: cells and surprise are per code.
            return m.isVQ && grid.count == slots && surprise.count == slots && (0..<slots).contains(cell)
                && top.allSatisfy { isCode($0.code) }
        case .directionsReady(let d):
            return !m.isVQ && d.count >= 1 && d.count <= latent && d.base.count == latent && d.rows.allSatisfy { $0.count == latent }
                && d.scores.count == d.count && d.std.count == d.count && (d.explained?.count ?? d.count) == d.count
                && d.std.allSatisfy { $0.isFinite && $0 > 0 } && d.rows.allSatisfy { $0.allSatisfy(\.isFinite) }
                // Unit rows: a slider moves z by its standard deviation along them, and no further.
                && d.rows.allSatisfy { abs($0.reduce(Float(0)) { $0 + $1 * $1 } - 1) < 1e-3 } && d.base.allSatisfy(\.isFinite)
        case .datasetMeasured(let measure, let values):
            return measure != .classes && !m.scatter.mus.isEmpty && values.count == m.scatter.mus.count
        case .peeked(let index, _):
            return (0..<m.scatter.mus.count).contains(index)
        default:
            return true
        }
    }
}
