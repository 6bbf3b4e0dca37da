import ArgumentParser
import Foundation
import LatentCore
import LatentIO

/// `latent`: explore, train and inspect autoencoders from the terminal.
@main
struct Latent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latent",
        abstract: "Explore the latent spaces of trained VAEs and VQ-VAEs in the terminal.",
        discussion: """
            With no arguments it opens the explorer on the default model (Weights/vae-z10.safetensors).
            Data and models ship in Weights/: `latent info Weights/data/mnist-heldout-images-idx3-ubyte.gz`.
            """,
        subcommands: [Explore.self, Train.self, Sample.self, Render.self, Decode.self, Encode.self, Eval.self, Project.self, Directions.self, Info.self, Bench.self],
        defaultSubcommand: Explore.self
    )

    /// As ArgumentParser's own `main`, except that every error — a bad argument found while parsing, or
    /// a --z of the wrong length for the model it loaded, a file that is not what it claims — is one line
    /// naming the command, not the usage text, with any control bytes from a file or argument escaped.
    static func main() {
        // A mistyped instruction-set cap would otherwise measure the uncapped CPU and say nothing.
        do { _ = try BLASKernel.levelCap() } catch {
            FileHandle.standardError.write(Data("latent: \(error)\n".utf8))
            Foundation.exit(2)
        }
        // Before anything else: a better BLAS kernel than the one OpenBLAS fell back to, if there is one.
        BLASKernel.ensureBestKernel()
        // Then OpenBLAS's idle workers, spinning on a core from the start, are ended.
        ComputeThreads.endBLASWorkers()
        // Decoding, like training, allocates each layer's buffers afresh (hundreds of KB at a 32×32 map):
        // kept in the heap they are reused, not faulted in from the kernel every call.
        HeapReuse.keepLargeBlocksInTheHeap()
        let command: ParsableCommand
        let arguments = Array(CommandLine.arguments.dropFirst())
        do { command = try parseAsRoot(negativeValuesJoined(arguments)) } catch {
            guard exitCode(for: error) != .success else { exit(withError: error) }  // --help, --version
            fail(subcommand(named: arguments), error, hint: true)
        }
        var running = command
        do {
            try running.run()
        } catch {
            let type = Swift.type(of: command)
            // Help and version requests end in a "clean exit" error whose message is the help text.
            guard type.exitCode(for: error) != .success else { exit(withError: error) }
            fail(type, error, hint: false)
        }
    }

    /// Prints `error` as one line, `latent <command>: <message>`, and exits with its code.
    static func fail(_ type: ParsableCommand.Type, _ error: Error, hint: Bool) -> Never {
        let code = type.exitCode(for: error)
        let name = commandPath(of: type).joined(separator: " ")
        // ArgumentParser's messages may run over several lines (a usage block, a list of choices): the
        // first says what is wrong.
        let first = type.message(for: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "error"
        let line = printable(first.hasPrefix("Error: ") ? String(first.dropFirst(7)) : first)
        FileHandle.standardError.write(Data("\(name): \(line)\(hint ? " (see \(name) --help)" : "")\n".utf8))
        Foundation.exit(code.rawValue == 0 ? 1 : code.rawValue)
    }

    /// The command a command line names (`render morph …` → RenderMorph), as far as its words go: the
    /// one whose help to point at when its arguments do not parse.
    static func subcommand(named arguments: [String]) -> ParsableCommand.Type {
        var type: ParsableCommand.Type = Latent.self
        for word in arguments {
            guard let next = type.configuration.subcommands.first(where: { $0._commandName == word }) else { break }
            type = next
        }
        return type
    }

    /// `latent`, `latent render`, `morph` for a command type.
    static func commandPath(of type: ParsableCommand.Type) -> [String] {
        func path(_ from: ParsableCommand.Type) -> [String]? {
            if from == type { return [from._commandName] }
            for sub in from.configuration.subcommands { if let rest = path(sub) { return [from._commandName] + rest } }
            return nil
        }
        return path(Latent.self) ?? [Latent._commandName]
    }

    /// `--index -1` as `--index=-1`: ArgumentParser reads a value that starts with a minus as another
    /// option, and then reports a missing value instead of the number the user gave. A lone number after
    /// an option is that option's value (the range check then says what is wrong with it).
    static func negativeValuesJoined(_ args: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a.hasPrefix("--"), !a.contains("="), a.count > 2, i + 1 < args.count, isNegativeNumber(args[i + 1]) {
                out.append(a + "=" + args[i + 1])
                i += 2
            } else {
                out.append(a)
                i += 1
            }
        }
        return out
    }

    /// `-1`, `-0.5`, `-1e-3`, `-0.5,1,2`: a minus sign and then a number (or a list of them).
    static func isNegativeNumber(_ s: String) -> Bool {
        guard s.hasPrefix("-"), s.count > 1 else { return false }
        return s.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { Double($0) != nil }
    }
}
