/// The one table of key bindings (issue #27), after Bubble Tea's `bubbles/key`: each `KeyBinding` has
/// its keys, the modes it applies in, what it does (`KeyAction`), a one-line summary for the user
/// guide, and its rows in the help overlay and the footers. Dispatch (`Explorer.handle`), the help
/// overlay (`?`), the footers and docs/user-guide.md's key map (`KeyMap.markdown()`) all come from it.

/// A layer of bindings. A key is looked up in the layers the state has (`Explorer.keyModes`), topmost
/// first: `global` before everything, the scatter before the sliders or the grid, `vqScatter` before
/// `scatter`, `vqMap` before `vqGrid`. Within one mode no two bindings share a key.
public enum KeyMode: String, CaseIterable, Sendable {
    case global, sliders, spatial, scatter, vqScatter, vqGrid, vqMap
    case help, modelPicker, bookmarks, naming, goTo

    public var isOverlay: Bool { [.help, .modelPicker, .bookmarks, .naming, .goTo].contains(self) }

    /// The mode's heading in the user guide's key map.
    public var title: String {
        switch self {
        case .global: "Everywhere (VAE and VQ-VAE)"
        case .sliders: "VAE: sliders and panels"
        case .spatial: "Spatial latent [C, h, w]: the cell grid (before the sliders' keys)"
        case .scatter: "Scatter panel (VAE and VQ-VAE; before the sliders' or the grid's keys)"
        case .vqScatter: "VQ-VAE scatter panel"
        case .vqGrid: "VQ-VAE: the code grid"
        case .vqMap: "VQ-VAE codebook map panel (before the grid's keys)"
        case .help: "Help overlay"
        case .modelPicker: "Model picker (M)"
        case .bookmarks: "Bookmark list (')"
        case .naming: "Renaming a bookmark (r in the list)"
        case .goTo: "Going to a data image (:)"
        }
    }
}

/// Which keys a binding takes: one key, or a class of keys whose action receives the key pressed.
public enum KeyMatch: Equatable, Sendable {
    case key(Key)
    /// Any digit (`Character.isNumber`).
    case digits
    /// Any printable character (text typed into a name).
    case printable
    /// A key the terminal sent that the app does not know.
    case unknown

    public func matches(_ k: Key) -> Bool {
        switch (self, k) {
        case (.key(let a), _): return a == k
        case (.digits, .char(let c)): return c.isNumber
        case (.printable, .char(let c)): return !c.isNewline && c.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
        case (.unknown, .unknown): return true
        default: return false
        }
    }

    /// Keys that stand for this match in tests.
    public var examples: [Key] {
        switch self {
        case .key(let k): [k]
        case .digits: (0...9).map { .char(Character(String($0))) }
        case .printable: [.char("a"), .char("Q"), .char(" "), .char("é"), .char("7")]
        case .unknown: [.unknown("F5")]
        }
    }

    /// As written in the user guide.
    public var label: String {
        switch self {
        case .key(let k): "`\(KeyMatch.name(k))`"
        case .digits: "`0`–`9`"
        case .printable: "any printable character"
        case .unknown: "a key the app does not know"
        }
    }

    static func name(_ k: Key) -> String {
        switch k {
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .shiftLeft: "shift-←"
        case .shiftRight: "shift-→"
        case .shiftUp: "shift-↑"
        case .shiftDown: "shift-↓"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .enter: "enter"
        case .escape: "Esc"
        case .tab: "tab"
        case .backTab: "shift-tab"
        case .backspace: "backspace"
        case .char(" "): "space"
        case .char(let c): String(c)
        case .ctrl(let c): "Ctrl-" + c.uppercased()
        case .unknown(let s): s
        }
    }
}

/// What a binding does. Each mode's actions are performed by its own function in `Explorer`
/// (`performGlobal`, `performSliders`, `performScatter`, `performVQ`, `performOverlay`).
public enum KeyAction: Equatable, Sendable {
    public enum Step: Equatable, Sendable { case fine, coarse }
    public enum Sign: Equatable, Sendable { case down, up }

