import ArgumentParser

/// `latent`: explore, train and inspect autoencoders from the terminal.
@main
struct Latent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latent",
        abstract: "Explore the latent spaces of trained VAEs and VQ-VAEs in the terminal.",
        discussion: """
            The explorer opens with no arguments once the terminal UI lands; until then this help is the default.
            Data and models ship in Weights/: `latent info Weights/data/mnist-heldout-images-idx3-ubyte.gz`.
            """,
        subcommands: [Train.self, Decode.self, Encode.self, Eval.self, Info.self, Bench.self]
    )
}
