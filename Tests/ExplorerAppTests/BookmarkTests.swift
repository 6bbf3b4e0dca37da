@testable import ExplorerApp
import Foundation
import LatentIO
import TermRender
import Testing

@Suite struct BookmarkTests {
    static func type(_ text: String, _ m: inout AppModel) -> [Command] {
        var out: [Command] = []
        for c in text { out += Explorer.update(&m, .key(.char(c))) }
        return out
    }

    @Test func keepRenameJumpMarkAndDelete() throws {
        var m = makeModel()
        fakeRun(&m, Explorer.start(&m))
        #expect(Explorer.update(&m, .key(.char("'"))).isEmpty && m.overlay == nil && m.status.hasPrefix("no bookmarks yet"))
        fakeRun(&m, Explorer.update(&m, .key(.char("L"))))
        let here = m.vae.z
        // B keeps it at once (no prompt: a stray B must not leave keys typing into a name).
        let saved = Explorer.update(&m, .key(.char("B")))
        #expect(saved == [.saveBookmarks([Bookmark(name: "bookmark 1", place: .latent(z: here, label: nil))])] && m.overlay == nil)
        // Renamed from the list: q is text there.
        _ = Explorer.update(&m, .key(.char("'")))
        _ = Explorer.update(&m, .key(.char("r")))
        // The field starts empty, the old name shown dim in it: typing replaces the name, not appends.
        #expect(m.overlay == .nameBookmark(index: 0, text: "") && Explorer.view(m).text.contains("new name: ▏bookmark 1"))
        #expect(Self.type("quiet x", &m).isEmpty && m.overlay == .nameBookmark(index: 0, text: "quiet x") && !m.quitting)
        _ = Explorer.update(&m, .key(.backspace))
        _ = Explorer.update(&m, .key(.backspace))
        let renamed = Explorer.update(&m, .key(.enter))
        #expect(renamed == [.saveBookmarks([Bookmark(name: "quiet", place: .latent(z: here, label: nil))])])
        #expect(m.overlay == .bookmarks(selection: 0))
        _ = Explorer.update(&m, .key(.escape))
        fakeRun(&m, Explorer.update(&m, .key(.char("r"))))
        #expect(m.vae.z != here)
        _ = Explorer.update(&m, .key(.char("'")))
        fakeRun(&m, Explorer.update(&m, .key(.enter)))
        #expect(m.vae.z == here && m.overlay == nil && m.vae.image != nil)
        // A second one; both as A and B; a rename to a name in use is refused.
        fakeRun(&m, Explorer.update(&m, .key(.char("r"))))
        _ = Explorer.update(&m, .key(.char("B")))
        #expect(m.bookmarks.map(\.name) == ["quiet", "bookmark 2"])
        _ = Explorer.update(&m, .key(.char("'")))
        _ = Explorer.update(&m, .key(.down))
        _ = Explorer.update(&m, .key(.char("r")))
        for _ in 0..<10 { _ = Explorer.update(&m, .key(.backspace)) }
        _ = Self.type("quiet", &m)
        #expect(Explorer.update(&m, .key(.enter)).isEmpty && m.status.contains("another bookmark") && m.overlay == .nameBookmark(index: 1, text: "quiet"))
        _ = Explorer.update(&m, .key(.escape))
        _ = Explorer.update(&m, .key(.escape))
        _ = Explorer.update(&m, .key(.char("'")))
        _ = Explorer.update(&m, .key(.char("a")))
        _ = Explorer.update(&m, .key(.char("'")))
        _ = Explorer.update(&m, .key(.down))
        _ = Explorer.update(&m, .key(.char("b")))
        #expect(m.vae.markA == here && m.vae.markB == [Float](repeating: 0, count: 10) && m.status.contains("i plays"))
        _ = Explorer.update(&m, .key(.char("'")))
        let deleted = Explorer.update(&m, .key(.char("d")))
        #expect(deleted == [.saveBookmarks([Bookmark(name: "bookmark 2", place: .latent(z: [Float](repeating: 0, count: 10), label: nil))])])
        #expect(m.overlay == .bookmarks(selection: 0))
        try assertSnapshot(Explorer.view(m), "bookmarks-120x40")
    }

    @Test func vqGridsAreBookmarkedAndStoredOnesMustFit() {
        var m = makeVQModel()
        m.vq.codes[0] = 5
        _ = Explorer.update(&m, .key(.char("B")))
        #expect(m.bookmarks.map(\.name) == ["bookmark 1"])
        m.vq.codes[0] = 9
        _ = Explorer.update(&m, .key(.char("'")))
        let jumped = Explorer.update(&m, .key(.enter))
        #expect(m.vq.codes[0] == 5 && jumped.contains(.decodeGrid(m.vq.codes)))
        // From disk: a grid of another size, a code out of range and a z are dropped.
        _ = Explorer.update(&m, .bookmarksLoaded([
            Bookmark(name: "ok", place: .grid(m.vq.codes)), Bookmark(name: "short", place: .grid([1, 2])),
            Bookmark(name: "big", place: .grid([Int](repeating: 999, count: m.vq.cells))),
            Bookmark(name: "z", place: .latent(z: [0, 0], label: nil))]))
        #expect(m.bookmarks.map(\.name) == ["ok"])
    }

    @Test func storeRoundTripsAndRefusesDamage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("latent-bookmarks-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = BookmarkStore(directory: dir + "/nested")
        #expect(try store.load(forModel: "/x/Weights/vae-z2.safetensors").isEmpty)
        let marks = [Bookmark(name: "a \"quoted\" name", place: .latent(z: [0.1, -2.5], label: 3)),
                     Bookmark(name: "g", place: .grid([1, 2, 3]))]
        try store.save(marks, forModel: "/x/Weights/vae-z2.safetensors")
        #expect(store.path(forModel: "/elsewhere/vae-z2.safetensors") == dir + "/nested/vae-z2.safetensors.json")
        #expect(try store.load(forModel: "/elsewhere/vae-z2.safetensors") == marks)
        try FileBytes.write(Array("{\"bookmarks\": [".utf8), to: store.path(forModel: "bad.safetensors"))
        #expect(throws: FormatError.self) { try store.load(forModel: "bad.safetensors") }
        #expect(BookmarkStore.defaultDirectory(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"]) == "/s/latent-explorer/bookmarks")
        #expect(BookmarkStore.defaultDirectory(environment: ["HOME": "/h"]) == "/h/.local/state/latent-explorer/bookmarks")
        #expect(BookmarkStore.defaultDirectory(environment: [:]) == nil)
    }
}
