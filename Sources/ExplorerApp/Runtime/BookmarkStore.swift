import Foundation
import LatentIO

/// Bookmarks on disk: one small JSON file per model in the user's state folder
/// (`$XDG_STATE_HOME/latent-explorer/bookmarks/`, else `~/.local/state/…`), never beside the weights.
///
///     {"model": "vae-z10.safetensors", "bookmarks": [{"name": "thin 7", "z": [0.1, …]},
///      {"name": "seven as 1", "z": [0, 0], "label": 1}, {"name": "mix", "grid": [3, 3, 17, …]}]}
public struct BookmarkStore: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// The folder the XDG base-directory spec gives for state, or nil without HOME.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/latent-explorer/bookmarks" }
        guard let home = environment["HOME"], home.hasPrefix("/") else { return nil }
        return home + "/.local/state/latent-explorer/bookmarks"
    }

    /// The file for a model: its file name (a model is known by its name wherever it lies).
    public func path(forModel modelPath: String) -> String {
        let name = (modelPath as NSString).lastPathComponent.replacingOccurrences(of: "/", with: "_")
        return directory + "/" + name + ".json"
    }

    /// The stored bookmarks; none when there is no file. A damaged file is an error (and is not overwritten
    /// until the user saves again).
    public func load(forModel modelPath: String) throws -> [Bookmark] {
        let file = path(forModel: modelPath)
        guard FileManager.default.fileExists(atPath: file) else { return [] }
        let json: JSONValue
        do { json = try JSONParser.parse(try FileBytes.read(file, limit: 4 << 20)) } catch {
            throw FormatError(file, "bookmarks are not readable JSON: \(error)")
        }
        guard let items = json["bookmarks"]?.array else { throw FormatError(file, "no \"bookmarks\" list") }
        return items.prefix(Bookmark.maxCount).compactMap { item in
            guard let name = item["name"]?.string, !name.isEmpty else { return nil }
            if let grid = item["grid"]?.array {
                let codes = grid.compactMap(\.nonNegativeInt)
                return codes.count == grid.count ? Bookmark(name: String(name.prefix(Bookmark.maxNameLength)), place: .grid(codes)) : nil
            }
            guard let zs = item["z"]?.array else { return nil }
            let z = zs.compactMap { $0.double.map(Float.init) }
            guard z.count == zs.count, z.allSatisfy(\.isFinite) else { return nil }
            return Bookmark(name: String(name.prefix(Bookmark.maxNameLength)), place: .latent(z: z, label: item["label"]?.nonNegativeInt))
        }
    }

    public func save(_ bookmarks: [Bookmark], forModel modelPath: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let items: [JSONValue] = bookmarks.map { b in
            var members: [(key: String, value: JSONValue)] = [("name", .string(b.name))]
            switch b.place {
            case .latent(let z, let label):
                members.append(("z", .array(z.map { .number("\($0)") })))
                if let label { members.append(("label", .int(label))) }
            case .grid(let codes):
                members.append(("grid", .array(codes.map { .int($0) })))
            }
            return .object(members)
        }
        let json = JSONValue.object([("model", .string((modelPath as NSString).lastPathComponent)), ("bookmarks", .array(items))])
        try FileBytes.write(Array((json.serialized + "\n").utf8), to: path(forModel: modelPath))
    }
}
