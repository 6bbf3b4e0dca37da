import ArgumentParser
import LatentIO
import LatentNN

/// `--model PATH`, defaulting to the shipped VAE z=10.
struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("model"), help: ArgumentHelp("Model file (default: Weights/\(ShippedData.defaultModel)).", valueName: "path"))
    var path: String?

    func resolvedPath() throws -> String {
        if let path { return path }
        guard let dir = ShippedData.weightsDirectory() else {
            throw ValidationError("cannot find Weights/; run from the repository or pass --model")
        }
        return dir + "/" + ShippedData.defaultModel
    }

    func load() throws -> Autoencoder {
        try Autoencoder.load(resolvedPath())
    }
}

/// Output formats shared by decode and encode.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, pgm, png
}
