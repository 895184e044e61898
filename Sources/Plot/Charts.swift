import Foundation
import Numerics

/// matplotlib's default colour cycle ("tab10").
public let tab10: [Color] = [0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22,
                             0x17becf].map { Color(hex: $0) }

/// The figures of a run, built from plain numbers: Plot knows nothing of genres, runs or models.
public enum Charts {
    /// Loss per epoch (best epoch marked) beside accuracy and validation ROC-AUC. Epochs are 1-based.
    public static func lossHistory(trainLoss: [Double], validationLoss: [Double], trainAccuracy: [Double],
                                   validationAccuracy: [Double], validationAUC: [Double?], bestEpoch: Int, title: String) -> Figure {
        let fig = Figure(width: 1100, height: 460)
        fig.suptitle = title
        let epochs = (1...max(1, trainLoss.count)).map(Double.init)
        let xr = 0.5...(Double(max(1, trainLoss.count)) + 0.5)

        let loss = fig.addAxes(x: 80, y: 70, width: 420, height: 310)
        loss.title = "Loss"
        loss.xLabel = "epoch"
        loss.yLabel = "categorical cross-entropy"
        loss.xRange = xr
        let all = (trainLoss + validationLoss).filter(\.isFinite)
        let top = (all.max() ?? 1) * 1.08
        loss.yRange = 0...max(top, 1e-6)
        loss.xTicks = integerTicks(count: trainLoss.count)
        loss.plot(epochs, trainLoss, color: tab10[0], label: "training", markers: trainLoss.count <= 40)
        loss.plot(epochs, validationLoss, color: tab10[1], label: "validation", markers: validationLoss.count <= 40)
        if bestEpoch >= 1 {
            let best = Double(bestEpoch)
            loss.plot([best, best], [0, top], color: Color(0x55, 0x55, 0x55), width: 1.2, dash: 5, label: "best epoch (\(bestEpoch))")
        }
        loss.legend(.best)

        let acc = fig.addAxes(x: 610, y: 70, width: 420, height: 310)
        acc.title = "Accuracy and ROC-AUC"
        acc.xLabel = "epoch"
        acc.yLabel = "score"
        acc.xRange = xr
        acc.yRange = 0...1.05
        acc.yTicks = stride(from: 0.0, through: 1.0, by: 0.2).map { ($0, String(format: "%.1f", $0)) }
        acc.xTicks = loss.xTicks
        acc.plot(epochs, trainAccuracy, color: tab10[0], label: "training accuracy", markers: trainAccuracy.count <= 40)
        acc.plot(epochs, validationAccuracy, color: tab10[1], label: "validation accuracy", markers: validationAccuracy.count <= 40)
        let aucPoints = zip(epochs, validationAUC).compactMap { e, a in a.map { (e, $0) } }
        if !aucPoints.isEmpty {
            acc.plot(aucPoints.map(\.0), aucPoints.map(\.1), color: tab10[2], dash: 6, label: "validation ROC-AUC (macro)")
        }
        acc.legend(.best)
        return fig
    }

    /// Several runs of one experiment (repeats): the mean of each curve over the runs, with a band
    /// from the lowest to the highest run at each epoch. Runs that stopped early end early; each
    /// epoch averages the runs that reached it.
    public static func lossHistoryBand(trainLoss: [[Double]], validationLoss: [[Double]], validationAccuracy: [[Double]],
                                       title: String) -> Figure {
        let fig = Figure(width: 1100, height: 460)
        fig.suptitle = title
        let epochs = trainLoss.map(\.count).max() ?? 1
        let x = (1...max(1, epochs)).map(Double.init)
        func summary(_ runs: [[Double]]) -> (mean: [Double], low: [Double], high: [Double]) {
            var mean: [Double] = [], low: [Double] = [], high: [Double] = []
            for e in 0..<epochs {
                let v = runs.compactMap { e < $0.count ? $0[e] : nil }
                mean.append(v.reduce(0, +) / Double(max(1, v.count)))
                low.append(v.min() ?? .nan)
                high.append(v.max() ?? .nan)
            }
            return (mean, low, high)
        }
        let xr = 0.5...(Double(max(1, epochs)) + 0.5)
        let loss = fig.addAxes(x: 80, y: 70, width: 420, height: 310)
        loss.title = "Loss: mean of \(trainLoss.count) runs, band from lowest to highest"
        loss.xLabel = "epoch"
        loss.yLabel = "categorical cross-entropy"
        loss.xRange = xr
        loss.xTicks = integerTicks(count: epochs)
        let t = summary(trainLoss), v = summary(validationLoss)
        let top = ((t.high + v.high).filter(\.isFinite).max() ?? 1) * 1.08
        loss.yRange = 0...max(top, 1e-6)
        loss.add(Band(x: x, low: t.low, high: t.high, color: tab10[0].withAlpha(60)))
        loss.add(Band(x: x, low: v.low, high: v.high, color: tab10[1].withAlpha(60)))
        loss.plot(x, t.mean, color: tab10[0], label: "training (mean)")
        loss.plot(x, v.mean, color: tab10[1], label: "validation (mean)")
        loss.legend(.best)

        let acc = fig.addAxes(x: 610, y: 70, width: 420, height: 310)
        acc.title = "Validation accuracy"
        acc.xLabel = "epoch"
        acc.yLabel = "accuracy"
        acc.xRange = xr
        acc.xTicks = loss.xTicks
        acc.yRange = 0...1.05
        acc.yTicks = stride(from: 0.0, through: 1.0, by: 0.2).map { ($0, String(format: "%.1f", $0)) }
        let a = summary(validationAccuracy)
        acc.add(Band(x: x, low: a.low, high: a.high, color: tab10[1].withAlpha(60)))
        acc.plot(x, a.mean, color: tab10[1], label: "validation accuracy (mean)")
        acc.legend(.best)
        return fig
    }

