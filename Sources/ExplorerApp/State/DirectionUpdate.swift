import TermRender
import LatentNN

/// Direction sets in the slider panel (`D`): the sliders move z along the strongest directions of a
/// global or local PCA of the data, of the decoder's Jacobian, or from A to B, instead of along the
/// latent's own dimensions; the progression sweeps the selected direction.
extension Explorer {
    /// The sets `D` steps through: attribute vectors once both marks are set (A → B) or the data has
    /// labels (towards each class's mean μ).
    static func directionMethods(_ m: AppModel) -> [DirectionSet.Method] {
        let attribute = (m.vae.markA != nil && m.vae.markB != nil) || m.scatter.isLabelled
        return [.raw, .pca, .local, .jacobian] + (attribute ? [.attribute] : [])
    }

    static func nextDirections(_ m: inout AppModel) -> [Command] {
        let order = directionMethods(m)
        let next = order[((order.firstIndex(of: m.vae.directionMethod) ?? 0) + 1) % order.count]
        m.vae.directionMethod = next
        m.vae.directionSelected = 0
        m.vae.directions = nil
        m.vae.directionsPending = false
        guard next != .raw else {
            m.status = "sliders: the latent's own dimensions"
            return refreshPanel(&m)
        }
        return requestDirections(&m)
    }

    /// Asks for the current method's set at the current z (the data's μ must be there for PCA).
    static func requestDirections(_ m: inout AppModel) -> [Command] {
        let v = m.vae, method = v.directionMethod
        guard method != .raw else { return [] }
        let marked = v.markA != nil && v.markB != nil
        if ([.pca, .local].contains(method) || (method == .attribute && !marked)) && m.scatter.mus.isEmpty {
            m.status = "\(method.title): once the dataset is encoded"
            return []
        }
        m.vae.directionsPending = true
        m.status = "finding the \(method.title) directions…"
        return [.computeDirections(DirectionRequest(method: method, z: v.z, label: v.conditioningLabel, mus: m.scatter.mus,
                                                    a: v.markA, b: v.markB, labels: marked ? [] : m.scatter.labels,
                                                    count: min(v.latentDim, VAEState.maxDirections)))]
    }

    /// After z changed: a local set made far from the new z is made again there.
    static func directionsFollow(_ m: inout AppModel) -> [Command] {
        guard !m.vae.directionsPending, let d = m.vae.shownDirections, d.isStale(at: m.vae.z) else { return [] }
        return requestDirections(&m)
    }

    static func directionsArrived(_ m: inout AppModel, _ message: Message) -> [Command] {
        switch message {
        case .directionsReady(let d) where d.method == m.vae.directionMethod:
            m.vae.directions = d
            m.vae.directionPositions = (0..<d.count).map { i in m.scatter.mus.map { d.position(of: $0, along: i) } }
            m.vae.directionsPending = false
            m.vae.directionSelected = min(m.vae.directionSelected, max(0, d.count - 1))
            let explained = d.explained.map { String(format: ", %.0f%% of the variance", 100 * $0.reduce(0, +)) } ?? ""
            m.status = "sliders: \(d.count) direction\(d.count == 1 ? "" : "s"), \(d.method.title)\(explained)"
            return refreshPanel(&m)
        case .directionsFailed(let method, let why) where method == m.vae.directionMethod:
            // The sliders go back to the latent's own dimensions rather than wait for a set that will not come.
            m.vae.directionMethod = .raw
            m.vae.directions = nil
            m.vae.directionsPending = false
            m.status = "\(method.title): \(why)"
            return refreshPanel(&m)
        default:
            return []
        }
    }

    /// ↑ ↓ and ← → with a direction set: pick a direction, move z along it (in standard deviations).
    /// While a set is being made they wait for it.
    static func performDirections(_ action: KeyAction, _ m: inout AppModel) -> [Command]? {
        guard m.vae.directionMethod != .raw else { return nil }
        guard let d = m.vae.shownDirections else {
            if case .pickDimension = action { m.status = "finding the \(m.vae.directionMethod.title) directions…"; return [] }
            if case .nudge = action { m.status = "finding the \(m.vae.directionMethod.title) directions…"; return [] }
            return nil
        }
        switch action {
        case .pickDimension(let sign):
            m.vae.directionSelected = sign == .up ? max(0, m.vae.directionSelected - 1) : min(d.count - 1, m.vae.directionSelected + 1)
            return m.vae.panel == .progression ? refreshPanel(&m) : []
        case .nudge(let step, let sign):
            let size = step == .fine ? VAEState.fineStep : VAEState.coarseStep
            return moveAlongDirection(&m, d, by: sign == .up ? size : -size)
        default:
            return nil
        }
    }

    /// z moved along the selected direction, kept within ±`directionRange` standard deviations of the base.
    static func moveAlongDirection(_ m: inout AppModel, _ d: LatentDirections, by units: Float) -> [Command] {
        let i = m.vae.directionSelected, at = d.position(of: m.vae.z, along: i)
        let target = min(max(at + units, -directionRange), directionRange)
        m.vae.z = d.moved(m.vae.z, along: i, by: target - at)
        return refresh(&m)
    }

    /// A direction slider spans ±3 standard deviations of the data along it.
    static let directionRange: Float = 3

    /// A click on a direction's slider: that direction is selected, and z moves to the clicked place.
    static func handleDirectionMouse(_ event: MouseEvent, _ m: inout AppModel, box: Rect) -> [Command]? {
        guard let d = m.vae.shownDirections else { return m.vae.directionMethod == .raw ? nil : [] }
        let g = SliderGeometry(box: box, count: d.count, selected: m.vae.directionSelected)
        switch event {
        case .press(let x, let y):
            guard let i = g.dimension(atRow: y) else { return [] }
            m.vae.directionSelected = i
            guard let track = g.track(row: y), x >= track.x, x < track.maxX else { return m.vae.panel == .progression ? refreshPanel(&m) : [] }
            let t = Float(x - track.x) / Float(max(1, track.width - 1))
            let value = -directionRange + 2 * directionRange * t
            return moveAlongDirection(&m, d, by: value - d.position(of: m.vae.z, along: i))
        case .wheelUp(_, let y), .wheelDown(_, let y):
            guard let i = g.dimension(atRow: y) else { return [] }
            m.vae.directionSelected = i
            let delta: Float = { if case .wheelUp = event { return VAEState.fineStep } else { return -VAEState.fineStep } }()
            return moveAlongDirection(&m, d, by: delta)
        }
    }

    /// The progression along a direction: z with its place along it set to −3 … +3 standard deviations.
    static func directionProgression(_ z: [Float], _ d: LatentDirections, along i: Int, count: Int) -> [[Float]] {
        let at = d.position(of: z, along: i)
        return (0..<count).map { k in
            let target = -directionRange + 2 * directionRange * Float(k) / Float(max(1, count - 1))
            return d.moved(z, along: i, by: target - at)
        }
    }

    /// A manifold axis as the title and status say it: the direction's name, or the dimension.
    static func manifoldAxisName(_ v: VAEState, x: Bool) -> String {
        if let a = x ? v.manifoldDirections.x : v.manifoldDirections.y { return a.name }
        return "z\(x ? v.manifoldDims.x : v.manifoldDims.y)"
    }
}