    // global
    case cancel, unknownKey, quit, help, modelPicker, nextRenderMode, toggleColorMap, bookmark, bookmarkList,
         saveFigures, toggleDither, goToImage
    // sliders
    case pickDimension(Sign), nudge(Step, Sign), sample, reset, nextImage, previousImage, prototypeOrClass,
         previousClass, nextClass, nextPanel, previousPanel, manifold, manifoldAxisX, manifoldAxisY,
         markA, markB, playMorph, pauseMorph, nextDirections, interpolationPath
    // spatial latent
    case pickChannel(Sign), toggleRegion, toggleAllCells, toggleLatentColour, copyLatent, pasteLatent
    // scatter
    case moveCursor(columns: Int, rows: Int), openNearest, toggleClass, nextProjection, scatterColouring, walkStart, walkEnd,
         recordPath, blendWalk, playWalk, zoomIn, zoomOut, walksAreVAE
    // VQ grid and map
    case moveCell(columns: Int, rows: Int), codeUp, codeDown, typeDigit, eraseDigit, setTypedCode, paint,
         stepBrush(forward: Bool, page: Bool), takeBrush, paletteOrder, undo, redo, revert, lockCell, unlockAll,
         temperature(Sign), surprise, variants, toggleGroups, mapProjection, pickLevel(Sign), stepDigit(Sign)
    // overlays
    case closeOverlay, selectUp, selectDown, choose, markBookmarkA, markBookmarkB, rename, deleteBookmark,
         backToList, typeText, eraseText, keepName
}

/// The help pages and footers: the VAE mode's, the spatial latent's (a VAE whose latent is [C, h, w])
/// and the VQ-VAE mode's.
public enum KeyPage: Sendable { case vae, spatial, vq }

/// A row of the help overlay: the keys as shown and what they do. Rows are shown in table order.
public struct KeyHelp: Sendable {
    public var page: KeyPage, keys: String, text: String
}

/// A footer entry; a footer shows as many as fit, ordered by `position`, then `? help` and `q quit`.
public struct KeyFooter: Sendable {
    public var page: KeyPage, keys: String, text: String, position: Int
    /// The text for a conditional VAE, when it differs.
    public var conditionalText: String?
}

public struct KeyBinding: Sendable {
    public var keys: [KeyMatch]
    public var modes: [KeyMode]
    public var action: KeyAction
    /// One line for the user guide.
    public var summary: String
    public var help: [KeyHelp] = []
    public var footer: [KeyFooter] = []

    init(_ modes: [KeyMode], _ keys: [Key], _ action: KeyAction, _ summary: String) {
        self.modes = modes
        self.keys = keys.map(KeyMatch.key)
        self.action = action
        self.summary = summary
    }

    init(_ modes: [KeyMode], match: KeyMatch, _ action: KeyAction, _ summary: String) {
        self.modes = modes
        self.keys = [match]
        self.action = action
        self.summary = summary
    }

    func help(_ page: KeyPage, _ keys: String, _ text: String) -> KeyBinding {
        var b = self
        b.help.append(KeyHelp(page: page, keys: keys, text: text))
        return b
    }

    func footer(_ page: KeyPage, _ position: Int, _ keys: String, _ text: String, conditional: String? = nil) -> KeyBinding {
        var b = self
        b.footer.append(KeyFooter(page: page, keys: keys, text: text, position: position, conditionalText: conditional))
        return b
    }

    public func matches(_ key: Key) -> Bool { keys.contains { $0.matches(key) } }
}

public enum KeyMap {
    // Table order is the help overlay's order on each page.
    public static let bindings: [KeyBinding] = spatial + sliders1 + scatter + sliders2 + vqGrid + global + overlays