    /// A hyper-parameter search: each trial's validation score against each searched parameter (one
    /// panel per parameter; `logScale` parameters on a log10 axis), trials that reached the last rung
    /// in colour, the others grey.
    public static func searchParameters(names: [String], values: [[Double]], scores: [Double?], finalists: Set<Int>,
                                        logScale: Set<String>, scoreLabel: String, title: String) -> Figure {
        let columns = min(3, max(1, names.count)), rows = (names.count + columns - 1) / columns
        let fig = Figure(width: 60 + columns * 340, height: 70 + rows * 300)
        fig.suptitle = title
        let defined = scores.compactMap { $0 }
        let lo = max(0, (defined.min() ?? 0) - 0.05), hi = min(1.0, (defined.max() ?? 1) + 0.05)
        for (p, name) in names.enumerated() {
            let ax = fig.addAxes(x: Double(70 + (p % columns) * 340), y: Double(60 + (p / columns) * 300), width: 250, height: 200)
            let log = logScale.contains(name)
            let xs = values.map { log ? Elementary.log10($0[p]) : $0[p] }
            ax.title = name
            ax.xLabel = log ? "\(name) (log10)" : name
            ax.yLabel = p % columns == 0 ? scoreLabel : ""
            let (xmin, xmax) = (xs.min() ?? 0, xs.max() ?? 1), pad = max((xmax - xmin) * 0.08, 1e-3)
            ax.xRange = (xmin - pad)...(xmax + pad)
            ax.yRange = lo...max(hi, lo + 0.01)
            let grey = Color(0xa0, 0xa0, 0xa0)
            let others = xs.indices.filter { !finalists.contains($0) }, best = xs.indices.filter { finalists.contains($0) }
            ax.add(Scatter(x: others.map { xs[$0] }, y: others.map { scores[$0] ?? .nan }, color: grey, radius: 4))
            ax.add(Scatter(x: best.map { xs[$0] }, y: best.map { scores[$0] ?? .nan }, color: tab10[3], radius: 5))
        }
        return fig
    }

    /// Successive halving: each trial's validation curve over the epochs it trained, the rungs as
    /// dashed lines, pruned trials grey and the chosen one in colour.
    public static func searchHalving(curves: [(trial: Int, values: [Double?])], rungs: [Int], chosen: Int, scoreLabel: String,
                                     title: String) -> Figure {
        let fig = Figure(width: 900, height: 520)
        let ax = fig.addAxes(x: 90, y: 60, width: 760, height: 380)
        ax.title = title
        ax.xLabel = "epoch"
        ax.yLabel = scoreLabel
        let epochs = max(1, rungs.last ?? 1)
        ax.xRange = 0.5...(Double(epochs) + 0.5)
        ax.xTicks = integerTicks(count: epochs)
        let all = curves.flatMap { $0.values.compactMap { $0 } }
        ax.yRange = max(0, (all.min() ?? 0) - 0.05)...min(1.02, (all.max() ?? 1) + 0.05)
        for r in rungs { ax.plot([Double(r), Double(r)], [ax.yRange.lowerBound, ax.yRange.upperBound], color: Color(0x55, 0x55, 0x55),
                width: 1, dash: 5) }
        for c in curves where c.trial != chosen {
            let pts = c.values.enumerated().compactMap { e, v in v.map { (Double(e + 1), $0) } }
            ax.plot(pts.map(\.0), pts.map(\.1), color: Color(0xa0, 0xa0, 0xa0), width: 1.2, markers: true)
        }
        if let c = curves.first(where: { $0.trial == chosen }) {
            let pts = c.values.enumerated().compactMap { e, v in v.map { (Double(e + 1), $0) } }
            ax.plot(pts.map(\.0), pts.map(\.1), color: tab10[3], width: 2.4, label: "chosen: trial \(chosen)")
            ax.legend(.best)
        }
        return fig
    }

