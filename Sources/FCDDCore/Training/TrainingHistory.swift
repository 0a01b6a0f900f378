// The per-epoch history of a training run in one JSON format, used by a run's history.json, the
// detector's description and its model file: parallel lists, one value per completed epoch.
//   {"loss": [...], "loss_std": [...], "lr": [...], "seconds": [...], "data_seconds": [...], "images": [...]}

extension EpochRecord {
    public static func json(_ history: [EpochRecord]) -> JSONValue {
        .object([
            ("loss", .array(history.map { .number($0.loss) })),
            ("loss_std", .array(history.map { .number($0.lossStd) })),
            ("lr", .array(history.map { .number($0.learningRate) })),
            ("seconds", .array(history.map { .number($0.seconds) })),
            ("data_seconds", .array(history.map { .number($0.dataSeconds) })),
            ("images", .array(history.map { .number(Double($0.images)) })),
        ])
    }

    /// The records of a stored history. Lists that are missing (files written before `data_seconds`
    /// was kept, or with the original's `err` names) read as zeros; the shortest list sets the length.
    public static func history(from json: JSONValue?) -> [EpochRecord] {
        func numbers(_ key: String, _ older: String? = nil) -> [Double]? {
            let list = json?[key]?.arrayValue ?? older.flatMap { json?[$0]?.arrayValue }
            return list?.compactMap { $0.doubleValue }
        }
        guard let loss = numbers("loss", "err") else { return [] }
        let std = numbers("loss_std", "err_std"), lr = numbers("lr"), seconds = numbers("seconds")
        let data = numbers("data_seconds"), images = numbers("images")
        let n = ([loss, std, lr, seconds, data, images].compactMap { $0?.count }).min() ?? 0
        func at(_ list: [Double]?, _ i: Int) -> Double { list?[i] ?? 0 }
        return (0..<n).map { i in
            EpochRecord(epoch: i, loss: loss[i], lossStd: at(std, i), learningRate: at(lr, i), seconds: at(seconds, i),
                        dataSeconds: at(data, i), images: Int(exactly: at(images, i)) ?? 0)
        }
    }
}