    static let spatial: [KeyBinding] = [
        KeyBinding([.spatial], [.up, .char("k")], .moveCell(columns: 0, rows: -1), "move the cursor up the latent's cells (or click a cell)")
            .help(.spatial, "arrows hjkl", "move the cursor over the latent's cells (or click one)").footer(.spatial, 0, "←↑↓→", "cell"),
        KeyBinding([.spatial], [.down, .char("j")], .moveCell(columns: 0, rows: 1), "move the cursor down"),
        KeyBinding([.spatial], [.left, .char("h")], .moveCell(columns: -1, rows: 0), "move the cursor left"),
        KeyBinding([.spatial], [.right, .char("l")], .moveCell(columns: 1, rows: 0), "move the cursor right"),
        KeyBinding([.spatial], [.char(","), .char("<")], .pickChannel(.down), "the previous channel (the heat map and the `▸` slider follow)")
            .help(.spatial, ", .", "previous / next channel (heat map, slider)").footer(.spatial, 1, ", .", "channel"),
        KeyBinding([.spatial], [.char("."), .char(">")], .pickChannel(.up), "the next channel"),
        KeyBinding([.spatial], [.char("+"), .char("=")], .nudge(.fine, .up), "the channel +0.1 at the cursor cell, over the region, or at every cell (o)")
            .help(.spatial, "+ -  PgUp PgDn", "the channel ±0.1 (±0.5) at the cell / region / every cell").footer(.spatial, 2, "+/-", "value"),
        KeyBinding([.spatial], [.char("-"), .char("_")], .nudge(.fine, .down), "the channel −0.1 there"),
        KeyBinding([.spatial], [.pageUp], .nudge(.coarse, .up), "the channel +0.5 there"),
        KeyBinding([.spatial], [.pageDown], .nudge(.coarse, .down), "the channel −0.5 there"),
        KeyBinding([.spatial], [.char("v")], .toggleRegion, "a region starts at the cursor (move to span it; `+`/`-` brush it); again: no region")
            .help(.spatial, "v  o", "region from here to the cursor (brush); o: every cell (offset)").footer(.spatial, 3, "v", "region"),
        KeyBinding([.spatial], [.char("o")], .toggleAllCells, "`+`/`-` offset the channel at every cell ↔ at the cell or region").footer(.spatial, 4, "o", "all cells"),
        KeyBinding([.spatial], [.char("C")], .toggleLatentColour, "the grid: a heat map of the channel ↔ channels 0–2 as red, green, blue")
            .help(.spatial, "C", "grid: the channel's heat map ↔ channels 0–2 as colour").footer(.spatial, 11, "C", "colour"),
        KeyBinding([.spatial], [.char("Y")], .copyLatent, "copy the region's values (every channel; no region: the cursor cell)")
            .help(.spatial, "Y  P", "copy the region; paste it at the cursor into this latent (collage)").footer(.spatial, 6, "Y/P", "copy/paste"),
        KeyBinding([.spatial], [.char("P")], .pasteLatent, "paste the copied region with its top-left at the cursor (another image's latent after n, a bookmark, a sample: a collage)"),
    ]

