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
            if i > 0 { print() }
            if ModelManifest.isManifest(file) {
                print(ImportedModelSummary.describe(try ImportedAutoencoder.load(file)))
                continue
            }
            print(try FileSummary.describe(file))
            // A LatentExplorer model also gets its architecture (and must load, or this is an error).
            if file.hasSuffix(".safetensors"), try SafetensorsFile.read(file).metadata(ModelConfig.metadataKey) != nil {
                print(ModelSummary.describe(try Autoencoder.load(file)))
            }
        }
    }
}
