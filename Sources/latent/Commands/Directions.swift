import ArgumentParser
import Foundation
import LatentCore
import LatentIO
import LatentNN

/// `latent directions`: a direction set of a continuous latent, headless — the rows the explorer's
/// sliders move along, for scripts and figures.
struct Directions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Directions through a VAE's latent: global or local PCA of the data's μ, the decoder Jacobian's strongest, or a class attribute vector.",
        discussion: """
            JSON: {"method", "directions": unit rows over the flattened latent, strongest first, "scores", "score_unit", \
            "std": the data's standard deviation along each (a slider unit), …}. npy: the (k, d) directions matrix.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var data: DataOptions
    @Option(name: .customLong("labels"), help: ArgumentHelp("Integer labels (.npy) for images given as .npy.", valueName: "path"))
    var labels: String?
    @Option(help: "pca (of the data's μ), local (PCA of the --neighbors latents nearest --z), jacobian (of the decoder at --z) or attribute (--classes a,b, or --from/--to).")
    var method: String = "pca"
    @Option(parsing: .unconditional, help: ArgumentHelp("The latent for local and jacobian, comma-separated (default: 0).", valueName: "z1,z2,…"))
    var z: String?
    @Option(help: "Directions to print, strongest first (default: all the method gives).") var count: Int?
    @Option(help: "Latents in a local PCA (default: max(50, 2·d)).") var neighbors: Int?
    @Option(help: ArgumentHelp("attribute: mean μ of class b minus mean μ of class a (names or indices).", valueName: "a,b"))
    var classes: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("attribute: the direction from this latent to --to.", valueName: "z1,z2,…"))
    var from: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("attribute: the latent --from points to.", valueName: "z1,z2,…"))
    var to: String?
    @Option(help: "Class a conditional VAE's decoder is conditioned on (jacobian).") var label: String?
    @Option(help: "jacobian: backward (the model's own backward pass: exact, one row per image value), fd (central differences: 2·d decodes), or auto (the fewer passes).")
    var jacobian: String = "auto"
    @Option(help: "jacobian --jacobian fd: the step h of the central differences, in latent units.") var step: Float = 1e-3
    @Option(help: "json or npy (the directions matrix).") var format: String = "json"
    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of stdout.") var output: String?

    static let methods = ["pca", "local", "jacobian", "attribute"]

    func validate() throws {
        guard Self.methods.contains(method) else { throw ValidationError("--method must be pca, local, jacobian or attribute, not '\(method)'") }
        guard ["json", "npy"].contains(format) else { throw ValidationError("--format must be json or npy, not '\(format)'") }
        guard JacobianMethod(rawValue: jacobian) != nil else { throw ValidationError("--jacobian must be auto, backward or fd, not '\(jacobian)'") }
        guard step > 0, step <= 10 else { throw ValidationError("--step must be a number in (0, 10]") }
        if let count, !(1...65_536).contains(count) { throw ValidationError("--count must be 1…65,536") }
        if let neighbors, !(2...1_000_000).contains(neighbors) { throw ValidationError("--neighbors must be 2…1,000,000") }
        if z != nil && !["local", "jacobian"].contains(method) { throw ValidationError("--z is for --method local or jacobian") }
        if neighbors != nil && method != "local" { throw ValidationError("--neighbors is for --method local") }
        if method == "attribute" {
            guard (classes != nil) != (from != nil || to != nil) else { throw ValidationError("--method attribute needs --classes a,b or --from and --to") }
            guard (from == nil) == (to == nil) else { throw ValidationError("--from and --to go together") }
        } else if classes != nil || from != nil || to != nil {
            throw ValidationError("--classes, --from and --to are for --method attribute")
        }
    }

    func run() throws {
        let path = try model.resolvedPath()
        let m = try loadLatentModel(path)
        guard m.kind.isContinuous else {
            throw ValidationError("\(path) is a VQ-VAE: its latent is a grid of discrete codes, and directions need a continuous one")
        }
        let d = m.latentDim
        if let count, count > d { throw ValidationError("--count \(count) is more than the latent's \(d) dimensions") }
        let wanted = count ?? d
        var set: DirectionSet
        var extra: [(String, String)] = []
        do {
            switch method {
            case "jacobian":
                let at = try z.map { try parseFloats($0, expected: d, what: "--z") } ?? Array(repeating: 0, count: d)
                let label = try classIndex(label, of: m)
                let (jt, used) = try DecoderJacobian.transposed(of: m, at: at, label: label, method: JacobianMethod(rawValue: jacobian)!, step: step)
                set = try DirectionSet.fromJacobian(jt, at: at, count: wanted)
                extra.append(("jacobian", "\"\(used.rawValue)\""))
                extra.append(("z", list(at.map(Double.init))))
                // The slider unit needs the data; a model with no data of its own just keeps unit steps.
                if let latents = try optionalLatents(of: m) { set = set.withStd(of: latents) } else { extra.append(("std_note", "\"no data: 1 latent unit\"")) }
            case "local":
                if label != nil { throw ValidationError("--label is for --method jacobian") }
                let at = try z.map { try parseFloats($0, expected: d, what: "--z") } ?? Array(repeating: 0, count: d)
                let latents = try dataLatents(of: m).latents
                let k = neighbors ?? max(50, 2 * d)
                set = try DirectionSet.localPCA(of: latents, around: at, neighbours: k, count: wanted)
                extra.append(("neighbors", String(min(k, latents.shape[0]))))
                extra.append(("z", list(at.map(Double.init))))
            case "attribute":
                if label != nil { throw ValidationError("--label is for --method jacobian") }
                if let classes {
                    let (latents, set0) = try dataLatents(of: m)
                    let (a, b) = try classPair(classes, names: set0.classNames, labels: set0.labels)
                    set = try DirectionSet.attribute(of: latents, labels: set0.labels, from: a, to: b)
                    extra.append(("classes", "[\(a),\(b)]"))
                } else {
                    let a = try parseFloats(from!, expected: d, what: "--from"), b = try parseFloats(to!, expected: d, what: "--to")
                    set = try DirectionSet.between(a, b)
                    if let latents = try optionalLatents(of: m) { set = set.withStd(of: latents) }
                }
            default:
                if label != nil { throw ValidationError("--label is for --method jacobian") }
                set = try DirectionSet.globalPCA(of: try dataLatents(of: m).latents, count: wanted, threads: ComputeThreads.available)
            }
        } catch let e as DirectionError {
            throw ValidationError(e.description)
        }
        if format == "npy" {
            return try emit(NPY.encode(set.directions), binary: true, to: output)
        }
        var fields: [(String, String)] = [
            ("method", "\"\(method)\""),
            ("directions", "[" + (0..<set.count).map { list(set.direction($0).map(Double.init)) }.joined(separator: ",") + "]"),
            ("scores", list(set.scores)),
            ("score_unit", "\"\(set.scoreUnit)\""),
            ("std", list(set.std)),
        ]
        if let explained = set.explained { fields.append(("explained", list(explained))) }
        fields.append(("latent_shape", "[" + m.latentShape.map(String.init).joined(separator: ",") + "]"))
        fields += extra
        let json = "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}\n"
        try emit(Array(json.utf8), binary: false, to: output)
    }

    private func list(_ v: [Double]) -> String { "[" + v.map(Evaluation.format).joined(separator: ",") + "]" }

    /// μ of the model's data (`--data`, else its own, else the digits) and the images' labels.
    private func dataLatents(of m: any LatentModel) throws -> (latents: Tensor, set: LabeledImages) {
        let set = try data.images(for: m, labels: labels)
        return (try encodeMeans(m, set), set)
    }

    /// The data's μ when there is data for this model: named by --data, or the model's own.
    private func optionalLatents(of m: any LatentModel) throws -> Tensor? {
        guard data.path != nil || defaultDataSource(for: m) != nil else { return nil }
        return try dataLatents(of: m).latents
    }

    /// `a,b` as two different classes of the data, by name or index.
    private func classPair(_ text: String, names: [String], labels: [Int]) throws -> (Int, Int) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { throw ValidationError("--classes needs two classes, a,b (got '\(text)')") }
        let present = Set(labels)
        let pair = try parts.map { part -> Int in
            if let i = names.firstIndex(of: part) { return i }
            guard let i = Int(part), present.contains(i) || (0..<names.count).contains(i) else {
                throw ValidationError("--classes: '\(part)' is not a class of the data (\(names.isEmpty ? "labels \(present.sorted().map(String.init).joined(separator: ", "))" : names.joined(separator: ", ")))")
            }
            return i
        }
        guard pair[0] != pair[1] else { throw ValidationError("--classes needs two different classes, got \(parts[0]) twice") }
        return (pair[0], pair[1])
    }
}
