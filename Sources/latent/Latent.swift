import ArgumentParser

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
        subcommands: [Explore.self, Train.self, Decode.self, Encode.self, Eval.self, Project.self, Info.self, Bench.self],
        defaultSubcommand: Explore.self
    )
}
