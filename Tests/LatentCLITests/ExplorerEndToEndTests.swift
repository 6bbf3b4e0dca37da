import Foundation
import LatentCore
import LatentIO
import Testing

/// The explorer run as a person would, in a real terminal (tmux): it starts, a slider moves the digit,
/// q or Ctrl-C quits, and the terminal is left as it was (canonical mode and echo back on).
@Suite(.serialized) struct ExplorerEndToEndTests {
    final class Tmux {
        let socket = "latent-e2e-\(UUID().uuidString.prefix(8))"
        let session = "e2e"

        /// Runs a tmux command through the shell (popen). Foundation's Process is avoided here: tmux's
        /// client forks the server and exits, and waiting on it through Process hung on Linux.
        @discardableResult
        func run(_ args: [String]) throws -> String {
            let quoted = args.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            guard let pipe = popen("tmux -L \(socket) \(quoted) 2>/dev/null </dev/null", "r") else { return "" }
            var out = Data()
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = fread(&buffer, 1, buffer.count, pipe)
                if n <= 0 { break }
                out.append(contentsOf: buffer[0..<n])
            }
            pclose(pipe)
            return String(decoding: out, as: UTF8.self)
        }

        func start(_ command: String) throws {
            // The server must not inherit popen's pipe, or reading it would never end.
            let quoted = "'" + command.replacingOccurrences(of: "'", with: "'\\''") + "'"
            system("tmux -L \(socket) new-session -d -s \(session) -x 120 -y 40 \(quoted) </dev/null >/dev/null 2>&1")
        }

        func screen() throws -> String { try run(["capture-pane", "-p", "-t", session]) }

        /// The screen with its colours (SGR sequences) kept.
        func styledScreen() throws -> String { try run(["capture-pane", "-p", "-e", "-t", session]) }

        func keys(_ keys: String...) throws { try run(["send-keys", "-t", session] + keys) }

        /// Polls the screen until `condition` holds (or `seconds` pass); `styled`: with its colours (SGR
        /// sequences). A frame reaches tmux in several writes, and a slow decode lands a frame later than
        /// the key's: a check on one part of the screen must wait for it rather than for another part.
        func wait(seconds: Double = 15, styled: Bool = false, _ condition: (String) -> Bool) throws -> String {
            var last = ""
            for _ in 0..<Int(seconds * 20) {
                last = try styled ? styledScreen() : screen()
                if condition(last) { return last }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return last
        }

        deinit { system("tmux -L \(socket) kill-server >/dev/null 2>&1") }
    }

