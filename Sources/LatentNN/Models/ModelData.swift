import Foundation
import LatentIO

/// What a model opens with when no data is named: the `data` its manifest names (with `labels`), or
/// the shipped dataset it was trained on (its held-out split); nil when it names neither.
public func defaultDataSource(for model: any LatentModel) -> (source: String, labels: String?)? {
    if let imported = model as? ImportedAutoencoder, let data = imported.manifest.data { return (data, imported.manifest.labels) }
    let config: ModelConfig
    switch model {
    case let m as VAEModel: config = m.config
    case let m as VQVAEModel: config = m.config
    default: return nil
    }
    return config.datasetName.isEmpty ? nil : (config.datasetName, nil)
}

/// The images `model` is explored or encoded with: `source` (see `ImageSource`), else the model's own
/// data, else the shipped digits — in its pixel range, checked against its input shape, and for a
/// conditional VAE, its labels against the classes it was trained on. Data a manifest names is read
/// from inside the manifest's folder only.
/// `lazilyAbove`: see `ImageSource.read` (the explorer leaves data sets larger than it holds in their files).
public func images(for model: any LatentModel, source: String? = nil, labels: String? = nil, lazilyAbove: Int? = nil) throws -> LabeledImages {
    let own = defaultDataSource(for: model)
    // Confined only when the manifest's own `data` is read (not a --data the user named, nor the digits).
    let imported = model as? ImportedAutoencoder
    let manifestFolder = source == nil && imported?.manifest.data != nil ? imported.map { manifestDirectory($0.manifest.path) } : nil
    let set = try ImageSource.read(source ?? own?.source ?? ShippedDataset.mnist.name, shape: model.inputShape,
                                   range: model.pixelRange, labels: labels ?? (source == nil ? own?.labels : nil),
                                   confinedTo: manifestFolder, lazilyAbove: lazilyAbove)
    try checkLabels(set, for: model, source: labels ?? source ?? own?.labels ?? own?.source ?? "the data")
    return set
}

/// A conditional VAE takes one of its own classes with each image: labels beyond them have no one-hot
/// input (and would be a trap deep in the model), so they are refused where the data meets the model.
public func checkLabels(_ set: LabeledImages, for model: any LatentModel, source: String) throws {
    guard model.kind == .cvae, set.isLabelled, let bad = set.labels.firstIndex(where: { $0 >= model.classNames.count }) else { return }
    throw FormatError(((set.labelsSource ?? source) as NSString).lastPathComponent,
                      "label \(set.labels[bad]) at index \(bad) is outside the model's \(model.classNames.count) classes (0…\(model.classNames.count - 1))")
}

/// The folder a manifest lives in ("." for a bare file name).
func manifestDirectory(_ path: String) -> String {
    let folder = (path as NSString).deletingLastPathComponent
    return folder.isEmpty ? "." : folder
}

/// A few words on the data a model file opens with, for the model picker: the shipped dataset's title
/// (read from the file's metadata), or the manifest's data file; empty when unknown.
public func dataNote(forModelAt path: String) -> String {
    if ModelManifest.isManifest(path) {
        guard let manifest = try? ModelManifest.load(path) else { return "" }
        let note = manifest.data.map { "ONNX · " + ($0 as NSString).lastPathComponent } ?? "ONNX"
        return manifest.prior == nil ? note : note + " · with a prior"
    }
    // The header only: the picker lists every model file at start-up.
    guard let metadata = try? SafetensorsFile.metadata(ofFileAt: path),
          let text = metadata.first(where: { $0.key == ModelConfig.metadataKey })?.value,
          let json = try? JSONParser.parse(Array(text.utf8)), let config = try? ModelConfig(json: json) else { return "" }
    let data = ShippedDataset.named(config.datasetName)?.title ?? config.datasetName
    return config.prior == nil ? data : data + " · with a prior"
}
