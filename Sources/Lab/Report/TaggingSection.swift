import Core
import Foundation

extension ReportRenderer {
    /// A tagging run's section: the headline macro ROC-AUC and PR-AUC with their intervals, the
    /// figures, every tag's row (sorted by test ROC-AUC, undefined ones said why), and the levels.
    func taggingSection(_ r: RunResult) -> String {
        let m = r.entry
        guard let t = m.tagging else { return "" }
        let base = "\(rootFromReport)/target/\(r.runID)", test = t.test.clip, clips = m.clips["test", default: 0]
        var s = runHeader(r, what: "tagging, \(m.classes.count) tags, each clip carrying any number of them",
                          training: "One sigmoid output per tag, trained with binary cross-entropy. ")
        s += "Test macro ROC-AUC: **\(fmt(test.macroROCAUC, t.test.intervals?.macroROCAUC))**, macro PR-AUC: "
        s += "**\(fmt(test.macroAveragePrecision, t.test.intervals?.macroAveragePrecision))** over the \(clips) test clips "
        s += "(a clip's score for a tag is the mean of its segments' probabilities); micro ROC-AUC \(fmt(test.microROCAUC)), "
        s += "micro PR-AUC \(fmt(test.microAveragePrecision)).\n\n"
        s += "![\(r.experiment.title): loss history](\(base)/loss_history.png)\n\n"
        s += "![\(r.experiment.title): per-tag ROC-AUC and PR-AUC](\(base)/tags.png)\n\n"
        s += "![\(r.experiment.title): precision-recall curves](\(base)/pr.png)\n\n"
        s += "![\(r.experiment.title): ROC curves](\(base)/roc.png)\n\n"
        s += tagTable(m.classes, t, clips: clips) + "\n"
        s += levelsTable(m, t) + "\n"
        s += notes(m, t, clips: clips)
        return s + skippedFiles(m.skipped)
    }

    /// One row per tag, best test ROC-AUC first: both metrics per clip and the positives behind them.
    private func tagTable(_ tags: [String], _ t: TaggingRecord, clips: Int) -> String {
        let test = t.test.clip
        var s = "| tag | test ROC-AUC | test PR-AUC | test clips with the tag | training clips with it |\n|---|---:|---:|---:|---:|\n"
        for i in TaggingTable.order(test, count: tags.count) {
            let positives = test.positives[safe: i] ?? 0
            let why = positives == 0 ? "undefined: no test clip has it" : positives == clips ? "undefined: every test clip has it" : nil
            let roc = test.rocAUC[safe: i] ?? nil, ap = test.averagePrecision[safe: i] ?? nil
            s += "| `\(tags[i])` | \(roc.map { String(format: "%.3f", $0) } ?? why ?? "undefined") | "
            s += "\(ap.map { String(format: "%.3f", $0) } ?? "undefined: no test clip has it") | \(positives) | "
            s += "\(t.trainingClips[safe: i] ?? 0) |\n"
        }
        return s
    }

    /// Macro and micro figures at each split and level, test ones with their intervals.
    private func levelsTable(_ m: ResultsFile.Entry, _ t: TaggingRecord) -> String {
        var s = "| | validation, segment | validation, clip | test, segment | test, clip |\n|---|---:|---:|---:|---:|\n"
        let iv = t.test.intervals
        let rows: [(String, (TaggingReport) -> Double?, Interval?)] = [
            ("macro ROC-AUC", \.macroROCAUC, iv?.macroROCAUC), ("macro PR-AUC", \.macroAveragePrecision, iv?.macroAveragePrecision),
            ("micro ROC-AUC", \.microROCAUC, nil), ("micro PR-AUC", \.microAveragePrecision, nil),
        ]
        for (name, value, interval) in rows {
            s += "| \(name) | \(fmt(value(t.validation.segment))) | \(fmt(value(t.validation.clip))) | \(fmt(value(t.test.segment))) | "
            s += "\(fmt(value(t.test.clip), interval)) |\n"
        }
        s += "| tag decisions right at 0.5 | \(fmt(m.validation.segment.accuracy)) | \(fmt(m.validation.clip.accuracy)) | "
        s += "\(fmt(m.test.segment.accuracy)) | \(fmt(m.test.clip.accuracy)) |\n"
        return s
    }

    /// What a reader must know to trust the table: which tags the averages leave out and why, which
    /// tags could not be learnt, and how the intervals were drawn.
    private func notes(_ m: ResultsFile.Entry, _ t: TaggingRecord, clips: Int) -> String {
        var s = ""
        let test = t.test.clip, k = m.classes.count
        let definedROC = test.rocAUC.compactMap { $0 }.count, definedAP = test.averagePrecision.compactMap { $0 }.count
        if definedROC < k || definedAP < k {
            s += "The macro figures average the tags that have one: ROC-AUC over \(definedROC) of \(k) tags, PR-AUC over \(definedAP) "
            s += "(a tag needs a positive test clip, and for ROC-AUC a negative one too). "
        }
        let untrained = t.untrained(m.classes)
        if !untrained.isEmpty {
            s += "No training clip carries " + untrained.map { "`\($0)`" }.joined(separator: ", ")
            s += untrained.count == 1 ? ": the model could not learn it. " : ": the model could not learn them. "
        }
        if let plan = m.bootstrap, let iv = t.test.intervals, iv.macroROCAUC != nil || iv.macroAveragePrecision != nil {
            s += "Test macro figures carry \(Int(plan.level * 100))% intervals from a seeded bootstrap over the \(clips) test clips "
            s += "(\(plan.resamples) resamples, seed \(plan.seed)), stratified by each clip's rarest tag so that a rare tag keeps "
            s += "its clips in every resample; `lab compare` tests a change with a paired bootstrap over the same clips."
        }
        return s.isEmpty ? "" : s + "\n\n"
    }
}
