import Foundation
import Plot
import Numerics

/// `lab bench plot`: time to render the three figures of a 10-class run to PNG.
struct PlotBenchmark {
    let repeats: Int

    func run() throws {
        let genres = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]
        let epochs = 30
        let loss = (0..<epochs).map { 2.3 * Elementary.exp(-Double($0) / 8) + 0.1 }
        let acc = (0..<epochs).map { 1 - 0.9 * Elementary.exp(-Double($0) / 6) }
        let counts = (0..<10).map { i in (0..<10).map { j in i == j ? 60 + 3 * i : (i * 7 + j * 3) % 9 } }
        let curves = genres.enumerated().map { (i, g) -> (label: String, fpr: [Double], tpr: [Double], auc: Double?) in
            let fpr = (0...300).map { Double($0) / 300 }
            return (g, fpr, fpr.map { Elementary.pow($0, 0.2 + 0.05 * Double(i)) }, 0.9 - 0.02 * Double(i))
        }
        let dir = try benchDirectory("plot")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try medianSeconds(repeats: repeats) {
            try Charts.lossHistory(trainLoss: loss, validationLoss: loss.map { $0 * 1.2 }, trainAccuracy: acc,
                                   validationAccuracy: acc.map { $0 * 0.9 }, validationAUC: acc.map { $0 }, bestEpoch: 21,
                                   title: "Multi class: training history").writePNG(to: dir + "/loss_history.png")
            try Charts.confusionMatrix(counts: counts, labels: genres, title: "Multi class: test clips").writePNG(to: dir + "/matrix.png")
            try Charts.roc(curves: curves, title: "Multi class: ROC").writePNG(to: dir + "/roc.png")
        }
        print(String(format: "three figures of a 10-class run: %.0f ms (median of %d)", t * 1000, repeats))
    }
}