    /// An ablation: one row per variant, a dot at its mean over repeats and a whisker over its 95%
    /// interval, one panel per metric; the reference variant's mean as a dashed line.
    public static func dotWhisker(variants: [String], panels: [(title: String, means: [Double?], intervals: [(Double, Double)?])],
                                  title: String) -> Figure {
        let rowHeight = 34.0, labelWidth = 250.0, panelWidth = 330.0
        let height = 150 + rowHeight * Double(variants.count)
        let fig = Figure(width: Int(labelWidth + 40 + (panelWidth + 40) * Double(panels.count)), height: Int(height))
        fig.suptitle = title
        for (p, panel) in panels.enumerated() {
            let ax = fig.addAxes(x: labelWidth + 20 + Double(p) * (panelWidth + 40), y: 85, width: panelWidth,
                                 height: rowHeight * Double(variants.count))
            ax.title = panel.title
            let values = panel.intervals.compactMap { $0 }.flatMap { [$0.0, $0.1] } + panel.means.compactMap { $0 }
            let lo = values.min() ?? 0, hi = values.max() ?? 1, pad = max((hi - lo) * 0.08, 0.01)
            ax.xRange = max(0, lo - pad)...min(1.0, hi + pad)
            ax.yRange = -0.5...(Double(variants.count) - 0.5)
            // Row 0 (the reference) at the top.
            ax.yTicks = p == 0 ? variants.enumerated().map { (Double(variants.count - 1 - $0.offset), $0.element) } : []
            if let reference = panel.means.first ?? nil {
                ax.plot([reference, reference], [ax.yRange.lowerBound, ax.yRange.upperBound], color: Color(0x88, 0x88, 0x88), width: 1,
                        dash: 5)
            }
            for (i, mean) in panel.means.enumerated() {
                let y = Double(variants.count - 1 - i), color = i == 0 ? Color(0x33, 0x33, 0x33) : tab10[0]
                if let iv = panel.intervals[i] { ax.plot([iv.0, iv.1], [y, y], color: color, width: 2.2) }
                if let mean { ax.add(Scatter(x: [mean], y: [y], color: color, radius: 5)) }
            }
        }
        return fig
    }

    /// Confusion matrix heatmap: count and row percentage in each cell, class names on both axes.
    public static func confusionMatrix(counts: [[Int]], labels: [String], title: String) -> Figure {
        let n = counts.count
        let cell = n <= 2 ? 150.0 : n <= 5 ? 90.0 : 58.0
        let side = cell * Double(n)
        let left = 130.0, top = 60.0
        // Below the matrix: the tick labels (rotated ones reach down by their length), then "predicted".
        let longest = labels.map { Double($0.count) }.max() ?? 5
        let labelDrop = n > 2 ? 10 + longest * 6.5 : 28
        let fig = Figure(width: Int(left + side + 140), height: Int(top + side + labelDrop + 40))
        let ax = fig.addAxes(x: left, y: top, width: side, height: side)
        ax.title = title
        ax.xLabel = "predicted"
        ax.yLabel = "true"
        ax.grid = false
        ax.xRange = 0...Double(n)
        ax.yRange = 0...Double(n)
        ax.xTicks = labels.enumerated().map { (Double($0.offset) + 0.5, $0.element) }
        ax.yTicks = labels.enumerated().map { (Double(n - $0.offset) - 0.5, $0.element) }
        ax.xTickRotation = n > 2 ? 45 : 0
        fig.style.xLabelDrop = labelDrop
        let peak = max(1, counts.flatMap { $0 }.max() ?? 1)
        ax.add(Image(values: counts.flatMap { $0.map(Double.init) }, rows: n, cols: n, colormap: .blues, lo: 0, hi: Double(peak),
                     extent: (0, Double(n), 0, Double(n)), origin: .upper))
        let size = n > 5 ? fig.style.annotation : fig.style.annotation + 2
        for i in 0..<n {
            let rowTotal = counts[i].reduce(0, +)
            for j in 0..<n {
                let v = counts[i][j]
                let color = Colormap.blues.color(Double(v) / Double(peak))
                let luminance = 0.299 * Double(color.r) + 0.587 * Double(color.g) + 0.114 * Double(color.b)
                let ink: Color = luminance < 140 ? .white : .black
                let pct = rowTotal > 0 ? String(format: "%.0f%%", 100 * Double(v) / Double(rowTotal)) : "–"
                let (x, y) = (Double(j) + 0.5, Double(n - i) - 0.5) // the cell's centre, row 0 at the top
                ax.add(Text(text: "\(v)", x: x, y: y + 1 / cell, size: size, color: ink, anchor: .center, baseline: .bottom))
                ax.add(Text(text: pct, x: x, y: y - 1 / cell, size: size - 2, color: ink, anchor: .center, baseline: .top))
            }
        }
        fig.addColorbar(x: left + side + 20, y: top, width: 18, height: side, map: .blues, lo: 0, hi: Double(peak), label: "count")
        return fig
    }

