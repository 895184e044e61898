extension Charts {
    /// Per-tag figures of a tagging run: one row per tag (in the given order, the first at the top),
    /// a bar per panel (ROC-AUC, PR-AUC), each panel's chance level marked: 0.5 for ROC-AUC, the
    /// tag's share of positive items for PR-AUC. An undefined value is written, never drawn as 0.
    public static func tagMetrics(tags: [String], rocAUC: [Double?], averagePrecision: [Double?], prevalence: [Double],
                                  title: String) -> Figure {
        let k = tags.count
        let rowHeight = k <= 12 ? 26.0 : k <= 30 ? 18.0 : 14.0
        let labelWidth = 30 + (tags.map { Double($0.count) }.max() ?? 5) * 7.2, panelWidth = 340.0, top = 70.0
        let height = rowHeight * Double(k)
        let fig = Figure(width: Int(labelWidth + 2 * panelWidth + 80), height: Int(top + height + 75))
        fig.suptitle = title
        let panels: [(String, [Double?], (Int) -> Double)] = [("ROC-AUC (chance 0.5, dashed)", rocAUC, { _ in 0.5 }),
                                                              ("PR-AUC (|: chance, the tag's share of clips)", averagePrecision,
                                                               { prevalence[$0] })]
        for (p, (name, values, chance)) in panels.enumerated() {
            let ax = fig.addAxes(x: labelWidth + Double(p) * (panelWidth + 40), y: top, width: panelWidth, height: height)
            ax.title = name
            ax.xRange = 0...1
            ax.yRange = 0...Double(k)
            ax.xTicks = stride(from: 0.0, through: 1.0, by: 0.2).map { ($0, String(format: "%.1f", $0)) }
            ax.yTicks = p == 0 ? tags.enumerated().map { (Double(k - $0.offset) - 0.5, $0.element) } : []
            let size = rowHeight < 16 ? 9.0 : 11.0
            for (i, value) in values.enumerated() {
                let y = Double(k - i) - 0.5
                guard let value else {
                    ax.add(Text(text: "undefined", x: 0.02, y: y, size: size, color: Color(0x77, 0x77, 0x77), anchor: .left,
                                baseline: .middle))
                    continue
                }
                ax.add(Band(x: [0, max(value, 1e-9)], low: [y - 0.32, y - 0.32], high: [y + 0.32, y + 0.32], color: tab10[p]))
                ax.add(Text(text: String(format: "%.3f", value), x: min(value + 0.015, 0.86), y: y, size: size, anchor: .left,
                            baseline: .middle))
                if p == 1 { ax.plot([chance(i), chance(i)], [y - 0.45, y + 0.45], color: Color(0x33, 0x33, 0x33), width: 1.5) }
            }
            if p == 0 { ax.plot([0.5, 0.5], [0, Double(k)], color: Color(0x55, 0x55, 0x55), width: 1, dash: 5) }
        }
        return fig
    }

    /// Precision-recall curves with their average precision in the legend, each with its chance
    /// level (the tag's share of positives) as a dotted line in the same colour.
    public static func precisionRecall(curves: [(label: String, recall: [Double], precision: [Double], ap: Double?,
                                                 prevalence: Double)], title: String) -> Figure {
        let (fig, ax) = unitSquare(title: title, xLabel: "recall", yLabel: "precision")
        for (i, c) in curves.enumerated() {
            let color = tab10[i % tab10.count]
            ax.plot([0, 1], [c.prevalence, c.prevalence], color: color.withAlpha(150), width: 1, dash: 3)
            let ap = c.ap.map { String(format: "%.3f", $0) } ?? "undefined"
            // As a step: between two recalls the precision is the higher recall's, so the area under
            // the drawn curve is the average precision (scikit-learn's drawstyle="steps-post").
            let order = c.recall.indices.sorted { c.recall[$0] != c.recall[$1] ? c.recall[$0] < c.recall[$1] : $0 > $1 }
            var x: [Double] = [], y: [Double] = []
            for (a, b) in zip(order, order.dropFirst()) {
                x += [c.recall[a], c.recall[b]]
                y += [c.precision[b], c.precision[b]]
            }
            ax.plot(x, y, color: color, width: 1.8, label: "\(c.label) (AP = \(ap))")
        }
        ax.legend(.best)
        return fig
    }
}
