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

    @Test func nameJumpMarkAndDelete() throws {
        var m = makeModel()
        fakeRun(&m, Explorer.start(&m))
        #expect(Explorer.update(&m, .key(.char("'"))).isEmpty && m.overlay == nil && m.status.hasPrefix("no bookmarks yet"))
        fakeRun(&m, Explorer.update(&m, .key(.char("L"))))
        let here = m.vae.z
        _ = Explorer.update(&m, .key(.char("B")))
        #expect(Self.type("quiet x", &m).isEmpty && m.overlay == .nameBookmark(text: "quiet x") && !m.quitting)  // q is text here
        _ = Explorer.update(&m, .key(.backspace))
        let saved = Explorer.update(&m, .key(.enter))
        #expect(saved == [.saveBookmarks([Bookmark(name: "quiet", place: .latent(z: here, label: nil))])])
        #expect(m.overlay == nil && m.bookmarks.count == 1)
        fakeRun(&m, Explorer.update(&m, .key(.char("r"))))
        #expect(m.vae.z != here)
        _ = Explorer.update(&m, .key(.char("'")))
        #expect(m.overlay == .bookmarks(selection: 0))
        fakeRun(&m, Explorer.update(&m, .key(.enter)))
        #expect(m.vae.z == here && m.overlay == nil && m.vae.image != nil)
        // A second one, empty name: numbered; then both as A and B.
        fakeRun(&m, Explorer.update(&m, .key(.char("r"))))
        _ = Explorer.update(&m, .key(.char("B")))
        _ = Explorer.update(&m, .key(.enter))
        #expect(m.bookmarks.map(\.name) == ["quiet", "bookmark 2"])
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
        _ = Self.type("five", &m)
        _ = Explorer.update(&m, .key(.enter))
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
