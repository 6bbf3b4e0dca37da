import Foundation

/// Whole-file reads and writes with errors a user can act on. Every reader in this module goes through
/// here, so a missing file, a directory or an unreadable path gets the same clear one-line message.
public enum FileBytes {
    /// Reads the whole file at `path`. Files larger than `limit` are refused before any allocation.
    public static func read(_ path: String, limit: Int = 4 << 30) throws -> [UInt8] {
        var st = stat()
        guard stat(path, &st) == 0 else { throw FormatError(path, describeErrno(errno)) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw FormatError(path, "is a directory, not a file") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FormatError(path, "is not a regular file") }
        let size = Int(st.st_size)
        guard size <= limit else {
            throw FormatError(path, "file is \(grouped(size)) bytes, over the \(grouped(limit))-byte limit")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FormatError(path, describeErrno(errno)) }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let got = bytes.withUnsafeMutableBytes { buf in
                Foundation.read(fd, buf.baseAddress! + done, size - done)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw FormatError(path, describeErrno(errno))
            }
            if got == 0 { break }  // the file shrank while we read it
            done += got
        }
        return done == size ? bytes : Array(bytes[0..<done])
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename,
    /// so an interrupted write never leaves a half-written model or data file behind.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let tmp = path + ".partial-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FormatError(path, "cannot create: " + describeErrno(errno)) }
        var done = 0
        while done < bytes.count {
            let put = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + done, bytes.count - done) }
            if put < 0 {
                if errno == EINTR { continue }
                let reason = describeErrno(errno)
                close(fd); unlink(tmp)
                throw FormatError(path, "cannot write: " + reason)
            }
            done += put
        }
        guard close(fd) == 0, rename(tmp, path) == 0 else {
            let reason = describeErrno(errno)
            unlink(tmp)
            throw FormatError(path, "cannot write: " + reason)
        }
    }

    static func describeErrno(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file"
        case EACCES: return "permission denied"
        case ENOTDIR: return "a part of the path is not a directory"
        default: return String(cString: strerror(code)).lowercased()
        }
    }
}