    static let sliders1: [KeyBinding] = [
        KeyBinding([.sliders], [.up, .char("k")], .pickDimension(.up), "pick the dimension above (the `▸` row)")
            .help(.vae, "↑ ↓  k j", "pick a latent dimension").footer(.vae, 0, "↑↓", "dim"),
        KeyBinding([.sliders], [.down, .char("j")], .pickDimension(.down), "pick the dimension below"),
        KeyBinding([.sliders], [.left, .char("h")], .nudge(.fine, .down), "move it by −0.1 (every change decodes and redraws at once; the mouse: click a slider to set it, the wheel moves it)")
            .help(.vae, "← →  h l", "move it by 0.1; H L / shift-arrows: 0.5; mouse: click, wheel").footer(.vae, 1, "←→", "move"),
        KeyBinding([.sliders], [.right, .char("l")], .nudge(.fine, .up), "move it by +0.1"),
        KeyBinding([.sliders], [.shiftLeft, .char("H")], .nudge(.coarse, .down), "move it by −0.5"),
        KeyBinding([.sliders], [.shiftRight, .char("L")], .nudge(.coarse, .up), "move it by +0.5"),
        KeyBinding([.sliders], [.char("s")], .sample, "sample z ~ N(0, I)")
            .help(.vae, "s", "sample z ~ N(0, I)").footer(.vae, 2, "s", "sample")
            .help(.spatial, "s r", "sample z ~ N(0, I) (in the scaled space); r: z = 0").footer(.spatial, 7, "s", "sample"),
        KeyBinding([.sliders], [.char("r")], .reset, "reset z to 0")
            .help(.vae, "r", "reset z to 0").footer(.vae, 3, "r", "reset"),
        KeyBinding([.sliders], [.char("n")], .nextImage, "next held-out image: its original, its reconstruction (the decoded μ), and μ ± σ on every slider")
            .help(.vae, "n p", "next / previous data image: original, reconstruction, μ ± σ").footer(.vae, 4, "n/p", "data")
            .help(.spatial, "n p", "next / previous data image (its latent; edits are marked)").footer(.spatial, 8, "n/p", "data"),
        KeyBinding([.sliders], [.char("p")], .previousImage, "previous held-out image"),
        KeyBinding([.sliders], match: .digits, .prototypeOrClass, "VAE: jump to the class's prototype, the mean μ of its held-out images; conditional VAE: decode as that class")
            .help(.vae, "0-9", "prototype (mean μ) of a class; CVAE: the class ([ ] cycle)")
            .footer(.vae, 5, "0-9", "prototype", conditional: "class"),
        KeyBinding([.sliders], [.tab, .char("v")], .nextPanel, "bottom panel: neuron progression → 2D manifold grid → interpolation → posterior samples → scatter")
            .help(.vae, "tab v", "panel: progression → manifold → A→B → posterior → scatter").footer(.vae, 6, "tab", "panel")
            .help(.spatial, "tab", "panel: progression (the cell's channel) → manifold → A→B → posterior → scatter").footer(.spatial, 9, "tab", "panel"),
        KeyBinding([.sliders], [.backTab], .previousPanel, "the previous bottom panel"),
    ]

    static let scatter: [KeyBinding] = [
        KeyBinding([.scatter], [.left, .char("h")], .moveCursor(columns: -1, rows: 0), "move the cursor left (a click puts it there); zoomed in, past the edge pans")
            .help(.vae, "scatter", "arrows / click: cursor; enter / 2nd click: open the nearest"),
        KeyBinding([.scatter], [.right, .char("l")], .moveCursor(columns: 1, rows: 0), "move the cursor right"),
        KeyBinding([.scatter], [.up, .char("k")], .moveCursor(columns: 0, rows: -1), "move the cursor up"),
        KeyBinding([.scatter], [.down, .char("j")], .moveCursor(columns: 0, rows: 1), "move the cursor down"),
        KeyBinding([.scatter], [.char("H"), .shiftLeft], .moveCursor(columns: -5, rows: 0), "move the cursor 5 columns left"),
        KeyBinding([.scatter], [.char("L"), .shiftRight], .moveCursor(columns: 5, rows: 0), "move the cursor 5 columns right"),
        KeyBinding([.scatter], [.char("K"), .shiftUp], .moveCursor(columns: 0, rows: -3), "move the cursor 3 rows up"),
        KeyBinding([.scatter], [.char("J"), .shiftDown], .moveCursor(columns: 0, rows: 3), "move the cursor 3 rows down"),
        KeyBinding([.scatter], [.enter], .openNearest, "open the data image nearest the cursor (as a second click on the same cell does)"),
        KeyBinding([.scatter], match: .digits, .toggleClass, "hide / show a class")
            .help(.vae, "", "0-9 hide/show a class; u PCA → UMAP → t-SNE; + − / wheel zoom"),
        KeyBinding([.scatter], [.char("u")], .nextProjection, "projection: PCA → UMAP → t-SNE (the slow two computed once, in the background)"),
        KeyBinding([.scatter], [.char("z")], .scatterColouring, "colour the points by class → reconstruction error → KL → ‖μ‖ (a legend gives the range)")
            .help(.vae, "", "z: colour by class / reconstruction error / KL / ‖μ‖"),
        KeyBinding([.scatter], [.char("+"), .char("=")], .zoomIn, "zoom in around the cursor (the wheel zooms too)"),
        KeyBinding([.scatter], [.char("-")], .zoomOut, "zoom out"),
        KeyBinding([.scatter], [.char("a")], .walkStart, "VAE: a line walk starts at the cursor, decoded step by step")
            .help(.vae, "", "a b: walk a line, decoded step by step; w: blend; i: play"),
        KeyBinding([.scatter], [.char("b")], .walkEnd, "VAE: the line walk ends at the cursor"),
        KeyBinding([.scatter], [.char("w")], .blendWalk, "VAE: the walk's latents: the nearest data point's ↔ a blend of the 10 nearest"),
        KeyBinding([.scatter], [.char("i"), .char(" ")], .playWalk, "VAE: play / stop the walk"),
        KeyBinding([.scatter], [.char("f")], .recordPath, "VAE: start recording a path with the cursor; again: decode it as a film strip")
            .help(.vae, "", "f … f: record a path with the cursor, decoded as a film strip"),
        KeyBinding([.vqScatter], [.char("a"), .char("b"), .char("w"), .char("i"), .char("f")], .walksAreVAE,
                   "line walks decode latents: they are in the VAE mode (the status line says so)"),
    ]

