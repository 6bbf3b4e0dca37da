import LatentNN
import LatentProjection
import TermRender

/// A key press, decoded by the backend from curses codes.
public enum Key: Equatable, Sendable {
    case up, down, left, right
    case shiftLeft, shiftRight, shiftUp, shiftDown
    case pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace
    case char(Character)
    case ctrl(Character)
    /// A sequence the terminal sent that is no key the app knows (an unlisted escape sequence, Alt+key,
    /// a function key): ignored, and named in the status line so the user sees it arrived.
    case unknown(String)
}

/// A mouse event in cell coordinates.
public enum MouseEvent: Equatable, Sendable {
    case press(x: Int, y: Int)
    case wheelUp(x: Int, y: Int)
    case wheelDown(x: Int, y: Int)
}

/// Everything that can happen to the app: input from the terminal, results of commands, time.
public enum Message: Sendable {
    case key(Key)
    case mouse(MouseEvent)
    case resize(width: Int, height: Int)
    /// Animation clock (sent only while something plays).
    case tick
    case decoded(Image)
    case stripDecoded(Panel, [Image])
    case imageEncoded(EncodedImage, reconstruction: Image)
    case datasetProgress(Double)
    /// How far a background UMAP has got (0…1).
    case projectionProgress(Double)
    /// The data's μ, labels, and each dimension's KL divergence from the prior averaged over the data
    /// (nats; empty for a deterministic autoencoder).
    case datasetEncoded(mus: [[Float]], labels: [Int], kl: [Float] = [])
    /// The next images' μ while a large data set is being encoded (in order, from image 0), their labels
    /// (empty for unlabelled data) and where they fall on the PCA scatter (x, y pairs); `pca` is the
    /// basis, fitted on the first part and sent with it.
    /// `index`: the nearest-point index of every point so far, built beside them in the background.
    case datasetEncodedPart(mus: [[Float]], labels: [Int], points: [Float], pca: PCA?, index: ScatterIndex? = nil)
    /// The data latents nearest image `index`'s μ (found in the background for a large data set).
    case neighboursFound(index: Int, [(index: Int, distance: Float)])
    /// Per image of the data: a measure the scatter can colour its points by.
    case datasetMeasured(ScatterColouring, [Float])
    case modelLoaded(ModelSummaryLine, vqShape: VQShape?)
    case quantized(QuantizedImage, reconstruction: Image)
    case gridsDecoded(GridBatch, [Image])
    case datasetQuantized(codes: [[Int]], vectors: [[Float]] = [], labels: [Int] = [])
    case codebookMapReady(CodebookMap)
    /// A grid drawn from the learned prior.
    case priorSampled([Int])
    /// The prior's view of `grid`: each cell's surprise (bits) and the likeliest codes for `cell`.
    case priorAnalysed(grid: [Int], cell: Int, surprise: [Float], top: [CodeProbability])
    /// 2-D coordinates (x, y pairs, flattened) of the dataset's latents, and the PCA behind them.
    /// `index`: the points' nearest-point index when it was built with them (a large data set).
    case projected(ProjectionMethod, [Float], pca: PCA?, index: ScatterIndex? = nil)
    /// A dataset image, shown in the scatter beside the cursor as the nearest point's preview.
    case peeked(index: Int, Image)
    /// The bookmarks stored for the model just opened.
    case bookmarksLoaded([Bookmark])
    /// Figures written (`S`), by file name.
    case figuresSaved([String])
    case failed(String)
    /// A direction set made in the background (`computeDirections`), or why it could not be.
    case directionsReady(LatentDirections)
    case directionsFailed(DirectionSet.Method, String)
}

/// Work the runtime does for the app: decoding (fast, done before the next frame), encoding the
/// dataset and loading models (in the background, reporting progress as messages).
public enum Command: Equatable, Sendable {
    case decode(z: [Float], label: Int?)
    case decodeStrip(Panel, zs: [[Float]], label: Int?)
    case computeDirections(DirectionRequest)
    /// Finds the data latents nearest `z` (image `index`'s μ), other than the image itself.
    case findNeighbours(index: Int, z: [Float])
    case encodeImage(index: Int)
    /// Image `shown` (nil: none) is open: `steps` (the images n and p open from it) may be opened ahead,
    /// so that a step to one shows it without waiting for the model.
    case openAhead(shown: Int?, steps: [Int])
    case encodeDataset
    /// How well the model reconstructs each data image (MSE of the decoded μ), in the background.
    case measureReconstructions
    case loadModel(path: String)
    case decodeGrid([Int])
    case decodeGrids(GridBatch, [[Int]])
    case quantizeImage(index: Int)
    case quantizeDataset
    case computeCodebookMap(ProjectionMethod, level: Int)
    /// Samples a grid from the prior, keeping the locked (non-nil) cells.
    case samplePrior(locked: [Int?], temperature: Float, seed: UInt64)
    /// Each cell's surprise under the prior and its likeliest codes for `cell` (in the background).
    case analyseGrid([Int], cell: Int)
    case project(ProjectionMethod, mus: [[Float]])
    /// Fetches the originals of dataset images as tiles for `batch` (the stats panel's "images that use
    /// this code", the map's images grouped by code).
    case showImages(GridBatch, [Int])
    /// Fetches a dataset image for the scatter's preview of the point nearest the cursor.
    case peekImage(index: Int)
    /// Writes the view's figures (PNG, GIF) as new files, each pixel a `scale`×`scale` block (nil: a
    /// scale that makes the image about 256 pixels a side).
    case saveFigures([FigureRequest], scale: Int?)
    /// Stores the model's bookmarks (all of them, replacing the file).
    case saveBookmarks([Bookmark])
    case quit
}

extension Command {
    /// A discrete step whose result the next key builds on: opening an image (n and p step from the image
    /// open, an edit applies to its grid). Unlike decodes of the current state, it is never merged away.
    public var isStep: Bool {
        switch self {
        case .encodeImage, .quantizeImage: return true
        default: return false
        }
    }
}

/// Grid height and width, codebook size and code dimension of a VQ-VAE, and whether it has a prior.
public struct VQShape: Equatable, Sendable {
    /// `codes`: per level; `levels`: codes per cell (a residual VQ's Q, else 1).
    public var height: Int, width: Int, codes: Int, dim: Int, levels: Int
    public var hasPrior: Bool
    /// FSQ's levels per dimension (its codes are their mixed-radix numbers); empty for a stored codebook.
    public var scalarLevels: [Int]
    public init(height: Int, width: Int, codes: Int, dim: Int, hasPrior: Bool = false, levels: Int = 1, scalarLevels: [Int] = []) {
        self.height = height
        self.width = width
        self.codes = codes
        self.dim = dim
        self.hasPrior = hasPrior
        self.levels = levels
        self.scalarLevels = scalarLevels
    }

    /// One grid per code of level `level`: every cell that code at that level and no code at the others
    /// (a negative code: the level left out), so that each tile shows what the code alone decodes to.
    public func aloneGrids(level: Int) -> [[Int]] {
        (0..<codes).map { code in (0..<(height * width * levels)).map { $0 % levels == level ? code : -1 } }
    }
}

/// A code and the prior's probability for it.
public struct CodeProbability: Equatable, Sendable {
    public var code: Int, probability: Float
    public init(code: Int, probability: Float) {
        self.code = code
        self.probability = probability
    }
}
