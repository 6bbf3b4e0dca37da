import Foundation
import LatentIO

/// The JSON file that describes a model exported from PyTorch (docs/model-format.md):
///
///     {"kind": "vae | cvae | vqvae | ae", "encoder": "encoder.onnx", "decoder": "decoder.onnx",
///      "codebook": "codebook.npy", "input_shape": [3, 32, 32], "pixel_range": [-1, 1],
///      "class_names": ["cat", "dog"], "data": "images.npy", "scaling_factor": 0.18215,
///      "shift_factor": 0, "distance": "euclidean | cosine", "prior": "prior.safetensors"}
///
/// Paths are relative to the manifest and must stay inside its folder.
public struct ModelManifest: Sendable, Equatable {
    public var path: String
    public var kind: ModelKind
    public var encoder: String
    public var decoder: String
    public var codebook: String?
    /// C, H, W.
    public var inputShape: [Int]
    /// What the encoder takes and the decoder returns.
    public var pixelRange: ClosedRange<Float>
    public var classNames: [String]
    public var data: String?
    /// Integer labels (.npy) for `data` when it is a .npy of images.
    public var labels: String?
    /// diffusers' latent scaling: the latent shown and sampled is (z − shift) · scale (continuous kinds).
    public var scalingFactor: Float = 1
    public var shiftFactor: Float = 0
    /// How a VQ-VAE's codes are compared with the encoder's vectors.
    public var distance: CodeDistance = .euclidean
    /// FSQ's levels per dimension (a vqvae without a codebook).
    public var fsqLevels: [Int]?
    /// A learned prior over the code grids (`PriorFile`), written by `latent train prior` (vqvae).
    public var prior: String?

    public static let keys: Set<String> = ["kind", "encoder", "decoder", "codebook", "input_shape", "pixel_range", "class_names", "data", "labels",
                                          "scaling_factor", "shift_factor", "distance", "levels", "prior"]

    public static func isManifest(_ path: String) -> Bool { path.lowercased().hasSuffix(".json") }

