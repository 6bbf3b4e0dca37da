import Foundation

/// A folder that reads must stay inside: what a model manifest names is read from the manifest's folder
/// only, whatever symlinks (absolute or relative, to a file or to a folder) lie on the way. Paths are
/// compared after `realpath`, as bytes, so a name that is not UTF-8 is checked as it is.
public struct Confinement: Sendable {
    /// The folder, every symlink resolved.
    public let root: [UInt8]

    public init(folder: String) throws {
        guard let root = Confinement.resolved(Array(folder.utf8)) else {
            throw FormatError(folder, "cannot be resolved (\(FileBytes.describeErrno(errno)))")
        }
        self.root = root
    }

    /// Whether `path` resolves inside the folder. A path that does not resolve (it does not exist, or a
    /// symlink dangles) counts as inside: opening it fails on its own, and nothing outside is read.
    public func contains(_ path: [UInt8]) -> Bool {
        guard let real = Confinement.resolved(path) else { return true }
        return real == root || real.starts(with: root + [0x2F])
    }

    /// Throws, naming `shown`, when `path` leads outside the folder.
    public func check(_ path: [UInt8], shown: String) throws {
        guard contains(path) else { throw FormatError(shown, "leads outside the manifest's folder (a symlink?): refused") }
    }

    public func check(_ path: String) throws { try check(Array(path.utf8), shown: path) }

    /// `realpath` of a path given as bytes; nil when it does not resolve.
    static func resolved(_ path: [UInt8]) -> [UInt8]? {
        let c = path.map { CChar(bitPattern: $0) } + [0]
        guard let real = c.withUnsafeBufferPointer({ realpath($0.baseAddress!, nil) }) else { return nil }
        defer { free(real) }
        return Array(UnsafeBufferPointer(start: real, count: strlen(real))).map { UInt8(bitPattern: $0) }
    }
}
