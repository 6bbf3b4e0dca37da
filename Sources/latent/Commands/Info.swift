import ArgumentParser
import LatentIO
import LatentNN

/// `latent info FILE…`: what a safetensors, IDX, NPY or CSV file holds.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a model manifest (.json), .safetensors, IDX (.gz), .npy or .csv file: tensors, shapes, dtypes, metadata.")

    @Argument(help: "Files to describe.")
    var files: [String]

    func run() throws {
        for (i, file) in files.enumerated() {
            // Each file's description is made whole before any of it is printed: a file that fails
            // half-way (a model whose weights hold NaN) is one error line, not a table and then an error.
            var text: String
            if ModelManifest.isManifest(file) {
                text = ImportedModelSummary.describe(try ImportedAutoencoder.load(file))
            } else {
                text = try FileSummary.describe(file)
                // A LatentExplorer model also gets its architecture (and must load, or this is an error).
                if file.hasSuffix(".safetensors"), try SafetensorsFile.read(file).metadata(ModelConfig.metadataKey) != nil {
                    text += "\n" + ModelSummary.describe(try Autoencoder.load(file))
                }
            }
            // Names, metadata and class names come from the file: shown with control bytes escaped.
            if i > 0 { print() }
            print(text.split(separator: "\n", omittingEmptySubsequences: false).map { printable(String($0)) }.joined(separator: "\n"))
        }
    }
}
