import LatentNN
import TermRender

/// The whole state of the explorer: a value, changed only by `update`, drawn only by `view`.
public struct AppModel: Sendable {
    public var width: Int
    public var height: Int
    public var capability: ColorCapability
    public var renderMode: RenderMode = .half
    public var colorMap: ColorMap = .grey
    /// Braille: ordered dithering instead of a 50 % threshold (shows grey levels as dot density).
    public var dither = false
    /// Named latents of this model, kept across sessions (the runtime loads and stores them).
    public var bookmarks: [Bookmark] = []
    /// How the terminal draws images in pixels (tiles are then sized in pixels); nil: glyphs only.
    public var pixels: PixelGraphics?
    /// Figures written with `S`: model pixels per figure pixel (nil: about 256 pixels a side).
    public var figureScale: Int?
    public var overlay: Overlay?
    public var status = ""
    public var model: ModelSummaryLine
    /// Model files the picker offers.
    public var modelPaths: [String]
    /// What the picker says beside each (the model's dataset); may be shorter than `modelPaths`.
    public var modelNotes: [String] = []
    public var vae: VAEState
    /// Dataset encoding in the background: nil when done.
    public var datasetProgress: Double? = 0
    public var quitting = false
    /// Images the explorer can step through with n/p.
    public var datasetCount = 0
    /// The data image asked for (n, p, Enter, a scatter click) whose encoding has not arrived yet: with
    /// a slow model it is encoded in the background, and the next n steps on from it.
    public var requestedImage: Int?

    /// The VQ-VAE mode's state (meaningful when a VQ-VAE is loaded).
    public var vq: VQState
    /// The scatter panel (VAE mode).
    public var scatter = ScatterState()

    public init(width: Int, height: Int, capability: ColorCapability, model: ModelSummaryLine, modelPaths: [String] = [],
                vqShape: VQShape? = nil) {
        self.width = width
        self.height = height
        self.capability = capability
        self.model = model
        self.modelPaths = modelPaths
        vae = VAEState(latentDim: model.latentDim, classCount: model.kind == .cvae ? model.classNames.count : 0)
        vae.isDeterministic = model.kind == .ae
        vae.latentShape = model.latentShape
        vq = VQState(height: vqShape?.height ?? 0, width: vqShape?.width ?? 0, codebookSize: vqShape?.codes ?? 0,
                     levels: vqShape?.levels ?? 1, scalarLevels: vqShape?.scalarLevels ?? [])
        vq.hasPrior = vqShape?.hasPrior ?? false
    }

    public var isVQ: Bool { model.kind == .vqvae }

    /// How images are drawn, as the header names it: half blocks need colours, so without them they are
    /// ASCII; the colour map means nothing without colours.
    public var drawnAs: String {
        guard capability == .monochrome else { return "\(renderMode.rawValue) · \(colorMap.rawValue)" }
        return renderMode == .half ? "ascii (no colours)" : "\(renderMode.rawValue) (no colours)"
    }

    /// Whether something animates (the runtime then sends ticks): only in the panel that shows what plays.
    public var isAnimating: Bool {
        !isVQ && ((vae.panel == .interpolation && vae.interpolation?.playing == true) || (vae.panel == .scatter && scatter.walkFrame != nil))
    }

    public static let minimumWidth = 80, minimumHeight = 24
    public var isTooSmall: Bool { width < Self.minimumWidth || height < Self.minimumHeight }
}

/// A pixel protocol in use and the terminal's cell size.
public struct PixelGraphics: Equatable, Sendable {
    /// "kitty" or "sixel", as the status bar says it.
    public var name: String
    public var cell: PixelSize
    public init(name: String, cell: PixelSize) {
        self.name = name
        self.cell = cell
    }
}

public enum Overlay: Equatable, Sendable {
    case help
    case modelPicker(selection: Int)
    /// Renaming bookmark `index` (`r` in the list).
    case nameBookmark(index: Int, text: String)
    /// Typing the number of a data image to open (`:`).
    case goToImage(text: String)
    /// The bookmarks of this model (`'`).
    case bookmarks(selection: Int)
}

