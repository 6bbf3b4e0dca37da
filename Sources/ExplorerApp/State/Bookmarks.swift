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
            return m.isVQ && codes.count == m.vq.slots && codes.allSatisfy { (0..<m.vq.codebookSize).contains($0) }
        }
    }

    /// `B`: keeps the current latent at once, named after what it is (`image 42` when it is a data
    /// image's, else `bookmark N`); `r` in the list renames it. No prompt opens here, so a stray `B`
    /// never leaves the keyboard typing into a name.
    static func addBookmark(_ m: inout AppModel) -> [Command] {
        guard m.bookmarks.count < Bookmark.maxCount else {
            m.status = "\(Bookmark.maxCount) bookmarks already: delete some (' then d)"
            return []
        }
        let place = currentPlace(m)
        var base = "bookmark \(m.bookmarks.count + 1)"
        if m.isVQ, let source = m.vq.source, source.codes == m.vq.codes { base = "image \(source.index)" }
        if !m.isVQ, let current = m.vae.current, current.mu == m.vae.z { base = "image \(current.index)" }
        var name = base, n = 2
        while m.bookmarks.contains(where: { $0.name == name }) { name = "\(base) (\(n))"; n += 1 }
        m.bookmarks.append(Bookmark(name: name, place: place))
        m.status = "bookmarked \"\(name)\" · ' lists them, r renames"
        return [.saveBookmarks(m.bookmarks)]
    }

    /// Keys while renaming: typing, backspace, enter keeps the name, escape goes back to the list.
    static func performNaming(_ action: KeyAction, key: Key, index: Int, text: String, _ m: inout AppModel) -> [Command] {
        switch action {
        case .backToList:
            m.overlay = .bookmarks(selection: index)
            return []
        case .eraseText:
            m.overlay = .nameBookmark(index: index, text: String(text.dropLast()))
            return []
        case .typeText:
            guard case .char(let c) = key else { return [] }
            if text.count < Bookmark.maxNameLength { m.overlay = .nameBookmark(index: index, text: text + String(c)) }
            return []
        case .keepName:
            let name = text.trimmingCharacters(in: .whitespaces)
            guard m.bookmarks.indices.contains(index), !name.isEmpty else {
                m.overlay = .bookmarks(selection: max(0, min(index, m.bookmarks.count - 1)))
                return []
            }
            if m.bookmarks.enumerated().contains(where: { $0.offset != index && $0.element.name == name }) {
                m.status = "another bookmark is called \"\(name)\""
                return []
            }
            m.bookmarks[index].name = name
            m.overlay = .bookmarks(selection: index)
            m.status = "renamed to \"\(name)\""
            return [.saveBookmarks(m.bookmarks)]
        default:
            return []
        }
    }

    /// Keys in the bookmark list: move, enter jumps, a / b mark A / B (VAE), r renames, d deletes.
    static func performBookmarkList(_ action: KeyAction, selection s: Int, _ m: inout AppModel) -> [Command] {
        let count = m.bookmarks.count
        switch action {
        case .selectUp: m.overlay = .bookmarks(selection: max(0, s - 1))
        case .selectDown: m.overlay = .bookmarks(selection: min(max(0, count - 1), s + 1))
        case .choose:
            guard let b = m.bookmarks[safe: s] else { return [] }
            m.overlay = nil
            return jump(to: b, &m)
        case .markBookmarkA, .markBookmarkB:
            guard !m.isVQ, let b = m.bookmarks[safe: s], case .latent(let z, _) = b.place else { return [] }
            m.overlay = nil
            let isA = action == .markBookmarkA
            if isA { m.vae.markA = z } else { m.vae.markB = z }
            m.status = "\"\(b.name)\" is \(isA ? "A" : "B")" + (m.vae.markA != nil && m.vae.markB != nil ? " (i plays A → B)" : "")
            return m.vae.panel == .interpolation ? refreshPanel(&m) : []
        case .rename:
            // An empty field: typing replaces the name (appending to it was never what a rename wants).
            guard m.bookmarks.indices.contains(s) else { return [] }
            m.overlay = .nameBookmark(index: s, text: "")
        case .deleteBookmark:
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