    /// One-vs-rest ROC curves with their AUC in the legend, and the chance diagonal.
    public static func roc(curves: [(label: String, fpr: [Double], tpr: [Double], auc: Double?)], title: String) -> Figure {
        let (fig, ax) = unitSquare(title: title, xLabel: "false positive rate", yLabel: "true positive rate")
        ax.plot([0, 1], [0, 1], color: Color(0x88, 0x88, 0x88), width: 1.2, dash: 6, label: "chance (AUC = 0.500)")
        for (i, c) in curves.enumerated() {
            let auc = c.auc.map { String(format: "%.3f", $0) } ?? "undefined"
            ax.plot(c.fpr, c.tpr, color: tab10[i % tab10.count], width: 1.8, label: "\(c.label) (AUC = \(auc))")
        }
        ax.legend(.best)
        return fig
    }

    /// A square panel over [0, 1] x [0, 1] with ticks every 0.2: ROC and precision-recall curves.
    static func unitSquare(title: String, xLabel: String, yLabel: String) -> (Figure, Axes) {
        let fig = Figure(width: 720, height: 620)
        let ax = fig.addAxes(x: 90, y: 55, width: 580, height: 490)
        ax.title = title
        ax.xLabel = xLabel
        ax.yLabel = yLabel
        ax.xRange = -0.01...1.01
        ax.yRange = -0.01...1.01
        let ticks = stride(from: 0.0, through: 1.0, by: 0.2).map { ($0, String(format: "%.1f", $0)) }
        ax.xTicks = ticks
        ax.yTicks = ticks
        return (fig, ax)
    }

    /// A log-mel spectrogram in viridis: time in seconds, mel-spaced frequency labelled in Hz.
    /// `frequencyTicks` places Hz labels at fractional band rows; the caller computes them with the
    /// features' own mel scale (Plot knows nothing of mel scales).
    public static func spectrogram(values: [Float], rows: Int, cols: Int, sampleRate: Int, hopLength: Int,
                                   frequencyTicks: [(row: Double, label: String)], title: String,
                                   frequencyLabel: String = "frequency (Hz, mel scale)") -> Figure {
        let fig = Figure(width: 1000, height: 460)
        let ax = fig.addAxes(x: 90, y: 50, width: 760, height: 340)
        ax.title = title
        ax.xLabel = "time (s)"
        ax.yLabel = frequencyLabel
        ax.grid = false
        let seconds = Double(cols * hopLength) / Double(sampleRate)
        ax.xRange = 0...seconds
        ax.yRange = 0...Double(rows)
        let lo = Double(values.min() ?? 0), hi = Double(values.max() ?? 1)
        ax.yTicks = frequencyTicks.map { ($0.row, $0.label) }
        ax.add(Image(values: values.map(Double.init), rows: rows, cols: cols, colormap: .viridis, lo: lo, hi: hi,
                     extent: (0, seconds, 0, Double(rows)), origin: .lower))
        fig.addColorbar(x: 870, y: 50, width: 18, height: 340, map: .viridis, lo: lo, hi: hi, label: "dB")
        return fig
    }

    static func integerTicks(count: Int) -> [(Double, String)] {
        let step = max(1, Int(niceTicks(1, Double(max(count, 2)), target: 8).adjacentStep))
        return stride(from: 1, through: max(1, count), by: step).map { (Double($0), "\($0)") }
    }
}

extension Array where Element == Double {
    var adjacentStep: Double { count > 1 ? self[1] - self[0] : 1 }
}

