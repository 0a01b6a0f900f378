// The one list of datasets. Its order is the order of `-d`'s choices, of the runners' defaults in the
// schema and of the help texts composed from the definitions.

enum DatasetRegistry {
    static let datasets: [Dataset] = [
        .synthetic, .fmnist, .cifar10, .mvtec, .imagenet, .pascalvoc, .custom,
        .generic,   // fs.FCDD.fit's in-memory images: not offered by -d, named by item-pipeline specs
    ]
}