    static var tmuxAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/tmux")
    }

    /// The command tmux runs: the explorer, then its exit status and the terminal modes it left behind.
    static func command(_ binary: String, arguments: String = "", render: String = "ascii") -> String {
        "cd '\(CLITests.root)' && '\(binary)' --render \(render) \(arguments); echo EXIT:$?; "
            + "stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' '; echo; sleep 30"
    }

    /// The decoded digit's box, as text (ASCII rendering makes the image readable).
    static func digitBox(_ screen: String) -> String {
        screen.split(separator: "\n", omittingEmptySubsequences: false).prefix(17).map { line in
            String(line.suffix(30))
        }.joined(separator: "\n")
    }

    @Test(.enabled(if: tmuxAvailable)) func sliderMovesTheDigitAndQuitRestoresTheTerminal() throws {
        let binary = try #require(CLITests.binary)
        let tmux = Tmux()
        try tmux.start(Self.command(binary))
        let first = try tmux.wait { $0.contains("LatentExplorer") && $0.contains("neuron progression") && $0.contains("%") }
        #expect(first.contains("vae-z10.safetensors"))
        #expect(first.contains("▸z0"))
        try tmux.keys("L", "L", "L", "L")
        let moved = try tmux.wait { $0.contains("+2.00") && Self.digitBox($0) != Self.digitBox(first) }
        #expect(moved.contains("+2.00"))
        #expect(Self.digitBox(moved) != Self.digitBox(first), "the digit did not change")
        try tmux.keys("q")
        let after = try tmux.wait { $0.contains("EXIT:") && $0.contains("icanon") }
        #expect(after.contains("EXIT:0"))
        #expect(after.contains("icanon echo") || after.contains("echo icanon"), "terminal modes after exit: \(after)")
        #expect(!after.contains("LatentExplorer"))  // the alternate screen is gone
    }

    @Test(.enabled(if: tmuxAvailable)) func ctrlCAlsoRestoresTheTerminal() throws {
        let binary = try #require(CLITests.binary)
        let tmux = Tmux()
        try tmux.start(Self.command(binary))
        _ = try tmux.wait { $0.contains("LatentExplorer") }
        try tmux.keys("?")
        _ = try tmux.wait { $0.contains("keys") }
        try tmux.keys("C-c")
        let after = try tmux.wait { $0.contains("EXIT:") && $0.contains("icanon") }
        #expect(after.contains("EXIT:130"))  // 128 + SIGINT, as shells expect
        #expect(after.contains("icanon echo") || after.contains("echo icanon"), "terminal modes after exit: \(after)")
    }

    @Test(.enabled(if: tmuxAvailable)) func editingAVQVAECodeChangesTheDecode() throws {
        let binary = try #require(CLITests.binary)
        let tmux = Tmux()
        try tmux.start(Self.command(binary, arguments: "--model Weights/vqvae-k32.safetensors"))
        let first = try tmux.wait { $0.contains("decoded codes") && $0.contains("codebook") && $0.contains("%") }
        #expect(first.contains("VQ-VAE · K=32"))
        try tmux.keys("Down", "Down", "Down", "Right", "Right", "Right", "+", "+", "+")
        // The edited decode (the box right of the thumbnails) differs from the unedited one.
        func box(_ screen: String) -> String {
            screen.split(separator: "\n", omittingEmptySubsequences: false).prefix(17).map { line in
                String(line.dropFirst(40).prefix(30))
            }.joined(separator: "\n")
        }
        let edited = try tmux.wait { $0.contains("─ edited ─") && $0.contains("→ code") && box($0) != box(first) }
        #expect(edited.contains("─ edited ─"))
        #expect(box(edited) != box(first))
        try tmux.keys("q")
        let after = try tmux.wait { $0.contains("EXIT:") && $0.contains("icanon") }
        #expect(after.contains("EXIT:0"))
    }

    /// Colours in an SGR-styled screen that are not grey: 256-colour cube entries with unequal levels
    /// (`38;5;N` / `48;5;N`) and truecolour triples that differ.
    static func chromaticColours(_ styled: String) -> Set<String> {
        var found = Set<String>()
        for sequence in styled.components(separatedBy: "\u{1B}[").dropFirst() {
            guard let end = sequence.firstIndex(of: "m") else { continue }
            let fields = sequence[..<end].split(separator: ";").map { Int($0) ?? -1 }
            var i = 0
            while i < fields.count {
                if (fields[i] == 38 || fields[i] == 48), i + 2 < fields.count, fields[i + 1] == 5 {
                    let n = fields[i + 2] - 16
                    if n >= 0 && n < 216 && !(n / 36 == (n / 6) % 6 && (n / 6) % 6 == n % 6) { found.insert("5;\(n + 16)") }
                    i += 3
                } else if (fields[i] == 38 || fields[i] == 48), i + 4 < fields.count, fields[i + 1] == 2 {
                    if fields[i + 2] != fields[i + 3] || fields[i + 3] != fields[i + 4] { found.insert("2;\(fields[i + 2]);\(fields[i + 3]);\(fields[i + 4])") }
                    i += 5
                } else { i += 1 }
            }
        }
        return found
    }

    /// A colour model exported from PyTorch (3×32×32, tanh output) opens from its manifest with its own
    /// .npy data (float in the model's [-1, 1], N×H×W×C), and the screen carries its colours.
    @Test(.enabled(if: tmuxAvailable)) func anRGBModelOpensInColour() throws {
        let binary = try #require(CLITests.binary)
        let tmux = Tmux()
        let dir = "Tests/LatentNNTests/Fixtures/onnx/conv-vae-rgb-ts"
        // Four images of smooth colour gradients (hue across, brightness down), as photos come.
        var pixels: [Float] = []
        for n in 0..<4 {
            for y in 0..<32 {
                for x in 0..<32 {
                    let t = Float(x) / 31, v = Float(y) / 31
                    let rgb: [Float] = [t, 1 - t, Float(n) / 3].map { (0.2 + 0.8 * v) * $0 }
                    pixels += rgb.map { 2 * $0 - 1 }
                }
            }
        }
        let data = NSTemporaryDirectory() + "latent-rgb-\(UUID().uuidString.prefix(8)).npy"
        defer { try? FileManager.default.removeItem(atPath: data) }
        try NPY.write(Tensor(shape: [4, 32, 32, 3], data: pixels), to: data)
        // (swift test sets NO_COLOR for its children; the explorer would rightly draw in mono.)
        try tmux.start("unset NO_COLOR; export TERM=xterm-256color; " + Self.command(binary, arguments: "--model \(dir)/model.json --data \(data)", render: "half"))
        let opened = try tmux.wait { $0.contains("model.json · VAE") && $0.contains("decoded z") && $0.contains("▀") }
        #expect(opened.contains("model.json · VAE"), "\(opened)")
        try tmux.keys("n")
        let shown = try tmux.wait { $0.contains("image 0") && $0.contains("reconstruction") }
        let colours = Self.chromaticColours(try tmux.wait(styled: true) { Self.chromaticColours($0).count >= 20 })
        #expect(shown.contains("image 0"), "\(shown)")
        // The status bar and sliders use a few fixed colours; the data image's gradients bring many more.
        #expect(colours.count >= 20, "colours on screen: \(colours.sorted())")
        try tmux.keys("q")
        let after = try tmux.wait { $0.contains("EXIT:") && $0.contains("icanon") }
        #expect(after.contains("EXIT:0"), "\(after)")
    }

    /// Current libraries' models open from their manifests with their own images, in colour, and quit on
    /// q: a spatial VAE with diffusers' scaling (256 values), a deterministic TAESD-style autoencoder, a
    /// cosine VQ codebook, FSQ's implicit one and a residual VQ.
    @Test(.enabled(if: tmuxAvailable), arguments: [("kl-ts", "VAE"), ("tiny-dynamo", "autoencoder"), ("vq-cos-ts", "VQ-VAE"), ("fsq-ts", "VQ-VAE"), ("rvq-ts", "VQ-VAE")])
    func aLibraryModelOpensInColour(folder: String, kind: String) throws {
        let binary = try #require(CLITests.binary)
        let tmux = Tmux()
        let dir = "Tests/LatentNNTests/Fixtures/onnx-lib/\(folder)"
        try tmux.start("unset NO_COLOR; export TERM=xterm-256color; "
                       + Self.command(binary, arguments: "--model \(dir)/model.json --data \(dir)/input-x.npy", render: "half"))
        let opened = try tmux.wait { $0.contains("model.json · \(kind)") && $0.contains("▀") }
        #expect(opened.contains("model.json · \(kind)"), "\(opened)")
        if kind != "VQ-VAE" { try tmux.keys("n") }  // a continuous model shows a data image on n; a VQ-VAE opens on one
        let shown = try tmux.wait { $0.contains("image 0") }
        #expect(shown.contains("image 0"), "\(shown)")
        if kind != "VQ-VAE" {
            // Both continuous ones have a 4 × 8 × 8 latent: it opens as its cell grid, and a key moves
            // the cursor cell.
            #expect(shown.contains("latent 4×8×8 · channel 0 · row 0, col 0"), "\(shown)")
            try tmux.keys("Right", "Down", ".")
            let moved = try tmux.wait { $0.contains("latent 4×8×8 · channel 1 · row 1, col 1") }
            #expect(moved.contains("latent 4×8×8 · channel 1 · row 1, col 1"), "\(moved)")
        }
        if folder == "rvq-ts" {
            // A residual VQ opens on level 1 of its codes; } shows the next level.
            #expect(shown.contains("· L1/"), "\(shown)")
            try tmux.keys("}")
            let next = try tmux.wait { $0.contains("· L2/") }
            #expect(next.contains("level 2 of"), "\(next)")
        }
        let colours = Self.chromaticColours(try tmux.wait(styled: true) { Self.chromaticColours($0).count >= 20 })
        #expect(colours.count >= 20, "\(folder): colours on screen: \(colours.count)")
        try tmux.keys("q")
        let after = try tmux.wait { $0.contains("EXIT:") && $0.contains("icanon") }
        #expect(after.contains("EXIT:0"), "\(after)")
    }

    @Test(.enabled(if: tmuxAvailable)) func clickingTheScatterPointsAndOpensTheNearestImage() throws {
        let binary = try #require(CLITests.binary)
        let tmux = Tmux()
        try tmux.start(Self.command(binary))
        _ = try tmux.wait { $0.contains("LatentExplorer") && $0.contains("neuron progression") }
        try tmux.keys("Tab", "Tab", "Tab", "Tab")
        _ = try tmux.wait { $0.contains("latents of 1000 images") && $0.contains("PCA") && $0.contains("┼") }
        // A left press and release in the xterm (X10) encoding ncurses reads: ESC [ M, then 32 + button,
        // 33 + column, 33 + row — here column 70, row 30, inside the plot.
        let at = String(UnicodeScalar(33 + 70)!) + String(UnicodeScalar(33 + 30)!)
        func click() throws {
            try tmux.run(["send-keys", "-t", tmux.session, "-l", "\u{1B}[M " + at])
            try tmux.run(["send-keys", "-t", tmux.session, "-l", "\u{1B}[M#" + at])
        }
        try click()
        // One frame reaches tmux as several writes: wait for the status line and the plot row together,
        // or a capture between the two sees the new status over the old plot.
        func cursorRow(_ screen: String) -> Substring? {
            let rows = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return rows.count > 30 ? rows[30] : nil
        }
        let pointed = try tmux.wait { $0.contains("nearest: image") && cursorRow($0)?.dropFirst(70).first == "┼" }
        #expect(pointed.contains("nearest: image"), "\(pointed)")
        let row = cursorRow(pointed) ?? ""
        #expect(row.dropFirst(70).first == "┼", "the cursor is not where the click was: \(row)")
        // A second click on the same cell opens the nearest image (its label in the status line).
        try click()
        let opened = try tmux.wait { $0.split(separator: "\n").first?.contains(" · label ") == true && !$0.contains("nearest:") }
        #expect(opened.split(separator: "\n").first?.contains("image ") == true, "\(opened.split(separator: "\n").first ?? "")")
        try tmux.keys("q")
        let after = try tmux.wait { $0.contains("EXIT:") && $0.contains("icanon") }
        #expect(after.contains("EXIT:0"))
    }

    /// Random keys (Home, End, F-keys, Alt+key and unknown sequences among them), raw mouse reports in
    /// both protocols and resizes, under TERM=xterm-256color in tmux: the app is still there afterwards,
    /// leaves only on q, with status 0 and the terminal restored. `../shared/tools/keyfuzz.sh` is the
    /// long version of this.
    @Test(.enabled(if: tmuxAvailable), arguments: ["", "--model Weights/vqvae-k32.safetensors"])
    func randomKeysNeverEndTheSession(arguments: String) throws {
        let binary = try #require(CLITests.binary)
        let tmux = Tmux()
        try tmux.start("export TERM=xterm-256color; " + Self.command(binary, arguments: arguments))
        _ = try tmux.wait { $0.contains("LatentExplorer") && $0.contains("%") }
        let named = ["Up", "Down", "Left", "Right", "Tab", "BTab", "Enter", "Space", "BSpace", "PageUp", "PageDown", "Home",
                     "End", "F1", "F5", "F12", "S-Left", "S-Right", "Escape", "M-x", "M-a", "C-a", "C-d", "C-l", "DC", "IC"]
        let typed = Array("0123456789abcdefghijklmnoprstuvwxyzABHLMNU+-,.[]?/*=~!#$%&()<>{}|\"'`@^_:;é").map(String.init)
        let raw = ["\u{1B}[1~", "\u{1B}[4~", "\u{1B}[99~", "\u{1B}[<0;50;20M", "\u{1B}[<0;50;20m", "\u{1B}[<64;30;10M",
                   "\u{1B}[<65;200;90M", "\u{1B}[M !!", "\u{1B}[M#!!", "\u{1B}O", "\u{1B}[", "\u{1B}[1;5A"]
        // Seeded (LATENT_FUZZ_SEED moves it), so a failure repeats.
        var rng = SeededRNG(seed: UInt64(ProcessInfo.processInfo.environment["LATENT_FUZZ_SEED"] ?? "") ?? 1)
        for round in 0..<24 {
            let batch = (0..<8).map { _ in (named + typed).randomElement(using: &rng)! }
            try tmux.run(["send-keys", "-t", tmux.session] + batch)
            try tmux.run(["send-keys", "-t", tmux.session, "-l", raw.randomElement(using: &rng)!])
            if round % 6 == 5 {
                try tmux.run(["resize-window", "-t", tmux.session, "-x", String(Int.random(in: 20...200, using: &rng)), "-y", String(Int.random(in: 5...60, using: &rng))])
            }
            Thread.sleep(forTimeInterval: 0.03)
            let screen = try tmux.screen()
            #expect(!screen.contains("EXIT:"), "the app ended after round \(round): \(screen.suffix(300))")
            if screen.contains("EXIT:") { return }
        }
        try tmux.run(["resize-window", "-t", tmux.session, "-x", "120", "-y", "40"])
        let alive = try tmux.wait { $0.contains("LatentExplorer") }
        #expect(alive.contains("LatentExplorer") && !alive.contains("EXIT:"))
        // Close an overlay if one is open, then quit. (A debug build can lag the keys: an ESC still
        // unread when the q arrives is Alt+q, ignored; q again.)
        try tmux.keys("Escape")
        var after = ""
        for _ in 0..<3 where !after.contains("EXIT:") {
            Thread.sleep(forTimeInterval: 0.5)
            try tmux.keys("q")
            after = try tmux.wait(seconds: 5) { $0.contains("EXIT:") && $0.contains("icanon") }
        }
        #expect(after.contains("EXIT:0"), "\(after)")
        #expect(after.contains("icanon echo") || after.contains("echo icanon"), "terminal modes after exit: \(after)")
    }

    /// A crash can no longer come from input, but should one happen the user must see more than a
    /// restored screen: what the program wrote to standard error while the screen was in curses mode
    /// (Swift's own "Fatal error" line) and a line of ours, then the signal's exit status.
    @Test(.enabled(if: tmuxAvailable)) func aCrashLeavesAMessageAndTheTerminalRestored() throws {
        let binary = try #require(CLITests.binary)
        let tmux = Tmux()
        try tmux.start(Self.command(binary))
        _ = try tmux.wait { $0.contains("LatentExplorer") && $0.contains("%") }
        let shell = try tmux.run(["list-panes", "-t", tmux.session, "-F", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let child = try #require(Int32(String(decoding: try Data(contentsOf: URL(fileURLWithPath: "/proc/\(shell)/task/\(shell)/children")),
                                                    as: UTF8.self).split(separator: " ").first ?? ""), "no explorer process under pane \(shell)")
        kill(child, SIGSEGV)
        let after = try tmux.wait { $0.contains("EXIT:") && $0.contains("icanon") }
        #expect(after.contains("latent: internal error (signal 11)"), "\(after)")
        #expect(after.contains("EXIT:139"), "\(after)")
        #expect(after.contains("icanon echo") || after.contains("echo icanon"), "terminal modes after the crash: \(after)")
    }

    /// A bookmarks file that is not JSON (with terminal escapes in it) is reported in the status line,
    /// escaped, and the explorer goes on.
    @Test(.enabled(if: tmuxAvailable)) func aDamagedBookmarksFileIsOneLineInTheExplorer() throws {
        let binary = try #require(CLITests.binary)
        let state = FileManager.default.temporaryDirectory.path + "/latent-state-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: state) }
        try FileManager.default.createDirectory(atPath: state + "/latent-explorer/bookmarks", withIntermediateDirectories: true)
        try Data("{\"bookmarks\": [\u{1B}[2J".utf8).write(to: URL(fileURLWithPath: state + "/latent-explorer/bookmarks/vae-z10.safetensors.json"))
        let tmux = Tmux()
        try tmux.start("export XDG_STATE_HOME='\(state)'; " + Self.command(binary))
        let screen = try tmux.wait { $0.contains("bookmarks are not readable") }
        #expect(screen.contains("bookmarks are not readable"), "\(screen)")
        #expect(screen.contains("LatentExplorer"), "\(screen)")
        try tmux.keys("q")
        let after = try tmux.wait { $0.contains("EXIT:") }
        #expect(after.contains("EXIT:0"), "\(after)")
    }
}
