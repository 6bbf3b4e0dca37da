import LatentNN
import LatentCore
import TermRender

/// The app's logic: `update` changes the model for a message and returns the work to do.
/// Pure apart from the commands it returns, so every key can be tested without a terminal or a model.
public enum Explorer {
    /// What to run when the app starts: decode the first z, and encode the dataset in the background
    /// (and open ahead the image n or p opens first).
    public static func start(_ m: inout AppModel) -> [Command] {
        m.isVQ ? startVQ(&m) : [.encodeDataset] + refresh(&m) + openAhead(m, from: nil)
    }

    public static func update(_ m: inout AppModel, _ message: Message) -> [Command] {
        let commands = apply(message, &m)
        keepInRange(&m)
        return commands
    }

    /// Whatever changed the screen or the data (a resize, a render mode, a new model), positions the
    /// views index with stay inside what they index.
    static func keepInRange(_ m: inout AppModel) {
        let plot = scatterPlot(m)
        if plot.width > 0, plot.height > 0 {
            m.scatter.cursor = (min(max(0, m.scatter.cursor.column), plot.width - 1), min(max(0, m.scatter.cursor.row), plot.height - 1))
        }
    }

    static func apply(_ message: Message, _ m: inout AppModel) -> [Command] {
        guard fits(message, m) else { return [] }
        switch message {
        case .key(let key): return handle(key, &m)
        case .mouse(let event): return handle(event, &m)
        case .resize(let w, let h):
            m.width = max(1, w)
            m.height = max(1, h)
            return refreshPanel(&m)
        case .tick:
            guard m.isAnimating else { return [] }
            let period = 2 * Interpolation.frames
            if m.vae.panel == .scatter, let frame = m.scatter.walkFrame {
                m.scatter.walkFrame = frame + 1
                return walkFrameLatent(m.scatter, frame: frame + 1, path: m.vae.path).map { showFrame(&m, $0, index: (frame + 1) % period, count: period) } ?? []
            }
            guard var anim = m.vae.interpolation else { return [] }
            anim.frame = (anim.frame + 1) % period
            m.vae.interpolation = anim
            return showFrame(&m, interpolationFrame(m.vae), index: anim.frame, count: period)
        case .decoded(let image):
            if m.isVQ { m.vq.image = image } else { m.vae.image = image }
            return []
        case .stripDecoded(let kind, let images):
            if kind == .manifold {
                m.vae.manifold = images
            } else if kind == m.vae.panel {
                m.vae.strip = images
                if kind == .posterior, let spread = posteriorSpread(images) {
                    // The samples, then how much each pixel varies across them.
                    m.vae.strip.append(spread.image)
                    m.vae.posteriorSpread = spread.largest
                }
            }
            return []
        case .imageEncoded(let encoded, let reconstruction):
            // The runtime delivers only the newest open's result: what was asked for has come.
            m.requestedImage = nil
            m.vae.current = encoded
            // A pass over every latent: past a frame's worth, made in the background.
            let later = m.scatter.mus.count >= neighboursInFrameLimit
            m.vae.neighbours = later ? [] : nearestData(m.scatter.mus, to: encoded.mu, excluding: encoded.index)
            m.vae.reconstruction = reconstruction
            m.vae.z = encoded.mu
            if m.vae.isConditional { m.vae.label = encoded.label }
            m.status = "image \(encoded.index) · label \(m.model.classNames[safe: encoded.label] ?? "?")"
            // z = μ with the image's label decodes to the reconstruction, already decoded with them.
            return refresh(&m, decoded: reconstruction) + (later ? [.findNeighbours(index: encoded.index, z: encoded.mu)] : [])
                + openAhead(m, from: encoded.index)
        case .neighboursFound(let index, let list):
            if m.vae.current?.index == index { m.vae.neighbours = list }
            return []
        case .projectionProgress(let p):
            if m.scatter.method != .pca && m.scatter.points.isEmpty { m.status = "computing \(m.scatter.method.title)… \(Int(p * 100))%" }
            return []
        case .datasetProgress(let p):
            m.datasetProgress = p
            return []
        case .datasetEncodedPart(let mus, let labels, let points, let pca, let index):
            return scatterGrew(&m, mus: mus, labels: labels, points: points, pca: pca, index: index)
        case .datasetEncoded(let mus, let labels, let kl):
            m.vae.kl = kl
            m.datasetProgress = nil
            widenRanges(&m.vae, to: mus)
            m.vae.activity = muVariances(mus, dims: m.vae.latentDim)
            if !m.vae.manifoldDimsChosen, m.vae.latentDim >= 2 {
                // The grid opens on the two dimensions that vary most: an inactive one would repeat
                // the same image along its axis.
                let order = m.vae.activity.indices.sorted { m.vae.activity[$0] > m.vae.activity[$1] || (m.vae.activity[$0] == m.vae.activity[$1] && $0 < $1) }
                m.vae.manifoldDims = (order[0], order[1])
            }
            m.vae.prototypes = classMeans(mus, labels: labels, classes: m.model.classNames.count)
            let colouring = m.scatter.colouring, streamed = m.scatter
            m.scatter = ScatterState()
            if streamed.pcaPoints.count == mus.count {
                // The scatter that grew during the encoding stays until the PCA of all of it replaces it.
                m.scatter.pcaPoints = streamed.pcaPoints
                m.scatter.pca = streamed.pca
                m.scatter.cursor = streamed.cursor
            }
            m.scatter.mus = mus
            m.scatter.labels = labels
            m.scatter.measures[.norm] = mus.map { $0.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot() }
            var neighbours: [Command] = []
            if let cur = m.vae.current {
                if mus.count >= neighboursInFrameLimit { neighbours = [.findNeighbours(index: cur.index, z: cur.mu)] }
                else { m.vae.neighbours = nearestData(mus, to: cur.mu, excluding: cur.index) }
            }
            m.scatter.colouring = m.scatter.colourings.contains(colouring) ? colouring : .classes
            if let d = m.vae.shownDirections {
                m.vae.directionPositions = (0..<d.count).map { i in mus.map { d.position(of: $0, along: i) } }
            }
            // A set that waited for the data's μ (PCA) is made now.
            let waiting = m.vae.directionMethod != .raw && m.vae.directions == nil && !m.vae.directionsPending
            return refreshPanel(&m) + [.project(.pca, mus: mus), .measureReconstructions] + neighbours + (waiting ? requestDirections(&m) : [])
        case .projected(let method, let flat, let pca, let index):
            let pts = stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) }
            switch method {
            case .pca: m.scatter.pcaPoints = pts; m.scatter.pca = pca
            case .umap: m.scatter.umapPoints = pts
            case .tsne: m.scatter.tsnePoints = pts
            }
            m.scatter.adopt(index, for: method)
            if m.scatter.cursor == (0, 0), !m.isVQ || m.vq.cells > 0 {
                let plot = scatterPlot(m)
                m.scatter.cursor = (max(0, plot.width / 2), max(0, plot.height / 2))
            }
            if method != .pca && m.status.hasPrefix("computing \(method.title)") { m.status = "\(method.title) ready" }
            return nearestToCursor(m).map { [.peekImage(index: $0)] } ?? []
        case .peeked(let index, let image):
            m.scatter.peek = (index, image)
            return []
        case .modelLoaded(let summary, let shape):
            m.model = summary
            m.scatter = ScatterState()
            m.vae = VAEState(latentDim: summary.latentDim, classCount: summary.kind == .cvae ? summary.classNames.count : 0)
            m.vae.isDeterministic = summary.kind == .ae
            m.vae.latentShape = summary.latentShape
            m.vq = VQState(height: shape?.height ?? 0, width: shape?.width ?? 0, codebookSize: shape?.codes ?? 0, levels: shape?.levels ?? 1,
                       scalarLevels: shape?.scalarLevels ?? [])
            m.vq.hasPrior = shape?.hasPrior ?? false
            m.bookmarks = []
            m.requestedImage = nil
            m.datasetProgress = 0
            m.status = "loaded \(summary.name)"
            return start(&m)
        case .quantized, .gridsDecoded, .datasetQuantized, .codebookMapReady, .priorSampled, .priorAnalysed:
            return updateVQ(&m, message)
        case .directionsReady, .directionsFailed:
            return directionsArrived(&m, message)
        case .datasetMeasured(let measure, let values):
            m.scatter.measures[measure] = values
            return []
        case .bookmarksLoaded(let marks):
            m.bookmarks = marks.filter { fits($0, m) }
            return []
        case .figuresSaved(let names):
            m.status = "saved " + bracedNames(names)
            // The command that draws the saved latent again (its JSON has it with the model's full path).
            if let latent = names.first(where: { $0.hasSuffix(".npy") && ($0.contains("-z-") || $0.contains("-codes-")) }) {
                m.status += " · latent decode --model \(m.model.name) \(m.isVQ ? "--codes" : "--z") \(latent)"
                    + (m.vae.conditioningLabel.map { " --label \($0)" } ?? "")
            }
            return []
        case .failed(let why):
            m.status = why
            return []
        }
    }

    /// File names with their shared stem said once: `vae-z2-{image-1.png,morph-1.gif}`.
    static func bracedNames(_ names: [String]) -> String {
        guard names.count > 1, var prefix = names.first else { return names.first ?? "nothing" }
        for name in names.dropFirst() { prefix = String(prefix.prefix(zip(prefix, name).prefix { $0 == $1 }.count)) }
        if let dash = prefix.lastIndex(of: "-") { prefix = String(prefix[...dash]) } else { prefix = "" }
        return prefix + "{" + names.map { String($0.dropFirst(prefix.count)) }.joined(separator: ",") + "}"
    }

    // MARK: Keys

    /// A key: looked up in the bindings of the state's modes (`KeyMap`), topmost first, and performed.
    static func handle(_ key: Key, _ m: inout AppModel) -> [Command] {
        guard let (mode, binding) = resolve(key, m) else { return [] }
        return perform(binding.action, key: key, mode: mode, &m)
    }

    /// The mode and binding a key dispatches to in this state, if any.
    static func resolve(_ key: Key, _ m: AppModel) -> (KeyMode, KeyBinding)? {
        for mode in keyModes(m) {
            if let b = KeyMap.binding(for: key, in: mode) { return (mode, b) }
        }
        return nil
    }

    /// The layers of bindings a key is looked up in, topmost first.
    static func keyModes(_ m: AppModel) -> [KeyMode] {
        switch m.overlay {
        case .help: return [.help]
        case .modelPicker: return [.modelPicker]
        case .bookmarks: return [.bookmarks]
        case .nameBookmark: return [.naming]
        case .goToImage: return [.goTo]
        case nil: break
        }
        let plot = scatterPlot(m)
        let scatterShown = plot.width > 0 && plot.height > 0
        if m.isVQ {
            // A grid with no cells (no model yet) takes only the global keys.
            guard m.vq.cells > 0, m.vq.codebookSize > 0 else { return [.global] }
            switch m.vq.panel {
            case .scatter where scatterShown: return [.global, .vqScatter, .scatter, .vqGrid]
            case .map: return [.global, .vqMap, .vqGrid]
            default: return [.global, .vqGrid]
            }
        }
        // A spatial latent's cell grid takes the arrows and + - before the sliders (whose other keys,
        // s r n p a b i g tab, still apply).
        let latent: [KeyMode] = m.vae.spatialShape != nil && m.vae.directionMethod == .raw ? [.spatial, .sliders] : [.sliders]
        return m.vae.panel == .scatter && scatterShown ? [.global, .scatter] + latent : [.global] + latent
    }

    static func perform(_ action: KeyAction, key: Key, mode: KeyMode, _ m: inout AppModel) -> [Command] {
        switch mode {
        case .global: return performGlobal(action, key: key, &m)
        case .sliders: return performSliders(action, key: key, &m)
        case .spatial: return performSpatial(action, key: key, &m)
        case .scatter, .vqScatter: return performScatter(action, key: key, &m)
        case .vqGrid, .vqMap: return performVQ(action, key: key, &m)
        case .help, .modelPicker, .bookmarks, .naming, .goTo: return performOverlay(action, key: key, &m)
        }
    }

    /// Keys every mode shares.
    static func performGlobal(_ action: KeyAction, key: Key, _ m: inout AppModel) -> [Command] {
        switch action {
        case .cancel:
            // Quitting is deliberate (q, Ctrl-C): Esc only cancels what is under way. A terminal's stray
            // escape byte must never end a session and lose its sliders, edits and walks.
            if m.isVQ && !m.vq.entry.isEmpty {
                m.vq.entry = ""
                m.status = "code entry cancelled"
            } else if m.vae.spatial.anchor != nil {
                m.vae.spatial.anchor = nil
                m.status = "no region"
            } else if m.scatter.recording != nil {
                m.scatter.recording = nil
                m.status = "path recording cancelled"
            } else {
                m.status = "q quits"
            }
            return []
        case .unknownKey:
            guard case .unknown(let name) = key else { return [] }
            m.status = "\(name): no key here (? lists the keys)"
            return []
        case .quit:
            m.quitting = true
            return [.quit]
        case .help:
            m.overlay = .help
            return []
        case .modelPicker:
            m.overlay = .modelPicker(selection: max(0, m.modelPaths.firstIndex { $0.hasSuffix("/" + m.model.name) } ?? 0))
            return []
        case .nextRenderMode:
            m.renderMode = m.renderMode.next
            m.status = "render: \(m.renderMode.rawValue)"
            return m.isVQ ? [] : refreshPanel(&m)
        case .toggleColorMap:
            m.colorMap = m.colorMap == .grey ? .viridis : .grey
            m.status = "colour map: \(m.colorMap.rawValue)"
            return []
        case .bookmark:
            return addBookmark(&m)
        case .bookmarkList:
            guard !m.bookmarks.isEmpty else {
                m.status = "no bookmarks yet: B names the current \(m.isVQ ? "grid" : "latent")"
                return []
            }
            m.overlay = .bookmarks(selection: 0)
            return []
        case .saveFigures:
            let figures = figureRequests(m)
            guard !figures.isEmpty else {
                m.status = "nothing to save yet"
                return []
            }
            m.status = "saving " + figures.map { "\($0.name).\($0.fileExtension)" }.joined(separator: ", ") + "…"
            return [.saveFigures(figures, scale: m.figureScale)]
        case .goToImage:
            guard m.datasetCount > 0 else {
                m.status = "no data images to go to"
                return []
            }
            m.overlay = .goToImage(text: "")
            return []
        case .toggleDither:
            m.dither.toggle()
            m.status = "braille: \(m.dither ? "ordered dithering" : "threshold at 50 %")"
            return []
        default:
            return []
        }
    }

    /// The VAE mode's keys: the sliders, the panels, marks and the morph.
    static func performSliders(_ action: KeyAction, key: Key, _ m: inout AppModel) -> [Command] {
        if let commands = performDirections(action, &m) { return commands }
        switch action {
        case .nextDirections:
            return nextDirections(&m)
        case .interpolationPath:
            m.vae.path = m.vae.path == .linear ? .spherical : .linear
            m.status = "A → B: " + (m.vae.path == .linear ? "a straight line" : "the great circle (slerp)")
            return m.vae.panel == .interpolation ? refreshPanel(&m) : []
        case .pickDimension(let sign):
            m.vae.selected = sign == .up ? max(0, m.vae.selected - 1) : min(m.vae.latentDim - 1, m.vae.selected + 1)
            return m.vae.panel == .progression ? refreshPanel(&m) : []
        case .nudge(let step, let sign):
            let size = step == .fine ? VAEState.fineStep : VAEState.coarseStep
            return nudge(&m, by: sign == .up ? size : -size)
        case .sample:
            m.vae.samples += 1
            var rng = SeededRNG(seed: 2026, stream: UInt64(m.vae.samples))
            m.vae.z = (0..<m.vae.latentDim).map { _ in rng.nextNormal() }
            m.vae.current = nil
            m.status = "sampled z ~ N(0, I)"
            return refresh(&m)
        case .reset:
            m.vae.z = [Float](repeating: 0, count: m.vae.latentDim)
            m.vae.current = nil
            m.status = "z reset to 0"
            return refresh(&m)
        case .nextImage, .previousImage:
            guard let index = steppedImage(m, from: m.vae.current?.index, forward: action == .nextImage) else { return [] }
            return openImage(&m, index)
        case .prototypeOrClass:
            guard case .char(let c) = key, let digit = Int(String(c)) else { return [] }
            if m.vae.isConditional {
                guard digit < m.vae.classCount else { return [] }
                m.vae.label = digit
                m.status = "class \(m.model.classNames[digit])"
                return refresh(&m)
            }
            guard digit < m.vae.prototypes.count, !m.vae.prototypes[digit].isEmpty else {
                m.status = m.datasetProgress != nil ? "prototypes come once the dataset is encoded" : "no prototype for \(digit)"
                return []
            }
            m.vae.z = m.vae.prototypes[digit]
            m.vae.current = nil
            m.status = "prototype of \(m.model.classNames[safe: digit] ?? String(digit)): the mean μ of its images"
            return refresh(&m)
        case .previousClass:
            guard m.vae.isConditional else { return [] }
            m.vae.label = (m.vae.label + m.vae.classCount - 1) % m.vae.classCount
            return refresh(&m)
        case .nextClass:
            guard m.vae.isConditional else { return [] }
            m.vae.label = (m.vae.label + 1) % m.vae.classCount
            return refresh(&m)
        case .nextPanel:
            m.vae.panel = Panel.allCases[(Panel.allCases.firstIndex(of: m.vae.panel)! + 1) % Panel.allCases.count]
            return refreshPanel(&m)
        case .previousPanel:
            m.vae.panel = Panel.allCases[(Panel.allCases.firstIndex(of: m.vae.panel)! + Panel.allCases.count - 1) % Panel.allCases.count]
            return refreshPanel(&m)
        case .manifold:
            m.vae.panel = .manifold
            return refreshPanel(&m)
        case .manifoldAxisX, .manifoldAxisY:
            guard m.vae.latentDim >= 2 else { return [] }
            m.vae.manifoldDimsChosen = true
            // With a direction set shown, the axis takes the selected direction.
            let axis = m.vae.shownDirections.map { DirectionAxis($0, m.vae.directionSelected) }
            if action == .manifoldAxisX { m.vae.manifoldDirections.x = axis } else { m.vae.manifoldDirections.y = axis }
            if axis != nil {
                m.vae.panel = .manifold
                m.status = "manifold: \(manifoldAxisName(m.vae, x: true)) across →, \(manifoldAxisName(m.vae, x: false)) up ↑"
                return refreshPanel(&m)
            }
            if action == .manifoldAxisX {
                m.vae.manifoldDims.x = m.vae.selected
                if m.vae.manifoldDims.y == m.vae.selected { m.vae.manifoldDims.y = (m.vae.selected + 1) % m.vae.latentDim }
            } else {
                m.vae.manifoldDims.y = m.vae.selected
                if m.vae.manifoldDims.x == m.vae.selected { m.vae.manifoldDims.x = (m.vae.selected + 1) % m.vae.latentDim }
            }
            m.vae.panel = .manifold
            // Said as the title draws it: the y dimension grows upward, as on a plot.
            m.status = "manifold: \(manifoldAxisName(m.vae, x: true)) across →, \(manifoldAxisName(m.vae, x: false)) up ↑"
            return refreshPanel(&m)
        case .markA:
            m.vae.markA = m.vae.z
            m.status = "marked A"
            return m.vae.panel == .interpolation ? refreshPanel(&m) : []
        case .markB:
            m.vae.markB = m.vae.z
            m.status = "marked B"
            return m.vae.panel == .interpolation ? refreshPanel(&m) : []
        case .playMorph:
            guard m.vae.markA != nil, m.vae.markB != nil else {
                m.status = "mark two points first: a (start) and b (end)"
                return []
            }
            m.vae.panel = .interpolation
            m.vae.interpolation = Interpolation()
            m.status = "playing A → B · space pauses"
            return refreshPanel(&m)
        case .pauseMorph:
            guard m.vae.panel == .interpolation, var anim = m.vae.interpolation else { return [] }
            anim.playing.toggle()
            m.vae.interpolation = anim
            m.status = anim.playing ? "playing A → B · space pauses" : "paused"
            return []
        default:
            return []
        }
    }

    /// Keys under an overlay: the help, the model picker, the bookmark list and the rename prompt.
    static func performOverlay(_ action: KeyAction, key: Key, _ m: inout AppModel) -> [Command] {
        switch (m.overlay, action) {
        case (_, .closeOverlay):
            m.overlay = nil
            return []
        case (_, .quit):
            // q quits from anywhere, as the footer says: an overlay left open must not make it a no-op.
            m.overlay = nil
            m.quitting = true
            return [.quit]
        case (.modelPicker(let s), .selectUp):
            m.overlay = .modelPicker(selection: max(0, s - 1))
            return []
        case (.modelPicker(let s), .selectDown):
            m.overlay = .modelPicker(selection: min(max(0, m.modelPaths.count - 1), s + 1))
            return []
        case (.modelPicker(let s), .choose):
            m.overlay = nil
            guard m.modelPaths.indices.contains(s) else { return [] }
            m.status = "loading \(m.modelPaths[s])…"
            return [.loadModel(path: m.modelPaths[s])]
        case (.bookmarks(let s), _):
            return performBookmarkList(action, selection: s, &m)
        case (.goToImage(let text), .typeText):
            guard case .char(let c) = key, text.count < 7 else { return [] }
            m.overlay = .goToImage(text: text + String(c))
            return []
        case (.goToImage(let text), .eraseText):
            m.overlay = .goToImage(text: String(text.dropLast()))
            return []
        case (.goToImage(let text), .choose):
            m.overlay = nil
            guard let index = Int(text), (0..<m.datasetCount).contains(index) else {
                m.status = text.isEmpty ? "no image number typed" : "no image \(text): the data has 0…\(m.datasetCount - 1)"
                return []
            }
            return openImage(&m, index)
        case (.nameBookmark(let index, let text), _):
            return performNaming(action, key: key, index: index, text: text, &m)
        default:
            return []
        }
    }

    static func handle(_ event: MouseEvent, _ m: inout AppModel) -> [Command] {
        guard m.overlay == nil else { return [] }
        if let commands = handleScatterMouse(event, &m) { return commands }
        if m.isVQ {
            guard case .press(let x, let y) = event else { return [] }
            guard let cell = VQLayout(width: m.width, height: m.height, vq: m.vq).cell(atX: x, y: y, vq: m.vq) else { return [] }
            m.vq.cursor = cell
            return cursorMoved(&m)
        }
        let layout = Layout(width: m.width, height: m.height, latentDim: m.vae.latentDim, renderMode: m.renderMode)
        if let commands = handleDirectionMouse(event, &m, box: m.vae.panel == .manifold ? layout.manifoldSliders : layout.sliders) {
            return commands
        }
        // A spatial latent has no slider per dimension to hit: its grid and channel sliders answer.
        if m.vae.spatialShape != nil { return handleSpatialMouse(event, &m, layout: layout) ?? [] }
        switch event {
        case .press(let x, let y):
            guard let (dim, value) = sliderHit(layout, m.vae, x: x, y: y) else { return [] }
            m.vae.selected = dim
            // An edit: the opened image stays as the reference (see `nudge`).
            if let value { m.vae.z[dim] = value }
            return refresh(&m)
        case .wheelUp(let x, let y), .wheelDown(let x, let y):
            guard let (dim, _) = sliderHit(layout, m.vae, x: x, y: y) else { return [] }
            m.vae.selected = dim
            let delta: Float = { if case .wheelUp = event { return VAEState.fineStep } else { return -VAEState.fineStep } }()
            return nudge(&m, by: delta)
        }
    }

    // MARK: Latent changes

    static func nudge(_ m: inout AppModel, by delta: Float) -> [Command] {
        let d = m.vae.selected
        let r = m.vae.ranges[d]
        // Snap to the step grid so repeated presses land on round values.
        let stepped = ((m.vae.z[d] + delta) / VAEState.fineStep).rounded() * VAEState.fineStep
        m.vae.z[d] = min(max(stepped, r.lowerBound), r.upperBound)
        // The opened image, its reconstruction and μ ± σ stay pinned while its z is edited: the edit is
        // seen against them (the big image is titled with how far it moved from the reconstruction).
        return refresh(&m)
    }

    /// Decode z and rebuild the panel. z was set by the user or an image: playback stops, or its next
    /// frame would overwrite what they chose.
    /// `decoded`: z's image, when it is at hand.
    static func refresh(_ m: inout AppModel, decoded: Image? = nil) -> [Command] {
        stopPlayback(&m)
        m.vae.frame = nil
        var decode: [Command] = [.decode(z: m.vae.z, label: m.vae.conditioningLabel)]
        if let decoded {
            m.vae.image = decoded
            decode = []
        }
        return decode + refreshPanel(&m) + directionsFollow(&m)
    }

    static func stopPlayback(_ m: inout AppModel) {
        m.vae.interpolation?.playing = false
        m.scatter.walkFrame = nil
    }

    /// n, p, Enter: the image replaces whatever played (its frames must not land in the box titled
    /// "reconstruction").
    static func openImage(_ m: inout AppModel, _ index: Int) -> [Command] {
        if !m.isVQ { stopPlayback(&m) }
        m.requestedImage = index
        return [m.isVQ ? .quantizeImage(index: index) : .encodeImage(index: index)]
    }

    /// The image n or p opens: one on from the image asked for last (still encoding, with a slow model)
    /// or else the one shown, so that every press counts.
    static func steppedImage(_ m: AppModel, from shown: Int?, forward: Bool) -> Int? {
        let count = m.datasetCount
        guard count > 0 else { return nil }
        return (m.requestedImage ?? shown).map { step($0, forward: forward, count: count) } ?? 0
    }

    static func step(_ index: Int, forward: Bool, count: Int) -> Int { (index + (forward ? 1 : count - 1)) % count }

    /// Image `index` was opened (nil: the explorer started with none): the images n and p open from it
    /// are the likeliest next, so they are opened ahead.
    static func openAhead(_ m: AppModel, from index: Int?) -> [Command] {
        let count = m.datasetCount
        guard let index else { return count > 0 ? [.openAhead(shown: nil, steps: [0])] : [] }
        guard count > 1 else { return [] }
        return [.openAhead(shown: index, steps: [step(index, forward: true, count: count), step(index, forward: false, count: count)])]
    }

    /// A played frame becomes z: the sliders, ‖z‖ and the scatter's marker follow it, and the big image
    /// is titled as the frame it is. The opened image, if any, is left.
    static func showFrame(_ m: inout AppModel, _ z: [Float], index: Int, count: Int) -> [Command] {
        m.vae.z = z
        m.vae.current = nil
        m.vae.reconstruction = nil
        m.vae.frame = (index, count)
        return [.decode(z: z, label: m.vae.conditioningLabel)]
    }

    /// The decode work the bottom panel (or the manifold grid) needs for the current state.
    static func refreshPanel(_ m: inout AppModel) -> [Command] {
        let v = m.vae
        // The VQ-VAE mode has no sliders (its VAE state is empty): a resize there must not index it.
        guard !m.isVQ, v.latentDim > 0 else { return [] }
        let layout = Layout(width: m.width, height: m.height, latentDim: v.latentDim, renderMode: m.renderMode, pixelCell: m.pixels?.cell)
        // Another panel's strip replaces the posterior's: back in it, its strip is decoded again.
        if v.panel != .posterior { m.vae.posteriorStripFor = nil }
        switch v.panel {
        case .progression:
            let n = layout.stripTiles
            guard n > 0 else { return [] }
            if let d = v.shownDirections {
                return [.decodeStrip(.progression, zs: directionProgression(v.z, d, along: v.directionSelected, count: n), label: v.conditioningLabel)]
            }
            let zs = LatentPaths.progression(v.z, dim: v.selected, range: v.ranges[v.selected], count: n)
            return [.decodeStrip(.progression, zs: zs, label: v.conditioningLabel)]
        case .manifold:
            let (cols, rows) = layout.manifoldGrid
            guard cols > 0, rows > 0, v.latentDim >= 2 else { return [] }
            m.vae.manifoldShape = (cols, rows)
            let (dx, dy) = v.manifoldDims
            var zs = LatentPaths.manifold(v.z, dims: (dx, dy), ranges: (v.ranges[dx], v.ranges[dy]), columns: cols, rows: rows)
            // An axis on a direction: −3σ … +3σ along it (left → right, bottom → top, as for a dimension);
            // the other axis as it is.
            if v.manifoldDirections.x != nil || v.manifoldDirections.y != nil {
                zs = (0..<(cols * rows)).map { i in
                    let col = i % cols, row = i / cols
                    var p = v.z
                    if let a = v.manifoldDirections.x {
                        p = a.placing(p, at: -directionRange + 2 * directionRange * Float(col) / Float(max(1, cols - 1)))
                    } else {
                        p[dx] = zs[i][dx]
                    }
                    if let b = v.manifoldDirections.y {
                        p = b.placing(p, at: directionRange - 2 * directionRange * Float(row) / Float(max(1, rows - 1)))
                    } else {
                        p[dy] = zs[i][dy]
                    }
                    return p
                }
            }
            return [.decodeStrip(.manifold, zs: zs, label: v.conditioningLabel)]
        case .scatter:
            return []
        case .posterior:
            // Samples of the opened image's posterior, seeded by the image: the same image, the same strip.
            let n = layout.stripTiles - 1
            guard n >= 2, let cur = v.current, !v.isDeterministic, cur.mu.count == v.latentDim, cur.sigma.count == v.latentDim else {
                m.vae.strip = []
                m.vae.posteriorStripFor = nil
                return []
            }
            let key = PosteriorStripKey(index: cur.index, label: v.conditioningLabel, samples: n)
            guard key != v.posteriorStripFor else { return [] }
            m.vae.posteriorStripFor = key
            let zs = (0..<n).map { i -> [Float] in
                var rng = SeededRNG(seed: 2026, stream: UInt64(cur.index) &* 64 &+ UInt64(i))
                return zip(cur.mu, cur.sigma).map { $0 + $1 * rng.nextNormal() }
            }
            return [.decodeStrip(.posterior, zs: zs, label: v.conditioningLabel)]
        case .interpolation:
            let n = layout.stripTiles
            // Without both marks there is no A → B line: the panel must not keep another panel's strip.
            guard n > 1, let a = v.markA, let b = v.markB else { m.vae.strip = []; return [] }
            let zs = LatentPaths.line(a, b, count: n, path: v.path)
            return [.decodeStrip(.interpolation, zs: zs, label: v.conditioningLabel)]
        }
    }

    /// The morph's current point: A → B → A, eased.
    static func interpolationFrame(_ v: VAEState) -> [Float] {
        guard let a = v.markA, let b = v.markB, let anim = v.interpolation else { return v.z }
        return LatentPaths.morphFrame(a, b, frame: anim.frame, half: Interpolation.frames, path: v.path)
    }

    /// Slider ranges cover the data: −3…3, widened to the 0.5th–99.5th percentile of μ (rounded out);
    /// a spatial latent's, each channel's spread (`spatialRanges`).
    static func widenRanges(_ v: inout VAEState, to mus: [[Float]]) {
        guard !mus.isEmpty else { return }
        // Percentiles of 100,000 evenly spaced latents are as good as of a million, and a frame's worth.
        let sample = evenSample(mus, limit: 100_000)
        if let shape = v.spatialShape {
            v.ranges = spatialRanges(sample, shape: shape)
            return
        }
        for d in 0..<v.latentDim {
            // The two percentiles by selection, not a sort of all 100,000 (ten sorts held the frame that
            // took the encoding's end for 60 ms).
            var values = sample.map { $0[d] }
            let lo = orderStatistic(&values, values.count / 200), hi = orderStatistic(&values, values.count - 1 - values.count / 200)
            v.ranges[d] = min(-3, (lo * 2).rounded(.down) / 2)...max(3, (hi * 2).rounded(.up) / 2)
        }
    }

    /// The value `values.sorted()[k]` holds, found by quickselect (the array is reordered on the way).
    static func orderStatistic(_ values: inout [Float], _ k: Int) -> Float {
        var lo = 0, hi = values.count - 1
        while lo < hi {
            // Median of three as the pivot, then Lomuto's partition: [lo, store) < pivot ≤ [store, hi].
            let mid = lo + (hi - lo) / 2
            if values[mid] < values[lo] { values.swapAt(mid, lo) }
            if values[hi] < values[lo] { values.swapAt(hi, lo) }
            if values[hi] < values[mid] { values.swapAt(hi, mid) }
            values.swapAt(mid, hi)
            let pivot = values[hi]
            var store = lo
            for i in lo..<hi where values[i] < pivot {
                values.swapAt(i, store)
                store += 1
            }
            values.swapAt(store, hi)
            if k == store { return values[k] }
            if k < store { hi = store - 1 } else { lo = store + 1 }
        }
        return values[k]
    }

    /// At most `limit` of `values`, evenly spaced, in order (all of them when there are no more).
    static func evenSample<T>(_ values: [T], limit: Int) -> [T] {
        guard values.count > limit, limit > 0 else { return values }
        let step = Double(values.count) / Double(limit)
        return (0..<limit).map { values[Int(Double($0) * step)] }
    }

    /// The variance of μ along each dimension over the data.
    ///
    /// One pass over the latents for all dimensions: a million latents are a million separate arrays,
    /// and a pass per dimension (ten of them) held the frame that took the encoding's end for 100 ms.
    static func muVariances(_ mus: [[Float]], dims: Int) -> [Float] {
        guard !mus.isEmpty, dims > 0 else { return [] }
        var sum = [Double](repeating: 0, count: dims), sumSq = [Double](repeating: 0, count: dims)
        for mu in mus {
            for d in 0..<min(dims, mu.count) { let v = Double(mu[d]); sum[d] += v; sumSq[d] += v * v }
        }
        let n = Double(mus.count)
        return (0..<dims).map { d in
            let mean = sum[d] / n
            return Float(max(0, sumSq[d] / n - mean * mean))
        }
    }

    /// Each class's mean latent (empty for a class with no image). The sums are one flat array: a
    /// nested one checked its row's uniqueness on every add, 40 ms over a million latents.
    static func classMeans(_ mus: [[Float]], labels: [Int], classes: Int) -> [[Float]] {
        guard let dim = mus.first?.count else { return [] }
        var sums = [Float](repeating: 0, count: classes * dim)
        var counts = [Int](repeating: 0, count: classes)
        for (mu, label) in zip(mus, labels) where label < classes {
            counts[label] += 1
            for j in 0..<dim { sums[label * dim + j] += mu[j] }
        }
        return (0..<classes).map { c in counts[c] == 0 ? [] : sums[(c * dim)..<((c + 1) * dim)].map { $0 / Float(counts[c]) } }
    }

    /// The slider row and value under a click (value nil when the click is on the label).
    static func sliderHit(_ layout: Layout, _ v: VAEState, x: Int, y: Int) -> (Int, Float?)? {
        let box = v.panel == .manifold ? layout.manifoldSliders : layout.sliders
        let geometry = SliderGeometry(box: box, count: v.latentDim, selected: v.selected)
        guard let dim = geometry.dimension(atRow: y) else { return nil }
        guard let track = geometry.track(row: y), x >= track.x, x < track.maxX else { return (dim, nil) }
        let axis = v.sliderAxis, r = v.ranges[dim]
        let t = Float(x - track.x) / Float(max(1, track.width - 1))
        let value = ((axis.lowerBound + t * (axis.upperBound - axis.lowerBound)) / VAEState.fineStep).rounded() * VAEState.fineStep
        return (dim, min(max(value, r.lowerBound), r.upperBound))
    }
}

