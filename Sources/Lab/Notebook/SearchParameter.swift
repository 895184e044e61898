import Core

/// A parameter a `search:` cell can vary, in one place: its notebook name, the values the notebook
/// may give it, whether a larger value makes the network or its batch bigger (the validator checks
/// the largest trial's memory), and how a trial's value applies to a cell.
struct SearchParameter: Sendable {
    let name: String
    let range: ClosedRange<Double>
    let growsTheModel: Bool
    let apply: @Sendable (inout Experiment, Double) -> Void

    /// Every parameter the search knows, in name order (the order trials draw them in).
    static let all: [SearchParameter] = [
        SearchParameter(name: "batch_size", range: 1...65_536, growsTheModel: true) { e, v in
            e.training.batchSize = max(1, Int(v.rounded()))
        },
        SearchParameter(name: "dense", range: 1...65_536, growsTheModel: true) { e, v in e.model.denseUnits = max(1, Int(v.rounded())) },
        SearchParameter(name: "dropout", range: 0...0.95, growsTheModel: false) { e, v in e.model.dropout = v },
        SearchParameter(name: "filters_scale", range: 0.01...16, growsTheModel: true) { e, v in
            e.model.filters = e.model.filters.map { max(1, Int((Double($0) * v).rounded())) }
        },
        SearchParameter(name: "learning_rate", range: 1e-9...10, growsTheModel: false) { e, v in e.training.learningRate = v },
    ]

    static let names = Set(all.map(\.name))

    static func named(_ name: String) -> SearchParameter? { all.first { $0.name == name } }
}