/// The continuous-latent mode: sliders over z, the decoded digit, and the views built on them.
public struct VAEState: Sendable {
    public var latentDim: Int
    /// 0 for an unconditional VAE; the number of classes for a conditional one.
    public var classCount: Int
    public var z: [Float]
    public var selected = 0
    /// Per-dimension slider range: −3…3, widened to cover the data's μ once it is encoded.
    public var ranges: [ClosedRange<Float>]
    public var label = 0
    public var image: Image?
    /// The dataset image opened (n, p, Enter), its posterior and reconstruction: kept while z is edited
    /// from it, dropped when z is replaced (sample, reset, prototype, bookmark, playback).
    public var current: EncodedImage?
    /// The data images whose μ lie nearest the opened image's (latent distance), nearest first.
    public var neighbours: [(index: Int, distance: Float)] = []
    public var reconstruction: Image?
    /// Mean μ per class (seed 002's prototypes), once the dataset is encoded.
    public var prototypes: [[Float]] = []
    public var panel: Panel = .progression
    public var strip: [Image] = []
    /// The manifold grid's two dimensions: the two most active once the data is encoded, until the user
    /// picks with x / y.
    public var manifoldDims: (x: Int, y: Int) = (0, 1)
    public var manifoldDimsChosen = false
    /// A manifold axis put on a direction (`x` / `y` with a direction set shown) instead of a dimension.
    public var manifoldDirections: (x: DirectionAxis?, y: DirectionAxis?) = (nil, nil)
    /// Each dimension's variance of μ over the data (empty until it is encoded). Below
    /// `inactiveVariance` a dimension is inactive: the encoder ignores it and every image decodes alike
    /// along it (Burda et al. 2016's active-unit test, the one `latent eval` reports).
    public var activity: [Float] = []
    public static let inactiveVariance: Float = 0.01
    /// A deterministic autoencoder has no prior for its dimensions to collapse to: none is inactive.
    public var isDeterministic = false
    /// The latent's own shape: [z], or [C, h, w] for a spatial latent, whose values the sliders hold
    /// flattened in that order.
    public var latentShape: [Int] = []
    /// The spatial latent view's region, scope, colouring and clipboard (a [C, h, w] latent only).
    public var spatial = SpatialState()
    /// What the sliders move along: the latent's own dimensions (`raw`), or a direction set (`D`); the
    /// set once made, the selected direction, and whether one is being made.
    public var directionMethod: DirectionSet.Method = .raw
    public var directions: LatentDirections?
    public var directionSelected = 0
    public var directionsPending = false
    /// The data's μ placed along each direction of the set (k × n, in standard deviations): the shade
    /// behind each direction's slider.
    public var directionPositions: [[Float]] = []
    /// How A → B is walked (the strip and the morph): straight, or along the great circle (`t`).
    public var path: LatentNN.Interpolation = .linear

    /// Each dimension's KL divergence from the prior, averaged over the data (nats): what the encoder
    /// spends on it. Empty until the data is encoded, and for a deterministic autoencoder.
    public var kl: [Float] = []
    public func isInactive(_ d: Int) -> Bool { !isDeterministic && d < activity.count && activity[d] < VAEState.inactiveVariance }
    public var manifold: [Image] = []
    /// The posterior panel: the largest per-pixel standard deviation across its samples (the spread
    /// tile is scaled by its inverse, so the tile's white is this value).
    public var posteriorSpread: Float?
    /// What the posterior strip shown (or on its way) was decoded for: the image, the conditioning label
    /// and the number of samples. A slider move changes none of them, so it must not decode the strip again.
    var posteriorStripFor: PosteriorStripKey?
    public var manifoldShape: (columns: Int, rows: Int) = (0, 0)
    public var markA: [Float]?
    public var markB: [Float]?
    public var interpolation: Interpolation?
    /// The decoded image (and z) is frame `index` of `count` of a morph or walk being played; nil when z
    /// was set by the user or by an opened image.
    public var frame: (index: Int, count: Int)?
    /// Seeded sampler for z ~ N(0, I), so sessions and tests repeat.
    public var samples = 0

    public static let fineStep: Float = 0.1, coarseStep: Float = 0.5
    public static let defaultRange: ClosedRange<Float> = -3...3

    public init(latentDim: Int, classCount: Int) {
        self.latentDim = latentDim
        self.classCount = classCount
        z = [Float](repeating: 0, count: latentDim)
        ranges = [ClosedRange<Float>](repeating: Self.defaultRange, count: latentDim)
    }

    public var isConditional: Bool { classCount > 0 }

    /// The one axis every slider is drawn on: all the rows' ranges together, so the labels under the
    /// sliders are true for each row and 0 is in one column.
    public var sliderAxis: ClosedRange<Float> {
        guard let lo = ranges.map(\.lowerBound).min(), let hi = ranges.map(\.upperBound).max() else { return Self.defaultRange }
        return lo...hi
    }
    public var conditioningLabel: Int? { isConditional ? label : nil }
}

/// What the bottom panel shows (and what a strip of decoded tiles is for).
public enum Panel: String, Equatable, Sendable, CaseIterable {
    /// The selected dimension swept over its range (seed 002's "neuron progression").
    case progression
    /// Two dimensions varied over a grid, the others held at the current z.
    case manifold
    /// From mark A to mark B.
    case interpolation
    /// The opened image's posterior: decodes of z ~ N(μ, σ²), and how much its pixels vary across them
    /// (the reparameterisation view of the VAE Explainer).
    case posterior
    /// The dataset's latents projected to 2-D (PCA, UMAP or t-SNE), coloured by class, with a cursor.
    case scatter
}

public struct Interpolation: Equatable, Sendable {
    public var frame = 0
    public var playing = true
    public static let frames = 24
}

/// The opened image, label and sample count a posterior strip was decoded for.
struct PosteriorStripKey: Equatable, Sendable {
    var index: Int, label: Int?, samples: Int
}