    static let sliders2: [KeyBinding] = [
        KeyBinding([.sliders], [.char("g")], .manifold, "2D manifold grid")
            .help(.vae, "g  x y", "2D manifold grid; x / y: the selected dim on that axis").footer(.vae, 7, "g", "grid")
            .help(.spatial, "g  x y", "2D manifold grid; x / y: the cell's channel on that axis"),
        KeyBinding([.sliders], [.char("x")], .manifoldAxisX, "put the selected dimension on the grid's horizontal axis"),
        KeyBinding([.sliders], [.char("y")], .manifoldAxisY, "put the selected dimension on the grid's vertical axis"),
        KeyBinding([.sliders], [.char("a")], .markA, "mark A")
            .help(.vae, "a b i", "mark A, mark B, play the morph A → B (space pauses)").footer(.vae, 8, "a/b/i", "morph")
            .help(.spatial, "a b i", "mark A, mark B, play the morph A → B (space pauses)"),
        KeyBinding([.sliders], [.char("b")], .markB, "mark B"),
        KeyBinding([.sliders], [.char("i")], .playMorph, "play the morph from A to B"),
        KeyBinding([.sliders], [.char(" ")], .pauseMorph, "pause / play the morph"),
        KeyBinding([.sliders], [.char("D")], .nextDirections, "sliders along: the latent's dimensions → PCA of the data's μ → local PCA around z → the decoder's Jacobian at z → A → B (when marked); each slider one standard deviation of the data")
            .help(.vae, "D  t", "sliders along dims, PCA, local PCA, Jacobian, A→B; t: slerp")
            .help(.spatial, "D  t", "sliders along PCA, local PCA, Jacobian, A→B, grid; t: slerp")
            .footer(.vae, 9, "D", "directions").footer(.spatial, 10, "D", "directions"),
        KeyBinding([.sliders], [.char("t")], .interpolationPath, "A → B (strip and morph) and a walk's playback between its steps: a straight line ↔ the great circle (slerp)"),
        KeyBinding([.sliders], [.char("[")], .previousClass, "conditional VAE: the previous class"),
        KeyBinding([.sliders], [.char("]")], .nextClass, "conditional VAE: the next class"),
    ]

