import Foundation

/// A named place in the latent space, kept across sessions per model: a VAE's z (and class, for a
/// conditional one) or a VQ-VAE's code grid.
public struct Bookmark: Equatable, Sendable {
    public enum Place: Equatable, Sendable {
        case latent(z: [Float], label: Int?)
        case grid([Int])
    }

    public var name: String
    public var place: Place

    public init(name: String, place: Place) {
        self.name = name
        self.place = place
    }

    public static let maxNameLength = 40
    public static let maxCount = 500
}

extension Explorer {
    /// The current latent as a bookmark place.
    static func currentPlace(_ m: AppModel) -> Bookmark.Place {
        m.isVQ ? .grid(m.vq.codes) : .latent(z: m.vae.z, label: m.vae.conditioningLabel)
    }

    /// Whether a stored bookmark fits the model now open (a file edited by hand, or another model of
    /// the same name, must not index past a grid or a z).
    static func fits(_ b: Bookmark, _ m: AppModel) -> Bool {
        switch b.place {
        case .latent(let z, let label):
            return !m.isVQ && z.count == m.vae.latentDim && z.allSatisfy(\.isFinite)
                && (label == nil ? !m.vae.isConditional : (0..<m.vae.classCount).contains(label!))
        case .grid(let codes):
            return m.isVQ && codes.count == m.vq.cells && codes.allSatisfy { (0..<m.vq.codebookSize).contains($0) }
        }
    }

    /// Keys while the name prompt is open: typing, backspace, enter saves, escape cancels.
    static func handleNaming(_ key: Key, text: String, _ m: inout AppModel) -> [Command] {
        switch key {
        case .escape:
            m.overlay = nil
            m.status = "bookmark not saved"
            return []
        case .backspace:
            m.overlay = .nameBookmark(text: String(text.dropLast()))
            return []
        case .char(let c) where !c.isNewline && c.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }):
            if text.count < Bookmark.maxNameLength { m.overlay = .nameBookmark(text: text + String(c)) }
            return []
        case .enter:
            m.overlay = nil
            var name = text.trimmingCharacters(in: .whitespaces)
            if name.isEmpty { name = "bookmark \(m.bookmarks.count + 1)" }
            guard m.bookmarks.count < Bookmark.maxCount || m.bookmarks.contains(where: { $0.name == name }) else {
                m.status = "\(Bookmark.maxCount) bookmarks already: delete some (' then d)"
                return []
            }
            let mark = Bookmark(name: name, place: currentPlace(m))
            if let i = m.bookmarks.firstIndex(where: { $0.name == name }) { m.bookmarks[i] = mark } else { m.bookmarks.append(mark) }
            m.status = "bookmarked \"\(name)\" (' lists them)"
            return [.saveBookmarks(m.bookmarks)]
        default:
            return []
        }
    }

    /// Keys in the bookmark list: move, enter jumps, a / b mark A / B (VAE), d deletes.
    static func handleBookmarkList(_ key: Key, selection s: Int, _ m: inout AppModel) -> [Command] {
        let count = m.bookmarks.count
        switch key {
        case .up, .char("k"): m.overlay = .bookmarks(selection: max(0, s - 1))
        case .down, .char("j"): m.overlay = .bookmarks(selection: min(max(0, count - 1), s + 1))
        case .enter:
            guard let b = m.bookmarks[safe: s] else { return [] }
            m.overlay = nil
            return jump(to: b, &m)
        case .char("a"), .char("b"):
            guard !m.isVQ, let b = m.bookmarks[safe: s], case .latent(let z, _) = b.place else { return [] }
            m.overlay = nil
            if key == .char("a") { m.vae.markA = z } else { m.vae.markB = z }
            m.status = "\"\(b.name)\" is \(key == .char("a") ? "A" : "B")" + (m.vae.markA != nil && m.vae.markB != nil ? " (i plays A → B)" : "")
            return m.vae.panel == .interpolation ? refreshPanel(&m) : []
        case .char("d"), .backspace:
            guard let b = m.bookmarks[safe: s] else { return [] }
            m.bookmarks.remove(at: s)
            m.overlay = .bookmarks(selection: min(s, max(0, m.bookmarks.count - 1)))
            m.status = "deleted \"\(b.name)\""
            return [.saveBookmarks(m.bookmarks)]
        default: break
        }
        return []
    }

    static func jump(to b: Bookmark, _ m: inout AppModel) -> [Command] {
        switch b.place {
        case .latent(let z, let label):
            m.vae.z = z
            if let label { m.vae.label = label }
            m.vae.current = nil
            m.status = "at \"\(b.name)\""
            return refresh(&m)
        case .grid(let codes):
            return setGrid(&m, codes, status: "at \"\(b.name)\"")
        }
    }
}
