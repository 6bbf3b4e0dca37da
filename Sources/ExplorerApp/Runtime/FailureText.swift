import Foundation
import LatentIO

/// A failed write said in one plain line, reason first and path last: the status line is cut at the
/// terminal's width, and a reason cut off is worse than a path cut short. Foundation's errors
/// (`Error Domain=NSCocoaErrorDomain Code=512 …`) become the few words a user can act on.
enum FailureText {
    /// "bookmarks not saved: permission denied · /home/me/.local/state/…", with control bytes (from a
    /// file's contents or name) escaped so they never reach the terminal.
    static func failed(_ what: String?, _ error: Error) -> String {
        let (reason, path) = explain(error)
        return printable((what.map { "\($0): " } ?? "") + reason + (path.map { " · \($0)" } ?? ""))
    }

    /// The reason in words and the path it concerns, when the error names one.
    static func explain(_ error: Error) -> (reason: String, path: String?) {
        if let format = error as? FormatError { return (format.message, format.source) }
        let ns = error as NSError
        let path = ns.userInfo[NSFilePathErrorKey] as? String
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return (reason(errno: Int32(underlying.code)), path)
        }
        if ns.domain == NSPOSIXErrorDomain { return (reason(errno: Int32(ns.code)), path) }
        if ns.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileWriteNoPermission, .fileReadNoPermission: return ("permission denied", path)
            case .fileNoSuchFile, .fileReadNoSuchFile: return ("no such folder", path)
            case .fileWriteOutOfSpace: return ("disk full", path)
            case .fileWriteVolumeReadOnly: return ("read-only file system", path)
            default: if let path, let found = diagnose(path) { return (found, path) }
            }
        }
        return (ns.localizedDescription, path)
    }

    /// What stands in the way of creating `path`, from its deepest existing ancestor (Foundation's
    /// "unknown" write error, 512, names no cause when that ancestor is a file).
    static func diagnose(_ path: String) -> String? {
        var ancestor = path
        while !FileManager.default.fileExists(atPath: ancestor), ancestor != "/", !ancestor.isEmpty {
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: ancestor, isDirectory: &isFolder) else { return nil }
        if !isFolder.boolValue { return reason(errno: ENOTDIR) }
        return FileManager.default.isWritableFile(atPath: ancestor) ? nil : reason(errno: EACCES)
    }

    static func reason(errno code: Int32) -> String {
        switch code {
        case EACCES, EPERM: return "permission denied"
        case ENOENT: return "no such folder"
        case ENOTDIR: return "a part of the path is a file, not a folder"
        case EROFS: return "read-only file system"
        case ENOSPC, EDQUOT: return "disk full"
        case EEXIST: return "a file is in the way"
        default: return String(cString: strerror(code)).lowercased()
        }
    }
}
