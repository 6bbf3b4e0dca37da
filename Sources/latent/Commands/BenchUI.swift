import ArgumentParser
import ExplorerApp
import Foundation
import LatentCore
import LatentIO
import LatentNN
import TermRender
import TerminalBackend

/// `latent bench ui`: key press → frame ready, measured over a scripted session at 120×40.
struct BenchUI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui",
        abstract: "Key → frame latency (update + decode + view + diff) over a scripted session, start-up time and memory.")

    @Option(help: "Model files (default: the shipped VAE z=10 and VQ-VAE).") var model: [String] = []
    @OptionGroup var data: DataOptions
    @Option(name: .customLong("labels"), help: ArgumentHelp("Integer labels (.npy) for images given as .npy.", valueName: "path"))
    var labels: String?
    @Option(help: "Keys in each scripted session.") var keys = 2000
    @Flag(help: "Press the keys while the data is still being encoded (a large --data), one every 20 ms as a person might, with frames for background results between them as the explorer draws them; then report when the scatter was complete.")
    var whileEncoding = false
    @Option(help: "Also put each frame's images through a pixel protocol (kitty or sixel, 6×13-px cells) and count the bytes.")
    var graphics: GraphicsMode = .off

    func validate() throws {
        guard (1...1_000_000).contains(keys) else { throw ValidationError("--keys must be 1…1,000,000") }
    }

    func run() throws {
        ComputeThreads.useSingle()
        ComputeThreads.flushSubnormalsOnThisThread()
        let firstFrame = ProcessClock.secondsSinceProcessStart()
        var paths = model
        if paths.isEmpty {
            guard let dir = ShippedData.weightsDirectory() else { throw ValidationError("cannot find Weights/; pass --model") }
            paths = [dir + "/vae-z10.safetensors", dir + "/vqvae-k32.safetensors"]
        }
        for (i, path) in paths.enumerated() {
            if i > 0 { print() }
            try session(path, startedAt: i == 0 ? firstFrame : nil)
        }
        print("resident memory: \(ProcessClock.memory())")
    }

    func session(_ path: String, startedAt: Double?) throws {
        let loadStart = DispatchTime.now().uptimeNanoseconds
        let latent = try loadLatentModel(path)
        let engine = try ExplorerEngine.open(latent, path: path, data: try data.images(for: latent, labels: labels, lazily: true))
        var app = AppModel(width: 120, height: 40, capability: .palette256, model: engine.summary, vqShape: engine.vqShapeValue)
        app.renderMode = .half
        var layer: ImageLayer?
        if graphics == .kitty || graphics == .sixel {
            let cell = PixelSize(width: 6, height: 13)
            layer = ImageLayer(GraphicsSupport(kind: graphics == .kitty ? .kitty : .sixel, cell: cell, reason: "bench"))
            app.pixels = PixelGraphics(name: graphics.rawValue, cell: cell)
        }
        var pixelBytes: [Int] = []
        let runtime = Runtime(model: app, engine: engine)
        runtime.backgroundDecodeBudget = Runtime.interactiveDecodeBudget
        runtime.backgroundImageBudget = Runtime.interactiveImageBudget
        runtime.start()
        var previous = Explorer.view(runtime.model)
        _ = previous.changes(since: nil)
        let firstFrameMs = Double(DispatchTime.now().uptimeNanoseconds - loadStart) / 1e6
        // Let the background dataset work finish so it does not share the core with the measurement.
        for _ in 0..<300 where !whileEncoding && (runtime.model.datasetProgress != nil || (runtime.model.isVQ && runtime.model.vq.map == nil)) {
            runtime.waitForBackground(seconds: 0.01)
        }
        let encodingAtStart = runtime.model.datasetProgress
        // A session as a person plays it. VAE: sliders back and forth, dimension changes, data stepping,
        // samples, prototypes, panels (progression, manifold grid, interpolation) and render modes.
        // VQ-VAE: cursor moves, code steps, typed codes, painting, undo/redo, data stepping, samples, panels.
        let script: [Key] = runtime.model.isVQ
            ? [.right, .char("+"), .char("+"), .down, .char("-"), .char("."), .char(" "), .left, .char("u"), .char("U"),
               .char("1"), .char("7"), .enter, .up, .char("b"), .char("r"), .char("n"), .tab, .right, .char("+"), .down,
               .tab, .char("."), .tab, .tab, .char("v"), .left, .char("+"), .char("v"), .char("s"), .char("p"), .char("m"),
               .char("+"), .char("m"), .char("m")]
            : [.right, .right, .right, .char("L"), .char("L"), .left, .char("H"), .down, .right, .right,
               .up, .char("s"), .char("n"), .char("n"), .char("p"), .char("3"), .char("7"), .char("r"),
               .tab, .right, .char("L"), .down, .tab, .char("a"), .char("L"), .char("b"), .char("i"),
               .tab, .char("m"), .right, .char("m"), .left, .char("m")]
        var samples: [Double] = [], cpuSamples: [Double] = []
        var kinds: [String: [Double]] = [:], byKey: [String: [Double]] = [:], byKeyCPU: [String: [Double]] = [:]
        // While encoding, what ran beside each key: the encoding itself, the work that follows it (the
        // reconstruction errors, the PCA of everything), or nothing; the goal is about the first.
        var phases: [String: [Double]] = [:]
        // When the scatter of every image was complete, and when all background work had ended: noted
        // as they happen (the key script may run on long after).
        var scatterCompleteAt: UInt64?, backgroundDoneAt: UInt64?
        func noteProgress() {
            guard whileEncoding else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            if scatterCompleteAt == nil, runtime.model.datasetProgress == nil, runtime.model.scatter.pca != nil,
               runtime.model.scatter.pcaPoints.count == engine.data.count { scatterCompleteAt = now }
            // Not waiting for the scatter: an encoding that stopped never completes it.
            if backgroundDoneAt == nil, runtime.model.datasetProgress == nil, runtime.hasNoBackgroundWork { backgroundDoneAt = now }
        }
        for i in 0..<keys {
            let key = script[i % script.count]
            let phase = runtime.model.datasetProgress != nil ? "the encoding" : runtime.hasNoBackgroundWork ? "nothing" : "the work after it"
            let t0 = DispatchTime.now().uptimeNanoseconds, cpu0 = Self.threadCPUSeconds()
            runtime.handle([.key(key)])
            noteProgress()
            var frame = Explorer.view(runtime.model)
            if var l = layer {
                let (cells, bytes) = l.frame(frame, repaintedAll: false)
                frame = cells
                layer = l
                pixelBytes.append(bytes.count)
            }
            _ = frame.changes(since: previous)
            let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            cpuSamples.append((Self.threadCPUSeconds() - cpu0) * 1000)
            previous = frame
            samples.append(ms)
            if whileEncoding {
                // Between keys the explorer draws what the background sent (a part of the scatter)
                // in frames of their own, as its loop does while no key comes.
                let until = DispatchTime.now().uptimeNanoseconds + 20_000_000
                while DispatchTime.now().uptimeNanoseconds < until {
                    if runtime.hasPendingMessages {
                        runtime.handle([])
                        noteProgress()
                        let between = Explorer.view(runtime.model)
                        _ = between.changes(since: previous)
                        previous = between
                    }
                    Thread.sleep(forTimeInterval: 0.002)
                }
            }
            let kind = runtime.model.isVQ ? runtime.model.vq.panel.rawValue + (runtime.model.vq.showVariants ? "+variants" : "")
                                          : runtime.model.vae.panel.rawValue
            kinds[kind, default: []].append(ms)
            phases[phase, default: []].append(ms)
            byKey["\(key) in \(kind)", default: []].append(ms)
            byKeyCPU["\(key) in \(kind)", default: []].append(cpuSamples[cpuSamples.count - 1])
        }
        // Key repeat: 30 presses arrive within one frame and are handled as one batch.
        var bursts: [Double] = []
        for i in 0..<100 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let key: Key = runtime.model.isVQ ? (i % 2 == 0 ? .char("+") : .char("-")) : (i % 2 == 0 ? .right : .left)
            runtime.handle(Array(repeating: .key(key), count: 30))
            let frame = Explorer.view(runtime.model)
            _ = frame.changes(since: previous)
            previous = frame
            bursts.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        func pct(_ v: [Double], _ p: Double) -> Double { let s = v.sorted(); return s[min(s.count - 1, Int(Double(s.count) * p))] }
        print("model \((path as NSString).lastPathComponent), 120×40, half-block, 256 colours, 1 thread"
              + (layer != nil ? ", images as \(graphics.rawValue) (6×13-px cells) included" : ""))
        if !pixelBytes.isEmpty {
            print(String(format: "  \(graphics.rawValue) bytes per key: mean %.0f, p99 %.0f, max %d",
                         Double(pixelBytes.reduce(0, +)) / Double(pixelBytes.count), pct(pixelBytes.map(Double.init), 0.99), pixelBytes.max() ?? 0))
        }
        print(String(format: "\(runtime.model.isVQ ? "edit/key" : "key") → frame ready over %d keys: p50 %.2f ms  p99 %.2f ms  max %.2f ms",
                     samples.count, pct(samples, 0.5), pct(samples, 0.99), samples.max() ?? 0))
        // On a shared machine the wall clock also counts time the frame thread waited for a core; its own
        // CPU time is the work the key cost, whatever else runs.
        print(String(format: "  the frame thread's own CPU time per key: p50 %.2f ms  p99 %.2f ms  max %.2f ms",
                     pct(cpuSamples, 0.5), pct(cpuSamples, 0.99), cpuSamples.max() ?? 0))
        for (kind, v) in kinds.sorted(by: { $0.key < $1.key }) {
            print(String(format: "  panel %-14@ p50 %.2f ms  p99 %.2f ms  (%d keys)", kind as NSString, pct(v, 0.5), pct(v, 0.99), v.count))
        }
        // Where a slow p99 comes from: the keys (in their panel) whose own p99 is highest.
        let slowest = byKey.map { ($0.key, pct($0.value, 0.99)) }.sorted { $0.1 > $1.1 }.prefix(3)
        print("  slowest keys (p99): " + slowest.map { String(format: "%@ %.2f ms", $0.0 as NSString, $0.1) }.joined(separator: ", "))
        let costliest = byKeyCPU.map { ($0.key, pct($0.value, 0.99)) }.sorted { $0.1 > $1.1 }.prefix(3)
        print("  costliest keys (the frame thread's CPU, p99): " + costliest.map { String(format: "%@ %.2f ms", $0.0 as NSString, $0.1) }.joined(separator: ", "))
        print(String(format: "30-key repeat burst → one frame: p50 %.2f ms  p99 %.2f ms", pct(bursts, 0.5), pct(bursts, 0.99)))
        print(String(format: "model load → first frame: %.1f ms", firstFrameMs))
        if whileEncoding {
            print(String(format: "keys pressed while the data was encoded: from %.0f %% to %.0f %% done", 100 * (encodingAtStart ?? 1),
                         100 * (runtime.model.datasetProgress ?? 1)))
            for phase in ["the encoding", "the work after it", "nothing"] {
                guard let v = phases[phase] else { continue }
                print(String(format: "  keys beside %-18@ p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%d keys)", phase as NSString,
                             pct(v, 0.5), pct(v, 0.99), v.max() ?? 0, v.count))
            }
            while backgroundDoneAt == nil {
                runtime.waitForBackground(seconds: 0.05)
                noteProgress()
            }
            func seconds(_ t: UInt64?) -> String { t.map { String(format: "%.1f s", Double($0 - loadStart) / 1e9) } ?? "never" }
            print("\(engine.data.count) images encoded, PCA scatter of all of them: \(seconds(scatterCompleteAt)) after the model "
                  + "was loaded; the work after it (reconstruction errors) done at \(seconds(backgroundDoneAt))")
        }
        if let startedAt { print(String(format: "process start → bench start: %.0f ms", startedAt * 1000)) }
        if let shape = engine.vqShapeValue {
            var times: [Double] = []
            for _ in 0..<50 {
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = engine.decode(grids: shape.aloneGrids(level: 0))
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            print(String(format: "palette of %d code tiles: p50 %.2f ms  p99 %.2f ms", shape.codes, pct(times, 0.5), pct(times, 0.99)))
        }
        runtime.waitUntilIdle(seconds: 60)  // the process must not exit under running background work
    }
}

extension BenchUI {
    /// CPU time the calling thread has used, in seconds.
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}

/// Process age and memory from /proc (Linux).
enum ProcessClock {
    static func secondsSinceProcessStart() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return .nan }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let startTicks = Double(fields[19]), let now = Double(uptime.split(separator: " ")[0]) else { return .nan }
        return now - startTicks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func memory() -> String {
        let pick = { (key: String) in statusField(key).map { String($0) } ?? "?" }
        return "\(pick("VmRSS:")) now, \(pick("VmHWM:")) peak"
    }

    /// The most memory this process has had resident, in MB (nil without /proc). VmHWM belongs to this
    /// program's address space alone, where getrusage's maximum also keeps that of the process it was
    /// started from (a Python script's, say) from before the exec.
    static func peakResidentMB() -> Double? {
        statusField("VmHWM:").flatMap { $0.split(separator: " ").first }.flatMap { Double($0) }.map { $0 / 1024 }
    }

    /// The value of a /proc/self/status line ("VmHWM:" → "699860 kB"), nil without /proc.
    private static func statusField(_ key: String) -> Substring? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return nil }
        return line.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }
    }
}
