import LatentIO

/// A problem in a model's config, phrased with the JSON path of the field: `decoder[2].out: expected a
/// positive integer, found "x"`.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Typed, path-aware access to the fields of one JSON object, so that every config error names the field.
struct ConfigFields {
    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String) {
        self.value = value
        self.path = path
    }

    private func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func raw(_ key: String) throws(ConfigError) -> JSONValue {
        guard value.object != nil else { throw ConfigError("\(path.isEmpty ? "config" : path): expected an object") }
        guard let v = value[key] else { throw ConfigError("\(name(key)): missing") }
        return v
    }

    func has(_ key: String) -> Bool { value[key] != nil }

    func string(_ key: String) throws(ConfigError) -> String {
        let v = try raw(key)
        guard let s = v.string else { throw ConfigError("\(name(key)): expected a string, found \(v.serialized.prefix(40))") }
        return s
    }

    func nonNegativeInt(_ key: String, default fallback: Int? = nil) throws(ConfigError) -> Int {
        if let fallback, !has(key) { return fallback }
        let v = try raw(key)
        guard let i = v.nonNegativeInt, i <= 1 << 30 else {
            throw ConfigError("\(name(key)): expected a non-negative integer, found \(v.serialized.prefix(40))")
        }
        return i
    }

    func positiveInt(_ key: String, default fallback: Int? = nil) throws(ConfigError) -> Int {
        let i = try nonNegativeInt(key, default: fallback)
        guard i > 0 else { throw ConfigError("\(name(key)): expected a positive integer, found 0") }
        return i
    }

    func float(_ key: String, default fallback: Float? = nil) throws(ConfigError) -> Float {
        if let fallback, !has(key) { return fallback }
        let v = try raw(key)
        guard let d = v.double, d.isFinite else { throw ConfigError("\(name(key)): expected a number, found \(v.serialized.prefix(40))") }
        return Float(d)
    }

    func intArray(_ key: String) throws(ConfigError) -> [Int] {
        let v = try raw(key)
        guard let items = v.array, !items.isEmpty else { throw ConfigError("\(name(key)): expected a non-empty array of positive integers") }
        var out: [Int] = []
        for item in items {
            guard let i = item.nonNegativeInt, i > 0, i <= 1 << 20 else {
                throw ConfigError("\(name(key)): expected positive integers, found \(item.serialized.prefix(40))")
            }
            out.append(i)
        }
        return out
    }

    func array(_ key: String) throws(ConfigError) -> [JSONValue] {
        let v = try raw(key)
        guard let items = v.array else { throw ConfigError("\(name(key)): expected an array") }
        return items
    }

    func stringArray(_ key: String) throws(ConfigError) -> [String] {
        var out: [String] = []
        for item in try array(key) {
            guard let s = item.string else { throw ConfigError("\(name(key)): expected strings") }
            out.append(s)
        }
        return out
    }

    func object(_ key: String) throws(ConfigError) -> ConfigFields {
        let v = try raw(key)
        guard v.object != nil else { throw ConfigError("\(name(key)): expected an object") }
        return ConfigFields(v, path: name(key))
    }
}