    static let vqGrid: [KeyBinding] = [
        KeyBinding([.vqGrid], [.up, .char("k")], .moveCell(columns: 0, rows: -1), "move the cursor up the code grid (or click a cell)")
            .help(.vq, "arrows hjkl", "move the cursor over the code grid (or click a cell)").footer(.vq, 0, "←↑↓→", "cell"),
        KeyBinding([.vqGrid], [.down, .char("j")], .moveCell(columns: 0, rows: 1), "move the cursor down"),
        KeyBinding([.vqGrid], [.left, .char("h")], .moveCell(columns: -1, rows: 0), "move the cursor left"),
        KeyBinding([.vqGrid], [.right, .char("l")], .moveCell(columns: 1, rows: 0), "move the cursor right"),
        KeyBinding([.vqGrid], [.char("+"), .char("=")], .codeUp, "the cell's next code (wraps around the codebook)")
            .help(.vq, "+ -", "step the cell's code; digits then enter: type a code").footer(.vq, 1, "+/-", "code"),
        KeyBinding([.vqGrid], [.char("-"), .char("_")], .codeDown, "the cell's previous code"),
        KeyBinding([.vqGrid], match: .digits, .typeDigit, "type a code (up to 6 digits; `Esc` cancels)").footer(.vq, 2, "0-9⏎", "type"),
        KeyBinding([.vqGrid], [.backspace], .eraseDigit, "erase the last typed digit"),
        KeyBinding([.vqGrid], [.enter], .setTypedCode, "set the cell to the typed code (a code ≥ K is refused in the status line)"),
        KeyBinding([.vqGrid], [.char(" ")], .paint, "paint the brush's code into the cell")
            .help(.vq, "space", "paint the brush; b: brush = the cell's code; 42b: code 42").footer(.vq, 3, "space", "paint"),
        KeyBinding([.vqGrid], [.char("b")], .takeBrush, "the brush takes the cell's code (after typed digits: that code)"),
        KeyBinding([.vqGrid], [.char("."), .char(">")], .stepBrush(forward: true, page: false), "brush: the next code in palette order")
            .help(.vq, ", .", "brush: previous / next in palette order; PgUp PgDn: a tenth").footer(.vq, 4, ", .", "brush"),
        KeyBinding([.vqGrid], [.char(","), .char("<")], .stepBrush(forward: false, page: false), "brush: the previous code in palette order"),
        KeyBinding([.vqGrid], [.pageDown], .stepBrush(forward: true, page: true), "brush: a tenth of the palette on (51 codes at K = 512)"),
        KeyBinding([.vqGrid], [.pageUp], .stepBrush(forward: false, page: true), "brush: a tenth of the palette back"),
        KeyBinding([.vqGrid], [.char("o")], .paletteOrder, "palette order: by index → by use → codes in this grid")
            .help(.vq, "o", "palette order: by index → by use → codes in this grid").footer(.vq, 11, "o", "order"),
        KeyBinding([.vqGrid], [.char("u")], .undo, "undo (every edit, paint, revert and sample)")
            .help(.vq, "u  U", "undo / redo (or ctrl-r); r reverts; map, scatter: projection").footer(.vq, 5, "u/U", "undo/redo"),
        KeyBinding([.vqGrid], [.char("U"), .ctrl("r")], .redo, "redo"),
        KeyBinding([.vqGrid], [.char("r")], .revert, "back to the image's own codes").footer(.vq, 6, "r", "revert"),
        KeyBinding([.vqGrid], [.char("n")], .nextImage, "next data image (original, reconstruction, codes)")
            .help(.vq, "n p", "next / previous data image (original, reconstruction, codes)").footer(.vq, 7, "n/p", "data"),
        KeyBinding([.vqGrid], [.char("p")], .previousImage, "previous data image"),
        KeyBinding([.vqGrid], [.char("s")], .sample, "sample a grid: from the prior (keeping locked cells), else from the per-position code frequencies")
            .help(.vq, "s", "sample a grid: from the prior, else per-position frequencies").footer(.vq, 8, "s", "sample"),
        KeyBinding([.vqGrid], [.char("x")], .lockCell, "lock / unlock the cell (s keeps locked cells)")
            .help(.vq, "x X", "lock / unlock the cell (s keeps locked cells); X unlocks all").footer(.vq, 12, "x", "lock"),
        KeyBinding([.vqGrid], [.char("X")], .unlockAll, "unlock all cells"),
        KeyBinding([.vqGrid], [.char("[")], .temperature(.down), "prior: temperature −0.1")
            .help(.vq, "[ ] e", "prior: temperature −/+; e: each cell's surprise as heat"),
        KeyBinding([.vqGrid], [.char("]")], .temperature(.up), "prior: temperature +0.1"),
        KeyBinding([.vqGrid], [.char("e")], .surprise, "heat: each cell's surprise under the prior ↔ |edit − reconstruction|").footer(.vq, 13, "e", "surprise"),
        KeyBinding([.vqGrid], [.tab], .nextPanel, "panel: palette → distances → usage → codebook map → scatter")
            .help(.vq, "tab", "panel: palette → distances → usage → codebook map → scatter").footer(.vq, 9, "tab", "panel"),
        KeyBinding([.vqGrid], [.backTab], .previousPanel, "the previous panel"),
        KeyBinding([.vqGrid], [.char("v")], .variants, "palette: each code alone ↔ each code in the cursor cell")
            .help(.vq, "v", "palette: each code alone ↔ each code in the cursor cell").footer(.vq, 10, "v", "variants"),
        KeyBinding([.vqGrid], [.char("}")], .pickLevel(.up), "residual VQ: the next level (its codes in the grid; its palette, usage and map); FSQ: the next dimension")
            .help(.vq, "{ }  ( )", "RVQ: previous / next level; FSQ: dimension, ( ) its level").footer(.vq, 14, "{ }", "level"),
        KeyBinding([.vqGrid], [.char("{")], .pickLevel(.down), "residual VQ: the previous level; FSQ: the previous dimension"),
        KeyBinding([.vqGrid], [.char(")")], .stepDigit(.up), "FSQ: the cell's code one level up in the chosen dimension (the others kept)"),
        KeyBinding([.vqGrid], [.char("(")], .stepDigit(.down), "FSQ: one level down in the chosen dimension"),
        KeyBinding([.vqMap], [.char("i")], .toggleGroups, "images grouped by their code at the cursor cell, on / off")
            .help(.vq, "i", "codebook map: images grouped by their code at the cursor cell"),
        KeyBinding([.vqMap], [.char("u")], .mapProjection, "the map's projection: PCA ↔ UMAP"),
    ]

