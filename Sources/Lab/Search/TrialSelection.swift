import Core
import Foundation

extension SearchRunner {
    /// The trial and rung (from 0) `lab search trial` names: `--trial` and `--epochs`, or `--rung`
    /// and the trial's place among the rung's entrants (`--index`, what array tasks pass). nil when the
    /// index is past the entrants: that task has nothing to train.
    static func trialToTrain(dir: RunDirectory, spec: SearchSpec, trial: Int?, epochs: Int?, rung: Int?, index: Int?,
                             quiet: Bool) throws -> (trial: Int, rung: Int)? {
        let r: Int
        if let rung {
            guard rung <= spec.rungs.count else { throw LabError("run \(dir.id) has \(spec.rungs.count) rungs, not \(rung)") }
            r = rung - 1
        } else {
            guard let found = spec.rungs.firstIndex(of: epochs!) else { throw LabError("run "
                    + "\(dir.id)'s rungs are \(spec.rungs), not \(epochs!) epochs") }
            r = found
        }
        let t: Int
        if let index {
            guard let entrants = SearchRunner.entrants(rung: r, spec: spec, rungs: try SearchRunner.rungs(dir)) else {
                throw LabError("rung \(r) of run \(dir.id) has not been ranked yet",
                               hint: "`lab search promote \(dir.id) --rung \(r)` ranks it")
            }
            guard index < entrants.count else {
                if !quiet { print("rung "
                        + "\(r + 1) of run \(dir.id) has \(entrants.count) trials; index \(index) has nothing to train") }
                return nil
            }
            t = entrants[index]
        } else {
            t = trial!
            guard t < spec.trials else { throw LabError("run \(dir.id) has trials 0 to \(spec.trials - 1), not \(t)") }
        }
        return (t, r)
    }
}
