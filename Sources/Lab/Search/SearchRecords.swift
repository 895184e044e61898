import Core
import Foundation

/// What results.json and the report keep of a search: every trial, every rung table, the choice.
public struct SearchRecord: Codable, Equatable, Sendable {
    public struct Trial: Codable, Equatable, Sendable {
        public var trial: Int
        public var params: [String: Double]
        public var seed: UInt64
        public var status: TrialStatus
        /// Why a failed trial failed (its error, or its Slurm log); it is ranked no further.
        public var error: String? = nil
        /// The score at each rung the trial reached.
        public var scores: [RungScore]
        /// Validation macro ROC-AUC (segments) after every epoch trained.
        public var curve: [Double?]
    }
    public struct Rung: Codable, Equatable, Sendable {
        public var epochs: Int
        /// Every trial of the rung, best first (the stated tie-break: AUC, then loss, then index).
        public var ranking: [RungScore]
        public var promoted: [Int]
    }
    public var spec: SearchSpec
    public var trials: [Trial]
    public var rungs: [Rung]
    public var chosen: Int
}

/// plan.json: frozen when a search starts; a resumed search must find the same one.
struct SearchPlan: Codable, Equatable {
    var spec: SearchSpec
    var cell: Experiment
    var fingerprint: String
    /// SHA-256 of split.json: the split every trial trains and validates on.
    var splitHash: String
    var commit: String?
    var engine: String
}