    static let global: [KeyBinding] = [
        KeyBinding([.global], [.char("m")], .nextRenderMode, "render mode: half-block `▀` → braille `⠿` → ASCII")
            .help(.vae, "m d c", "render ▀ → ⠿ → ASCII; d: braille dithering; c: grey ↔ viridis")
            .help(.vq, "m d c", "render mode; braille dithering; grey ↔ viridis").help(.spatial, "m d c", "render mode; braille dithering; grey ↔ viridis")
            .footer(.vae, 9, "m", "render"),
        KeyBinding([.global], [.char("d")], .toggleDither, "braille: ordered dithering ↔ a threshold at 50 %"),
        KeyBinding([.global], [.char("c")], .toggleColorMap, "colour map: grey ↔ viridis"),
        KeyBinding([.global], [.char("M")], .modelPicker, "model picker (every `.safetensors` in `Weights/` and next to `--model`)")
            .help(.vae, "M  S", "pick a model from Weights/; S: save image & panel as PNG/GIF")
            .help(.vq, "M S ?", "model picker; S: save the image and palette (PNG); this help").footer(.vae, 10, "M", "models")
            .help(.spatial, "M  S", "pick a model; S: save image & panel as PNG/GIF"),
        KeyBinding([.global], [.char("S")], .saveFigures, "save figures of what the view shows"),
        KeyBinding([.global], [.char("B")], .bookmark, "bookmark the current z or VQ grid")
            .help(.vae, "B  '", "bookmark this z; ': list: jump, A / B, r rename, d delete")
            .help(.spatial, "B  '", "bookmark this z; ': list: jump, A / B, r rename, d delete")
            .help(.vq, "B  '", "bookmark this grid; ': list: jump, r rename, d delete"),
        KeyBinding([.global], [.char("'")], .bookmarkList, "list the bookmarks"),
        KeyBinding([.global], [.char(":")], .goToImage, "go to a data image by its number (type it, then enter)")
            .help(.vae, ":", "go to a data image by its number").help(.spatial, ":", "go to a data image by its number")
            .help(.vq, ":", "go to a data image by its number"),
        KeyBinding([.global], [.char("?")], .help, "help overlay")
            .help(.vae, "?  q", "this help; q or Ctrl-C quits (Esc closes this)")
            .help(.spatial, "?  q", "this help; q or Ctrl-C quits (Esc cancels the region, closes this)"),
        KeyBinding([.global], [.char("q"), .ctrl("c")], .quit, "quit; the terminal is always restored (Ctrl-C exits with status 130)")
            .help(.vq, "q  Ctrl-C", "quit (Esc cancels typing, closes this)"),
        KeyBinding([.global], [.escape], .cancel, "cancels a typed code or a path being recorded, and otherwise does nothing: quitting is deliberate, so a stray escape sequence never ends a session"),
        KeyBinding([.global], match: .unknown, .unknownKey, "named in the status line, and otherwise ignored"),
    ]