    public static func load(_ path: String) throws -> ModelManifest {
        let name = (path as NSString).lastPathComponent
        func fail(_ why: String) -> FormatError { FormatError(name, why) }
        var bytes = try FileBytes.read(path, limit: 1 << 20)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // a byte-order mark some editors write
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw fail("not valid JSON: \(error)") }
        guard let members = json.object else { throw fail("the manifest must be a JSON object") }
        for (key, _) in members where !keys.contains(key) { throw fail("unknown key '\(key)' (known: \(keys.sorted().joined(separator: ", ")))") }
        guard let kindName = json["kind"]?.string else { throw fail("'kind' must be \"vae\", \"cvae\", \"vqvae\" or \"ae\"") }
        guard let kind = ModelKind(rawValue: kindName) else { throw fail("kind '\(kindName)' is not vae, cvae, vqvae or ae") }
        let folder = (path as NSString).deletingLastPathComponent
        func file(_ key: String, required: Bool) throws -> String? {
            guard let value = json[key] else {
                if required { throw fail("'\(key)' is missing") }
                return nil
            }
            guard let relative = value.string, !relative.isEmpty else { throw fail("'\(key)' must be a file name") }
            return try inside(folder: folder, relative, key: key, manifest: name)
        }
        guard let shape = json["input_shape"]?.array?.compactMap(\.nonNegativeInt), shape.count == 3,
              json["input_shape"]?.array?.count == 3, (1...4).contains(shape[0]), shape[1] >= 1, shape[2] >= 1,
              shape[1] <= 1024, shape[2] <= 1024 else {
            throw fail("'input_shape' must be [C, H, W] with C of 1–4 and H, W of 1–1024")
        }
        var range: ClosedRange<Float> = 0...1
        if let r = json["pixel_range"] {
            guard let v = r.array?.compactMap(\.double), v.count == 2, r.array?.count == 2, v[0] < v[1],
                  abs(v[0]) <= Double(ImageValues.maxFloatMagnitude), abs(v[1]) <= Double(ImageValues.maxFloatMagnitude) else {
                throw fail("'pixel_range' must be [low, high] with low < high, each within ±1e6")
            }
            range = Float(v[0])...Float(v[1])
        }
        var classes: [String] = []
        if let c = json["class_names"] {
            guard let names = c.array?.compactMap(\.string), names.count == c.array?.count, names.count <= 10_000 else {
                throw fail("'class_names' must be a list of strings")
            }
            classes = names
        }
        if kind == .cvae && classes.count < 2 { throw fail("a cvae needs 'class_names' (its one-hot width)") }
        let codebook = try file("codebook", required: kind == .vqvae && json["levels"] == nil)
        if kind != .vqvae && codebook != nil { throw fail("'codebook' is for a vqvae") }
        var manifest = ModelManifest(path: path, kind: kind, encoder: try file("encoder", required: true)!,
                                     decoder: try file("decoder", required: true)!, codebook: codebook, inputShape: shape, pixelRange: range,
                                     classNames: classes, data: try file("data", required: false), labels: try file("labels", required: false))
        func factor(_ key: String) throws -> Float? {
            guard let v = json[key] else { return nil }
            guard kind.isContinuous else { throw fail("'\(key)' is for a continuous latent (vae, cvae, ae)") }
            guard let d = v.double, d.isFinite, abs(d) <= 1e6 else { throw fail("'\(key)' must be a finite number within ±1e6") }
            return Float(d)
        }
        if let scale = try factor("scaling_factor") {
            guard scale != 0 else { throw fail("'scaling_factor' must not be 0") }
            manifest.scalingFactor = scale
        }
        if let shift = try factor("shift_factor") { manifest.shiftFactor = shift }
        if let l = json["levels"] {
            guard kind == .vqvae, codebook == nil else { throw fail("'levels' (FSQ) is for a vqvae without a codebook") }
            guard let levels = l.array?.compactMap(\.nonNegativeInt), levels.count == l.array?.count, (1...16).contains(levels.count),
                  levels.allSatisfy({ (2...1024).contains($0) }), levels.reduce(1, { $0 * $1 }) <= 1 << 20 else {
                throw fail("'levels' must be 1–16 integers of 2–1024, at most 2²⁰ codes in all")
            }
            manifest.fsqLevels = levels
        }
        if let d = json["distance"] {
            guard kind == .vqvae else { throw fail("'distance' is for a vqvae") }
            guard let name = d.string, let distance = CodeDistance(rawValue: name) else { throw fail("'distance' must be \"euclidean\" or \"cosine\"") }
            manifest.distance = distance
        }
        if let prior = try file("prior", required: false) {
            guard kind == .vqvae else { throw fail("'prior' is for a vqvae (a prior over its code grids)") }
            manifest.prior = prior
        }
        return manifest
    }

    /// Names `relative` (a file in the manifest's folder) as the manifest's `prior`, or removes the key
    /// when nil: every other key keeps its value and place. The manifest is rewritten atomically, so an
    /// interrupted run leaves the old one whole.
    public static func setPrior(_ relative: String?, inManifestAt path: String) throws {
        let name = (path as NSString).lastPathComponent
        var bytes = try FileBytes.read(path, limit: 1 << 20)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw FormatError(name, "not valid JSON: \(error)") }
        guard var members = json.object else { throw FormatError(name, "the manifest must be a JSON object") }
        if let relative {
            _ = try inside(folder: manifestDirectory(path), relative, key: "prior", manifest: name)
            if let i = members.firstIndex(where: { $0.key == "prior" }) { members[i].value = .string(relative) }
            else { members.append((key: "prior", value: .string(relative))) }
        } else {
            members.removeAll { $0.key == "prior" }
        }
        // A symlinked manifest is rewritten where it lives: replacing the link would leave its target stale.
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map {
            $0.hasPrefix("/") ? $0 : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent($0)
        } ?? path
        try FileBytes.write(Array((JSONValue.object(members).serialized(indent: 1) + "\n").utf8), to: target)
    }

    /// `relative` resolved against `folder`, refused when it is absolute or leads outside it.
    public static func inside(folder: String, _ relative: String, key: String, manifest: String) throws -> String {
        guard !relative.hasPrefix("/"), !relative.split(separator: "/").contains("..") else {
            throw FormatError(manifest, "'\(key)': \(relative) is outside the manifest's folder")
        }
        let base = folder.isEmpty ? "." : folder
        let full = (base as NSString).appendingPathComponent(relative)
        guard try Confinement(folder: base).contains(Array(full.utf8)) else {
            throw FormatError(manifest, "'\(key)': \(relative) leads outside the manifest's folder")
        }
        return full
    }
}