extension Charts {
    /// A taggram: one row per class (the first at the top), one column per segment from `start` to
    /// `end` seconds, probability in viridis from 0 to 1 with its colorbar.
    public static func taggram(values: [Double], classes: [String], start: Double, end: Double, title: String) -> Figure {
        let k = classes.count, n = values.count / max(1, k)
        let rowHeight = k <= 4 ? 48.0 : k <= 10 ? 30.0 : 18.0
        let left = 40 + (classes.map { Double($0.count) }.max() ?? 5) * 7.5, top = 50.0, height = rowHeight * Double(k)
        let fig = Figure(width: Int(left + 760 + 120), height: Int(top + height + 70))
        let ax = fig.addAxes(x: left, y: top, width: 760, height: height)
        ax.title = title
        ax.xLabel = "time (s)"
        ax.grid = false
        ax.xRange = start...max(end, start + 1e-3)
        ax.yRange = 0...Double(k)
        ax.yTicks = classes.enumerated().map { (Double(k - $0.offset) - 0.5, $0.element) }
        ax.add(Image(values: values, rows: k, cols: n, colormap: .viridis, lo: 0, hi: 1, extent: (start, max(end, start + 1e-3), 0,
                Double(k)),
                     origin: .upper))
        fig.addColorbar(x: left + 780, y: top, width: 18, height: height, map: .viridis, lo: 0, hi: 1, label: "probability")
        return fig
    }
}

extension Charts {
    /// Several curves on one axes: each series a label, its points, a colour index (tab10) and
    /// solid or dashed. For overlaying runs of several revisions.
    public static func overlay(series: [(label: String, x: [Double], y: [Double], color: Int, dashed: Bool)], xLabel: String,
                               yLabel: String,
                               title: String) -> Figure {
        let fig = Figure(width: 900, height: 480)
        let ax = fig.addAxes(x: 90, y: 60, width: 770, height: 350)
        ax.title = title
        ax.xLabel = xLabel
        ax.yLabel = yLabel
        let xs = series.flatMap(\.x), ys = series.flatMap(\.y).filter(\.isFinite)
        let x0 = xs.min() ?? 0, x1 = max(xs.max() ?? 1, x0 + 1)
        ax.xRange = (x0 - 0.5)...(x1 + 0.5)
        if xs.allSatisfy({ $0 == $0.rounded() }) { ax.xTicks = integerTicks(count: Int(x1)).filter { $0.0 >= x0 } }
        ax.yRange = 0...max((ys.max() ?? 1) * 1.08, 1e-6)
        for s in series {
            ax.plot(s.x, s.y, color: tab10[s.color % tab10.count], width: 2, dash: s.dashed ? 6 : nil, label: s.label)
        }
        ax.legend(.best)
        return fig
    }

    /// A metric over a sequence of commits (oldest first), with its interval as a band.
    public static func trend(labels: [String], values: [Double?], low: [Double?], high: [Double?], yLabel: String,
                             title: String) -> Figure {
        let fig = Figure(width: max(700, 140 + 70 * labels.count), height: 440)
        let ax = fig.addAxes(x: 90, y: 60, width: Double(max(500, 70 * labels.count)), height: 300)
        ax.title = title
        ax.yLabel = yLabel
        let x = labels.indices.map(Double.init)
        ax.xRange = -0.5...(Double(max(1, labels.count)) - 0.5)
        ax.xTicks = labels.enumerated().map { (Double($0.offset), $0.element) }
        ax.xTickRotation = 45
        fig.style.xLabelDrop = 10 + (labels.map { Double($0.count) }.max() ?? 5) * 6.5
        let all = (values + low + high).compactMap { $0 }
        let lo = all.min() ?? 0, hi = all.max() ?? 1, pad = max((hi - lo) * 0.1, 0.02)
        ax.yRange = max(0, lo - pad)...min(1.0, hi + pad)
        let banded = x.indices.filter { low[$0] != nil && high[$0] != nil }
        if !banded.isEmpty {
            ax.add(Band(x: banded.map { x[$0] }, low: banded.map { low[$0]! }, high: banded.map { high[$0]! },
                        color: tab10[0].withAlpha(60)))
        }
        let defined = x.indices.filter { values[$0] != nil }
        ax.plot(defined.map { x[$0] }, defined.map { values[$0]! }, color: tab10[0], width: 2)
        ax.add(Scatter(x: defined.map { x[$0] }, y: defined.map { values[$0]! }, color: tab10[0], radius: 4))
        return fig
    }
}
