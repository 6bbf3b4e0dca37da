import Foundation
@testable import ExplorerApp
import Testing

/// The key table (`KeyMap`): every binding dispatches to its action in its modes, no mode binds a key
/// twice, and the user guide's key map is the table's.
@Suite struct KeyMapTests {
    /// A state whose key layers include `mode` (the representative model tests dispatch in).
    static func model(in mode: KeyMode) -> AppModel {
        var vae = makeModel()
        var vq = makeVQModel()
        fakeRunVQ(&vq, Explorer.start(&vq))
        switch mode {
        case .global, .sliders: return vae
        case .scatter: vae.vae.panel = .scatter; return vae
        case .vqGrid: return vq
        case .vqScatter: vq.vq.panel = .scatter; return vq
        case .vqMap: vq.vq.panel = .map; return vq
        case .spatial: return makeSpatialModel()
        case .goTo: vae.overlay = .goToImage(text: "4")
        case .help: vae.overlay = .help
        case .modelPicker: vae.overlay = .modelPicker(selection: 1)
        case .bookmarks, .naming:
            vae.bookmarks = [Bookmark(name: "one", place: .latent(z: vae.vae.z, label: nil)),
                             Bookmark(name: "two", place: .latent(z: vae.vae.z, label: nil))]
            vae.overlay = mode == .bookmarks ? .bookmarks(selection: 1) : .nameBookmark(index: 1, text: "tw")
        }
        return vae
    }

    @Test(arguments: KeyMode.allCases)
    func noTwoBindingsInAModeShareAKey(_ mode: KeyMode) {
        let list = KeyMap.bindings.filter { $0.modes.contains(mode) }
        #expect(!list.isEmpty)
        for b in list {
            for key in b.keys.flatMap(\.examples) {
                let matching = list.filter { $0.matches(key) }
                #expect(matching.count == 1, "\(mode): \(key) is bound to \(matching.map(\.action))")
            }
        }
    }

    @Test(arguments: KeyMode.allCases)
    func everyBindingDispatchesToItsAction(_ mode: KeyMode) {
        let m = Self.model(in: mode)
        let layers = Explorer.keyModes(m)
        #expect(layers.contains(mode), "\(mode) is not among \(layers)")
        for b in KeyMap.bindings where b.modes.contains(mode) {
            for key in b.keys.flatMap(\.examples) {
                guard let (found, binding) = Explorer.resolve(key, m) else {
                    Issue.record("\(mode): \(key) dispatches to nothing")
                    continue
                }
                // A layer above may take the key on purpose (the scatter's arrows over the sliders' ones):
                // then it must be a layer above, never one below or a stray.
                if found != mode {
                    #expect(layers.firstIndex(of: found)! < layers.firstIndex(of: mode)!, "\(mode): \(key) went to \(found)")
                    continue
                }
                #expect(binding.action == b.action, "\(mode): \(key) → \(binding.action), not \(b.action)")
                // And `update` performs that action: the same commands, status and overlay.
                var viaUpdate = m, direct = m
                let c1 = Explorer.update(&viaUpdate, .key(key))
                let c2 = Explorer.perform(b.action, key: key, mode: mode, &direct)
                Explorer.keepInRange(&direct)
                #expect(c1 == c2 && viaUpdate.status == direct.status && viaUpdate.overlay == direct.overlay
                        && viaUpdate.quitting == direct.quitting, "\(mode): \(key)")
            }
        }
    }

    /// A global key would hide a mode's own binding of it in every state: none may share one.
    @Test func globalKeysHideNoModesKey() {
        for b in KeyMap.bindings where !b.modes.contains(.global) && !b.modes.contains(where: \.isOverlay) {
            for key in b.keys.flatMap(\.examples) {
                #expect(KeyMap.binding(for: key, in: .global) == nil, "\(key) of \(b.modes) is a global key")
            }
        }
    }

    @Test func helpAndFootersComeFromTheTable() {
        #expect(Explorer.helpLines.count == KeyMap.bindings.flatMap(\.help).filter { $0.page == .vae }.count)
        #expect(KeyMap.footer(.vae, conditional: true).contains { $0 == ("0-9", "class") })
        #expect(KeyMap.footer(.vq).first! == ("←↑↓→", "cell"))
    }

    /// docs/user-guide.md's key map, between its marker comments, is `KeyMap.markdown()`;
    /// RECORD_KEYMAP=1 writes it there.
    @Test func userGuideKeyMapIsTheTable() throws {
        let path = repositoryRoot + "/docs/user-guide.md"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let begin = "<!-- keymap:begin (generated from Sources/ExplorerApp/State/KeyMap.swift: RECORD_KEYMAP=1 swift test --filter KeyMapTests) -->\n"
        let end = "<!-- keymap:end -->"
        let start = try #require(text.range(of: begin), "no keymap:begin marker in docs/user-guide.md")
        let stop = try #require(text.range(of: end, range: start.upperBound..<text.endIndex))
        let generated = KeyMap.markdown()
        if ProcessInfo.processInfo.environment["RECORD_KEYMAP"] == "1" {
            try (text[..<start.upperBound] + generated + text[stop.lowerBound...]).write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        #expect(String(text[start.upperBound..<stop.lowerBound]) == generated,
                "docs/user-guide.md's key map differs from KeyMap (RECORD_KEYMAP=1 to rewrite it)")
    }
}