    static let overlays: [KeyBinding] = [
        KeyBinding([.help, .modelPicker, .bookmarks], [.escape], .closeOverlay, "close the overlay"),
        KeyBinding([.help], [.char("?"), .enter], .closeOverlay, "close the help"),
        KeyBinding([.help, .modelPicker, .bookmarks], [.char("q"), .ctrl("c")], .quit, "quit (an open overlay never makes q a no-op)"),
        KeyBinding([.modelPicker, .bookmarks], [.up, .char("k")], .selectUp, "select the row above"),
        KeyBinding([.modelPicker, .bookmarks], [.down, .char("j")], .selectDown, "select the row below"),
        KeyBinding([.modelPicker, .bookmarks], [.enter], .choose, "load the model; jump to the bookmark"),
        KeyBinding([.bookmarks], [.char("a")], .markBookmarkA, "VAE: the bookmark becomes mark A"),
        KeyBinding([.bookmarks], [.char("b")], .markBookmarkB, "VAE: the bookmark becomes mark B"),
        KeyBinding([.bookmarks], [.char("r")], .rename, "rename the bookmark"),
        KeyBinding([.bookmarks], [.char("d"), .backspace], .deleteBookmark, "delete the bookmark"),
        KeyBinding([.naming], [.escape], .backToList, "back to the list, the name unchanged"),
        KeyBinding([.naming], [.ctrl("c")], .quit, "quit"),
        KeyBinding([.naming], [.backspace], .eraseText, "erase the last character"),
        KeyBinding([.naming], [.enter], .keepName, "keep the new name"),
        KeyBinding([.naming], match: .printable, .typeText, "typed into the name (q too; up to 40 characters)"),
        KeyBinding([.goTo], match: .digits, .typeText, "a digit of the image's number"),
        KeyBinding([.goTo], [.backspace], .eraseText, "erase the last digit"),
        KeyBinding([.goTo], [.enter], .choose, "open that image (a number past the data is refused in the status line)"),
        KeyBinding([.goTo], [.escape], .closeOverlay, "cancel"),
        KeyBinding([.goTo], [.char("q"), .ctrl("c")], .quit, "quit"),
    ]

    /// Each mode's bindings, in table order.
    static let byMode: [KeyMode: [KeyBinding]] = Dictionary(uniqueKeysWithValues: KeyMode.allCases.map { mode in
        (mode, bindings.filter { $0.modes.contains(mode) })
    })

    /// The binding for `key` in `mode`, if any.
    public static func binding(for key: Key, in mode: KeyMode) -> KeyBinding? {
        byMode[mode]?.first { $0.matches(key) }
    }

    /// The help overlay's rows for a page.
    public static func helpLines(_ page: KeyPage) -> [(String, String)] {
        bindings.flatMap { $0.help.filter { $0.page == page }.map { ($0.keys, $0.text) } }
    }

    /// The footer's entries for a page, in their order.
    public static func footer(_ page: KeyPage, conditional: Bool = false) -> [(String, String)] {
        bindings.flatMap { $0.footer.filter { $0.page == page } }.sorted { $0.position < $1.position }
            .map { ($0.keys, conditional ? $0.conditionalText ?? $0.text : $0.text) }
    }

    /// The user guide's key map: one table per mode, generated from the bindings.
    public static func markdown() -> String {
        var out: [String] = []
        for mode in KeyMode.allCases {
            guard let list = byMode[mode], !list.isEmpty else { continue }
            out += ["", "### \(mode.title)", "", "| keys | what they do |", "| --- | --- |"]
            for b in list {
                out.append("| \(b.keys.map(\.label).joined(separator: " ")) | \(b.summary) |")
            }
        }
        return out.dropFirst().joined(separator: "\n") + "\n"
    }
}
