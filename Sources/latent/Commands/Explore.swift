import ArgumentParser
import ExplorerApp
import Foundation
import LatentCore
import LatentIO
import LatentNN
import TermRender
import TerminalBackend

/// `latent` (no arguments) or `latent explore`: the terminal explorer.
struct Explore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the terminal explorer (the default): sliders over the latent space, decoded live.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var data: DataOptions
    @Option(name: .customLong("labels"), help: ArgumentHelp("Integer labels (.npy) for images given as .npy.", valueName: "path"))
    var labels: String?
    @Option(help: "Image rendering: half (▀, colour), braille (⠿) or ascii.") var render: RenderMode?
    @Option(help: "Images in real pixels: auto (ask the terminal), kitty, sixel or off (glyphs only).")
    var graphics: GraphicsMode = .auto
    @Option(help: "Figures saved with S (into the current folder): each model pixel becomes an N×N block, 1…16 (default: about 256 pixels per image, 96 per tile).")
    var figureScale: Int?

    func validate() throws {
        if let figureScale, !(1...16).contains(figureScale) { throw ValidationError("--figure-scale must be 1…16") }
    }

    func run() throws {
        ComputeThreads.useSingle()  // batch-1 decodes: a BLAS thread pool costs more than it saves
        ComputeThreads.flushSubnormalsOnThisThread()
        let path = try model.resolvedPath()
        let latent = try loadLatentModel(path)
        let engine = try ExplorerEngine.open(latent, path: path, data: try data.images(for: latent, labels: labels, lazily: true))
        let modelPaths = Self.modelFiles(near: path)
        let support = GraphicsDetection.detect(mode: graphics)
        let terminal = try Terminal(graphics: support)
        defer { terminal.restore() }
        let size = terminal.size
        var app = AppModel(width: size.width, height: size.height, capability: terminal.capability,
                           model: engine.summary, modelPaths: modelPaths, vqShape: engine.vqShapeValue)
        app.modelNotes = modelPaths.map(dataNote(forModelAt:))
        app.renderMode = render ?? (terminal.unicode ? .half : .ascii)
        app.figureScale = figureScale
        if !terminal.unicode { app.status = "locale is not UTF-8: drawing with ASCII" }
        if support.kind != .none, let cell = support.cell { app.pixels = PixelGraphics(name: support.kind.rawValue, cell: cell) }
        let runtime = Runtime(model: app, engine: engine)
        runtime.backgroundDecodeBudget = Runtime.interactiveDecodeBudget
        runtime.backgroundImageBudget = Runtime.interactiveImageBudget
        runtime.bookmarkStore = BookmarkStore.defaultDirectory().map(BookmarkStore.init)
        runtime.figureDirectory = FileManager.default.currentDirectoryPath
        runtime.start()
        var lastTick = Date()
        var dirty = true
        while !runtime.model.quitting && !Terminal.stopRequested {
            if dirty { terminal.draw(Explorer.view(runtime.model)) }
            let animating = runtime.model.isAnimating
            var messages = terminal.readEvents(timeout: animating ? 15 : 50)
            if animating && Date().timeIntervalSince(lastTick) >= 0.06 {
                messages.append(.tick)
                lastTick = Date()
            }
            dirty = runtime.handle(messages)
        }
        // Background work (dataset encoding, UMAP) may still be running. A normal exit would run the
        // libraries' destructors (OpenBLAS frees its buffers) under those threads' feet, so once the
        // terminal is restored the process ends at once.
        terminal.restore()
        fflush(nil)
        _exit(Terminal.stopRequested && !runtime.model.quitting ? 130 : 0)
    }

    /// Every model file in the folder of `path` and in Weights/, for the picker.
    static func modelFiles(near path: String) -> [String] {
        var folders = [(path as NSString).deletingLastPathComponent]
        if let weights = ShippedData.weightsDirectory() { folders.append(weights) }
        var seen = Set<String>(), out: [String] = []
        for folder in folders {
            let dir = folder.isEmpty ? "." : folder
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
            where name.hasSuffix(".safetensors") || (ModelManifest.isManifest(name) && (try? ModelManifest.load((dir as NSString).appendingPathComponent(name))) != nil) {
                let full = (dir as NSString).appendingPathComponent(name)
                // One entry per file, however its folder was named (relative to here, or absolute).
                let absolute = full.hasPrefix("/") ? full : FileManager.default.currentDirectoryPath + "/" + full
                let key = ((absolute as NSString).resolvingSymlinksInPath as NSString).standardizingPath
                if seen.insert(key).inserted { out.append(full) }
            }
        }
        return out
    }
}

extension RenderMode: ExpressibleByArgument {}
extension GraphicsMode: ExpressibleByArgument {}
