import ArgumentParser
import Foundation
import LatentCore

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
        subcommands: [Explore.self, Train.self, Sample.self, Render.self, Decode.self, Encode.self, Eval.self, Project.self, Info.self, Bench.self],
        defaultSubcommand: Explore.self
    )

    /// As ArgumentParser's own `main`, except for errors found while a subcommand runs (a --z of the
    /// wrong length for the model it loaded, a file that is not what it claims): those are one line
    /// naming the subcommand, not the root command's usage.
    static func main() {
        // Before anything else: a better BLAS kernel than the one OpenBLAS fell back to, if there is one.
        BLASKernel.ensureBestKernel()
        let command: ParsableCommand
        do { command = try parseAsRoot() } catch { exit(withError: error) }
        var running = command
        do {
            try running.run()
        } catch {
            let type = Swift.type(of: command)
            let code = type.exitCode(for: error)
            // Help and version requests end in a "clean exit" error whose message is the help text.
            guard code != .success else { exit(withError: error) }
            let nested = Render.configuration.subcommands.contains { $0 == type }
            let name = ([Latent.configuration.commandName ?? "latent"] + (nested ? [Render._commandName] : [])
                        + (type == Latent.self ? [] : [type._commandName])).joined(separator: " ")
            FileHandle.standardError.write(Data("\(name): \(type.message(for: error))\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
